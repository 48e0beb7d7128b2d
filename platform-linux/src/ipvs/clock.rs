//! The ipvs actor's clock on Linux: `CLOCK_MONOTONIC` through `std::time::Instant`, in the core's
//! milliseconds since the clock was made, with smol's timer. To be folded into the shared clock
//! port when it lands.

use holdfast_actors::ipvs::IpvsClock;
use holdfast_core::time::Instant;
use std::time::Duration;

/// A monotonic clock whose origin is its creation.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: std::time::Instant,
}

impl MonotonicClock {
    /// A clock starting at zero now.
    pub fn new() -> MonotonicClock {
        MonotonicClock {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock::new()
    }
}

impl IpvsClock for MonotonicClock {
    fn now(&self) -> Instant {
        let ms = self.origin.elapsed().as_millis();
        Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    async fn sleep_until(&self, deadline: Instant) {
        let at = self.origin + Duration::from_millis(deadline.total_millis());
        smol::Timer::at(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_until_the_deadline_in_core_time() {
        let c = MonotonicClock::new();
        let deadline = c.now() + holdfast_core::time::Duration::from_millis(30);
        smol::block_on(c.sleep_until(deadline));
        assert!(c.now() >= deadline);
        assert!(c.now().total_millis() < 1000);
    }
}
