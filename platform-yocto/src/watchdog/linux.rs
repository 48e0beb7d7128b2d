//! `/dev/watchdog` through the Linux watchdog API: `WDIOC_SETTIMEOUT`, `WDIOC_KEEPALIVE` (or a
//! plain write on drivers without the keepalive ioctl) and the magic close.

use super::{WatchdogDevice, WatchdogError, WatchdogOp};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::Path;

/// Where Linux puts the first watchdog.
pub const DEFAULT_DEVICE: &str = "/dev/watchdog";

/// `_IOC(dir, 'W', nr, sizeof(int))` in the asm-generic layout used by x86_64, aarch64 and arm
/// (not by mips, powerpc or sparc, whose direction bits differ).
const fn wdioc(dir: u32, nr: u32) -> u32 {
    const SIZE_OF_INT: u32 = 4;
    (dir << 30) | (SIZE_OF_INT << 16) | ((b'W' as u32) << 8) | nr
}
const IOC_READ: u32 = 2;
const IOC_READ_WRITE: u32 = 3;
/// `_IOR('W', 5, int)` = 0x80045705.
const WDIOC_KEEPALIVE: u32 = wdioc(IOC_READ, 5);
/// `_IOWR('W', 6, int)` = 0xc0045706.
const WDIOC_SETTIMEOUT: u32 = wdioc(IOC_READ_WRITE, 6);

/// An open watchdog device. Dropping it without [`WatchdogDevice::magic_close`] leaves the
/// watchdog armed (the kernel logs "watchdog did not stop!").
#[derive(Debug)]
pub struct LinuxWatchdog {
    file: File,
}

impl LinuxWatchdog {
    /// Opens the device; this arms the watchdog with the driver's default timeout.
    pub fn open(path: &Path) -> Result<Self, WatchdogError> {
        // std opens with O_CLOEXEC: a notify script must not inherit (and so keep open) the device.
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| WatchdogError::new(WatchdogOp::Open, e))?;
        Ok(LinuxWatchdog { file })
    }

    /// `ioctl(fd, request, &mut value)`, the calling shape of every WDIOC_* request with an int.
    fn ioctl_int(&self, request: u32, value: &mut libc::c_int) -> io::Result<()> {
        // SAFETY: `file` is an open descriptor for the whole call, and every WDIOC_* request
        // used here reads and/or writes exactly one c_int through the pointer, which points to a
        // live, writable c_int. The request number is converted with `as` because libc's
        // `Ioctl` is c_ulong on glibc and c_int on musl; the bit pattern is what matters.
        let rc = unsafe {
            libc::ioctl(
                self.file.as_raw_fd(),
                request as libc::Ioctl,
                value as *mut libc::c_int,
            )
        };
        if rc == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

impl WatchdogDevice for LinuxWatchdog {
    fn set_timeout(&mut self, seconds: u32) -> Result<u32, WatchdogError> {
        let err = |e| WatchdogError::new(WatchdogOp::SetTimeout, e);
        let mut value = libc::c_int::try_from(seconds)
            .map_err(|_| err(io::Error::from(io::ErrorKind::InvalidInput)))?;
        self.ioctl_int(WDIOC_SETTIMEOUT, &mut value).map_err(err)?;
        // The driver writes back the timeout it actually set.
        u32::try_from(value).map_err(|_| err(io::Error::from(io::ErrorKind::InvalidData)))
    }

    fn keepalive(&mut self) -> Result<(), WatchdogError> {
        let mut ignored: libc::c_int = 0;
        match self.ioctl_int(WDIOC_KEEPALIVE, &mut ignored) {
            Ok(()) => Ok(()),
            // Drivers without WDIOF_KEEPALIVEPING: any write other than 'V' feeds.
            Err(e) if e.raw_os_error() == Some(libc::ENOTTY) => self
                .file
                .write_all(b"\0")
                .map_err(|e| WatchdogError::new(WatchdogOp::Keepalive, e)),
            Err(e) => Err(WatchdogError::new(WatchdogOp::Keepalive, e)),
        }
    }

    fn magic_close(mut self) -> Result<(), WatchdogError> {
        self.file
            .write_all(b"V")
            .map_err(|e| WatchdogError::new(WatchdogOp::MagicClose, e))
        // `self.file` closes here, right after the 'V'.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_linux_watchdog_h() {
        assert_eq!(WDIOC_KEEPALIVE, 0x8004_5705);
        assert_eq!(WDIOC_SETTIMEOUT, 0xc004_5706);
    }

    #[test]
    fn open_failure_names_the_operation() {
        let err = LinuxWatchdog::open(Path::new("/nonexistent/watchdog")).expect_err("no device");
        assert_eq!(err.op, WatchdogOp::Open);
        assert!(err.to_string().starts_with("watchdog open: "), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_watchdog_refuses_the_ioctls() {
        let mut dev = LinuxWatchdog::open(Path::new("/dev/null")).expect("/dev/null opens");
        let err = dev.set_timeout(10).expect_err("/dev/null is no watchdog");
        assert_eq!(err.op, WatchdogOp::SetTimeout);
        // ENOTTY falls back to a write, which /dev/null accepts.
        dev.keepalive().expect("write fallback");
        dev.magic_close().expect("magic close writes V");
    }
}
