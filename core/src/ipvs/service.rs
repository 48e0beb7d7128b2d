//! A virtual service as IPVS knows it: its identity ([`ServiceKey`]) and the parameters that can
//! be edited in place ([`Service`]), with the value types the kernel constrains (scheduler name
//! length, flag bits, persistence netmask encoding).

use core::fmt;
use core::net::IpAddr;
use core::num::NonZeroU32;
use serde::{Deserialize, Serialize};

/// An address family, as `AF_INET`/`AF_INET6` numbers on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AddrFamily {
    /// `AF_INET` (2).
    Ipv4,
    /// `AF_INET6` (10).
    Ipv6,
}

impl AddrFamily {
    /// The `AF_*` number.
    pub const fn number(self) -> u16 {
        match self {
            AddrFamily::Ipv4 => 2,
            AddrFamily::Ipv6 => 10,
        }
    }

    /// The family of an `AF_*` number; `None` for families IPVS does not serve.
    pub const fn from_number(n: u16) -> Option<AddrFamily> {
        match n {
            2 => Some(AddrFamily::Ipv4),
            10 => Some(AddrFamily::Ipv6),
            _ => None,
        }
    }

    /// The family of an address.
    pub const fn of(addr: &IpAddr) -> AddrFamily {
        match addr {
            IpAddr::V4(_) => AddrFamily::Ipv4,
            IpAddr::V6(_) => AddrFamily::Ipv6,
        }
    }
}

/// The transport protocol of an address-based service. Unknown numbers parse (a service some
/// other tool created must still be listed and diffed), they do not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Protocol {
    /// IPPROTO_TCP (6).
    Tcp,
    /// IPPROTO_UDP (17).
    Udp,
    /// IPPROTO_SCTP (132).
    Sctp,
    /// Any other IP protocol number.
    Other(u16),
}

impl Protocol {
    /// The IP protocol number.
    pub const fn number(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
            Protocol::Other(n) => n,
        }
    }

    /// The protocol for an IP protocol number.
    pub const fn from_number(n: u16) -> Protocol {
        match n {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            132 => Protocol::Sctp,
            n => Protocol::Other(n),
        }
    }
}

/// What identifies a virtual service to the kernel: `(protocol, address, port)` or a firewall
/// mark with its family. Everything else about a service can be edited in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ServiceKey {
    /// `virtual_server IP PORT`.
    Addr {
        /// TCP, UDP or SCTP.
        protocol: Protocol,
        /// The virtual address; its family is the service's.
        addr: IpAddr,
        /// The virtual port (host order here, big-endian on the wire).
        port: u16,
    },
    /// `virtual_server fwmark N`. A mark of 0 means "no mark" to the kernel, hence non-zero.
    Fwmark {
        /// The family of the marked traffic.
        family: AddrFamily,
        /// The firewall mark.
        mark: NonZeroU32,
    },
}

impl ServiceKey {
    /// The service's address family.
    pub const fn family(&self) -> AddrFamily {
        match self {
            ServiceKey::Addr { addr, .. } => AddrFamily::of(addr),
            ServiceKey::Fwmark { family, .. } => *family,
        }
    }
}

impl fmt::Display for ServiceKey {
    /// ipvsadm's notation: `TCP 192.0.2.1:80`, `UDP [2001:db8::1]:53`, `FWM 7 IPv4`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Addr {
                protocol,
                addr,
                port,
            } => {
                match protocol {
                    Protocol::Tcp => f.write_str("TCP ")?,
                    Protocol::Udp => f.write_str("UDP ")?,
                    Protocol::Sctp => f.write_str("SCTP ")?,
                    Protocol::Other(n) => write!(f, "PROTO{n} ")?,
                }
                match addr {
                    IpAddr::V4(a) => write!(f, "{a}:{port}"),
                    IpAddr::V6(a) => write!(f, "[{a}]:{port}"),
                }
            }
            ServiceKey::Fwmark { family, mark } => match family {
                AddrFamily::Ipv4 => write!(f, "FWM {mark} IPv4"),
                AddrFamily::Ipv6 => write!(f, "FWM {mark} IPv6"),
            },
        }
    }
}

/// A scheduler or persistence-engine name: 1 to 15 printable ASCII bytes (the kernel's
/// `IP_VS_SCHEDNAME_MAXLEN` and `IP_VS_PENAME_MAXLEN` are 16 including the NUL).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "heapless::String<15>")]
pub struct Name(heapless::String<15>);

/// Why a string is not a [`Name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NameError {
    /// Empty.
    Empty,
    /// More than 15 bytes.
    TooLong,
    /// A byte outside printable ASCII (NUL, space, control, non-ASCII).
    BadByte,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Empty => "empty name",
            NameError::TooLong => "name longer than 15 bytes",
            NameError::BadByte => "name has a byte outside printable ASCII",
        })
    }
}

impl Name {
    /// Longest name in bytes, without the NUL.
    pub const MAX_LEN: usize = 15;

    /// Checks and wraps `s`.
    pub fn new(s: &str) -> Result<Name, NameError> {
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(NameError::BadByte);
        }
        let mut out = heapless::String::new();
        out.push_str(s).map_err(|_| NameError::TooLong)?;
        Ok(Name(out))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl TryFrom<heapless::String<15>> for Name {
    type Error = NameError;
    fn try_from(s: heapless::String<15>) -> Result<Name, NameError> {
        Name::new(s.as_str())
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Service flag bits (`IP_VS_SVC_F_*`). The kernel's own `HASHED` bit is never part of a desired
/// or decoded value: the kernel sets it on every live service and the decoder strips it, so a
/// dumped service compares equal to the one that was asked for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServiceFlags(u32);

impl ServiceFlags {
    /// `IP_VS_SVC_F_PERSISTENT`: persistence (`persistence_timeout`).
    pub const PERSISTENT: ServiceFlags = ServiceFlags(0x1);
    /// `IP_VS_SVC_F_HASHED`: kernel-internal, stripped on decode and never sent.
    pub const HASHED: u32 = 0x2;
    /// `IP_VS_SVC_F_ONEPACKET`: one-packet scheduling (UDP).
    pub const ONEPACKET: ServiceFlags = ServiceFlags(0x4);
    /// `IP_VS_SVC_F_SCHED1`: sh/mh fallback.
    pub const SCHED1: ServiceFlags = ServiceFlags(0x8);
    /// `IP_VS_SVC_F_SCHED2`: sh/mh port.
    pub const SCHED2: ServiceFlags = ServiceFlags(0x10);
    /// `IP_VS_SVC_F_SCHED3`: scheduler-specific.
    pub const SCHED3: ServiceFlags = ServiceFlags(0x20);

    /// No flags.
    pub const fn empty() -> ServiceFlags {
        ServiceFlags(0)
    }

    /// The flags of a raw value, without the kernel-internal `HASHED` bit.
    pub const fn from_bits(bits: u32) -> ServiceFlags {
        ServiceFlags(bits & !Self::HASHED)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Both sets of bits.
    pub const fn union(self, other: ServiceFlags) -> ServiceFlags {
        ServiceFlags(self.0 | other.0)
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: ServiceFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// The persistence netmask exactly as the kernel stores and dumps it: for IPv4 a network-order
/// mask (255.255.255.255 by default), for IPv6 a prefix length in host order (128 by default).
/// Kept as the four raw attribute bytes so a dumped value compares equal to a sent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Netmask([u8; 4]);

impl Netmask {
    /// The netmask for persistence granularity `/prefix` in `family`; `None` when the prefix is
    /// out of range (IPv4 0..=32; IPv6 1..=128, the kernel rejects 0).
    pub fn for_prefix(family: AddrFamily, prefix: u8) -> Option<Netmask> {
        match family {
            AddrFamily::Ipv4 if prefix <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                Some(Netmask(mask.to_be_bytes()))
            }
            AddrFamily::Ipv6 if (1..=128).contains(&prefix) => {
                Some(Netmask(u32::from(prefix).to_ne_bytes()))
            }
            _ => None,
        }
    }

    /// The default: a single address (/32 or /128).
    pub fn host(family: AddrFamily) -> Netmask {
        match family {
            AddrFamily::Ipv4 => Netmask([0xff; 4]),
            AddrFamily::Ipv6 => Netmask(128u32.to_ne_bytes()),
        }
    }

    /// The attribute bytes as the kernel dumped them.
    pub const fn from_raw(raw: [u8; 4]) -> Netmask {
        Netmask(raw)
    }

    /// The attribute bytes to send.
    pub const fn raw(self) -> [u8; 4] {
        self.0
    }
}

/// Everything IPVS stores about a virtual service, apart from its real servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Identity; never changes in place.
    pub key: ServiceKey,
    /// `lb_algo`: the scheduler (`rr`, `wrr`, ...), loaded as module `ip_vs_<name>`.
    pub scheduler: Name,
    /// Flag bits (persistence, one-packet, scheduler flags).
    pub flags: ServiceFlags,
    /// `persistence_timeout` in seconds (0 when not persistent).
    pub timeout: u32,
    /// `persistence_granularity`.
    pub netmask: Netmask,
    /// `persistence_engine` (`sip`), if any.
    pub pe: Option<Name>,
}

impl Service {
    /// A non-persistent service with scheduler `scheduler` and the host netmask.
    pub fn new(key: ServiceKey, scheduler: Name) -> Service {
        Service {
            netmask: Netmask::host(key.family()),
            key,
            scheduler,
            flags: ServiceFlags::empty(),
            timeout: 0,
            pe: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    #[test]
    fn names_follow_the_kernel_length_limit() {
        assert_eq!(Name::new("rr").map(|n| n.as_str().len()), Ok(2));
        assert_eq!(
            Name::new("abcdefghijklmno").map(|n| n.as_str().len()),
            Ok(15)
        );
        assert_eq!(Name::new("abcdefghijklmnop"), Err(NameError::TooLong));
        assert_eq!(Name::new(""), Err(NameError::Empty));
        assert_eq!(Name::new("r r"), Err(NameError::BadByte));
        assert_eq!(Name::new("rr\0"), Err(NameError::BadByte));
    }

    #[test]
    fn netmask_encodings_match_the_kernel() {
        assert_eq!(Netmask::host(AddrFamily::Ipv4).raw(), [255, 255, 255, 255]);
        assert_eq!(
            Netmask::for_prefix(AddrFamily::Ipv4, 24).map(Netmask::raw),
            Some([255, 255, 255, 0])
        );
        assert_eq!(
            Netmask::for_prefix(AddrFamily::Ipv4, 0).map(Netmask::raw),
            Some([0; 4])
        );
        assert_eq!(Netmask::for_prefix(AddrFamily::Ipv4, 33), None);
        assert_eq!(
            Netmask::for_prefix(AddrFamily::Ipv6, 64).map(Netmask::raw),
            Some(64u32.to_ne_bytes())
        );
        assert_eq!(Netmask::for_prefix(AddrFamily::Ipv6, 0), None);
    }

    #[test]
    fn hashed_flag_is_stripped() {
        assert_eq!(ServiceFlags::from_bits(0x3), ServiceFlags::PERSISTENT);
    }

    #[test]
    fn keys_print_like_ipvsadm() {
        use alloc::string::ToString;
        let k = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            port: 80,
        };
        assert_eq!(k.to_string(), "TCP 192.0.2.1:80");
        let k = ServiceKey::Addr {
            protocol: Protocol::Udp,
            addr: "2001:db8::1"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            port: 53,
        };
        assert_eq!(k.to_string(), "UDP [2001:db8::1]:53");
        let k = ServiceKey::Fwmark {
            family: AddrFamily::Ipv4,
            mark: NonZeroU32::MIN,
        };
        assert_eq!(k.to_string(), "FWM 1 IPv4");
    }
}
