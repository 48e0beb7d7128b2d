//! The vrrp actor's state, constructor and thin driver loop; the error sink and event emission
//! every handler uses.

use super::drops::{RxProblem, RxProblems};
use super::events::{Op, VrrpEvent};
use super::notify::NotifyQueue;
use super::setup::{InstanceSetup, SyncGroupSetup, VrrpSetup};
use super::sockets::recv_any;
use super::{VrrpMsg, VrrpSettings};
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{
    Family, Interface, LinkEvent, LinkEvents, LinkState, Links, NetError, PacketIo, Received,
};
use async_channel::{Receiver, Sender};
use futures_lite::future::{self, FutureExt};
use holdfast_core::checker::TrackEvent;
use holdfast_core::time::Instant;
use holdfast_core::vrrp::{self, State, Stats};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;

/// One running instance.
pub(super) struct Running {
    /// Shared with the actor's [`VrrpSetup`] (and the daemon's copies of it).
    pub(super) setup: Arc<InstanceSetup>,
    pub(super) core: vrrp::Instance,
    /// The address adverts go out from; `None` while the interface has none (held in Fault).
    pub(super) source: Option<IpAddr>,
    /// Index into the actor's sockets, while one is open.
    pub(super) socket: Option<usize>,
    /// Index into the actor's groups.
    pub(super) group: Option<usize>,
    /// A tracked instance held in Initialize until the tracker's first settled status.
    pub(super) awaiting_track: bool,
}

/// One sync group.
pub(super) struct GroupRun {
    pub(super) setup: SyncGroupSetup,
    /// Instance indices, in member order.
    pub(super) members: Vec<usize>,
    /// The state the group last notified (all members in it).
    pub(super) notified: State,
}

/// One VRRP socket: an interface and family, and its receive buffer.
pub(super) struct SocketSlot<S> {
    pub(super) interface: Interface,
    pub(super) family: Family,
    pub(super) join_group: bool,
    pub(super) socket: S,
    pub(super) buf: Vec<u8>,
}

/// Counters for the status page; they only grow.
#[derive(Debug, Clone, Default)]
pub struct VrrpCounters {
    /// Received packets with a problem, by reason.
    pub rx: RxProblems,
    /// Adverts handed to an instance.
    pub adverts_accepted: u64,
    /// Adverts sent (one per destination).
    pub adverts_sent: u64,
    /// Gratuitous ARP / NA frames sent.
    pub gratuitous_sent: u64,
    /// Port failures, by [`Op`] index.
    pub errors: [u64; Op::COUNT],
    /// Notify scripts dropped because the queue was full.
    pub notify_dropped: u64,
    /// Events lost because the event channel was full.
    pub events_dropped: u64,
}

impl VrrpCounters {
    /// Failures of one kind of port call.
    pub fn errors(&self, op: Op) -> u64 {
        self.errors.get(op.index()).copied().unwrap_or(0)
    }
}

/// One instance as [`VrrpMsg::Status`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceStatus {
    pub name: String,
    pub state: State,
    pub priority: u8,
    pub source: Option<IpAddr>,
    pub stats: Stats,
}

/// The answer to [`VrrpMsg::Status`].
#[derive(Debug, Clone)]
pub struct VrrpStatus {
    pub instances: Vec<InstanceStatus>,
    pub counters: VrrpCounters,
}

impl VrrpStatus {
    /// The status of the instance named `name`.
    pub fn instance(&self, name: &str) -> Option<&InstanceStatus> {
        self.instances.iter().find(|i| i.name == name)
    }
}

/// The vrrp actor. Build it with [`VrrpActor::new`], spawn [`VrrpActor::run`].
#[must_use = "the actor does nothing until `run` is awaited"]
pub struct VrrpActor<P: PacketIo, L: Links, C: Clock> {
    pub(super) io: P,
    pub(super) links: L,
    pub(super) clock: C,
    pub(super) settings: VrrpSettings,
    pub(super) notify: NotifyQueue,
    pub(super) events: Sender<VrrpEvent>,
    pub(super) setup: VrrpSetup,
    pub(super) instances: Vec<Running>,
    pub(super) groups: Vec<GroupRun>,
    pub(super) sockets: Vec<SocketSlot<P::Vrrp>>,
    pub(super) frames: Vec<(Interface, P::Frames)>,
    pub(super) known_links: BTreeMap<String, LinkState>,
    pub(super) link_events: Option<L::Events>,
    /// The tracker's last status per instance name; kept across reloads and given to a
    /// restarted actor ([`VrrpActor::with_tracking`]).
    pub(super) tracking: BTreeMap<String, TrackEvent>,
    /// When to try again to open missing sockets and to find missing source addresses.
    pub(super) retry_at: Option<Instant>,
    pub(super) counters: VrrpCounters,
    /// The latest time fed to any instance: no input is fed at an earlier one.
    pub(super) last_fed: Instant,
}

/// What woke the loop.
enum Wake {
    Packet(usize, Result<Received, NetError>),
    Msg(Option<VrrpMsg>),
    Link(Result<LinkEvent, NetError>),
    Timer,
}

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    /// An actor for `setup`, reaching the network through `io` and `links`, the time through
    /// `clock`, queueing notify scripts on `notify` (spawn the matching [`super::NotifyWorker`])
    /// and reporting on `events` (a full channel loses events, counted). Nothing happens until
    /// [`run`](Self::run).
    pub fn new(
        setup: VrrpSetup,
        io: P,
        links: L,
        clock: C,
        settings: VrrpSettings,
        notify: NotifyQueue,
        events: Sender<VrrpEvent>,
    ) -> Self {
        VrrpActor {
            io,
            links,
            clock,
            settings,
            notify,
            events,
            setup,
            instances: Vec::new(),
            groups: Vec::new(),
            sockets: Vec::new(),
            frames: Vec::new(),
            known_links: BTreeMap::new(),
            link_events: None,
            tracking: BTreeMap::new(),
            retry_at: None,
            counters: VrrpCounters::default(),
            last_fed: Instant::from_millis(0),
        }
    }

    /// Seeds the tracker's last known statuses (a restarted actor uses them at start instead
    /// of waiting for the tracker's next change).
    pub fn with_tracking(mut self, known: impl IntoIterator<Item = TrackEvent>) -> Self {
        self.tracking
            .extend(known.into_iter().map(|e| (e.instance.clone(), e)));
        self
    }

    /// Starts every instance, then runs until [`VrrpMsg::Shutdown`] or until every sender of
    /// `inbox` is gone (handled as a shutdown). Returns the counters.
    ///
    /// The timer is armed lazily: it is re-armed only when the earliest deadline moves earlier
    /// than the armed instant. A timer armed too early wakes the loop once for nothing, which
    /// costs less than re-arming the reactor's timer on every advert (a backup's earliest
    /// Master_Down deadline moves with nearly every advert it receives).
    pub async fn run(mut self, inbox: Receiver<VrrpMsg>) -> VrrpCounters
    where
        C: Clone,
    {
        self.start().await;
        let clock = self.clock.clone();
        let mut armed: Option<Instant> = None;
        let mut sleep = pin!(None);
        loop {
            match (armed, self.next_deadline()) {
                (Some(at), Some(wanted)) if at <= wanted => {}
                (_, wanted) => {
                    armed = wanted;
                    sleep.set(wanted.map(|at| clock.sleep_until(at)));
                }
            }
            match self.wait(&inbox, sleep.as_mut().as_pin_mut()).await {
                Wake::Packet(slot, result) => {
                    self.on_packet(slot, result).await;
                    self.drain_socket(slot).await;
                }
                Wake::Msg(Some(VrrpMsg::Shutdown)) | Wake::Msg(None) => break,
                Wake::Msg(Some(msg)) => self.on_msg(msg).await,
                Wake::Link(event) => self.on_link_event(event).await,
                Wake::Timer => {
                    // A finished sleep must not be polled again.
                    armed = None;
                    sleep.set(None);
                    self.on_timer().await;
                }
            }
        }
        self.shutdown().await;
        self.counters
    }

    /// Waits for the next thing to do: a packet, a message, a link event or the end of `sleep`.
    /// Packets are polled first, so a busy inbox or timer never delays an advert (holo's
    /// `biased` select).
    async fn wait(
        &mut self,
        inbox: &Receiver<VrrpMsg>,
        sleep: Option<Pin<&mut impl Future<Output = ()>>>,
    ) -> Wake {
        let link_events = self.link_events.as_mut();
        let sockets = &mut self.sockets;
        let packets = async {
            let (i, result) = recv_any(sockets).await;
            Wake::Packet(i, result)
        };
        let msg = async { Wake::Msg(inbox.recv().await.ok()) };
        let link = async {
            match link_events {
                Some(events) => Wake::Link(events.next().await),
                None => future::pending().await,
            }
        };
        let timer = async {
            match sleep {
                Some(sleep) => {
                    sleep.await;
                    Wake::Timer
                }
                None => future::pending().await,
            }
        };
        packets.or(msg).or(link).or(timer).await
    }

    async fn on_msg(&mut self, msg: VrrpMsg) {
        match msg {
            VrrpMsg::Reload(setup) => self.reload(*setup).await,
            VrrpMsg::Track(event) => self.on_track(event).await,
            VrrpMsg::Status(reply) => {
                // The asker may have gone; nothing to do then.
                let _ = reply.try_send(self.status());
            }
            VrrpMsg::Shutdown => {}
        }
    }

    /// Fires every due timer, reading the clock again.
    async fn on_timer(&mut self) {
        let now = self.clock.now();
        if self.retry_at.is_some_and(|at| at <= now) {
            self.retry_at = None;
            self.retry().await;
        }
        for i in 0..self.instances.len() {
            let due = self
                .instances
                .get(i)
                .and_then(|r| r.core.next_deadline())
                .is_some_and(|at| at <= now);
            if due {
                self.feed(i, vrrp::Input::Timeout).await;
            }
        }
    }

    /// The earliest deadline over the instances and the retry.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.instances
            .iter()
            .filter_map(|r| r.core.next_deadline())
            .chain(self.retry_at)
            .min()
    }

    /// The current status.
    pub(super) fn status(&self) -> VrrpStatus {
        VrrpStatus {
            instances: self
                .instances
                .iter()
                .map(|r| InstanceStatus {
                    name: r.setup.name.clone(),
                    state: r.core.state(),
                    priority: r.core.effective_priority().get(),
                    source: r.source,
                    stats: *r.core.stats(),
                })
                .collect(),
            counters: self.counters.clone(),
        }
    }

    /// Sends an event; a full channel loses it (counted).
    pub(super) fn emit(&mut self, event: VrrpEvent) {
        if self.events.try_send(event).is_err() {
            self.counters.events_dropped = self.counters.events_dropped.saturating_add(1);
        }
    }

    /// The error sink: one counter and one event per failed port call.
    pub(super) fn fail(&mut self, op: Op, instance: Option<usize>, error: &NetError) {
        self.fail_with(op, instance, format!("{error}: {}", error.io()));
    }

    /// The error sink for failures that are not a port error (a VIP's interface is missing).
    pub(super) fn fail_with(&mut self, op: Op, instance: Option<usize>, error: String) {
        if let Some(c) = self.counters.errors.get_mut(op.index()) {
            *c = c.saturating_add(1);
        }
        let instance = instance
            .and_then(|i| self.instances.get(i))
            .map(|r| r.setup.name.clone());
        self.emit(VrrpEvent::Error {
            op,
            instance,
            error,
        });
    }

    /// Counts a received-packet problem and logs it at most once per interval per reason.
    pub(super) fn rx_problem(&mut self, problem: RxProblem, slot: usize, source: Option<IpAddr>) {
        let now = self.clock.now();
        let interval = self.settings.drop_log_interval;
        if let Some(count) = self.counters.rx.record(problem, now, interval) {
            let interface = self
                .sockets
                .get(slot)
                .map(|s| s.interface.name.clone())
                .unwrap_or_default();
            self.emit(VrrpEvent::Received {
                problem,
                count,
                interface,
                source,
            });
        }
    }
}
