//! An advertisement's whole trip through the wire layer in one call each way.
//!
//! Receive: an IPv4 raw socket hands over the datagram from its IP header; an IPv6 raw socket
//! hands over only the VRRP payload, with hop limit and addresses as ancillary data. Both end in
//! [`check_vrrp`], which applies RFC 5798 §7.1 in order: TTL/hop limit 255, version, type,
//! length against the count, checksum, and reads the advert in place (a [`Checked`] or an
//! [`Error`] carrying the VRID): what the vrrp actor's receive path calls. [`parse_vrrp`] makes
//! the same checks and copies the advert out as a [`Received`] (tests, fuzzing, tools).
//!
//! Send: [`emit_ipv4`] builds the datagram for an `IP_HDRINCL` raw socket (keepalived's way),
//! [`emit_vrrp`] the payload alone for an IPv6 raw socket, and [`emit_frame`] the whole Ethernet
//! frame for a packet socket or a capture file.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use serde::{Deserialize, Serialize};

use super::ethernet::{self, Address as EthernetAddress, EtherType};
use super::vrrp::{self, Packet as VrrpPacket, Repr as VrrpRepr};
use super::{ipv4, ipv6, Error, IpVersion, Result, DSCP_CS6, IP_PROTOCOL_VRRP, VRRP_TTL};

/// The IPv4 multicast group of VRRP (RFC 5798 §5.1.1.2).
pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 multicast group of VRRP (RFC 5798 §5.1.2.2).
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// Whether the TTL / hop limit must be 255.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TtlCheck {
    /// Multicast adverts: anything but 255 crossed a router (RFC 5798 §7.1).
    Require255,
    /// Unicast peers, which may be routed: keepalived 2.2.7 skips the check then
    /// (`vrrp_check_packet`), and so does holdfast.
    Skip,
}

/// An advertisement that passed every check the wire layer can make. What is left needs the
/// instance's configuration (VRID, interval, authentication, address list, source address).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Received {
    /// The sender's address, which breaks priority ties (RFC 5798 §6.4.3).
    pub src_addr: IpAddr,
    /// The group or, for unicast peers, this node's address.
    pub dst_addr: IpAddr,
    /// As received (255 unless [`TtlCheck::Skip`]).
    pub ttl: u8,
    pub repr: VrrpRepr,
}

/// An advertisement that passed every check [`parse_vrrp`] makes, read in place: the fixed
/// fields, and the packet to read the address list from. What a busy receive path uses, as it
/// copies nothing.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    pub src_addr: IpAddr,
    pub dst_addr: IpAddr,
    pub ttl: u8,
    pub header: vrrp::Header,
    /// Its [`VrrpPacket::addresses`] yields exactly `header`'s count.
    pub packet: VrrpPacket<&'a [u8]>,
}

/// Checks a VRRP payload that arrived between `src_addr` and `dst_addr` with `ttl`, exactly
/// as [`parse_vrrp`] does and with the same errors, without copying the address list.
pub fn check_vrrp(
    payload: &[u8],
    src_addr: IpAddr,
    dst_addr: IpAddr,
    ttl: u8,
    ttl_check: TtlCheck,
) -> Result<Checked<'_>> {
    let ip_version = match (src_addr, dst_addr) {
        (IpAddr::V4(_), IpAddr::V4(_)) => IpVersion::Ipv4,
        (IpAddr::V6(_), IpAddr::V6(_)) => IpVersion::Ipv6,
        _ => return Err(Error::BadIpHeader),
    };
    let packet = VrrpPacket::new_unchecked(payload, ip_version);
    if payload.len() < vrrp::HEADER_LEN {
        return Err(Error::Truncated);
    }
    let vrid = packet.vrid();
    if ttl_check == TtlCheck::Require255 && ttl != VRRP_TTL {
        return Err(Error::BadTtl { vrid, ttl });
    }
    // Version, type and length, in that order.
    let header = vrrp::Header::parse(&packet)?;
    if !packet.verify_checksum(&src_addr, &dst_addr) {
        return Err(Error::BadChecksum { vrid });
    }
    Ok(Checked {
        src_addr,
        dst_addr,
        ttl,
        header,
        packet,
    })
}

/// Checks and reads a VRRP payload that arrived between `src_addr` and `dst_addr` with
/// `ttl`. The addresses must be of one family (else `BadIpHeader`): it sets the address size.
pub fn parse_vrrp(
    payload: &[u8],
    src_addr: IpAddr,
    dst_addr: IpAddr,
    ttl: u8,
    ttl_check: TtlCheck,
) -> Result<Received> {
    let checked = check_vrrp(payload, src_addr, dst_addr, ttl, ttl_check)?;
    let repr = VrrpRepr::parse(&checked.packet)?;
    Ok(Received {
        src_addr,
        dst_addr,
        ttl,
        repr,
    })
}

/// Checks and reads a datagram from an IPv4 raw socket (`IPPROTO_VRRP`), IP header included:
/// the header through [`ipv4::Repr::parse`] (options skipped by IHL), protocol 112, then
/// [`parse_vrrp`] on exactly the bytes the total length covers.
pub fn parse_ipv4(datagram: &[u8], ttl_check: TtlCheck) -> Result<Received> {
    let packet = ipv4::Packet::new_checked(datagram)?;
    let header = ipv4::Repr::parse(&packet)?;
    if header.protocol != IP_PROTOCOL_VRRP {
        return Err(Error::BadProtocol {
            protocol: header.protocol,
        });
    }
    parse_vrrp(
        packet.payload(),
        IpAddr::V4(header.src_addr),
        IpAddr::V4(header.dst_addr),
        header.ttl,
        ttl_check,
    )
}

/// Checks and reads the payload from an IPv6 raw socket (`IPPROTO_VRRP`), with the hop limit
/// (`IPV6_RECVHOPLIMIT`) and addresses (`recvfrom` source, `IPV6_PKTINFO` destination) the
/// kernel reported beside it.
pub fn parse_ipv6(
    payload: &[u8],
    src_addr: Ipv6Addr,
    dst_addr: Ipv6Addr,
    hop_limit: u8,
    ttl_check: TtlCheck,
) -> Result<Received> {
    parse_vrrp(
        payload,
        IpAddr::V6(src_addr),
        IpAddr::V6(dst_addr),
        hop_limit,
        ttl_check,
    )
}

/// Writes the VRRP payload alone (for an IPv6 raw socket, or an IPv4 one without
/// `IP_HDRINCL`), checksum included. Returns its length, or `None` when `buffer` is too short or
/// the addresses are not of the advert's family.
pub fn emit_vrrp(
    repr: &VrrpRepr,
    src_addr: IpAddr,
    dst_addr: IpAddr,
    buffer: &mut [u8],
) -> Option<usize> {
    let family_ok = matches!(
        (repr.ip_version(), src_addr, dst_addr),
        (IpVersion::Ipv4, IpAddr::V4(_), IpAddr::V4(_))
            | (IpVersion::Ipv6, IpAddr::V6(_), IpAddr::V6(_))
    );
    if !family_ok {
        return None;
    }
    let len = repr.buffer_len();
    let target = buffer.get_mut(..len)?;
    repr.emit(
        &mut VrrpPacket::new_unchecked(target, repr.ip_version()),
        &src_addr,
        &dst_addr,
    );
    Some(len)
}

/// Writes the IPv4 datagram for an `IP_HDRINCL` raw socket: a 20-byte header (TTL 255, DSCP CS6,
/// protocol 112, identification 0 for the kernel to fill) and the advert. Returns its length,
/// or `None` when `buffer` is too short or the advert is IPv6.
pub fn emit_ipv4(
    repr: &VrrpRepr,
    src_addr: Ipv4Addr,
    dst_addr: Ipv4Addr,
    buffer: &mut [u8],
) -> Option<usize> {
    if repr.ip_version() != IpVersion::Ipv4 {
        return None;
    }
    let vrrp_len = repr.buffer_len();
    let header = ipv4::Repr {
        src_addr,
        dst_addr,
        protocol: IP_PROTOCOL_VRRP,
        payload_len: vrrp_len,
        ttl: VRRP_TTL,
        dscp: DSCP_CS6,
    };
    let len = ipv4::HEADER_LEN + vrrp_len;
    let (ip, payload) = buffer.get_mut(..len)?.split_at_mut(ipv4::HEADER_LEN);
    header.emit(&mut ipv4::Packet::new_unchecked(ip));
    emit_vrrp(repr, IpAddr::V4(src_addr), IpAddr::V4(dst_addr), payload)?;
    Some(len)
}

/// Writes the whole Ethernet frame of an advert: `src_mac` (keepalived uses the interface's own
/// MAC unless `use_vmac`), `dst_mac` (the group's MAC from
/// [`EthernetAddress::from_ipv4_multicast`] / [`EthernetAddress::from_ipv6_multicast`] for
/// multicast), the IP header (TTL / hop limit 255, DSCP CS6) and the advert. Returns the frame
/// length, or `None` when `buffer` is too short or the addresses are not of the advert's family.
pub fn emit_frame(
    repr: &VrrpRepr,
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src_addr: IpAddr,
    dst_addr: IpAddr,
    buffer: &mut [u8],
) -> Option<usize> {
    let ethertype = match repr.ip_version() {
        IpVersion::Ipv4 => EtherType::Ipv4,
        IpVersion::Ipv6 => EtherType::Ipv6,
    };
    let (eth, rest) = buffer.split_at_mut_checked(ethernet::HEADER_LEN)?;
    let ip_len = match (src_addr, dst_addr) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => emit_ipv4(repr, src, dst, rest)?,
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let vrrp_len = repr.buffer_len();
            let (ip, payload) = rest.split_at_mut_checked(ipv6::HEADER_LEN)?;
            emit_vrrp(repr, src_addr, dst_addr, payload)?;
            ipv6::Repr {
                src_addr: src,
                dst_addr: dst,
                next_header: IP_PROTOCOL_VRRP,
                payload_len: vrrp_len,
                hop_limit: VRRP_TTL,
                dscp: DSCP_CS6,
            }
            .emit(&mut ipv6::Packet::new_unchecked(ip));
            ipv6::HEADER_LEN + vrrp_len
        }
        _ => return None,
    };
    ethernet::Repr {
        src_addr: src_mac,
        dst_addr: dst_mac,
        ethertype,
    }
    .emit(&mut ethernet::Frame::new_unchecked(eth));
    Some(ethernet::HEADER_LEN + ip_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::vrrp::{Addresses, Auth, Variant};

    const MAC: EthernetAddress = EthernetAddress([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]);
    const SRC4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
    const SRC6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x5301);

    /// keepalived 2.2.7, `vrrp_version 2`, the whole 54-byte frame (FIELD-NOTES §4; capture
    /// set-up in vrrp.rs's tests). IP identification 1, filled in by the kernel.
    static V2_FRAME: [u8; 54] = [
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08, 0x00, 0x45,
        0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x91, 0xc0, 0x00, 0x02, 0x01,
        0xe0, 0x00, 0x00, 0x12, 0x21, 0x33, 0xff, 0x01, 0x00, 0x01, 0x1d, 0xbf, 0xc0, 0x00, 0x02,
        0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// keepalived 2.2.7, `vrrp_version 3`, one VIP: 46 bytes (FIELD-NOTES' "50 B" is the
    /// two-VIP frame, [`V3_FAST_FRAME`]).
    static V3_FRAME: [u8; 46] = [
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08, 0x00, 0x45,
        0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x99, 0xc0, 0x00, 0x02, 0x01,
        0xe0, 0x00, 0x00, 0x12, 0x31, 0x33, 0xff, 0x01, 0x00, 0x64, 0x6a, 0xcb, 0xc0, 0x00, 0x02,
        0x0a,
    ];
    /// keepalived 2.2.7, v3, priority 200, `advert_int 0.1`, two VIPs: 50 bytes.
    static V3_FAST_FRAME: [u8; 50] = [
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08, 0x00, 0x45,
        0xc0, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x95, 0xc0, 0x00, 0x02, 0x01,
        0xe0, 0x00, 0x00, 0x12, 0x31, 0x33, 0xc8, 0x02, 0x00, 0x0a, 0xe0, 0x14, 0xc0, 0x00, 0x02,
        0x0a, 0xc0, 0x00, 0x02, 0x0b,
    ];
    /// keepalived 2.2.7, v3 over IPv6: 78 bytes, flow label 0x6bd21 chosen by its kernel.
    static V3_IPV6_FRAME: [u8; 78] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x86, 0xdd, 0x6c,
        0x06, 0xbd, 0x21, 0x00, 0x18, 0x70, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x5e, 0xff, 0xfe, 0x00, 0x53, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x31, 0x33, 0xff, 0x01, 0x00, 0x64,
        0xf1, 0x7d, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x10,
    ];

    fn repr(variant: Variant, addresses: Addresses) -> VrrpRepr {
        VrrpRepr {
            vrid: 51,
            priority: 255,
            variant,
            addresses,
        }
    }

    fn v2() -> VrrpRepr {
        let addresses =
            Addresses::Ipv4(heapless::Vec::from_slice(&[Ipv4Addr::new(192, 0, 2, 10)]).unwrap());
        repr(
            Variant::V2 {
                advert_int: 1,
                auth: Auth::None,
            },
            addresses,
        )
    }

    fn v3_fast() -> VrrpRepr {
        let addresses = Addresses::Ipv4(
            heapless::Vec::from_slice(&[
                Ipv4Addr::new(192, 0, 2, 10),
                Ipv4Addr::new(192, 0, 2, 11),
            ])
            .unwrap(),
        );
        VrrpRepr {
            priority: 200,
            ..repr(Variant::V3 { max_advert_int: 10 }, addresses)
        }
    }

    fn v3_ipv6() -> VrrpRepr {
        let vip = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10);
        repr(
            Variant::V3 {
                max_advert_int: 100,
            },
            Addresses::Ipv6(heapless::Vec::from_slice(&[vip]).unwrap()),
        )
    }

    #[test]
    fn receive_keepalived_ipv4_datagrams() {
        let got = parse_ipv4(&V2_FRAME[14..], TtlCheck::Require255).unwrap();
        assert_eq!(got.src_addr, IpAddr::V4(SRC4));
        assert_eq!(got.dst_addr, IpAddr::V4(GROUP_V4));
        assert_eq!(got.ttl, 255);
        assert_eq!(got.repr, v2());
        let got = parse_ipv4(&V3_FAST_FRAME[14..], TtlCheck::Require255).unwrap();
        assert_eq!(got.repr, v3_fast());
        assert!(parse_ipv4(&V3_FRAME[14..], TtlCheck::Require255).is_ok());
    }

    #[test]
    fn receive_keepalived_ipv6_payload() {
        let got = parse_ipv6(
            &V3_IPV6_FRAME[54..],
            SRC6,
            GROUP_V6,
            255,
            TtlCheck::Require255,
        )
        .unwrap();
        assert_eq!(got.repr, v3_ipv6());
    }

    #[test]
    fn receive_errors_in_rfc_order() {
        // TTL first, with the VRID.
        let mut bytes = V3_FRAME;
        bytes[22] = 254;
        bytes[24..26].copy_from_slice(&[0x19, 0x99]); // keep the IP header checksum right
        assert_eq!(
            parse_ipv4(&bytes[14..], TtlCheck::Require255),
            Err(Error::BadTtl { vrid: 51, ttl: 254 })
        );
        // Unicast peers: any TTL.
        assert!(parse_ipv4(&bytes[14..], TtlCheck::Skip).is_ok());
        // Then the VRRP checksum.
        let mut bytes = V3_FRAME;
        bytes[45] ^= 1;
        assert_eq!(
            parse_ipv4(&bytes[14..], TtlCheck::Require255),
            Err(Error::BadChecksum { vrid: 51 })
        );
        // The v3 checksum covers the pseudo-header: a different destination fails it.
        let other = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x13);
        assert_eq!(
            parse_ipv6(&V3_IPV6_FRAME[54..], SRC6, other, 255, TtlCheck::Require255),
            Err(Error::BadChecksum { vrid: 51 })
        );
        // Wrong protocol, IP header damage, truncation.
        let mut bytes = V3_FRAME;
        bytes[23] = 51;
        bytes[24..26].copy_from_slice(&[0x18, 0xd6]);
        assert_eq!(
            parse_ipv4(&bytes[14..], TtlCheck::Require255),
            Err(Error::BadProtocol { protocol: 51 })
        );
        let mut bytes = V3_FRAME;
        bytes[25] ^= 1;
        assert_eq!(
            parse_ipv4(&bytes[14..], TtlCheck::Require255),
            Err(Error::BadIpHeader)
        );
        assert_eq!(
            parse_ipv4(&V3_FRAME[14..45], TtlCheck::Require255),
            Err(Error::Truncated)
        );
        assert_eq!(
            parse_ipv6(
                &V3_IPV6_FRAME[54..60],
                SRC6,
                GROUP_V6,
                255,
                TtlCheck::Require255
            ),
            Err(Error::Truncated)
        );
        assert_eq!(
            parse_vrrp(
                &V3_FRAME[34..],
                IpAddr::V4(SRC4),
                IpAddr::V6(GROUP_V6),
                255,
                TtlCheck::Require255
            ),
            Err(Error::BadIpHeader)
        );
    }

    #[test]
    fn the_in_place_check_agrees_with_the_full_parse() {
        let g4 = IpAddr::V4(GROUP_V4);
        let g6 = IpAddr::V6(GROUP_V6);
        let mut bad_sum = V3_FAST_FRAME;
        bad_sum[49] ^= 1;
        let cases: [(&[u8], IpAddr, IpAddr, u8); 6] = [
            (&V2_FRAME[34..], IpAddr::V4(SRC4), g4, 255),
            (&V3_FAST_FRAME[34..], IpAddr::V4(SRC4), g4, 255),
            (&V3_IPV6_FRAME[54..], IpAddr::V6(SRC6), g6, 255),
            (&bad_sum[34..], IpAddr::V4(SRC4), g4, 255),
            (&V3_FAST_FRAME[34..45], IpAddr::V4(SRC4), g4, 255),
            (&V3_FAST_FRAME[34..], IpAddr::V4(SRC4), g4, 64),
        ];
        for (payload, src, dst, ttl) in cases {
            let full = parse_vrrp(payload, src, dst, ttl, TtlCheck::Require255);
            let in_place = check_vrrp(payload, src, dst, ttl, TtlCheck::Require255);
            match (&full, &in_place) {
                (Ok(full), Ok(checked)) => {
                    let h = checked.header;
                    assert_eq!(
                        (h.vrid, h.priority, h.variant),
                        (full.repr.vrid, full.repr.priority, full.repr.variant)
                    );
                    assert!(checked.packet.addresses().eq(full.repr.addresses.iter()));
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                _ => panic!("{full:?} but {in_place:?}"),
            }
        }
        // Two VIPs read in place from keepalived's two-VIP advert.
        let checked = check_vrrp(
            &V3_FAST_FRAME[34..],
            IpAddr::V4(SRC4),
            g4,
            255,
            TtlCheck::Skip,
        )
        .expect("valid");
        assert_eq!(checked.packet.addresses().count(), 2);
    }

    #[test]
    fn emit_frames_match_keepalived_except_kernel_fields() {
        let mut buffer = [0xa5u8; 128];
        let len = emit_frame(
            &v2(),
            MAC,
            EthernetAddress::from_ipv4_multicast(GROUP_V4),
            IpAddr::V4(SRC4),
            IpAddr::V4(GROUP_V4),
            &mut buffer,
        )
        .unwrap();
        assert_eq!(len, 54);
        // The kernel filled identification 1 and fixed the header checksum; holdfast leaves 0.
        let mut expected = V2_FRAME;
        expected[18..20].copy_from_slice(&[0, 0]);
        expected[24..26].copy_from_slice(&[0x18, 0x92]);
        assert_eq!(buffer[..len], expected);

        let len = emit_frame(
            &v3_fast(),
            MAC,
            EthernetAddress::from_ipv4_multicast(GROUP_V4),
            IpAddr::V4(SRC4),
            IpAddr::V4(GROUP_V4),
            &mut buffer,
        )
        .unwrap();
        let mut expected = V3_FAST_FRAME;
        expected[18..20].copy_from_slice(&[0, 0]);
        expected[24..26].copy_from_slice(&[0x18, 0x96]);
        assert_eq!(buffer[..len], expected);

        let len = emit_frame(
            &v3_ipv6(),
            MAC,
            EthernetAddress::from_ipv6_multicast(GROUP_V6),
            IpAddr::V6(SRC6),
            IpAddr::V6(GROUP_V6),
            &mut buffer,
        )
        .unwrap();
        // Flow label 0 instead of the kernel's random one.
        let mut expected = V3_IPV6_FRAME;
        expected[15..18].copy_from_slice(&[0x00, 0x00, 0x00]);
        assert_eq!(buffer[..len], expected);
    }

    #[test]
    fn emit_round_trips_through_receive() {
        let mut buffer = [0u8; 64];
        let len = emit_ipv4(&v3_fast(), SRC4, GROUP_V4, &mut buffer).unwrap();
        assert_eq!(
            parse_ipv4(&buffer[..len], TtlCheck::Require255)
                .unwrap()
                .repr,
            v3_fast()
        );
        let len = emit_vrrp(
            &v3_ipv6(),
            IpAddr::V6(SRC6),
            IpAddr::V6(GROUP_V6),
            &mut buffer,
        )
        .unwrap();
        assert_eq!(
            parse_ipv6(&buffer[..len], SRC6, GROUP_V6, 255, TtlCheck::Require255)
                .unwrap()
                .repr,
            v3_ipv6()
        );
    }

    #[test]
    fn emit_refuses_short_buffers_and_mixed_families() {
        let mut short = [0u8; 53];
        let group_mac = EthernetAddress::from_ipv4_multicast(GROUP_V4);
        assert_eq!(
            emit_frame(
                &v2(),
                MAC,
                group_mac,
                IpAddr::V4(SRC4),
                IpAddr::V4(GROUP_V4),
                &mut short
            ),
            None
        );
        assert_eq!(
            emit_frame(
                &v2(),
                MAC,
                group_mac,
                IpAddr::V4(SRC4),
                IpAddr::V4(GROUP_V4),
                &mut short[..10]
            ),
            None
        );
        assert_eq!(emit_ipv4(&v2(), SRC4, GROUP_V4, &mut short[..39]), None);
        assert_eq!(emit_ipv4(&v3_ipv6(), SRC4, GROUP_V4, &mut short), None);
        assert_eq!(
            emit_vrrp(&v2(), IpAddr::V6(SRC6), IpAddr::V6(GROUP_V6), &mut short),
            None
        );
        assert_eq!(
            emit_vrrp(
                &v2(),
                IpAddr::V4(SRC4),
                IpAddr::V4(GROUP_V4),
                &mut short[..19]
            ),
            None
        );
        assert_eq!(
            emit_frame(
                &v3_ipv6(),
                MAC,
                group_mac,
                IpAddr::V6(SRC6),
                IpAddr::V4(GROUP_V4),
                &mut short
            ),
            None
        );
    }
}
