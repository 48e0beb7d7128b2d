//! The clock port: the only way an actor learns the time or waits for it.
//!
//! Time is [`holdfast_core::time::Instant`] (milliseconds since an origin the implementation
//! picks, monotonic). Tests use [`FakeClock`], whose time moves only when the test moves it, so
//! timer-driven behaviour (retries, backoff) is tested without sleeping.

use holdfast_core::time::{Duration, Instant};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Monotonic time and timers.
pub trait Clock {
    /// The current time. Must never go backwards.
    fn now(&self) -> Instant;

    /// Completes once [`Clock::now`] is at or after `deadline` (at once if it already is).
    /// Dropping the future cancels the wait; it must not wake anything afterwards.
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()>;
}

/// A clock for tests: it starts at [`Instant::ZERO`] and moves only through
/// [`FakeClock::advance_to`]. Clones share one time.
#[derive(Debug, Clone, Default)]
pub struct FakeClock {
    shared: Arc<Mutex<FakeState>>,
}

#[derive(Debug, Default)]
struct FakeState {
    now: Instant,
    next_id: u64,
    sleepers: Vec<Sleeper>,
}

#[derive(Debug)]
struct Sleeper {
    id: u64,
    deadline: Instant,
    waker: Waker,
}

impl FakeClock {
    /// A clock at [`Instant::ZERO`].
    pub fn new() -> Self {
        FakeClock::default()
    }

    /// Moves time to `to` (never backwards) and wakes every sleeper whose deadline has come.
    pub fn advance_to(&self, to: Instant) {
        let due: Vec<Waker> = {
            let mut state = self.lock();
            if to > state.now {
                state.now = to;
            }
            let now = state.now;
            let (due, waiting) = std::mem::take(&mut state.sleepers)
                .into_iter()
                .partition(|s| s.deadline <= now);
            state.sleepers = waiting;
            due.into_iter().map(|s: Sleeper| s.waker).collect()
        };
        due.into_iter().for_each(Waker::wake);
    }

    /// Moves time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let to = self.now() + by;
        self.advance_to(to);
    }

    /// The earliest deadline anyone is waiting for.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.lock().sleepers.iter().map(|s| s.deadline).min()
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A test that panicked while holding the lock has failed already; keep the state.
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.lock().now
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        FakeSleep {
            clock: self.clone(),
            deadline,
            id: None,
        }
    }
}

struct FakeSleep {
    clock: FakeClock,
    deadline: Instant,
    id: Option<u64>,
}

impl Future for FakeSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        let old_id = self.id;
        let mut state = self.clock.lock();
        if state.now >= deadline {
            return Poll::Ready(());
        }
        let id = match old_id {
            Some(id) => id,
            None => {
                state.next_id = state.next_id.wrapping_add(1);
                state.next_id
            }
        };
        state.sleepers.retain(|s| s.id != id);
        state.sleepers.push(Sleeper {
            id,
            deadline,
            waker: cx.waker().clone(),
        });
        drop(state);
        self.id = Some(id);
        Poll::Pending
    }
}

impl Drop for FakeSleep {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.clock.lock().sleepers.retain(|s| s.id != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future;

    #[test]
    fn sleeps_end_only_when_time_is_moved() {
        let clock = FakeClock::new();
        let mut sleep = Box::pin(clock.sleep_until(Instant::from_millis(250)));
        assert!(future::block_on(future::poll_once(&mut sleep)).is_none());
        assert_eq!(clock.next_deadline(), Some(Instant::from_millis(250)));
        clock.advance(Duration::from_millis(249));
        assert!(future::block_on(future::poll_once(&mut sleep)).is_none());
        clock.advance(Duration::from_millis(1));
        assert!(future::block_on(future::poll_once(&mut sleep)).is_some());
        assert_eq!(clock.now(), Instant::from_millis(250));
    }

    #[test]
    fn past_deadlines_are_ready_and_dropped_sleeps_are_forgotten() {
        let clock = FakeClock::new();
        clock.advance_to(Instant::from_secs(2));
        future::block_on(clock.sleep_until(Instant::from_secs(1)));
        {
            let mut sleep = Box::pin(clock.sleep_until(Instant::from_secs(3)));
            assert!(future::block_on(future::poll_once(&mut sleep)).is_none());
        }
        assert_eq!(clock.next_deadline(), None);
        clock.advance_to(Instant::from_secs(1));
        assert_eq!(clock.now(), Instant::from_secs(2), "time never goes back");
    }
}
