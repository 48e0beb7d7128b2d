//! The daemon's tracking branch: the tracker actor (`TrackActor`) on the Linux probe, run as the
//! supervisor's child `"track"` beside `"vrrp"`, and the daemon's handle on it.
//!
//! ```text
//!  vrrp_script runs (LinuxProbe: as `user`/`script_user`, own process group, SIGTERM at the
//!  timeout, SIGKILL 2 s later, always reaped), track_file reads ──┐
//!  link events (the VRRP branch's LinkHub) ──TrackMsg::Interface────┤
//!  reload / shutdown ──TrackMsg (bounded, INBOX_CAPACITY)──────────┴─▶ TrackActor
//!                                                                        │ TrackEvent (bounded)
//!                        remembered per instance (TrackSink) ◀───────────┤
//!                        VrrpMsg::Track ──▶ vrrp actor inbox ◀───────────┤
//!                        TrackNote (bounded, NOTE_CAPACITY; never waited on) ┘
//!                          InvalidFileNumber ──▶ the vrrp branch's events, one log line each
//!                          Scripts ──▶ kept for the next run's `resume`
//! ```
//!
//! One run of the child opens a netlink connection for lookups, subscribes to the branch's
//! [`LinkHub`] first and then looks up every tracked interface (a missing one is down, as in
//! keepalived; the hub's `Overrun`, after its queue overflowed or the kernel's did, repeats the
//! lookups), and drives in one future the connection, the actor and the pump between them. A
//! restarted run subscribes and looks up again. The run ends `Ok` when told to stop and fails
//! (restarted by the supervisor after its backoff) when netlink fails. A closed hub (the VRRP
//! branch is gone) only ends the link events: the closed inbox ends the run. A restarted
//! run starts from the latest reloaded plan, and each script from the last state the previous
//! run reported (`TrackNote::Scripts`, kept by the branch across runs): a restart, like a reload,
//! does not reset rise/fall counters, so a failed script does not count as up again meanwhile.
//!
//! `init_file` is done here, when the branch starts and for each `track_file` a reload adds
//! (keepalived: create when missing; with `overwrite` also replace, but never on a reload).

use crate::clock::MonotonicClock;
use crate::net::link_hub::LinkHub;
use crate::net::LinuxLinks;
use crate::probe::LinuxProbe;
use futures_lite::future;
use holdfast_actors::checker::{TrackActor, TrackMsg, TrackNote, EVENT_CAPACITY, INBOX_CAPACITY};
use holdfast_actors::ports::vrrp_net::{LinkEvent, LinkEvents, Links};
use holdfast_actors::supervisor::{ChildResult, Supervisor};
use holdfast_actors::vrrp::{Op, VrrpEvent, VrrpMsg};
use holdfast_core::checker::{ScriptState, TrackEvent, TrackPlan};
use holdfast_core::config::model::{TrackFile, VrrpScript};
use smol::channel::{Receiver, Sender};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The supervisor child's name (in events and the state dump).
pub const CHILD: &str = "track";

/// Where the tracker's statuses go: the vrrp actor's inbox, and the last status per instance
/// (a restarted vrrp actor starts from it).
#[derive(Clone)]
pub struct TrackSink {
    pub vrrp: Sender<VrrpMsg>,
    pub known: Rc<RefCell<BTreeMap<String, TrackEvent>>>,
    /// The vrrp branch's event channel, for `init_file` failures and the tracker's notes.
    pub events: Sender<VrrpEvent>,
}

impl TrackSink {
    async fn publish(&self, event: TrackEvent) {
        self.known
            .borrow_mut()
            .insert(event.instance.clone(), event.clone());
        // Closed only once the vrrp child has stopped for good.
        let _ = self.vrrp.send(VrrpMsg::Track(event)).await;
    }
}

/// The daemon's handle on the running tracker child.
pub struct TrackBranch {
    inbox: Sender<TrackMsg>,
    /// The plan the next (re)started run uses.
    current: Rc<RefCell<TrackPlan>>,
    sink: TrackSink,
}

/// The scripts' states the last run reported; the next run resumes from them.
type ScriptStates = Rc<RefCell<Vec<(VrrpScript, ScriptState)>>>;

impl TrackBranch {
    /// Initialises the plan's files, then starts the child `"track"` under `supervisor`.
    pub fn start(
        supervisor: &mut Supervisor<MonotonicClock>,
        clock: MonotonicClock,
        plan: TrackPlan,
        sink: TrackSink,
        hub: LinkHub,
    ) -> TrackBranch {
        init_files(&plan.files, &[], &sink.events);
        let (inbox, inbox_rx) = smol::channel::bounded(INBOX_CAPACITY);
        let current = Rc::new(RefCell::new(plan));
        let (shared, child_sink) = (current.clone(), sink.clone());
        let states = ScriptStates::default();
        supervisor.spawn_child(CHILD, move || {
            let plan = shared.borrow().clone();
            run_once(
                plan,
                states.clone(),
                clock,
                hub.clone(),
                inbox_rx.clone(),
                child_sink.clone(),
            )
        });
        TrackBranch {
            inbox,
            current,
            sink,
        }
    }

    /// Applies a reloaded plan; unchanged scripts keep their state. Statuses of instances no
    /// longer tracked are forgotten.
    pub async fn reload(&self, plan: TrackPlan) {
        let old = self.current.replace(plan.clone());
        init_files(&plan.files, &old.files, &self.sink.events);
        self.sink
            .known
            .borrow_mut()
            .retain(|name, _| plan.instances.iter().any(|i| &i.instance == name));
        // Closed only once the child has stopped for good.
        let _ = self.inbox.send(TrackMsg::Reload(Box::new(plan))).await;
    }

    /// Stops the tracker (running scripts are killed).
    pub async fn shutdown(&self) {
        let _ = self.inbox.send(TrackMsg::Shutdown).await;
    }
}

/// keepalived's `init_file`, for the files not in `before` (a reload never overwrites).
fn init_files(files: &[TrackFile], before: &[TrackFile], events: &Sender<VrrpEvent>) {
    for file in files {
        let Some(init) = file.init else { continue };
        if before.iter().any(|b| b.file == file.file) {
            continue;
        }
        let path = std::path::Path::new(&file.file);
        let write = match std::fs::symlink_metadata(path) {
            Err(_) => true,
            Ok(_) if !init.overwrite => false,
            Ok(m) if !m.file_type().is_file() => {
                report(events, format!("{}: not a regular file", file.file));
                false
            }
            Ok(_) => true,
        };
        if write {
            if let Err(e) = std::fs::write(path, format!("{}\n", init.value)) {
                report(events, format!("{}: {e}", file.file));
            }
        }
    }
}

fn report(events: &Sender<VrrpEvent>, error: String) {
    report_as(events, Op::InitTrackFile, error);
}

fn report_as(events: &Sender<VrrpEvent>, op: Op, error: String) {
    // A full channel loses the line, as for the vrrp actor's own events.
    let _ = events.try_send(VrrpEvent::Error {
        op,
        instance: None,
        error,
    });
}

/// One run of the child.
async fn run_once(
    plan: TrackPlan,
    states: ScriptStates,
    clock: MonotonicClock,
    hub: LinkHub,
    inbox: Receiver<TrackMsg>,
    sink: TrackSink,
) -> ChildResult {
    let probe = LinuxProbe::new().map_err(|e| format!("probe: {e}"))?;
    let (links, driver) = LinuxLinks::open().map_err(|e| format!("netlink: {e}"))?;
    // Refused only by a closed hub: then the inbox is closed too and ends the run.
    let mut link_events = hub.subscribe().ok();
    let (events_tx, events) = smol::channel::bounded(EVENT_CAPACITY);
    let (actor_tx, actor_rx) = smol::channel::bounded(INBOX_CAPACITY);
    let (notes_tx, notes) = smol::channel::bounded(NOTE_CAPACITY);
    let mut interfaces = plan.interfaces.clone();
    let resumed = states.borrow().clone();
    let actor = TrackActor::new(plan, probe, clock, events_tx)
        .with_notes(notes_tx)
        .resume(&resumed);
    let take_note = |note: TrackNote| match note {
        TrackNote::Scripts(s) => *states.borrow_mut() = s,
        other => report_as(&sink.events, Op::ReadTrackFile, other.to_string()),
    };
    let pump = async {
        send_states(&links, &interfaces, &actor_tx).await;
        let mut inbox_open = true;
        loop {
            let msg = async {
                if inbox_open {
                    Pump::Msg(inbox.recv().await.ok())
                } else {
                    future::pending().await
                }
            };
            let link = async {
                match link_events.as_mut() {
                    Some(events) => Pump::Link(events.next().await.ok()),
                    None => future::pending().await,
                }
            };
            let event = async { Pump::Event(events.recv().await.ok()) };
            let note = async {
                match notes.recv().await {
                    Ok(n) => Pump::Note(n),
                    // Gone with the actor, whose end the event channel reports.
                    Err(_) => future::pending().await,
                }
            };
            match future::or(event, future::or(note, future::or(msg, link))).await {
                Pump::Event(Some(e)) => sink.publish(e).await,
                Pump::Note(note) => take_note(note),
                // The actor ended (told to stop): the run ends with it.
                Pump::Event(None) => return Ok(()),
                Pump::Msg(Some(TrackMsg::Reload(plan))) => {
                    let added: Vec<String> = plan
                        .interfaces
                        .iter()
                        .filter(|n| !interfaces.contains(n))
                        .cloned()
                        .collect();
                    interfaces.clone_from(&plan.interfaces);
                    let _ = actor_tx.send(TrackMsg::Reload(plan)).await;
                    send_states(&links, &added, &actor_tx).await;
                }
                Pump::Msg(Some(msg)) => {
                    let _ = actor_tx.send(msg).await;
                }
                // Every sender is the branch's: it is gone, so stop.
                Pump::Msg(None) => {
                    inbox_open = false;
                    let _ = actor_tx.send(TrackMsg::Shutdown).await;
                }
                Pump::Link(Some(LinkEvent::Changed(state))) => {
                    let name = state.interface.name.clone();
                    if interfaces.contains(&name) {
                        let msg = TrackMsg::Interface {
                            name,
                            up: state.is_up(),
                        };
                        let _ = actor_tx.send(msg).await;
                    }
                }
                Pump::Link(Some(LinkEvent::Removed(interface))) => {
                    if interfaces.contains(&interface.name) {
                        let msg = TrackMsg::Interface {
                            name: interface.name,
                            up: false,
                        };
                        let _ = actor_tx.send(msg).await;
                    }
                }
                Pump::Link(Some(LinkEvent::Overrun)) => {
                    send_states(&links, &interfaces, &actor_tx).await;
                }
                Pump::Link(None) if hub.is_closed() => link_events = None,
                Pump::Link(None) => return Err("the link event subscription failed".to_string()),
            }
        }
    };
    // The pump decides when the run ends: after the actor ended and its last events were
    // passed on, or at once on a link-event failure (dropping the actor kills its scripts).
    let actor = async {
        actor.run(actor_rx).await;
        future::pending::<ChildResult>().await
    };
    let work = future::or(pump, actor);
    let netlink = async {
        driver.await;
        Err("the netlink connection ended".to_string())
    };
    let ended = future::or(work, netlink).await;
    // However the run ended, the next one resumes from the newest states.
    while let Ok(note) = notes.try_recv() {
        take_note(note);
    }
    ended
}

/// Notes waiting for the pump; the actor never waits for room (see `TrackNote`).
const NOTE_CAPACITY: usize = 16;

enum Pump {
    Note(TrackNote),
    Msg(Option<TrackMsg>),
    Link(Option<LinkEvent>),
    Event(Option<TrackEvent>),
}

/// Looks up each interface and sends its state (a missing one is down).
async fn send_states(links: &LinuxLinks, names: &[String], actor: &Sender<TrackMsg>) {
    for name in names {
        let up = links.link(name).await.is_ok_and(|s| s.is_up());
        let msg = TrackMsg::Interface {
            name: name.clone(),
            up,
        };
        let _ = actor.send(msg).await;
    }
}
