//! The daemon's VRRP branch: the vrrp actor on the Linux ports, run as the supervisor's child
//! `"vrrp"` next to the IPVS branch, and the daemon's handle on it (reload, status, stop).
//!
//! One run of the child opens a netlink connection for lookups and addresses
//! ([`LinuxLinks::open`]), and drives in one future the connection, the notify worker and the
//! actor. Its link events come from the branch's [`LinkHub`] ([`HubLinks`]): the one
//! `RTNLGRP_LINK` socket of the branch, read by the child [`LINKS_CHILD`] and shared with the
//! tracker. Each run subscribes afresh and reads the links again (the actor's start-up). The
//! run ends `Ok` when the actor stopped on [`VrrpMsg::Shutdown`] and its STOP scripts were run;
//! it fails (and the supervisor restarts it after its backoff) when netlink cannot be opened or
//! the connection ends. A restarted run starts from the latest reloaded setup, so a reload is
//! never undone by a restart.
//!
//! Tracking: when the setup tracks anything, the branch also runs the tracker
//! ([`TrackBranch`], child `"track"`), whose statuses go to this actor's inbox and are
//! remembered, so a restarted run starts from them. Reloads and the stop go to both.
//!
//! The hub lives as long as the branch: dropping [`VrrpBranch`] closes it, which stops
//! [`LINKS_CHILD`] and makes the subscriptions still open end.
//!
//! The actor's events come back on their own channel ([`EVENT_CAPACITY`]; the actor
//! `try_send`s, so a daemon busy elsewhere loses events, counted, and never stalls VRRP).

use super::track_branch::{TrackBranch, TrackSink};
use crate::clock::MonotonicClock;
use crate::net::link_hub::{HubLinks, LinkHub};
use crate::net::{LinuxLinks, LinuxPacketIo};
use crate::notify::LinuxScriptRunner;
use futures_lite::future;
use holdfast_actors::supervisor::{ChildResult, Severity, Supervisor};
use holdfast_actors::vrrp::{
    notify_queue, NotifyWorker, VrrpActor, VrrpEvent, VrrpMsg, VrrpSettings, VrrpSetup, VrrpStatus,
    INBOX_CAPACITY, NOTIFY_CONCURRENCY, NOTIFY_QUEUE_CAPACITY,
};
use holdfast_core::checker::TrackEvent;
use smol::channel::{Receiver, Sender};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

/// The supervisor child's name (in events and the state dump).
pub const CHILD: &str = "vrrp";
/// The supervisor child reading the kernel's link events into the branch's [`LinkHub`].
pub const LINKS_CHILD: &str = "link events";
/// Capacity of the actor's event channel to the daemon.
pub const EVENT_CAPACITY: usize = 256;
/// Longest wait for a status answer (the actor answers between two packets).
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// The daemon's handle on the running VRRP child.
pub struct VrrpBranch {
    inbox: Sender<VrrpMsg>,
    /// The setup the next (re)started run uses.
    current: Rc<RefCell<VrrpSetup>>,
    clock: MonotonicClock,
    /// Where the tracker's statuses go; kept to start a tracker on a later reload.
    sink: TrackSink,
    /// Runs while some setup has tracked something.
    tracker: Option<TrackBranch>,
    /// The link events of both the actor and the tracker; closed when the branch is dropped.
    hub: LinkHub,
}

impl Drop for VrrpBranch {
    fn drop(&mut self) {
        self.hub.close();
    }
}

impl VrrpBranch {
    /// Starts the child `"vrrp"` under `supervisor` for `setup`, reporting on `events`.
    pub fn start(
        supervisor: &mut Supervisor<MonotonicClock>,
        clock: MonotonicClock,
        setup: VrrpSetup,
        events: Sender<VrrpEvent>,
    ) -> VrrpBranch {
        let hub = LinkHub::new();
        let reader = hub.clone();
        supervisor.spawn_child(LINKS_CHILD, move || {
            let hub = reader.clone();
            async move { hub.run().await.map_err(|e| format!("{e}: {}", e.io())) }
        });
        let (inbox, inbox_rx) = smol::channel::bounded(INBOX_CAPACITY);
        let sink = TrackSink {
            vrrp: inbox.clone(),
            known: Rc::new(RefCell::new(BTreeMap::new())),
            events: events.clone(),
        };
        let tracker = (!setup.tracking.instances.is_empty()).then(|| {
            TrackBranch::start(
                supervisor,
                clock,
                setup.tracking.clone(),
                sink.clone(),
                hub.clone(),
            )
        });
        let current = Rc::new(RefCell::new(setup));
        let (shared, known, child_hub) = (current.clone(), sink.known.clone(), hub.clone());
        supervisor.spawn_child(CHILD, move || {
            let setup = shared.borrow().clone();
            let known: Vec<TrackEvent> = known.borrow().values().cloned().collect();
            run_once(
                setup,
                known,
                clock,
                child_hub.clone(),
                inbox_rx.clone(),
                events.clone(),
            )
        });
        VrrpBranch {
            inbox,
            current,
            clock,
            sink,
            tracker,
            hub,
        }
    }

    /// Applies a reloaded setup: unchanged instances keep their state and send nothing; the
    /// tracker gets the new plan (and starts if this is the first setup that tracks).
    pub async fn reload(&mut self, supervisor: &mut Supervisor<MonotonicClock>, setup: VrrpSetup) {
        *self.current.borrow_mut() = setup.clone();
        match &self.tracker {
            Some(t) => t.reload(setup.tracking.clone()).await,
            None if !setup.tracking.instances.is_empty() => {
                self.tracker = Some(TrackBranch::start(
                    supervisor,
                    self.clock,
                    setup.tracking.clone(),
                    self.sink.clone(),
                    self.hub.clone(),
                ));
            }
            None => {}
        }
        // Closed only once the child has stopped for good; nothing left to reload then.
        let _ = self.inbox.send(VrrpMsg::Reload(Box::new(setup))).await;
    }

    /// The actor's status, or `None` when it does not answer within [`STATUS_TIMEOUT`]
    /// (restarting, or stopped).
    pub async fn status(&self) -> Option<VrrpStatus> {
        let ask = async {
            let (tx, rx) = smol::channel::bounded(1);
            self.inbox.send(VrrpMsg::Status(tx)).await.ok()?;
            rx.recv().await.ok()
        };
        let timeout = async {
            smol::Timer::after(STATUS_TIMEOUT).await;
            None
        };
        future::or(ask, timeout).await
    }

    /// Stops the tracker (its scripts are killed), then asks the actor to stop (priority-0
    /// adverts, VIPs removed, STOP scripts). The child's `Stopped` event says when it is done.
    pub async fn shutdown(&self) {
        if let Some(t) = &self.tracker {
            t.shutdown().await;
        }
        let _ = self.inbox.send(VrrpMsg::Shutdown).await;
    }
}

/// One run of the child.
async fn run_once(
    setup: VrrpSetup,
    known: Vec<TrackEvent>,
    clock: MonotonicClock,
    hub: LinkHub,
    inbox: Receiver<VrrpMsg>,
    events: Sender<VrrpEvent>,
) -> ChildResult {
    let (links, driver) = LinuxLinks::open().map_err(|e| format!("netlink: {e}"))?;
    let links = HubLinks::new(links, hub);
    let (queue, jobs) = notify_queue(NOTIFY_QUEUE_CAPACITY);
    let worker = NotifyWorker::new(
        jobs,
        LinuxScriptRunner::new(),
        NOTIFY_CONCURRENCY,
        Some(events.clone()),
    );
    let actor = VrrpActor::new(
        setup,
        LinuxPacketIo,
        links,
        clock,
        VrrpSettings::default(),
        queue,
        events,
    )
    .with_tracking(known);
    // The actor drops the notify queue when it returns, which ends the worker once the queued
    // scripts (the STOP notifies) have run.
    let work = async {
        future::zip(actor.run(inbox), worker.run()).await;
        Ok(())
    };
    let netlink = async {
        driver.await;
        Err("the netlink connection ended".to_string())
    };
    future::or(work, netlink).await
}

/// How loud a vrrp event is in the log.
pub fn severity(event: &VrrpEvent) -> Severity {
    match event {
        VrrpEvent::Error { .. } | VrrpEvent::InstanceRefused { .. } => Severity::Error,
        VrrpEvent::Received { problem, .. } if problem.drops() => Severity::Warning,
        VrrpEvent::NoSourceAddress { .. }
        | VrrpEvent::NotifyDropped { .. }
        | VrrpEvent::ScriptFailed { .. } => Severity::Warning,
        VrrpEvent::Link { up: false, .. } => Severity::Warning,
        _ => Severity::Info,
    }
}

/// The state dump's VRRP section.
pub fn render_status(status: Option<&VrrpStatus>) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("------< VRRP Topology >------\n");
    match status {
        None => out.push_str(" no answer from the vrrp actor\n"),
        Some(s) => {
            for i in &s.instances {
                let source = i.source.map_or("none".to_string(), |a| a.to_string());
                let _ = writeln!(
                    out,
                    " VRRP Instance = {}\n   State = {}\n   Effective priority = {}\n   Source address = {source}",
                    i.name, i.state, i.priority
                );
            }
            let c = &s.counters;
            let _ = writeln!(
                out,
                " adverts sent {}, accepted {}, gratuitous frames {}, events lost {}",
                c.adverts_sent, c.adverts_accepted, c.gratuitous_sent, c.events_dropped
            );
            for (problem, count) in c.rx.counts().filter(|(_, n)| *n > 0) {
                let _ = writeln!(out, " received packets: {problem}: {count}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use holdfast_actors::vrrp::{InstanceStatus, VrrpCounters};
    use holdfast_core::vrrp::{State, Stats};
    use std::net::{IpAddr, Ipv4Addr};

    #[test]
    fn the_dump_section_lists_each_instance_with_its_state() {
        let status = VrrpStatus {
            instances: vec![InstanceStatus {
                name: "VI_1".into(),
                state: State::Master,
                priority: 150,
                source: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
                stats: Stats::default(),
            }],
            counters: VrrpCounters::default(),
        };
        let text = render_status(Some(&status));
        assert!(
            text.contains(" VRRP Instance = VI_1\n   State = MASTER\n   Effective priority = 150\n   Source address = 192.0.2.1\n"),
            "{text}"
        );
        assert!(!text.contains("received packets"), "{text}");
        assert!(render_status(None).contains("no answer from the vrrp actor"));
    }

    #[test]
    fn failures_are_louder_than_state_changes() {
        let error = VrrpEvent::InstanceRefused {
            instance: "VI_1".into(),
            reason: "priority".into(),
        };
        let change = VrrpEvent::StateChanged {
            instance: "VI_1".into(),
            from: State::Backup,
            to: State::Master,
            priority: 150,
        };
        let down = VrrpEvent::Link {
            interface: "eth0".into(),
            up: false,
        };
        assert_eq!(severity(&error), Severity::Error);
        assert_eq!(severity(&down), Severity::Warning);
        assert_eq!(severity(&change), Severity::Info);
    }
}
