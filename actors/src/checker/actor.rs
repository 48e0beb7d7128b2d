//! The checker actor's state and driver loop: start due probes as tasks, feed their results to
//! the core, publish the changes.

use super::rng::WarmupRng;
use super::run::run_check;
use super::CheckerMsg;
use crate::ports::clock::Clock;
use crate::ports::probe::Probe;
use async_channel::{Receiver, Sender};
use futures_lite::FutureExt;
use holdfast_core::checker::{CheckerEvent, CheckerState, Outcome, ServerHealth, ServerPlan};
use holdfast_core::time::Instant;
use smol::{LocalExecutor, Task};
use std::rc::Rc;

/// Counters for the status page; they only grow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckerCounters {
    /// Probe rounds started.
    pub probes: u64,
    /// Rounds that failed.
    pub failures: u64,
    /// Events published.
    pub events: u64,
}

struct Server {
    plan: ServerPlan,
    health: ServerHealth,
    checkers: Vec<CheckerState>,
    /// The task of each checker's running probe.
    tasks: Vec<Option<Task<()>>>,
}

/// A finished probe: (server, checker, outcome).
type Done = (usize, usize, Outcome);

/// The checker actor: runs every real server's checkers on their schedules.
#[must_use = "the actor does nothing until `run` is awaited"]
pub struct CheckerActor<P: Probe + 'static, C: Clock + Clone + 'static> {
    port: Rc<P>,
    clock: C,
    events: Sender<CheckerEvent>,
    servers: Vec<Server>,
    counters: CheckerCounters,
}

impl<P: Probe + 'static, C: Clock + Clone + 'static> CheckerActor<P, C> {
    /// Creates the actor for `plan` (from `holdfast_core::checker::checker_plan`). Each
    /// checker's first probe is due `BOOTSTRAP_DELAY` plus a share of its warmup from now.
    pub fn new(
        plan: Vec<ServerPlan>,
        port: P,
        clock: C,
        rng: &mut WarmupRng,
        events: Sender<CheckerEvent>,
    ) -> Self {
        let now = clock.now();
        let servers = plan
            .into_iter()
            .map(|plan| {
                let checkers: Vec<CheckerState> = plan
                    .checkers
                    .iter()
                    .map(|c| CheckerState::new(c.timing, c.alpha, now, rng.share(c.warmup)))
                    .collect();
                let initial: Vec<bool> = checkers.iter().map(CheckerState::is_up).collect();
                Server {
                    health: ServerHealth::new(plan.weight, &initial),
                    tasks: checkers.iter().map(|_| None).collect(),
                    checkers,
                    plan,
                }
            })
            .collect();
        CheckerActor {
            port: Rc::new(port),
            clock,
            events,
            servers,
            counters: CheckerCounters::default(),
        }
    }

    /// The counters.
    pub fn counters(&self) -> &CheckerCounters {
        &self.counters
    }

    /// Sends every server's initial state, then runs until [`CheckerMsg::Shutdown`], until every
    /// sender of `inbox` is gone, or until the event receiver is gone (all handled as shutdown).
    pub async fn run(mut self, inbox: Receiver<CheckerMsg>) -> CheckerCounters {
        let ex = LocalExecutor::new();
        ex.run(self.drive(&ex, inbox)).await;
        self.counters
    }

    async fn drive(&mut self, ex: &LocalExecutor<'static>, inbox: Receiver<CheckerMsg>) {
        let total: usize = self.servers.iter().map(|s| s.checkers.len()).sum();
        // One probe per checker at most is in flight, so the results never fill this.
        let (done_tx, done_rx) = async_channel::bounded::<Done>(total.max(1));
        if !self.snapshot().await {
            return self.stop().await;
        }
        loop {
            self.start_due(ex, &done_tx);
            let deadline = self.next_deadline();
            let wake = async { Wake::Msg(inbox.recv().await.ok()) }
                .or(async { done_rx.recv().await.map_or(Wake::Timer, Wake::Done) })
                .or(async {
                    match deadline {
                        Some(d) => self.clock.sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                    Wake::Timer
                })
                .await;
            let go_on = match wake {
                Wake::Msg(Some(CheckerMsg::Snapshot)) => self.snapshot().await,
                Wake::Msg(Some(CheckerMsg::Shutdown) | None) => false,
                Wake::Done(done) => self.handle_done(done).await,
                Wake::Timer => true,
            };
            if !go_on {
                return self.stop().await;
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.servers
            .iter()
            .flat_map(|s| s.checkers.iter())
            .filter_map(CheckerState::next_deadline)
            .min()
    }

    fn start_due(&mut self, ex: &LocalExecutor<'static>, done: &Sender<Done>) {
        let now = self.clock.now();
        for (si, server) in self.servers.iter_mut().enumerate() {
            for (ci, state) in server.checkers.iter_mut().enumerate() {
                if !state.start(now) {
                    continue;
                }
                self.counters.probes += 1;
                let (port, clock, done) = (self.port.clone(), self.clock.clone(), done.clone());
                let plan = server.plan.checkers.get(ci).cloned();
                let rs = server.plan.real_server;
                let task = ex.spawn(async move {
                    let outcome = match plan {
                        Some(plan) => run_check(&*port, &clock, &plan, &rs).await,
                        None => Outcome::Failure,
                    };
                    // The receiver lives as long as the loop; a closed one means shutdown.
                    let _ = done.send((si, ci, outcome)).await;
                });
                if let Some(slot) = server.tasks.get_mut(ci) {
                    *slot = Some(task);
                }
            }
        }
    }

    /// Takes one result; false when the event receiver is gone.
    async fn handle_done(&mut self, (si, ci, outcome): Done) -> bool {
        let now = self.clock.now();
        let Some(server) = self.servers.get_mut(si) else {
            return true;
        };
        if let Some(slot) = server.tasks.get_mut(ci) {
            *slot = None;
        }
        if !outcome.is_success() {
            self.counters.failures += 1;
        }
        let Some(state) = server.checkers.get_mut(ci) else {
            return true;
        };
        let report = state.handle_result(outcome, now);
        match server.health.handle_report(ci, outcome, report) {
            Some(change) => {
                let event = event(&server.plan, change);
                self.publish(event).await
            }
            None => true,
        }
    }

    async fn publish(&mut self, event: CheckerEvent) -> bool {
        self.counters.events += 1;
        self.events.send(event).await.is_ok()
    }

    /// Sends every server's state; false when the event receiver is gone.
    async fn snapshot(&mut self) -> bool {
        for i in 0..self.servers.len() {
            let Some(server) = self.servers.get(i) else {
                break;
            };
            let event = event(&server.plan, server.health.initial());
            if !self.publish(event).await {
                return false;
            }
        }
        true
    }

    /// Cancels every probe (dropping a task drops its port future, which kills its script) and
    /// sends the `omega` events.
    async fn stop(&mut self) {
        for server in &mut self.servers {
            server.tasks.iter_mut().for_each(|t| *t = None);
        }
        for i in 0..self.servers.len() {
            let Some(server) = self.servers.get_mut(i) else {
                break;
            };
            if !server.plan.omega {
                continue;
            }
            if let Some(change) = server.health.shutdown() {
                let event = event(&server.plan, change);
                if !self.publish(event).await {
                    return;
                }
            }
        }
    }
}

enum Wake {
    Msg(Option<CheckerMsg>),
    Done(Done),
    Timer,
}

fn event(plan: &ServerPlan, change: holdfast_core::checker::Change) -> CheckerEvent {
    CheckerEvent {
        virtual_server: plan.virtual_server.clone(),
        real_server: plan.real_server,
        up: change.up,
        weight: change.weight,
        cause: change.cause,
        notify: change.notify,
    }
}
