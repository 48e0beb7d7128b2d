//! Feeds the watchdog while [`Liveness`] says every actor is alive: [`Feeder`] is one decision
//! per tick (testable without threads or time), [`spawn_feeder`] runs it on its own thread and
//! [`FeederThread::stop`] ends with the magic close.

use super::{Liveness, Stalled, WatchdogDevice, WatchdogError};
use std::io;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Feeds per timeout: with three, one late or withheld tick alone never lets the watchdog fire.
pub const FEEDS_PER_TIMEOUT: u32 = 3;

/// Counters since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeederStats {
    pub feeds: u64,
    pub withheld: u64,
    pub errors: u64,
}

/// What one tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tick {
    Fed,
    /// Not fed, because this actor is silent.
    Withheld(Stalled),
}

/// Changes the feeder thread reports (not every feed: a serial line must stay readable).
#[derive(Debug)]
pub enum FeedEvent {
    /// The device took this timeout; feeding starts.
    Armed { timeout_s: u32 },
    /// Feeding stopped: the watchdog fires after its timeout unless the actor recovers.
    Withheld(Stalled),
    /// Every actor is alive again and feeding resumed.
    Resumed,
    /// The device refused a keepalive (reported once until a feed succeeds again).
    Error(WatchdogError),
}

/// The watchdog device, the liveness source and the feeding decision.
#[derive(Debug)]
pub struct Feeder<D, L> {
    device: D,
    liveness: L,
    timeout_s: u32,
    stats: FeederStats,
}

impl<D: WatchdogDevice, L: Liveness> Feeder<D, L> {
    /// Sets the device's timeout (the device may round it) and returns a feeder that has not fed
    /// yet.
    pub fn new(mut device: D, liveness: L, timeout_s: u32) -> Result<Self, WatchdogError> {
        let timeout_s = device.set_timeout(timeout_s)?;
        Ok(Feeder {
            device,
            liveness,
            timeout_s,
            stats: FeederStats::default(),
        })
    }

    /// The timeout the device uses.
    pub fn timeout_s(&self) -> u32 {
        self.timeout_s
    }

    /// How often [`Feeder::tick`] should run.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout_s)) / FEEDS_PER_TIMEOUT
    }

    pub fn stats(&self) -> FeederStats {
        self.stats
    }

    /// Asks the liveness source, and feeds only if every actor is alive.
    pub fn tick(&mut self, now: Instant) -> Result<Tick, WatchdogError> {
        match self.liveness.check(now) {
            Ok(()) => match self.device.keepalive() {
                Ok(()) => {
                    self.stats.feeds += 1;
                    Ok(Tick::Fed)
                }
                Err(e) => {
                    self.stats.errors += 1;
                    Err(e)
                }
            },
            Err(stalled) => {
                self.stats.withheld += 1;
                Ok(Tick::Withheld(stalled))
            }
        }
    }

    /// Disarms the watchdog with the magic close; for a clean stop only.
    pub fn close(self) -> Result<FeederStats, WatchdogError> {
        let stats = self.stats;
        self.device.magic_close()?;
        Ok(stats)
    }
}

/// A feeder running on its own thread.
#[derive(Debug)]
pub struct FeederThread<D, L> {
    stop: Sender<()>,
    join: JoinHandle<Feeder<D, L>>,
}

/// Runs `feeder` on a thread named `watchdog`: a tick at once, then one every
/// [`Feeder::interval`], reporting changes through `report` (called on the feeder thread; it must
/// not block).
pub fn spawn_feeder<D, L, R>(
    mut feeder: Feeder<D, L>,
    mut report: R,
) -> io::Result<FeederThread<D, L>>
where
    D: WatchdogDevice + Send + 'static,
    L: Liveness + Send + 'static,
    R: FnMut(FeedEvent) + Send + 'static,
{
    let (stop, stopped) = channel::<()>();
    let join = std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            report(FeedEvent::Armed {
                timeout_s: feeder.timeout_s(),
            });
            #[derive(PartialEq)]
            enum Last {
                Fed,
                Withheld,
                Failed,
            }
            let mut last = Last::Fed;
            loop {
                match feeder.tick(Instant::now()) {
                    Ok(Tick::Fed) => {
                        if last != Last::Fed {
                            report(FeedEvent::Resumed);
                        }
                        last = Last::Fed;
                    }
                    Ok(Tick::Withheld(stalled)) => {
                        if last != Last::Withheld {
                            report(FeedEvent::Withheld(stalled));
                        }
                        last = Last::Withheld;
                    }
                    Err(e) => {
                        if last != Last::Failed {
                            report(FeedEvent::Error(e));
                        }
                        last = Last::Failed;
                    }
                }
                match stopped.recv_timeout(feeder.interval()) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return feeder,
                }
            }
        })?;
    Ok(FeederThread { stop, join })
}

impl<D: WatchdogDevice, L: Liveness> FeederThread<D, L> {
    /// Clean stop: ends the thread and disarms the watchdog with the magic close.
    pub fn stop(self) -> Result<FeederStats, WatchdogError> {
        // A send error means the thread already ended, which join reports.
        let _ = self.stop.send(());
        match self.join.join() {
            Ok(feeder) => feeder.close(),
            Err(_) => Err(WatchdogError::new(
                super::WatchdogOp::MagicClose,
                io::Error::other("watchdog thread panicked; device left armed"),
            )),
        }
    }
}
