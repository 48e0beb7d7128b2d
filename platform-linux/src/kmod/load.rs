//! Loading one module file: open it, hand it to `finit_module` (with the compressed-file flag for
//! `.ko.xz`/`.ko.zst`/`.ko.gz`), and fall back to user-space decompression plus `init_module`
//! when the kernel cannot decompress it.

use super::compress::{self, Compression, DecompressError};
use super::errno::{load_error, open_error};
use super::paths;
use super::sys;
use holdfast_actors::ports::kernel_modules::Loaded;
use holdfast_core::modules::LoadError;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;

/// Largest compressed module read into memory (the biggest Debian 6.1 module is ~14 MB).
pub const MAX_MODULE_BYTES: u64 = 64 * 1024 * 1024;

/// Loads the module at `dep_path` (as written in `modules.dep`) of the tree `tree`.
pub fn load_file(tree: &Path, dep_path: &str) -> Result<Loaded, LoadError> {
    let path = paths::module_file(tree, dep_path);
    let shown = path.display().to_string();
    let mut file = std::fs::File::open(&path).map_err(|e| open_error(errno_of(&e), &shown))?;
    let Some(format) = Compression::of_path(&path) else {
        return finished(sys::finit_module(file.as_fd(), 0), "finit_module");
    };
    match sys::finit_module(file.as_fd(), sys::MODULE_INIT_COMPRESSED_FILE) {
        Err(errno) if kernel_cannot_decompress(errno) => {}
        result => return finished(result, "finit_module"),
    }
    let mut compressed = Vec::new();
    (&mut file)
        .take(MAX_MODULE_BYTES)
        .read_to_end(&mut compressed)
        .map_err(|e| open_error(errno_of(&e), &shown))?;
    match compress::decompress(format, &compressed) {
        Ok(image) => finished(sys::init_module(&image), "init_module"),
        Err(DecompressError::Unsupported(format)) => Err(LoadError::CompressionUnsupported {
            path: shown,
            format: String::from(format.name()),
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

    #[test]
    fn garbage_never_loads() {
        // This machine's kernel has no loadable modules (ENOSYS) and may deny CAP_SYS_MODULE
        // (EPERM); a real one says ENOEXEC. Either way the result is a typed error.
        let dir = TestDir::new("load-garbage");
        std::fs::write(dir.path().join("junk.ko"), "not an ELF module").unwrap();
        assert!(load_file(dir.path(), "junk.ko").is_err());
    }
}
