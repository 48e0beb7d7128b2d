//! The socket options rustix has no safe wrapper for (`SO_MARK`, `SO_BINDTODEVICE`): the only
//! `unsafe` of the probe module.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `SO_MARK`: the checker's packets carry `mark` (`fwmark` in a checker).
pub fn set_mark(fd: BorrowedFd<'_>, mark: u32) -> io::Result<()> {
    let value = mark;
    let len = libc::socklen_t::try_from(std::mem::size_of::<u32>())
        .map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: `value` is a live u32 and its exact size is passed; the kernel only reads it.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_MARK,
            std::ptr::from_ref(&value).cast(),
            len,
        )
    })
}

/// `SO_BINDTODEVICE`: the connection uses `interface` only (`bind_if`).
pub fn bind_to_device(fd: BorrowedFd<'_>, interface: &str) -> io::Result<()> {
    let name = interface.as_bytes();
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return Err(io::ErrorKind::InvalidInput.into());
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
