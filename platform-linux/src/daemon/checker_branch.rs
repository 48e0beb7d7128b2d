//! The checker branch: runs the real servers' health checks and turns their results into IPVS
//! tables and scripts. One task on the daemon's executor owns:
//!
//! - the checker actor (`LinuxProbe`), restarted only when a reload changes the checker plan, and
//!   then seeded with the health it had (see `HealthMap::seed`);
//! - a [`HealthLink`]: each checker event updates the health and, on a change, rebuilds the
//!   desired table (failed servers removed, or at weight 0 with `inhibit_on_failure`; quorum with
//!   hysteresis and the sorry server), sent to the IPVS branch through an [`IpvsConfigurer`];
//! - a notify queue and worker (`LinuxScriptRunner`) for `notify_up`/`notify_down` and
//!   `quorum_up`/`quorum_down`, so a slow script never holds the checks back.
//!
//! While the branch runs it is the only sender of tables to the IPVS branch, so a reload never
//! briefly programs a server the checkers know is down. Checks never block other actors: the
//! checker actor runs each probe as its own task, and this branch only waits on the IPVS
//! branch's small control inbox. Shutdown: the actor gets `CheckerMsg::Shutdown` (its `omega`
//! events are turned into scripts, not tables: the IPVS branch's stop policy follows), then the
//! queued scripts get up to [`SCRIPT_DRAIN`] to finish.

use super::log::Log;
use crate::cli::Options;
use crate::clock::MonotonicClock;
use crate::notify::LinuxScriptRunner;
use crate::probe::LinuxProbe;
use futures_lite::future;
use holdfast_actors::checker::{CheckerActor, CheckerCounters, CheckerMsg, WarmupRng};
use holdfast_actors::health_map::{HealthLink, LinkOutput};
use holdfast_actors::ports::clock::Clock;
use holdfast_actors::supervisor::{IpvsConfigurer, IpvsHandle, IpvsWish};
use holdfast_actors::vrrp::{
    notify_queue, NotifyQueue, NotifyWorker, VrrpEvent, NOTIFY_CONCURRENCY, NOTIFY_QUEUE_CAPACITY,
};
use holdfast_core::checker::CheckerEvent;
use holdfast_core::config::model::Config;
use holdfast_core::ipvs::from_config::QuorumStates;
use holdfast_core::time::Duration;
use smol::channel::{Receiver, RecvError, Sender};
use smol::{LocalExecutor, Task};
use std::rc::Rc;

/// Capacity of the branch's control inbox (reloads and shutdown are rare; senders wait).
const CONTROL_CAPACITY: usize = 2;
/// Longest wait at shutdown for queued notify scripts (the `omega` ones).
pub const SCRIPT_DRAIN: Duration = Duration::from_secs(5);

enum Control {
    Reload(Box<Config>, IpvsWish),
    Shutdown,
}

/// The running checker branch.
#[must_use = "dropping the branch cancels the checks without the omega notifications"]
pub struct CheckerBranch {
    control: Sender<Control>,
    task: Task<()>,
}

impl CheckerBranch {
    /// Starts the branch for `config` when IPVS runs (`ipvs`, `wish`) and some real server has
    /// a checker; `None` otherwise, or when the probe cannot be built (logged).
    pub fn start(
        executor: &Rc<LocalExecutor<'static>>,
        options: &Options,
        log: &Log,
        config: &Config,
        quorum: &QuorumStates,
        ipvs: Option<&IpvsHandle>,
        wish: Option<&IpvsWish>,
    ) -> Option<CheckerBranch> {
        let (ipvs, wish) = (ipvs?, wish?);
        let link = HealthLink::new(config.clone(), quorum.clone());
        if !link.has_checkers() {
            return None;
        }
        let probe = match LinuxProbe::new() {
            Ok(p) => p,
            Err(e) => {
                log.error(format_args!(
                    "health checks cannot start: TLS setup failed: {e}"
                ));
                return None;
            }
        };
        let (control, inbox) = smol::channel::bounded(CONTROL_CAPACITY);
        let (queue, jobs) = notify_queue(NOTIFY_QUEUE_CAPACITY);
        let (failures_tx, failures) = smol::channel::bounded(NOTIFY_QUEUE_CAPACITY);
        let worker = NotifyWorker::new(
            jobs,
            LinuxScriptRunner::new(),
            NOTIFY_CONCURRENCY,
            Some(failures_tx),
        );
        let driver = Driver {
            executor: executor.clone(),
            log: branch_log(options, log),
            tap: log.tap().cloned(),
            link,
            wish: wish.clone(),
            ipvs: ipvs.configurer(),
            probe,
            clock: MonotonicClock::new(),
            rng: WarmupRng::new(seed()),
            actor: None,
            queue,
            worker: executor.spawn(worker.run()),
            failures,
        };
        let task = executor.spawn(driver.run(inbox));
        Some(CheckerBranch { control, task })
    }

    /// Takes a reloaded configuration and its IPVS wish (whose table the branch rebuilds with
    /// the health it knows).
    pub async fn reload(&self, config: &Config, wish: IpvsWish) {
        let msg = Control::Reload(Box::new(config.clone()), wish);
        // Closed only once the branch has ended.
        let _ = self.control.send(msg).await;
    }

    /// Stops the checks (sending the `omega` notifications) and waits for the branch to end.
    /// The daemon must keep reading supervisor events meanwhile.
    pub async fn shutdown(self) {
        let _ = self.control.send(Control::Shutdown).await;
        self.task.await;
    }
}

/// One checker actor run.
struct ActorRun {
    inbox: Sender<CheckerMsg>,
    events: Receiver<CheckerEvent>,
    _task: Task<CheckerCounters>,
}

struct Driver {
    executor: Rc<LocalExecutor<'static>>,
    log: Log,
    link: HealthLink,
    wish: IpvsWish,
    ipvs: IpvsConfigurer,
    probe: LinuxProbe,
    clock: MonotonicClock,
    rng: WarmupRng,
    actor: Option<ActorRun>,
    queue: NotifyQueue,
    worker: Task<()>,
    failures: Receiver<VrrpEvent>,
    tap: Option<super::appliance::Tap>,
}

enum Wake {
    Control(Result<Control, RecvError>),
    Event(Result<CheckerEvent, RecvError>),
    Failure(Result<VrrpEvent, RecvError>),
}

impl Driver {
    async fn run(mut self, control: Receiver<Control>) {
        self.send_table().await;
        self.start_actor();
        loop {
            let wake = {
                let control = async { Wake::Control(control.recv().await) };
                let event = async {
                    match &self.actor {
                        Some(a) => Wake::Event(a.events.recv().await),
                        None => future::pending().await,
                    }
                };
                let failure = async { Wake::Failure(self.failures.recv().await) };
                future::or(control, future::or(event, failure)).await
            };
            match wake {
                Wake::Control(Ok(Control::Reload(config, wish))) => {
                    self.wish = wish;
                    if self.link.reload(*config) {
                        self.log
                            .info("health checkers changed: restarting the checks");
                        self.actor = None;
                        self.start_actor();
                    }
                    self.send_table().await;
                }
                Wake::Control(Ok(Control::Shutdown) | Err(_)) => return self.stop().await,
                Wake::Event(Ok(event)) => {
                    if let Some(tap) = &self.tap {
                        tap.checker(&event);
                    }
                    let out = self.link.on_event(&event);
                    let desired = self.take(out);
                    if let Some(table) = desired {
                        self.wish.table = table;
                        self.ipvs.configure(self.wish.clone()).await;
                    }
                }
                Wake::Event(Err(_)) => {
                    // The actor ends only when told to or when its inbox closes, both ours.
                    self.log
                        .error("the checker actor stopped unexpectedly; restarting it");
                    self.actor = None;
                    self.start_actor();
                }
                Wake::Failure(Ok(e)) => self.log.warning(e),
                Wake::Failure(Err(_)) => {}
            }
        }
    }

    fn start_actor(&mut self) {
        let plan = self.link.plan();
        if plan.is_empty() {
            return;
        }
        let (inbox, inbox_rx) = smol::channel::bounded(holdfast_actors::checker::INBOX_CAPACITY);
        let (events_tx, events) = smol::channel::bounded(holdfast_actors::checker::EVENT_CAPACITY);
        let actor = CheckerActor::new(
            plan,
            self.probe.clone(),
            self.clock,
            &mut self.rng,
            events_tx,
        );
        let task = self.executor.spawn(actor.run(inbox_rx));
        self.actor = Some(ActorRun {
            inbox,
            events,
            _task: task,
        });
    }

    async fn send_table(&mut self) {
        let desired = self.link.desired();
        for p in &desired.problems {
            self.log.error(&p.message);
        }
        self.wish.table = desired.table;
        self.ipvs.configure(self.wish.clone()).await;
    }

    /// Logs the notes and queues the scripts; returns the new table, if any.
    fn take(&self, out: LinkOutput) -> Option<holdfast_core::ipvs::Table> {
        for note in &out.notes {
            self.log.line(note.severity(), note);
        }
        for job in out.scripts {
            if let Some(dropped) = self.queue.push(job) {
                self.log
                    .warning(format_args!("notify queue full: dropped {dropped}"));
            }
        }
        out.desired.map(|d| d.table)
    }

    async fn stop(mut self) {
        if let Some(actor) = self.actor.take() {
            let _ = actor.inbox.send(CheckerMsg::Shutdown).await;
            // The actor sends its omega events and ends, closing the channel.
            while let Ok(event) = actor.events.recv().await {
                let out = self.link.on_event(&event);
                let _ = self.take(out);
            }
        }
        let Driver {
            queue,
            worker,
            failures,
            log,
            clock,
            ..
        } = self;
        // Dropping the queue lets the worker finish what is queued, then end.
        drop(queue);
        let deadline = clock.now() + SCRIPT_DRAIN;
        let drain = async {
            while let Ok(e) = failures.recv().await {
                log.warning(e);
            }
            future::pending::<bool>().await
        };
        let finished = async {
            worker.await;
            true
        };
        let timeout = async {
            clock.sleep_until(deadline).await;
            false
        };
        if !future::or(finished, future::or(drain, timeout)).await {
            log.warning("notify scripts still running at shutdown were stopped");
        }
    }
}

/// The branch's own log, to the same place as the daemon's (a `Log` is not shared), with the
/// daemon log's console tap.
fn branch_log(options: &Options, daemon: &Log) -> Log {
    let mut log = if options.log_console {
        Log::console(options.log_detail)
    } else {
        Log::syslog(options.syslog_facility, options.log_detail)
    };
    if let Some(tap) = daemon.tap() {
        log.set_tap(tap.clone());
    }
    log
}

/// A warmup seed that differs between starts.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64 ^ u64::from(std::process::id()))
}
