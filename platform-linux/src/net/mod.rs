//! The Linux implementations of the VRRP network ports (`holdfast_actors::ports::vrrp_net`):
//! raw protocol-112 sockets ([`LinuxVrrpSocket`]), packet sockets for gratuitous ARP and
//! unsolicited NA ([`LinuxFrames`]), both opened through [`LinuxPacketIo`], and links and
//! addresses over rtnetlink ([`LinuxLinks`], [`LinuxLinkEvents`], [`NetlinkDriver`]).
//!
//! Everything is non-blocking on smol's reactor. Sockets and netlink connections belong to the
//! network namespace of the thread that opens them. Raw and packet sockets need
//! `CAP_NET_RAW`, address changes `CAP_NET_ADMIN`. This module decides nothing about VRRP: it
//! moves bytes, reports TTL, addresses and interfaces, and applies what it is told.

mod convert;
mod events;
mod frames;
mod ipv4_header;
pub mod link_hub;
mod links;
pub mod local_reactor;
mod quiet;
pub(crate) mod sys;
mod vrrp_socket;

pub use events::LinuxLinkEvents;
pub use frames::LinuxFrames;
pub use links::{LinuxLinks, NetlinkDriver};
pub use quiet::{Quiet, QuietFuture};
pub use vrrp_socket::{LinuxVrrpSocket, MAX_WAITED};

use holdfast_actors::ports::vrrp_net::{Interface, NetError, PacketIo, VrrpSocketSpec};

/// The [`PacketIo`] port on Linux.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinuxPacketIo;

impl PacketIo for LinuxPacketIo {
    type Vrrp = LinuxVrrpSocket;
    type Frames = LinuxFrames;

    fn open_vrrp(&self, spec: &VrrpSocketSpec) -> Result<LinuxVrrpSocket, NetError> {
        LinuxVrrpSocket::open(spec)
    }

    fn open_frames(&self, interface: &Interface) -> Result<LinuxFrames, NetError> {
        LinuxFrames::open(interface)
    }
}
