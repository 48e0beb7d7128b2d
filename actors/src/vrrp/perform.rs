//! Performing the core's actions through the ports: adverts (wire emit, primary address as
//! source, to the group or each unicast peer), VIPs (label, scope, broadcast; IPv6 without DAD
//! is the port's guarantee), gratuitous ARP / unsolicited NA bursts (keepalived's form: for each
//! repeat, one frame per VIP, advertised VIPs first), and notify scripts.

use super::actor::VrrpActor;
use super::events::{Op, VrrpEvent};
use super::notify::{self, Notifier};
use super::setup::{AdvertAuth, Destinations, InstanceSetup, Vip};
use crate::ports::clock::Clock;
use crate::ports::notify::ScriptJob;
use crate::ports::vrrp_net::{
    AddressSpec, FrameSocket, Interface, InterfaceAddress, Links, PacketIo, VrrpSocket,
};
use holdfast_core::vrrp::{Action, NotifyState, State};
use holdfast_core::wire::advert::emit_vrrp;
use holdfast_core::wire::vrrp::{Addresses, Auth, Repr, Variant};
use holdfast_core::wire::{arp, ndisc, EthernetAddress};
use std::net::IpAddr;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    /// Performs one action of instance `i`. `stale` marks a `RemoveVips` at start-up (leftovers
    /// of a previous run).
    pub(super) async fn perform(&mut self, i: usize, action: Action, stale: bool) {
        match action {
            Action::SendAdvert {
                priority,
                max_adver_int_cs,
            } => self.send_advert(i, priority, max_adver_int_cs).await,
            Action::SendGratuitous { repeat } => self.send_gratuitous(i, repeat).await,
            Action::AddVips { .. } => self.add_vips(i).await,
            Action::RemoveVips => self.remove_vips(i, stale).await,
            Action::StateChanged { from, to } => {
                let Some(run) = self.instances.get(i) else {
                    return;
                };
                let event = VrrpEvent::StateChanged {
                    instance: run.setup.name.clone(),
                    from,
                    to,
                    priority: run.core.effective_priority().get(),
                };
                self.emit(event);
            }
            Action::Notify(state) => self.notify_instance(i, state),
        }
    }

    async fn send_advert(&mut self, i: usize, priority: u8, max_adver_int_cs: u16) {
        let Some(run) = self.instances.get(i) else {
            return;
        };
        let (Some(source), Some(slot)) = (run.source, run.socket) else {
            return;
        };
        let Some(repr) = advert_repr(&run.setup, priority, max_adver_int_cs) else {
            return;
        };
        let destinations = match &run.setup.destinations {
            Destinations::Group(group) => vec![*group],
            Destinations::Unicast(peers) => peers.clone(),
        };
        let mut buf = vec![0u8; repr.buffer_len()];
        for destination in destinations {
            // The VRRPv3 checksum covers the destination, so each peer gets its own emit.
            let Some(len) = emit_vrrp(&repr, source, destination, &mut buf) else {
                continue;
            };
            let Some(socket) = self.sockets.get(slot) else {
                return;
            };
            let result = socket
                .socket
                .send(buf.get(..len).unwrap_or(&[]), source, destination)
                .await;
            match result {
                Ok(()) => self.counters.adverts_sent = self.counters.adverts_sent.saturating_add(1),
                Err(e) => self.fail(Op::SendAdvert, Some(i), &e),
            }
        }
    }

    async fn add_vips(&mut self, i: usize) {
        let Some((name, vips)) = self.vips_of(i) else {
            return;
        };
        let mut added = 0;
        for (ifname, vip) in vips {
            let Some(interface) = self.interface(&ifname).await else {
                let error = format!("{}: no interface {ifname}", vip.address);
                self.fail_with(Op::AddVip, Some(i), error);
                continue;
            };
            match self.links.add_address(&spec(interface, &vip)).await {
                Ok(()) => added += 1,
                Err(e) => self.fail(Op::AddVip, Some(i), &e),
            }
        }
        self.emit(VrrpEvent::VipsAdded {
            instance: name,
            count: added,
        });
    }

    /// Removes the instance's VIPs that are on their interfaces now; when the listing fails,
    /// removes them all (removing an absent address is not an error).
    async fn remove_vips(&mut self, i: usize, stale: bool) {
        let Some((name, vips)) = self.vips_of(i) else {
            return;
        };
        let mut removed = 0;
        // One listing per interface; `None` when it failed.
        let mut listed: Vec<(String, Option<Vec<InterfaceAddress>>)> = Vec::new();
        for (ifname, vip) in vips {
            let Some(interface) = self.interface(&ifname).await else {
                continue;
            };
            if !listed.iter().any(|(n, _)| *n == ifname) {
                let list = match self.links.addresses(&interface).await {
                    Ok(list) => Some(list),
                    Err(e) => {
                        self.fail(Op::ListAddresses, Some(i), &e);
                        None
                    }
                };
                listed.push((ifname.clone(), list));
            }
            let present = listed
                .iter()
                .find(|(n, _)| *n == ifname)
                .and_then(|(_, list)| list.as_ref())
                .is_none_or(|list| {
                    list.iter()
                        .any(|a| a.address == vip.address && a.prefix_len == vip.prefix_len)
                });
            if !present {
                continue;
            }
            match self.links.remove_address(&spec(interface, &vip)).await {
                Ok(()) => removed += 1,
                Err(e) => self.fail(Op::RemoveVip, Some(i), &e),
            }
        }
        if removed > 0 {
            self.emit(VrrpEvent::VipsRemoved {
                instance: name,
                count: removed,
                stale,
            });
        }
    }

    async fn send_gratuitous(&mut self, i: usize, repeat: u8) {
        let Some((name, vips)) = self.vips_of(i) else {
            return;
        };
        let mut frames = Vec::new();
        for (ifname, vip) in &vips {
            let Some(mac) = self.known_links.get(ifname).and_then(|l| l.mac) else {
                continue;
            };
            let Some(interface) = self.interface(ifname).await else {
                continue;
            };
            frames.push((
                interface,
                gratuitous_frame(EthernetAddress(mac), vip.address),
            ));
        }
        let mut sent = 0;
        for _ in 0..repeat {
            for (interface, frame) in &frames {
                let result = match self.frame_socket(interface, i) {
                    Some(socket) => socket.send_frame(frame).await,
                    None => continue,
                };
                match result {
                    Ok(()) => sent += 1,
                    Err(e) => self.fail(Op::SendGratuitous, Some(i), &e),
                }
            }
        }
        self.counters.gratuitous_sent = self.counters.gratuitous_sent.saturating_add(sent);
        if sent == 0 {
            return;
        }
        self.emit(VrrpEvent::GratuitousSent {
            instance: name,
            frames: usize::try_from(sent).unwrap_or(usize::MAX),
        });
    }

    /// The name of instance `i` and its VIPs (advertised first), each with the name of the
    /// interface it goes on.
    fn vips_of(&self, i: usize) -> Option<(String, Vec<(String, Vip)>)> {
        let run = self.instances.get(i)?;
        let vips = run
            .setup
            .all_vips()
            .map(|v| (v.interface(&run.setup.interface).to_owned(), v.clone()))
            .collect();
        Some((run.setup.name.clone(), vips))
    }

    /// The frame socket of `interface`, opened on first use.
    fn frame_socket(&mut self, interface: &Interface, i: usize) -> Option<&P::Frames> {
        let pos = match self.frames.iter().position(|(f, _)| f == interface) {
            Some(pos) => pos,
            None => match self.io.open_frames(interface) {
                Ok(socket) => {
                    self.frames.push((interface.clone(), socket));
                    self.frames.len() - 1
                }
                Err(e) => {
                    self.fail(Op::OpenSocket, Some(i), &e);
                    return None;
                }
            },
        };
        self.frames.get(pos).map(|(_, s)| s)
    }

    fn notify_instance(&mut self, i: usize, state: NotifyState) {
        let Some(run) = self.instances.get(i) else {
            return;
        };
        let Some(scripts) = run.setup.notify.as_deref() else {
            return;
        };
        let jobs = notify::jobs(
            scripts,
            Notifier::Instance,
            &run.setup.name,
            state,
            run.core.effective_priority().get(),
            self.setup.script_user.as_ref(),
            self.settings.notify_timeout,
        );
        self.queue_scripts(jobs);
    }

    /// Queues scripts; a full queue drops the oldest (reported).
    pub(super) fn queue_scripts(&mut self, jobs: Vec<ScriptJob>) {
        for job in jobs {
            if let Some(dropped) = self.notify.push(job) {
                self.counters.notify_dropped = self.counters.notify_dropped.saturating_add(1);
                self.emit(VrrpEvent::NotifyDropped {
                    script: dropped.to_string(),
                });
            }
        }
    }

    /// Runs the group notifies of groups whose members now all share a new state.
    pub(super) fn notify_groups(&mut self) {
        for g in 0..self.groups.len() {
            let Some(group) = self.groups.get(g) else {
                continue;
            };
            let states: Vec<State> = group
                .members
                .iter()
                .filter_map(|&m| self.instances.get(m).map(|r| r.core.state()))
                .collect();
            let Some(&first) = states.first() else {
                continue;
            };
            if group.notified == first || states.iter().any(|&s| s != first) {
                continue;
            }
            let jobs = notify::jobs(
                &group.setup.notify,
                Notifier::Group,
                &group.setup.name,
                first.notify(),
                0,
                self.setup.script_user.as_ref(),
                self.settings.notify_timeout,
            );
            if let Some(group) = self.groups.get_mut(g) {
                group.notified = first;
            }
            self.queue_scripts(jobs);
        }
    }
}

/// The advert an instance sends: its advertised VIPs of its family, its interval and (v2)
/// authentication. `None` when the interval does not fit VRRPv2's byte of seconds.
fn advert_repr(setup: &InstanceSetup, priority: u8, max_adver_int_cs: u16) -> Option<Repr> {
    let variant = match setup.protocol.version {
        holdfast_core::vrrp::Version::V2 => Variant::V2 {
            advert_int: u8::try_from(max_adver_int_cs / 100).ok()?,
            auth: match setup.auth {
                AdvertAuth::None => Auth::None,
                AdvertAuth::Pass(p) => Auth::SimpleText(p),
            },
        },
        holdfast_core::vrrp::Version::V3 => Variant::V3 {
            max_advert_int: max_adver_int_cs,
        },
    };
    let mut addresses = match setup.family {
        crate::ports::vrrp_net::Family::Ipv4 => Addresses::Ipv4(Default::default()),
        crate::ports::vrrp_net::Family::Ipv6 => Addresses::Ipv6(Default::default()),
    };
    for vip in &setup.vips {
        // The count field is a byte; configurations are validated to fit, extras are left out.
        let _ = match (&mut addresses, vip.address) {
            (Addresses::Ipv4(list), IpAddr::V4(a)) => list.push(a).is_ok(),
            (Addresses::Ipv6(list), IpAddr::V6(a)) => list.push(a).is_ok(),
            _ => false,
        };
    }
    Some(Repr {
        vrid: setup.protocol.vrid.get(),
        priority,
        variant,
        addresses,
    })
}

/// keepalived's gratuitous frame for one VIP: an ARP request "who-has VIP tell VIP" to broadcast
/// (IPv4), or an unsolicited neighbour advert to all-nodes with the override flag (IPv6).
fn gratuitous_frame(mac: EthernetAddress, address: IpAddr) -> Vec<u8> {
    match address {
        IpAddr::V4(vip) => {
            let mut frame = [0u8; arp::GARP_FRAME_LEN];
            arp::emit_garp_frame(&mut frame, mac, vip);
            frame.to_vec()
        }
        IpAddr::V6(vip) => {
            let mut frame = [0u8; ndisc::NA_FRAME_LEN];
            // Router flag off: whether the interface forwards IPv6 is not known to the ports.
            ndisc::emit_unsolicited_na_frame(&mut frame, mac, vip, false);
            frame.to_vec()
        }
    }
}

/// The port's request for one VIP on `interface`.
pub(super) fn spec(interface: Interface, vip: &Vip) -> AddressSpec {
    AddressSpec {
        interface,
        address: vip.address,
        prefix_len: vip.prefix_len,
        label: vip.label.clone(),
        scope: vip.scope,
        broadcast: vip.broadcast,
    }
}
