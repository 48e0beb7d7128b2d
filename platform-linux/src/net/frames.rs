//! Whole Ethernet frames (gratuitous ARP, unsolicited neighbour adverts) on an `AF_PACKET`
//! socket. The socket is opened with protocol 0, so it receives nothing; each frame is sent to
//! the interface with the EtherType and destination MAC read from the frame itself.

use super::sys;
use super::vrrp_socket::retry_eintr;
use holdfast_actors::ports::vrrp_net::{FrameSocket, Interface, NetError};
use rustix::net::{self as rnet, AddressFamily, SocketFlags, SocketType};
use smol::Async;
use std::io;
use std::os::fd::{AsFd, OwnedFd};

/// Destination MAC, source MAC, EtherType.
const ETHERNET_HEADER_LEN: usize = 14;

/// A send-only packet socket for one interface.
#[derive(Debug)]
pub struct LinuxFrames {
    fd: Async<OwnedFd>,
    interface: Interface,
}

impl LinuxFrames {
    /// Opens the socket; needs `CAP_NET_RAW`.
    pub fn open(interface: &Interface) -> Result<LinuxFrames, NetError> {
        let err = |call: &'static str| {
            move |source: io::Error| NetError::Socket {
                call,
                interface: interface.name.clone(),
                source,
            }
        };
        let fd = rnet::socket_with(
            AddressFamily::PACKET,
            SocketType::RAW,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            None,
        )
        .map_err(io::Error::from)
        .map_err(err("socket(AF_PACKET, SOCK_RAW, 0)"))?;
        let fd = Async::new(fd).map_err(err("epoll_ctl(EPOLL_CTL_ADD)"))?;
        Ok(LinuxFrames {
            fd,
            interface: interface.clone(),
        })
    }
}

impl FrameSocket for LinuxFrames {
    async fn send_frame(&self, frame: &[u8]) -> Result<(), NetError> {
        let err = |source| NetError::Frame {
            interface: self.interface.name.clone(),
            source,
        };
        let mac: Option<[u8; 6]> = frame.get(..6).and_then(|b| b.try_into().ok());
        let ethertype: Option<[u8; 2]> = frame
            .get(12..ETHERNET_HEADER_LEN)
            .and_then(|b| b.try_into().ok());
        let (Some(mac), Some(ethertype)) = (mac, ethertype) else {
            return Err(err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a {}-byte frame has no Ethernet header", frame.len()),
            )));
        };
        let ethertype = u16::from_be_bytes(ethertype);
        let ifindex = self.interface.ifindex;
        let sent = self
            .fd
            .write_with(|fd| {
                retry_eintr(|| sys::send_frame(fd.as_fd(), frame, ifindex, ethertype, mac))
            })
            .await
            .map_err(err)?;
        if sent != frame.len() {
            return Err(err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("sent {sent} of {} bytes", frame.len()),
            )));
        }
        Ok(())
    }
}
