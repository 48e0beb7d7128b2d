//! The IPVS branch: the module loader, the gate, and the IPVS actor, run by one task.
//!
//! - The loader starts at once with the modules the configuration needs.
//! - The IPVS actor is constructed only from a loader update that carries `Some(ModulesReady)`:
//!   the proof is the constructor's argument, so there is no other way. Later proofs that differ
//!   go to the running actor as [`IpvsMsg::ModulesChanged`].
//! - A reload that changes the modules needed (a new `lb_algo`) sends the loader
//!   [`LoaderInput::Want`] and holds its table back until the loader's update answers those
//!   needs; the table and that proof then go to the actor together as [`IpvsMsg::Reloaded`].
//!   Sent at once, the table would meet the old proof, which does not name the new scheduler,
//!   and the actor would report the service "not loaded" until the module came. The wait is one
//!   loader round: a module that cannot be loaded releases the table too (its service is then
//!   reported, truly, not loaded) and the rest of the reload applies.
//! - A service the kernel refused for a missing scheduler makes the branch send
//!   [`LoaderInput::Recheck`]; while the loader cannot read the module tree at all, the branch
//!   asks for a round every [`IpvsParts::index_recheck`], since a tree mounted later gives no
//!   event and such a round costs a `stat` (the loader's own backoff grows to 30 s, meant for a
//!   present tree whose full index a round re-reads).
//! - An actor that ends without being asked to, or whose port cannot be opened, is restarted with
//!   the restart policy's backoff; so is the loader.
//! - Shutdown: the actor gets [`IpvsMsg::Shutdown`] (its stop policy), its reports are forwarded
//!   until it ends or [`IpvsParts::stop_timeout`] passes, then the loader is dropped.

use super::event::{ChildName, SupervisorEvent};
use super::liveness::Watch;
use super::restart::{RestartPolicy, Restarts};
use crate::gate::ModulesReady;
use crate::ipvs::{self, IpvsActor, IpvsConfig, IpvsMsg, IpvsReport, ServiceStatus};
use crate::module_loader::{
    self, LoaderExit, LoaderInput, LoaderSettings, LoaderUpdate, ModuleLoader,
};
use crate::ports::clock::Clock;
use crate::ports::ipvs::Ipvs;
use crate::ports::kernel_modules::KernelModules;
use async_channel::{Receiver, RecvError, Sender};
use futures_lite::future;
use holdfast_core::ipvs::Table;
use holdfast_core::modules::{IpvsNeeds, LoadReport};
use holdfast_core::time::{Duration, Instant};
use smol::{LocalExecutor, Task};
use std::rc::Rc;

/// Capacity of the IPVS actor's report channel (the actor never waits on it: a status that does
/// not fit is resent on a later pass).
pub const REPORT_CAPACITY: usize = 32;
/// Capacity of the branch's control inbox; senders wait (reloads and shutdown are rare).
pub const CONTROL_CAPACITY: usize = 2;

/// What the configuration wants from IPVS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsWish {
    /// The desired table.
    pub table: Table,
    /// The modules it needs.
    pub needs: IpvsNeeds,
    /// The actor's settings; a change applies when the actor next starts.
    pub config: IpvsConfig,
}

/// What the branch is told.
#[derive(Debug, Clone)]
pub enum IpvsControl {
    /// A (re)loaded configuration. An unchanged wish sends nothing.
    Configure(IpvsWish),
    /// Apply the stop policy and end.
    Shutdown,
}

/// Everything the branch needs from the platform.
pub struct IpvsParts<K, F, C> {
    /// The kernel-module port, cloned for each loader run.
    pub kernel: K,
    /// Opens an IPVS port for each actor run; an error is retried with backoff.
    pub open_port: F,
    /// The clock.
    pub clock: C,
    /// The loader's settings.
    pub loader: LoaderSettings,
    /// Restart backoff for the loader and the actor.
    pub restart: RestartPolicy,
    /// Longest wait for the actor to apply its stop policy.
    pub stop_timeout: Duration,
    /// Interval of extra loader rounds while the module tree cannot be read.
    pub index_recheck: Duration,
}

struct LoaderRun {
    inputs: Sender<LoaderInput>,
    updates: Receiver<LoaderUpdate>,
    started: Instant,
    _task: Task<LoaderExit>,
}

struct IpvsRun {
    inbox: Sender<IpvsMsg>,
    reports: Receiver<IpvsReport>,
    started: Instant,
    gate: ModulesReady,
    task: Task<()>,
}

pub(super) struct Branch<K, F, C> {
    parts: IpvsParts<K, F, C>,
    executor: Rc<LocalExecutor<'static>>,
    events: Sender<SupervisorEvent>,
    wish: IpvsWish,
    loader: Option<LoaderRun>,
    loader_restarts: Restarts,
    last_report: Option<LoadReport>,
    ready: Option<ModulesReady>,
    /// The table the IPVS actor has, or starts with: the wish's table once the loader has
    /// answered the wish's needs.
    released: Table,
    /// A reload changed the needs and the loader has not answered them yet: `wish.table` waits.
    awaiting_needs: bool,
    recheck_at: Option<Instant>,
    ipvs: Option<IpvsRun>,
    ipvs_restarts: Restarts,
    told_waiting: bool,
    watch: Watch,
}

enum Wake {
    Control(Result<IpvsControl, RecvError>),
    Update(Result<LoaderUpdate, RecvError>),
    Report(Result<IpvsReport, RecvError>),
    Timer,
}

impl<K, F, P, C> Branch<K, F, C>
where
    K: KernelModules + Clone + 'static,
    F: FnMut() -> Result<P, String>,
    P: Ipvs + 'static,
    C: Clock + Clone + Unpin + 'static,
{
    pub(super) fn new(
        parts: IpvsParts<K, F, C>,
        executor: Rc<LocalExecutor<'static>>,
        events: Sender<SupervisorEvent>,
        wish: IpvsWish,
        watch: Watch,
    ) -> Self {
        let policy = parts.restart;
        let released = wish.table.clone();
        Branch {
            parts,
            executor,
            events,
            wish,
            loader: None,
            loader_restarts: Restarts::new(policy),
            last_report: None,
            ready: None,
            released,
            awaiting_needs: false,
            recheck_at: None,
            ipvs: None,
            ipvs_restarts: Restarts::new(policy),
            told_waiting: false,
            watch,
        }
    }

    pub(super) async fn run(mut self, control: Receiver<IpvsControl>) {
        self.start_loader().await;
        loop {
            let wake = self.next_wake(&control).await;
            match wake {
                Wake::Control(Ok(IpvsControl::Configure(wish))) => self.configure(wish).await,
                Wake::Control(Ok(IpvsControl::Shutdown) | Err(RecvError)) => {
                    self.shutdown().await;
                    return;
                }
                Wake::Update(Ok(update)) => self.on_update(update).await,
                Wake::Update(Err(RecvError)) => {
                    let started = self.loader.take().map(|l| l.started);
                    let now = self.parts.clock.now();
                    let restart_in = self.loader_restarts.failed(now, started);
                    self.emit(SupervisorEvent::Failed {
                        child: ChildName::ModuleLoader,
                        reason: "the module loader stopped unexpectedly".into(),
                        restart_in,
                    })
                    .await;
                }
                Wake::Report(Ok(report)) => self.on_report(report).await,
                Wake::Report(Err(RecvError)) => {
                    let started = self.ipvs.take().map(|r| r.started);
                    self.ipvs_failed("the IPVS actor stopped unexpectedly".into(), started)
                        .await;
                }
                Wake::Timer => self.on_timer().await,
            }
        }
    }

    /// Waits for the next thing to do; the control inbox comes first so a shutdown is never
    /// starved by reports.
    async fn next_wake(&self, control: &Receiver<IpvsControl>) -> Wake {
        let deadline = [
            self.loader_restarts.due,
            self.ipvs_restarts.due,
            self.recheck_at,
        ]
        .into_iter()
        .flatten()
        .min();
        let control = async { Wake::Control(control.recv().await) };
        let update = async {
            match &self.loader {
                Some(l) => Wake::Update(l.updates.recv().await),
                None => future::pending().await,
            }
        };
        let report = async {
            match &self.ipvs {
                Some(r) => Wake::Report(r.reports.recv().await),
                None => future::pending().await,
            }
        };
        let timer = async {
            match deadline {
                Some(at) => {
                    self.parts.clock.sleep_until(at).await;
                    Wake::Timer
                }
                None => future::pending().await,
            }
        };
        future::or(control, future::or(update, future::or(report, timer))).await
    }

    async fn emit(&self, event: SupervisorEvent) {
        // Closed only when the daemon is gone; nothing left to tell then.
        let _ = self.events.send(event).await;
    }

    async fn start_loader(&mut self) {
        let (inputs, inbox) = async_channel::bounded(module_loader::INBOX_CAPACITY);
        let (updates_tx, updates) = async_channel::bounded(module_loader::UPDATE_CAPACITY);
        let loader = ModuleLoader::new(
            self.parts.kernel.clone(),
            self.parts.clock.clone(),
            self.parts.loader,
            self.wish.needs.clone(),
        );
        let task = self.executor.spawn(self.watch.watched(
            ChildName::ModuleLoader,
            self.parts.clock.clone(),
            loader.run(inbox, updates_tx),
        ));
        self.loader = Some(LoaderRun {
            inputs,
            updates,
            started: self.parts.clock.now(),
            _task: task,
        });
        self.emit(SupervisorEvent::Started {
            child: ChildName::ModuleLoader,
        })
        .await;
    }

    async fn on_update(&mut self, update: LoaderUpdate) {
        if self.last_report.as_ref() != Some(&update.report) {
            self.last_report = Some(update.report.clone());
            self.emit(SupervisorEvent::Loader(update.report.clone()))
                .await;
        }
        self.recheck_at = update
            .report
            .index_error()
            .map(|_| self.parts.clock.now() + self.parts.index_recheck);
        self.ready = update.ready;
        let table = self.release_on_answer(&update.needs);
        let Some(ready) = self.ready.clone() else {
            // ip_vs is gone: a running actor keeps its proof and gets the table it must hold.
            if let (Some(run), Some(table)) = (&self.ipvs, table) {
                let _ = run.inbox.send(IpvsMsg::DesiredState(table)).await;
            }
            if self.ipvs.is_none() && !self.told_waiting {
                self.told_waiting = true;
                self.emit(SupervisorEvent::WaitingForModules).await;
            }
            return;
        };
        match &mut self.ipvs {
            Some(run) => {
                let gate_changed = run.gate != ready;
                if gate_changed {
                    run.gate = ready.clone();
                }
                let msg = match (gate_changed, table) {
                    (true, Some(table)) => Some(IpvsMsg::Reloaded { table, ready }),
                    (true, None) => Some(IpvsMsg::ModulesChanged(ready)),
                    (false, Some(table)) => Some(IpvsMsg::DesiredState(table)),
                    (false, None) => None,
                };
                if let Some(msg) = msg {
                    let _ = run.inbox.send(msg).await;
                }
            }
            None if self.ipvs_restarts.due.is_none() => self.start_ipvs(ready).await,
            None => {}
        }
    }

    /// After a loader update for `answered`: when it answers the needs a reload is waiting on,
    /// the reload's table becomes the actor's; returns it when it differs from the one the actor
    /// has. An update for earlier needs releases nothing.
    fn release_on_answer(&mut self, answered: &IpvsNeeds) -> Option<Table> {
        if !self.awaiting_needs || *answered != self.wish.needs {
            return None;
        }
        self.awaiting_needs = false;
        if self.released == self.wish.table {
            return None;
        }
        self.released = self.wish.table.clone();
        Some(self.released.clone())
    }

    async fn on_report(&mut self, report: IpvsReport) {
        let missing_scheduler = matches!(
            report,
            IpvsReport::Service {
                status: ServiceStatus::SchedulerMissing { .. },
                ..
            }
        );
        self.emit(SupervisorEvent::Ipvs(report)).await;
        if missing_scheduler {
            if let Some(loader) = &self.loader {
                // A full inbox already holds a round request.
                let _ = loader.inputs.try_send(LoaderInput::Recheck);
            }
        }
    }

    async fn on_timer(&mut self) {
        let now = self.parts.clock.now();
        if self.loader.is_none() && self.loader_restarts.take_due(now) {
            self.start_loader().await;
        }
        if self.ipvs_restarts.take_due(now) {
            match self.ready.clone() {
                Some(ready) => self.start_ipvs(ready).await,
                None => {
                    self.told_waiting = true;
                    self.emit(SupervisorEvent::WaitingForModules).await;
                }
            }
        }
        if self.recheck_at.is_some_and(|at| at <= now) {
            self.recheck_at = Some(now + self.parts.index_recheck);
            if let Some(loader) = &self.loader {
                let _ = loader.inputs.try_send(LoaderInput::Recheck);
            }
        }
    }

    /// Constructs the IPVS actor: the only call site of [`IpvsActor::new`], reached only with a
    /// proof from a loader update.
    async fn start_ipvs(&mut self, ready: ModulesReady) {
        let port = match (self.parts.open_port)() {
            Ok(port) => port,
            Err(reason) => {
                self.ipvs_failed(format!("cannot open the IPVS port: {reason}"), None)
                    .await;
                return;
            }
        };
        let (inbox, inbox_rx) = async_channel::bounded(ipvs::INBOX_CAPACITY);
        let (reports_tx, reports) = async_channel::bounded(REPORT_CAPACITY);
        // A fresh channel has room: the actor's first pass already has the table, the one the
        // proof answers (a reload's table still waiting for the loader is not).
        let _ = inbox.try_send(IpvsMsg::DesiredState(self.released.clone()));
        let actor = IpvsActor::new(
            ready.clone(),
            port,
            self.parts.clock.clone(),
            self.wish.config.clone(),
            reports_tx,
        );
        let task = self.executor.spawn(self.watch.watched(
            ChildName::Ipvs,
            self.parts.clock.clone(),
            actor.run(inbox_rx),
        ));
        self.ipvs = Some(IpvsRun {
            inbox,
            reports,
            started: self.parts.clock.now(),
            gate: ready,
            task,
        });
        self.told_waiting = false;
        self.emit(SupervisorEvent::Started {
            child: ChildName::Ipvs,
        })
        .await;
    }

    async fn ipvs_failed(&mut self, reason: String, started: Option<Instant>) {
        let now = self.parts.clock.now();
        let restart_in = self.ipvs_restarts.failed(now, started);
        self.emit(SupervisorEvent::Failed {
            child: ChildName::Ipvs,
            reason,
            restart_in,
        })
        .await;
    }

    /// Takes a (re)loaded wish. New needs go to the loader and hold the table back until the
    /// loader answers them (see [`Branch::release_on_answer`]); a loader being restarted starts
    /// with them and answers in its first round. Otherwise a changed table goes to the actor at
    /// once, unless an earlier reload's table is still waiting (this one then waits with it).
    async fn configure(&mut self, wish: IpvsWish) {
        let needs_changed = wish.needs != self.wish.needs;
        self.wish = wish;
        if needs_changed {
            self.awaiting_needs = true;
            if let Some(loader) = &self.loader {
                let _ = loader
                    .inputs
                    .send(LoaderInput::Want(self.wish.needs.clone()))
                    .await;
            }
        } else if !self.awaiting_needs && self.wish.table != self.released {
            self.released = self.wish.table.clone();
            if let Some(run) = &self.ipvs {
                let _ = run
                    .inbox
                    .send(IpvsMsg::DesiredState(self.released.clone()))
                    .await;
            }
        }
    }

    async fn shutdown(&mut self) {
        if let Some(run) = self.ipvs.take() {
            let _ = run.inbox.send(IpvsMsg::Shutdown).await;
            let deadline = self.parts.clock.now() + self.parts.stop_timeout;
            let forward = async {
                while let Ok(report) = run.reports.recv().await {
                    self.emit(SupervisorEvent::Ipvs(report)).await;
                }
            };
            let timeout = self.parts.clock.sleep_until(deadline);
            future::or(forward, timeout).await;
            // Dropping the task cancels an actor that overran its stop timeout.
            drop(run.task);
            self.emit(SupervisorEvent::Stopped {
                child: ChildName::Ipvs,
            })
            .await;
        }
        if self.loader.take().is_some() {
            self.emit(SupervisorEvent::Stopped {
                child: ChildName::ModuleLoader,
            })
            .await;
        }
    }
}
