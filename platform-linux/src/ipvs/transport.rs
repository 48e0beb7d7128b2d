//! Moving one request's bytes: send on the NETLINK_GENERIC socket, then receive datagrams until
//! the request's [`Exchange`] is finished, all under one deadline. The codec decides what the
//! bytes mean; this file only does I/O, sequence numbers and the timeout.

use holdfast_actors::ports::ipvs::{Call, IpvsError};
use holdfast_core::ipvs::codec::{messages, DecodeError, Errno, Event, Exchange, ReplyError};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use smol::future::FutureExt;
use smol::{Async, Timer};
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

/// Receive buffer. Kernel dump parts are at most 32 KiB; with `MSG_TRUNC` a longer datagram is
/// detected and reported instead of being parsed short.
const RECV_BUF: usize = 64 * 1024;

/// Linux's `MSG_TRUNC` (the same value on every architecture): `recv` returns the datagram's real
/// length even when the buffer was shorter.
const MSG_TRUNC: i32 = 0x20;

/// A NETLINK_GENERIC socket with its sequence counter and buffers.
pub(super) struct Transport {
    socket: Async<Socket>,
    seq: u32,
    timeout: Duration,
    send_buf: Vec<u8>,
    recv_buf: Vec<u8>,
}

impl Transport {
    /// Opens and binds the socket (the kernel picks the port id).
    pub(super) fn open(timeout: Duration) -> io::Result<Transport> {
        let mut socket = Socket::new(NETLINK_GENERIC)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Transport {
            socket: Async::new(socket)?,
            // Start away from 0 so a reply to a zero-initialised request is never ours.
            seq: 1,
            timeout,
            send_buf: Vec::with_capacity(256),
            recv_buf: Vec::with_capacity(RECV_BUF),
        })
    }

    /// Sends the request `build` writes (given a fresh sequence number; it returns the matching
    /// [`Exchange`]) and feeds every reply to it, handing data messages to `on_data`, until the
    /// answer is complete or the deadline passes. Errnos are mapped for `call`.
    pub(super) async fn roundtrip(
        &mut self,
        call: Call<'_>,
        build: impl FnOnce(u32, &mut Vec<u8>) -> Exchange,
        mut on_data: impl FnMut(&[u8]) -> Result<(), DecodeError>,
    ) -> Result<(), IpvsError> {
        self.seq = self.seq.wrapping_add(1).max(1);
        let mut exchange = build(self.seq, &mut self.send_buf);
        let deadline = Instant::now() + self.timeout;

        let (socket, request) = (&self.socket, &self.send_buf);
        within(deadline, socket.write_with(|s| s.send(request, 0))).await?;

        while !exchange.is_finished() {
            let buf = &mut self.recv_buf;
            buf.clear();
            buf.reserve(RECV_BUF);
            let len = within(deadline, socket.read_with(|s| s.recv(buf, MSG_TRUNC))).await?;
            if len > buf.len() {
                return Err(IpvsError::BadReply(DecodeError::Truncated));
            }
            for msg in messages(buf) {
                let msg = msg.map_err(IpvsError::BadReply)?;
                match exchange.feed(&msg) {
                    Ok(Event::Data(attrs)) => on_data(attrs).map_err(IpvsError::BadReply)?,
                    Ok(Event::Finished | Event::Ignored) => {}
                    Err(ReplyError::Kernel(errno)) => {
                        return Err(IpvsError::from_errno(errno, call))
                    }
                    Err(ReplyError::Decode(e)) => return Err(IpvsError::BadReply(e)),
                }
            }
        }
        Ok(())
    }
}

/// Runs `io` until `deadline`; `Timeout` after it.
async fn within<T>(
    deadline: Instant,
    io: impl Future<Output = io::Result<T>>,
) -> Result<T, IpvsError> {
    let timer = async {
        Timer::at(deadline).await;
        Err(io::Error::from(io::ErrorKind::TimedOut))
    };
    io.or(timer).await.map_err(|e| match e.raw_os_error() {
        _ if e.kind() == io::ErrorKind::TimedOut => IpvsError::Timeout,
        Some(1 | 13) => IpvsError::PermissionDenied,
        Some(errno) => IpvsError::Other(Errno(errno)),
        None => IpvsError::Other(Errno::EPROTONOSUPPORT),
    })
}
