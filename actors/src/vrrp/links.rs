//! Links and addresses: the link cache fed by link events, the primary address each instance
//! sends from, and the interface up/down input for an instance's own interface
//! (`track_interface` weights are the tracker's).

use super::actor::VrrpActor;
use super::events::{Op, VrrpEvent};
use super::setup::InstanceSetup;
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{Family, Interface, LinkEvent, LinkState, Links, NetError, PacketIo};
use holdfast_core::vrrp::Input;
use std::collections::BTreeSet;
use std::io;
use std::net::IpAddr;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    /// Every interface name the instances depend on.
    pub(super) fn watched(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for s in &self.setup.instances {
            names.insert(s.interface.clone());
            names.extend(s.all_vips().filter_map(|v| v.dev.clone()));
        }
        names
    }

    /// Asks the port for a link and updates the cache. An unknown link is `None`, silently;
    /// other failures are reported.
    pub(super) async fn refresh_link(&mut self, name: &str) -> Option<LinkState> {
        match self.links.link(name).await {
            Ok(state) => {
                self.known_links.insert(name.to_owned(), state.clone());
                Some(state)
            }
            Err(e) => {
                if e.io().kind() != io::ErrorKind::NotFound {
                    self.fail(Op::LookupLink, None, &e);
                }
                self.known_links.remove(name);
                None
            }
        }
    }

    /// The interface named `name`, from the cache or the port.
    pub(super) async fn interface(&mut self, name: &str) -> Option<Interface> {
        if let Some(state) = self.known_links.get(name) {
            return Some(state.interface.clone());
        }
        self.refresh_link(name).await.map(|s| s.interface)
    }

    /// The address `setup` sends from: `src_ip`, else the interface's primary address (IPv4:
    /// the first non-secondary address; IPv6: the first usable link-local one), never a VIP.
    pub(super) async fn resolve_source(&mut self, setup: &InstanceSetup) -> Option<IpAddr> {
        if let Some(src) = setup.src_ip {
            return Some(src);
        }
        let interface = self.known_links.get(&setup.interface)?.interface.clone();
        let list = match self.links.addresses(&interface).await {
            Ok(list) => list,
            Err(e) => {
                self.fail(Op::ListAddresses, None, &e);
                return None;
            }
        };
        let vips: BTreeSet<IpAddr> = self
            .setup
            .instances
            .iter()
            .flat_map(|s| s.all_vips().map(|v| v.address))
            .collect();
        let usable = list
            .iter()
            .filter(|a| !vips.contains(&a.address) && !a.tentative && !a.dad_failed);
        match setup.family {
            Family::Ipv4 => usable
                .filter(|a| a.address.is_ipv4() && !a.secondary)
                .map(|a| a.address)
                .next(),
            Family::Ipv6 => {
                let v6: Vec<IpAddr> = usable
                    .filter(|a| a.address.is_ipv6())
                    .map(|a| a.address)
                    .collect();
                v6.iter()
                    .find(|a| matches!(a, IpAddr::V6(v) if v.is_unicast_link_local()))
                    .or(v6.first())
                    .copied()
            }
        }
    }

    pub(super) async fn on_link_event(&mut self, event: Result<LinkEvent, NetError>) {
        match event {
            Ok(LinkEvent::Changed(state)) => {
                let name = state.interface.name.clone();
                self.link_changed(&name, Some(state)).await;
            }
            Ok(LinkEvent::Removed(interface)) => self.link_changed(&interface.name, None).await,
            Ok(LinkEvent::Overrun) => {
                for name in self.watched() {
                    let state = self.links.link(&name).await.ok();
                    self.link_changed(&name, state).await;
                }
            }
            Err(e) => {
                self.fail(Op::LinkEvents, None, &e);
                self.link_events = match self.links.subscribe() {
                    Ok(events) => Some(events),
                    Err(e) => {
                        self.fail(Op::LinkEvents, None, &e);
                        None
                    }
                };
            }
        }
    }

    /// Applies a link's new state (`None`: gone) to sockets and instances.
    async fn link_changed(&mut self, name: &str, state: Option<LinkState>) {
        if !self.watched().contains(name) {
            return;
        }
        let old = match &state {
            Some(s) => self.known_links.insert(name.to_owned(), s.clone()),
            None => self.known_links.remove(name),
        };
        let was_up = old.as_ref().is_some_and(LinkState::is_up);
        let is_up = state.as_ref().is_some_and(LinkState::is_up);
        let moved = old.map(|o| o.interface) != state.map(|s| s.interface);
        if moved {
            self.frames.retain(|(i, _)| i.name != name);
            self.sync_sockets();
        }
        if was_up != is_up {
            self.emit(VrrpEvent::Link {
                interface: name.to_owned(),
                up: is_up,
            });
        }
        for i in 0..self.instances.len() {
            let on_it = self
                .instances
                .get(i)
                .is_some_and(|r| r.setup.interface == name);
            if !on_it {
                continue;
            }
            if is_up && (moved || self.instances.get(i).is_some_and(|r| r.source.is_none())) {
                self.readdress(i).await;
            }
            self.update_interface(i).await;
        }
    }

    /// Whether instance `i` can run on its interface now.
    pub(super) fn interface_ok(&self, i: usize) -> bool {
        let Some(run) = self.instances.get(i) else {
            return false;
        };
        let up = self
            .known_links
            .get(&run.setup.interface)
            .is_some_and(LinkState::is_up);
        run.source.is_some() && run.socket.is_some() && (up || !run.setup.track_own_interface)
    }

    /// Feeds InterfaceUp/Down when the instance's view changed.
    pub(super) async fn update_interface(&mut self, i: usize) {
        let ok = self.interface_ok(i);
        let Some(run) = self.instances.get(i) else {
            return;
        };
        if run.core.faults().interface_down != ok {
            return;
        }
        let input = if ok {
            Input::InterfaceUp
        } else {
            Input::InterfaceDown
        };
        self.feed(i, input).await;
    }
}
