//! The clock port on Linux: `CLOCK_MONOTONIC` through `std::time::Instant`, in the core's
//! milliseconds since the clock was made, with smol's timers.

use holdfast_actors::ports::clock::Clock;
use holdfast_core::time::Instant;
use std::future::Future;
use std::time::Duration;

/// A monotonic clock whose origin is its creation. Copies share the origin.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: std::time::Instant,
}

impl SystemClock {
    /// A clock starting at zero now.
    pub fn new() -> Self {
        SystemClock {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        let ms = self.origin.elapsed().as_millis();
        Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        let at = self.origin + Duration::from_millis(deadline.total_millis());
        async move {
            smol::Timer::at(at).await;
        }
    }
}
