//! The fake VRRP and frame sockets, and [`PacketIo`] on [`FakeNet`].

use super::host::HostState;
use super::segment::{Datagram, Endpoint};
use super::{lock, not_found, FakeNet, FakeSegment, SentFrame, SentPacket, SOCKET_QUEUE};
use crate::ports::vrrp_net::{
    Family, FrameSocket, Interface, NetError, PacketIo, Received, VrrpSocket, VrrpSocketSpec,
    VRRP_TTL,
};
use holdfast_core::time::Duration;
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// A fake VRRP socket; see [`FakeNet`].
pub struct FakeVrrpSocket {
    pub(super) host: Arc<Mutex<HostState>>,
    pub(super) segment: Option<FakeSegment>,
    pub(super) interface: Interface,
    pub(super) family: Family,
    pub(super) rx: async_channel::Receiver<Datagram>,
}

impl VrrpSocket for FakeVrrpSocket {
    async fn send(
        &self,
        payload: &[u8],
        source: IpAddr,
        destination: IpAddr,
    ) -> Result<(), NetError> {
        let err = |source| NetError::Send {
            interface: self.interface.name.clone(),
            destination,
            source,
        };
        if Family::of(&source) != self.family || Family::of(&destination) != self.family {
            return Err(err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("address family differs from the {} socket", self.family),
            )));
        }
        {
            let host = lock(&self.host);
            let link = host
                .link_by_index(self.interface.ifindex)
                .ok_or_else(|| err(not_found(&self.interface.name)))?;
            if !link.state.is_up() {
                return Err(err(io::Error::new(
                    io::ErrorKind::NetworkDown,
                    "link is down",
                )));
            }
            // As Linux: the source must be an address of this host, out of DAD (EINVAL there).
            let usable = host
                .links
                .iter()
                .flat_map(|l| &l.addresses)
                .any(|a| a.address == source && !a.tentative);
            if !usable {
                return Err(err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{source} is not a usable address of this host"),
                )));
            }
        }
        if let Some(segment) = &self.segment {
            lock(&segment.inner).packets.push(SentPacket {
                interface: self.interface.name.clone(),
                source,
                destination,
                payload: payload.to_vec(),
            });
            segment.deliver(
                Some(&self.host),
                source,
                destination,
                VRRP_TTL,
                payload,
                Duration::ZERO,
            );
        }
        Ok(())
    }

    async fn recv(&self, buf: &mut [u8]) -> Result<Received, NetError> {
        let d = self.rx.recv().await.map_err(|_| NetError::Receive {
            interface: self.interface.name.clone(),
            source: io::Error::new(io::ErrorKind::BrokenPipe, "segment gone"),
        })?;
        let len = d.payload.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..len), d.payload.get(..len)) {
            dst.copy_from_slice(src);
        }
        Ok(Received {
            len,
            truncated: len < d.payload.len(),
            source: d.source,
            destination: d.destination,
            hop_limit: d.hop_limit,
            ifindex: d.ifindex,
            waited: d.waited,
        })
    }
}

/// A fake frame socket; frames are logged on the host and the segment.
pub struct FakeFrames {
    pub(super) host: Arc<Mutex<HostState>>,
    pub(super) segment: Option<FakeSegment>,
    pub(super) interface: Interface,
}

impl FrameSocket for FakeFrames {
    async fn send_frame(&self, frame: &[u8]) -> Result<(), NetError> {
        let err = |source| NetError::Frame {
            interface: self.interface.name.clone(),
            source,
        };
        let sent = SentFrame {
            interface: self.interface.name.clone(),
            frame: frame.to_vec(),
        };
        {
            let mut host = lock(&self.host);
            let link = host
                .link_by_index(self.interface.ifindex)
                .ok_or_else(|| err(not_found(&self.interface.name)))?;
            if !link.state.is_up() {
                return Err(err(io::Error::new(
                    io::ErrorKind::NetworkDown,
                    "link is down",
                )));
            }
            host.frames.push(sent.clone());
        }
        if let Some(segment) = &self.segment {
            lock(&segment.inner).frames.push(sent);
        }
        Ok(())
    }
}

impl PacketIo for FakeNet {
    type Vrrp = FakeVrrpSocket;
    type Frames = FakeFrames;

    fn open_vrrp(&self, spec: &VrrpSocketSpec) -> Result<FakeVrrpSocket, NetError> {
        let segment = {
            let host = lock(&self.inner);
            let link =
                host.link_by_index(spec.interface.ifindex)
                    .ok_or_else(|| NetError::Socket {
                        call: "setsockopt(SO_BINDTODEVICE)",
                        interface: spec.interface.name.clone(),
                        source: not_found(&spec.interface.name),
                    })?;
            link.segment.clone()
        };
        let (tx, rx) = async_channel::bounded(SOCKET_QUEUE);
        if let Some(seg) = &segment {
            lock(&seg.inner).endpoints.push(Endpoint {
                host: Arc::downgrade(&self.inner),
                ifindex: spec.interface.ifindex,
                family: spec.family,
                joined: spec.join_group,
                tx,
            });
        }
        Ok(FakeVrrpSocket {
            host: self.inner.clone(),
            segment,
            interface: spec.interface.clone(),
            family: spec.family,
            rx,
        })
    }

    fn open_frames(&self, interface: &Interface) -> Result<FakeFrames, NetError> {
        let host = lock(&self.inner);
        let link = host
            .link_by_index(interface.ifindex)
            .ok_or_else(|| NetError::Socket {
                call: "bind(AF_PACKET)",
                interface: interface.name.clone(),
                source: not_found(&interface.name),
            })?;
        Ok(FakeFrames {
            host: self.inner.clone(),
            segment: link.segment.clone(),
            interface: interface.clone(),
        })
    }
}
