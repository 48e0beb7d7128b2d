//! The fixed IPv6 header, as far as VRRP and neighbour discovery need it: hop limit 255, next
//! header 112 or 58, traffic class CS6 for adverts, addresses and payload length.
//!
//! A raw IPv6 socket delivers only the payload (the hop limit and addresses come as ancillary
//! data), so the receive path rarely sees this header; it exists for packet-socket sends (the
//! unsolicited NA) and for captures. Extension headers are not followed: keepalived sends none,
//! and a VRRP packet behind one is reported as a wrong next header.

use core::fmt;
use core::net::Ipv6Addr;
use serde::{Deserialize, Serialize};

use super::{Error, Result};

// RFC 8200 §3:
//
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Traffic Class |           Flow Label                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Payload Length        |  Next Header  |   Hop Limit   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         Source Address (128 bits)             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Destination Address (128 bits)           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

mod field {
    use core::ops::Range;

    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Range<usize> = 8..24;
    pub const DST_ADDR: Range<usize> = 24..40;
}

/// Bytes in the fixed header.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// A view of an IPv6 packet.
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

    /// `Truncated` if the buffer is shorter than the 40-byte header or than the header plus
    /// the payload length. Trailing bytes (link-layer padding) are allowed and ignored.
    ///
    /// [`set_payload_len`](Self::set_payload_len) invalidates this check.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || len < HEADER_LEN + usize::from(self.payload_len()) {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn first_word(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::VER_TC_FLOW];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The version nibble (6).
    pub fn version(&self) -> u8 {
        (self.first_word() >> 28) as u8
    }

    /// Traffic class (DSCP and ECN).
    pub fn traffic_class(&self) -> u8 {
        (self.first_word() >> 20) as u8
    }

    /// The DSCP part of the traffic class.
    pub fn dscp(&self) -> u8 {
        self.traffic_class() >> 2
    }

    /// Flow label.
    pub fn flow_label(&self) -> u32 {
        self.first_word() & 0x000f_ffff
    }

    /// Payload length (after the fixed header).
    pub fn payload_len(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Next header (112 for VRRP, 58 for ICMPv6).
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NXT_HDR]
    }

    /// Hop limit; VRRP and neighbour discovery require 255 (RFC 5798 §7.1, RFC 4861 §7.1.2).
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        self.read_addr(field::SRC_ADDR.start)
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        self.read_addr(field::DST_ADDR.start)
    }

    /// The bytes the payload length covers.
    pub fn payload(&self) -> &[u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        self.buffer.as_ref().get(HEADER_LEN..end).unwrap_or(&[])
    }

    fn read_addr(&self, at: usize) -> Ipv6Addr {
        let mut octets = [0; 16];
        octets.copy_from_slice(&self.buffer.as_ref()[at..at + 16]);
        Ipv6Addr::from(octets)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version, traffic class and flow label together (they share a word).
    pub fn set_version_tc_flow(&mut self, version: u8, traffic_class: u8, flow_label: u32) {
        let word = (u32::from(version & 0x0f) << 28)
            | (u32::from(traffic_class) << 20)
            | (flow_label & 0x000f_ffff);
        self.buffer.as_mut()[field::VER_TC_FLOW].copy_from_slice(&word.to_be_bytes());
    }

    /// Sets the payload length. Invalidates `check_len`.
    pub fn set_payload_len(&mut self, value: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the next header.
    pub fn set_next_header(&mut self, value: u8) {
        self.buffer.as_mut()[field::NXT_HDR] = value;
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, value: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = value;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, value: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, value: Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..end)
            .unwrap_or(&mut [])
    }
}

/// The IPv6 header fields holdfast reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Repr {
    pub src_addr: Ipv6Addr,
    pub dst_addr: Ipv6Addr,
    pub next_header: u8,
    pub payload_len: usize,
    pub hop_limit: u8,
    pub dscp: u8,
}

impl Repr {
    /// Reads a header. Refuses (`BadIpHeader`) a version other than 6. Tolerates any flow label
    /// (keepalived's kernel picks a random one) and ECN, and trailing padding. Hop limit and
    /// next header are returned, not judged.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.version() != 6 {
            return Err(Error::BadIpHeader);
        }
        Ok(Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: usize::from(packet.payload_len()),
            hop_limit: packet.hop_limit(),
            dscp: packet.dscp(),
        })
    }

    /// Bytes the header takes.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header with flow label 0 and ECN 0. A payload length above 65535 is clamped
    /// (a caller bug: no holdfast packet comes near it).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_version_tc_flow(6, self.dscp << 2, 0);
        packet.set_payload_len(u16::try_from(self.payload_len).unwrap_or(u16::MAX));
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
    }
}

fn write_next_header(f: &mut fmt::Formatter<'_>, next_header: u8) -> fmt::Result {
    match next_header {
        super::IP_PROTOCOL_VRRP => f.write_str("VRRP (112)"),
        super::IP_PROTOCOL_ICMPV6 => f.write_str("ICMPv6 (58)"),
        other => write!(f, "{other}"),
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Err(err) = self.check_len() {
            return write!(f, "IP6 ({err})");
        }
        write!(
            f,
            "IP6 {} > {}: class 0x{:02x}, flowlabel 0x{:05x}, hlim {}, next-header ",
            self.src_addr(),
            self.dst_addr(),
            self.traffic_class(),
            self.flow_label(),
            self.hop_limit(),
        )?;
        write_next_header(f, self.next_header())?;
        write!(f, ", payload length {}", self.payload_len())
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IP6 {} > {}: dscp {}, hlim {}, next-header ",
            self.src_addr, self.dst_addr, self.dscp, self.hop_limit
        )?;
        write_next_header(f, self.next_header)?;
        write!(f, ", payload length {}", self.payload_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    // The IPv6 header of keepalived 2.2.7's first VRRPv3 IPv6 advert (capture described in
    // vrrp.rs), with its 24-byte VRRP payload.
    static PACKET_BYTES: [u8; 64] = [
        0x6c, 0x06, 0xbd, 0x21, 0x00, 0x18, 0x70, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x02, 0x00, 0x5e, 0xff, 0xfe, 0x00, 0x53, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, // VRRP from here
        0x31, 0x33, 0xff, 0x01, 0x00, 0x64, 0xf1, 0x7d, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];

    fn src() -> Ipv6Addr {
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x5301)
    }

    fn repr() -> Repr {
        Repr {
            src_addr: src(),
            dst_addr: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            next_header: 112,
            payload_len: 24,
            hop_limit: 255,
            dscp: 48,
        }
    }

    #[test]
    fn deconstruct() {
        let packet = Packet::new_checked(&PACKET_BYTES[..]).unwrap();
        assert_eq!(packet.version(), 6);
        assert_eq!(packet.traffic_class(), 0xc0);
        assert_eq!(packet.dscp(), 48);
        assert_eq!(packet.flow_label(), 0x6bd21);
        assert_eq!(packet.payload_len(), 24);
        assert_eq!(packet.next_header(), 112);
        assert_eq!(packet.hop_limit(), 255);
        assert_eq!(packet.src_addr(), src());
        assert_eq!(
            packet.dst_addr(),
            Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)
        );
        assert_eq!(packet.payload(), &PACKET_BYTES[40..]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 64];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version_tc_flow(6, 0xc0, 0x6bd21);
        packet.set_payload_len(24);
        packet.set_next_header(112);
        packet.set_hop_limit(255);
        packet.set_src_addr(src());
        packet.set_dst_addr(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));
        packet.payload_mut().copy_from_slice(&PACKET_BYTES[40..]);
        assert_eq!(bytes, PACKET_BYTES);
    }

    #[test]
    fn parse() {
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&PACKET_BYTES[..])),
            Ok(repr())
        );
    }

    #[test]
    fn emit() {
        let mut bytes = [0xa5u8; 40];
        repr().emit(&mut Packet::new_unchecked(&mut bytes[..]));
        // Flow label 0 where keepalived's kernel chose 0x6bd21; the rest is byte-identical.
        assert_eq!(bytes[..4], [0x6c, 0x00, 0x00, 0x00]);
        assert_eq!(bytes[4..], PACKET_BYTES[4..40]);
    }

    #[test]
    fn check_len_shorter_than_header() {
        assert_eq!(
            Packet::new_checked(&PACKET_BYTES[..39]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_shorter_than_payload() {
        assert_eq!(
            Packet::new_checked(&PACKET_BYTES[..63]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn padding_is_ignored() {
        let mut bytes = [0u8; 70];
        bytes[..64].copy_from_slice(&PACKET_BYTES);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.payload(), &PACKET_BYTES[40..]);
    }

    #[test]
    fn parse_rejects_version() {
        let mut bytes = PACKET_BYTES;
        bytes[0] = 0x4c;
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
            "IP6 fe80::200:5eff:fe00:5301 > ff02::12: class 0xc0, flowlabel 0x6bd21, hlim 255, \
             next-header VRRP (112), payload length 24"
        );
        assert_eq!(
            format!("{}", repr()),
            "IP6 fe80::200:5eff:fe00:5301 > ff02::12: dscp 48, hlim 255, next-header VRRP (112), \
             payload length 24"
        );
    }
}
