//! The receive path: socket bytes → `wire::advert::check_vrrp` (TTL, version, type, length,
//! checksum) → VRID demultiplexing → the checks that need the instance's configuration (own
//! adverts, version, VRRPv2 authentication and interval, address list) → `Input::Advert`.
//! Every refused packet is counted by reason; nothing here can panic on packet contents. The
//! advert is read in place (`check_vrrp`): a busy backup copies no address list.

use super::actor::{SocketSlot, VrrpActor};
use super::drops::RxProblem;
use super::events::Op;
use super::setup::{AdvertAuth, InstanceSetup};
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{Links, NetError, PacketIo, Received, VrrpSocket};
use futures_lite::future;
use holdfast_core::vrrp::{self, Advert, Input};
use holdfast_core::wire::advert::{check_vrrp, TtlCheck};
use holdfast_core::wire::vrrp::{Auth, Header, Packet as VrrpPacket, Variant};
use std::net::IpAddr;

/// Most packets one socket hands over in a row before messages and timers are looked at: a
/// burst from hundreds of instances is read in a few turns, and a reload or status request
/// waits for at most this many adverts.
pub(super) const DRAIN_BATCH: usize = 64;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    pub(super) async fn on_packet(&mut self, slot: usize, result: Result<Received, NetError>) {
        let received = match result {
            Ok(r) => r,
            Err(error) => {
                // A failing socket would fail again at once: close it and reopen it later.
                self.fail(Op::Receive, None, &error);
                self.drop_socket(slot);
                for i in 0..self.instances.len() {
                    self.update_interface(i).await;
                }
                return;
            }
        };
        match self.accept(slot, &received) {
            Ok((instance, advert)) => {
                self.counters.adverts_accepted = self.counters.adverts_accepted.saturating_add(1);
                self.feed_arrived(instance, Input::Advert(advert), received.waited)
                    .await;
            }
            Err(problem) => self.rx_problem(problem, slot, Some(received.source)),
        }
    }

    /// Reads and handles the packets already queued on socket `slot`, at most [`DRAIN_BATCH`],
    /// without going back through the actor's wait, which builds a receive per socket and a
    /// message and link receive each time (most of a busy backup's per-advert cost). Stops at
    /// the first packet not yet there.
    pub(super) async fn drain_socket(&mut self, slot: usize) {
        for _ in 0..DRAIN_BATCH {
            let Some(SocketSlot { socket, buf, .. }) = self.sockets.get_mut(slot) else {
                return;
            };
            let Some(result) = future::poll_once(socket.recv(buf)).await else {
                return;
            };
            // A failed socket is closed by `on_packet` (the slot then names another one).
            let failed = result.is_err();
            self.on_packet(slot, result).await;
            if failed {
                return;
            }
        }
    }

    /// Parses and checks one packet from socket `slot`: the instance it is for and the advert.
    fn accept(&mut self, slot: usize, received: &Received) -> Result<(usize, Advert), RxProblem> {
        let socket = self.sockets.get(slot).ok_or(RxProblem::Malformed)?;
        if received.truncated {
            return Err(RxProblem::Truncated);
        }
        let payload = socket.buf.get(..received.len).ok_or(RxProblem::Truncated)?;
        // RFC 5798 §7.1 TTL 255 for multicast; unicast peers may be routed (keepalived skips it).
        let ttl_check = if received.destination.is_multicast() {
            TtlCheck::Require255
        } else {
            TtlCheck::Skip
        };
        let checked = check_vrrp(
            payload,
            received.source,
            received.destination,
            received.hop_limit,
            ttl_check,
        )
        .map_err(RxProblem::from_wire)?;
        let header = checked.header;
        let instance = self
            .instances
            .iter()
            .position(|r| r.socket == Some(slot) && r.setup.protocol.vrid.get() == header.vrid)
            .ok_or(RxProblem::UnknownVrid)?;
        let run = self.instances.get(instance).ok_or(RxProblem::UnknownVrid)?;
        let (advert, addresses_match) = check(
            &run.setup,
            run.source,
            &header,
            &checked.packet,
            received.source,
        )?;
        if !addresses_match {
            self.rx_problem(RxProblem::AddressList, slot, Some(received.source));
        }
        Ok((instance, advert))
    }
}

/// The checks that need the instance: returns the advert for the core and whether its address
/// list matches our VIPs (keepalived counts a mismatch but still uses the advert).
pub(super) fn check(
    setup: &InstanceSetup,
    our_source: Option<IpAddr>,
    header: &Header,
    packet: &VrrpPacket<&[u8]>,
    source: IpAddr,
) -> Result<(Advert, bool), RxProblem> {
    if our_source == Some(source) {
        return Err(RxProblem::OwnAdvert);
    }
    let (version, max_adver_int_cs) = match header.variant {
        Variant::V2 { advert_int, auth } => {
            if setup.protocol.version != vrrp::Version::V2 {
                return Err(RxProblem::VersionMismatch);
            }
            let auth_ok = match (setup.auth, auth) {
                (AdvertAuth::None, Auth::None) => true,
                (AdvertAuth::Pass(ours), Auth::SimpleText(theirs)) => ours == theirs,
                _ => false,
            };
            if !auth_ok {
                return Err(RxProblem::AuthMismatch);
            }
            let centis = u16::from(advert_int).saturating_mul(100);
            // RFC 3768 §7.1: a different interval is dropped (two masters would otherwise run).
            if centis != setup.protocol.advert_interval.centis() {
                return Err(RxProblem::IntervalMismatch);
            }
            (vrrp::Version::V2, centis)
        }
        Variant::V3 { max_advert_int } => {
            if setup.protocol.version != vrrp::Version::V3 {
                return Err(RxProblem::VersionMismatch);
            }
            (vrrp::Version::V3, max_advert_int)
        }
    };
    let ours = setup.vips.iter().map(|v| v.address);
    let addresses_match = usize::from(packet.address_count()) == setup.vips.len()
        && ours.clone().all(|a| packet.addresses().any(|b| b == a));
    Ok((
        Advert {
            version,
            priority: header.priority,
            max_adver_int_cs,
            source,
        },
        addresses_match,
    ))
}
