//! Compressed module files (`.ko.xz`, `.ko.zst`, `.ko.gz`): recognising them, and what to do when
//! the kernel cannot decompress them itself.
//!
//! Kernels with `CONFIG_MODULE_DECOMPRESS` (5.17+) take the compressed file through
//! `finit_module(MODULE_INIT_COMPRESSED_FILE)`; others fail with `EOPNOTSUPP`, `EINVAL` or
//! `ENOEXEC` (FIELD-NOTES §2: Debian's 6.1 has no `CONFIG_MODULE_DECOMPRESS`). Then the file must
//! be decompressed in user space and given to `init_module`. holdfast has no decompressor built
//! in yet, so [`decompress`] says so with a typed error rather than pretending.

use std::fmt;
use std::path::Path;

/// A compression format of module files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Xz,
    Zstd,
    Gzip,
}

impl Compression {
    /// The format a module file's name says it has, `None` for a plain `.ko`.
    pub fn of_path(path: &Path) -> Option<Compression> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("xz") => Some(Compression::Xz),
            Some("zst") => Some(Compression::Zstd),
            Some("gz") => Some(Compression::Gzip),
            _ => None,
        }
    }

    /// The format the first bytes of a file say it has (magic numbers), `None` for anything
    /// else (an ELF module starts with `\x7fELF`).
    pub fn of_bytes(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Compression::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else {
            None
        }
    }

    /// The format's usual name.
    pub const fn name(self) -> &'static str {
        match self {
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
            Compression::Gzip => "gzip",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why user-space decompression did not give a module image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecompressError {
    /// This build of holdfast has no decompressor for the format.
    Unsupported(Compression),
}

/// Decompresses a module image in user space.
pub fn decompress(format: Compression, _compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    Err(DecompressError::Unsupported(format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name_and_by_magic() {
        assert_eq!(
            Compression::of_path(Path::new("kernel/ip_vs.ko.xz")),
            Some(Compression::Xz)
        );
        assert_eq!(
            Compression::of_path(Path::new("kernel/ip_vs.ko.zst")),
            Some(Compression::Zstd)
        );
        assert_eq!(
            Compression::of_path(Path::new("kernel/ip_vs.ko.gz")),
            Some(Compression::Gzip)
        );
        assert_eq!(Compression::of_path(Path::new("kernel/ip_vs.ko")), None);
        assert_eq!(
            Compression::of_bytes(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0, 4]),
            Some(Compression::Xz)
        );
        assert_eq!(
            Compression::of_bytes(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Some(Compression::Zstd)
        );
        assert_eq!(
            Compression::of_bytes(&[0x1f, 0x8b, 8]),
            Some(Compression::Gzip)
        );
        assert_eq!(Compression::of_bytes(b"\x7fELF\x02\x01"), None);
        assert_eq!(Compression::of_bytes(&[]), None);
    }

    #[test]
    fn no_decompressor_is_a_typed_error() {
        assert_eq!(
            decompress(Compression::Xz, b"\xfd7zXZ\0"),
            Err(DecompressError::Unsupported(Compression::Xz))
        );
    }
}
