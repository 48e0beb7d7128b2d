//! The bytes holdfast puts on and takes off the wire: VRRP v2/v3 advertisements, the IPv4/IPv6
//! headers around them, gratuitous ARP and unsolicited neighbour advertisements.
//!
//! Each header has one file with the same shape: code-point enums, a zero-copy `Packet<T>` view
//! over a byte buffer, a `Repr` holding only the values holdfast accepts, a one-line tcpdump-style
//! `Display`, and literal-byte tests. Short names inside a file, prefixed re-exports here
//! ([`VrrpPacket`], [`VrrpRepr`], [`Ipv4Packet`], ...). [`advert`] composes the receive path
//! (IP header, TTL, then VRRP) and the send path.
//!
//! # Panic contract
//!
//! * Bytes from a socket go through `Packet::new_checked`. Once it returned `Ok`, no getter of that
//!   packet panics, whatever the bytes are. Setters listed in a `check_len` doc (lengths, counts,
//!   versions) invalidate this: call `check_len` again after using them.
//! * `Repr::parse` never panics and returns a typed [`Error`]; unknown code points (version,
//!   type, auth type, protocols) become `Unknown(raw)` arms in the packet view so callers can count
//!   and log them, and `Repr::parse` reports them as errors.
//! * Emitting uses `Packet::new_unchecked` on a buffer of exactly `Repr::buffer_len()` bytes. A
//!   shorter buffer is a bug in the caller and may panic; the frame builders that take a plain
//!   slice ([`advert::emit_ipv4`], ...) check the length and return `None` instead.
//!
//! Nothing here allocates: address lists live in `heapless::Vec`s.
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use holdfast_core::wire::{IpVersion, VrrpPacket, VrrpRepr};
//!
//! // A keepalived 2.2.7 VRRPv3 advert (VRID 51, priority 255, 1 s, 192.0.2.10).
//! let bytes = [0x31, 0x33, 0xff, 0x01, 0x00, 0x64, 0x6a, 0xcb, 0xc0, 0x00, 0x02, 0x0a];
//! let src = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
//! let dst = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
//! let packet = VrrpPacket::new_checked(&bytes[..], IpVersion::Ipv4).unwrap();
//! assert!(packet.verify_checksum(&src, &dst));
//! let repr = VrrpRepr::parse(&packet).unwrap();
//! assert_eq!(repr.vrid, 51);
//! ```

pub mod advert;
pub mod arp;
mod checksum;
pub mod ethernet;
pub mod ipv4;
pub mod ipv6;
pub mod ndisc;
pub mod vrrp;

use core::fmt;
use serde::{Deserialize, Serialize};

pub use self::arp::{Operation as ArpOperation, Packet as ArpPacket, Repr as ArpRepr};
pub use self::ethernet::{
    Address as EthernetAddress, EtherType as EthernetProtocol, Frame as EthernetFrame,
    Repr as EthernetRepr,
};
pub use self::ipv4::{Packet as Ipv4Packet, Repr as Ipv4Repr};
pub use self::ipv6::{Packet as Ipv6Packet, Repr as Ipv6Repr};
pub use self::ndisc::{Packet as NdiscPacket, Repr as NdiscRepr};
pub use self::vrrp::{
    Addresses as VrrpAddresses, Auth as VrrpAuth, AuthType as VrrpAuthType, Packet as VrrpPacket,
    Repr as VrrpRepr, Type as VrrpType, Variant as VrrpVariant, Version as VrrpVersion,
};

/// IP protocol number of VRRP (RFC 5798 §5.1.1.4, §5.1.2.3).
pub const IP_PROTOCOL_VRRP: u8 = 112;
/// IP protocol number of ICMPv6.
pub const IP_PROTOCOL_ICMPV6: u8 = 58;
/// TTL / hop limit every VRRP advert and neighbour discovery packet carries and must arrive with
/// (RFC 5798 §5.1.1.3, §7.1; RFC 4861 §7.1.2).
pub const VRRP_TTL: u8 = 255;
/// DSCP Class Selector 6 (network control), which keepalived puts on its adverts (FIELD-NOTES §4:
/// ToS 0xc0 on IPv4, traffic class 0xc0 on IPv6).
pub const DSCP_CS6: u8 = 48;

/// Which IP family a VRRP packet travels in. VRRP has no family field: the address size comes
/// from the IP header around it (RFC 5798 §5.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IpVersion {
    Ipv4,
    Ipv6,
}

impl IpVersion {
    /// Bytes in one address of this family.
    pub const fn address_len(self) -> usize {
        match self {
            IpVersion::Ipv4 => 4,
            IpVersion::Ipv6 => 16,
        }
    }
}

impl fmt::Display for IpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpVersion::Ipv4 => f.write_str("IPv4"),
            IpVersion::Ipv6 => f.write_str("IPv6"),
        }
    }
}

/// Why bytes were not accepted: one variant per reason RFC 5798 §7.1 and its MIB (RFC 6527
/// `vrrpv3StatisticsProtoErrReason`, plus the v2 MIB counters) count, carrying the VRID when the
/// bytes got far enough to have one. `Copy` and two bytes of payload, so it costs nothing to
/// send inside a received-packet message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// Fewer bytes than a fixed header (IP, VRRP, ARP, ICMPv6) needs, or than the IP header's own
    /// length fields promise.
    Truncated,
    /// An IP header that contradicts itself: wrong version nibble, IHL below 5, total length
    /// shorter than the header, or a bad IPv4 header checksum.
    BadIpHeader,
    /// The IP protocol / IPv6 next header is not the one expected (112 for VRRP).
    BadProtocol { protocol: u8 },
    /// TTL or hop limit other than 255: the advert crossed a router (RFC 5798 §7.1, `ipTtlError`).
    BadTtl { vrid: u8, ttl: u8 },
    /// A VRRP version holdfast does not speak: not 2 or 3, or version 2 over IPv6
    /// (RFC 3768 is IPv4-only) (`versionError`).
    BadVersion { vrid: u8, version: u8 },
    /// A VRRP type other than ADVERTISEMENT (1) (`vrrpStatsInvalidTypePktsRcvd`).
    BadType { vrid: u8, packet_type: u8 },
    /// The address count disagrees with the packet length, in either direction
    /// (`vrrpv3StatisticsPacketLengthErrors`; keepalived also drops "too long").
    AddressCountMismatch { vrid: u8, count: u8 },
    /// The VRRP checksum does not verify (`checksumError`).
    BadChecksum { vrid: u8 },
    /// A non-VRRP packet (ARP, ICMPv6) that is not the form holdfast reads: wrong hardware or
    /// protocol type, wrong ICMPv6 type or code, or a bad ICMPv6 checksum.
    Malformed,
}

impl Error {
    /// The virtual router the rejected packet named, when it got that far.
    pub const fn vrid(&self) -> Option<u8> {
        match *self {
            Error::BadTtl { vrid, .. }
            | Error::BadVersion { vrid, .. }
            | Error::BadType { vrid, .. }
            | Error::AddressCountMismatch { vrid, .. }
            | Error::BadChecksum { vrid } => Some(vrid),
            Error::Truncated
            | Error::BadIpHeader
            | Error::BadProtocol { .. }
            | Error::Malformed => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated => f.write_str("truncated packet"),
            Error::BadIpHeader => f.write_str("malformed IP header"),
            Error::BadProtocol { protocol } => write!(f, "unexpected IP protocol {protocol}"),
            Error::BadTtl { vrid, ttl } => {
                write!(f, "vrid {vrid}: TTL/hop limit {ttl}, expected 255")
            }
            Error::BadVersion { vrid, version } => {
                write!(f, "vrid {vrid}: unsupported VRRP version {version}")
            }
            Error::BadType { vrid, packet_type } => {
                write!(f, "vrid {vrid}: unknown VRRP type {packet_type}")
            }
            Error::AddressCountMismatch { vrid, count } => {
                write!(
                    f,
                    "vrid {vrid}: address count {count} disagrees with packet length"
                )
            }
            Error::BadChecksum { vrid } => write!(f, "vrid {vrid}: bad VRRP checksum"),
            Error::Malformed => f.write_str("malformed packet"),
        }
    }
}

/// The result of decoding: a value or the reason it was refused.
pub type Result<T> = core::result::Result<T, Error>;
