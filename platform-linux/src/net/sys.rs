//! The system calls rustix has no safe wrapper for, and the only `unsafe` of the network ports:
//! integer socket options it lacks (`SO_BINDTODEVICE`, `IP_PKTINFO`, `IPV6_RECVHOPLIMIT`, ...),
//! `recvmsg`/`sendmsg` with `IP(V6)_PKTINFO` and hop-limit ancillary data, and `sendto` with a
//! link-layer address on a packet socket; the epoll set and eventfd of the daemon's
//! [`local_reactor`](super::local_reactor). Every function takes a borrowed descriptor and
//! plain Rust values, and returns `io::Result`; `EINTR` is left to the caller.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr;

/// Ancillary data space for one `in6_pktinfo`, one hop limit and one `timespec`, rounded up
/// generously; `u64` elements give the alignment `cmsghdr` needs.
const CONTROL_WORDS: usize = 32;

fn socklen<T>() -> libc::socklen_t {
    // Every structure passed here is a few dozen bytes.
    size_of::<T>() as libc::socklen_t
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn check_len(ret: libc::ssize_t) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

/// `setsockopt(fd, level, name, &value, sizeof(int))`.
pub fn set_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `value` is a live `c_int` and its exact size is passed; the kernel only reads it.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            ptr::from_ref(&value).cast(),
            socklen::<libc::c_int>(),
        )
    })
}

/// `SO_BINDTODEVICE`: the socket sends and receives on `interface` only.
pub fn bind_to_device(fd: BorrowedFd<'_>, interface: &str) -> io::Result<()> {
    let name = interface.as_bytes();
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{interface:?} is not an interface name"),
        ));
    }
    let len = libc::socklen_t::try_from(name.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: the kernel reads `len` bytes from `name`, which has that many; it needs no NUL.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_ptr().cast(),
            len,
        )
    })
}

/// What `recvmsg` said besides the bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecvMeta {
    /// Bytes written to the buffer.
    pub len: usize,
    /// `MSG_TRUNC`: the datagram was longer than the buffer.
    pub truncated: bool,
    /// The sender's address (`msg_name`).
    pub source: Option<IpAddr>,
    /// `IP_PKTINFO.ipi_addr` / `IPV6_PKTINFO.ipi6_addr`: the destination address.
    pub destination: Option<IpAddr>,
    /// `IP_PKTINFO` / `IPV6_PKTINFO` interface index.
    pub ifindex: Option<u32>,
    /// `IPV6_HOPLIMIT`.
    pub hop_limit: Option<u8>,
    /// `SCM_TIMESTAMPNS`: when the datagram arrived, `CLOCK_REALTIME` (seconds, nanoseconds).
    pub arrived_realtime: Option<(i64, i64)>,
}

/// `recvmsg` of one datagram into `buf`, with its source and the `IP_PKTINFO`,
/// `IPV6_PKTINFO`, `IPV6_HOPLIMIT` and `SCM_TIMESTAMPNS` ancillary data the socket asked for.
// `time_t` and `c_long` are 32 bits on 32-bit targets: `i64::from` is a no-op only here.
#[allow(clippy::useless_conversion)]
pub fn recv_msg(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<RecvMeta> {
    // SAFETY: all-zero bytes are a valid `sockaddr_storage` and `msghdr` (plain C structs of
    // integers and null pointers).
    let mut name: libc::sockaddr_storage = unsafe { zeroed() };
    let mut control = [0u64; CONTROL_WORDS];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = ptr::from_mut(&mut name).cast();
    msg.msg_namelen = socklen::<libc::sockaddr_storage>();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<[u64; CONTROL_WORDS]>() as _;

    // SAFETY: `msg` points at `name`, `iov` (over `buf`) and `control`, all live and of the
    // lengths given; the kernel writes within them and updates the lengths.
    let len = check_len(unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, 0) })?;
    let mut meta = RecvMeta {
        len: len.min(buf.len()),
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        source: sockaddr_ip(&name),
        ..RecvMeta::default()
    };

    // SAFETY: CMSG_FIRSTHDR/CMSG_NXTHDR walk the headers the kernel wrote into `control`,
    // bounded by the `msg_controllen` it set, and return null at the end. Each payload is read
    // only when `cmsg_len` covers the structure read, with `read_unaligned` because CMSG_DATA
    // promises no alignment for it.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let hdr = &*cmsg;
            let data = libc::CMSG_DATA(cmsg);
            let fits = |n: usize| hdr.cmsg_len as usize >= libc::CMSG_LEN(n as u32) as usize;
            match (hdr.cmsg_level, hdr.cmsg_type) {
                (libc::IPPROTO_IP, libc::IP_PKTINFO) if fits(size_of::<libc::in_pktinfo>()) => {
                    let info: libc::in_pktinfo = ptr::read_unaligned(data.cast());
                    meta.destination = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                        info.ipi_addr.s_addr,
                    ))));
                    meta.ifindex = u32::try_from(info.ipi_ifindex).ok();
                }
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) if fits(size_of::<libc::in6_pktinfo>()) => {
                    let info: libc::in6_pktinfo = ptr::read_unaligned(data.cast());
                    meta.destination = Some(IpAddr::V6(Ipv6Addr::from(info.ipi6_addr.s6_addr)));
                    meta.ifindex = Some(info.ipi6_ifindex);
                }
                (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) if fits(size_of::<libc::c_int>()) => {
                    let hops: libc::c_int = ptr::read_unaligned(data.cast());
                    meta.hop_limit = u8::try_from(hops).ok();
                }
                (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) if fits(size_of::<libc::timespec>()) => {
                    let at: libc::timespec = ptr::read_unaligned(data.cast());
                    meta.arrived_realtime = Some((i64::from(at.tv_sec), i64::from(at.tv_nsec)));
                }
                _ => {}
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(meta)
}

fn sockaddr_ip(name: &libc::sockaddr_storage) -> Option<IpAddr> {
    match libc::c_int::from(name.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a `sockaddr_in`, which is smaller and
            // less aligned than `sockaddr_storage`.
            let sin: libc::sockaddr_in = unsafe { ptr::read(ptr::from_ref(name).cast()) };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for `sockaddr_in6`.
            let sin6: libc::sockaddr_in6 = unsafe { ptr::read(ptr::from_ref(name).cast()) };
            Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

/// `sendmsg` of `payload` to `destination` with an `IP_PKTINFO` that fixes the source address
/// (`ipi_spec_dst`) and the outgoing interface. The kernel builds the IPv4 header.
pub fn send_v4(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    source: Ipv4Addr,
    destination: Ipv4Addr,
    ifindex: u32,
) -> io::Result<usize> {
    let info = libc::in_pktinfo {
        ipi_ifindex: libc::c_int::try_from(ifindex).map_err(|_| io::ErrorKind::InvalidInput)?,
        ipi_spec_dst: libc::in_addr {
            s_addr: u32::from(source).to_be(),
        },
        ipi_addr: libc::in_addr { s_addr: 0 },
    };
    // SAFETY: all-zero is a valid `sockaddr_in`.
    let mut to: libc::sockaddr_in = unsafe { zeroed() };
    to.sin_family = libc::AF_INET as libc::sa_family_t;
    to.sin_addr.s_addr = u32::from(destination).to_be();
    send_with_cmsg(
        fd,
        payload,
        ptr::from_ref(&to).cast(),
        socklen::<libc::sockaddr_in>(),
        libc::IPPROTO_IP,
        libc::IP_PKTINFO,
        &info,
    )
}

/// `sendmsg` of `payload` to `destination` with an `IPV6_PKTINFO` that fixes the source
/// address and the outgoing interface; the scope id is the interface too, for `ff02::12`.
pub fn send_v6(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    source: Ipv6Addr,
    destination: Ipv6Addr,
    ifindex: u32,
) -> io::Result<usize> {
    let info = libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: source.octets(),
        },
        ipi6_ifindex: ifindex,
    };
    // SAFETY: all-zero is a valid `sockaddr_in6`.
    let mut to: libc::sockaddr_in6 = unsafe { zeroed() };
    to.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    to.sin6_addr.s6_addr = destination.octets();
    to.sin6_scope_id = ifindex;
    send_with_cmsg(
        fd,
        payload,
        ptr::from_ref(&to).cast(),
        socklen::<libc::sockaddr_in6>(),
        libc::IPPROTO_IPV6,
        libc::IPV6_PKTINFO,
        &info,
    )
}

fn send_with_cmsg<T: Copy>(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    to: *const libc::sockaddr,
    to_len: libc::socklen_t,
    level: libc::c_int,
    kind: libc::c_int,
    data: &T,
) -> io::Result<usize> {
    let mut control = [0u64; CONTROL_WORDS];
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(size_of::<T>() as u32) } as usize;
    if space > size_of::<[u64; CONTROL_WORDS]>() {
        return Err(io::ErrorKind::InvalidInput.into());
    }
    let mut iov = libc::iovec {
        // sendmsg only reads through this pointer.
        iov_base: payload.as_ptr().cast_mut().cast(),
        iov_len: payload.len(),
    };
    // SAFETY: all-zero is a valid `msghdr`.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = to.cast_mut().cast();
    msg.msg_namelen = to_len;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: `control` holds `space` bytes, enough for one header and `T` (checked above), so
    // CMSG_FIRSTHDR is non-null and CMSG_DATA points inside it; the write is unaligned-safe.
    // `msg` then points at live `to`, `iov` (over `payload`) and `control`; the kernel only
    // reads them.
    let sent = unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        (*cmsg).cmsg_level = level;
        (*cmsg).cmsg_type = kind;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<T>() as u32) as _;
        ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<T>(), *data);
        libc::sendmsg(fd.as_raw_fd(), &msg, 0)
    };
    check_len(sent)
}

/// `sendto` of a whole Ethernet frame on a packet socket, addressed by interface index,
/// EtherType and destination MAC (`sockaddr_ll`).
pub fn send_frame(
    fd: BorrowedFd<'_>,
    frame: &[u8],
    ifindex: u32,
    ethertype: u16,
    destination: [u8; 6],
) -> io::Result<usize> {
    // SAFETY: all-zero is a valid `sockaddr_ll`.
    let mut to: libc::sockaddr_ll = unsafe { zeroed() };
    to.sll_family = libc::AF_PACKET as libc::c_ushort;
    to.sll_protocol = ethertype.to_be();
    to.sll_ifindex = libc::c_int::try_from(ifindex).map_err(|_| io::ErrorKind::InvalidInput)?;
    to.sll_halen = 6;
    if let Some(addr) = to.sll_addr.get_mut(..6) {
        addr.copy_from_slice(&destination);
    }
    // SAFETY: `frame` and `to` are live for the call and their lengths are passed; the kernel
    // only reads them.
    check_len(unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            frame.as_ptr().cast(),
            frame.len(),
            0,
            ptr::from_ref(&to).cast(),
            socklen::<libc::sockaddr_ll>(),
        )
    })
}

/// `epoll_create1(EPOLL_CLOEXEC)`.
pub fn epoll_create() -> io::Result<OwnedFd> {
    // SAFETY: no pointer is passed; a non-negative result is a new descriptor this process owns.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    check(fd)?;
    // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `epoll_ctl(epoll, EPOLL_CTL_ADD, fd, {events, token})`.
pub fn epoll_add(
    epoll: BorrowedFd<'_>,
    fd: BorrowedFd<'_>,
    events: u32,
    token: u64,
) -> io::Result<()> {
    let mut event = libc::epoll_event { events, u64: token };
    // SAFETY: `event` is a live, initialised `epoll_event` the kernel only reads.
    check(unsafe {
        libc::epoll_ctl(
            epoll.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            fd.as_raw_fd(),
            ptr::from_mut(&mut event),
        )
    })
}

/// `epoll_ctl(epoll, EPOLL_CTL_DEL, fd)`.
pub fn epoll_del(epoll: BorrowedFd<'_>, fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: the event argument may be null for EPOLL_CTL_DEL (Linux >= 2.6.9).
    check(unsafe {
        libc::epoll_ctl(
            epoll.as_raw_fd(),
            libc::EPOLL_CTL_DEL,
            fd.as_raw_fd(),
            ptr::null_mut(),
        )
    })
}

/// `CLOCK_REALTIME` now, as (seconds, nanoseconds): to compare with `SCM_TIMESTAMPNS`.
// `time_t` and `c_long` are 32 bits on 32-bit targets: `i64::from` is a no-op only here.
#[allow(clippy::useless_conversion)]
pub fn realtime_now() -> (i64, i64) {
    // SAFETY: all-zero is a valid `timespec`.
    let mut now: libc::timespec = unsafe { zeroed() };
    // SAFETY: writes one `timespec` into a live local; CLOCK_REALTIME always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
    (i64::from(now.tv_sec), i64::from(now.tv_nsec))
}

/// `epoll_wait(epoll, events, timeout_ms)` (-1: no timeout): the tokens of the ready
/// descriptors, in `tokens`; returns how many (0 when the timeout passed).
pub fn epoll_wait(
    epoll: BorrowedFd<'_>,
    tokens: &mut [u64],
    timeout_ms: libc::c_int,
) -> io::Result<usize> {
    const MAX: usize = 32;
    // SAFETY: `epoll_event` is plain data; all-zero is a valid value.
    let mut events: [libc::epoll_event; MAX] = unsafe { zeroed() };
    let room = tokens.len().min(MAX);
    // SAFETY: the kernel writes at most `room` (<= MAX) events into `events`, which lives
    // across the call.
    let n = unsafe {
        libc::epoll_wait(
            epoll.as_raw_fd(),
            events.as_mut_ptr(),
            libc::c_int::try_from(room).unwrap_or(1),
            timeout_ms,
        )
    };
    check(n)?;
    let n = usize::try_from(n).unwrap_or(0).min(room);
    for (slot, event) in tokens.iter_mut().zip(events.iter().take(n)) {
        *slot = event.u64;
    }
    Ok(n)
}

/// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`.
pub fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: no pointer is passed; a non-negative result is a new descriptor this process owns.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    check(fd)?;
    // SAFETY: `fd` was just returned by the kernel and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Adds one to an eventfd's counter (a full counter, `EAGAIN`, is already signalled).
pub fn eventfd_signal(fd: BorrowedFd<'_>) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: writes 8 bytes from a live local array, as eventfd requires.
    unsafe { libc::write(fd.as_raw_fd(), one.as_ptr().cast(), one.len()) };
}

/// Resets an eventfd's counter (`EAGAIN` when it was zero).
pub fn eventfd_drain(fd: BorrowedFd<'_>) {
    let mut value = [0u8; 8];
    // SAFETY: reads at most 8 bytes into a live local array.
    unsafe { libc::read(fd.as_raw_fd(), value.as_mut_ptr().cast(), value.len()) };
}
