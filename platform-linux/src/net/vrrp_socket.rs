//! Raw IP sockets for protocol 112, one per interface and family, on smol.
//!
//! `IP_HDRINCL` stays off: both families then take the VRRP payload alone, and the kernel owns
//! the IP header (identification, checksum, fragmentation). The header fields VRRP cares about
//! are socket options: TTL and multicast TTL 255 (IPv4), unicast and multicast hop limit 255
//! (IPv6), TOS / traffic class 0xc0 (DSCP CS6, as keepalived), and the source address, which
//! each send fixes with `IP(V6)_PKTINFO` so one socket serves the primary address and any
//! `unicast_src_ip`. The socket has a large receive buffer ([`RECV_BUFFER_BYTES`]) so a burst of
//! adverts from hundreds of instances is not dropped. It is bound to its interface (`SO_BINDTODEVICE`), sends multicast
//! there (`IP(V6)_MULTICAST_IF`), does not loop it back, and joins the group on that interface
//! only (`IP_ADD_MEMBERSHIP` with the ifindex / `IPV6_JOIN_GROUP`).
//!
//! On receive an IPv4 raw socket hands over the whole datagram: its header is parsed for its
//! length (IHL, so options are skipped), TTL and addresses, and the payload moved to the front
//! of the buffer. An IPv6 raw socket hands over the payload alone, with the hop limit, the
//! destination and the interface as ancillary data (`IPV6_RECVHOPLIMIT`, `IPV6_RECVPKTINFO`).
//!
//! Inside the daemon's [`local_reactor::block_on`] a socket waits for adverts on the executor
//! thread's own epoll set; elsewhere on smol's reactor.

use super::{ipv4_header, local_reactor, sys};
use futures_lite::future;
use holdfast_actors::ports::vrrp_net::{
    Family, Interface, NetError, Received, VrrpSocket, VrrpSocketSpec, VRRP_GROUP_V4,
    VRRP_GROUP_V6, VRRP_PROTOCOL, VRRP_TOS, VRRP_TTL,
};
use holdfast_core::time::Duration;
use rustix::net::{self as rnet, sockopt, AddressFamily, Protocol, SocketFlags, SocketType};
use smol::Async;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::os::fd::{AsFd, OwnedFd};
use std::task::Poll;

/// The receive buffer asked for (the kernel doubles it for its bookkeeping): 1 MiB in all, a
/// burst of about 800 adverts.
pub const RECV_BUFFER_BYTES: libc::c_int = 512 * 1024;

/// A raw VRRP socket on one interface and family.
#[derive(Debug)]
pub struct LinuxVrrpSocket {
    fd: Async<OwnedFd>,
    interface: Interface,
    family: Family,
}

/// Runs a system call again while it fails with `EINTR`.
pub(super) fn retry_eintr<T>(mut call: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match call() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn invalid_data(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

impl LinuxVrrpSocket {
    /// Opens and configures the socket; needs `CAP_NET_RAW`.
    pub fn open(spec: &VrrpSocketSpec) -> Result<LinuxVrrpSocket, NetError> {
        let ifindex = spec.interface.ifindex;
        let err = |call: &'static str| {
            move |source: io::Error| NetError::Socket {
                call,
                interface: spec.interface.name.clone(),
                source,
            }
        };
        let (domain, call) = match spec.family {
            Family::Ipv4 => (AddressFamily::INET, "socket(AF_INET, SOCK_RAW, 112)"),
            Family::Ipv6 => (AddressFamily::INET6, "socket(AF_INET6, SOCK_RAW, 112)"),
        };
        let protocol = NonZeroU32::new(u32::from(VRRP_PROTOCOL)).map(Protocol::from_raw);
        let fd = rnet::socket_with(
            domain,
            SocketType::RAW,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            protocol,
        )
        .map_err(io::Error::from)
        .map_err(err(call))?;
        sys::bind_to_device(fd.as_fd(), &spec.interface.name)
            .map_err(err("setsockopt(SO_BINDTODEVICE)"))?;
        // Room for a burst of one advert per VRID: at start-up or after a link flap every
        // master on the link sends at once. The default (212,992 bytes) holds about 270
        // small packets' buffers; a link with 255 VRIDs of each family fills it.
        // SO_RCVBUFFORCE passes the rmem_max cap with CAP_NET_ADMIN, which the daemon has
        // for its VIPs; without it SO_RCVBUF gives what the cap allows.
        if sys::set_int(
            fd.as_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            RECV_BUFFER_BYTES,
        )
        .is_err()
        {
            sys::set_int(
                fd.as_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                RECV_BUFFER_BYTES,
            )
            .map_err(err("setsockopt(SO_RCVBUF)"))?;
        }
        let on = |level, name, call| sys::set_int(fd.as_fd(), level, name, 1).map_err(err(call));
        // Arrival times: an advert read late (see `local_reactor`) still counts from arrival.
        on(
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            "setsockopt(SO_TIMESTAMPNS)",
        )?;
        let ttl = u32::from(VRRP_TTL);
        match spec.family {
            Family::Ipv4 => {
                let any = Ipv4Addr::UNSPECIFIED;
                sockopt::set_ip_multicast_if_with_ifindex(&fd, &VRRP_GROUP_V4, &any, ifindex)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IP_MULTICAST_IF)"))?;
                sockopt::set_ip_multicast_loop(&fd, false)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IP_MULTICAST_LOOP)"))?;
                sockopt::set_ip_multicast_ttl(&fd, ttl)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IP_MULTICAST_TTL)"))?;
                sockopt::set_ip_ttl(&fd, ttl)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IP_TTL)"))?;
                sockopt::set_ip_tos(&fd, VRRP_TOS)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IP_TOS)"))?;
                on(libc::IPPROTO_IP, libc::IP_PKTINFO, "setsockopt(IP_PKTINFO)")?;
                // Deliver only the groups this socket joined, not every group some other
                // socket joined on the interface.
                sys::set_int(fd.as_fd(), libc::IPPROTO_IP, libc::IP_MULTICAST_ALL, 0)
                    .map_err(err("setsockopt(IP_MULTICAST_ALL)"))?;
                if spec.join_group {
                    sockopt::set_ip_add_membership_with_ifindex(&fd, &VRRP_GROUP_V4, &any, ifindex)
                        .map_err(io::Error::from)
                        .map_err(err("setsockopt(IP_ADD_MEMBERSHIP)"))?;
                }
            }
            Family::Ipv6 => {
                sockopt::set_ipv6_multicast_if(&fd, ifindex)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IPV6_MULTICAST_IF)"))?;
                sockopt::set_ipv6_multicast_loop(&fd, false)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IPV6_MULTICAST_LOOP)"))?;
                sockopt::set_ipv6_multicast_hops(&fd, ttl)
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IPV6_MULTICAST_HOPS)"))?;
                sockopt::set_ipv6_unicast_hops(&fd, Some(VRRP_TTL))
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IPV6_UNICAST_HOPS)"))?;
                sockopt::set_ipv6_tclass(&fd, u32::from(VRRP_TOS))
                    .map_err(io::Error::from)
                    .map_err(err("setsockopt(IPV6_TCLASS)"))?;
                on(
                    libc::IPPROTO_IPV6,
                    libc::IPV6_RECVPKTINFO,
                    "setsockopt(IPV6_RECVPKTINFO)",
                )?;
                on(
                    libc::IPPROTO_IPV6,
                    libc::IPV6_RECVHOPLIMIT,
                    "setsockopt(IPV6_RECVHOPLIMIT)",
                )?;
                if spec.join_group {
                    sockopt::set_ipv6_add_membership(&fd, &VRRP_GROUP_V6, ifindex)
                        .map_err(io::Error::from)
                        .map_err(err("setsockopt(IPV6_JOIN_GROUP)"))?;
                }
            }
        }
        let fd = Async::new(fd).map_err(err("epoll_ctl(EPOLL_CTL_ADD)"))?;
        Ok(LinuxVrrpSocket {
            fd,
            interface: spec.interface.clone(),
            family: spec.family,
        })
    }

    /// The interface the socket is bound to.
    pub fn interface(&self) -> &Interface {
        &self.interface
    }

    fn recv_error(&self, source: io::Error) -> NetError {
        NetError::Receive {
            interface: self.interface.name.clone(),
            source,
        }
    }

    /// Turns what `recvmsg` wrote into a [`Received`], moving an IPv4 payload to the front.
    fn finish_recv(&self, buf: &mut [u8], meta: sys::RecvMeta) -> Result<Received, NetError> {
        let ifindex = meta
            .ifindex
            .ok_or_else(|| self.recv_error(invalid_data("no IP_PKTINFO/IPV6_PKTINFO")))?;
        match self.family {
            Family::Ipv4 => {
                let got = buf.get(..meta.len).unwrap_or_default();
                let header = ipv4_header::parse(got)
                    .ok_or_else(|| self.recv_error(invalid_data("IPv4 header unreadable")))?;
                // The kernel checked the total length against what arrived; bytes beyond it
                // (none on Linux) are not payload.
                let end = header.total_len.min(meta.len).max(header.header_len);
                let len = end - header.header_len;
                buf.copy_within(header.header_len..end, 0);
                Ok(Received {
                    len,
                    truncated: meta.truncated,
                    source: IpAddr::V4(header.source),
                    destination: IpAddr::V4(header.destination),
                    hop_limit: header.ttl,
                    ifindex,
                    waited: waited(meta.arrived_realtime),
                })
            }
            Family::Ipv6 => {
                let missing = |what| self.recv_error(invalid_data(what));
                Ok(Received {
                    len: meta.len,
                    truncated: meta.truncated,
                    source: meta.source.ok_or_else(|| missing("no source address"))?,
                    destination: meta.destination.ok_or_else(|| missing("no IPV6_PKTINFO"))?,
                    hop_limit: meta.hop_limit.ok_or_else(|| missing("no IPV6_HOPLIMIT"))?,
                    ifindex,
                    waited: waited(meta.arrived_realtime),
                })
            }
        }
    }
}

/// The longest queueing time believed. The kernel stamps arrival with the wall clock, so a
/// clock step between arrival and read shows up here; a larger figure would move a
/// Master_Down deadline earlier than the adverts justify, so it is cut to this (a packet that
/// truly waited longer then counts from a little later than it arrived: a later takeover,
/// never a false one).
pub const MAX_WAITED: Duration = Duration::from_millis(50);

/// How long a datagram stamped `arrived` (`SCM_TIMESTAMPNS`) sat in the socket: zero when
/// unknown or in the future, at most [`MAX_WAITED`].
fn waited(arrived: Option<(i64, i64)>) -> Duration {
    let Some((secs, nanos)) = arrived else {
        return Duration::ZERO;
    };
    let (now_secs, now_nanos) = sys::realtime_now();
    let waited_nanos = (i128::from(now_secs) - i128::from(secs)) * 1_000_000_000
        + (i128::from(now_nanos) - i128::from(nanos));
    let cap = i128::from(MAX_WAITED.total_millis()) * 1_000_000;
    let ms = waited_nanos.clamp(0, cap) / 1_000_000;
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl VrrpSocket for LinuxVrrpSocket {
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
        let ifindex = self.interface.ifindex;
        let sent = match (self.family, source, destination) {
            (Family::Ipv4, IpAddr::V4(s), IpAddr::V4(d)) => {
                self.fd
                    .write_with(|fd| {
                        retry_eintr(|| sys::send_v4(fd.as_fd(), payload, s, d, ifindex))
                    })
                    .await
            }
            (Family::Ipv6, IpAddr::V6(s), IpAddr::V6(d)) => {
                self.fd
                    .write_with(|fd| {
                        retry_eintr(|| sys::send_v6(fd.as_fd(), payload, s, d, ifindex))
                    })
                    .await
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("address family differs from the {} socket", self.family),
            )),
        }
        .map_err(err)?;
        if sent != payload.len() {
            return Err(err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("sent {sent} of {} bytes", payload.len()),
            )));
        }
        Ok(())
    }

    async fn recv(&self, buf: &mut [u8]) -> Result<Received, NetError> {
        let meta = if local_reactor::active() {
            let fd = self.fd.get_ref().as_fd();
            future::poll_fn(|cx| loop {
                if let Err(e) = std::task::ready!(local_reactor::poll_readable(fd, cx)) {
                    return Poll::Ready(Err(e));
                }
                match retry_eintr(|| sys::recv_msg(fd, buf)) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        local_reactor::not_readable(fd);
                    }
                    other => return Poll::Ready(other),
                }
            })
            .await
        } else {
            self.fd
                .read_with(|fd| retry_eintr(|| sys::recv_msg(fd.as_fd(), buf)))
                .await
        }
        .map_err(|e| self.recv_error(e))?;
        self.finish_recv(buf, meta)
    }
}

impl Drop for LinuxVrrpSocket {
    fn drop(&mut self) {
        local_reactor::forget(self.fd.get_ref().as_fd());
    }
}
