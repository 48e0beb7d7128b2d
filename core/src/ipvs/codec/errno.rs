//! Kernel error numbers as they come back in `NLMSG_ERROR`, with the meanings that matter to
//! IPVS. Linux's numbering, which is the same on every architecture holdfast targets.

use core::fmt;
use serde::{Deserialize, Serialize};

/// A positive errno from the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Errno(pub i32);

impl Errno {
    /// Operation not permitted (no CAP_NET_ADMIN).
    pub const EPERM: Errno = Errno(1);
    /// No such entry: unknown family id, missing scheduler module, missing real server.
    pub const ENOENT: Errno = Errno(2);
    /// No such service.
    pub const ESRCH: Errno = Errno(3);
    /// Out of memory.
    pub const ENOMEM: Errno = Errno(12);
    /// Permission denied.
    pub const EACCES: Errno = Errno(13);
    /// Already exists.
    pub const EEXIST: Errno = Errno(17);
    /// Invalid argument (also "address not unicast" when `lo` is down, FIELD-NOTES §2).
    pub const EINVAL: Errno = Errno(22);
    /// Out of range (a weight above `i32::MAX`).
    pub const ERANGE: Errno = Errno(34);
    /// Message too long for the reply buffer.
    pub const EMSGSIZE: Errno = Errno(90);
    /// Protocol not supported.
    pub const EPROTONOSUPPORT: Errno = Errno(93);
    /// Operation not supported.
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// Address family not supported (IPv6 service on a kernel without IPVS IPv6).
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// Timed out.
    pub const ETIMEDOUT: Errno = Errno(110);

    /// The symbolic name, when it is one IPVS returns.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            12 => "ENOMEM",
            13 => "EACCES",
            17 => "EEXIST",
            22 => "EINVAL",
            34 => "ERANGE",
            90 => "EMSGSIZE",
            93 => "EPROTONOSUPPORT",
            95 => "EOPNOTSUPP",
            97 => "EAFNOSUPPORT",
            105 => "ENOBUFS",
            110 => "ETIMEDOUT",
            _ => return None,
        })
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}
