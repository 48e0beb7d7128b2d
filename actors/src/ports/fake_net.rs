//! In-memory fakes of the VRRP network ports, for actor tests: a [`FakeSegment`] (one Ethernet
//! segment) and [`FakeNet`] (one host's links, addresses and sockets).
//!
//! Several hosts attach links to one segment. A VRRP payload sent by one host reaches every
//! other host's socket of the same family on that segment whose link is up and that either
//! joined the group (multicast destination) or owns the destination address (unicast, VIPs
//! included), with hop limit 255, as the kernel would deliver it. The sender's own host gets
//! nothing back (`IP_MULTICAST_LOOP` off), and may only send from one of its addresses that is
//! not tentative (see [`FakeNet::set_tentative`]). Each socket queues at most [`SOCKET_QUEUE`]
//! packets and drops the rest, like a full receive buffer. Everything sent is logged on the
//! segment; VIP requests and frames (gratuitous ARP / NA) are logged on the host. Tests move
//! links up and down, inject packets with any hop limit, and make address operations fail.

mod host;
mod links;
mod segment;
mod sockets;

pub use host::FakeNet;
pub use links::FakeLinkEvents;
pub use segment::FakeSegment;
pub use sockets::{FakeFrames, FakeVrrpSocket};

use super::vrrp_net::AddressSpec;
use std::io;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

/// Packets one fake socket holds before it drops new ones. Sized like a default Linux receive
/// buffer (about 212 KiB holds some 2,000 adverts), so 100 masters advertising in the same
/// millisecond do not overflow it where a real kernel would not.
pub const SOCKET_QUEUE: usize = 2048;
/// Link events one subscription holds before it reports
/// [`LinkEvent::Overrun`](super::vrrp_net::LinkEvent::Overrun).
pub const EVENT_QUEUE: usize = 64;

/// A packet as the segment saw it leave a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPacket {
    /// Name of the sending interface.
    pub interface: String,
    pub source: IpAddr,
    pub destination: IpAddr,
    pub payload: Vec<u8>,
}

/// An Ethernet frame sent on a [`FrameSocket`](super::vrrp_net::FrameSocket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentFrame {
    /// Name of the sending interface.
    pub interface: String,
    pub frame: Vec<u8>,
}

/// One address request, in the order the host received them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VipChange {
    Added(AddressSpec),
    Removed(AddressSpec),
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock already failed; keep the state readable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn not_found(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("no link {what}"))
}

#[cfg(test)]
mod tests;
