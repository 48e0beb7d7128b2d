//! The raw VRRP sockets between two network namespaces: multicast and unicast adverts arrive
//! with the right source, destination, TTL/hop limit 255 and ifindex; on the wire they carry
//! TTL 255, DSCP CS6 and the sender interface's own MAC; no multicast loop; truncation is
//! reported. Root only (see `net_support`).

mod net_support;

use holdfast_actors::ports::vrrp_net::{
    Family, Links, PacketIo, Received, VrrpSocket, VrrpSocketSpec, VRRP_GROUP_V4, VRRP_GROUP_V6,
};
use holdfast_core::wire::advert::{emit_vrrp, parse_vrrp, TtlCheck};
use holdfast_core::wire::{IpVersion, VrrpPacket, VrrpRepr};
use holdfast_linux::net::LinuxPacketIo;
use net_support::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;
use std::time::Duration;

/// A VRRPv3 advert for VRID 51, priority 100, 1 s, one address (checksum not computed: the
/// port moves bytes and does not look at them).
const PAYLOAD: [u8; 12] = [0x31, 51, 100, 1, 0, 100, 0, 0, 192, 0, 2, 10];

fn a_v4() -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(A_V4))
}

fn b_v4() -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(B_V4))
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().expect("literal"))
}

/// What B received, with B's ifindex for [`VB`].
struct Got {
    received: Received,
    payload: Vec<u8>,
    vb_ifindex: u32,
}

/// Opens a socket in B (joining the group or not), then lets A send `payload` from `source`
/// to `destination`, and returns what B's socket received.
fn send_a_to_b(
    pair: &Pair,
    family: Family,
    join_group: bool,
    source: IpAddr,
    destination: IpAddr,
    buf_len: usize,
) -> Got {
    send_payload_a_to_b(
        pair,
        family,
        join_group,
        source,
        destination,
        buf_len,
        &PAYLOAD,
        Duration::ZERO,
    )
}

/// [`send_a_to_b`] with any payload, B reading `read_after` after A has sent.
#[allow(clippy::too_many_arguments)]
fn send_payload_a_to_b(
    pair: &Pair,
    family: Family,
    join_group: bool,
    source: IpAddr,
    destination: IpAddr,
    buf_len: usize,
    payload: &[u8],
    read_after: Duration,
) -> Got {
    let (sent_tx, sent_rx) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let b = s.spawn(move || {
            enter(&pair.b);
            smol::block_on(with_links(async |links| {
                let vb = interface(links, VB).await;
                let spec = VrrpSocketSpec {
                    interface: vb.clone(),
                    family,
                    join_group,
                };
                let sock = LinuxPacketIo.open_vrrp(&spec).expect("open in B");
                ready_tx.send(()).expect("A waits");
                if !read_after.is_zero() {
                    sent_rx.recv().expect("A sent");
                    std::thread::sleep(read_after);
                }
                let mut buf = vec![0xa5u8; buf_len];
                let received = timeout(sock.recv(&mut buf))
                    .await
                    .expect("B received nothing")
                    .expect("recv");
                Got {
                    received,
                    payload: buf[..received.len].to_vec(),
                    vb_ifindex: vb.ifindex,
                }
            }))
        });
        s.spawn(move || {
            enter(&pair.a);
            ready_rx.recv().expect("B ready");
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                let spec = VrrpSocketSpec {
                    interface: va,
                    family,
                    join_group: true,
                };
                let sock = LinuxPacketIo.open_vrrp(&spec).expect("open in A");
                sock.send(payload, source, destination)
                    .await
                    .expect("send from A");
                // B may have stopped waiting for it (read_after zero).
                let _ = sent_tx.send(());
            }));
        });
        b.join().expect("B thread")
    })
}

#[test]
fn ipv4_multicast_advert_arrives_with_ttl_255_and_its_addresses() {
    let Some(pair) = Pair::new() else { return };
    let group = IpAddr::V4(VRRP_GROUP_V4);
    let got = send_a_to_b(&pair, Family::Ipv4, true, a_v4(), group, 1500);
    assert_eq!(
        got.received,
        Received {
            len: PAYLOAD.len(),
            truncated: false,
            source: a_v4(),
            destination: group,
            hop_limit: 255,
            ifindex: got.vb_ifindex,
            waited: got.received.waited,
        }
    );
    assert_eq!(got.payload, PAYLOAD);
}

#[test]
fn an_advert_read_late_reports_how_long_it_waited_in_the_socket() {
    let Some(pair) = Pair::new() else { return };
    let group = IpAddr::V4(VRRP_GROUP_V4);
    for (family, source, destination) in [
        (Family::Ipv4, a_v4(), group),
        (Family::Ipv6, v6(A_V6), IpAddr::V6(VRRP_GROUP_V6)),
    ] {
        let late = Duration::from_millis(30);
        let got = send_payload_a_to_b(
            &pair,
            family,
            true,
            source,
            destination,
            1500,
            &PAYLOAD,
            late,
        );
        let waited = got.received.waited.total_millis();
        // At least the sleep; at most the cap that guards against wall-clock steps.
        assert!(
            (30..=holdfast_linux::net::MAX_WAITED.total_millis()).contains(&waited),
            "{family}: waited {waited} ms after a 30 ms late read"
        );
    }
    let prompt = send_a_to_b(&pair, Family::Ipv4, true, a_v4(), group, 1500);
    assert!(
        prompt.received.waited.total_millis() < 30,
        "a prompt read waited {} ms",
        prompt.received.waited.total_millis()
    );
}

#[test]
fn ipv6_multicast_advert_arrives_with_hop_limit_255_and_its_addresses() {
    let Some(pair) = Pair::new() else { return };
    let group = IpAddr::V6(VRRP_GROUP_V6);
    let got = send_a_to_b(&pair, Family::Ipv6, true, v6(A_V6), group, 1500);
    assert_eq!(
        got.received,
        Received {
            len: PAYLOAD.len(),
            truncated: false,
            source: v6(A_V6),
            destination: group,
            hop_limit: 255,
            ifindex: got.vb_ifindex,
            waited: got.received.waited,
        }
    );
    assert_eq!(got.payload, PAYLOAD);
}

#[test]
fn unicast_adverts_reach_a_peer_that_did_not_join_the_group() {
    let Some(pair) = Pair::new() else { return };
    let got = send_a_to_b(&pair, Family::Ipv4, false, a_v4(), b_v4(), 1500);
    assert_eq!(got.received.destination, b_v4());
    assert_eq!(got.received.hop_limit, 255);
    assert_eq!(got.payload, PAYLOAD);

    let got = send_a_to_b(&pair, Family::Ipv6, false, v6(A_V6), v6(B_V6), 1500);
    assert_eq!(got.received.destination, v6(B_V6));
    assert_eq!(got.received.source, v6(A_V6));
    assert_eq!(got.received.hop_limit, 255);
    assert_eq!(got.payload, PAYLOAD);
}

#[test]
fn a_short_buffer_reports_truncation() {
    let Some(pair) = Pair::new() else { return };
    // 20 bytes of IPv4 header + 4 of the 12-byte payload fit.
    let got = send_a_to_b(
        &pair,
        Family::Ipv4,
        true,
        a_v4(),
        IpAddr::V4(VRRP_GROUP_V4),
        24,
    );
    assert!(got.received.truncated);
    assert_eq!(got.payload, PAYLOAD[..4]);
    let got = send_a_to_b(
        &pair,
        Family::Ipv6,
        true,
        v6(A_V6),
        IpAddr::V6(VRRP_GROUP_V6),
        5,
    );
    assert!(got.received.truncated);
    assert_eq!(got.payload, PAYLOAD[..5]);
}

/// Sends one advert of `family` from A and captures it on B's interface as a whole frame.
fn capture_on_b(pair: &Pair, family: Family) -> (Vec<u8>, [u8; 6]) {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (ethertype, source, group) = match family {
        Family::Ipv4 => (0x0800u16, a_v4(), IpAddr::V4(VRRP_GROUP_V4)),
        Family::Ipv6 => (0x86dd, v6(A_V6), IpAddr::V6(VRRP_GROUP_V6)),
    };
    std::thread::scope(|s| {
        let b = s.spawn(move || {
            enter(&pair.b);
            let vb = smol::block_on(with_links(async |links| interface(links, VB).await));
            let capture = Capture::open(vb.ifindex, ethertype);
            ready_tx.send(()).expect("A waits");
            capture
                .find(|f| match family {
                    Family::Ipv4 => f.get(23) == Some(&112),
                    Family::Ipv6 => f.get(20) == Some(&112),
                })
                .expect("advert captured on B")
        });
        let a = s.spawn(move || {
            enter(&pair.a);
            ready_rx.recv().expect("B ready");
            smol::block_on(with_links(async |links| {
                let va = links.link(VA).await.expect("va");
                let spec = VrrpSocketSpec {
                    interface: va.interface.clone(),
                    family,
                    join_group: true,
                };
                let sock = LinuxPacketIo.open_vrrp(&spec).expect("open in A");
                sock.send(&PAYLOAD, source, group).await.expect("send");
                va.mac.expect("veth has a MAC")
            }))
        });
        let mac = a.join().expect("A thread");
        (b.join().expect("B thread"), mac)
    })
}

#[test]
fn ipv4_adverts_carry_ttl_255_dscp_cs6_and_the_interface_mac_on_the_wire() {
    let Some(pair) = Pair::new() else { return };
    let (frame, va_mac) = capture_on_b(&pair, Family::Ipv4);
    assert_eq!(
        frame[..6],
        [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12],
        "group MAC"
    );
    assert_eq!(frame[6..12], va_mac, "sent from the interface's own MAC");
    assert_eq!(frame[14], 0x45, "no IP options");
    assert_eq!(frame[15], 0xc0, "DSCP CS6");
    assert_eq!(frame[22], 255, "TTL");
    assert_eq!(frame[26..30], A_V4);
    assert_eq!(frame[30..34], [224, 0, 0, 18]);
    assert_eq!(frame[34..46], PAYLOAD);
}

#[test]
fn ipv6_adverts_carry_hop_limit_255_and_traffic_class_cs6_on_the_wire() {
    let Some(pair) = Pair::new() else { return };
    let (frame, va_mac) = capture_on_b(&pair, Family::Ipv6);
    assert_eq!(
        frame[..6],
        [0x33, 0x33, 0x00, 0x00, 0x00, 0x12],
        "group MAC"
    );
    assert_eq!(frame[6..12], va_mac);
    // Version 6, traffic class 0xc0 across the nibble boundary.
    assert_eq!(frame[14], 0x6c);
    assert_eq!(frame[15] & 0xf0, 0x00);
    assert_eq!(frame[21], 255, "hop limit");
    let src: [u8; 16] = frame[22..38].try_into().expect("16 bytes");
    assert_eq!(IpAddr::V6(Ipv6Addr::from(src)), v6(A_V6));
    assert_eq!(frame[54..66], PAYLOAD);
}

#[test]
fn own_multicast_is_not_looped_back() {
    let Some(pair) = Pair::new() else { return };
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&pair.a);
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                for (family, source) in [(Family::Ipv4, a_v4()), (Family::Ipv6, v6(A_V6))] {
                    let spec = VrrpSocketSpec {
                        interface: va.clone(),
                        family,
                        join_group: true,
                    };
                    let sock = LinuxPacketIo.open_vrrp(&spec).expect("open");
                    sock.send(&PAYLOAD, source, family.vrrp_group())
                        .await
                        .expect("send");
                    let mut buf = [0u8; 1500];
                    let got = timeout_after(Duration::from_millis(300), sock.recv(&mut buf)).await;
                    assert!(got.is_none(), "{family} advert looped back: {got:?}");
                }
            }));
        });
    });
}

#[test]
fn sending_across_families_is_refused_with_context() {
    let Some(pair) = Pair::new() else { return };
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&pair.a);
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                let spec = VrrpSocketSpec {
                    interface: va,
                    family: Family::Ipv4,
                    join_group: true,
                };
                let sock = LinuxPacketIo.open_vrrp(&spec).expect("open");
                let err = sock
                    .send(&PAYLOAD, v6(A_V6), IpAddr::V6(VRRP_GROUP_V6))
                    .await
                    .expect_err("IPv6 on an IPv4 socket");
                assert_eq!(err.io().kind(), std::io::ErrorKind::InvalidInput);
                assert_eq!(
                    err.to_string(),
                    format!("sending VRRP to ff02::12 on {VA} failed")
                );
                // A source the host does not have: the kernel refuses it.
                let err = sock
                    .send(&PAYLOAD, IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)), b_v4())
                    .await
                    .expect_err("foreign source");
                assert!(err.io().raw_os_error().is_some(), "{err:?}");
            }));
        });
    });
}

/// A VRRPv3 advert (VRID 51, priority 100, 1 s) for one address, built by the wire layer.
fn wire_advert(ip: IpVersion, address: &[u8]) -> VrrpRepr {
    let mut bytes = vec![0x31, 51, 100, 1, 0, 100, 0, 0];
    bytes.extend_from_slice(address);
    let packet = VrrpPacket::new_checked(&bytes[..], ip).expect("well-formed");
    VrrpRepr::parse(&packet).expect("well-formed")
}

/// The whole path the vrrp actor takes: `emit_vrrp` with a source that is not the interface's
/// primary address (a `unicast_src_ip`), the port's send and receive, and `parse_vrrp` on the
/// peer. The VRRPv3 checksum covers the source, so this passes only if the kernel put exactly
/// that source in the header.
#[test]
fn a_wire_advert_from_a_secondary_source_passes_the_peers_checks() {
    let Some(pair) = Pair::new() else { return };
    pair.ip_in(&pair.a, &["addr", "add", "192.0.2.3/24", "dev", VA]);
    pair.ip_in(
        &pair.a,
        &["addr", "add", "2001:db8::3/64", "dev", VA, "nodad"],
    );
    let cases = [
        (
            Family::Ipv4,
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
            wire_advert(IpVersion::Ipv4, &[192, 0, 2, 10]),
        ),
        (
            Family::Ipv6,
            v6("2001:db8::3"),
            wire_advert(IpVersion::Ipv6, &v6_octets("2001:db8::10")),
        ),
    ];
    for (family, source, repr) in cases {
        let group = family.vrrp_group();
        let mut bytes = [0u8; 1500];
        let len = emit_vrrp(&repr, source, group, &mut bytes).expect("fits");
        let got = send_payload_a_to_b(
            &pair,
            family,
            true,
            source,
            group,
            1500,
            &bytes[..len],
            Duration::ZERO,
        );
        let r = got.received;
        let parsed = parse_vrrp(
            &got.payload,
            r.source,
            r.destination,
            r.hop_limit,
            TtlCheck::Require255,
        )
        .unwrap_or_else(|e| panic!("{family} advert refused by the peer: {e:?}"));
        assert_eq!(parsed.src_addr, source);
        assert_eq!(parsed.repr, repr);
    }
}

fn v6_octets(s: &str) -> [u8; 16] {
    s.parse::<Ipv6Addr>().expect("literal").octets()
}

/// A's link-local IPv6 address once duplicate address detection has finished with it.
fn settled_link_local(pair: &Pair) -> IpAddr {
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&pair.a);
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                timeout(async {
                    loop {
                        let listed = links.addresses(&va).await.expect("list");
                        let settled = listed.iter().find(|a| {
                            matches!(a.address, IpAddr::V6(v) if v.is_unicast_link_local())
                                && !a.tentative
                        });
                        if let Some(a) = settled {
                            return a.address;
                        }
                        smol::Timer::after(Duration::from_millis(100)).await;
                    }
                })
                .await
                .expect("link-local address still tentative")
            }))
        })
        .join()
        .expect("thread in A")
    })
}

/// RFC 5798 §5.1.2.1: IPv6 adverts come from the interface's link-local address, which is
/// ambiguous without the interface; the port sends from it and the peer sees it as the source.
#[test]
fn ipv6_adverts_go_out_from_the_link_local_address() {
    let Some(pair) = Pair::new() else { return };
    let source = settled_link_local(&pair);
    let got = send_a_to_b(
        &pair,
        Family::Ipv6,
        true,
        source,
        IpAddr::V6(VRRP_GROUP_V6),
        1500,
    );
    assert_eq!(got.received.source, source);
    assert_eq!(got.received.hop_limit, 255);
    assert_eq!(got.received.ifindex, got.vb_ifindex);
    assert_eq!(got.payload, PAYLOAD);
}
