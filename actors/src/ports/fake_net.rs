//! In-memory fakes of the VRRP network ports, for actor tests: a [`FakeSegment`] (one Ethernet
//! segment) and [`FakeNet`] (one host's links, addresses and sockets).
//!
//! Several hosts attach links to one segment. A VRRP payload sent by one host reaches every
//! other host's socket of the same family on that segment whose link is up and that either
//! joined the group (multicast destination) or owns the destination address (unicast, VIPs
//! included), with hop limit 255, as the kernel would deliver it. The sender's own host gets
//! nothing back (`IP_MULTICAST_LOOP` off). Each socket queues at most [`SOCKET_QUEUE`] packets and
//! drops the rest, like a full receive buffer. Everything sent is logged on the segment; VIP
//! requests and frames (gratuitous ARP / NA) are logged on the host. Tests move links up and
//! down, inject packets with any hop limit, and make address operations fail.

use super::vrrp_net::{
    AddressOp, AddressSpec, Family, FrameSocket, Interface, InterfaceAddress, LinkEvent,
    LinkEvents, LinkState, Links, NetError, PacketIo, Received, VrrpSocket, VrrpSocketSpec,
    VRRP_TTL,
};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// Packets one fake socket holds before it drops new ones.
pub const SOCKET_QUEUE: usize = 64;
/// Link events one subscription holds before it reports [`LinkEvent::Overrun`].
pub const EVENT_QUEUE: usize = 64;

/// A packet as the segment saw it leave a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPacket {
    /// Name of the sending interface.
    pub interface: String,
    pub source: IpAddr,
    pub destination: IpAddr,
    pub payload: Vec<u8>,
}

/// An Ethernet frame sent on a [`FrameSocket`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentFrame {
    /// Name of the sending interface.
    pub interface: String,
    pub frame: Vec<u8>,
}

/// One address request, in the order the host received them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VipChange {
    Added(AddressSpec),
    Removed(AddressSpec),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock already failed; keep the state readable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug)]
struct Datagram {
    payload: Vec<u8>,
    source: IpAddr,
    destination: IpAddr,
    hop_limit: u8,
    ifindex: u32,
}

struct Endpoint {
    host: Weak<Mutex<HostState>>,
    ifindex: u32,
    family: Family,
    joined: bool,
    tx: async_channel::Sender<Datagram>,
}

#[derive(Default)]
struct SegmentState {
    endpoints: Vec<Endpoint>,
    packets: Vec<SentPacket>,
    frames: Vec<SentFrame>,
    dropped: u64,
}

/// One Ethernet segment shared by fake hosts; clones are the same segment.
#[derive(Clone, Default)]
pub struct FakeSegment {
    inner: Arc<Mutex<SegmentState>>,
}

impl FakeSegment {
    pub fn new() -> FakeSegment {
        FakeSegment::default()
    }

    /// Every VRRP packet sent on the segment so far, injected ones excluded.
    pub fn packets(&self) -> Vec<SentPacket> {
        lock(&self.inner).packets.clone()
    }

    /// Every frame sent on the segment so far.
    pub fn frames(&self) -> Vec<SentFrame> {
        lock(&self.inner).frames.clone()
    }

    /// Packets dropped because a receiving socket's queue was full.
    pub fn dropped(&self) -> u64 {
        lock(&self.inner).dropped
    }

    /// Delivers a packet as if a host outside the fakes had sent it, with any hop limit.
    /// Returns how many sockets received it.
    pub fn inject(
        &self,
        source: IpAddr,
        destination: IpAddr,
        hop_limit: u8,
        payload: &[u8],
    ) -> usize {
        self.deliver(None, source, destination, hop_limit, payload)
    }

    /// Hands a packet to every matching endpoint except those of `from_host`.
    fn deliver(
        &self,
        from_host: Option<&Arc<Mutex<HostState>>>,
        source: IpAddr,
        destination: IpAddr,
        hop_limit: u8,
        payload: &[u8],
    ) -> usize {
        let family = Family::of(&destination);
        let mut seg = lock(&self.inner);
        let mut delivered = 0;
        let mut dropped = 0;
        seg.endpoints.retain(|ep| {
            let Some(host) = ep.host.upgrade() else {
                return false;
            };
            if ep.family != family || from_host.is_some_and(|h| Arc::ptr_eq(h, &host)) {
                return !ep.tx.is_closed();
            }
            let accepts = {
                let h = lock(&host);
                h.link_by_index(ep.ifindex).is_some_and(|l| {
                    l.state.is_up()
                        && if destination.is_multicast() {
                            ep.joined && destination == family.vrrp_group()
                        } else {
                            l.addresses.iter().any(|a| a.address == destination)
                        }
                })
            };
            if !accepts {
                return !ep.tx.is_closed();
            }
            let datagram = Datagram {
                payload: payload.to_vec(),
                source,
                destination,
                hop_limit,
                ifindex: ep.ifindex,
            };
            match ep.tx.try_send(datagram) {
                Ok(()) => {
                    delivered += 1;
                    true
                }
                Err(async_channel::TrySendError::Full(_)) => {
                    dropped += 1;
                    true
                }
                Err(async_channel::TrySendError::Closed(_)) => false,
            }
        });
        seg.dropped += dropped;
        delivered
    }
}

struct FakeLink {
    state: LinkState,
    segment: Option<FakeSegment>,
    addresses: Vec<InterfaceAddress>,
}

struct Subscriber {
    tx: async_channel::Sender<LinkEvent>,
    overrun: Arc<AtomicBool>,
}

#[derive(Default)]
struct HostState {
    links: Vec<FakeLink>,
    next_ifindex: u32,
    changes: Vec<VipChange>,
    frames: Vec<SentFrame>,
    subscribers: Vec<Subscriber>,
    fail_addresses: Option<io::ErrorKind>,
}

impl HostState {
    fn link_by_index(&self, ifindex: u32) -> Option<&FakeLink> {
        self.links
            .iter()
            .find(|l| l.state.interface.ifindex == ifindex)
    }

    fn link_by_index_mut(&mut self, ifindex: u32) -> Option<&mut FakeLink> {
        self.links
            .iter_mut()
            .find(|l| l.state.interface.ifindex == ifindex)
    }

    fn emit(&mut self, event: LinkEvent) {
        self.subscribers
            .retain(|sub| match sub.tx.try_send(event.clone()) {
                Ok(()) => true,
                Err(async_channel::TrySendError::Full(_)) => {
                    sub.overrun.store(true, Ordering::SeqCst);
                    true
                }
                Err(async_channel::TrySendError::Closed(_)) => false,
            });
    }
}

/// One fake host: its links, their addresses, and the sockets opened on them. Clones are the
/// same host.
#[derive(Clone)]
pub struct FakeNet {
    inner: Arc<Mutex<HostState>>,
}

impl Default for FakeNet {
    fn default() -> Self {
        FakeNet::new()
    }
}

fn not_found(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("no link {what}"))
}

impl FakeNet {
    pub fn new() -> FakeNet {
        FakeNet {
            inner: Arc::new(Mutex::new(HostState {
                // ifindex 1 is `lo` on Linux.
                next_ifindex: 2,
                ..HostState::default()
            })),
        }
    }

    /// Adds a link, up and running, attached to `segment` (or to nothing), and reports it to
    /// subscribers.
    pub fn add_link(&self, name: &str, mac: [u8; 6], segment: Option<&FakeSegment>) -> Interface {
        let mut host = lock(&self.inner);
        let interface = Interface {
            name: name.to_owned(),
            ifindex: host.next_ifindex,
        };
        host.next_ifindex = host.next_ifindex.saturating_add(1);
        let state = LinkState {
            interface: interface.clone(),
            mac: Some(mac),
            admin_up: true,
            carrier: true,
        };
        host.links.push(FakeLink {
            state: state.clone(),
            segment: segment.cloned(),
            addresses: Vec::new(),
        });
        host.emit(LinkEvent::Changed(state));
        interface
    }

    /// Sets a link's flags and reports the change to subscribers. Returns false when there is
    /// no such link.
    pub fn set_link(&self, name: &str, admin_up: bool, carrier: bool) -> bool {
        let mut host = lock(&self.inner);
        let Some(link) = host
            .links
            .iter_mut()
            .find(|l| l.state.interface.name == name)
        else {
            return false;
        };
        link.state.admin_up = admin_up;
        link.state.carrier = carrier;
        let state = link.state.clone();
        host.emit(LinkEvent::Changed(state));
        true
    }

    /// Deletes a link with its addresses and reports it to subscribers.
    pub fn remove_link(&self, name: &str) -> bool {
        let mut host = lock(&self.inner);
        let Some(pos) = host
            .links
            .iter()
            .position(|l| l.state.interface.name == name)
        else {
            return false;
        };
        let link = host.links.remove(pos);
        host.emit(LinkEvent::Removed(link.state.interface));
        true
    }

    /// Makes every subscription report [`LinkEvent::Overrun`] once its queue is read.
    pub fn overrun(&self) {
        for sub in &lock(&self.inner).subscribers {
            sub.overrun.store(true, Ordering::SeqCst);
        }
    }

    /// Puts an address on a link without logging a [`VipChange`]: the host's own addresses
    /// (the primary address adverts go out from) and stale VIPs left by a killed daemon.
    pub fn add_existing_address(&self, spec: &AddressSpec) -> bool {
        let mut host = lock(&self.inner);
        let Some(link) = host.link_by_index_mut(spec.interface.ifindex) else {
            return false;
        };
        insert_address(link, spec);
        true
    }

    /// Every address request received, in order (including ones that changed nothing).
    pub fn vip_changes(&self) -> Vec<VipChange> {
        lock(&self.inner).changes.clone()
    }

    /// Every frame this host sent.
    pub fn frames(&self) -> Vec<SentFrame> {
        lock(&self.inner).frames.clone()
    }

    /// Makes every following address operation fail with `kind` (until called with `None`).
    pub fn fail_address_ops(&self, kind: Option<io::ErrorKind>) {
        lock(&self.inner).fail_addresses = kind;
    }

    fn address_error(
        &self,
        op: AddressOp,
        spec_interface: &Interface,
        address: Option<IpAddr>,
    ) -> Result<(), NetError> {
        let host = lock(&self.inner);
        let err = |source| NetError::Address {
            op,
            interface: spec_interface.name.clone(),
            address,
            source,
        };
        if let Some(kind) = host.fail_addresses {
            return Err(err(io::Error::new(kind, "injected by FakeNet")));
        }
        if host.link_by_index(spec_interface.ifindex).is_none() {
            return Err(err(not_found(&spec_interface.name)));
        }
        Ok(())
    }
}

fn insert_address(link: &mut FakeLink, spec: &AddressSpec) {
    if link.addresses.iter().any(|a| a.address == spec.address) {
        return;
    }
    let v4 = spec.address.is_ipv4();
    // As the kernel does: an IPv4 address in a subnet that already has one is secondary.
    let secondary = match spec.address {
        IpAddr::V4(new) => link.addresses.iter().any(|a| match a.address {
            IpAddr::V4(old) => {
                a.prefix_len == spec.prefix_len && same_subnet(old, new, spec.prefix_len)
            }
            IpAddr::V6(_) => false,
        }),
        IpAddr::V6(_) => false,
    };
    link.addresses.push(InterfaceAddress {
        address: spec.address,
        prefix_len: spec.prefix_len,
        label: spec.label.clone().filter(|_| v4),
        scope: spec.scope,
        broadcast: spec.broadcast.filter(|_| v4),
        tentative: false,
        dad_failed: false,
        secondary,
    });
}

fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, prefix_len: u8) -> bool {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(prefix_len.min(32)))
        .unwrap_or(0);
    u32::from(a) & mask == u32::from(b) & mask
}

/// A fake VRRP socket; see [`FakeNet`].
pub struct FakeVrrpSocket {
    host: Arc<Mutex<HostState>>,
    segment: Option<FakeSegment>,
    interface: Interface,
    family: Family,
    rx: async_channel::Receiver<Datagram>,
}

impl VrrpSocket for FakeVrrpSocket {
    async fn send(
        &self,
        payload: &[u8],
        source: IpAddr,
        destination: IpAddr,
    ) -> Result<(), NetError> {
        let err = |source| NetError::Send {
            interface: self.interface.name.clone(),
            destination,
            source,
        };
        if Family::of(&source) != self.family || Family::of(&destination) != self.family {
            return Err(err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("address family differs from the {} socket", self.family),
            )));
        }
        {
            let host = lock(&self.host);
            let link = host
                .link_by_index(self.interface.ifindex)
                .ok_or_else(|| err(not_found(&self.interface.name)))?;
            if !link.state.is_up() {
                return Err(err(io::Error::new(
                    io::ErrorKind::NetworkDown,
                    "link is down",
                )));
            }
        }
        if let Some(segment) = &self.segment {
            lock(&segment.inner).packets.push(SentPacket {
                interface: self.interface.name.clone(),
                source,
                destination,
                payload: payload.to_vec(),
            });
            segment.deliver(Some(&self.host), source, destination, VRRP_TTL, payload);
        }
        Ok(())
    }

    async fn recv(&self, buf: &mut [u8]) -> Result<Received, NetError> {
        let d = self.rx.recv().await.map_err(|_| NetError::Receive {
            interface: self.interface.name.clone(),
            source: io::Error::new(io::ErrorKind::BrokenPipe, "segment gone"),
        })?;
        let len = d.payload.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..len), d.payload.get(..len)) {
            dst.copy_from_slice(src);
        }
        Ok(Received {
            len,
            truncated: len < d.payload.len(),
            source: d.source,
            destination: d.destination,
            hop_limit: d.hop_limit,
            ifindex: d.ifindex,
        })
    }
}

/// A fake frame socket; frames are logged on the host and the segment.
pub struct FakeFrames {
    host: Arc<Mutex<HostState>>,
    segment: Option<FakeSegment>,
    interface: Interface,
}

impl FrameSocket for FakeFrames {
    async fn send_frame(&self, frame: &[u8]) -> Result<(), NetError> {
        let err = |source| NetError::Frame {
            interface: self.interface.name.clone(),
            source,
        };
        let sent = SentFrame {
            interface: self.interface.name.clone(),
            frame: frame.to_vec(),
        };
        {
            let mut host = lock(&self.host);
            let link = host
                .link_by_index(self.interface.ifindex)
                .ok_or_else(|| err(not_found(&self.interface.name)))?;
            if !link.state.is_up() {
                return Err(err(io::Error::new(
                    io::ErrorKind::NetworkDown,
                    "link is down",
                )));
            }
            host.frames.push(sent.clone());
        }
        if let Some(segment) = &self.segment {
            lock(&segment.inner).frames.push(sent);
        }
        Ok(())
    }
}

impl PacketIo for FakeNet {
    type Vrrp = FakeVrrpSocket;
    type Frames = FakeFrames;

    fn open_vrrp(&self, spec: &VrrpSocketSpec) -> Result<FakeVrrpSocket, NetError> {
        let segment = {
            let host = lock(&self.inner);
            let link =
                host.link_by_index(spec.interface.ifindex)
                    .ok_or_else(|| NetError::Socket {
                        call: "setsockopt(SO_BINDTODEVICE)",
                        interface: spec.interface.name.clone(),
                        source: not_found(&spec.interface.name),
                    })?;
            link.segment.clone()
        };
        let (tx, rx) = async_channel::bounded(SOCKET_QUEUE);
        if let Some(seg) = &segment {
            lock(&seg.inner).endpoints.push(Endpoint {
                host: Arc::downgrade(&self.inner),
                ifindex: spec.interface.ifindex,
                family: spec.family,
                joined: spec.join_group,
                tx,
            });
        }
        Ok(FakeVrrpSocket {
            host: self.inner.clone(),
            segment,
            interface: spec.interface.clone(),
            family: spec.family,
            rx,
        })
    }

    fn open_frames(&self, interface: &Interface) -> Result<FakeFrames, NetError> {
        let host = lock(&self.inner);
        let link = host
            .link_by_index(interface.ifindex)
            .ok_or_else(|| NetError::Socket {
                call: "bind(AF_PACKET)",
                interface: interface.name.clone(),
                source: not_found(&interface.name),
            })?;
        Ok(FakeFrames {
            host: self.inner.clone(),
            segment: link.segment.clone(),
            interface: interface.clone(),
        })
    }
}

impl Links for FakeNet {
    type Events = FakeLinkEvents;

    async fn link(&self, name: &str) -> Result<LinkState, NetError> {
        lock(&self.inner)
            .links
            .iter()
            .find(|l| l.state.interface.name == name)
            .map(|l| l.state.clone())
            .ok_or_else(|| NetError::Link {
                call: "RTM_GETLINK",
                interface: name.to_owned(),
                source: not_found(name),
            })
    }

    async fn addresses(&self, interface: &Interface) -> Result<Vec<InterfaceAddress>, NetError> {
        self.address_error(AddressOp::List, interface, None)?;
        Ok(lock(&self.inner)
            .link_by_index(interface.ifindex)
            .map(|l| l.addresses.clone())
            .unwrap_or_default())
    }

    async fn add_address(&self, spec: &AddressSpec) -> Result<(), NetError> {
        self.address_error(AddressOp::Add, &spec.interface, Some(spec.address))?;
        let mut host = lock(&self.inner);
        host.changes.push(VipChange::Added(spec.clone()));
        if let Some(link) = host.link_by_index_mut(spec.interface.ifindex) {
            insert_address(link, spec);
        }
        Ok(())
    }

    async fn remove_address(&self, spec: &AddressSpec) -> Result<(), NetError> {
        self.address_error(AddressOp::Remove, &spec.interface, Some(spec.address))?;
        let mut host = lock(&self.inner);
        host.changes.push(VipChange::Removed(spec.clone()));
        if let Some(link) = host.link_by_index_mut(spec.interface.ifindex) {
            link.addresses
                .retain(|a| !(a.address == spec.address && a.prefix_len == spec.prefix_len));
        }
        Ok(())
    }

    fn subscribe(&self) -> Result<FakeLinkEvents, NetError> {
        let (tx, rx) = async_channel::bounded(EVENT_QUEUE);
        let overrun = Arc::new(AtomicBool::new(false));
        lock(&self.inner).subscribers.push(Subscriber {
            tx,
            overrun: overrun.clone(),
        });
        Ok(FakeLinkEvents { rx, overrun })
    }
}

/// A fake link event subscription; see [`FakeNet::set_link`] and [`FakeNet::overrun`].
pub struct FakeLinkEvents {
    rx: async_channel::Receiver<LinkEvent>,
    overrun: Arc<AtomicBool>,
}

impl LinkEvents for FakeLinkEvents {
    async fn next(&mut self) -> Result<LinkEvent, NetError> {
        // Queued events first; the overrun is reported once the queue is drained, since the
        // events lost came after those queued.
        if let Ok(event) = self.rx.try_recv() {
            return Ok(event);
        }
        if self.overrun.swap(false, Ordering::SeqCst) {
            return Ok(LinkEvent::Overrun);
        }
        self.rx.recv().await.map_err(|_| NetError::Link {
            call: "recv(RTNLGRP_LINK)",
            interface: String::new(),
            source: io::Error::new(io::ErrorKind::BrokenPipe, "host gone"),
        })
    }
}

#[cfg(test)]
mod tests;
