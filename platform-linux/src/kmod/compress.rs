//! Compressed module files (`.ko.xz`, `.ko.zst`, `.ko.gz`): recognising them, and what to do when
//! the kernel cannot decompress them itself.
//!
//! Kernels with `CONFIG_MODULE_DECOMPRESS` (5.17+) take the compressed file through
//! `finit_module(MODULE_INIT_COMPRESSED_FILE)`; others fail with `EOPNOTSUPP`, `EINVAL` or
//! `ENOEXEC` (FIELD-NOTES §2: Debian's 6.1 has no `CONFIG_MODULE_DECOMPRESS`). Then the file must
//! be decompressed in user space and given to `init_module`. [`decompress`] does that with
//! pure-Rust decoders, each behind a cargo feature (`kmod-xz`: lzma-rs, `kmod-zstd`: ruzstd,
//! `kmod-gzip`: miniz_oxide); a build without one says so with a typed error.
//!
//! Output is capped at [`MAX_IMAGE_BYTES`] so a hostile or corrupt file cannot exhaust memory.

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

/// Largest decompressed module image (the biggest Debian 6.1 module is ~14 MB).
pub const MAX_IMAGE_BYTES: usize = 128 * 1024 * 1024;

/// Why user-space decompression did not give a module image.
// Which variants a build constructs depends on its decoder features.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecompressError {
    /// This build of holdfast has no decompressor for the format.
    Unsupported(Compression),
    /// The data is not a valid stream of the format (or its check failed).
    Corrupt(Compression),
    /// The image would be larger than [`MAX_IMAGE_BYTES`].
    TooLarge(Compression),
}

/// Decompresses a module image in user space.
pub fn decompress(format: Compression, compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    match format {
        Compression::Xz => xz(compressed),
        Compression::Zstd => zstd(compressed),
        Compression::Gzip => gzip(compressed),
    }
}

#[cfg(feature = "kmod-xz")]
fn xz(compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    let mut out = Capped::default();
    let mut input = compressed;
    match lzma_rs::xz_decompress(&mut input, &mut out) {
        Ok(()) => Ok(out.buf),
        Err(_) if out.over => Err(DecompressError::TooLarge(Compression::Xz)),
        Err(_) => Err(DecompressError::Corrupt(Compression::Xz)),
    }
}

#[cfg(not(feature = "kmod-xz"))]
fn xz(_compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    Err(DecompressError::Unsupported(Compression::Xz))
}

/// Decodes the first zstd frame (kbuild writes one).
#[cfg(feature = "kmod-zstd")]
fn zstd(compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    use std::io::Read;
    let corrupt = DecompressError::Corrupt(Compression::Zstd);
    let decoder = ruzstd::decoding::StreamingDecoder::new(compressed).map_err(|_| corrupt)?;
    let mut out = Vec::new();
    decoder
        .take(MAX_IMAGE_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| corrupt)?;
    if out.len() > MAX_IMAGE_BYTES {
        return Err(DecompressError::TooLarge(Compression::Zstd));
    }
    Ok(out)
}

#[cfg(not(feature = "kmod-zstd"))]
fn zstd(_compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    Err(DecompressError::Unsupported(Compression::Zstd))
}

/// RFC 1952: a header (with optional extra field, name, comment and header CRC), a deflate
/// stream, then CRC-32 and the length mod 2^32. The length is checked; the CRC is left to the
/// kernel's own checks of the ELF image.
#[cfg(feature = "kmod-gzip")]
fn gzip(compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    const FHCRC: u8 = 0x02;
    const FEXTRA: u8 = 0x04;
    const FNAME: u8 = 0x08;
    const FCOMMENT: u8 = 0x10;
    const RESERVED: u8 = 0xe0;
    let corrupt = DecompressError::Corrupt(Compression::Gzip);
    let header = compressed.get(..10).ok_or(corrupt)?;
    let flags = header.get(3).copied().unwrap_or(RESERVED);
    if header.get(..3) != Some(&[0x1f, 0x8b, 8][..]) || flags & RESERVED != 0 {
        return Err(corrupt);
    }
    let mut at = 10usize;
    if flags & FEXTRA != 0 {
        let len: [u8; 2] = compressed
            .get(at..at.saturating_add(2))
            .and_then(|b| b.try_into().ok())
            .ok_or(corrupt)?;
        let xlen = usize::from(u16::from_le_bytes(len));
        at = at.saturating_add(2).saturating_add(xlen);
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let rest = compressed.get(at..).ok_or(corrupt)?;
            let nul = rest.iter().position(|&b| b == 0).ok_or(corrupt)?;
            at = at.saturating_add(nul).saturating_add(1);
        }
    }
    if flags & FHCRC != 0 {
        at = at.saturating_add(2);
    }
    let body_end = compressed.len().checked_sub(8).ok_or(corrupt)?;
    let body = compressed.get(at..body_end).ok_or(corrupt)?;
    let isize: [u8; 4] = compressed
        .get(body_end.saturating_add(4)..)
        .and_then(|b| b.try_into().ok())
        .ok_or(corrupt)?;
    let isize = u32::from_le_bytes(isize);
    let image =
        miniz_oxide::inflate::decompress_to_vec_with_limit(body, MAX_IMAGE_BYTES).map_err(|e| {
            match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    DecompressError::TooLarge(Compression::Gzip)
                }
                _ => corrupt,
            }
        })?;
    // ISIZE is the length modulo 2^32 (RFC 1952), hence the truncating cast.
    if image.len() as u32 != isize {
        return Err(corrupt);
    }
    Ok(image)
}

#[cfg(not(feature = "kmod-gzip"))]
fn gzip(_compressed: &[u8]) -> Result<Vec<u8>, DecompressError> {
    Err(DecompressError::Unsupported(Compression::Gzip))
}

/// A `Write` that refuses to grow past [`MAX_IMAGE_BYTES`].
#[cfg(feature = "kmod-xz")]
#[derive(Default)]
struct Capped {
    buf: Vec<u8>,
    over: bool,
}

#[cfg(feature = "kmod-xz")]
impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len().saturating_add(data.len()) > MAX_IMAGE_BYTES {
            self.over = true;
            return Err(std::io::Error::other("module image too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl fmt::Display for DecompressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecompressError::Unsupported(c) => write!(f, "built without {c} support"),
            DecompressError::Corrupt(c) => write!(f, "not a valid {c} stream"),
            DecompressError::TooLarge(c) => {
                write!(f, "{c} image larger than {MAX_IMAGE_BYTES} bytes")
            }
        }
    }
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

    const IMAGE: &[u8] = include_bytes!("fixtures/module.ko");

    #[test]
    fn kernel_style_compressed_modules_decompress() {
        // Made with: xz --check=crc32 --lzma2=dict=1MiB, zstd -19, gzip -n -9 (kbuild's way).
        for (format, built_in, data) in [
            (
                Compression::Xz,
                cfg!(feature = "kmod-xz"),
                &include_bytes!("fixtures/module.ko.xz")[..],
            ),
            (
                Compression::Zstd,
                cfg!(feature = "kmod-zstd"),
                &include_bytes!("fixtures/module.ko.zst")[..],
            ),
            (
                Compression::Gzip,
                cfg!(feature = "kmod-gzip"),
                &include_bytes!("fixtures/module.ko.gz")[..],
            ),
        ] {
            assert_eq!(Compression::of_bytes(data), Some(format));
            let expected = if built_in {
                Ok(IMAGE.to_vec())
            } else {
                Err(DecompressError::Unsupported(format))
            };
            assert_eq!(decompress(format, data), expected, "{format}");
        }
    }

    #[test]
    fn corrupt_and_truncated_streams_are_typed_errors() {
        for (format, data) in [
            (
                Compression::Xz,
                &include_bytes!("fixtures/module.ko.xz")[..],
            ),
            (
                Compression::Zstd,
                &include_bytes!("fixtures/module.ko.zst")[..],
            ),
            (
                Compression::Gzip,
                &include_bytes!("fixtures/module.ko.gz")[..],
            ),
        ] {
            for cut in [0, 1, 9, data.len() / 2, data.len() - 1] {
                let result = decompress(format, &data[..cut]);
                assert!(
                    !matches!(result.as_deref(), Ok(image) if image == IMAGE),
                    "{format} cut at {cut}"
                );
            }
            let mut flipped = data.to_vec();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 0x55;
            assert!(
                !matches!(decompress(format, &flipped).as_deref(), Ok(image) if image == IMAGE),
                "{format} with a flipped byte"
            );
        }
        if cfg!(feature = "kmod-gzip") {
            assert_eq!(
                decompress(Compression::Gzip, b"\x1f\x8b\x08\xe0rest-of-header"),
                Err(DecompressError::Corrupt(Compression::Gzip))
            );
        }
    }
}
