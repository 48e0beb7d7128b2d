//! ARP over Ethernet for IPv4 (RFC 826), for the gratuitous ARP a new master sends for each VIP
//! (RFC 5798 §6.4.1), in the exact form keepalived 2.2.7 sends it: an ARP *request*, "who-has VIP
//! tell VIP", sender MAC the interface's own, target MAC ff:ff:ff:ff:ff:ff, to the Ethernet
//! broadcast, 42 bytes unpadded (captured, see the tests). RFC 5227 announcements put zero in the
//! target MAC; keepalived puts broadcast there, and holdfast copies keepalived so switches and
//! hosts see the same frame from either daemon.

use core::fmt;
use core::net::Ipv4Addr;
use serde::{Deserialize, Serialize};

use super::ethernet::{self, Address as EthernetAddress, EtherType};
use super::{Error, Result};

/// ARP hardware type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Hardware {
    Ethernet,
    Unknown(u16),
}

impl From<u16> for Hardware {
    fn from(raw: u16) -> Self {
        match raw {
            1 => Hardware::Ethernet,
            other => Hardware::Unknown(other),
        }
    }
}

impl From<Hardware> for u16 {
    fn from(value: Hardware) -> Self {
        match value {
            Hardware::Ethernet => 1,
            Hardware::Unknown(other) => other,
        }
    }
}

/// ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Operation {
    Request,
    Reply,
    Unknown(u16),
}

impl From<u16> for Operation {
    fn from(raw: u16) -> Self {
        match raw {
            1 => Operation::Request,
            2 => Operation::Reply,
            other => Operation::Unknown(other),
        }
    }
}

impl From<Operation> for u16 {
    fn from(value: Operation) -> Self {
        match value {
            Operation::Request => 1,
            Operation::Reply => 2,
            Operation::Unknown(other) => other,
        }
    }
}

// RFC 826 (field widths for Ethernet/IPv4 in brackets):
//
// +--------+--------+--------+--------+--------+------------+--------+------------+--------+
// | HTYPE  | PTYPE  |  HLEN  |  PLEN  |  OPER  |  SHA [6]   | SPA [4]|  THA [6]   | TPA [4]|
// |  (2)   |  (2)   |  (1)   |  (1)   |  (2)   |  (HLEN)    | (PLEN) |  (HLEN)    | (PLEN) |
// +--------+--------+--------+--------+--------+------------+--------+------------+--------+

mod field {
    use core::ops::Range;

    pub const HTYPE: Range<usize> = 0..2;
    pub const PTYPE: Range<usize> = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Range<usize> = 6..8;

    pub const fn sha(hlen: u8, _plen: u8) -> Range<usize> {
        let start = OPER.end;
        start..start + hlen as usize
    }

    pub const fn spa(hlen: u8, plen: u8) -> Range<usize> {
        let start = sha(hlen, plen).end;
        start..start + plen as usize
    }

    pub const fn tha(hlen: u8, plen: u8) -> Range<usize> {
        let start = spa(hlen, plen).end;
        start..start + hlen as usize
    }

    pub const fn tpa(hlen: u8, plen: u8) -> Range<usize> {
        let start = tha(hlen, plen).end;
        start..start + plen as usize
    }
}

/// Bytes of an Ethernet/IPv4 ARP packet.
pub const ETHERNET_IPV4_LEN: usize = field::tpa(6, 4).end;
/// Bytes of a gratuitous ARP frame: Ethernet header and ARP, unpadded (the NIC pads to 60).
pub const GARP_FRAME_LEN: usize = ethernet::HEADER_LEN + ETHERNET_IPV4_LEN;

/// A view of an ARP packet of any hardware and protocol sizes.
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

    /// `Truncated` if the buffer is shorter than the 8-byte fixed part or than the four
    /// addresses HLEN and PLEN call for. Trailing bytes (Ethernet padding) are allowed.
    ///
    /// [`set_hardware_len`](Self::set_hardware_len) and
    /// [`set_protocol_len`](Self::set_protocol_len) invalidate this check.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < field::OPER.end || len < field::tpa(self.hardware_len(), self.protocol_len()).end {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }

    /// Hardware type.
    pub fn hardware_type(&self) -> Hardware {
        Hardware::from(self.read_u16(field::HTYPE.start))
    }

    /// Protocol type (an EtherType).
    pub fn protocol_type(&self) -> EtherType {
        EtherType::from(self.read_u16(field::PTYPE.start))
    }

    /// Hardware address length.
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// Protocol address length.
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// Operation.
    pub fn operation(&self) -> Operation {
        Operation::from(self.read_u16(field::OPER.start))
    }

    /// Sender hardware address.
    pub fn source_hardware_addr(&self) -> &[u8] {
        &self.buffer.as_ref()[field::sha(self.hardware_len(), self.protocol_len())]
    }

    /// Sender protocol address.
    pub fn source_protocol_addr(&self) -> &[u8] {
        &self.buffer.as_ref()[field::spa(self.hardware_len(), self.protocol_len())]
    }

    /// Target hardware address.
    pub fn target_hardware_addr(&self) -> &[u8] {
        &self.buffer.as_ref()[field::tha(self.hardware_len(), self.protocol_len())]
    }

    /// Target protocol address.
    pub fn target_protocol_addr(&self) -> &[u8] {
        &self.buffer.as_ref()[field::tpa(self.hardware_len(), self.protocol_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the hardware type.
    pub fn set_hardware_type(&mut self, value: Hardware) {
        self.buffer.as_mut()[field::HTYPE].copy_from_slice(&u16::from(value).to_be_bytes());
    }

    /// Sets the protocol type.
    pub fn set_protocol_type(&mut self, value: EtherType) {
        self.buffer.as_mut()[field::PTYPE].copy_from_slice(&u16::from(value).to_be_bytes());
    }

    /// Sets the hardware address length. Invalidates `check_len`.
    pub fn set_hardware_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::HLEN] = value;
    }

    /// Sets the protocol address length. Invalidates `check_len`.
    pub fn set_protocol_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::PLEN] = value;
    }

    /// Sets the operation.
    pub fn set_operation(&mut self, value: Operation) {
        self.buffer.as_mut()[field::OPER].copy_from_slice(&u16::from(value).to_be_bytes());
    }

    /// Sets the sender hardware address (HLEN bytes).
    pub fn set_source_hardware_addr(&mut self, value: &[u8]) {
        let range = field::sha(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Sets the sender protocol address (PLEN bytes).
    pub fn set_source_protocol_addr(&mut self, value: &[u8]) {
        let range = field::spa(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Sets the target hardware address (HLEN bytes).
    pub fn set_target_hardware_addr(&mut self, value: &[u8]) {
        let range = field::tha(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Sets the target protocol address (PLEN bytes).
    pub fn set_target_protocol_addr(&mut self, value: &[u8]) {
        let range = field::tpa(self.hardware_len(), self.protocol_len());
        self.buffer.as_mut()[range].copy_from_slice(value);
    }
}

/// An Ethernet/IPv4 ARP packet, the only kind holdfast handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Repr {
    pub operation: Operation,
    pub source_hardware_addr: EthernetAddress,
    pub source_protocol_addr: Ipv4Addr,
    pub target_hardware_addr: EthernetAddress,
    pub target_protocol_addr: Ipv4Addr,
}

impl Repr {
    /// keepalived's gratuitous ARP for `vip` from an interface with MAC `mac`.
    pub const fn gratuitous(mac: EthernetAddress, vip: Ipv4Addr) -> Repr {
        Repr {
            operation: Operation::Request,
            source_hardware_addr: mac,
            source_protocol_addr: vip,
            target_hardware_addr: EthernetAddress::BROADCAST,
            target_protocol_addr: vip,
        }
    }

    /// Reads an Ethernet/IPv4 ARP packet; anything else is `Malformed`. Any operation parses.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.hardware_type() != Hardware::Ethernet
            || packet.protocol_type() != EtherType::Ipv4
            || packet.hardware_len() != 6
            || packet.protocol_len() != 4
        {
            return Err(Error::Malformed);
        }
        let mac = |bytes: &[u8]| <[u8; 6]>::try_from(bytes).map(EthernetAddress);
        let ip = |bytes: &[u8]| <[u8; 4]>::try_from(bytes).map(Ipv4Addr::from);
        let malformed = |_| Error::Malformed;
        Ok(Repr {
            operation: packet.operation(),
            source_hardware_addr: mac(packet.source_hardware_addr()).map_err(malformed)?,
            source_protocol_addr: ip(packet.source_protocol_addr()).map_err(malformed)?,
            target_hardware_addr: mac(packet.target_hardware_addr()).map_err(malformed)?,
            target_protocol_addr: ip(packet.target_protocol_addr()).map_err(malformed)?,
        })
    }

    /// Bytes the packet takes.
    pub const fn buffer_len(&self) -> usize {
        ETHERNET_IPV4_LEN
    }

    /// Writes every byte of the packet.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_hardware_type(Hardware::Ethernet);
        packet.set_protocol_type(EtherType::Ipv4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(self.operation);
        packet.set_source_hardware_addr(&self.source_hardware_addr.0);
        packet.set_source_protocol_addr(&self.source_protocol_addr.octets());
        packet.set_target_hardware_addr(&self.target_hardware_addr.0);
        packet.set_target_protocol_addr(&self.target_protocol_addr.octets());
    }

    /// Whether this is a gratuitous ARP (sender and target protocol addresses equal).
    pub fn is_gratuitous(&self) -> bool {
        self.source_protocol_addr == self.target_protocol_addr
    }
}

/// Writes the whole gratuitous ARP frame for `vip` from `mac`, ready for a packet socket.
pub fn emit_garp_frame(buffer: &mut [u8; GARP_FRAME_LEN], mac: EthernetAddress, vip: Ipv4Addr) {
    let (header, payload) = buffer.split_at_mut(ethernet::HEADER_LEN);
    ethernet::Repr {
        src_addr: mac,
        dst_addr: EthernetAddress::BROADCAST,
        ethertype: EtherType::Arp,
    }
    .emit(&mut ethernet::Frame::new_unchecked(header));
    Repr::gratuitous(mac, vip).emit(&mut Packet::new_unchecked(payload));
}

fn write_operation(f: &mut fmt::Formatter<'_>, op: Operation) -> fmt::Result {
    match op {
        Operation::Request => f.write_str("Request"),
        Operation::Reply => f.write_str("Reply"),
        Operation::Unknown(raw) => write!(f, "op {raw}"),
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ARP, ")?;
        write_operation(f, self.operation)?;
        match self.operation {
            Operation::Request => write!(
                f,
                " who-has {} ({}) tell {}",
                self.target_protocol_addr, self.target_hardware_addr, self.source_protocol_addr
            ),
            _ => write!(
                f,
                " {} is-at {}",
                self.source_protocol_addr, self.source_hardware_addr
            ),
        }
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Repr::parse(&Packet::new_unchecked(self.buffer.as_ref())) {
            Ok(repr) => write!(f, "{repr}"),
            Err(err) => write!(f, "ARP ({err})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    const MAC: EthernetAddress = EthernetAddress([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]);
    const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);

    /// keepalived 2.2.7 on becoming master with VIP 192.0.2.10 on ve0 (00:00:5e:00:53:01);
    /// capture set-up in vrrp.rs's tests. Five of these at once, 42 bytes each.
    static GARP_FRAME: [u8; 42] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08,
        0x06, // ARP
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0xc0,
        0x00, 0x02, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc0, 0x00, 0x02, 0x0a,
    ];

    #[test]
    fn deconstruct() {
        let packet = Packet::new_checked(&GARP_FRAME[14..]).unwrap();
        assert_eq!(packet.hardware_type(), Hardware::Ethernet);
        assert_eq!(packet.protocol_type(), EtherType::Ipv4);
        assert_eq!(packet.hardware_len(), 6);
        assert_eq!(packet.protocol_len(), 4);
        assert_eq!(packet.operation(), Operation::Request);
        assert_eq!(packet.source_hardware_addr(), &MAC.0);
        assert_eq!(packet.source_protocol_addr(), &[192, 0, 2, 10]);
        assert_eq!(packet.target_hardware_addr(), &[0xff; 6]);
        assert_eq!(packet.target_protocol_addr(), &[192, 0, 2, 10]);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 28];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_hardware_type(Hardware::Ethernet);
        packet.set_protocol_type(EtherType::Ipv4);
        packet.set_hardware_len(6);
        packet.set_protocol_len(4);
        packet.set_operation(Operation::Request);
        packet.set_source_hardware_addr(&MAC.0);
        packet.set_source_protocol_addr(&VIP.octets());
        packet.set_target_hardware_addr(&[0xff; 6]);
        packet.set_target_protocol_addr(&VIP.octets());
        assert_eq!(bytes[..], GARP_FRAME[14..]);
    }

    #[test]
    fn parse() {
        let repr = Repr::parse(&Packet::new_unchecked(&GARP_FRAME[14..])).unwrap();
        assert_eq!(repr, Repr::gratuitous(MAC, VIP));
        assert!(repr.is_gratuitous());
    }

    #[test]
    fn emit() {
        let mut bytes = [0xa5u8; 28];
        Repr::gratuitous(MAC, VIP).emit(&mut Packet::new_unchecked(&mut bytes[..]));
        assert_eq!(bytes[..], GARP_FRAME[14..]);
    }

    #[test]
    fn garp_frame_matches_keepalived() {
        let mut frame = [0xa5u8; GARP_FRAME_LEN];
        emit_garp_frame(&mut frame, MAC, VIP);
        assert_eq!(frame, GARP_FRAME);
    }

    #[test]
    fn check_len_fixed_part() {
        assert_eq!(
            Packet::new_checked(&GARP_FRAME[14..21]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_addresses() {
        assert_eq!(
            Packet::new_checked(&GARP_FRAME[14..41]).unwrap_err(),
            Error::Truncated
        );
        // Ethernet padding after the packet is fine.
        let mut padded = [0u8; 46];
        padded[..28].copy_from_slice(&GARP_FRAME[14..]);
        assert!(Packet::new_checked(&padded[..]).is_ok());
    }

    #[test]
    fn parse_rejects_other_forms() {
        let mut bytes = [0u8; 28];
        bytes.copy_from_slice(&GARP_FRAME[14..]);
        bytes[1] = 6; // IEEE 802 hardware
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..])),
            Err(Error::Malformed)
        );
        // An IPv6-sized protocol address in a buffer long enough for it.
        let mut long = [0u8; 60];
        long[..28].copy_from_slice(&GARP_FRAME[14..]);
        long[5] = 16;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&long[..])),
            Err(Error::Malformed)
        );
    }

    #[test]
    fn unknown_operation_parses() {
        let mut bytes = [0u8; 28];
        bytes.copy_from_slice(&GARP_FRAME[14..]);
        bytes[7] = 9;
        let repr = Repr::parse(&Packet::new_unchecked(&bytes[..])).unwrap();
        assert_eq!(repr.operation, Operation::Unknown(9));
        assert_eq!(u16::from(repr.operation), 9);
    }

    #[test]
    fn display() {
        assert_eq!(
            format!("{}", Packet::new_unchecked(&GARP_FRAME[14..])),
            "ARP, Request who-has 192.0.2.10 (ff:ff:ff:ff:ff:ff) tell 192.0.2.10"
        );
        assert_eq!(
            format!("{}", Packet::new_unchecked(&GARP_FRAME[14..20])),
            "ARP (truncated packet)"
        );
    }
}
