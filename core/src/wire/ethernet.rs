//! Ethernet II headers for the frames holdfast sends through a packet socket (gratuitous ARP,
//! unsolicited neighbour advertisements) and writes into capture files, plus the MAC address type
//! and the IP-multicast-to-MAC mappings (RFC 1112 §6.4, RFC 2464 §7).

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use serde::{Deserialize, Serialize};

use super::{Error, Result};

/// EtherType code points holdfast reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EtherType {
    Ipv4,
    Arp,
    Ipv6,
    Unknown(u16),
}

impl From<u16> for EtherType {
    fn from(raw: u16) -> Self {
        match raw {
            0x0800 => EtherType::Ipv4,
            0x0806 => EtherType::Arp,
            0x86dd => EtherType::Ipv6,
            other => EtherType::Unknown(other),
        }
    }
}

impl From<EtherType> for u16 {
    fn from(value: EtherType) -> Self {
        match value {
            EtherType::Ipv4 => 0x0800,
            EtherType::Arp => 0x0806,
            EtherType::Ipv6 => 0x86dd,
            EtherType::Unknown(other) => other,
        }
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EtherType::Ipv4 => f.write_str("IPv4"),
            EtherType::Arp => f.write_str("ARP"),
            EtherType::Ipv6 => f.write_str("IPv6"),
            EtherType::Unknown(raw) => write!(f, "0x{raw:04x}"),
        }
    }
}

/// A 48-bit Ethernet (MAC) address.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Address(pub [u8; 6]);

impl Address {
    /// ff:ff:ff:ff:ff:ff, where gratuitous ARP goes.
    pub const BROADCAST: Address = Address([0xff; 6]);
    /// 00:00:00:00:00:00.
    pub const ZERO: Address = Address([0; 6]);

    /// The group address an IPv4 multicast maps to: 01:00:5e and the low 23 bits (RFC 1112 §6.4).
    /// 224.0.0.18 gives 01:00:5e:00:00:12.
    pub const fn from_ipv4_multicast(group: Ipv4Addr) -> Address {
        let [_, b, c, d] = group.octets();
        Address([0x01, 0x00, 0x5e, b & 0x7f, c, d])
    }

    /// The group address an IPv6 multicast maps to: 33:33 and the low 32 bits (RFC 2464 §7).
    /// ff02::12 gives 33:33:00:00:00:12.
    pub const fn from_ipv6_multicast(group: Ipv6Addr) -> Address {
        let o = group.octets();
        Address([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }

    /// The six bytes.
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

mod field {
    use core::ops::Range;

    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
    pub const PAYLOAD: usize = ETHERTYPE.end;
}

/// Bytes in an Ethernet II header (no 802.1Q tag: holdfast sends on the untagged device).
pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of an Ethernet II frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wraps a buffer without checking it; see the `wire` panic contract.
    pub const fn new_unchecked(buffer: T) -> Frame<T> {
        Frame { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Frame<T>> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// `Err(Truncated)` when the buffer is shorter than the 14-byte header.
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Destination MAC.
    pub fn dst_addr(&self) -> Address {
        let mut mac = [0; 6];
        mac.copy_from_slice(&self.buffer.as_ref()[field::DESTINATION]);
        Address(mac)
    }

    /// Source MAC.
    pub fn src_addr(&self) -> Address {
        let mut mac = [0; 6];
        mac.copy_from_slice(&self.buffer.as_ref()[field::SOURCE]);
        Address(mac)
    }

    /// EtherType.
    pub fn ethertype(&self) -> EtherType {
        let b = &self.buffer.as_ref()[field::ETHERTYPE];
        EtherType::from(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Everything after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    /// Sets the destination MAC.
    pub fn set_dst_addr(&mut self, value: Address) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&value.0);
    }

    /// Sets the source MAC.
    pub fn set_src_addr(&mut self, value: Address) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&value.0);
    }

    /// Sets the EtherType.
    pub fn set_ethertype(&mut self, value: EtherType) {
        self.buffer.as_mut()[field::ETHERTYPE].copy_from_slice(&u16::from(value).to_be_bytes());
    }

    /// Everything after the header, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

/// An Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Repr {
    pub src_addr: Address,
    pub dst_addr: Address,
    pub ethertype: EtherType,
}

impl Repr {
    /// Reads the header of a checked frame.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(frame: &Frame<&T>) -> Result<Repr> {
        frame.check_len()?;
        Ok(Repr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype: frame.ethertype(),
        })
    }

    /// Bytes the header takes.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header; the payload is the caller's.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut Frame<T>) {
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        frame.set_ethertype(self.ethertype);
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Frame<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.check_len() {
            Ok(()) => write!(
                f,
                "{} > {}, ethertype {}, length {}",
                self.src_addr(),
                self.dst_addr(),
                self.ethertype(),
                self.buffer.as_ref().len()
            ),
            Err(err) => write!(f, "Ethernet ({err})"),
        }
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {}, ethertype {}",
            self.src_addr, self.dst_addr, self.ethertype
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    // The header of a keepalived 2.2.7 VRRP advert (FIELD-NOTES §4; capture described in vrrp.rs).
    static FRAME_BYTES: [u8; 16] = [
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08, 0x00, 0x45,
        0xc0,
    ];

    const SRC: Address = Address([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]);

    #[test]
    fn deconstruct() {
        let frame = Frame::new_checked(&FRAME_BYTES[..]).unwrap();
        assert_eq!(
            frame.dst_addr(),
            Address([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12])
        );
        assert_eq!(frame.src_addr(), SRC);
        assert_eq!(frame.ethertype(), EtherType::Ipv4);
        assert_eq!(frame.payload(), &[0x45, 0xc0]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 16];
        let mut frame = Frame::new_unchecked(&mut bytes[..]);
        frame.set_dst_addr(Address([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]));
        frame.set_src_addr(SRC);
        frame.set_ethertype(EtherType::Ipv4);
        frame.payload_mut().copy_from_slice(&[0x45, 0xc0]);
        assert_eq!(bytes, FRAME_BYTES);
    }

    #[test]
    fn parse_and_emit() {
        let repr = Repr::parse(&Frame::new_unchecked(&FRAME_BYTES[..])).unwrap();
        assert_eq!(
            repr,
            Repr {
                src_addr: SRC,
                dst_addr: Address::from_ipv4_multicast(Ipv4Addr::new(224, 0, 0, 18)),
                ethertype: EtherType::Ipv4,
            }
        );
        let mut bytes = [0xa5u8; HEADER_LEN];
        repr.emit(&mut Frame::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes[..], FRAME_BYTES[..HEADER_LEN]);
    }

    #[test]
    fn truncated() {
        assert_eq!(
            Frame::new_checked(&FRAME_BYTES[..13]).unwrap_err(),
            Error::Truncated
        );
        assert_eq!(
            format!("{}", Frame::new_unchecked(&FRAME_BYTES[..3])),
            "Ethernet (truncated packet)"
        );
    }

    #[test]
    fn unknown_ethertype_round_trips() {
        assert_eq!(EtherType::from(0x88cc), EtherType::Unknown(0x88cc));
        assert_eq!(u16::from(EtherType::Unknown(0x88cc)), 0x88cc);
        assert_eq!(u16::from(EtherType::from(0x86dd)), 0x86dd);
    }

    #[test]
    fn multicast_mapping() {
        assert_eq!(
            Address::from_ipv4_multicast(Ipv4Addr::new(239, 129, 0, 18)).to_string(),
            "01:00:5e:01:00:12"
        );
        let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
        assert_eq!(
            Address::from_ipv6_multicast(group).to_string(),
            "33:33:00:00:00:12"
        );
    }

    #[test]
    fn display() {
        let frame = Frame::new_unchecked(&FRAME_BYTES[..]);
        assert_eq!(
            format!("{frame}"),
            "00:00:5e:00:53:01 > 01:00:5e:00:00:12, ethertype IPv4, length 16"
        );
    }

    use std::string::ToString;
}
