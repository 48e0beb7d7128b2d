//! Bounded exponential backoff for retrying the IPVS family lookup and failed passes: doubles from
//! a minimum to a cap, and resets after a success.

use holdfast_core::time::Duration;

/// The delays before successive retries: `min`, `2·min`, ... capped at `max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `min`; a `max` below `min` is raised to `min`.
    pub fn new(min: Duration, max: Duration) -> Backoff {
        let max = max.max(min);
        Backoff {
            min,
            max,
            next: min,
        }
    }

    /// The delay before the next retry, and doubles the one after.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = d.saturating_mul(2).min(self.max);
        d
    }

    /// Back to `min` after a success.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        let got: Vec<u64> = (0..5).map(|_| b.next_delay().total_millis()).collect();
        assert_eq!(got, [250, 500, 1000, 1000, 1000]);
        b.reset();
        assert_eq!(b.next_delay().total_millis(), 250);
    }
}
