//! The one system call of [`super`]: `madvise(MADV_DONTNEED)`.

use super::Region;
use std::io;

/// Unmaps the pages of `region`; the next access maps them again from the file.
pub fn dont_need(region: Region) -> io::Result<()> {
    // SAFETY: `region` is one whole mapping of the executable that is not writable and holds no
    // anonymous (copied-on-write) page, as read from /proc/self/smaps just before: dropping its
    // page-table entries loses nothing, the next access faults the same bytes back in from the
    // file. No Rust reference can observe a change, since the contents do not change.
    let rc = unsafe {
        libc::madvise(
            region.start as *mut libc::c_void,
            region.end - region.start,
            libc::MADV_DONTNEED,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
