//! [`LinkHub`]: the daemon's one link-event subscription, fanned out to every consumer (the
//! vrrp actor, for link down → Fault; the tracker, for `track_interface`).
//!
//! ```text
//!  kernel RTNLGRP_LINK ──▶ LinuxLinkEvents (one socket) ──▶ LinkHub::feed (child "link events")
//!                                                             │ publish: never waits
//!                        ┌────────────────────────────────────┴──────────────┐
//!                        ▼ queue (SUBSCRIBER_CAPACITY)                        ▼ queue
//!                 HubEvents (HubLinks::subscribe: vrrp actor)   HubEvents (track pump)
//! ```
//!
//! Each subscriber has a bounded queue of its own. Publishing never waits: a slow consumer
//! holds up neither the other consumer nor the netlink reader. **A full queue is a resync:**
//! the hub empties it and marks the subscriber "resync needed", and the subscriber's next
//! event is [`LinkEvent::Overrun`], followed by whatever arrives after. Overrun already means
//! "re-read the link table" to both consumers (the kernel reports its own socket overflow the
//! same way), and both read the full table when they (re)start, so dropping the backlog loses
//! nothing: the re-read sees every state the dropped events carried, and later events follow it.
//! The hub also marks every subscriber "resync needed" when the kernel socket overflowed, and
//! each time [`LinkHub::feed`] starts on a newly opened socket (a subscriber that subscribed
//! before, or while the previous socket was down, may have missed events).
//!
//! A subscription ([`HubEvents`]) is a queue, not a socket: subscribing is cheap, a restarted
//! consumer subscribes again (then reads the table), and dropping one only frees its queue.
//! [`HubEvents::next`] fails only once the hub is closed (the VRRP branch is gone).
//!
//! Single-threaded: everything lives on the daemon's one `LocalExecutor` (`Rc`, `RefCell`).

use super::events::LinuxLinkEvents;
use super::links::LinuxLinks;
use futures_lite::future;
use holdfast_actors::ports::vrrp_net::{
    AddressSpec, Interface, InterfaceAddress, LinkEvent, LinkEvents, LinkState, Links, NetError,
};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

/// Events queued per subscriber before its queue overflows into a resync. A link change makes
/// one or two `RTM_NEWLINK` (flags, then carrier); 64 holds a change of every link of an
/// appliance with a few dozen interfaces while the consumer is busy (a tracker waiting on its
/// actor's inbox, the vrrp actor sending a burst of adverts). Beyond that a resync (one
/// `RTM_GETLINK` per watched link) is cheaper than a longer backlog. An event is about 60 bytes
/// plus the interface name, so a full queue is about 5 KiB.
pub const SUBSCRIBER_CAPACITY: usize = 64;

/// One subscriber's queue.
#[derive(Debug, Default)]
struct Slot {
    queue: VecDeque<LinkEvent>,
    /// The subscriber must re-read the link table: its next event is `Overrun`.
    resync: bool,
    /// The hub is closed: no more events after the queued ones.
    closed: bool,
    waker: Option<Waker>,
}

impl Slot {
    fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

#[derive(Debug)]
struct Shared {
    capacity: usize,
    /// Dropped subscriptions leave a dead `Weak`, removed at the next publish.
    slots: Vec<Weak<RefCell<Slot>>>,
    closed: bool,
    /// The feeding task, woken by [`LinkHub::close`].
    reader: Option<Waker>,
}

/// The fan-out of link events; clones share it. See the module doc.
#[derive(Debug, Clone)]
pub struct LinkHub {
    shared: Rc<RefCell<Shared>>,
}

impl Default for LinkHub {
    fn default() -> Self {
        LinkHub::new()
    }
}

impl LinkHub {
    /// A hub with [`SUBSCRIBER_CAPACITY`] per subscriber and nothing feeding it yet.
    pub fn new() -> LinkHub {
        LinkHub::with_capacity(SUBSCRIBER_CAPACITY)
    }

    /// A hub queueing up to `capacity` events per subscriber (at least one).
    pub fn with_capacity(capacity: usize) -> LinkHub {
        LinkHub {
            shared: Rc::new(RefCell::new(Shared {
                capacity: capacity.max(1),
                slots: Vec::new(),
                closed: false,
                reader: None,
            })),
        }
    }

    /// A new subscription: it gets every event published from now on. Fails once the hub is
    /// closed.
    pub fn subscribe(&self) -> Result<HubEvents, NetError> {
        let mut shared = self.shared.borrow_mut();
        if shared.closed {
            return Err(hub_closed());
        }
        let slot = Rc::new(RefCell::new(Slot::default()));
        shared.slots.push(Rc::downgrade(&slot));
        Ok(HubEvents { slot })
    }

    /// Whether [`LinkHub::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.shared.borrow().closed
    }

    /// Live subscriptions.
    pub fn subscribers(&self) -> usize {
        self.shared
            .borrow()
            .slots
            .iter()
            .filter(|s| s.strong_count() > 0)
            .count()
    }

    /// Queues `event` for every subscriber; a full queue turns into a resync. Never waits.
    /// An `Overrun` is not queued: it marks every subscriber "resync needed".
    pub fn publish(&self, event: LinkEvent) {
        if event == LinkEvent::Overrun {
            self.resync_all();
            return;
        }
        let mut shared = self.shared.borrow_mut();
        let capacity = shared.capacity;
        shared.slots.retain(|weak| {
            let Some(slot) = weak.upgrade() else {
                return false;
            };
            let mut slot = slot.borrow_mut();
            if slot.queue.len() >= capacity {
                // The re-read happens after this event, so it covers it and the backlog.
                slot.queue.clear();
                slot.resync = true;
            } else {
                slot.queue.push_back(event.clone());
            }
            slot.wake();
            true
        });
    }

    /// Marks every subscriber "resync needed" and drops their backlogs.
    pub fn resync_all(&self) {
        let mut shared = self.shared.borrow_mut();
        shared.slots.retain(|weak| {
            let Some(slot) = weak.upgrade() else {
                return false;
            };
            let mut slot = slot.borrow_mut();
            slot.queue.clear();
            slot.resync = true;
            slot.wake();
            true
        });
    }

    /// Closes the hub: subscriptions fail after their queued events, new ones are refused,
    /// and [`LinkHub::feed`] returns.
    pub fn close(&self) {
        let mut shared = self.shared.borrow_mut();
        shared.closed = true;
        for slot in shared.slots.drain(..).filter_map(|w| w.upgrade()) {
            let mut slot = slot.borrow_mut();
            slot.closed = true;
            slot.wake();
        }
        if let Some(w) = shared.reader.take() {
            w.wake();
        }
    }

    /// Publishes what `source` reports until it fails (its error is returned) or the hub is
    /// closed (`Ok`). Every subscriber is told to resync first: events before `source` was
    /// opened are not in it.
    pub async fn feed(&self, source: &mut impl LinkEvents) -> Result<(), NetError> {
        self.resync_all();
        loop {
            let closed = async {
                self.closed().await;
                None
            };
            let next = async { Some(source.next().await) };
            match future::or(closed, next).await {
                None => return Ok(()),
                Some(Ok(event)) => self.publish(event),
                Some(Err(e)) => return Err(e),
            }
        }
    }

    /// One run of the daemon's link-event reader: opens the kernel subscription (in the calling
    /// thread's network namespace) and [`feed`](LinkHub::feed)s it. Run it under the
    /// supervisor, which reopens it after a failure.
    pub async fn run(&self) -> Result<(), NetError> {
        if self.is_closed() {
            return Ok(());
        }
        let mut source = LinuxLinkEvents::open()?;
        self.feed(&mut source).await
    }

    /// Ready once the hub is closed.
    async fn closed(&self) {
        future::poll_fn(|cx| {
            let mut shared = self.shared.borrow_mut();
            if shared.closed {
                return Poll::Ready(());
            }
            shared.reader = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

fn hub_closed() -> NetError {
    NetError::Link {
        call: "link event hub",
        interface: String::new(),
        source: io::Error::new(io::ErrorKind::BrokenPipe, "the link event hub is closed"),
    }
}

/// A subscription to a [`LinkHub`]: a queue the hub fills. Dropping it unsubscribes.
#[derive(Debug)]
pub struct HubEvents {
    slot: Rc<RefCell<Slot>>,
}

impl LinkEvents for HubEvents {
    /// Cancel-safe: an event leaves the queue only when this returns it.
    async fn next(&mut self) -> Result<LinkEvent, NetError> {
        future::poll_fn(|cx| {
            let mut slot = self.slot.borrow_mut();
            if slot.resync {
                slot.resync = false;
                return Poll::Ready(Ok(LinkEvent::Overrun));
            }
            if let Some(event) = slot.queue.pop_front() {
                return Poll::Ready(Ok(event));
            }
            if slot.closed {
                return Poll::Ready(Err(hub_closed()));
            }
            slot.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

/// The [`Links`] port on Linux whose subscriptions come from a shared [`LinkHub`] instead of a
/// netlink socket each; lookups and address changes go to its [`LinuxLinks`].
#[derive(Debug, Clone)]
pub struct HubLinks {
    links: LinuxLinks,
    hub: LinkHub,
}

impl HubLinks {
    pub fn new(links: LinuxLinks, hub: LinkHub) -> HubLinks {
        HubLinks { links, hub }
    }
}

impl Links for HubLinks {
    type Events = HubEvents;

    async fn link(&self, name: &str) -> Result<LinkState, NetError> {
        self.links.link(name).await
    }

    async fn addresses(&self, interface: &Interface) -> Result<Vec<InterfaceAddress>, NetError> {
        self.links.addresses(interface).await
    }

    async fn add_address(&self, spec: &AddressSpec) -> Result<(), NetError> {
        self.links.add_address(spec).await
    }

    async fn remove_address(&self, spec: &AddressSpec) -> Result<(), NetError> {
        self.links.remove_address(spec).await
    }

    fn subscribe(&self) -> Result<HubEvents, NetError> {
        self.hub.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::{block_on, poll_once};
    use smol::channel::{self, Receiver, Sender};

    fn changed(name: &str, up: bool) -> LinkEvent {
        LinkEvent::Changed(LinkState {
            interface: Interface {
                name: name.to_owned(),
                ifindex: 2,
            },
            mac: None,
            admin_up: up,
            carrier: up,
        })
    }

    /// The next event if one is ready now.
    fn ready(events: &mut HubEvents) -> Option<Result<LinkEvent, NetError>> {
        block_on(poll_once(events.next()))
    }

    fn drain(events: &mut HubEvents) -> Vec<LinkEvent> {
        let mut out = Vec::new();
        while let Some(Ok(e)) = ready(events) {
            out.push(e);
        }
        out
    }

    #[test]
    fn every_subscriber_gets_every_event_in_order() {
        let hub = LinkHub::new();
        let mut a = hub.subscribe().expect("subscribe");
        let mut b = hub.subscribe().expect("subscribe");
        assert!(ready(&mut a).is_none(), "nothing published yet");
        hub.publish(changed("eth0", false));
        hub.publish(changed("eth0", true));
        let want = vec![changed("eth0", false), changed("eth0", true)];
        assert_eq!(drain(&mut a), want);
        assert_eq!(drain(&mut b), want);
    }

    #[test]
    fn a_full_queue_resyncs_its_subscriber_and_holds_up_no_one() {
        let hub = LinkHub::with_capacity(4);
        let mut slow = hub.subscribe().expect("subscribe");
        let mut fast = hub.subscribe().expect("subscribe");
        let mut fast_seen = Vec::new();
        for i in 0..9 {
            // `publish` returns without either subscriber reading.
            hub.publish(changed(&format!("eth{i}"), true));
            fast_seen.extend(drain(&mut fast));
        }
        let all: Vec<LinkEvent> = (0..9).map(|i| changed(&format!("eth{i}"), true)).collect();
        assert_eq!(fast_seen, all, "the fast subscriber lost nothing");
        // The slow one overflowed at the 5th event: a resync, then what came after.
        let mut want = vec![LinkEvent::Overrun];
        want.extend(all.get(5..).unwrap_or_default().iter().cloned());
        assert_eq!(drain(&mut slow), want);
    }

    #[test]
    fn after_a_resync_the_queue_works_as_before() {
        let hub = LinkHub::with_capacity(2);
        let mut a = hub.subscribe().expect("subscribe");
        for up in [true, false, true] {
            hub.publish(changed("eth0", up));
        }
        hub.publish(changed("eth1", false));
        assert_eq!(
            drain(&mut a),
            vec![LinkEvent::Overrun, changed("eth1", false)]
        );
        hub.publish(changed("eth1", true));
        assert_eq!(drain(&mut a), vec![changed("eth1", true)]);
    }

    #[test]
    fn a_late_subscriber_gets_only_later_events() {
        let hub = LinkHub::new();
        let mut early = hub.subscribe().expect("subscribe");
        hub.publish(changed("eth0", false));
        let mut late = hub.subscribe().expect("subscribe");
        hub.publish(changed("eth0", true));
        assert_eq!(
            drain(&mut early),
            vec![changed("eth0", false), changed("eth0", true)]
        );
        assert_eq!(drain(&mut late), vec![changed("eth0", true)]);
    }

    #[test]
    fn a_dropped_subscription_is_forgotten() {
        let hub = LinkHub::new();
        let a = hub.subscribe().expect("subscribe");
        let _b = hub.subscribe().expect("subscribe");
        assert_eq!(hub.subscribers(), 2);
        drop(a);
        hub.publish(changed("eth0", true));
        assert_eq!(hub.subscribers(), 1);
        assert_eq!(hub.shared.borrow().slots.len(), 1);
    }

    #[test]
    fn a_waiting_subscriber_is_woken_by_a_publish() {
        let hub = LinkHub::new();
        let mut a = hub.subscribe().expect("subscribe");
        let publisher = hub.clone();
        let got = block_on(async {
            let next = a.next();
            let publish = async {
                // Runs after `next` registered its waker (`or` polls `next` first).
                future::yield_now().await;
                publisher.publish(changed("eth0", false));
                future::pending::<Result<LinkEvent, NetError>>().await
            };
            future::or(next, publish).await
        });
        assert_eq!(got.expect("event"), changed("eth0", false));
    }

    /// A kernel subscription stand-in fed by the test.
    struct Source(Receiver<Result<LinkEvent, NetError>>);

    impl LinkEvents for Source {
        async fn next(&mut self) -> Result<LinkEvent, NetError> {
            match self.0.recv().await {
                Ok(event) => event,
                Err(_) => Err(hub_closed()),
            }
        }
    }

    fn source() -> (Sender<Result<LinkEvent, NetError>>, Source) {
        let (tx, rx) = channel::unbounded();
        (tx, Source(rx))
    }

    fn failed() -> NetError {
        NetError::Link {
            call: "recv(RTNLGRP_LINK)",
            interface: String::new(),
            source: io::Error::from(io::ErrorKind::BrokenPipe),
        }
    }

    #[test]
    fn feeding_resyncs_first_then_passes_events_and_kernel_overruns_on() {
        let hub = LinkHub::new();
        let mut before = hub.subscribe().expect("subscribe");
        let (tx, mut src) = source();
        for event in [
            Ok(changed("eth0", true)),
            Ok(LinkEvent::Overrun),
            Ok(changed("eth1", true)),
            Err(failed()),
        ] {
            tx.try_send(event).expect("unbounded");
        }
        let ended = block_on(hub.feed(&mut src));
        assert!(ended.is_err(), "the source's failure ends the feed");
        // The start-up resync was consumed by nothing, so the kernel's overrun merges with it
        // and drops eth0's event; eth1 came after.
        assert_eq!(
            drain(&mut before),
            vec![LinkEvent::Overrun, changed("eth1", true)]
        );
        // A failed feed leaves subscriptions open; the next feed (a reopened socket) resyncs
        // them, since events were missed meanwhile.
        assert!(ready(&mut before).is_none());
        let (tx, mut src) = source();
        tx.try_send(Err(failed())).expect("unbounded");
        assert!(block_on(hub.feed(&mut src)).is_err());
        assert_eq!(drain(&mut before), vec![LinkEvent::Overrun]);
    }

    #[test]
    fn closing_ends_the_feed_and_every_subscription() {
        let hub = LinkHub::new();
        let mut a = hub.subscribe().expect("subscribe");
        let (_tx, mut src) = source();
        let closer = hub.clone();
        let ended = block_on(async {
            let feed = hub.feed(&mut src);
            let close = async {
                future::yield_now().await;
                closer.publish(changed("eth0", true));
                closer.close();
                future::pending::<Result<(), NetError>>().await
            };
            future::or(feed, close).await
        });
        assert!(ended.is_ok(), "{ended:?}");
        // Queued events are still delivered, then the subscription fails.
        assert_eq!(
            ready(&mut a).map(Result::ok),
            Some(Some(LinkEvent::Overrun))
        );
        assert_eq!(
            ready(&mut a).map(Result::ok),
            Some(Some(changed("eth0", true)))
        );
        assert!(matches!(ready(&mut a), Some(Err(_))));
        assert!(hub.subscribe().is_err());
        assert!(hub.is_closed());
        assert!(block_on(hub.run()).is_ok(), "a closed hub opens no socket");
    }
}
