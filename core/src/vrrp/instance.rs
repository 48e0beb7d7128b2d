//! [`Instance`]: one virtual router's state, its single entry point [`Instance::handle`] and the
//! queries a driver and tests need. The transitions themselves live in `transition.rs`, advert
//! reception in `receive.rs` and the other inputs in `events.rs`.

use super::action::{Action, Actions};
use super::config::{Config, ConfigError};
use super::input::Input;
use super::interval::{self, AdvertInterval};
use super::priority::Priority;
use super::state::State;
use super::timers::{Timer, TimerTable};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};

/// One VRRP virtual router instance (a keepalived `vrrp_instance`), sans I/O.
///
/// Call order for a driver:
/// 1. Feed each event with [`handle`](Self::handle) and the current time, `Input::Startup`
///    first (events before it only record interface and track facts).
/// 2. Perform the returned actions in order.
/// 3. Arm one timer at [`next_deadline`](Self::next_deadline); when it fires, read the clock and
///    feed `Input::Timeout`. Re-read the deadline after every `handle`.
#[derive(Debug, Clone)]
pub struct Instance {
    pub(super) config: Config,
    pub(super) state: State,
    pub(super) timers: TimerTable,
    pub(super) effective: Priority,
    pub(super) master_adver_int: AdvertInterval,
    pub(super) faults: Faults,
    /// keepalived's "preempt_time has passed": lower-priority adverts are now discarded.
    pub(super) preempt_elapsed: bool,
    pub(super) stats: Stats,
}

/// Why an instance must be (or stay) in Fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Faults {
    /// The interface is down.
    pub interface_down: bool,
    /// A weight-0 tracked object is failing.
    pub track: bool,
    /// A sync-group peer is in its own Fault.
    pub sync: bool,
}

impl Faults {
    /// A fault of this instance itself (not one inherited from its sync group).
    pub const fn own(&self) -> bool {
        self.interface_down || self.track
    }

    /// Any reason at all.
    pub const fn any(&self) -> bool {
        self.own() || self.sync
    }
}

/// Counters for the RFC 6527 MIB style statistics and for tests; all saturate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stats {
    /// Adverts handed to the instance.
    pub adverts_received: u32,
    /// `SendAdvert` actions returned.
    pub adverts_sent: u32,
    /// Priority-0 adverts received.
    pub priority_zero_received: u32,
    /// Priority-0 adverts sent.
    pub priority_zero_sent: u32,
    /// Adverts of the other VRRP version.
    pub discarded_version: u32,
    /// Adverts with interval 0, or a VRRPv2 interval different from ours (RFC 3768 §7.1).
    pub discarded_interval: u32,
    /// Lower-priority adverts discarded (Backup preempting, or Master).
    pub discarded_lower_priority: u32,
    /// Transitions into Master.
    pub became_master: u32,
    /// Actions that did not fit in [`Actions`]: must stay 0 (see `MAX_ACTIONS`).
    pub actions_dropped: u32,
}

/// Collects one `handle` call's actions.
#[derive(Default)]
pub(super) struct Out {
    actions: Actions,
    dropped: u32,
}

impl Out {
    pub(super) fn push(&mut self, action: Action) {
        if self.actions.push(action).is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

impl Instance {
    /// A new instance in `Initialize`, after checking the configuration.
    pub fn new(config: Config) -> Result<Instance, ConfigError> {
        config.check()?;
        Ok(Instance {
            effective: config.priority,
            master_adver_int: config.advert_interval,
            config,
            state: State::Initialize,
            timers: TimerTable::new(),
            faults: Faults::default(),
            preempt_elapsed: false,
            stats: Stats::default(),
        })
    }

    /// Handles one event at `now` and returns what the driver must do, in order.
    ///
    /// Never panics and never allocates. `now` must not go backwards between calls; if it does,
    /// timers simply fire late.
    pub fn handle(&mut self, input: Input, now: Instant) -> Actions {
        let mut out = Out::default();
        match input {
            Input::Startup => self.on_startup(now, &mut out),
            Input::Shutdown => self.on_shutdown(&mut out),
            Input::Advert(advert) => self.on_advert(&advert, now, &mut out),
            Input::Timeout => self.on_timeout(now, &mut out),
            Input::InterfaceUp => self.on_interface(false, now, &mut out),
            Input::InterfaceDown => self.on_interface(true, now, &mut out),
            Input::Track(status) => self.on_track(status, now, &mut out),
            Input::Sync(sync) => self.on_sync(sync, now, &mut out),
        }
        self.stats.actions_dropped = self.stats.actions_dropped.saturating_add(out.dropped);
        out.actions
    }

    /// The earliest time at which the driver must feed `Input::Timeout`.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    /// The current state.
    pub const fn state(&self) -> State {
        self.state
    }

    /// The configuration the instance runs with.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The priority sent in adverts and used for elections: configured plus track weights.
    pub const fn effective_priority(&self) -> Priority {
        self.effective
    }

    /// RFC 5798 Master_Adver_Interval: ours when Master, the Master's (VRRPv3) when Backup.
    pub const fn master_adver_int(&self) -> AdvertInterval {
        self.master_adver_int
    }

    /// RFC 5798 Skew_Time for the current priority and Master_Adver_Interval.
    pub const fn skew_time(&self) -> Duration {
        interval::skew_time(self.config.version, self.effective, self.master_adver_int)
    }

    /// RFC 5798 Master_Down_Interval for the current priority and Master_Adver_Interval.
    pub const fn master_down_interval(&self) -> Duration {
        interval::master_down_interval(self.config.version, self.effective, self.master_adver_int)
    }

    /// The deadline of one timer, if armed.
    pub const fn timer(&self, timer: Timer) -> Option<Instant> {
        self.timers.get(timer)
    }

    /// The current fault reasons.
    pub const fn faults(&self) -> Faults {
        self.faults
    }

    /// The counters.
    pub const fn stats(&self) -> &Stats {
        &self.stats
    }

    pub(super) fn send_advert(&mut self, priority: u8, out: &mut Out) {
        self.stats.adverts_sent = self.stats.adverts_sent.saturating_add(1);
        if priority == super::priority::PRIORITY_STOP {
            self.stats.priority_zero_sent = self.stats.priority_zero_sent.saturating_add(1);
        }
        out.push(Action::SendAdvert {
            priority,
            max_adver_int_cs: self.config.advert_interval.centis(),
        });
    }
}
