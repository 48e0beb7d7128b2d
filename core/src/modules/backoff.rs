//! Bounded exponential backoff for loading rounds: the first retry after [`Backoff::initial`],
//! each next one twice as late, never later than [`Backoff::cap`].

use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// The loader's default first retry delay.
pub const DEFAULT_INITIAL: Duration = Duration::from_millis(250);
/// The loader's default longest retry delay.
pub const DEFAULT_CAP: Duration = Duration::from_secs(30);

/// Retry delays that double up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Backoff {
    pub initial: Duration,
    pub cap: Duration,
    next: Duration,
}

impl Backoff {
    /// Delays from `initial` doubling to `cap` (a cap below `initial` wins).
    pub const fn new(initial: Duration, cap: Duration) -> Self {
        let first = if initial.total_millis() < cap.total_millis() {
            initial
        } else {
            cap
        };
        Backoff {
            initial,
            cap,
            next: first,
        }
    }

    /// The delay before the next retry; each call doubles the one after.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        let doubled = delay.saturating_mul(2);
        self.next = if doubled > self.cap {
            self.cap
        } else {
            doubled
        };
        delay
    }

    /// Starts again from the initial delay (after the wanted modules change).
    pub fn reset(&mut self) {
        *self = Backoff::new(self.initial, self.cap);
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(DEFAULT_INITIAL, DEFAULT_CAP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn doubles_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..10).map(|_| b.next_delay().total_millis()).collect();
        assert_eq!(
            delays,
            [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        b.reset();
        assert_eq!(b.next_delay().total_millis(), 250);
    }

    #[test]
    fn cap_below_initial_wins() {
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }
}
