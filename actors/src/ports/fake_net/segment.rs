//! The fake Ethernet segment: which fake sockets a sent VRRP payload reaches, and the log of
//! everything sent on it.

use super::host::HostState;
use super::{lock, SentFrame, SentPacket};
use crate::ports::vrrp_net::Family;
use holdfast_core::time::Duration;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};

#[derive(Debug)]
pub(super) struct Datagram {
    pub(super) payload: Vec<u8>,
    pub(super) source: IpAddr,
    pub(super) destination: IpAddr,
    pub(super) hop_limit: u8,
    pub(super) ifindex: u32,
    pub(super) waited: Duration,
}

pub(super) struct Endpoint {
    pub(super) host: Weak<Mutex<HostState>>,
    pub(super) ifindex: u32,
    pub(super) family: Family,
    pub(super) joined: bool,
    pub(super) tx: async_channel::Sender<Datagram>,
}

#[derive(Default)]
pub(super) struct SegmentState {
    pub(super) endpoints: Vec<Endpoint>,
    pub(super) packets: Vec<SentPacket>,
    pub(super) frames: Vec<SentFrame>,
    pub(super) dropped: u64,
}

/// One Ethernet segment shared by fake hosts; clones are the same segment.
#[derive(Clone, Default)]
pub struct FakeSegment {
    pub(super) inner: Arc<Mutex<SegmentState>>,
}

impl FakeSegment {
    pub fn new() -> FakeSegment {
        FakeSegment::default()
    }

    /// Every VRRP packet sent on the segment so far, injected ones excluded.
    pub fn packets(&self) -> Vec<SentPacket> {
        lock(&self.inner).packets.clone()
    }

    /// Every frame sent on the segment so far.
    pub fn frames(&self) -> Vec<SentFrame> {
        lock(&self.inner).frames.clone()
    }

    /// Packets dropped because a receiving socket's queue was full.
    pub fn dropped(&self) -> u64 {
        lock(&self.inner).dropped
    }

    /// Delivers a packet as if a host outside the fakes had sent it, with any hop limit.
    /// Returns how many sockets received it.
    pub fn inject(
        &self,
        source: IpAddr,
        destination: IpAddr,
        hop_limit: u8,
        payload: &[u8],
    ) -> usize {
        self.deliver(
            None,
            source,
            destination,
            hop_limit,
            payload,
            Duration::ZERO,
        )
    }

    /// [`inject`](Self::inject) a packet the receiving sockets report as having waited
    /// `waited` in their queue before it was read.
    pub fn inject_waited(
        &self,
        source: IpAddr,
        destination: IpAddr,
        payload: &[u8],
        waited: Duration,
    ) -> usize {
        self.deliver(None, source, destination, 255, payload, waited)
    }

    /// Hands a packet to every matching endpoint except those of `from_host`.
    pub(super) fn deliver(
        &self,
        from_host: Option<&Arc<Mutex<HostState>>>,
        source: IpAddr,
        destination: IpAddr,
        hop_limit: u8,
        payload: &[u8],
        waited: Duration,
    ) -> usize {
        let family = Family::of(&destination);
        let mut seg = lock(&self.inner);
        let mut delivered = 0;
        let mut dropped = 0;
        seg.endpoints.retain(|ep| {
            let Some(host) = ep.host.upgrade() else {
                return false;
            };
            if ep.family != family || from_host.is_some_and(|h| Arc::ptr_eq(h, &host)) {
                return !ep.tx.is_closed();
            }
            let accepts = {
                let h = lock(&host);
                h.link_by_index(ep.ifindex).is_some_and(|l| {
                    l.state.is_up()
                        && if destination.is_multicast() {
                            ep.joined && destination == family.vrrp_group()
                        } else {
                            l.addresses.iter().any(|a| a.address == destination)
                        }
                })
            };
            if !accepts {
                return !ep.tx.is_closed();
            }
            let datagram = Datagram {
                payload: payload.to_vec(),
                source,
                destination,
                hop_limit,
                ifindex: ep.ifindex,
                waited,
            };
            match ep.tx.try_send(datagram) {
                Ok(()) => {
                    delivered += 1;
                    true
                }
                Err(async_channel::TrySendError::Full(_)) => {
                    dropped += 1;
                    true
                }
                Err(async_channel::TrySendError::Closed(_)) => false,
            }
        });
        seg.dropped += dropped;
        delivered
    }
}
