//! The clock port on Linux: `CLOCK_MONOTONIC` (through `std::time::Instant`) in the core's
//! milliseconds since the clock was made, with smol's timers. Every actor of the daemon gets a
//! copy of one clock, so their instants compare.

use holdfast_actors::ports::clock::Clock;
use holdfast_core::time::Instant;
use std::future::Future;
use std::time::Duration;

/// A monotonic clock whose origin is its creation. Copies share the origin.
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

impl Clock for MonotonicClock {
    fn now(&self) -> Instant {
        let ms = self.origin.elapsed().as_millis();
        Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        // An instant too far to represent never comes: sleep forever rather than wrap.
        let at = self
            .origin
            .checked_add(Duration::from_millis(deadline.total_millis()));
        async move {
            let _fired_at = match at {
                Some(at) => smol::Timer::at(at).await,
                None => smol::Timer::never().await,
            };
        }
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

    #[test]
    fn a_deadline_beyond_the_representable_never_fires() {
        let c = MonotonicClock::new();
        let mut far = Box::pin(c.sleep_until(Instant::from_millis(u64::MAX)));
        let polled = smol::block_on(futures_lite::future::poll_once(&mut far));
        assert!(polled.is_none());
    }
}
