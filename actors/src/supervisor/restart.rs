//! When to restart a failed child: bounded exponential backoff ([`RestartPolicy::min`] doubling
//! to [`RestartPolicy::max`]) that starts over once a child has run for
//! [`RestartPolicy::stable_after`], so a child that fails once a day is restarted at once and one
//! that fails at every start is not restarted in a tight loop.

use crate::ipvs::Backoff;
use holdfast_core::time::{Duration, Instant};

/// The restart rule every supervised child follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Delay before the first restart.
    pub min: Duration,
    /// Longest delay between restarts.
    pub max: Duration,
    /// A child that ran this long before failing counts as healthy: its next restart waits
    /// only [`RestartPolicy::min`] again.
    pub stable_after: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            min: Duration::from_secs(1),
            max: Duration::from_secs(60),
            stable_after: Duration::from_secs(60),
        }
    }
}

/// The restart state of one child.
#[derive(Debug, Clone)]
pub(crate) struct Restarts {
    policy: RestartPolicy,
    backoff: Backoff,
    /// When the pending restart is due.
    pub(crate) due: Option<Instant>,
    /// Failures since the child last ran stably.
    pub(crate) failures: u32,
}

impl Restarts {
    pub(crate) fn new(policy: RestartPolicy) -> Self {
        Restarts {
            policy,
            backoff: Backoff::new(policy.min, policy.max),
            due: None,
            failures: 0,
        }
    }

    /// Records a failure at `now` of a child started at `started` (`None`: it never started) and
    /// returns the delay before the restart, which is then due.
    pub(crate) fn failed(&mut self, now: Instant, started: Option<Instant>) -> Duration {
        if started.is_some_and(|s| now.saturating_since(s) >= self.policy.stable_after) {
            self.backoff.reset();
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        let delay = self.backoff.next_delay();
        self.due = Some(now + delay);
        delay
    }

    /// Whether the restart is due at `now`; clears it when it is.
    pub(crate) fn take_due(&mut self, now: Instant) -> bool {
        match self.due {
            Some(at) if at <= now => {
                self.due = None;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_to_the_cap_and_start_over_after_a_stable_run() {
        let mut r = Restarts::new(RestartPolicy {
            min: Duration::from_secs(1),
            max: Duration::from_secs(4),
            stable_after: Duration::from_secs(10),
        });
        let t = Instant::from_secs;
        let delays: Vec<u64> = [0, 1, 3, 7, 11]
            .iter()
            .map(|&s| r.failed(t(s), Some(t(s))).total_millis())
            .collect();
        assert_eq!(delays, [1000, 2000, 4000, 4000, 4000]);
        assert_eq!(r.failures, 5);
        assert!(!r.take_due(t(14)));
        assert!(r.take_due(t(15)));
        assert_eq!(r.due, None);
        // Ran 20 s before failing: back to the minimum.
        assert_eq!(r.failed(t(40), Some(t(20))).total_millis(), 1000);
        assert_eq!(r.failures, 1);
    }
}
