//! The IPv4 header, as far as VRRP needs it: the receive path reads IHL, total length, TTL,
//! protocol and addresses from the raw socket's datagram; the raw send (`IP_HDRINCL`) writes a
//! 20-byte header with TTL 255, DSCP CS6 and protocol 112, as keepalived does (FIELD-NOTES §4).
//!
//! Options are never written, but received headers may carry them (a router-alert option, for
//! one), so the payload starts at IHL × 4, never at a fixed 20.

use core::fmt;
use core::net::Ipv4Addr;
use serde::{Deserialize, Serialize};

use super::{checksum, Error, Result};

// RFC 791 §3.1:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version|  IHL  |  DSCP     |ECN|          Total Length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Identification        |Flags|      Fragment Offset    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Time to Live |    Protocol   |         Header Checksum       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Source Address                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Destination Address                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Options                    |    Padding    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

mod field {
    use core::ops::Range;

    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLG_OFF: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC_ADDR: Range<usize> = 12..16;
    pub const DST_ADDR: Range<usize> = 16..20;
}

/// Bytes in a header without options, the only kind holdfast writes.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// A view of an IPv4 datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; see the `wire` panic contract.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the header and the payload the header promises are in the buffer:
    /// `Truncated` if the buffer is shorter than 20 bytes, than IHL × 4 or than the total length;
    /// `BadIpHeader` if IHL is below 5 or the total length is shorter than the header. Bytes
    /// after the total length (link-layer padding) are allowed and ignored.
    ///
    /// [`set_header_len`](Self::set_header_len) and [`set_total_len`](Self::set_total_len)
    /// invalidate this check.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated);
        }
        let header_len = self.header_len();
        let total_len = usize::from(self.total_len());
        if header_len < HEADER_LEN || total_len < header_len {
            Err(Error::BadIpHeader)
        } else if len < header_len || len < total_len {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version nibble (4 for IPv4).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// Differentiated services code point (the top six bits of the old ToS byte).
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// Explicit congestion notification bits.
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// Total length: header plus payload.
    pub fn total_len(&self) -> u16 {
        self.read_u16(field::LENGTH.start)
    }

    /// Identification.
    pub fn ident(&self) -> u16 {
        self.read_u16(field::IDENT.start)
    }

    /// Flags and fragment offset as one word.
    pub fn flags_fragment(&self) -> u16 {
        self.read_u16(field::FLG_OFF.start)
    }

    /// Time to live; VRRP requires 255 on arrival (RFC 5798 §7.1).
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// Protocol number (112 for VRRP).
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// Header checksum as stored.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM.start)
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        self.read_addr(field::SRC_ADDR.start)
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        self.read_addr(field::DST_ADDR.start)
    }

    /// Whether the header checksum (options included) verifies.
    pub fn verify_checksum(&self) -> bool {
        match self.buffer.as_ref().get(..self.header_len()) {
            Some(header) => checksum::data(header) == 0xffff,
            None => false,
        }
    }

    /// The bytes between the header and the total length.
    pub fn payload(&self) -> &[u8] {
        let range = self.header_len()..usize::from(self.total_len());
        self.buffer.as_ref().get(range).unwrap_or(&[])
    }

    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }

    fn read_addr(&self, at: usize) -> Ipv4Addr {
        let b = self.buffer.as_ref();
        Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version nibble.
    pub fn set_version(&mut self, value: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (value << 4);
    }

    /// Sets IHL from a length in bytes (a multiple of 4). Invalidates `check_len`.
    pub fn set_header_len(&mut self, value: usize) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | ((value / 4) as u8 & 0x0f);
    }

    /// Sets DSCP and ECN.
    pub fn set_dscp_ecn(&mut self, dscp: u8, ecn: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = (dscp << 2) | (ecn & 0x03);
    }

    /// Sets the total length. Invalidates `check_len`.
    pub fn set_total_len(&mut self, value: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the identification (0 lets the kernel pick one under `IP_HDRINCL`).
    pub fn set_ident(&mut self, value: u16) {
        self.buffer.as_mut()[field::IDENT].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets flags and fragment offset.
    pub fn set_flags_fragment(&mut self, value: u16) {
        self.buffer.as_mut()[field::FLG_OFF].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the TTL.
    pub fn set_ttl(&mut self, value: u8) {
        self.buffer.as_mut()[field::TTL] = value;
    }

    /// Sets the protocol.
    pub fn set_protocol(&mut self, value: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = value;
    }

    /// Stores a checksum as given.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// Computes and stores the header checksum.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let end = self.header_len();
        let sum = self.buffer.as_ref().get(..end).map_or(0, checksum::data);
        self.set_checksum(!sum);
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = self.header_len()..usize::from(self.total_len());
        self.buffer.as_mut().get_mut(range).unwrap_or(&mut [])
    }
}

/// The IPv4 header fields holdfast reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Repr {
    pub src_addr: Ipv4Addr,
    pub dst_addr: Ipv4Addr,
    pub protocol: u8,
    /// Payload bytes (total length minus IHL × 4).
    pub payload_len: usize,
    pub ttl: u8,
    pub dscp: u8,
}

impl Repr {
    /// Reads a header. Refuses (`BadIpHeader`) a version other than 4 or a header checksum that
    /// does not verify. Tolerates options (skipped through IHL), any ECN, identification, flags
    /// and fragment offset (the kernel hands raw sockets reassembled datagrams) and trailing
    /// padding. TTL and protocol are returned, not judged: the VRRP receive path reports them
    /// with the VRID (see `advert`).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.version() != 4 || !packet.verify_checksum() {
            return Err(Error::BadIpHeader);
        }
        Ok(Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            payload_len: usize::from(packet.total_len()) - packet.header_len(),
            ttl: packet.ttl(),
            dscp: packet.dscp(),
        })
    }

    /// Bytes the header takes (never any options).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes a 20-byte header with identification 0, no flags, ECN 0 and a filled checksum,
    /// keepalived's `vrrp_build_ip4` form. A payload length that would overflow the total length
    /// is clamped (a caller bug: VRRP adverts are at most a few hundred bytes).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_version(4);
        packet.set_header_len(HEADER_LEN);
        packet.set_dscp_ecn(self.dscp, 0);
        let total = self.payload_len.saturating_add(HEADER_LEN);
        packet.set_total_len(u16::try_from(total).unwrap_or(u16::MAX));
        packet.set_ident(0);
        packet.set_flags_fragment(0);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.fill_checksum();
    }
}

fn write_protocol(f: &mut fmt::Formatter<'_>, protocol: u8) -> fmt::Result {
    match protocol {
        super::IP_PROTOCOL_VRRP => f.write_str("VRRP (112)"),
        super::IP_PROTOCOL_ICMPV6 => f.write_str("ICMPv6 (58)"),
        other => write!(f, "{other}"),
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Err(err) = self.check_len() {
            return write!(f, "IP ({err})");
        }
        write!(
            f,
            "IP {} > {}: tos 0x{:02x}, ttl {}, id {}, proto ",
            self.src_addr(),
            self.dst_addr(),
            self.buffer.as_ref()[field::DSCP_ECN],
            self.ttl(),
            self.ident(),
        )?;
        write_protocol(f, self.protocol())?;
        write!(f, ", length {}", self.total_len())?;
        if !self.verify_checksum() {
            f.write_str(" (bad cksum)")?;
        }
        Ok(())
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IP {} > {}: dscp {}, ttl {}, proto ",
            self.src_addr, self.dst_addr, self.dscp, self.ttl
        )?;
        write_protocol(f, self.protocol)?;
        write!(f, ", payload {}", self.payload_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    // The IPv4 header of keepalived 2.2.7's first VRRPv2 advert (capture described in vrrp.rs),
    // followed by its 20-byte VRRP payload.
    static PACKET_BYTES: [u8; 40] = [
        0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x91, 0xc0, 0x00, 0x02,
        0x01, 0xe0, 0x00, 0x00, 0x12, // VRRP from here
        0x21, 0x33, 0xff, 0x01, 0x00, 0x01, 0x1d, 0xbf, 0xc0, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    // The same header as holdfast emits it: identification 0 (the kernel fills it in), so a
    // different checksum.
    static EMITTED_HEADER: [u8; 20] = [
        0x45, 0xc0, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0xff, 0x70, 0x18, 0x92, 0xc0, 0x00, 0x02,
        0x01, 0xe0, 0x00, 0x00, 0x12,
    ];

    fn repr() -> Repr {
        Repr {
            src_addr: Ipv4Addr::new(192, 0, 2, 1),
            dst_addr: Ipv4Addr::new(224, 0, 0, 18),
            protocol: 112,
            payload_len: 20,
            ttl: 255,
            dscp: 48,
        }
    }

    #[test]
    fn deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.header_len(), 20);
        assert_eq!(packet.dscp(), 48);
        assert_eq!(packet.ecn(), 0);
        assert_eq!(packet.total_len(), 40);
        assert_eq!(packet.ident(), 1);
        assert_eq!(packet.flags_fragment(), 0);
        assert_eq!(packet.ttl(), 255);
        assert_eq!(packet.protocol(), 112);
        assert_eq!(packet.checksum(), 0x1891);
        assert_eq!(packet.src_addr(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(packet.dst_addr(), Ipv4Addr::new(224, 0, 0, 18));
        assert!(packet.verify_checksum());
        assert_eq!(packet.payload(), &PACKET_BYTES[20..]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 40];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version(4);
        packet.set_header_len(20);
        packet.set_dscp_ecn(48, 0);
        packet.set_total_len(40);
        packet.set_ident(1);
        packet.set_flags_fragment(0);
        packet.set_ttl(255);
        packet.set_protocol(112);
        packet.set_src_addr(Ipv4Addr::new(192, 0, 2, 1));
        packet.set_dst_addr(Ipv4Addr::new(224, 0, 0, 18));
        packet.fill_checksum();
        packet.payload_mut().copy_from_slice(&PACKET_BYTES[20..]);
        assert_eq!(bytes, PACKET_BYTES);
    }

    #[test]
    fn parse() {
        let packet = Packet::new_unchecked(&PACKET_BYTES[..]);
        assert_eq!(Repr::parse(&packet), Ok(repr()));
    }

    #[test]
    fn emit() {
        let mut bytes = [0xa5u8; 20];
        repr().emit(&mut Packet::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes, EMITTED_HEADER);
        assert!(Packet::new_unchecked(&bytes[..]).verify_checksum());
    }

    #[test]
    fn options_move_the_payload() {
        // IHL 6: a router-alert option (RFC 2113) before the payload.
        let mut bytes = [0u8; 28];
        bytes[..20].copy_from_slice(&EMITTED_HEADER);
        bytes[0] = 0x46;
        bytes[2..4].copy_from_slice(&28u16.to_be_bytes());
        bytes[20..24].copy_from_slice(&[0x94, 0x04, 0x00, 0x00]);
        bytes[24..].copy_from_slice(&[1, 2, 3, 4]);
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.fill_checksum();
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.header_len(), 24);
        assert_eq!(packet.payload(), &[1, 2, 3, 4]);
        assert_eq!(Repr::parse(&packet).unwrap().payload_len, 4);
    }

    #[test]
    fn trailing_padding_is_ignored() {
        let mut bytes = [0u8; 46];
        bytes[..40].copy_from_slice(&PACKET_BYTES);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), &PACKET_BYTES[20..]);
    }

    #[test]
    fn check_len_shorter_than_fixed_header() {
        assert_eq!(
            Packet::new_checked(&PACKET_BYTES[..19]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_ihl_below_five() {
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x44;
        assert_eq!(
            Packet::new_checked(&bytes[..]).unwrap_err(),
            Error::BadIpHeader
        );
    }

    #[test]
    fn check_len_shorter_than_ihl() {
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x4f; // a 60-byte header (and total length) in a 40-byte buffer
        bytes[2..4].copy_from_slice(&60u16.to_be_bytes());
        assert_eq!(
            Packet::new_checked(&bytes[..]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_total_shorter_than_header() {
        let mut bytes = PACKET_BYTES;
        bytes[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(
            Packet::new_checked(&bytes[..]).unwrap_err(),
            Error::BadIpHeader
        );
    }

    #[test]
    fn check_len_shorter_than_total() {
        assert_eq!(
            Packet::new_checked(&PACKET_BYTES[..39]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn parse_rejects_version_and_checksum() {
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x65;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..])),
            Err(Error::BadIpHeader)
        );
        let mut bytes = PACKET_BYTES;
        bytes[11] ^= 1;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..])),
            Err(Error::BadIpHeader)
        );
    }

    #[test]
    fn display() {
        let packet = Packet::new_unchecked(&PACKET_BYTES[..]);
        assert_eq!(
            format!("{packet}"),
            "IP 192.0.2.1 > 224.0.0.18: tos 0xc0, ttl 255, id 1, proto VRRP (112), length 40"
        );
        assert_eq!(
            format!("{}", repr()),
            "IP 192.0.2.1 > 224.0.0.18: dscp 48, ttl 255, proto VRRP (112), payload 20"
        );
        assert_eq!(
            format!("{}", Packet::new_unchecked(&[0x45u8][..])),
            "IP (truncated packet)"
        );
    }
}
