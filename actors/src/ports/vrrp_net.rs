//! The VRRP network ports: raw VRRP sockets per interface and family, Ethernet frame sockets for
//! gratuitous ARP / unsolicited neighbour adverts, and links with their addresses (lookup, VIP
//! add/remove/list, link up/down events). Only the vrrp actor uses them.
//!
//! Everything crosses these traits as raw bytes plus addresses: the actor builds and parses
//! packets with `holdfast_core::wire`, the implementation only moves bytes and sets the header
//! fields the kernel owns (TTL/hop limit 255, DSCP CS6, the IP header itself). So an
//! implementation makes no protocol decision; it reports what it saw (TTL, addresses, ifindex)
//! and the actor judges it.
//!
//! Errors are one [`NetError`] enum that says which call failed on which interface or address,
//! with the `io::Error` as its [`source`](std::error::Error::source).
//!
//! Futures are not `Send`: the daemon runs its actors on one `LocalExecutor` (FIELD-NOTES §6).

use holdfast_core::time::Duration;
use holdfast_core::wire::{self, IpVersion};
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol number of VRRP (RFC 5798 §5.1.1.4).
pub const VRRP_PROTOCOL: u8 = wire::IP_PROTOCOL_VRRP;
/// The TTL / hop limit every advert is sent with and must arrive with (RFC 5798 §5.1.1.3).
pub const VRRP_TTL: u8 = wire::VRRP_TTL;
/// The IPv4 TOS / IPv6 traffic class byte of adverts: DSCP CS6 (0xc0), as keepalived sends them.
pub const VRRP_TOS: u8 = wire::DSCP_CS6 << 2;
/// The IPv4 VRRP multicast group (RFC 5798 §5.1.1.2).
pub const VRRP_GROUP_V4: Ipv4Addr = wire::advert::GROUP_V4;
/// The IPv6 VRRP multicast group (RFC 5798 §5.1.2.2).
pub const VRRP_GROUP_V6: Ipv6Addr = wire::advert::GROUP_V6;

/// Which IP family a VRRP socket carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    /// The family of an address.
    pub const fn of(address: &IpAddr) -> Family {
        match address {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// The VRRP multicast group of this family.
    pub const fn vrrp_group(self) -> IpAddr {
        match self {
            Family::Ipv4 => IpAddr::V4(VRRP_GROUP_V4),
            Family::Ipv6 => IpAddr::V6(VRRP_GROUP_V6),
        }
    }
}

impl From<Family> for IpVersion {
    fn from(f: Family) -> IpVersion {
        match f {
            Family::Ipv4 => IpVersion::Ipv4,
            Family::Ipv6 => IpVersion::Ipv6,
        }
    }
}

impl From<IpVersion> for Family {
    fn from(v: IpVersion) -> Family {
        match v {
            IpVersion::Ipv4 => Family::Ipv4,
            IpVersion::Ipv6 => Family::Ipv6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        })
    }
}

/// A network interface as the kernel names it now. The ifindex changes when an interface is
/// deleted and created again, so it is looked up with [`Links::link`] and refreshed on
/// [`LinkEvent::Removed`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Interface {
    pub name: String,
    pub ifindex: u32,
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (ifindex {})", self.name, self.ifindex)
    }
}

/// What the kernel says about a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkState {
    pub interface: Interface,
    /// The link-layer address, when the link has a 6-byte one (Ethernet, veth). Adverts and
    /// gratuitous ARPs go out from it (FIELD-NOTES §4: not the RFC virtual MAC).
    pub mac: Option<[u8; 6]>,
    /// `IFF_UP`: an administrator set the link up.
    pub admin_up: bool,
    /// `IFF_RUNNING`: the link is operationally up (carrier present).
    pub carrier: bool,
}

impl LinkState {
    /// Up in keepalived's sense: administratively up and running.
    pub const fn is_up(&self) -> bool {
        self.admin_up && self.carrier
    }
}

/// One notification from [`LinkEvents::next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A link appeared or changed (flags, name, address); carries its state now.
    Changed(LinkState),
    /// A link was deleted.
    Removed(Interface),
    /// Notifications were lost (the kernel's socket buffer overflowed): the subscriber must ask
    /// [`Links::link`] again for every link it cares about.
    Overrun,
}

/// How to open a VRRP socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpSocketSpec {
    /// The socket sends and receives on this interface only.
    pub interface: Interface,
    pub family: Family,
    /// Join the family's VRRP group on the interface. Off when every instance on the interface
    /// uses `unicast_peer` (keepalived does not join then).
    pub join_group: bool,
}

/// One VRRP packet taken off a socket. Its payload (the VRRP header and what follows, without
/// the IP header) is in the first `len` bytes of the buffer given to [`VrrpSocket::recv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes of VRRP payload written to the start of the buffer.
    pub len: usize,
    /// True when the payload was longer than the buffer and its tail was cut off.
    pub truncated: bool,
    /// IP source address.
    pub source: IpAddr,
    /// IP destination address (the group or a unicast address of this host).
    pub destination: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6) the packet arrived with.
    pub hop_limit: u8,
    /// The interface the packet arrived on.
    pub ifindex: u32,
    /// How long the packet sat in the socket before this read (from the kernel's arrival
    /// stamp; zero when unknown). An advert counts from its arrival, not from its reading.
    pub waited: Duration,
}

/// Address scope (`ip addr add ... scope`), as keepalived's `virtual_ipaddress` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressScope {
    #[default]
    Global,
    Site,
    Link,
    Host,
    Nowhere,
    /// A numeric scope with no name.
    Other(u8),
}

/// An address to add to or remove from an interface: one keepalived `virtual_ipaddress` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressSpec {
    /// `dev`: the interface that gets the address.
    pub interface: Interface,
    pub address: IpAddr,
    pub prefix_len: u8,
    /// `label` (IPv4 only; ignored for IPv6, which has no labels).
    pub label: Option<String>,
    /// `scope`.
    pub scope: AddressScope,
    /// `brd` (IPv4 only); none unless given, as keepalived does.
    pub broadcast: Option<Ipv4Addr>,
}

impl AddressSpec {
    /// A global-scope address with no label and no broadcast address.
    pub fn new(interface: Interface, address: IpAddr, prefix_len: u8) -> AddressSpec {
        AddressSpec {
            interface,
            address,
            prefix_len,
            label: None,
            scope: AddressScope::Global,
            broadcast: None,
        }
    }
}

/// An address present on an interface, as listed by [`Links::addresses`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterfaceAddress {
    pub address: IpAddr,
    pub prefix_len: u8,
    pub label: Option<String>,
    pub scope: AddressScope,
    pub broadcast: Option<Ipv4Addr>,
    /// IPv6 duplicate address detection has not finished: the address cannot be used yet.
    pub tentative: bool,
    /// IPv6 duplicate address detection found the address in use elsewhere.
    pub dad_failed: bool,
    /// IPv4: another address of the same subnet was there first and is the primary one. The
    /// first non-secondary IPv4 address is the one keepalived sends adverts from.
    pub secondary: bool,
}

/// Which address operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressOp {
    Add,
    Remove,
    List,
}

/// A failed network operation: what was being done, on which interface or address, and the
/// operating system's error as the source.
#[derive(Debug)]
pub enum NetError {
    /// Opening or configuring a socket; `call` names the syscall and option
    /// (`"setsockopt(IP_MULTICAST_LOOP)"`).
    Socket {
        call: &'static str,
        interface: String,
        source: io::Error,
    },
    /// Sending a VRRP packet.
    Send {
        interface: String,
        destination: IpAddr,
        source: io::Error,
    },
    /// Receiving a VRRP packet.
    Receive {
        interface: String,
        source: io::Error,
    },
    /// Sending an Ethernet frame (gratuitous ARP, unsolicited NA).
    Frame {
        interface: String,
        source: io::Error,
    },
    /// Adding, removing or listing addresses.
    Address {
        op: AddressOp,
        interface: String,
        /// The address added or removed; `None` for a listing.
        address: Option<IpAddr>,
        source: io::Error,
    },
    /// Looking up a link, or opening or reading the link event subscription (`interface` is
    /// empty then); `call` names the request.
    Link {
        call: &'static str,
        interface: String,
        source: io::Error,
    },
}

impl NetError {
    /// The operating system's error, for decisions such as "the interface is gone"
    /// (`ENODEV`) or "try again".
    pub fn io(&self) -> &io::Error {
        match self {
            NetError::Socket { source, .. }
            | NetError::Send { source, .. }
            | NetError::Receive { source, .. }
            | NetError::Frame { source, .. }
            | NetError::Address { source, .. }
            | NetError::Link { source, .. } => source,
        }
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Socket {
                call, interface, ..
            } => write!(f, "VRRP socket on {interface}: {call} failed"),
            NetError::Send {
                interface,
                destination,
                ..
            } => write!(f, "sending VRRP to {destination} on {interface} failed"),
            NetError::Receive { interface, .. } => {
                write!(f, "receiving VRRP on {interface} failed")
            }
            NetError::Frame { interface, .. } => {
                write!(f, "sending a frame on {interface} failed")
            }
            NetError::Address {
                op,
                interface,
                address,
                ..
            } => match (op, address) {
                (AddressOp::Add, Some(a)) => write!(f, "adding {a} to {interface} failed"),
                (AddressOp::Remove, Some(a)) => {
                    write!(f, "removing {a} from {interface} failed")
                }
                _ => write!(f, "listing the addresses of {interface} failed"),
            },
            NetError::Link {
                call, interface, ..
            } if interface.is_empty() => write!(f, "link events: {call} failed"),
            NetError::Link {
                call, interface, ..
            } => write!(f, "link {interface}: {call} failed"),
        }
    }
}

impl std::error::Error for NetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.io())
    }
}

/// A raw VRRP socket bound to one interface and family.
///
/// An implementation must: send with TTL / hop limit [`VRRP_TTL`] and TOS / traffic class
/// [`VRRP_TOS`] to both the group and unicast peers; not loop its own multicast back to itself;
/// receive only packets that arrived on its interface; and retry interrupted system calls
/// (`EINTR`) itself.
pub trait VrrpSocket {
    /// Sends one VRRP payload (header and addresses, checksum already computed by the caller,
    /// no IP header: `holdfast_core::wire::advert::emit_vrrp` builds it) from `source` to
    /// `destination` (the family's group or a `unicast_peer`). `source` is the interface's
    /// primary IPv4 address, its IPv6 link-local address, or `unicast_src_ip`; the
    /// implementation must put exactly it in the IP header, because the VRRPv3 checksum covers
    /// it. On Linux a source the host does not have fails, and so does an IPv6 address still in
    /// duplicate address detection (`EINVAL`; measured with the link-local address right after
    /// link up): wait until [`Links::addresses`] no longer reports it
    /// [`InterfaceAddress::tentative`].
    fn send(
        &self,
        payload: &[u8],
        source: IpAddr,
        destination: IpAddr,
    ) -> impl Future<Output = Result<(), NetError>>;

    /// Waits for the next VRRP packet and copies its payload (without the IP header, whatever
    /// its length) to the start of `buf`. A payload longer than `buf` is cut and flagged
    /// [`Received::truncated`]; 1500 bytes hold any advert. The packet is then checked with
    /// `holdfast_core::wire::advert::check_vrrp(&buf[..len], source, destination, hop_limit, ..)`.
    ///
    /// Cancel-safe: dropping the future before it completes loses no packet, so the actor
    /// may `select` over it.
    fn recv(&self, buf: &mut [u8]) -> impl Future<Output = Result<Received, NetError>>;
}

/// A socket that sends whole Ethernet frames (destination MAC first) on one interface.
pub trait FrameSocket {
    /// Sends one frame as given; the implementation adds nothing, not even padding.
    fn send_frame(&self, frame: &[u8]) -> impl Future<Output = Result<(), NetError>>;
}

/// Opens the sockets the vrrp actor sends and receives on.
pub trait PacketIo {
    type Vrrp: VrrpSocket;
    type Frames: FrameSocket;

    /// Opens a VRRP socket per [`VrrpSocketSpec`]. Opening a second socket for the same
    /// interface and family is allowed; each then receives every packet.
    fn open_vrrp(&self, spec: &VrrpSocketSpec) -> Result<Self::Vrrp, NetError>;

    /// Opens a frame socket for gratuitous ARP and unsolicited neighbour adverts.
    fn open_frames(&self, interface: &Interface) -> Result<Self::Frames, NetError>;
}

/// Links and their addresses.
pub trait Links {
    type Events: LinkEvents;

    /// The link named `name` now. An unknown name fails with [`NetError::Link`] whose source
    /// has kind [`io::ErrorKind::NotFound`].
    fn link(&self, name: &str) -> impl Future<Output = Result<LinkState, NetError>>;

    /// Every address on `interface` now, both families, VIPs included.
    fn addresses(
        &self,
        interface: &Interface,
    ) -> impl Future<Output = Result<Vec<InterfaceAddress>, NetError>>;

    /// Adds an address. Must apply label, scope and broadcast as given, and add IPv6 addresses
    /// without duplicate address detection (`nodad`) so they are usable at once (a VIP moving
    /// between routers would otherwise stay tentative, or fail DAD against the old master).
    /// Adding an address that is already there succeeds and changes nothing.
    fn add_address(&self, spec: &AddressSpec) -> impl Future<Output = Result<(), NetError>>;

    /// Removes the address `spec.address/spec.prefix_len` from `spec.interface` (label, scope
    /// and broadcast are not compared). Removing an absent address succeeds.
    fn remove_address(&self, spec: &AddressSpec) -> impl Future<Output = Result<(), NetError>>;

    /// Starts receiving link notifications. Events that happen before this call returns are
    /// not reported: subscribe first, then query [`Links::link`].
    fn subscribe(&self) -> Result<Self::Events, NetError>;
}

/// A subscription to link notifications.
pub trait LinkEvents {
    /// The next notification, in the order the kernel sent them. An error means the
    /// subscription is dead: subscribe again. Cancel-safe, like [`VrrpSocket::recv`].
    fn next(&mut self) -> impl Future<Output = Result<LinkEvent, NetError>>;
}
