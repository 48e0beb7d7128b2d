//! [`Links`] on [`FakeNet`] and the fake link event subscription.

use super::host::{insert_address, Subscriber};
use super::{lock, not_found, FakeNet, VipChange, EVENT_QUEUE};
use crate::ports::vrrp_net::{
    AddressOp, AddressSpec, Interface, InterfaceAddress, LinkEvent, LinkEvents, LinkState, Links,
    NetError,
};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    pub(super) rx: async_channel::Receiver<LinkEvent>,
    pub(super) overrun: Arc<AtomicBool>,
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
