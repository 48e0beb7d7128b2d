//! Fuzz target vrrp_packet: arbitrary bytes through every wire parser holdfast runs on received
//! data (IPv4 datagram and IPv6 payload receive paths, the VRRP view of both families, the
//! ARP/NA/Ethernet views), with two properties beyond "never panics":
//! * round trip: a `VrrpRepr` that parsed, emitted again, parses to the same `VrrpRepr` and its
//!   checksum verifies;
//! * the in-place read (`vrrp::Header`, what the receive path uses) agrees with `VrrpRepr`;
//! * `Display` never panics on any view, checked or not.
//!
//! The first byte steers: bit 0 picks the IPv6 receive path (the next 33 bytes are source,
//! destination and hop limit, as the kernel reports them), bit 1 skips the TTL check.
#![no_main]

use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use holdfast_core::wire::advert::{self, TtlCheck};
use holdfast_core::wire::vrrp::Header as VrrpHeader;
use holdfast_core::wire::{
    ArpPacket, Error as WireError, EthernetFrame, IpVersion, Ipv4Packet, Ipv6Packet, NdiscPacket,
    VrrpPacket, VrrpRepr,
};
use libfuzzer_sys::fuzz_target;

fn display(sink: &mut String, value: &dyn std::fmt::Display) {
    sink.clear();
    let _ = write!(sink, "{value}");
}

/// parse → emit → parse gives the same Repr, and the emitted checksum verifies.
fn round_trip(repr: &VrrpRepr, src: IpAddr, dst: IpAddr) {
    let mut buffer = vec![0xa5u8; repr.buffer_len()];
    let len = advert::emit_vrrp(repr, src, dst, &mut buffer).expect("family and size match");
    assert_eq!(len, buffer.len());
    let packet = VrrpPacket::new_checked(&buffer[..], repr.ip_version()).expect("emitted length");
    assert!(
        packet.verify_checksum(&src, &dst),
        "emitted checksum verifies"
    );
    let again = VrrpRepr::parse(&packet).expect("emitted advert parses");
    assert_eq!(&again, repr);
}

/// The in-place read (`Header` + the packet's addresses) refuses what `Repr::parse` refuses,
/// with the same error, and reads the same fields.
fn header_agrees(packet: &VrrpPacket<&[u8]>, repr: &Result<VrrpRepr, WireError>) {
    match (VrrpHeader::parse(packet), repr) {
        (Ok(header), Ok(repr)) => {
            assert_eq!(
                (header.vrid, header.priority, header.variant),
                (repr.vrid, repr.priority, repr.variant)
            );
            assert!(packet.addresses().eq(repr.addresses.iter()));
        }
        (Err(a), Err(b)) => assert_eq!(&a, b),
        (header, repr) => panic!("Header {header:?} but Repr {repr:?}"),
    }
}

fn addresses(ip_version: IpVersion) -> (IpAddr, IpAddr) {
    match ip_version {
        IpVersion::Ipv4 => (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            IpAddr::V4(advert::GROUP_V4),
        ),
        IpVersion::Ipv6 => (
            IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            IpAddr::V6(advert::GROUP_V6),
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&steer, rest)) = data.split_first() else {
        return;
    };
    let ttl_check = if steer & 2 == 0 {
        TtlCheck::Require255
    } else {
        TtlCheck::Skip
    };
    let mut sink = String::new();

    // The receive paths, as the platform calls them.
    let received = if steer & 1 == 0 {
        advert::parse_ipv4(rest, ttl_check)
    } else if let (Some(src), Some(dst), Some(&hop), Some(payload)) = (
        rest.get(..16),
        rest.get(16..32),
        rest.get(32),
        rest.get(33..),
    ) {
        let src = Ipv6Addr::from(<[u8; 16]>::try_from(src).unwrap());
        let dst = Ipv6Addr::from(<[u8; 16]>::try_from(dst).unwrap());
        advert::parse_ipv6(payload, src, dst, hop, ttl_check)
    } else {
        return;
    };
    match &received {
        Ok(got) => {
            display(&mut sink, &got.repr);
            round_trip(&got.repr, got.src_addr, got.dst_addr);
        }
        Err(err) => display(&mut sink, err),
    }

    // The VRRP view directly, both families, checked and unchecked.
    for ip_version in [IpVersion::Ipv4, IpVersion::Ipv6] {
        display(&mut sink, &VrrpPacket::new_unchecked(rest, ip_version));
        if let Ok(packet) = VrrpPacket::new_checked(rest, ip_version) {
            display(&mut sink, &packet);
            let _ = packet.addresses().count();
            let _ = packet.auth_data();
            let (src, dst) = addresses(ip_version);
            let _ = packet.verify_checksum(&src, &dst);
            let repr = VrrpRepr::parse(&packet);
            if let Ok(repr) = &repr {
                round_trip(repr, src, dst);
            }
            header_agrees(&packet, &repr);
        }
    }

    // The other views: Display parses or reports, never panics.
    if let Ok(packet) = Ipv4Packet::new_checked(rest) {
        display(&mut sink, &packet);
        let _ = packet.payload();
    }
    if let Ok(packet) = Ipv6Packet::new_checked(rest) {
        display(&mut sink, &packet);
        let _ = packet.payload();
    }
    if let Ok(frame) = EthernetFrame::new_checked(rest) {
        display(&mut sink, &frame);
    }
    display(&mut sink, &Ipv4Packet::new_unchecked(rest));
    display(&mut sink, &Ipv6Packet::new_unchecked(rest));
    display(&mut sink, &EthernetFrame::new_unchecked(rest));
    display(&mut sink, &ArpPacket::new_unchecked(rest));
    if let Ok(packet) = NdiscPacket::new_checked(rest) {
        display(&mut sink, &packet);
        let _ = packet.target_lladdr();
    }
    display(&mut sink, &NdiscPacket::new_unchecked(rest));
});
