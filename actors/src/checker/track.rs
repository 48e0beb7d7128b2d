//! The tracker actor: runs `vrrp_script`s on their intervals, polls `track_file`s, takes
//! interface states from the daemon, and publishes each instance's [`TrackEvent`] when it
//! changes.
//!
//! Scripts run as keepalived runs them: the first run at start, then every `interval` counted
//! from the previous start; a run that is still going when the next is due makes that one be
//! skipped; each run may take `timeout` (0: the interval) before it is killed. `track_file`s are
//! read at start and every [`FILE_POLL`] (keepalived uses inotify; a changed number is seen
//! within one poll here); a number keepalived would not take (`track_file_accepts`) leaves the
//! file's last value in place and gives one [`TrackNote`] per change of the text's number.
//! `init_file` (creating the file) is the daemon's job, before the actor starts.
//!
//! The weight arithmetic is the core's (`holdfast_core::checker::evaluate`); this actor is its
//! only caller, and the vrrp actor only takes the resulting per-instance status. A
//! [`TrackMsg::Reload`] keeps the state, schedule and running process of every script whose
//! definition did not change (a reload does not reset rise/fall counters), and the known state of
//! every interface still tracked.
//!
//! With [`TrackActor::with_notes`], every result also sends the scripts' states
//! ([`TrackNote::Scripts`]); a tracker started again after a failure takes them back with
//! [`TrackActor::resume`], so a restart does not reset rise/fall counters either (a failed script
//! would otherwise count as up again until its next run and `fall` failures).

use super::run::run_script;
use super::TrackMsg;
use crate::ports::clock::Clock;
use crate::ports::probe::{Probe, ScriptRun};
use async_channel::{Receiver, Sender};
use futures_lite::FutureExt;
use holdfast_core::checker::{
    evaluate, track_file_accepts, ScriptHealth, ScriptState, Sources, TrackEvent, TrackPlan,
};
use holdfast_core::config::model::VrrpScript;
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::TrackStatus;
use smol::{LocalExecutor, Task};
use std::fmt;
use std::fmt::Write as _;
use std::rc::Rc;

/// How often `track_file`s are read again.
pub const FILE_POLL: Duration = Duration::from_secs(1);

/// Counters for the status page; they only grow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackCounters {
    /// Script runs started.
    pub runs: u64,
    /// Runs skipped because the previous one was still going.
    pub skipped: u64,
    /// Events published.
    pub events: u64,
}

/// What the tracker reports besides statuses: log lines, and the scripts' states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackNote {
    /// A `track_file` held a number keepalived ignores; the file keeps its last value. Dropped
    /// when the notes channel is full.
    InvalidFileNumber { path: String, number: i64 },
    /// Every script's definition and state, after results or a reload; for
    /// [`TrackActor::resume`]. When the channel is full it is sent again at the actor's next
    /// wake-up (each carries every script, so only the newest matters).
    Scripts(Vec<(VrrpScript, ScriptState)>),
}

impl fmt::Display for TrackNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // keepalived's words, so the two logs read alike.
            TrackNote::InvalidFileNumber { path, number } => {
                write!(f, "Invalid number {number} read from {path} - ignoring")
            }
            TrackNote::Scripts(scripts) => {
                let mut line = String::from("script states:");
                for (conf, state) in scripts {
                    let _ = write!(line, " {} {:?}", conf.name, state.health());
                }
                f.write_str(&line)
            }
        }
    }
}

struct Script {
    /// Stable across reloads: a result is matched to its script by id, never by position.
    id: u64,
    state: ScriptState,
    next: Instant,
    task: Option<Task<()>>,
}

/// The tracker actor.
#[must_use = "the actor does nothing until `run` is awaited"]
pub struct TrackActor<P: Probe + 'static, C: Clock + Clone + 'static> {
    port: Rc<P>,
    clock: C,
    events: Sender<TrackEvent>,
    notes: Option<Sender<TrackNote>>,
    plan: TrackPlan,
    scripts: Vec<Script>,
    interfaces: Vec<Option<bool>>,
    files: Vec<i64>,
    /// The number each file's text held at the last read, taken or not (a note per change).
    read: Vec<i64>,
    /// The scripts' states changed since the last [`TrackNote::Scripts`] that went out.
    scripts_unsent: bool,
    next_file_poll: Instant,
    sent: Vec<Option<(TrackStatus, bool)>>,
    next_id: u64,
    counters: TrackCounters,
}

impl<P: Probe + 'static, C: Clock + Clone + 'static> TrackActor<P, C> {
    /// Creates the actor for `plan` (from `holdfast_core::checker::track_plan`).
    pub fn new(plan: TrackPlan, port: P, clock: C, events: Sender<TrackEvent>) -> Self {
        let now = clock.now();
        let scripts = (0u64..)
            .zip(&plan.scripts)
            .map(|(id, s)| new_script(id, s, now))
            .collect();
        TrackActor {
            next_id: u64::try_from(plan.scripts.len()).unwrap_or(u64::MAX),
            port: Rc::new(port),
            clock,
            events,
            notes: None,
            interfaces: vec![None; plan.interfaces.len()],
            files: vec![0; plan.files.len()],
            read: vec![0; plan.files.len()],
            scripts_unsent: false,
            sent: vec![None; plan.instances.len()],
            scripts,
            next_file_poll: now,
            plan,
            counters: TrackCounters::default(),
        }
    }

    /// Sends [`TrackNote`]s to `notes`. The actor never waits for room: a full channel loses a
    /// log note, and delays a [`TrackNote::Scripts`] to the next wake-up.
    pub fn with_notes(mut self, notes: Sender<TrackNote>) -> Self {
        self.notes = Some(notes);
        self
    }

    /// Starts each script whose definition is in `states` (a [`TrackNote::Scripts`] of an
    /// earlier run) from that state instead of its initial one; each still runs at once.
    pub fn resume(mut self, states: &[(VrrpScript, ScriptState)]) -> Self {
        for (script, conf) in self.scripts.iter_mut().zip(&self.plan.scripts) {
            if let Some((_, state)) = states.iter().find(|(c, _)| same_script(c, conf)) {
                script.state = *state;
            }
        }
        self
    }

    /// Runs until [`TrackMsg::Shutdown`], until every sender of `inbox` is gone, or until the
    /// event receiver is gone.
    pub async fn run(mut self, inbox: Receiver<TrackMsg>) -> TrackCounters {
        let ex = LocalExecutor::new();
        ex.run(self.drive(&ex, inbox)).await;
        // Dropping the tasks drops the port futures, which kill their scripts.
        self.scripts.iter_mut().for_each(|s| s.task = None);
        self.counters
    }

    async fn drive(&mut self, ex: &LocalExecutor<'static>, inbox: Receiver<TrackMsg>) {
        // Sized for one result per script; a reload that adds scripts makes their tasks wait a
        // turn of this loop at most.
        let (done_tx, done_rx) = async_channel::bounded::<(u64, bool)>(self.scripts.len().max(1));
        self.poll_files().await;
        if !self.publish(true).await {
            return;
        }
        loop {
            self.note_scripts();
            self.start_due(ex, &done_tx);
            let deadline = self
                .scripts
                .iter()
                .map(|s| s.next)
                .chain(Some(self.next_file_poll).filter(|_| !self.files.is_empty()))
                .min();
            let wake = async { Wake::Msg(inbox.recv().await.ok()) }
                .or(async {
                    done_rx
                        .recv()
                        .await
                        .map_or(Wake::Timer, |(i, ok)| Wake::Done(i, ok))
                })
                .or(async {
                    match deadline {
                        Some(d) => self.clock.sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                    Wake::Timer
                })
                .await;
            let changed = match wake {
                Wake::Msg(Some(TrackMsg::Interface { name, up })) => {
                    let mut changed = false;
                    for (n, state) in self.plan.interfaces.iter().zip(self.interfaces.iter_mut()) {
                        if *n == name && *state != Some(up) {
                            *state = Some(up);
                            changed = true;
                        }
                    }
                    changed
                }
                Wake::Msg(Some(TrackMsg::Reload(plan))) => {
                    self.reload(*plan);
                    self.scripts_unsent = true;
                    self.poll_files().await;
                    if !self.publish(true).await {
                        return;
                    }
                    false
                }
                Wake::Msg(Some(TrackMsg::Snapshot)) => {
                    if !self.publish(true).await {
                        return;
                    }
                    false
                }
                Wake::Msg(Some(TrackMsg::Shutdown) | None) => return,
                Wake::Done(i, ok) => {
                    // Results that arrived together make one status change, not several.
                    let mut changed = self.handle_done(i, ok);
                    while let Ok((i, ok)) = done_rx.try_recv() {
                        changed |= self.handle_done(i, ok);
                    }
                    self.scripts_unsent = true;
                    changed
                }
                Wake::Timer => {
                    if !self.files.is_empty() && self.clock.now() >= self.next_file_poll {
                        self.poll_files().await
                    } else {
                        false
                    }
                }
            };
            if changed && !self.publish(false).await {
                return;
            }
        }
    }

    /// Takes a new plan: unchanged scripts keep their state, schedule and running process;
    /// the others start afresh (a dropped task kills its script). Every instance is sent again.
    fn reload(&mut self, plan: TrackPlan) {
        let now = self.clock.now();
        let mut old: Vec<Option<(VrrpScript, Script)>> = std::mem::take(&mut self.plan.scripts)
            .into_iter()
            .zip(std::mem::take(&mut self.scripts))
            .map(Some)
            .collect();
        for conf in &plan.scripts {
            let kept = old
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|(c, _)| same_script(c, conf)))
                .and_then(Option::take);
            let script = match kept {
                Some((_, script)) => script,
                None => {
                    self.next_id = self.next_id.saturating_add(1);
                    new_script(self.next_id, conf, now)
                }
            };
            self.scripts.push(script);
        }
        let interfaces = plan
            .interfaces
            .iter()
            .map(|name| {
                self.plan
                    .interfaces
                    .iter()
                    .position(|n| n == name)
                    .and_then(|i| self.interfaces.get(i).copied().flatten())
            })
            .collect();
        self.interfaces = interfaces;
        self.files = vec![0; plan.files.len()];
        self.read = vec![0; plan.files.len()];
        self.sent = vec![None; plan.instances.len()];
        self.plan = plan;
    }

    fn start_due(&mut self, ex: &LocalExecutor<'static>, done: &Sender<(u64, bool)>) {
        let now = self.clock.now();
        for (script, conf) in self.scripts.iter_mut().zip(&self.plan.scripts) {
            if script.next > now {
                continue;
            }
            let interval = conf.interval.max(Duration::from_millis(1));
            // Catch up without a burst: the next run is the first interval boundary after now.
            while script.next <= now {
                script.next += interval;
            }
            if script.task.is_some() {
                self.counters.skipped += 1;
                continue;
            }
            self.counters.runs += 1;
            let run = ScriptRun {
                args: conf.script.args.clone(),
                user: conf.user.clone(),
                timeout: if conf.timeout == Duration::ZERO {
                    conf.interval
                } else {
                    conf.timeout
                },
            };
            let (port, clock, done) = (self.port.clone(), self.clock.clone(), done.clone());
            let id = script.id;
            script.task = Some(ex.spawn(async move {
                let exit = run_script(&*port, &clock, &run).await;
                let _ = done.send((id, exit.is_zero())).await;
            }));
        }
    }

    /// Takes the result of the script with `id`; true when its health changed. A result of a
    /// script a reload removed finds nothing.
    fn handle_done(&mut self, id: u64, ok: bool) -> bool {
        match self.scripts.iter_mut().find(|s| s.id == id) {
            Some(s) => {
                s.task = None;
                s.state.handle(ok).is_some()
            }
            None => false,
        }
    }

    /// Sends the scripts' states to the notes if they changed since the last that went out.
    fn note_scripts(&mut self) {
        let Some(notes) = &self.notes else { return };
        if !self.scripts_unsent {
            return;
        }
        let states = self
            .plan
            .scripts
            .iter()
            .zip(&self.scripts)
            .map(|(conf, s)| (conf.clone(), s.state))
            .collect();
        // Full: again at the next wake-up. Closed: the run is ending, nobody resumes from it.
        let full = matches!(
            notes.try_send(TrackNote::Scripts(states)),
            Err(async_channel::TrySendError::Full(_))
        );
        self.scripts_unsent = full;
    }

    /// Reads every file; true when a value changed. A missing file reads as 0; a number
    /// keepalived ignores keeps the last value.
    async fn poll_files(&mut self) -> bool {
        self.next_file_poll = self.clock.now() + FILE_POLL;
        let mut changed = false;
        let files = self
            .plan
            .files
            .iter()
            .zip(&mut self.files)
            .zip(&mut self.read);
        for ((file, value), read) in files {
            let v = self.port.read_number(&file.file).await.unwrap_or(0);
            let fresh = *read != v;
            *read = v;
            if !track_file_accepts(v) {
                if let (true, Some(notes)) = (fresh, &self.notes) {
                    let _ = notes.try_send(TrackNote::InvalidFileNumber {
                        path: file.file.clone(),
                        number: v,
                    });
                }
                continue;
            }
            if *value != v {
                *value = v;
                changed = true;
            }
        }
        changed
    }

    /// Sends the instances whose status changed (all of them with `all`); false when the event
    /// receiver is gone.
    async fn publish(&mut self, all: bool) -> bool {
        let health: Vec<ScriptHealth> = self.scripts.iter().map(|s| s.state.health()).collect();
        let sources = Sources {
            scripts: &health,
            interfaces: &self.interfaces,
            files: &self.files,
        };
        let mut out = Vec::new();
        for (inst, sent) in self.plan.instances.iter().zip(self.sent.iter_mut()) {
            let now = evaluate(&inst.lines, &sources);
            if all || *sent != Some(now) {
                *sent = Some(now);
                out.push(TrackEvent {
                    instance: inst.instance.clone(),
                    status: now.0,
                    initialising: now.1,
                });
            }
        }
        for event in out {
            self.counters.events += 1;
            if self.events.send(event).await.is_err() {
                return false;
            }
        }
        true
    }
}

fn new_script(id: u64, conf: &VrrpScript, now: Instant) -> Script {
    Script {
        id,
        state: ScriptState::new(conf.rise, conf.fall, conf.init_fail),
        next: now,
        task: None,
    }
}

/// Whether two definitions run the same way (where they are written does not matter).
fn same_script(a: &VrrpScript, b: &VrrpScript) -> bool {
    VrrpScript {
        location: None,
        ..a.clone()
    } == VrrpScript {
        location: None,
        ..b.clone()
    }
}

enum Wake {
    Msg(Option<TrackMsg>),
    Done(u64, bool),
    Timer,
}
