//! The daemon's one system call without a safe wrapper: going to the background. Every
//! `unsafe` block of `daemon` is here.

use std::io;

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
