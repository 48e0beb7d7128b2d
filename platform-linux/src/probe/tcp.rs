//! Non-blocking TCP connects with keepalived's checker socket options (`bindto`, `bind_port`,
//! `bind_if`, `fwmark`), and the timeout every network call runs under.

use super::sys;
use holdfast_actors::ports::probe::{ProbeError, TcpTarget};
use holdfast_core::time::Duration;
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use smol::Async;
use std::future::Future;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;

/// Runs `fut` for at most `timeout`.
pub async fn with_timeout<T>(
    timeout: Duration,
    fut: impl Future<Output = Result<T, ProbeError>>,
) -> Result<T, ProbeError> {
    let limit = std::time::Duration::from_millis(timeout.total_millis());
    futures_lite::FutureExt::or(fut, async {
        smol::Timer::after(limit).await;
        Err(ProbeError::Timeout)
    })
    .await
}

fn io_error(call: &'static str, e: Errno) -> ProbeError {
    match e {
        Errno::CONNREFUSED | Errno::CONNRESET => ProbeError::Refused,
        Errno::TIMEDOUT => ProbeError::Timeout,
        e => ProbeError::Io {
            call,
            errno: e.raw_os_error(),
        },
    }
}

/// Maps a std I/O error from a read or write.
pub fn std_error(call: &'static str, e: &std::io::Error) -> ProbeError {
    match e.raw_os_error() {
        Some(n) => io_error(call, Errno::from_raw_os_error(n)),
        None if e.kind() == std::io::ErrorKind::TimedOut => ProbeError::Timeout,
        None => ProbeError::Io { call, errno: 0 },
    }
}

/// Opens a connection to `target` (the caller bounds the time).
pub async fn connect(target: &TcpTarget) -> Result<Async<TcpStream>, ProbeError> {
    let family = match target.addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = rustix::net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| io_error("socket", e))?;
    if let Some(dev) = &target.bind_if {
        sys::bind_to_device(fd.as_fd(), dev).map_err(|e| std_error("SO_BINDTODEVICE", &e))?;
    }
    if let Some(mark) = target.fwmark {
        sys::set_mark(fd.as_fd(), mark).map_err(|e| std_error("SO_MARK", &e))?;
    }
    if let Some(bind) = target.bind {
        rustix::net::bind(&fd, &bind).map_err(|e| io_error("bind", e))?;
    }
    match rustix::net::connect(&fd, &target.addr) {
        Ok(()) | Err(Errno::INPROGRESS) => {}
        Err(e) => return Err(io_error("connect", e)),
    }
    let stream = Async::new(TcpStream::from(fd)).map_err(|e| std_error("epoll", &e))?;
    stream
        .writable()
        .await
        .map_err(|e| std_error("connect", &e))?;
    match rustix::net::sockopt::socket_error(stream.get_ref()) {
        Ok(Ok(())) => Ok(stream),
        Ok(Err(e)) | Err(e) => Err(io_error("connect", e)),
    }
}
