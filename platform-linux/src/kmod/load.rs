//! Loading one module file: open it, hand it to `finit_module` (with the compressed-file flag for
//! `.ko.xz`/`.ko.zst`/`.ko.gz`), and fall back to user-space decompression plus `init_module`
//! when the kernel cannot decompress it.

use super::compress::{self, Compression, DecompressError};
use super::errno::{load_error, open_error};
use super::paths;
use super::sys::{self, ModuleSyscalls};
use holdfast_actors::ports::kernel_modules::Loaded;
use holdfast_core::modules::LoadError;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;

/// Largest compressed module read into memory (the biggest Debian 6.1 module is ~14 MB).
pub const MAX_MODULE_BYTES: u64 = 64 * 1024 * 1024;

/// Loads the module at `dep_path` (as written in `modules.dep`) of the tree `tree`.
pub fn load_file(tree: &Path, dep_path: &str) -> Result<Loaded, LoadError> {
    load_with(&sys::Kernel, tree, dep_path)
}

/// [`load_file`] through `calls`.
pub fn load_with(
    calls: &impl ModuleSyscalls,
    tree: &Path,
    dep_path: &str,
) -> Result<Loaded, LoadError> {
    let path = paths::module_file(tree, dep_path);
    let shown = path.display().to_string();
    let mut file = std::fs::File::open(&path).map_err(|e| open_error(errno_of(&e), &shown))?;
    let Some(format) = Compression::of_path(&path) else {
        return finished(calls.finit_module(file.as_fd(), 0), "finit_module");
    };
    match calls.finit_module(file.as_fd(), sys::MODULE_INIT_COMPRESSED_FILE) {
        Err(errno) if kernel_cannot_decompress(errno) => {}
        result => return finished(result, "finit_module"),
    }
    let mut compressed = Vec::new();
    (&mut file)
        .take(MAX_MODULE_BYTES)
        .read_to_end(&mut compressed)
        .map_err(|e| open_error(errno_of(&e), &shown))?;
    match compress::decompress(format, &compressed) {
        Ok(image) => finished(calls.init_module(&image), "init_module"),
        Err(DecompressError::Unsupported(format)) => Err(LoadError::CompressionUnsupported {
            path: shown,
            format: String::from(format.name()),
        }),
        Err(error) => Err(LoadError::Decompress {
            path: shown,
            reason: error.to_string(),
        }),
    }
}

/// The answers of a kernel without `CONFIG_MODULE_DECOMPRESS` (or without this format, or
/// older than 5.17 and so without the flag) to a compressed file.
pub fn kernel_cannot_decompress(errno: i32) -> bool {
    matches!(errno, libc::EOPNOTSUPP | libc::EINVAL | libc::ENOEXEC)
}

fn finished(result: Result<(), i32>, call: &str) -> Result<Loaded, LoadError> {
    match result {
        Ok(()) => Ok(Loaded::Inserted),
        Err(libc::EEXIST) => Ok(Loaded::AlreadyLoaded),
        Err(errno) => Err(load_error(errno, call)),
    }
}

fn errno_of(error: &std::io::Error) -> i32 {
    error.raw_os_error().unwrap_or(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::super::test_dir::TestDir;
    use super::*;

    #[test]
    fn missing_file_reports_the_full_path() {
        let dir = TestDir::new("load-missing");
        let result = load_file(dir.path(), "kernel/net/netfilter/ipvs/ip_vs_wrr.ko");
        assert_eq!(
            result,
            Err(LoadError::MissingFile {
                path: dir
                    .path()
                    .join("kernel/net/netfilter/ipvs/ip_vs_wrr.ko")
                    .display()
                    .to_string()
            })
        );
    }

    #[test]
    fn eexist_is_success_and_other_errors_are_typed() {
        assert_eq!(finished(Ok(()), "finit_module"), Ok(Loaded::Inserted));
        assert_eq!(
            finished(Err(libc::EEXIST), "finit_module"),
            Ok(Loaded::AlreadyLoaded)
        );
        assert_eq!(
            finished(Err(libc::ENODEV), "finit_module"),
            Err(LoadError::NoDevice)
        );
    }

    #[test]
    fn which_answers_send_a_compressed_file_to_user_space() {
        for errno in [libc::EOPNOTSUPP, libc::EINVAL, libc::ENOEXEC] {
            assert!(kernel_cannot_decompress(errno));
        }
        for errno in [libc::EPERM, libc::ENODEV, libc::EEXIST, libc::ENOSYS] {
            assert!(!kernel_cannot_decompress(errno));
        }
    }

    /// A kernel that answers `finit_module` with `finit` and records what `init_module` got.
    struct Scripted {
        finit: Box<dyn Fn(libc::c_uint) -> Result<(), i32>>,
        init: Result<(), i32>,
        calls: std::cell::RefCell<Vec<String>>,
        image: std::cell::RefCell<Option<Vec<u8>>>,
    }

    impl Scripted {
        fn new(finit: impl Fn(libc::c_uint) -> Result<(), i32> + 'static) -> Self {
            Scripted {
                finit: Box::new(finit),
                init: Ok(()),
                calls: Default::default(),
                image: Default::default(),
            }
        }
    }

    impl ModuleSyscalls for Scripted {
        fn finit_module(
            &self,
            _fd: std::os::fd::BorrowedFd<'_>,
            flags: libc::c_uint,
        ) -> Result<(), i32> {
            self.calls
                .borrow_mut()
                .push(format!("finit_module flags={flags}"));
            (self.finit)(flags)
        }

        fn init_module(&self, image: &[u8]) -> Result<(), i32> {
            self.calls
                .borrow_mut()
                .push(format!("init_module {} bytes", image.len()));
            *self.image.borrow_mut() = Some(image.to_vec());
            self.init
        }
    }

    fn tree_with_fixtures(tag: &str) -> TestDir {
        let dir = TestDir::new(tag);
        for name in ["module.ko", "module.ko.xz", "module.ko.zst", "module.ko.gz"] {
            let bytes = match name {
                "module.ko" => &include_bytes!("fixtures/module.ko")[..],
                "module.ko.xz" => &include_bytes!("fixtures/module.ko.xz")[..],
                "module.ko.zst" => &include_bytes!("fixtures/module.ko.zst")[..],
                _ => &include_bytes!("fixtures/module.ko.gz")[..],
            };
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    #[test]
    fn plain_modules_go_straight_to_finit_module() {
        let dir = tree_with_fixtures("load-plain");
        let kernel = Scripted::new(|_| Err(libc::EEXIST));
        assert_eq!(
            load_with(&kernel, dir.path(), "module.ko"),
            Ok(Loaded::AlreadyLoaded)
        );
        assert_eq!(*kernel.calls.borrow(), ["finit_module flags=0"]);
    }

    #[test]
    fn a_kernel_that_decompresses_gets_the_compressed_file() {
        let dir = tree_with_fixtures("load-kernel-decompress");
        let kernel = Scripted::new(|_| Ok(()));
        assert_eq!(
            load_with(&kernel, dir.path(), "module.ko.xz"),
            Ok(Loaded::Inserted)
        );
        assert_eq!(*kernel.calls.borrow(), ["finit_module flags=4"]);
    }

    #[test]
    fn debian_6_1_answers_send_compressed_files_through_user_space() {
        let dir = tree_with_fixtures("load-user-space");
        let image = include_bytes!("fixtures/module.ko");
        for (file, built_in) in [
            ("module.ko.xz", cfg!(feature = "kmod-xz")),
            ("module.ko.zst", cfg!(feature = "kmod-zstd")),
            ("module.ko.gz", cfg!(feature = "kmod-gzip")),
        ] {
            // EOPNOTSUPP with the flag: FIELD-NOTES §2, Debian 6.1 without MODULE_DECOMPRESS.
            let kernel = Scripted::new(|_| Err(libc::EOPNOTSUPP));
            let result = load_with(&kernel, dir.path(), file);
            if built_in {
                assert_eq!(result, Ok(Loaded::Inserted), "{file}");
                assert_eq!(kernel.image.borrow().as_deref(), Some(&image[..]), "{file}");
            } else {
                assert!(
                    matches!(result, Err(LoadError::CompressionUnsupported { .. })),
                    "{file}"
                );
            }
        }
    }

    #[test]
    fn other_finit_errors_do_not_fall_back() {
        let dir = tree_with_fixtures("load-no-fallback");
        let kernel = Scripted::new(|_| Err(libc::EPERM));
        assert!(matches!(
            load_with(&kernel, dir.path(), "module.ko.xz"),
            Err(LoadError::PermissionDenied { .. })
        ));
        assert_eq!(kernel.calls.borrow().len(), 1);
    }

    #[test]
    fn corrupt_compressed_files_are_reported() {
        let dir = TestDir::new("load-corrupt");
        std::fs::write(dir.path().join("bad.ko.gz"), b"\x1f\x8b\x08\x00garbage").unwrap();
        let kernel = Scripted::new(|_| Err(libc::ENOEXEC));
        let result = load_with(&kernel, dir.path(), "bad.ko.gz");
        if cfg!(feature = "kmod-gzip") {
            assert!(
                matches!(result, Err(LoadError::Decompress { .. })),
                "{result:?}"
            );
        } else {
            assert!(matches!(
                result,
                Err(LoadError::CompressionUnsupported { .. })
            ));
        }
    }

    #[test]
    fn garbage_never_loads() {
        // This machine's kernel has no loadable modules (ENOSYS) and may deny CAP_SYS_MODULE
        // (EPERM); a real one says ENOEXEC. Either way the result is a typed error.
        let dir = TestDir::new("load-garbage");
        std::fs::write(dir.path().join("junk.ko"), "not an ELF module").unwrap();
        assert!(load_file(dir.path(), "junk.ko").is_err());
    }
}
