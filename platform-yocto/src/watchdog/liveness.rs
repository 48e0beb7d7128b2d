//! What the feeder asks before every feed: is every actor alive? [`Liveness`] is the question
//! (the supervisor implements it, or uses [`Heartbeats`]); [`Stalled`] names who is not.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// An actor that has not checked in for too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stalled {
    pub actor: String,
    pub silent_for: Duration,
}

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "actor {} silent for {} ms",
            self.actor,
            self.silent_for.as_millis()
        )
    }
}

/// "Every actor checked in within T". Implementations must answer quickly and without waiting on
/// any actor: the feeder calls it on its own thread every feed interval.
pub trait Liveness {
    /// `Ok` when every actor is alive at `now`; otherwise the first one found silent.
    fn check(&self, now: Instant) -> Result<(), Stalled>;
}

impl<F: Fn(Instant) -> Result<(), Stalled>> Liveness for F {
    fn check(&self, now: Instant) -> Result<(), Stalled> {
        self(now)
    }
}

impl<L: Liveness + ?Sized> Liveness for Arc<L> {
    fn check(&self, now: Instant) -> Result<(), Stalled> {
        (**self).check(now)
    }
}

/// Marks a retired heartbeat (its actor ended on purpose); never a real timestamp.
const RETIRED: u64 = u64::MAX;

/// A ready [`Liveness`]: each actor gets a [`Heartbeat`] and calls [`Heartbeat::beat`] at least
/// every `max_silence` (for example once per loop turn and on a timer while idle).
#[derive(Debug)]
pub struct Heartbeats {
    start: Instant,
    max_silence: Duration,
    actors: Mutex<Vec<(String, Arc<AtomicU64>)>>,
}

/// One actor's check-in; dropping it retires the actor (a clean exit is not a hang).
#[derive(Debug)]
pub struct Heartbeat {
    start: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Heartbeat {
    /// Records that the actor is alive now.
    pub fn beat(&self) {
        self.last_ms
            .store(ms_since(self.start, Instant::now()), Ordering::Relaxed);
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.last_ms.store(RETIRED, Ordering::Relaxed);
    }
}

fn ms_since(start: Instant, now: Instant) -> u64 {
    // RETIRED is out of reach: u64::MAX ms is 584 million years.
    u64::try_from(now.saturating_duration_since(start).as_millis()).unwrap_or(RETIRED - 1)
}

impl Heartbeats {
    pub fn new(max_silence: Duration) -> Self {
        Heartbeats {
            start: Instant::now(),
            max_silence,
            actors: Mutex::new(Vec::new()),
        }
    }

    /// Registers an actor, alive as of now.
    pub fn register(&self, actor: impl Into<String>) -> Heartbeat {
        let last_ms = Arc::new(AtomicU64::new(ms_since(self.start, Instant::now())));
        let mut actors = self.actors.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget retired actors so restarts do not grow the list.
        actors.retain(|(_, last)| last.load(Ordering::Relaxed) != RETIRED);
        actors.push((actor.into(), Arc::clone(&last_ms)));
        Heartbeat {
            start: self.start,
            last_ms,
        }
    }
}

impl Liveness for Heartbeats {
    fn check(&self, now: Instant) -> Result<(), Stalled> {
        let now_ms = ms_since(self.start, now);
        let max = u64::try_from(self.max_silence.as_millis()).unwrap_or(u64::MAX);
        let actors = self.actors.lock().unwrap_or_else(PoisonError::into_inner);
        for (name, last) in actors.iter() {
            let last = last.load(Ordering::Relaxed);
            if last == RETIRED {
                continue;
            }
            let silent = now_ms.saturating_sub(last);
            if silent > max {
                return Err(Stalled {
                    actor: name.clone(),
                    silent_for: Duration::from_millis(silent),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_actor_is_named_and_retired_actor_is_not() {
        let hb = Heartbeats::new(Duration::from_millis(100));
        let vrrp = hb.register("vrrp");
        let ipvs = hb.register("ipvs");
        let t0 = Instant::now();
        assert_eq!(hb.check(t0), Ok(()));
        vrrp.beat();
        let later = Instant::now() + Duration::from_millis(150);
        let stalled = hb.check(later).expect_err("both silent 150 ms from now");
        assert!(stalled.silent_for >= Duration::from_millis(100));
        drop(vrrp);
        drop(ipvs);
        assert_eq!(hb.check(later), Ok(()), "retired actors are not hung");
    }

    #[test]
    fn a_beat_keeps_an_actor_alive() {
        let hb = Heartbeats::new(Duration::from_millis(50));
        let a = hb.register("checker");
        std::thread::sleep(Duration::from_millis(80));
        assert!(hb.check(Instant::now()).is_err());
        a.beat();
        assert_eq!(hb.check(Instant::now()), Ok(()));
    }
}
