//! Whether every supervised task is alive, for the hardware watchdog: [`Watch`] answers from any
//! thread, without waiting on a task.
//!
//! Every task the supervisor starts (the VRRP child, the IPVS branch, the module loader, the
//! IPVS actor) runs inside [`Watched`], which stamps the time a poll of the task began and clears
//! it when the poll returns. A task "never returning to its loop" (a busy loop, a blocking call
//! that never ends) is caught inside one poll, so it shows as a stamp older than the limit, with
//! the task's name. The daemon's other tasks (its main loop, the checker branch) are covered by
//! a pulse task that stamps the time whenever it runs: one task stuck in a poll starves every
//! other task of the one executor thread, so a late pulse means something hangs even when no
//! named task is caught.
//!
//! An idle task is not a hung one: an actor waiting for a message for an hour is fine, so
//! nothing here asks tasks to check in. A child that is failing and being restarted is alive
//! too: restarts are the supervisor's business, not the watchdog's.

use super::event::ChildName;
use crate::ports::clock::Clock;
use holdfast_core::time::{Duration, Instant};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

/// A slot's value while its task is not being polled.
const IDLE: u64 = 0;
/// A slot's value once its task has ended (the slot is then forgotten).
const RETIRED: u64 = u64::MAX;

/// A task that has been inside one poll, or an executor that has not run the pulse, for longer
/// than the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// The task's name, or `executor` for a late pulse.
    pub task: String,
    /// How long.
    pub for_: Duration,
}

impl fmt::Display for Stall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.task == PULSE {
            write!(f, "the executor has not run for {}", self.for_)
        } else {
            write!(f, "{} stuck in one poll for {}", self.task, self.for_)
        }
    }
}

/// The pulse's name in a [`Stall`].
pub const PULSE: &str = "executor";

#[derive(Debug)]
struct Slot {
    name: ChildName,
    /// [`IDLE`], [`RETIRED`], or the poll's start in milliseconds plus one.
    since: Arc<AtomicU64>,
}

#[derive(Debug, Default)]
struct Board {
    slots: Mutex<Vec<Slot>>,
    /// The pulse's last run in milliseconds plus one; [`IDLE`] while no pulse runs.
    pulse: AtomicU64,
}

/// The supervisor's liveness view; cheap to clone, `Send` and `Sync`.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    board: Arc<Board>,
}

fn stamp(at: Instant) -> u64 {
    at.total_millis().saturating_add(1).min(RETIRED - 1)
}

impl Watch {
    pub fn new() -> Self {
        Watch::default()
    }

    fn slots(&self) -> MutexGuard<'_, Vec<Slot>> {
        // A slot list is valid after any panic: each change is one push or one retain.
        self.board
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Wraps `task` so its polls are watched under `name`.
    pub fn watched<C: Clock, F: Future>(
        &self,
        name: ChildName,
        clock: C,
        task: F,
    ) -> Watched<C, F> {
        let since = Arc::new(AtomicU64::new(IDLE));
        let mut slots = self.slots();
        slots.retain(|s| s.since.load(Ordering::Relaxed) != RETIRED);
        slots.push(Slot {
            name,
            since: Arc::clone(&since),
        });
        Watched {
            task: Box::pin(task),
            clock,
            since,
        }
    }

    /// Records that the executor ran the pulse at `now`.
    pub fn pulse(&self, now: Instant) {
        self.board.pulse.store(stamp(now), Ordering::Relaxed);
    }

    /// `Ok` when, at `now`, no watched task has been inside one poll for longer than `limit`
    /// and the pulse (once started) ran within `limit`; otherwise the first stall found (a named
    /// task before the executor).
    pub fn check(&self, now: Instant, limit: Duration) -> Result<(), Stall> {
        let now_ms = stamp(now);
        let limit_ms = limit.total_millis();
        for slot in self.slots().iter() {
            let since = slot.since.load(Ordering::Relaxed);
            if since == IDLE || since == RETIRED {
                continue;
            }
            let for_ms = now_ms.saturating_sub(since);
            if for_ms > limit_ms {
                return Err(Stall {
                    task: slot.name.to_string(),
                    for_: Duration::from_millis(for_ms),
                });
            }
        }
        let pulse = self.board.pulse.load(Ordering::Relaxed);
        let for_ms = now_ms.saturating_sub(pulse);
        if pulse != IDLE && for_ms > limit_ms {
            return Err(Stall {
                task: PULSE.to_string(),
                for_: Duration::from_millis(for_ms),
            });
        }
        Ok(())
    }

    /// The pulse: stamps the time, sleeps `every`, forever. Spawn it on the executor whose
    /// tasks the watchdog should cover.
    pub async fn run_pulse<C: Clock>(self, clock: C, every: Duration) {
        loop {
            let now = clock.now();
            self.pulse(now);
            clock.sleep_until(now + every).await;
        }
    }
}

/// A task whose polls a [`Watch`] sees. Dropping it retires its slot.
pub struct Watched<C, F> {
    task: Pin<Box<F>>,
    clock: C,
    since: Arc<AtomicU64>,
}

impl<C: Clock + Unpin, F: Future> Future for Watched<C, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let start = stamp(self.clock.now());
        self.since.store(start, Ordering::Relaxed);
        let out = self.task.as_mut().poll(cx);
        self.since.store(IDLE, Ordering::Relaxed);
        out
    }
}

impl<C, F> Drop for Watched<C, F> {
    fn drop(&mut self) {
        self.since.store(RETIRED, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RestartPolicy, Supervisor, SupervisorEvent};
    use super::*;
    use crate::ports::clock::FakeClock;
    use smol::LocalExecutor;
    use std::rc::Rc;
    use std::sync::mpsc;

    const LIMIT: Duration = Duration::from_secs(2);

    fn supervisor(
        clock: &FakeClock,
    ) -> (
        Rc<LocalExecutor<'static>>,
        Supervisor<FakeClock>,
        async_channel::Receiver<SupervisorEvent>,
    ) {
        let executor = Rc::new(LocalExecutor::new());
        let (tx, rx) = async_channel::bounded(64);
        let sup = Supervisor::new(
            executor.clone(),
            clock.clone(),
            RestartPolicy::default(),
            tx,
        );
        (executor, sup, rx)
    }

    /// A future whose one poll does not return until told: an actor that never gets back to
    /// its loop (a busy loop, a blocking call).
    struct Stuck {
        entered: mpsc::Sender<()>,
        release: mpsc::Receiver<()>,
    }

    impl Future for Stuck {
        type Output = Result<(), String>;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
            let _ = self.entered.send(());
            let _ = self.release.recv();
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_child_stuck_in_one_poll_is_named_and_released_it_is_alive_again() {
        let clock = FakeClock::new();
        let (entered_tx, entered) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        let (watch_tx, watch_rx) = mpsc::channel();
        let thread_clock = clock.clone();
        let daemon = std::thread::spawn(move || {
            let (executor, mut sup, _events) = supervisor(&thread_clock);
            watch_tx
                .send(sup.watch(Duration::from_millis(500)))
                .expect("send");
            let mut stuck = Some(Stuck {
                entered: entered_tx,
                release: release_rx,
            });
            sup.spawn_child("vrrp", move || {
                let s = stuck.take();
                async move {
                    match s {
                        Some(s) => s.await,
                        None => Ok(()),
                    }
                }
            });
            // Runs the pulse and the child until the child has stopped for good.
            smol::block_on(executor.run(async {
                while !executor.is_empty() && executor.try_tick() {}
                smol::Timer::after(std::time::Duration::from_millis(10)).await;
            }));
        });
        let watch = watch_rx.recv().expect("watch");
        entered.recv().expect("the child runs");
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            watch.check(clock.now(), LIMIT),
            Ok(()),
            "1 s is within the limit"
        );
        clock.advance(Duration::from_secs(2));
        let stall = watch
            .check(clock.now(), LIMIT)
            .expect_err("3 s in one poll");
        assert_eq!(stall.task, "vrrp");
        assert_eq!(stall.for_, Duration::from_secs(3));
        assert_eq!(stall.to_string(), "vrrp stuck in one poll for 3.000s");
        release.send(()).expect("release");
        daemon.join().expect("daemon thread");
        // The child ended and its slot is retired: it is never named again (whether the pulse
        // ran once more before the executor stopped depends on the thread's timing).
        if let Err(stall) = watch.check(clock.now() + LIMIT, LIMIT) {
            assert_eq!(stall.task, PULSE);
        }
    }

    #[test]
    fn an_idle_child_is_alive_and_a_starved_pulse_is_not() {
        let clock = FakeClock::new();
        let (executor, mut sup, _events) = supervisor(&clock);
        let watch = sup.watch(Duration::from_millis(500));
        sup.spawn_child("idle", std::future::pending);
        let tick = || while executor.try_tick() {};
        tick();
        for _ in 0..20 {
            clock.advance(Duration::from_millis(500));
            tick();
            assert_eq!(watch.check(clock.now(), LIMIT), Ok(()));
        }
        // Nothing runs for 3 s: the executor is starved (some task hogs the thread).
        clock.advance(Duration::from_secs(3));
        let stall = watch.check(clock.now(), LIMIT).expect_err("pulse late");
        assert_eq!(stall.task, PULSE);
        assert_eq!(stall.to_string(), "the executor has not run for 3.000s");
        tick();
        assert_eq!(
            watch.check(clock.now(), LIMIT),
            Ok(()),
            "the pulse ran again"
        );
    }

    #[test]
    fn without_a_pulse_only_watched_polls_count() {
        let watch = Watch::new();
        assert_eq!(watch.check(Instant::from_secs(3600), LIMIT), Ok(()));
    }
}
