//! The instance's timers: a fixed table of deadlines indexed by [`Timer`], with an
//! earliest-deadline query. Nothing here sleeps or spawns; the driver arms one OS timer at
//! [`TimerTable::next_deadline`] and feeds `Input::Timeout` when it fires.

use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// One of the instance's timers. The declaration order is the order in which expired timers are
/// handled within one `Timeout`, so a Master_Down expiry (which arms the advert timer) comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timer {
    /// RFC 5798 Master_Down_Timer (Backup only).
    MasterDown,
    /// RFC 5798 Adver_Timer (Master only).
    Advertisement,
    /// keepalived `garp_master_delay`: the second gratuitous burst after becoming Master.
    GarpRepeat,
    /// keepalived `garp_master_refresh`: periodic gratuitous refresh while Master.
    GarpRefresh,
    /// keepalived `preempt_delay`: how long a Backup keeps accepting a lower-priority Master.
    PreemptDelay,
}

impl Timer {
    /// Number of timers, the table size.
    pub const COUNT: usize = 5;
    /// Every timer, in handling order.
    pub const ALL: [Timer; Timer::COUNT] = [
        Timer::MasterDown,
        Timer::Advertisement,
        Timer::GarpRepeat,
        Timer::GarpRefresh,
        Timer::PreemptDelay,
    ];

    // The discriminants are 0..COUNT by declaration, so indexing the table cannot go out of range.
    const fn index(self) -> usize {
        self as usize
    }
}

/// Deadlines of all timers; `None` means stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimerTable {
    deadlines: [Option<Instant>; Timer::COUNT],
}

impl TimerTable {
    /// A table with every timer stopped.
    pub const fn new() -> Self {
        TimerTable {
            deadlines: [None; Timer::COUNT],
        }
    }

    /// Arms `timer` to fire at `at`, replacing any earlier deadline.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.index()] = Some(at);
    }

    /// Stops `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    /// Stops every timer.
    pub fn stop_all(&mut self) {
        self.deadlines = [None; Timer::COUNT];
    }

    /// The deadline of `timer`, if armed.
    pub const fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// Whether `timer` is armed and its deadline is not after `now`.
    pub fn is_expired(&self, timer: Timer, now: Instant) -> bool {
        matches!(self.get(timer), Some(at) if at <= now)
    }

    /// The earliest armed deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().copied().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_deadline_ignores_stopped_timers() {
        let mut t = TimerTable::new();
        assert_eq!(t.next_deadline(), None);
        t.set(Timer::GarpRepeat, Instant::from_millis(500));
        t.set(Timer::Advertisement, Instant::from_millis(300));
        assert_eq!(t.next_deadline(), Some(Instant::from_millis(300)));
        t.stop(Timer::Advertisement);
        assert_eq!(t.next_deadline(), Some(Instant::from_millis(500)));
        assert!(!t.is_expired(Timer::GarpRepeat, Instant::from_millis(499)));
        assert!(t.is_expired(Timer::GarpRepeat, Instant::from_millis(500)));
        t.stop_all();
        assert_eq!(t.next_deadline(), None);
    }

    #[test]
    fn all_lists_every_timer_at_its_index() {
        for (i, timer) in Timer::ALL.iter().enumerate() {
            assert_eq!(timer.index(), i);
        }
    }
}
