//! The unsolicited neighbour advertisement (RFC 4861 §4.4, §7.2.6) a new IPv6 master sends for
//! each VIP (RFC 5798 §6.4.1), in keepalived 2.2.7's captured form: ICMPv6 type 136, override
//! flag set, solicited clear, router flag only when the interface forwards, the VIP as target
//! with a target link-layer address option carrying the interface MAC, from the VIP to ff02::1
//! with hop limit 255. Also the ICMPv6 checksum with the IPv6 pseudo-header (RFC 4443 §2.3).

use core::fmt;
use core::net::Ipv6Addr;
use serde::{Deserialize, Serialize};

use super::ethernet::{self, Address as EthernetAddress, EtherType};
use super::{checksum, ipv6, Error, Result, IP_PROTOCOL_ICMPV6};

/// ICMPv6 type of a neighbour advertisement.
pub const TYPE_NEIGHBOR_ADVERT: u8 = 136;
/// Option type of the target link-layer address (RFC 4861 §4.6.1).
pub const OPTION_TARGET_LLADDR: u8 = 2;
/// All-nodes multicast, where unsolicited advertisements go.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

// RFC 4861 §4.4:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type      |     Code      |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |R|S|O|                     Reserved                            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Target Address (128 bits)               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     Type 2    |   Length 1    |    Link-Layer Address (6)  ...
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

mod field {
    use core::ops::Range;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const FLAGS_RESERVED: Range<usize> = 4..8;
    pub const TARGET: Range<usize> = 8..24;
    pub const OPTIONS: usize = TARGET.end;

    /// Within one option: type, length in units of 8 bytes, the link-layer address.
    pub const OPT_TYPE: usize = 0;
    pub const OPT_LEN: usize = 1;
    pub const OPT_LLADDR: Range<usize> = 2..8;
}

const FLAG_ROUTER: u8 = 0x80;
const FLAG_SOLICITED: u8 = 0x40;
const FLAG_OVERRIDE: u8 = 0x20;
/// Bytes of an advertisement without options.
pub const HEADER_LEN: usize = field::OPTIONS;
/// Bytes of the target link-layer address option for Ethernet.
pub const LLADDR_OPTION_LEN: usize = 8;
/// Bytes of the whole unsolicited NA frame: Ethernet, IPv6, NA with the link-layer option.
pub const NA_FRAME_LEN: usize =
    ethernet::HEADER_LEN + ipv6::HEADER_LEN + HEADER_LEN + LLADDR_OPTION_LEN;

/// A view of an ICMPv6 neighbour advertisement.
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

    /// `Truncated` if the 24-byte fixed part is not all there or an option runs past the end;
    /// `Malformed` for an option of length zero, which RFC 4861 §4.6 says to discard.
    pub fn check_len(&self) -> Result<()> {
        let buffer = self.buffer.as_ref();
        if buffer.len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        let mut rest = buffer.get(field::OPTIONS..).unwrap_or(&[]);
        while !rest.is_empty() {
            let units = *rest.get(field::OPT_LEN).ok_or(Error::Truncated)?;
            if units == 0 {
                return Err(Error::Malformed);
            }
            rest = rest.get(usize::from(units) * 8..).ok_or(Error::Truncated)?;
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// ICMPv6 type (136).
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    /// ICMPv6 code (0).
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// Checksum as stored.
    pub fn checksum(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::CHECKSUM];
        u16::from_be_bytes([b[0], b[1]])
    }

    fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS_RESERVED.start]
    }

    /// R: the sender is a router.
    pub fn router_flag(&self) -> bool {
        self.flags() & FLAG_ROUTER != 0
    }

    /// S: an answer to a solicitation.
    pub fn solicited_flag(&self) -> bool {
        self.flags() & FLAG_SOLICITED != 0
    }

    /// O: override existing cache entries (set for a VIP moving to this node).
    pub fn override_flag(&self) -> bool {
        self.flags() & FLAG_OVERRIDE != 0
    }

    /// Target address.
    pub fn target_addr(&self) -> Ipv6Addr {
        let mut octets = [0; 16];
        octets.copy_from_slice(&self.buffer.as_ref()[field::TARGET]);
        Ipv6Addr::from(octets)
    }

    /// The first Ethernet-sized target link-layer address option, if any.
    pub fn target_lladdr(&self) -> Option<EthernetAddress> {
        let mut rest = self.buffer.as_ref().get(field::OPTIONS..)?;
        loop {
            let option_type = *rest.get(field::OPT_TYPE)?;
            let len = usize::from(*rest.get(field::OPT_LEN)?) * 8;
            if len == 0 {
                return None;
            }
            let option = rest.get(..len)?;
            if option_type == OPTION_TARGET_LLADDR && len == LLADDR_OPTION_LEN {
                return <[u8; 6]>::try_from(option.get(field::OPT_LLADDR)?)
                    .ok()
                    .map(EthernetAddress);
            }
            rest = rest.get(len..)?;
        }
    }

    /// Whether the ICMPv6 checksum verifies for the IPv6 header's addresses.
    pub fn verify_checksum(&self, src_addr: &Ipv6Addr, dst_addr: &Ipv6Addr) -> bool {
        self.checksum_sum(src_addr, dst_addr) == Some(0xffff)
    }

    /// Pseudo-header (next header 58, the message length) and the whole message.
    fn checksum_sum(&self, src_addr: &Ipv6Addr, dst_addr: &Ipv6Addr) -> Option<u16> {
        let message = self.buffer.as_ref();
        let length = u32::try_from(message.len()).ok()?;
        let pseudo = checksum::pseudo_header_v6(src_addr, dst_addr, IP_PROTOCOL_ICMPV6, length);
        Some(checksum::combine(&[pseudo, checksum::data(message)]))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the ICMPv6 type.
    pub fn set_msg_type(&mut self, value: u8) {
        self.buffer.as_mut()[field::TYPE] = value;
    }

    /// Sets the ICMPv6 code.
    pub fn set_msg_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    /// Stores a checksum as given.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the three flags and zeroes the reserved bits.
    pub fn set_flags(&mut self, router: bool, solicited: bool, override_: bool) {
        let mut flags = 0;
        if router {
            flags |= FLAG_ROUTER;
        }
        if solicited {
            flags |= FLAG_SOLICITED;
        }
        if override_ {
            flags |= FLAG_OVERRIDE;
        }
        self.buffer.as_mut()[field::FLAGS_RESERVED].copy_from_slice(&[flags, 0, 0, 0]);
    }

    /// Sets the target address.
    pub fn set_target_addr(&mut self, value: Ipv6Addr) {
        self.buffer.as_mut()[field::TARGET].copy_from_slice(&value.octets());
    }

    /// Writes a target link-layer address option right after the fixed part.
    pub fn set_target_lladdr_option(&mut self, value: EthernetAddress) {
        let option = &mut self.buffer.as_mut()[field::OPTIONS..field::OPTIONS + LLADDR_OPTION_LEN];
        option[field::OPT_TYPE] = OPTION_TARGET_LLADDR;
        option[field::OPT_LEN] = (LLADDR_OPTION_LEN / 8) as u8;
        option[field::OPT_LLADDR].copy_from_slice(&value.0);
    }

    /// Computes and stores the ICMPv6 checksum.
    pub fn fill_checksum(&mut self, src_addr: &Ipv6Addr, dst_addr: &Ipv6Addr) {
        self.set_checksum(0);
        if let Some(sum) = self.checksum_sum(src_addr, dst_addr) {
            self.set_checksum(!sum);
        }
    }
}

/// A neighbour advertisement as holdfast sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Repr {
    pub router: bool,
    pub solicited: bool,
    pub override_: bool,
    pub target_addr: Ipv6Addr,
    pub target_lladdr: Option<EthernetAddress>,
}

impl Repr {
    /// The unsolicited advertisement for `vip` from an interface with MAC `mac`; `router` when
    /// the interface forwards IPv6 (a host would otherwise drop its router entry, RFC 4861
    /// §7.2.5).
    pub const fn unsolicited(mac: EthernetAddress, vip: Ipv6Addr, router: bool) -> Repr {
        Repr {
            router,
            solicited: false,
            override_: true,
            target_addr: vip,
            target_lladdr: Some(mac),
        }
    }

    /// Reads a neighbour advertisement: type 136 and code 0, else `Malformed`. The checksum is
    /// the caller's to check ([`Packet::verify_checksum`]). Options other than an Ethernet
    /// target link-layer address are skipped.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Repr> {
        packet.check_len()?;
        if packet.msg_type() != TYPE_NEIGHBOR_ADVERT || packet.msg_code() != 0 {
            return Err(Error::Malformed);
        }
        Ok(Repr {
            router: packet.router_flag(),
            solicited: packet.solicited_flag(),
            override_: packet.override_flag(),
            target_addr: packet.target_addr(),
            target_lladdr: packet.target_lladdr(),
        })
    }

    /// Bytes [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        match self.target_lladdr {
            Some(_) => HEADER_LEN + LLADDR_OPTION_LEN,
            None => HEADER_LEN,
        }
    }

    /// Writes every byte and the checksum for the IPv6 addresses it travels between.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src_addr: &Ipv6Addr,
        dst_addr: &Ipv6Addr,
    ) {
        packet.set_msg_type(TYPE_NEIGHBOR_ADVERT);
        packet.set_msg_code(0);
        packet.set_flags(self.router, self.solicited, self.override_);
        packet.set_target_addr(self.target_addr);
        if let Some(mac) = self.target_lladdr {
            packet.set_target_lladdr_option(mac);
        }
        packet.fill_checksum(src_addr, dst_addr);
    }
}

/// Writes the whole unsolicited NA frame for `vip` from `mac` (Ethernet to 33:33:00:00:00:01,
/// IPv6 from the VIP to ff02::1, hop limit 255, traffic class 0), ready for a packet socket.
pub fn emit_unsolicited_na_frame(
    buffer: &mut [u8; NA_FRAME_LEN],
    mac: EthernetAddress,
    vip: Ipv6Addr,
    router: bool,
) {
    let (eth, rest) = buffer.split_at_mut(ethernet::HEADER_LEN);
    let (ip, icmp) = rest.split_at_mut(ipv6::HEADER_LEN);
    ethernet::Repr {
        src_addr: mac,
        dst_addr: EthernetAddress::from_ipv6_multicast(ALL_NODES),
        ethertype: EtherType::Ipv6,
    }
    .emit(&mut ethernet::Frame::new_unchecked(eth));
    let na = Repr::unsolicited(mac, vip, router);
    ipv6::Repr {
        src_addr: vip,
        dst_addr: ALL_NODES,
        next_header: IP_PROTOCOL_ICMPV6,
        payload_len: na.buffer_len(),
        hop_limit: super::VRRP_TTL,
        dscp: 0,
    }
    .emit(&mut ipv6::Packet::new_unchecked(ip));
    na.emit(&mut Packet::new_unchecked(icmp), &vip, &ALL_NODES);
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ICMP6, neighbor advertisement, tgt is {}",
            self.target_addr
        )?;
        let flags = [
            (self.router, 'R'),
            (self.solicited, 'S'),
            (self.override_, 'O'),
        ];
        f.write_str(", Flags [")?;
        let mut any = false;
        for (set, name) in flags {
            if set {
                if any {
                    f.write_str(", ")?;
                }
                write!(
                    f,
                    "{}",
                    match name {
                        'R' => "router",
                        'S' => "solicited",
                        _ => "override",
                    }
                )?;
                any = true;
            }
        }
        f.write_str("]")?;
        if let Some(mac) = self.target_lladdr {
            write!(f, ", tgt link-address {mac}")?;
        }
        Ok(())
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Repr::parse(&Packet::new_unchecked(self.buffer.as_ref())) {
            Ok(repr) => write!(f, "{repr}"),
            Err(err) => write!(f, "ICMP6 ({err})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    const MAC: EthernetAddress = EthernetAddress([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]);
    const VIP: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10);

    /// keepalived 2.2.7 becoming master with VIP 2001:db8::10 on ve0 (capture set-up in vrrp.rs's
    /// tests): five of these at once; tshark: "Neighbor Advertisement 2001:db8::10 (ovr) is at
    /// 00:00:5e:00:53:01", `icmpv6.checksum.status` Good.
    static NA_FRAME: [u8; 86] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x86,
        0xdd, // IPv6
        0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, // ICMPv6
        0x88, 0x00, 0x4a, 0x0c, 0x20, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x02, 0x01, 0x00, 0x00, 0x5e, 0x00,
        0x53, 0x01,
    ];

    fn na_bytes() -> &'static [u8] {
        &NA_FRAME[54..]
    }

    #[test]
    fn deconstruct() {
        let packet = Packet::new_checked(na_bytes()).unwrap();
        assert_eq!(packet.msg_type(), 136);
        assert_eq!(packet.msg_code(), 0);
        assert_eq!(packet.checksum(), 0x4a0c);
        assert!(!packet.router_flag());
        assert!(!packet.solicited_flag());
        assert!(packet.override_flag());
        assert_eq!(packet.target_addr(), VIP);
        assert_eq!(packet.target_lladdr(), Some(MAC));
        assert!(packet.verify_checksum(&VIP, &ALL_NODES));
        let other = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        assert!(!packet.verify_checksum(&other, &ALL_NODES));
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 32];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_msg_type(136);
        packet.set_msg_code(0);
        packet.set_flags(false, false, true);
        packet.set_target_addr(VIP);
        packet.set_target_lladdr_option(MAC);
        packet.fill_checksum(&VIP, &ALL_NODES);
        assert_eq!(bytes[..], *na_bytes());
    }

    #[test]
    fn parse() {
        let repr = Repr::parse(&Packet::new_unchecked(na_bytes())).unwrap();
        assert_eq!(repr, Repr::unsolicited(MAC, VIP, false));
    }

    #[test]
    fn emit() {
        let repr = Repr::unsolicited(MAC, VIP, false);
        let mut bytes = [0xa5u8; 32];
        assert_eq!(repr.buffer_len(), 32);
        repr.emit(&mut Packet::new_unchecked(&mut bytes[..]), &VIP, &ALL_NODES);
        assert_eq!(bytes[..], *na_bytes());
    }

    #[test]
    fn frame_matches_keepalived() {
        let mut frame = [0xa5u8; NA_FRAME_LEN];
        emit_unsolicited_na_frame(&mut frame, MAC, VIP, false);
        assert_eq!(frame, NA_FRAME);
    }

    #[test]
    fn router_flag_changes_checksum_and_still_verifies() {
        let mut frame = [0u8; NA_FRAME_LEN];
        emit_unsolicited_na_frame(&mut frame, MAC, VIP, true);
        let packet = Packet::new_checked(&frame[54..]).unwrap();
        assert!(packet.router_flag() && packet.override_flag());
        assert!(packet.verify_checksum(&VIP, &ALL_NODES));
    }

    #[test]
    fn check_len_fixed_part() {
        assert_eq!(
            Packet::new_checked(&na_bytes()[..23]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_option_past_the_end() {
        assert_eq!(
            Packet::new_checked(&na_bytes()[..31]).unwrap_err(),
            Error::Truncated
        );
        assert_eq!(
            Packet::new_checked(&na_bytes()[..25]).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_zero_length_option() {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(na_bytes());
        bytes[25] = 0;
        assert_eq!(
            Packet::new_checked(&bytes[..]).unwrap_err(),
            Error::Malformed
        );
        assert_eq!(Packet::new_unchecked(&bytes[..]).target_lladdr(), None);
    }

    #[test]
    fn no_options_and_other_options() {
        let packet = Packet::new_checked(&na_bytes()[..24]).unwrap();
        assert_eq!(packet.target_lladdr(), None);
        // A nonce option (type 14) before the link-layer address is skipped.
        let mut bytes = [0u8; 40];
        bytes[..24].copy_from_slice(&na_bytes()[..24]);
        bytes[24] = 14;
        bytes[25] = 1;
        bytes[32..].copy_from_slice(&na_bytes()[24..]);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.target_lladdr(), Some(MAC));
    }

    #[test]
    fn parse_rejects_other_messages() {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(na_bytes());
        bytes[0] = 135;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..])),
            Err(Error::Malformed)
        );
        bytes[0] = 136;
        bytes[1] = 1;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..])),
            Err(Error::Malformed)
        );
    }

    #[test]
    fn display() {
        assert_eq!(
            format!("{}", Packet::new_unchecked(na_bytes())),
            "ICMP6, neighbor advertisement, tgt is 2001:db8::10, Flags [override], \
             tgt link-address 00:00:5e:00:53:01"
        );
        assert_eq!(
            format!("{}", Packet::new_unchecked(&na_bytes()[..4])),
            "ICMP6 (truncated packet)"
        );
    }
}
