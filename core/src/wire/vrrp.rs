//! VRRP advertisements: version 2 (RFC 3768, IPv4 only, with the RFC 2338 authentication
//! keepalived still speaks) and version 3 (RFC 5798, IPv4 and IPv6), in one view.
//!
//! The two versions share the first word and the checksum position; they differ in the second
//! word (v2: auth type and an 8-bit interval in seconds; v3: 4 reserved bits and a 12-bit interval
//! in centiseconds), in the trailing 8 bytes of authentication data (v2 only) and in the checksum
//! coverage (v3 adds the IP pseudo-header). VRRP has no family field: the address size comes from
//! the IP header around it, so a [`Packet`] is built with its [`IpVersion`].

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use serde::{Deserialize, Serialize};

use super::{checksum, Error, IpVersion, Result, IP_PROTOCOL_VRRP};

/// The VRRP version nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Version {
    /// RFC 3768.
    V2,
    /// RFC 5798.
    V3,
    Unknown(u8),
}

impl From<u8> for Version {
    fn from(raw: u8) -> Self {
        match raw {
            2 => Version::V2,
            3 => Version::V3,
            other => Version::Unknown(other),
        }
    }
}

impl From<Version> for u8 {
    fn from(value: Version) -> Self {
        match value {
            Version::V2 => 2,
            Version::V3 => 3,
            Version::Unknown(other) => other,
        }
    }
}

/// The VRRP type nibble. Only ADVERTISEMENT exists (RFC 5798 §5.2.2); others are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Type {
    Advertisement,
    Unknown(u8),
}

impl From<u8> for Type {
    fn from(raw: u8) -> Self {
        match raw {
            1 => Type::Advertisement,
            other => Type::Unknown(other),
        }
    }
}

impl From<Type> for u8 {
    fn from(value: Type) -> Self {
        match value {
            Type::Advertisement => 1,
            Type::Unknown(other) => other,
        }
    }
}

/// The v2 authentication type (RFC 2338 §5.3.6; RFC 3768 keeps the field, keepalived the values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AuthType {
    /// 0: no authentication.
    None,
    /// 1: an 8-byte clear-text password in the authentication data (keepalived `auth_type PASS`).
    SimpleText,
    /// 2: IPsec AH (keepalived `auth_type AH`). holdfast does not implement it.
    IpAh,
    Unknown(u8),
}

impl From<u8> for AuthType {
    fn from(raw: u8) -> Self {
        match raw {
            0 => AuthType::None,
            1 => AuthType::SimpleText,
            2 => AuthType::IpAh,
            other => AuthType::Unknown(other),
        }
    }
}

impl From<AuthType> for u8 {
    fn from(value: AuthType) -> Self {
        match value {
            AuthType::None => 0,
            AuthType::SimpleText => 1,
            AuthType::IpAh => 2,
            AuthType::Unknown(other) => other,
        }
    }
}

// RFC 3768 §5.1 (v2, IPv4 only):
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Auth Type   |   Adver Int   |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         IP Address (1)                        |
// |                            ...                                |
// |                         IP Address (n)                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     Authentication Data (1)                   |
// |                     Authentication Data (2)                   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 5798 §5.1 (v3, IPv4 or IPv6 addresses):
//
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |(rsvd) |     Max Adver Int     |          Checksum             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IPvX Address(es)                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

mod field {
    use core::ops::Range;

    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// v2: authentication type.
    pub const AUTH_TYPE: usize = 4;
    /// v2: advertisement interval in seconds.
    pub const ADVER_INT: usize = 5;
    /// v3: 4 reserved bits, then the 12-bit maximum advertisement interval in centiseconds.
    pub const RSVD_MAX_ADVER_INT: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const ADDRESSES: usize = CHECKSUM.end;

    /// Address `index` when each address is `address_len` bytes.
    pub const fn address(index: usize, address_len: usize) -> Range<usize> {
        let start = ADDRESSES + index * address_len;
        start..start + address_len
    }

    /// v2 authentication data, after `count` addresses.
    pub const fn auth_data(count: usize, address_len: usize) -> Range<usize> {
        let start = ADDRESSES + count * address_len;
        start..start + super::AUTH_DATA_LEN
    }
}

/// Bytes before the address list, the same for both versions.
pub const HEADER_LEN: usize = field::ADDRESSES;
/// Bytes of v2 authentication data after the addresses (RFC 3768 §5.3.10).
pub const AUTH_DATA_LEN: usize = 8;
/// How many addresses a [`Repr`] holds: every count the 8-bit field can carry. A smaller cap
/// would make holdfast drop a keepalived peer's adverts (keepalived fills a packet up to the MTU
/// or 255 addresses, whichever is less) and then claim mastership: split brain. The price is
/// about 4 KiB per `Repr`, kept off the hot path by parsing in place.
pub const MAX_ADDRESSES: usize = 255;
/// The largest v3 interval, 12 bits of centiseconds (40.95 s, RFC 5798 §5.2.7).
pub const MAX_V3_INTERVAL: u16 = 0x0fff;

/// Bytes in a VRRP packet of `version` with `count` addresses of `ip_version`: the header, the
/// addresses and, for v2, the authentication data. `None` for an unknown version, whose layout
/// beyond the header is unknown.
pub const fn packet_len(version: Version, ip_version: IpVersion, count: usize) -> Option<usize> {
    let auth_len = match version {
        Version::V2 => AUTH_DATA_LEN,
        Version::V3 => 0,
        Version::Unknown(_) => return None,
    };
    Some(field::auth_data(count, ip_version.address_len()).start + auth_len)
}

/// A view of a VRRP packet (the IP payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    ip_version: IpVersion,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; see the `wire` panic contract.
    pub const fn new_unchecked(buffer: T, ip_version: IpVersion) -> Packet<T> {
        Packet { buffer, ip_version }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T, ip_version: IpVersion) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer, ip_version);
        packet.check_len()?;
        Ok(packet)
    }

    /// `Truncated` when the 8-byte header is not all there. For a known version,
    /// `AddressCountMismatch` unless the buffer is exactly the header, the counted addresses and
    /// (v2) the authentication data: RFC 5798 §7.1 requires the complete packet, and keepalived
    /// also drops packets that are too long, so holdfast agrees with it on what a peer accepts.
    /// For an unknown version only the header is checked; [`Repr::parse`] reports the version.
    ///
    /// [`set_version`](Self::set_version) and [`set_address_count`](Self::set_address_count)
    /// invalidate this check.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(Error::Truncated);
        }
        match self.packet_len() {
            Some(expected) if expected != len => Err(Error::AddressCountMismatch {
                vrid: self.vrid(),
                count: self.address_count(),
            }),
            _ => Ok(()),
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The family the packet was wrapped with.
    pub const fn ip_version(&self) -> IpVersion {
        self.ip_version
    }

    /// The length the header fields call for (see [`packet_len`]).
    pub fn packet_len(&self) -> Option<usize> {
        packet_len(
            self.version(),
            self.ip_version,
            usize::from(self.address_count()),
        )
    }

    /// Version nibble.
    pub fn version(&self) -> Version {
        Version::from(self.buffer.as_ref()[field::VER_TYPE] >> 4)
    }

    /// Type nibble.
    pub fn packet_type(&self) -> Type {
        Type::from(self.buffer.as_ref()[field::VER_TYPE] & 0x0f)
    }

    /// Virtual router ID.
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// Priority (255 owner, 0 master stopping).
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// Count of addresses.
    pub fn address_count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT]
    }

    /// v2 authentication type (the same byte is reserved bits and interval in v3).
    pub fn auth_type(&self) -> AuthType {
        AuthType::from(self.buffer.as_ref()[field::AUTH_TYPE])
    }

    /// v2 advertisement interval in whole seconds.
    pub fn advert_int(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT]
    }

    /// v3 reserved bits (sent as zero, ignored on receipt, RFC 5798 §5.2.6).
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::RSVD_MAX_ADVER_INT.start] >> 4
    }

    /// v3 maximum advertisement interval in centiseconds (12 bits).
    pub fn max_advert_int(&self) -> u16 {
        self.read_u16(field::RSVD_MAX_ADVER_INT.start) & MAX_V3_INTERVAL
    }

    /// Checksum as stored.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM.start)
    }

    /// Address `index`, `None` past the count, past the buffer or for an unknown version.
    pub fn address(&self, index: usize) -> Option<IpAddr> {
        if index >= usize::from(self.address_count()) || self.packet_len().is_none() {
            return None;
        }
        let bytes = self
            .buffer
            .as_ref()
            .get(field::address(index, self.ip_version.address_len()))?;
        match self.ip_version {
            IpVersion::Ipv4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
            IpVersion::Ipv6 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        }
    }

    /// The addresses in order (as many as [`address`](Self::address) yields).
    pub fn addresses(&self) -> impl Iterator<Item = IpAddr> + '_ {
        (0..usize::from(self.address_count())).map_while(|index| self.address(index))
    }

    /// The v2 authentication data; `None` for other versions or a short buffer.
    pub fn auth_data(&self) -> Option<&[u8; AUTH_DATA_LEN]> {
        if self.version() != Version::V2 {
            return None;
        }
        let range = field::auth_data(
            usize::from(self.address_count()),
            self.ip_version.address_len(),
        );
        self.buffer.as_ref().get(range)?.try_into().ok()
    }

    /// The one's complement sum over what the checksum covers, `None` when it is undefined;
    /// the coverage rules are on [`verify_checksum`](Self::verify_checksum).
    fn checksum_sum(&self, src_addr: &IpAddr, dst_addr: &IpAddr) -> Option<u16> {
        let len = self.packet_len()?;
        let message = self.buffer.as_ref().get(..len)?;
        match self.version() {
            Version::V2 => Some(checksum::data(message)),
            Version::V3 => {
                let family_matches = matches!(
                    (self.ip_version, src_addr),
                    (IpVersion::Ipv4, IpAddr::V4(_)) | (IpVersion::Ipv6, IpAddr::V6(_))
                );
                if !family_matches {
                    return None;
                }
                let pseudo = checksum::pseudo_header(src_addr, dst_addr, IP_PROTOCOL_VRRP, len)?;
                Some(checksum::combine(&[pseudo, checksum::data(message)]))
            }
            Version::Unknown(_) => None,
        }
    }

    /// Whether the checksum verifies. `src_addr` and `dst_addr` are the IP header's addresses.
    ///
    /// This is the one place the coverage rules live (`fill_checksum` uses the same):
    /// * v2 (RFC 3768 §5.3.8): the VRRP message alone, from the version field through the
    ///   authentication data. No pseudo-header; `src_addr` and `dst_addr` are not used.
    /// * v3 (RFC 5798 §5.2.8): the IPv4 pseudo-header (RFC 768 form) or the IPv6 pseudo-header
    ///   (RFC 8200 §8.1) with protocol 112 and the VRRP length, then the VRRP message. For
    ///   keepalived's multicast adverts the destination is 224.0.0.18 / ff02::12.
    /// * Undefined, so `false`: an unknown version, a buffer shorter than the fields say, or
    ///   addresses of another family than the packet.
    ///
    /// Checked against keepalived 2.2.7 captures (FIELD-NOTES §4) in this file's tests, and
    /// against tshark's VRRP dissector in `core/tests/wire_tshark.rs`.
    pub fn verify_checksum(&self, src_addr: &IpAddr, dst_addr: &IpAddr) -> bool {
        self.checksum_sum(src_addr, dst_addr) == Some(0xffff)
    }

    fn read_u16(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the version nibble. Invalidates `check_len` (the layout depends on it).
    pub fn set_version(&mut self, value: Version) {
        let b = &mut self.buffer.as_mut()[field::VER_TYPE];
        *b = (*b & 0x0f) | (u8::from(value) << 4);
    }

    /// Sets the type nibble.
    pub fn set_packet_type(&mut self, value: Type) {
        let b = &mut self.buffer.as_mut()[field::VER_TYPE];
        *b = (*b & 0xf0) | (u8::from(value) & 0x0f);
    }

    /// Sets the virtual router ID.
    pub fn set_vrid(&mut self, value: u8) {
        self.buffer.as_mut()[field::VRID] = value;
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, value: u8) {
        self.buffer.as_mut()[field::PRIORITY] = value;
    }

    /// Sets the address count. Invalidates `check_len`.
    pub fn set_address_count(&mut self, value: u8) {
        self.buffer.as_mut()[field::COUNT] = value;
    }

    /// Sets the v2 authentication type.
    pub fn set_auth_type(&mut self, value: AuthType) {
        self.buffer.as_mut()[field::AUTH_TYPE] = u8::from(value);
    }

    /// Sets the v2 interval in seconds.
    pub fn set_advert_int(&mut self, value: u8) {
        self.buffer.as_mut()[field::ADVER_INT] = value;
    }

    /// Sets the v3 interval in centiseconds, clamped to 12 bits, and the reserved bits to zero.
    pub fn set_max_advert_int(&mut self, value: u16) {
        let value = if value > MAX_V3_INTERVAL {
            MAX_V3_INTERVAL
        } else {
            value
        };
        self.buffer.as_mut()[field::RSVD_MAX_ADVER_INT].copy_from_slice(&value.to_be_bytes());
    }

    /// Stores a checksum as given.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Writes address `index`, at the position the packet's family gives it.
    pub fn set_address(&mut self, index: usize, value: IpAddr) {
        let range = field::address(index, self.ip_version.address_len());
        let target = &mut self.buffer.as_mut()[range];
        match value {
            IpAddr::V4(addr) => target.copy_from_slice(&addr.octets()),
            IpAddr::V6(addr) => target.copy_from_slice(&addr.octets()),
        }
    }

    /// Writes the v2 authentication data after the counted addresses.
    pub fn set_auth_data(&mut self, value: &[u8; AUTH_DATA_LEN]) {
        let range = field::auth_data(
            usize::from(self.address_count()),
            self.ip_version.address_len(),
        );
        self.buffer.as_mut()[range].copy_from_slice(value);
    }

    /// Computes and stores the checksum (coverage as in `verify_checksum`). Leaves zero where
    /// the coverage is undefined.
    pub fn fill_checksum(&mut self, src_addr: &IpAddr, dst_addr: &IpAddr) {
        self.set_checksum(0);
        if let Some(sum) = self.checksum_sum(src_addr, dst_addr) {
            self.set_checksum(!sum);
        }
    }
}

/// v2 authentication as received or to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Auth {
    /// Type 0. Any authentication data is ignored on receipt and sent as zeros.
    None,
    /// Type 1 with its 8 bytes, NUL-padded (keepalived `auth_pass`, truncated to 8).
    SimpleText([u8; AUTH_DATA_LEN]),
    /// IPsec AH (2) or an unknown type: parsed, so the instance can count an auth-type mismatch
    /// (RFC 3768 §7.1) rather than see a decode error; sent with zero authentication data.
    Unsupported(u8),
}

impl Auth {
    /// The code point on the wire.
    pub fn auth_type(&self) -> AuthType {
        match *self {
            Auth::None => AuthType::None,
            Auth::SimpleText(_) => AuthType::SimpleText,
            Auth::Unsupported(raw) => AuthType::from(raw),
        }
    }
}

/// The version-specific part of an advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Variant {
    /// RFC 3768: interval in whole seconds, authentication.
    V2 { advert_int: u8, auth: Auth },
    /// RFC 5798: interval in centiseconds, at most [`MAX_V3_INTERVAL`] (larger values are
    /// clamped when emitted).
    V3 { max_advert_int: u16 },
}

impl Variant {
    /// The version this variant is sent as.
    pub const fn version(&self) -> Version {
        match self {
            Variant::V2 { .. } => Version::V2,
            Variant::V3 { .. } => Version::V3,
        }
    }
}

/// The advertised addresses, of one family.
// Clippy would box the IPv6 list; the wire layer does not allocate, and a `Repr` is built once
// per advert, so the 4 KiB enum stays by value.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Addresses {
    Ipv4(heapless::Vec<Ipv4Addr, MAX_ADDRESSES>),
    Ipv6(heapless::Vec<Ipv6Addr, MAX_ADDRESSES>),
}

impl Addresses {
    /// The family of the list.
    pub const fn ip_version(&self) -> IpVersion {
        match self {
            Addresses::Ipv4(_) => IpVersion::Ipv4,
            Addresses::Ipv6(_) => IpVersion::Ipv6,
        }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        match self {
            Addresses::Ipv4(list) => list.len(),
            Addresses::Ipv6(list) => list.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Address `index`.
    pub fn get(&self, index: usize) -> Option<IpAddr> {
        match self {
            Addresses::Ipv4(list) => list.get(index).copied().map(IpAddr::V4),
            Addresses::Ipv6(list) => list.get(index).copied().map(IpAddr::V6),
        }
    }

    /// The addresses in order.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        (0..self.len()).map_while(|index| self.get(index))
    }
}

/// An advertisement's fixed fields, read in place after the checks [`Repr::parse`] makes,
/// without copying the address list (up to 4 KiB for IPv6): the receive path of a busy backup
/// reads the list straight from the [`Packet`] ([`Packet::addresses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    pub vrid: u8,
    pub priority: u8,
    pub variant: Variant,
}

impl Header {
    /// Checks an advertisement exactly as [`Repr::parse`] does, in the same order, and reads
    /// its fixed fields. After `Ok`, [`Packet::addresses`] yields exactly the count.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Header> {
        if packet.buffer.as_ref().len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        let vrid = packet.vrid();
        let version = packet.version();
        let v2_over_ipv6 = version == Version::V2 && packet.ip_version == IpVersion::Ipv6;
        if matches!(version, Version::Unknown(_)) || v2_over_ipv6 {
            return Err(Error::BadVersion {
                vrid,
                version: u8::from(version),
            });
        }
        if let Type::Unknown(packet_type) = packet.packet_type() {
            return Err(Error::BadType { vrid, packet_type });
        }
        packet.check_len()?;
        let mismatch = Error::AddressCountMismatch {
            vrid,
            count: packet.address_count(),
        };
        let variant = match version {
            Version::V2 => {
                let auth = match packet.auth_type() {
                    AuthType::None => Auth::None,
                    AuthType::SimpleText => Auth::SimpleText(*packet.auth_data().ok_or(mismatch)?),
                    other => Auth::Unsupported(u8::from(other)),
                };
                Variant::V2 {
                    advert_int: packet.advert_int(),
                    auth,
                }
            }
            _ => Variant::V3 {
                max_advert_int: packet.max_advert_int(),
            },
        };
        Ok(Header {
            vrid,
            priority: packet.priority(),
            variant,
        })
    }
}

/// An advertisement holdfast accepts: version 2 over IPv4 or version 3, type ADVERTISEMENT, a
/// length that matches the count. The checksum is the packet's business
/// ([`Packet::verify_checksum`]); the receive path in `advert` checks it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Repr {
    pub vrid: u8,
    pub priority: u8,
    pub variant: Variant,
    pub addresses: Addresses,
}

impl Repr {
    /// Reads an advertisement. Refuses, in RFC 5798 §7.1 order after the header: an unknown
    /// version or v2 over IPv6 (`BadVersion`), a type other than 1 (`BadType`), a length that
    /// disagrees with the count (`AddressCountMismatch`).
    ///
    /// Tolerates, because judging them needs the instance's configuration or because the RFC
    /// says to ignore them: the v3 reserved bits (§5.2.6), v2 authentication data under type 0,
    /// any VRID (0 matches no instance), any priority, interval or count (0 included:
    /// keepalived sends an instance without VIPs that way).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Packet<&T>) -> Result<Repr> {
        let header = Header::parse(packet)?;
        let mismatch = Error::AddressCountMismatch {
            vrid: header.vrid,
            count: packet.address_count(),
        };
        let addresses = match packet.ip_version {
            IpVersion::Ipv4 => {
                let mut list = heapless::Vec::new();
                for address in packet.addresses() {
                    if let IpAddr::V4(address) = address {
                        list.push(address).map_err(|_| mismatch)?;
                    }
                }
                Addresses::Ipv4(list)
            }
            IpVersion::Ipv6 => {
                let mut list = heapless::Vec::new();
                for address in packet.addresses() {
                    if let IpAddr::V6(address) = address {
                        list.push(address).map_err(|_| mismatch)?;
                    }
                }
                Addresses::Ipv6(list)
            }
        };
        if addresses.len() != usize::from(packet.address_count()) {
            return Err(mismatch);
        }
        Ok(Repr {
            vrid: header.vrid,
            priority: header.priority,
            variant: header.variant,
            addresses,
        })
    }

    /// The family to wrap the emit buffer with.
    pub const fn ip_version(&self) -> IpVersion {
        self.addresses.ip_version()
    }

    /// Bytes [`emit`](Self::emit) writes. Not a `const fn`: `heapless::Vec::len` is not one;
    /// [`packet_len`] is the `const` form.
    pub fn buffer_len(&self) -> usize {
        let auth_len = match self.variant {
            Variant::V2 { .. } => AUTH_DATA_LEN,
            Variant::V3 { .. } => 0,
        };
        field::auth_data(self.addresses.len(), self.ip_version().address_len()).start + auth_len
    }

    /// Writes every byte of the packet, reserved bits and authentication data included, and
    /// the checksum for the given IP addresses (the source address of the sending interface and
    /// the group or unicast peer). `packet` must wrap exactly `buffer_len()` bytes with
    /// `self.ip_version()`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src_addr: &IpAddr,
        dst_addr: &IpAddr,
    ) {
        packet.set_version(self.variant.version());
        packet.set_packet_type(Type::Advertisement);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        // MAX_ADDRESSES is u8::MAX, so the count always fits.
        packet.set_address_count(u8::try_from(self.addresses.len()).unwrap_or(u8::MAX));
        match self.variant {
            Variant::V2 { advert_int, auth } => {
                packet.set_auth_type(auth.auth_type());
                packet.set_advert_int(advert_int);
            }
            Variant::V3 { max_advert_int } => packet.set_max_advert_int(max_advert_int),
        }
        for (index, address) in self.addresses.iter().enumerate() {
            packet.set_address(index, address);
        }
        if let Variant::V2 { auth, .. } = self.variant {
            match auth {
                Auth::SimpleText(data) => packet.set_auth_data(&data),
                Auth::None | Auth::Unsupported(_) => packet.set_auth_data(&[0; AUTH_DATA_LEN]),
            }
        }
        packet.fill_checksum(src_addr, dst_addr);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VRRPv{}", u8::from(*self))
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Advertisement => f.write_str("Advertisement"),
            Type::Unknown(raw) => write!(f, "type {raw}"),
        }
    }
}

impl fmt::Display for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthType::None => f.write_str("none"),
            AuthType::SimpleText => f.write_str("simple"),
            AuthType::IpAh => f.write_str("ah"),
            AuthType::Unknown(raw) => write!(f, "{raw}"),
        }
    }
}

fn write_addresses(
    f: &mut fmt::Formatter<'_>,
    addresses: impl Iterator<Item = IpAddr>,
) -> fmt::Result {
    let mut first = true;
    for address in addresses {
        f.write_str(if first { " " } else { "," })?;
        write!(f, "{address}")?;
        first = false;
    }
    Ok(())
}

/// tcpdump's VRRP line (`print-vrrp.c`), except that a simple-text password is never printed:
/// this output goes to logs and the serial console.
impl<T: AsRef<[u8]>> fmt::Display for Packet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return f.write_str("VRRP (truncated packet)");
        }
        write!(
            f,
            "{}, {}, vrid {}, prio {}, ",
            self.version(),
            self.packet_type(),
            self.vrid(),
            self.priority()
        )?;
        match self.version() {
            Version::V2 => write!(
                f,
                "authtype {}, intvl {}s, ",
                self.auth_type(),
                self.advert_int()
            )?,
            Version::V3 => write!(f, "intvl {}cs, ", self.max_advert_int())?,
            Version::Unknown(_) => {}
        }
        write!(
            f,
            "length {}, addrs({}):",
            self.buffer.as_ref().len(),
            self.address_count()
        )?;
        write_addresses(f, self.addresses())?;
        if let Err(err) = self.check_len() {
            write!(f, " ({err})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, Advertisement, vrid {}, prio {}, ",
            self.variant.version(),
            self.vrid,
            self.priority
        )?;
        match self.variant {
            Variant::V2 { advert_int, auth } => {
                write!(f, "authtype {}, intvl {advert_int}s, ", auth.auth_type())?
            }
            Variant::V3 { max_advert_int } => write!(f, "intvl {max_advert_int}cs, ")?,
        }
        write!(f, "addrs({}):", self.addresses.len())?;
        write_addresses(f, self.addresses.iter())
    }
}

#[cfg(test)]
mod tests {
    //! Vectors marked "keepalived 2.2.7" were captured on this project's build machine (Debian 12):
    //! a network namespace with a veth pair (ve0 00:00:5e:00:53:01, 192.0.2.1/24,
    //! 2001:db8::1/64), `keepalived -n -l -P -f CONF -p A -r B -c C` with one `vrrp_instance`
    //! (state MASTER, interface ve0, virtual_router_id 51, priority 255, advert_int 1,
    //! virtual_ipaddress 192.0.2.10/24 or 2001:db8::10/64; `vrrp_version 2` or `3` in
    //! global_defs), `tcpdump -i ve0 -w f.pcap` for five seconds, TERM to keepalived (its last
    //! advert has priority 0), bytes from `tshark -r f.pcap -x`. tshark 4.0.17 reported
    //! `vrrp.checksum.status` 1 (Good) for every advert.
    use super::*;
    use std::format;

    const V4_SRC: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const V4_GROUP: IpAddr = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
    const V6_SRC: IpAddr = IpAddr::V6(Ipv6Addr::new(
        0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x5301,
    ));
    const V6_GROUP: IpAddr = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));
    const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
    const VIP4_2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
    const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10);

    /// keepalived 2.2.7, `vrrp_version 2`, no authentication: v2, advert, VRID 51, prio 255,
    /// 1 address, auth 0, 1 s, checksum 0x1dbf, 192.0.2.10, 8 zero bytes.
    static V2_ADVERT: [u8; 20] = [
        0x21, 0x33, 0xff, 0x01, 0x00, 0x01, 0x1d, 0xbf, 0xc0, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// keepalived 2.2.7, the same instance on TERM: priority 0.
    static V2_STOP: [u8; 20] = [
        0x21, 0x33, 0x00, 0x01, 0x00, 0x01, 0x1c, 0xc0, 0xc0, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// keepalived 2.2.7, `auth_type PASS`, `auth_pass secret`, VIPs 192.0.2.10 and .11.
    static V2_PASS: [u8; 24] = [
        0x21, 0x33, 0xff, 0x02, 0x01, 0x01, 0x1e, 0x66, 0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02,
        0x0b, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00, 0x00,
    ];
    /// keepalived 2.2.7, `vrrp_version 3`, IPv4: 100 cs, checksum 0x6acb with the pseudo-header
    /// 192.0.2.1 > 224.0.0.18.
    static V3_ADVERT: [u8; 12] = [
        0x31, 0x33, 0xff, 0x01, 0x00, 0x64, 0x6a, 0xcb, 0xc0, 0x00, 0x02, 0x0a,
    ];
    /// keepalived 2.2.7, the v3 IPv4 instance on TERM.
    static V3_STOP: [u8; 12] = [
        0x31, 0x33, 0x00, 0x01, 0x00, 0x64, 0x69, 0xcc, 0xc0, 0x00, 0x02, 0x0a,
    ];
    /// keepalived 2.2.7, v3 IPv4, priority 200, `advert_int 0.1` (10 cs), two VIPs.
    static V3_FAST: [u8; 16] = [
        0x31, 0x33, 0xc8, 0x02, 0x00, 0x0a, 0xe0, 0x14, 0xc0, 0x00, 0x02, 0x0a, 0xc0, 0x00, 0x02,
        0x0b,
    ];
    /// keepalived 2.2.7, v3 IPv6 (fe80::200:5eff:fe00:5301 > ff02::12), VIP 2001:db8::10.
    static V3_IPV6: [u8; 24] = [
        0x31, 0x33, 0xff, 0x01, 0x00, 0x64, 0xf1, 0x7d, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];
    /// keepalived 2.2.7, the v3 IPv6 instance on TERM.
    static V3_IPV6_STOP: [u8; 24] = [
        0x31, 0x33, 0x00, 0x01, 0x00, 0x64, 0xf0, 0x7e, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ];

    fn v4(list: &[Ipv4Addr]) -> Addresses {
        Addresses::Ipv4(heapless::Vec::from_slice(list).unwrap())
    }

    fn v6(list: &[Ipv6Addr]) -> Addresses {
        Addresses::Ipv6(heapless::Vec::from_slice(list).unwrap())
    }

    fn v2_repr() -> Repr {
        Repr {
            vrid: 51,
            priority: 255,
            variant: Variant::V2 {
                advert_int: 1,
                auth: Auth::None,
            },
            addresses: v4(&[VIP4]),
        }
    }

    fn v2_pass_repr() -> Repr {
        Repr {
            vrid: 51,
            priority: 255,
            variant: Variant::V2 {
                advert_int: 1,
                auth: Auth::SimpleText(*b"secret\0\0"),
            },
            addresses: v4(&[VIP4, VIP4_2]),
        }
    }

    fn v3_repr() -> Repr {
        Repr {
            vrid: 51,
            priority: 255,
            variant: Variant::V3 {
                max_advert_int: 100,
            },
            addresses: v4(&[VIP4]),
        }
    }

    fn v3_fast_repr() -> Repr {
        Repr {
            vrid: 51,
            priority: 200,
            variant: Variant::V3 { max_advert_int: 10 },
            addresses: v4(&[VIP4, VIP4_2]),
        }
    }

    fn v3_ipv6_repr() -> Repr {
        Repr {
            vrid: 51,
            priority: 255,
            variant: Variant::V3 {
                max_advert_int: 100,
            },
            addresses: v6(&[VIP6]),
        }
    }

    fn emit(repr: &Repr, src: &IpAddr, dst: &IpAddr) -> std::vec::Vec<u8> {
        let mut bytes = std::vec![0xa5u8; repr.buffer_len()];
        repr.emit(
            &mut Packet::new_unchecked(&mut bytes[..], repr.ip_version()),
            src,
            dst,
        );
        bytes
    }

    #[test]
    fn deconstruct_v2() {
        let packet = Packet::new_checked(&V2_PASS[..], IpVersion::Ipv4).unwrap();
        assert_eq!(packet.version(), Version::V2);
        assert_eq!(packet.packet_type(), Type::Advertisement);
        assert_eq!(packet.vrid(), 51);
        assert_eq!(packet.priority(), 255);
        assert_eq!(packet.address_count(), 2);
        assert_eq!(packet.auth_type(), AuthType::SimpleText);
        assert_eq!(packet.advert_int(), 1);
        assert_eq!(packet.checksum(), 0x1e66);
        assert_eq!(packet.address(0), Some(IpAddr::V4(VIP4)));
        assert_eq!(packet.address(1), Some(IpAddr::V4(VIP4_2)));
        assert_eq!(packet.address(2), None);
        assert_eq!(packet.auth_data(), Some(b"secret\0\0"));
        assert_eq!(packet.packet_len(), Some(24));
    }

    #[test]
    fn deconstruct_v3() {
        let packet = Packet::new_checked(&V3_FAST[..], IpVersion::Ipv4).unwrap();
        assert_eq!(packet.version(), Version::V3);
        assert_eq!(packet.priority(), 200);
        assert_eq!(packet.reserved(), 0);
        assert_eq!(packet.max_advert_int(), 10);
        assert_eq!(packet.checksum(), 0xe014);
        assert_eq!(packet.auth_data(), None);
        let addresses: std::vec::Vec<_> = packet.addresses().collect();
        assert_eq!(addresses, [IpAddr::V4(VIP4), IpAddr::V4(VIP4_2)]);

        let packet = Packet::new_checked(&V3_IPV6[..], IpVersion::Ipv6).unwrap();
        assert_eq!(packet.address(0), Some(IpAddr::V6(VIP6)));
        assert_eq!(packet.max_advert_int(), 100);
    }

    #[test]
    fn construct_v2() {
        let mut bytes = [0xa5u8; 24];
        let mut packet = Packet::new_unchecked(&mut bytes[..], IpVersion::Ipv4);
        packet.set_version(Version::V2);
        packet.set_packet_type(Type::Advertisement);
        packet.set_vrid(51);
        packet.set_priority(255);
        packet.set_address_count(2);
        packet.set_auth_type(AuthType::SimpleText);
        packet.set_advert_int(1);
        packet.set_address(0, IpAddr::V4(VIP4));
        packet.set_address(1, IpAddr::V4(VIP4_2));
        packet.set_auth_data(b"secret\0\0");
        packet.fill_checksum(&V4_SRC, &V4_GROUP);
        assert_eq!(bytes, V2_PASS);
    }

    #[test]
    fn construct_v3() {
        let mut bytes = [0xa5u8; 24];
        let mut packet = Packet::new_unchecked(&mut bytes[..], IpVersion::Ipv6);
        packet.set_version(Version::V3);
        packet.set_packet_type(Type::Advertisement);
        packet.set_vrid(51);
        packet.set_priority(255);
        packet.set_address_count(1);
        packet.set_max_advert_int(100);
        packet.set_address(0, IpAddr::V6(VIP6));
        packet.fill_checksum(&V6_SRC, &V6_GROUP);
        assert_eq!(bytes, V3_IPV6);
    }

    #[test]
    fn parse_keepalived_captures() {
        let cases: [(&[u8], IpVersion, IpAddr, IpAddr, Repr); 7] = [
            (&V2_ADVERT, IpVersion::Ipv4, V4_SRC, V4_GROUP, v2_repr()),
            (
                &V2_STOP,
                IpVersion::Ipv4,
                V4_SRC,
                V4_GROUP,
                Repr {
                    priority: 0,
                    ..v2_repr()
                },
            ),
            (&V2_PASS, IpVersion::Ipv4, V4_SRC, V4_GROUP, v2_pass_repr()),
            (&V3_ADVERT, IpVersion::Ipv4, V4_SRC, V4_GROUP, v3_repr()),
            (
                &V3_STOP,
                IpVersion::Ipv4,
                V4_SRC,
                V4_GROUP,
                Repr {
                    priority: 0,
                    ..v3_repr()
                },
            ),
            (&V3_FAST, IpVersion::Ipv4, V4_SRC, V4_GROUP, v3_fast_repr()),
            (&V3_IPV6, IpVersion::Ipv6, V6_SRC, V6_GROUP, v3_ipv6_repr()),
        ];
        for (bytes, ip_version, src, dst, expected) in cases {
            let packet = Packet::new_checked(bytes, ip_version).unwrap();
            assert!(packet.verify_checksum(&src, &dst), "{packet}");
            assert_eq!(Repr::parse(&packet).unwrap(), expected, "{packet}");
        }
        let stop = Packet::new_checked(&V3_IPV6_STOP[..], IpVersion::Ipv6).unwrap();
        assert!(stop.verify_checksum(&V6_SRC, &V6_GROUP));
        assert_eq!(
            Repr::parse(&stop).unwrap(),
            Repr {
                priority: 0,
                ..v3_ipv6_repr()
            }
        );
    }

    #[test]
    fn emit_matches_keepalived_byte_for_byte() {
        assert_eq!(emit(&v2_repr(), &V4_SRC, &V4_GROUP), V2_ADVERT);
        assert_eq!(
            emit(
                &Repr {
                    priority: 0,
                    ..v2_repr()
                },
                &V4_SRC,
                &V4_GROUP
            ),
            V2_STOP
        );
        assert_eq!(emit(&v2_pass_repr(), &V4_SRC, &V4_GROUP), V2_PASS);
        assert_eq!(emit(&v3_repr(), &V4_SRC, &V4_GROUP), V3_ADVERT);
        assert_eq!(
            emit(
                &Repr {
                    priority: 0,
                    ..v3_repr()
                },
                &V4_SRC,
                &V4_GROUP
            ),
            V3_STOP
        );
        assert_eq!(emit(&v3_fast_repr(), &V4_SRC, &V4_GROUP), V3_FAST);
        assert_eq!(emit(&v3_ipv6_repr(), &V6_SRC, &V6_GROUP), V3_IPV6);
    }

    #[test]
    fn v2_checksum_ignores_addresses_and_v3_does_not() {
        let other = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
        let v2 = Packet::new_unchecked(&V2_ADVERT[..], IpVersion::Ipv4);
        assert!(v2.verify_checksum(&other, &other));
        let v3 = Packet::new_unchecked(&V3_ADVERT[..], IpVersion::Ipv4);
        assert!(!v3.verify_checksum(&other, &V4_GROUP));
        assert!(!v3.verify_checksum(&V4_SRC, &other));
        // Addresses of the wrong family never verify.
        assert!(!v3.verify_checksum(&V6_SRC, &V6_GROUP));
        let v3 = Packet::new_unchecked(&V3_IPV6[..], IpVersion::Ipv6);
        assert!(!v3.verify_checksum(&V4_SRC, &V4_GROUP));
    }

    #[test]
    fn any_flipped_bit_fails_the_checksum() {
        for index in 0..V3_FAST.len() {
            let mut bytes = V3_FAST;
            bytes[index] ^= 0x10;
            let packet = Packet::new_unchecked(&bytes[..], IpVersion::Ipv4);
            // A flipped count or version changes the layout; the checksum must fail either way.
            assert!(!packet.verify_checksum(&V4_SRC, &V4_GROUP), "byte {index}");
        }
    }

    #[test]
    fn check_len_truncated_header() {
        assert_eq!(
            Packet::new_checked(&V3_ADVERT[..7], IpVersion::Ipv4).unwrap_err(),
            Error::Truncated
        );
        assert_eq!(
            Packet::new_checked(&[][..], IpVersion::Ipv6).unwrap_err(),
            Error::Truncated
        );
    }

    #[test]
    fn check_len_too_short_for_count() {
        let err = Error::AddressCountMismatch { vrid: 51, count: 2 };
        assert_eq!(
            Packet::new_checked(&V3_FAST[..15], IpVersion::Ipv4).unwrap_err(),
            err
        );
        // v2: the authentication data is part of the length.
        assert_eq!(
            Packet::new_checked(&V2_PASS[..23], IpVersion::Ipv4).unwrap_err(),
            err
        );
        // The same v3 bytes read as IPv6 need 40 bytes.
        let err = Error::AddressCountMismatch { vrid: 51, count: 2 };
        assert_eq!(
            Packet::new_checked(&V3_FAST[..], IpVersion::Ipv6).unwrap_err(),
            err
        );
    }

    #[test]
    fn check_len_too_long_for_count() {
        let mut bytes = [0u8; 13];
        bytes[..12].copy_from_slice(&V3_ADVERT);
        assert_eq!(
            Packet::new_checked(&bytes[..], IpVersion::Ipv4).unwrap_err(),
            Error::AddressCountMismatch { vrid: 51, count: 1 }
        );
    }

    #[test]
    fn check_len_unknown_version_checks_only_the_header() {
        let mut bytes = V3_ADVERT;
        bytes[0] = 0x71;
        let packet = Packet::new_checked(&bytes[..8], IpVersion::Ipv4).unwrap();
        assert_eq!(packet.version(), Version::Unknown(7));
        assert_eq!(packet.address(0), None);
        assert_eq!(packet.auth_data(), None);
        assert!(!packet.verify_checksum(&V4_SRC, &V4_GROUP));
    }

    #[test]
    fn parse_errors() {
        let mut bytes = V3_ADVERT;
        bytes[0] = 0x11;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..], IpVersion::Ipv4)),
            Err(Error::BadVersion {
                vrid: 51,
                version: 1
            })
        );
        bytes[0] = 0x32;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..], IpVersion::Ipv4)),
            Err(Error::BadType {
                vrid: 51,
                packet_type: 2
            })
        );
        // RFC 3768 is IPv4-only.
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&V2_ADVERT[..8]);
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..], IpVersion::Ipv6)),
            Err(Error::BadVersion {
                vrid: 51,
                version: 2
            })
        );
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&V3_ADVERT[..5], IpVersion::Ipv4)),
            Err(Error::Truncated)
        );
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&V3_ADVERT[..11], IpVersion::Ipv4)),
            Err(Error::AddressCountMismatch { vrid: 51, count: 1 })
        );
    }

    #[test]
    fn unknown_code_points_parse_into_unknown_arms() {
        let mut bytes = V2_ADVERT;
        bytes[0] = 0x9f;
        bytes[4] = 0xee;
        let packet = Packet::new_checked(&bytes[..8], IpVersion::Ipv4).unwrap();
        assert_eq!(packet.version(), Version::Unknown(9));
        assert_eq!(packet.packet_type(), Type::Unknown(15));
        assert_eq!(packet.auth_type(), AuthType::Unknown(0xee));
        for raw in 0..=255u8 {
            assert_eq!(u8::from(AuthType::from(raw)), raw);
        }
        for raw in 0..=15u8 {
            assert_eq!(u8::from(Version::from(raw)), raw);
            assert_eq!(u8::from(Type::from(raw)), raw);
        }
    }

    #[test]
    fn ah_and_unknown_auth_parse_as_unsupported() {
        for (raw, auth_type) in [(2u8, AuthType::IpAh), (7, AuthType::Unknown(7))] {
            let mut bytes = V2_ADVERT;
            bytes[4] = raw;
            let packet = Packet::new_unchecked(&bytes[..], IpVersion::Ipv4);
            assert_eq!(packet.auth_type(), auth_type);
            let repr = Repr::parse(&packet).unwrap();
            let expected = Variant::V2 {
                advert_int: 1,
                auth: Auth::Unsupported(raw),
            };
            assert_eq!(repr.variant, expected);
            assert_eq!(
                Repr::parse(&Packet::new_unchecked(
                    &emit(&repr, &V4_SRC, &V4_GROUP)[..],
                    IpVersion::Ipv4
                )),
                Ok(repr)
            );
        }
    }

    #[test]
    fn tolerated_fields() {
        // v3 reserved bits are ignored on receipt (RFC 5798 §5.2.6) and zeroed on send.
        let mut bytes = V3_ADVERT;
        bytes[4] |= 0xf0;
        let packet = Packet::new_unchecked(&bytes[..], IpVersion::Ipv4);
        assert_eq!(packet.reserved(), 0xf);
        assert_eq!(Repr::parse(&packet), Ok(v3_repr()));
        // v2 authentication data under type 0 is ignored.
        let mut bytes = V2_ADVERT;
        bytes[19] = 0x42;
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&bytes[..], IpVersion::Ipv4)),
            Ok(v2_repr())
        );
        // No addresses at all.
        let repr = Repr {
            addresses: v4(&[]),
            ..v3_repr()
        };
        let bytes = emit(&repr, &V4_SRC, &V4_GROUP);
        assert_eq!(bytes.len(), 8);
        assert_eq!(
            Repr::parse(&Packet::new_checked(&bytes[..], IpVersion::Ipv4).unwrap()),
            Ok(repr)
        );
    }

    #[test]
    fn v3_interval_is_clamped_to_twelve_bits() {
        let repr = Repr {
            variant: Variant::V3 {
                max_advert_int: 5000,
            },
            ..v3_repr()
        };
        let bytes = emit(&repr, &V4_SRC, &V4_GROUP);
        assert_eq!(bytes[4..6], [0x0f, 0xff]);
        let packet = Packet::new_checked(&bytes[..], IpVersion::Ipv4).unwrap();
        assert!(packet.verify_checksum(&V4_SRC, &V4_GROUP));
        assert_eq!(packet.max_advert_int(), MAX_V3_INTERVAL);
    }

    #[test]
    fn full_address_list_round_trips() {
        let list: std::vec::Vec<Ipv6Addr> = (0..=254u16)
            .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i))
            .collect();
        let repr = Repr {
            addresses: v6(&list),
            ..v3_ipv6_repr()
        };
        assert_eq!(repr.buffer_len(), 8 + 255 * 16);
        assert_eq!(
            packet_len(Version::V3, IpVersion::Ipv6, 255),
            Some(repr.buffer_len())
        );
        let bytes = emit(&repr, &V6_SRC, &V6_GROUP);
        assert_eq!(bytes[3], 255);
        let packet = Packet::new_checked(&bytes[..], IpVersion::Ipv6).unwrap();
        assert!(packet.verify_checksum(&V6_SRC, &V6_GROUP));
        assert_eq!(Repr::parse(&packet), Ok(repr));
    }

    #[test]
    fn postcard_round_trip_is_compact() {
        // A Repr travels inside actor messages; postcard sends the list length, not capacity.
        for repr in [v2_pass_repr(), v3_ipv6_repr()] {
            let bytes = postcard::to_allocvec(&repr).unwrap();
            assert!(bytes.len() < 48, "{} bytes", bytes.len());
            assert_eq!(postcard::from_bytes::<Repr>(&bytes).unwrap(), repr);
        }
        let err = Error::BadTtl { vrid: 51, ttl: 1 };
        let bytes = postcard::to_allocvec(&err).unwrap();
        assert_eq!(postcard::from_bytes::<Error>(&bytes).unwrap(), err);
    }

    #[test]
    fn display() {
        let packet = Packet::new_unchecked(&V2_PASS[..], IpVersion::Ipv4);
        assert_eq!(
            format!("{packet}"),
            "VRRPv2, Advertisement, vrid 51, prio 255, authtype simple, intvl 1s, length 24, \
             addrs(2): 192.0.2.10,192.0.2.11"
        );
        let packet = Packet::new_unchecked(&V3_IPV6[..], IpVersion::Ipv6);
        assert_eq!(
            format!("{packet}"),
            "VRRPv3, Advertisement, vrid 51, prio 255, intvl 100cs, length 24, addrs(1): 2001:db8::10"
        );
        assert_eq!(
            format!("{}", v3_fast_repr()),
            "VRRPv3, Advertisement, vrid 51, prio 200, intvl 10cs, addrs(2): 192.0.2.10,192.0.2.11"
        );
        assert_eq!(
            format!("{}", v2_repr()),
            "VRRPv2, Advertisement, vrid 51, prio 255, authtype none, intvl 1s, addrs(1): 192.0.2.10"
        );
        let packet = Packet::new_unchecked(&V3_FAST[..13], IpVersion::Ipv4);
        assert_eq!(
            format!("{packet}"),
            "VRRPv3, Advertisement, vrid 51, prio 200, intvl 10cs, length 13, addrs(2): 192.0.2.10 \
             (vrid 51: address count 2 disagrees with packet length)"
        );
        assert_eq!(
            format!("{}", Packet::new_unchecked(&V3_FAST[..3], IpVersion::Ipv4)),
            "VRRP (truncated packet)"
        );
    }
}
