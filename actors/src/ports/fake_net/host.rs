//! One fake host: its links and their addresses, and the controls tests use (links up and
//! down, pre-existing addresses, injected failures, the VIP and frame logs).

use super::{lock, not_found, FakeSegment, SentFrame, VipChange};
use crate::ports::vrrp_net::{
    AddressOp, AddressSpec, Interface, InterfaceAddress, LinkEvent, LinkState, NetError,
};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub(super) struct FakeLink {
    pub(super) state: LinkState,
    pub(super) segment: Option<FakeSegment>,
    pub(super) addresses: Vec<InterfaceAddress>,
}

pub(super) struct Subscriber {
    pub(super) tx: async_channel::Sender<LinkEvent>,
    pub(super) overrun: Arc<AtomicBool>,
}

#[derive(Default)]
pub(super) struct HostState {
    pub(super) links: Vec<FakeLink>,
    pub(super) next_ifindex: u32,
    pub(super) changes: Vec<VipChange>,
    pub(super) frames: Vec<SentFrame>,
    pub(super) subscribers: Vec<Subscriber>,
    pub(super) fail_addresses: Option<io::ErrorKind>,
}

impl HostState {
    pub(super) fn link_by_index(&self, ifindex: u32) -> Option<&FakeLink> {
        self.links
            .iter()
            .find(|l| l.state.interface.ifindex == ifindex)
    }

    pub(super) fn link_by_index_mut(&mut self, ifindex: u32) -> Option<&mut FakeLink> {
        self.links
            .iter_mut()
            .find(|l| l.state.interface.ifindex == ifindex)
    }

    pub(super) fn emit(&mut self, event: LinkEvent) {
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
    pub(super) inner: Arc<Mutex<HostState>>,
}

impl Default for FakeNet {
    fn default() -> Self {
        FakeNet::new()
    }
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

    /// Marks an address as in (or out of) duplicate address detection, as the kernel reports a
    /// link-local address for about a second after link up. A tentative address cannot be a
    /// source. Returns false when the link or address is not there.
    pub fn set_tentative(&self, interface: &Interface, address: IpAddr, tentative: bool) -> bool {
        let mut host = lock(&self.inner);
        let Some(a) = host
            .link_by_index_mut(interface.ifindex)
            .and_then(|l| l.addresses.iter_mut().find(|a| a.address == address))
        else {
            return false;
        };
        a.tentative = tentative;
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

    pub(super) fn address_error(
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

pub(super) fn insert_address(link: &mut FakeLink, spec: &AddressSpec) {
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

pub(super) fn same_subnet(a: Ipv4Addr, b: Ipv4Addr, prefix_len: u8) -> bool {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(prefix_len.min(32)))
        .unwrap_or(0);
    u32::from(a) & mask == u32::from(b) & mask
}
