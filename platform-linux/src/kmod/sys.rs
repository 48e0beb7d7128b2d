//! The three system calls module loading needs, each behind a safe function: `uname` for the
//! release, `finit_module` and `init_module`. Every `unsafe` block of `kmod` is here.

use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd};

/// `MODULE_INIT_COMPRESSED_FILE` (Linux 5.17+, `include/uapi/linux/module.h`): the file is
/// compressed and the kernel should decompress it. libc does not define it.
pub const MODULE_INIT_COMPRESSED_FILE: libc::c_uint = 4;

/// The two loading calls, so the decision logic in `load` can be tested without a kernel that
/// loads modules.
pub trait ModuleSyscalls {
    /// `finit_module(fd, "", flags)`.
    fn finit_module(&self, fd: BorrowedFd<'_>, flags: libc::c_uint) -> Result<(), i32>;
    /// `init_module(image, len, "")`.
    fn init_module(&self, image: &[u8]) -> Result<(), i32>;
}

/// The running kernel.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kernel;

impl ModuleSyscalls for Kernel {
    fn finit_module(&self, fd: BorrowedFd<'_>, flags: libc::c_uint) -> Result<(), i32> {
        finit_module(fd, flags)
    }

    fn init_module(&self, image: &[u8]) -> Result<(), i32> {
        init_module(image)
    }
}

/// How often a load interrupted by a signal (`EINTR`) is retried.
const EINTR_RETRIES: u32 = 3;

/// The running kernel's release (`uname -r`), or the errno.
pub fn kernel_release() -> Result<String, i32> {
    // SAFETY: `utsname` is plain old data, so all-zero bytes are a valid value.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is a valid, writable `utsname` for the duration of the call.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return Err(last_errno());
    }
    // The kernel NUL-terminates the field; reading at most its length guards against one that
    // is not.
    let bytes: Vec<u8> = uts
        .release
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `finit_module(fd, "", flags)`.
pub fn finit_module(fd: BorrowedFd<'_>, flags: libc::c_uint) -> Result<(), i32> {
    const NO_PARAMS: &CStr = c"";
    retry_eintr(|| {
        // SAFETY: `fd` is an open descriptor borrowed for the call, the parameter string is a
        // NUL-terminated constant, and the kernel reads nothing else from user memory.
        unsafe {
            libc::syscall(
                libc::SYS_finit_module,
                fd.as_raw_fd(),
                NO_PARAMS.as_ptr(),
                flags,
            )
        }
    })
}

/// `init_module(image, len, "")`, for a module image decompressed in user space.
pub fn init_module(image: &[u8]) -> Result<(), i32> {
    const NO_PARAMS: &CStr = c"";
    retry_eintr(|| {
        // SAFETY: `image` is a live slice of `image.len()` readable bytes and the parameter
        // string is a NUL-terminated constant; the kernel copies both before returning.
        unsafe {
            libc::syscall(
                libc::SYS_init_module,
                image.as_ptr(),
                image.len() as libc::c_ulong,
                NO_PARAMS.as_ptr(),
            )
        }
    })
}

fn retry_eintr(mut call: impl FnMut() -> libc::c_long) -> Result<(), i32> {
    let mut tries = 0;
    loop {
        if call() == 0 {
            return Ok(());
        }
        let errno = last_errno();
        tries += 1;
        if errno != libc::EINTR || tries > EINTR_RETRIES {
            return Err(errno);
        }
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn release_is_uname_r() {
        let release = kernel_release().unwrap();
        let proc = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
        assert_eq!(release, proc.trim_end());
    }

    #[test]
    fn loading_garbage_is_refused_not_crashed() {
        // Whatever this kernel is (no CONFIG_MODULES gives ENOSYS, no CAP_SYS_MODULE gives
        // EPERM, a real one ENOEXEC), a text file must never load.
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        assert!(finit_module(file.as_fd(), 0).is_err());
        assert!(init_module(b"not an ELF module").is_err());
    }
}
