//! The daemon's system calls without a safe wrapper: going to the background, and catching a
//! real-time signal (keepalived's SIGRTMIN+2 JSON dump). Every `unsafe` block of `daemon` is here.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, Ordering};

/// Forks into the background (`daemon(3)`): the parent exits 0, the child runs in a new session
/// with `/` as its directory; stdio goes to `/dev/null` unless `keep_stdio` (console logging).
/// Must be called while the process has one thread: the child keeps only the caller's.
pub fn daemonize(keep_stdio: bool) -> io::Result<()> {
    // SAFETY: daemon(3) takes two ints and touches no Rust-owned memory; the caller guarantees
    // no other thread exists, so no lock can be held across the fork.
    let rc = unsafe { libc::daemon(0, i32::from(keep_stdio)) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Write end of the pipe [`catch_rt_signal`]'s handler writes to; -1 before it is set up.
static RT_SIGNAL_PIPE: AtomicI32 = AtomicI32::new(-1);

/// The handler: one byte into the pipe. Only async-signal-safe calls (`write`), and `errno` is
/// put back so the interrupted code never sees it change.
extern "C" fn on_rt_signal(_signal: libc::c_int) {
    let fd = RT_SIGNAL_PIPE.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    // SAFETY: `__errno_location` returns this thread's errno slot; `write` reads one byte from a
    // live local. A full pipe (a burst of signals) fails with EAGAIN: one pending byte is enough.
    unsafe {
        let errno = libc::__errno_location();
        let saved = *errno;
        let byte = 1u8;
        libc::write(fd, std::ptr::from_ref(&byte).cast(), 1);
        *errno = saved;
    }
}

/// Catches `SIGRTMIN + offset` (async-signal has no real-time signals) and returns the read end
/// of a non-blocking socket pair that gets one byte per delivery. Without it the signal's
/// default action would end the daemon. Call once; a second call fails with `AlreadyExists`.
pub fn catch_rt_signal(offset: libc::c_int) -> io::Result<UnixStream> {
    let (min, max) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    let signal = min
        .checked_add(offset)
        .filter(|s| *s <= max)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no such real-time signal"))?;
    let (read, write) = UnixStream::pair()?;
    read.set_nonblocking(true)?;
    write.set_nonblocking(true)?;
    let fd = write.as_raw_fd();
    if RT_SIGNAL_PIPE
        .compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    // The write end lives as long as the process: the handler may run at any time.
    std::mem::forget(write);
    // SAFETY: an all-zero `sigaction` is valid (empty mask, no flags); the handler is an
    // `extern "C" fn(c_int)` that only calls async-signal-safe functions. SA_RESTART keeps
    // other threads' blocking calls from failing with EINTR.
    let rc = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_rt_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut())
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_real_time_signal_becomes_a_byte_in_the_pipe() {
        let mut pipe = catch_rt_signal(2).expect("handler installed");
        let mut byte = [0u8; 8];
        assert_eq!(
            pipe.read(&mut byte).map_err(|e| e.kind()),
            Err(io::ErrorKind::WouldBlock)
        );
        // The process is still alive afterwards: the default action would have ended it.
        // SAFETY: kill(2) with this process's id and a signal number; no memory is involved.
        let rc = unsafe { libc::kill(libc::getpid(), libc::SIGRTMIN() + 2) };
        assert_eq!(rc, 0);
        pipe.set_nonblocking(false).expect("blocking read");
        assert_eq!(pipe.read(&mut byte).expect("one byte"), 1);
        assert_eq!(
            catch_rt_signal(2).map(|_| ()).map_err(|e| e.kind()),
            Err(io::ErrorKind::AlreadyExists)
        );
        assert!(catch_rt_signal(1000).is_err());
    }
}
