//! What became of one module, and the errors the kernel-module port reports, as plain data the
//! loader can publish and tests can compare.
//!
//! The platform maps `errno` values onto [`LoadError`]: it knows the architecture's numbering,
//! so it also supplies each errno's symbolic name ([`OsErrno`]).

use super::name::ModuleName;
use alloc::string::String;
use core::fmt;
use serde::{Deserialize, Serialize};

/// An `errno` value with its symbolic name (`EPERM`), as the platform numbers it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OsErrno {
    pub number: i32,
    /// `EPERM`, or `errno <n>` for a number the platform has no name for.
    pub name: String,
}

/// Why a module file could not be made live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoadError {
    /// The module file is not there (`ENOENT` opening it): the package is not installed or the
    /// tree is incomplete.
    MissingFile { path: String },
    /// `EPERM`/`EACCES`: holdfast lacks `CAP_SYS_MODULE`, or module loading is disabled
    /// (`kernel.modules_disabled`, lockdown, a signature policy).
    PermissionDenied { errno: OsErrno },
    /// `ENOEXEC`/`EOPNOTSUPP`/`EBADMSG`/`EKEYREJECTED`...: the kernel does not accept this file
    /// (built for another kernel, compressed in a way the kernel cannot read, bad signature).
    BadFormat { errno: OsErrno },
    /// `ENODEV`: the module's init found no hardware to drive (`crc32c_intel` on a CPU without
    /// SSE4.2). Expected for some soft-dependency alternatives.
    NoDevice,
    /// `ENOENT` from the kernel during load: the module needs symbols no loaded module exports
    /// (a dependency is missing).
    UnknownSymbol,
    /// A compressed module file that neither the kernel nor holdfast can decompress.
    CompressionUnsupported { path: String, format: String },
    /// User-space decompression of a compressed module file failed (corrupt or too large).
    Decompress { path: String, reason: String },
    /// The system `modprobe` fallback ran and failed (`exit_code` is `None` when it was killed
    /// by a signal or could not be started).
    ModprobeFailed { exit_code: Option<i32> },
    /// Any other failure of a system call on the module file.
    Os { call: String, errno: OsErrno },
}

/// Why the module index of a release could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexError {
    /// `/lib/modules/<release>` does not exist (yet: it may be mounted later).
    TreeMissing { path: String },
    /// An index file exists but could not be read.
    Unreadable { path: String, errno: OsErrno },
    /// The running kernel's release could not be found out.
    NoRelease { errno: OsErrno },
}

/// The state of one planned module after a loading round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModuleStatus {
    /// Not tried yet.
    Pending,
    /// holdfast inserted it.
    Loaded,
    /// It was live before holdfast tried (`initstate` said `live`, or the load gave `EEXIST`).
    AlreadyLoaded,
    /// Compiled into the kernel.
    BuiltIn,
    /// The module file is missing.
    MissingFile { path: String },
    /// Loading failed.
    Failed { error: LoadError },
    /// In neither `modules.dep` nor `modules.builtin`.
    NotInIndex,
    /// `ip_vs` is in neither `modules.dep` nor `modules.builtin`: the kernel was built without
    /// `CONFIG_IP_VS`, and no retry will change that until the kernel changes.
    KernelWithoutIpvs,
    /// Not tried because a hard dependency is not present.
    Blocked { by: ModuleName },
    /// A soft-dependency alternative not tried because an earlier alternative is present.
    NotNeeded,
}

impl ModuleStatus {
    /// Whether the module is in the kernel now.
    pub fn is_present(&self) -> bool {
        matches!(
            self,
            ModuleStatus::Loaded | ModuleStatus::AlreadyLoaded | ModuleStatus::BuiltIn
        )
    }

    /// Whether another round could change this status (everything but presence and
    /// [`ModuleStatus::NotNeeded`]).
    pub fn is_retryable(&self) -> bool {
        !self.is_present() && !matches!(self, ModuleStatus::NotNeeded)
    }
}

impl From<LoadError> for ModuleStatus {
    fn from(error: LoadError) -> Self {
        match error {
            LoadError::MissingFile { path } => ModuleStatus::MissingFile { path },
            error => ModuleStatus::Failed { error },
        }
    }
}

impl fmt::Display for OsErrno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "errno {}", self.number)
        } else {
            f.write_str(&self.name)
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::MissingFile { path } => write!(f, "module file {path} missing"),
            LoadError::PermissionDenied { errno } => write!(
                f,
                "permission denied ({errno}): needs CAP_SYS_MODULE and module loading enabled"
            ),
            LoadError::BadFormat { errno } => {
                write!(f, "kernel rejected the module file ({errno})")
            }
            LoadError::NoDevice => f.write_str("no device for this module (ENODEV)"),
            LoadError::UnknownSymbol => {
                f.write_str("unknown symbols (ENOENT): a dependency is not loaded")
            }
            LoadError::CompressionUnsupported { path, format } => write!(
                f,
                "{path}: {format}-compressed and neither the kernel nor holdfast can decompress it"
            ),
            LoadError::Decompress { path, reason } => {
                write!(f, "cannot decompress {path}: {reason}")
            }
            LoadError::ModprobeFailed {
                exit_code: Some(code),
            } => write!(f, "modprobe exited with status {code}"),
            LoadError::ModprobeFailed { exit_code: None } => {
                f.write_str("modprobe could not run or was killed")
            }
            LoadError::Os { call, errno } => write!(f, "{call} failed ({errno})"),
        }
    }
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::TreeMissing { path } => write!(f, "module tree {path} missing"),
            IndexError::Unreadable { path, errno } => write!(f, "cannot read {path} ({errno})"),
            IndexError::NoRelease { errno } => {
                write!(f, "cannot find the kernel release ({errno})")
            }
        }
    }
}

impl fmt::Display for ModuleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleStatus::Pending => f.write_str("pending"),
            ModuleStatus::Loaded => f.write_str("loaded"),
            ModuleStatus::AlreadyLoaded => f.write_str("already loaded"),
            ModuleStatus::BuiltIn => f.write_str("built in"),
            ModuleStatus::MissingFile { path } => write!(f, "module file {path} missing"),
            ModuleStatus::Failed { error } => write!(f, "failed: {error}"),
            ModuleStatus::NotInIndex => f.write_str("not in modules.dep or modules.builtin"),
            ModuleStatus::KernelWithoutIpvs => {
                f.write_str("kernel built without IPVS (CONFIG_IP_VS)")
            }
            ModuleStatus::Blocked { by } => write!(f, "waiting for {by}"),
            ModuleStatus::NotNeeded => f.write_str("not needed (an alternative is loaded)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn missing_file_is_its_own_status() {
        let path =
            String::from("/lib/modules/6.1.0-28-amd64/kernel/net/netfilter/ipvs/ip_vs_wrr.ko");
        let status = ModuleStatus::from(LoadError::MissingFile { path: path.clone() });
        assert_eq!(status, ModuleStatus::MissingFile { path });
        assert!(status.is_retryable());
        assert!(!status.is_present());
        assert!(matches!(
            ModuleStatus::from(LoadError::NoDevice),
            ModuleStatus::Failed {
                error: LoadError::NoDevice
            }
        ));
    }

    #[test]
    fn messages_say_what_to_do() {
        let errno = OsErrno {
            number: 1,
            name: String::from("EPERM"),
        };
        assert_eq!(
            LoadError::PermissionDenied { errno }.to_string(),
            "permission denied (EPERM): needs CAP_SYS_MODULE and module loading enabled"
        );
        assert_eq!(
            ModuleStatus::KernelWithoutIpvs.to_string(),
            "kernel built without IPVS (CONFIG_IP_VS)"
        );
        assert_eq!(
            IndexError::TreeMissing {
                path: String::from("/lib/modules/6.1.0-28-amd64")
            }
            .to_string(),
            "module tree /lib/modules/6.1.0-28-amd64 missing"
        );
        let unnamed = OsErrno {
            number: 200,
            name: String::new(),
        };
        assert_eq!(unnamed.to_string(), "errno 200");
    }
}
