//! Gratuitous ARP and unsolicited neighbour adverts on the packet socket between two network
//! namespaces: the frame given is the frame the peer receives, byte for byte; a frame without
//! an Ethernet header is refused.
//! Root only (see `net_support`).

mod net_support;

use holdfast_actors::ports::vrrp_net::{FrameSocket, Links, NetError, PacketIo};
use holdfast_core::wire::ndisc::{emit_unsolicited_na_frame, NA_FRAME_LEN};
use holdfast_core::wire::EthernetAddress;
use holdfast_linux::net::LinuxPacketIo;
use net_support::*;
use std::sync::mpsc;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;

/// keepalived's gratuitous ARP: a broadcast request "who-has VIP tell VIP" from `mac`.
fn garp(mac: [u8; 6], vip: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&ETH_P_ARP.to_be_bytes());
    // Ethernet, IPv4, 6, 4, request.
    f.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&vip);
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&vip);
    f
}

#[test]
fn a_gratuitous_arp_reaches_the_peer_unchanged() {
    let Some(pair) = Pair::new() else { return };
    let pair = &pair;
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let b = s.spawn(|| {
            enter(&pair.b);
            let vb = smol::block_on(with_links(async |links| interface(links, VB).await));
            let capture = Capture::open(vb.ifindex, ETH_P_ARP);
            ready_tx.send(()).expect("A waits");
            capture
                .find(|f| f.get(12..14) == Some(&ETH_P_ARP.to_be_bytes()[..]))
                .expect("no ARP frame on B")
        });
        let a = s.spawn(move || {
            enter(&pair.a);
            ready_rx.recv().expect("B ready");
            smol::block_on(with_links(async |links| {
                let va = links.link(VA).await.expect("va");
                let frame = garp(va.mac.expect("MAC"), [192, 0, 2, 10]);
                let sock = LinuxPacketIo.open_frames(&va.interface).expect("open");
                sock.send_frame(&frame).await.expect("send");

                let err = sock.send_frame(&frame[..10]).await.expect_err("too short");
                assert!(matches!(err, NetError::Frame { .. }), "{err:?}");
                assert_eq!(err.io().kind(), std::io::ErrorKind::InvalidInput);
                frame
            }))
        });
        let sent = a.join().expect("A thread");
        let got = b.join().expect("B thread");
        assert_eq!(got, sent);
    });
}

#[test]
fn an_unsolicited_na_from_the_wire_layer_reaches_the_peer_unchanged() {
    let Some(pair) = Pair::new() else { return };
    let pair = &pair;
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let b = s.spawn(|| {
            enter(&pair.b);
            let vb = smol::block_on(with_links(async |links| interface(links, VB).await));
            let capture = Capture::open(vb.ifindex, ETH_P_IPV6);
            ready_tx.send(()).expect("A waits");
            // ICMPv6 (next header 58), type 136: a neighbour advert.
            capture
                .find(|f| f.get(20) == Some(&58) && f.get(54) == Some(&136))
                .expect("no NA on B")
        });
        let a = s.spawn(move || {
            enter(&pair.a);
            ready_rx.recv().expect("B ready");
            smol::block_on(with_links(async |links| {
                let va = links.link(VA).await.expect("va");
                let mut frame = [0u8; NA_FRAME_LEN];
                let vip = "2001:db8::10".parse().expect("literal");
                emit_unsolicited_na_frame(
                    &mut frame,
                    EthernetAddress(va.mac.expect("MAC")),
                    vip,
                    false,
                );
                let sock = LinuxPacketIo.open_frames(&va.interface).expect("open");
                sock.send_frame(&frame).await.expect("send");
                frame.to_vec()
            }))
        });
        let sent = a.join().expect("A thread");
        assert_eq!(b.join().expect("B thread"), sent);
    });
}
