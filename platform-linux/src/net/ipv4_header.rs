//! The part of an IPv4 header an IPv4 raw socket hands over in front of every datagram: its
//! length (IHL, options included), TTL, protocol and addresses, read through the wire layer's
//! [`Ipv4Packet`] view. Only what the receive path needs to strip the header and report the
//! TTL; the VRRP checks themselves belong to the actor and `holdfast_core::wire`.
//!
//! Unlike `Ipv4Packet::new_checked`, a datagram cut short by the receive buffer is still read
//! (its payload is reported truncated): only the fixed header and the options must be there.

use holdfast_core::wire::ipv4::HEADER_LEN;
use holdfast_core::wire::Ipv4Packet;
use std::net::Ipv4Addr;

/// The fields of a received IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Header {
    /// IHL × 4: where the payload starts (20 without options, up to 60).
    pub header_len: usize,
    /// Total Length: header plus payload, as the sender wrote it.
    pub total_len: usize,
    pub ttl: u8,
    pub protocol: u8,
    pub source: Ipv4Addr,
    pub destination: Ipv4Addr,
}

/// Reads the header at the start of `datagram`; `None` when the bytes are not an IPv4 header
/// (wrong version, IHL below 5, or fewer bytes than the IHL says).
pub fn parse(datagram: &[u8]) -> Option<Ipv4Header> {
    if datagram.len() < HEADER_LEN {
        return None;
    }
    // The getters used read only the fixed header, which the length check above guarantees.
    let packet = Ipv4Packet::new_unchecked(datagram);
    let header_len = packet.header_len();
    if packet.version() != 4 || header_len < HEADER_LEN || header_len > datagram.len() {
        return None;
    }
    Some(Ipv4Header {
        header_len,
        total_len: usize::from(packet.total_len()),
        ttl: packet.ttl(),
        protocol: packet.protocol(),
        source: packet.src_addr(),
        destination: packet.dst_addr(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keepalived-style advert header: TOS 0xc0, TTL 255, protocol 112, 192.0.2.1 → 224.0.0.18.
    const HEADER: [u8; 20] = [
        0x45, 0xc0, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0xff, 0x70, 0x00, 0x00, 192, 0, 2, 1, 224,
        0, 0, 18,
    ];

    #[test]
    fn parses_a_plain_header() {
        assert_eq!(
            parse(&HEADER),
            Some(Ipv4Header {
                header_len: 20,
                total_len: 40,
                ttl: 255,
                protocol: 112,
                source: Ipv4Addr::new(192, 0, 2, 1),
                destination: Ipv4Addr::new(224, 0, 0, 18),
            })
        );
    }

    #[test]
    fn options_move_the_payload() {
        let mut bytes = [0xa5u8; 24];
        bytes[..20].copy_from_slice(&HEADER);
        bytes[0] = 0x46;
        assert_eq!(parse(&bytes).map(|h| h.header_len), Some(24));
        // IHL 6 but only 20 bytes.
        assert_eq!(parse(&bytes[..20]), None);
    }

    #[test]
    fn rejects_what_is_not_an_ipv4_header() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&HEADER[..19]), None);
        let mut v6 = HEADER;
        v6[0] = 0x65;
        assert_eq!(parse(&v6), None);
        let mut short_ihl = HEADER;
        short_ihl[0] = 0x44;
        assert_eq!(parse(&short_ihl), None);
    }
}
