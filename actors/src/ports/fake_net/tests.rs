//! Tests of the network fakes: delivery rules on a segment, VIP bookkeeping, link events.

use super::*;
use crate::ports::vrrp_net::{
    AddressScope, AddressSpec, Family, FrameSocket, Interface, LinkEvent, LinkEvents, Links,
    NetError, PacketIo, Received, VrrpSocket, VrrpSocketSpec, VRRP_GROUP_V4, VRRP_GROUP_V6,
};
use futures_lite::future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn v4(d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, d))
}

fn v6(d: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, d))
}

struct Host {
    net: FakeNet,
    eth0: Interface,
}

fn host(segment: &FakeSegment, last: u8) -> Host {
    let net = FakeNet::new();
    let eth0 = net.add_link("eth0", [2, 0, 0, 0, 0, last], Some(segment));
    net.add_existing_address(&AddressSpec::new(eth0.clone(), v4(last), 24));
    net.add_existing_address(&AddressSpec::new(eth0.clone(), v6(u16::from(last)), 64));
    Host { net, eth0 }
}

fn spec(h: &Host, family: Family, join_group: bool) -> VrrpSocketSpec {
    VrrpSocketSpec {
        interface: h.eth0.clone(),
        family,
        join_group,
    }
}

/// Whether a packet is waiting on the socket, without blocking.
fn poll_recv(s: &FakeVrrpSocket, buf: &mut [u8]) -> Option<Received> {
    future::block_on(future::poll_once(s.recv(buf))).map(|r| r.expect("recv"))
}

#[test]
fn multicast_reaches_joined_peers_only_and_not_the_sender() {
    let seg = FakeSegment::new();
    let (a, b, c) = (host(&seg, 1), host(&seg, 2), host(&seg, 3));
    let sa = a.net.open_vrrp(&spec(&a, Family::Ipv4, true)).unwrap();
    let sb = b.net.open_vrrp(&spec(&b, Family::Ipv4, true)).unwrap();
    let sc = c.net.open_vrrp(&spec(&c, Family::Ipv4, false)).unwrap();
    let sb6 = b.net.open_vrrp(&spec(&b, Family::Ipv6, true)).unwrap();
    let group = IpAddr::V4(VRRP_GROUP_V4);
    future::block_on(sa.send(&[0x31, 7], v4(1), group)).unwrap();

    let mut buf = [0u8; 64];
    let r = poll_recv(&sb, &mut buf).expect("b receives");
    assert_eq!(
        r,
        Received {
            len: 2,
            truncated: false,
            source: v4(1),
            destination: group,
            hop_limit: 255,
            ifindex: b.eth0.ifindex,
            waited: holdfast_core::time::Duration::ZERO,
        }
    );
    assert_eq!(&buf[..2], &[0x31, 7]);
    assert_eq!(poll_recv(&sc, &mut buf), None, "c did not join the group");
    assert_eq!(poll_recv(&sa, &mut buf), None, "no multicast loop");
    assert_eq!(poll_recv(&sb6, &mut buf), None, "other family");
    assert_eq!(
        seg.packets(),
        vec![SentPacket {
            interface: "eth0".into(),
            source: v4(1),
            destination: group,
            payload: vec![0x31, 7],
        }]
    );
}

#[test]
fn unicast_reaches_the_owner_of_the_destination_including_vips() {
    let seg = FakeSegment::new();
    let (a, b, c) = (host(&seg, 1), host(&seg, 2), host(&seg, 3));
    let sa = a.net.open_vrrp(&spec(&a, Family::Ipv6, false)).unwrap();
    let sb = b.net.open_vrrp(&spec(&b, Family::Ipv6, false)).unwrap();
    let sc = c.net.open_vrrp(&spec(&c, Family::Ipv6, false)).unwrap();
    let mut buf = [0u8; 64];

    future::block_on(sa.send(&[1], v6(1), v6(2))).unwrap();
    assert_eq!(poll_recv(&sb, &mut buf).map(|r| r.destination), Some(v6(2)));
    assert_eq!(poll_recv(&sc, &mut buf), None);

    // A VIP added on c makes c the owner.
    let vip = AddressSpec::new(c.eth0.clone(), v6(100), 64);
    future::block_on(c.net.add_address(&vip)).unwrap();
    future::block_on(sa.send(&[2], v6(1), v6(100))).unwrap();
    assert_eq!(poll_recv(&sc, &mut buf).map(|r| r.source), Some(v6(1)));
}

#[test]
fn a_down_link_neither_sends_nor_receives() {
    let seg = FakeSegment::new();
    let (a, b) = (host(&seg, 1), host(&seg, 2));
    let sa = a.net.open_vrrp(&spec(&a, Family::Ipv4, true)).unwrap();
    let sb = b.net.open_vrrp(&spec(&b, Family::Ipv4, true)).unwrap();
    let group = IpAddr::V4(VRRP_GROUP_V4);

    assert!(b.net.set_link("eth0", true, false));
    future::block_on(sa.send(&[1], v4(1), group)).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(poll_recv(&sb, &mut buf), None);

    assert!(a.net.set_link("eth0", false, false));
    let err = future::block_on(sa.send(&[1], v4(1), group)).unwrap_err();
    assert_eq!(err.io().kind(), io::ErrorKind::NetworkDown);
    assert!(matches!(err, NetError::Send { ref interface, .. } if interface == "eth0"));
}

#[test]
fn injected_packets_keep_their_hop_limit_and_long_ones_are_truncated() {
    let seg = FakeSegment::new();
    let b = host(&seg, 2);
    let sb = b.net.open_vrrp(&spec(&b, Family::Ipv6, true)).unwrap();
    let group = IpAddr::V6(VRRP_GROUP_V6);
    assert_eq!(seg.inject(v6(9), group, 64, &[1, 2, 3, 4]), 1);
    let mut buf = [0u8; 3];
    let r = poll_recv(&sb, &mut buf).unwrap();
    assert_eq!((r.hop_limit, r.len, r.truncated), (64, 3, true));
    assert_eq!(buf, [1, 2, 3]);
}

#[test]
fn a_full_socket_queue_drops_and_counts() {
    let seg = FakeSegment::new();
    let b = host(&seg, 2);
    let _sb = b.net.open_vrrp(&spec(&b, Family::Ipv4, true)).unwrap();
    let group = IpAddr::V4(VRRP_GROUP_V4);
    for _ in 0..SOCKET_QUEUE + 3 {
        seg.inject(v4(9), group, 255, &[0]);
    }
    assert_eq!(seg.dropped(), 3);
}

#[test]
fn sending_with_the_wrong_family_is_an_error() {
    let seg = FakeSegment::new();
    let a = host(&seg, 1);
    let sa = a.net.open_vrrp(&spec(&a, Family::Ipv4, true)).unwrap();
    let err = future::block_on(sa.send(&[1], v6(1), IpAddr::V6(VRRP_GROUP_V6))).unwrap_err();
    assert_eq!(err.io().kind(), io::ErrorKind::InvalidInput);
    assert!(seg.packets().is_empty());
}

#[test]
fn vips_are_logged_listed_and_removed_idempotently() {
    let seg = FakeSegment::new();
    let a = host(&seg, 1);
    let mut vip = AddressSpec::new(a.eth0.clone(), v4(10), 24);
    vip.label = Some("eth0:vip".into());
    vip.scope = AddressScope::Global;
    let vip6 = AddressSpec::new(a.eth0.clone(), v6(10), 64);
    future::block_on(async {
        a.net.add_address(&vip).await.unwrap();
        a.net.add_address(&vip).await.unwrap();
        a.net.add_address(&vip6).await.unwrap();
        let listed = a.net.addresses(&a.eth0).await.unwrap();
        let got = listed.iter().find(|x| x.address == v4(10)).unwrap();
        assert_eq!(got.label.as_deref(), Some("eth0:vip"));
        assert!(got.secondary, "192.0.2.1/24 was there first");
        let primary = listed.iter().find(|x| x.address == v4(1)).unwrap();
        assert!(!primary.secondary);
        assert_eq!(listed.iter().filter(|x| x.address == v4(10)).count(), 1);
        assert!(
            !listed
                .iter()
                .find(|x| x.address == v6(10))
                .unwrap()
                .tentative
        );
        a.net.remove_address(&vip).await.unwrap();
        a.net.remove_address(&vip).await.unwrap();
        let listed = a.net.addresses(&a.eth0).await.unwrap();
        assert!(listed.iter().all(|x| x.address != v4(10)));
        // The host's own addresses were put there without logging.
        assert_eq!(listed.len(), 3);
    });
    assert_eq!(
        a.net.vip_changes(),
        vec![
            VipChange::Added(vip.clone()),
            VipChange::Added(vip.clone()),
            VipChange::Added(vip6),
            VipChange::Removed(vip.clone()),
            VipChange::Removed(vip),
        ]
    );
}

#[test]
fn injected_address_failures_carry_context() {
    let seg = FakeSegment::new();
    let a = host(&seg, 1);
    a.net
        .fail_address_ops(Some(io::ErrorKind::PermissionDenied));
    let vip = AddressSpec::new(a.eth0.clone(), v4(10), 24);
    let err = future::block_on(a.net.add_address(&vip)).unwrap_err();
    assert_eq!(err.io().kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(err.to_string(), "adding 192.0.2.10 to eth0 failed");
    assert!(a.net.vip_changes().is_empty());
    a.net.fail_address_ops(None);
    future::block_on(a.net.add_address(&vip)).unwrap();

    let gone = Interface {
        name: "eth9".into(),
        ifindex: 99,
    };
    let err = future::block_on(a.net.addresses(&gone)).unwrap_err();
    assert_eq!(err.io().kind(), io::ErrorKind::NotFound);
}

#[test]
fn link_events_follow_changes_then_overrun() {
    let net = FakeNet::new();
    let mut events = net.subscribe().unwrap();
    let eth0 = net.add_link("eth0", [2, 0, 0, 0, 0, 1], None);
    assert!(net.set_link("eth0", true, false));
    assert!(net.remove_link("eth0"));
    assert!(!net.set_link("eth0", true, true));
    future::block_on(async {
        let LinkEvent::Changed(s) = events.next().await.unwrap() else {
            panic!("expected Changed");
        };
        assert!(s.is_up());
        let LinkEvent::Changed(s) = events.next().await.unwrap() else {
            panic!("expected Changed");
        };
        assert!(s.admin_up && !s.carrier && !s.is_up());
        assert_eq!(events.next().await.unwrap(), LinkEvent::Removed(eth0));
    });

    for i in 0..EVENT_QUEUE + 1 {
        net.add_link(&format!("v{i}"), [2, 0, 0, 0, 1, 0], None);
    }
    future::block_on(async {
        for _ in 0..EVENT_QUEUE {
            assert!(matches!(
                events.next().await.unwrap(),
                LinkEvent::Changed(_)
            ));
        }
        assert_eq!(events.next().await.unwrap(), LinkEvent::Overrun);
    });
    assert!(
        future::block_on(future::poll_once(events.next())).is_none(),
        "nothing more queued"
    );
}

#[test]
fn link_lookup_and_frames() {
    let seg = FakeSegment::new();
    let a = host(&seg, 1);
    future::block_on(async {
        let state = a.net.link("eth0").await.unwrap();
        assert_eq!(state.mac, Some([2, 0, 0, 0, 0, 1]));
        assert_eq!(state.interface, a.eth0);
        let err = a.net.link("nope").await.unwrap_err();
        assert_eq!(err.io().kind(), io::ErrorKind::NotFound);

        let frames = a.net.open_frames(&a.eth0).unwrap();
        frames.send_frame(&[0xff; 42]).await.unwrap();
        a.net.set_link("eth0", false, true);
        let err = frames.send_frame(&[0xff; 42]).await.unwrap_err();
        assert!(matches!(err, NetError::Frame { .. }));
    });
    let sent = SentFrame {
        interface: "eth0".into(),
        frame: vec![0xff; 42],
    };
    assert_eq!(a.net.frames(), vec![sent.clone()]);
    assert_eq!(seg.frames(), vec![sent]);
}

#[test]
fn only_a_usable_address_of_the_host_can_be_the_source() {
    let seg = FakeSegment::new();
    let (a, b) = (host(&seg, 1), host(&seg, 2));
    let sa = a.net.open_vrrp(&spec(&a, Family::Ipv6, true)).unwrap();
    let sb = b.net.open_vrrp(&spec(&b, Family::Ipv6, true)).unwrap();
    let group = IpAddr::V6(VRRP_GROUP_V6);
    let link_local = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1));
    a.net
        .add_existing_address(&AddressSpec::new(a.eth0.clone(), link_local, 64));
    assert!(a.net.set_tentative(&a.eth0, link_local, true));

    let err = future::block_on(sa.send(&[1], link_local, group)).unwrap_err();
    assert_eq!(err.io().kind(), io::ErrorKind::InvalidInput);
    let err = future::block_on(sa.send(&[1], v6(2), group)).unwrap_err();
    assert_eq!(err.io().kind(), io::ErrorKind::InvalidInput, "b's address");
    assert!(seg.packets().is_empty());

    assert!(a.net.set_tentative(&a.eth0, link_local, false));
    future::block_on(sa.send(&[1], link_local, group)).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(poll_recv(&sb, &mut buf).map(|r| r.source), Some(link_local));
    assert!(!a.net.set_tentative(&a.eth0, v6(99), true));
}
