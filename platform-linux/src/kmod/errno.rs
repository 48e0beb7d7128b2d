//! errno values as the running architecture numbers them: their symbolic names, and what each
//! means for reading a module file or loading a module ([`LoadError`]).

use holdfast_core::modules::{LoadError, OsErrno};

/// The symbolic name of an errno value the module code can meet, or `""` for others.
pub fn name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::ENOEXEC => "ENOEXEC",
        libc::EBADF => "EBADF",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::ETXTBSY => "ETXTBSY",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::EROFS => "EROFS",
        libc::ENOSYS => "ENOSYS",
        libc::ELOOP => "ELOOP",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::EBADMSG => "EBADMSG",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENOKEY => "ENOKEY",
        libc::EKEYREJECTED => "EKEYREJECTED",
        libc::EKEYEXPIRED => "EKEYEXPIRED",
        libc::EKEYREVOKED => "EKEYREVOKED",
        _ => "",
    }
}

/// An [`OsErrno`] with its name.
pub fn os_errno(errno: i32) -> OsErrno {
    OsErrno {
        number: errno,
        name: String::from(name(errno)),
    }
}

/// What failing to open or read the module file at `path` means.
pub fn open_error(errno: i32, path: &str) -> LoadError {
    match errno {
        libc::ENOENT | libc::ENOTDIR => LoadError::MissingFile {
            path: String::from(path),
        },
        libc::EPERM | libc::EACCES => LoadError::PermissionDenied {
            errno: os_errno(errno),
        },
        _ => LoadError::Os {
            call: format!("open {path}"),
            errno: os_errno(errno),
        },
    }
}

/// What a failed `finit_module`/`init_module` means (`EEXIST` is not a failure and is handled
/// by the caller). `call` names the system call for the catch-all case.
pub fn load_error(errno: i32, call: &str) -> LoadError {
    match errno {
        libc::EPERM | libc::EACCES => LoadError::PermissionDenied {
            errno: os_errno(errno),
        },
        // EINVAL: an ELF the kernel does not like, or (before 5.17) a flag it does not know.
        libc::ENOEXEC
        | libc::EBADMSG
        | libc::EINVAL
        | libc::EOPNOTSUPP
        | libc::ENOKEY
        | libc::EKEYREJECTED
        | libc::EKEYEXPIRED
        | libc::EKEYREVOKED => LoadError::BadFormat {
            errno: os_errno(errno),
        },
        libc::ENODEV => LoadError::NoDevice,
        // The kernel's "Unknown symbol" path returns ENOENT.
        libc::ENOENT => LoadError::UnknownSymbol,
        _ => LoadError::Os {
            call: String::from(call),
            errno: os_errno(errno),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_errors() {
        assert_eq!(
            open_error(libc::ENOENT, "/lib/modules/6.1.0/kernel/ip_vs_wrr.ko"),
            LoadError::MissingFile {
                path: String::from("/lib/modules/6.1.0/kernel/ip_vs_wrr.ko")
            }
        );
        assert!(matches!(
            open_error(libc::EACCES, "/x.ko"),
            LoadError::PermissionDenied { errno } if errno.name == "EACCES"
        ));
        assert_eq!(
            open_error(libc::EIO, "/x.ko").to_string(),
            "open /x.ko failed (EIO)"
        );
    }

    #[test]
    fn load_errors() {
        assert!(
            matches!(load_error(libc::EPERM, "finit_module"), LoadError::PermissionDenied { errno } if errno.number == libc::EPERM)
        );
        for bad in [
            libc::ENOEXEC,
            libc::EOPNOTSUPP,
            libc::EINVAL,
            libc::EKEYREJECTED,
        ] {
            assert!(
                matches!(load_error(bad, "finit_module"), LoadError::BadFormat { .. }),
                "{bad}"
            );
        }
        assert_eq!(
            load_error(libc::ENODEV, "finit_module"),
            LoadError::NoDevice
        );
        assert_eq!(
            load_error(libc::ENOENT, "finit_module"),
            LoadError::UnknownSymbol
        );
        assert_eq!(
            load_error(libc::EBUSY, "init_module").to_string(),
            "init_module failed (EBUSY)"
        );
        assert_eq!(
            load_error(4095, "finit_module").to_string(),
            "finit_module failed (errno 4095)"
        );
    }
}
