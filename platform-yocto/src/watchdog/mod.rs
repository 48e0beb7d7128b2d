//! The hardware watchdog: fed only while the supervisor sees every actor alive, so a hung actor
//! (or a frozen process) lets the board reset; disarmed with the magic close on a clean stop.
//!
//! ```text
//!  supervisor ── implements ──▶ Liveness ◀── check(now) ── Feeder ── keepalive ──▶ WatchdogDevice
//!  actors ── Heartbeat::beat ─▶ Heartbeats (a ready Liveness)        (thread)       LinuxWatchdog
//!                                                                                    FakeWatchdog
//! ```
//!
//! Contract: a feed happens only after a liveness check that passed in the same tick; a failed
//! check withholds it (the device then fires after its timeout unless the actor recovers);
//! [`FeederThread::stop`] ends with the magic close, and only there. A crash or SIGKILL closes the
//! device without it, so the watchdog stays armed and fires, which is the point: under
//! `panic = "abort"` init's respawn plus this watchdog are the last line of defence.

mod fake;
mod feeder;
mod linux;
mod liveness;

pub use fake::{FakeWatchdog, FakeWatchdogLog};
pub use feeder::{spawn_feeder, FeedEvent, Feeder, FeederStats, FeederThread, Tick};
pub use linux::{LinuxWatchdog, DEFAULT_DEVICE};
pub use liveness::{Heartbeat, Heartbeats, Liveness, Stalled};

use std::fmt;
use std::io;

/// A watchdog device: the operations of the Linux watchdog API (`Documentation/watchdog/
/// watchdog-api.rst`) that the feeder needs. Opening is each implementation's constructor;
/// dropping without [`WatchdogDevice::magic_close`] must leave the watchdog armed.
pub trait WatchdogDevice {
    /// Asks for a timeout of `seconds`; returns the timeout the device really uses (drivers
    /// round to what their hardware can count).
    fn set_timeout(&mut self, seconds: u32) -> Result<u32, WatchdogError>;
    /// Restarts the countdown.
    fn keepalive(&mut self) -> Result<(), WatchdogError>;
    /// Writes the magic character `V` and closes: the driver disarms the watchdog, unless it was
    /// built with `nowayout`, in which case it keeps counting and the next holder must feed it.
    fn magic_close(self) -> Result<(), WatchdogError>
    where
        Self: Sized;
}

/// Which watchdog operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchdogOp {
    Open,
    SetTimeout,
    Keepalive,
    MagicClose,
}

/// A watchdog operation that failed, with the OS error.
#[derive(Debug)]
pub struct WatchdogError {
    pub op: WatchdogOp,
    pub source: io::Error,
}

impl WatchdogError {
    pub fn new(op: WatchdogOp, source: io::Error) -> Self {
        WatchdogError { op, source }
    }
}

impl fmt::Display for WatchdogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            WatchdogOp::Open => "open",
            WatchdogOp::SetTimeout => "set timeout (WDIOC_SETTIMEOUT)",
            WatchdogOp::Keepalive => "keepalive (WDIOC_KEEPALIVE)",
            WatchdogOp::MagicClose => "magic close",
        };
        write!(f, "watchdog {op}: {}", self.source)
    }
}

impl std::error::Error for WatchdogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
