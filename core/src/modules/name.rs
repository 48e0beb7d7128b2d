//! Kernel module names as the kernel sees them: `-` normalised to `_`, taken from a bare name or
//! from a path in the module index (`kernel/crypto/crc32c-intel.ko.xz` is `crc32c_intel`).
//!
//! A [`ModuleName`] is valid by construction: non-empty, at most [`MAX_LEN`] bytes, and made of
//! ASCII letters, digits and `_` only. That is the set Kbuild produces, and it keeps the name safe
//! to join into a `/sys/module/<name>` path.

use alloc::string::String;
use core::fmt;
use serde::{Deserialize, Serialize};

/// The longest module name the kernel accepts (`MODULE_NAME_LEN - 1` on 64-bit kernels).
pub const MAX_LEN: usize = 55;

/// File name endings a module file may have, longest first so `.ko.xz` is not read as `.ko`.
pub const MODULE_SUFFIXES: [&str; 4] = [".ko.zst", ".ko.xz", ".ko.gz", ".ko"];

/// A normalised kernel module name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModuleName(String);

/// Why text is not a module name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NameError {
    /// Nothing left once the directory and the `.ko*` suffix are removed.
    Empty,
    /// Longer than [`MAX_LEN`] bytes.
    TooLong,
    /// A byte other than an ASCII letter, digit, `_` or `-`.
    BadChar,
    /// A path that does not end in `.ko`, `.ko.xz`, `.ko.zst` or `.ko.gz`.
    NotModuleFile,
}

impl ModuleName {
    /// A module name from a bare name such as `crc32c-intel` (normalised to `crc32c_intel`).
    pub fn new(raw: &str) -> Result<Self, NameError> {
        if raw.is_empty() {
            return Err(NameError::Empty);
        }
        if raw.len() > MAX_LEN {
            return Err(NameError::TooLong);
        }
        let mut out = String::with_capacity(raw.len());
        for c in raw.chars() {
            match c {
                '-' => out.push('_'),
                c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
                _ => return Err(NameError::BadChar),
            }
        }
        Ok(ModuleName(out))
    }

    /// The module name of a module file path as written in `modules.dep` or `modules.builtin`.
    pub fn from_path(path: &str) -> Result<Self, NameError> {
        let file = path.rsplit('/').next().unwrap_or(path);
        let stem = MODULE_SUFFIXES
            .iter()
            .find_map(|suffix| file.strip_suffix(suffix))
            .ok_or(NameError::NotModuleFile)?;
        ModuleName::new(stem)
    }

    /// A name from a literal this crate knows to be valid; used only for constants like `ip_vs`
    /// (a unit test checks each of them with [`ModuleName::new`]).
    pub(crate) fn from_known(literal: &'static str) -> Self {
        ModuleName(String::from(literal))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ModuleName {
    type Error = NameError;
    fn try_from(raw: String) -> Result<Self, NameError> {
        ModuleName::new(&raw)
    }
}

impl From<ModuleName> for String {
    fn from(name: ModuleName) -> String {
        name.0
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Empty => "empty module name",
            NameError::TooLong => "module name longer than 55 bytes",
            NameError::BadChar => "module name has a character other than A-Z a-z 0-9 _ -",
            NameError::NotModuleFile => "not a module file (.ko, .ko.xz, .ko.zst or .ko.gz)",
        })
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ModuleName {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{=str}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_become_underscores() {
        assert_eq!(
            ModuleName::new("crc32c-intel").unwrap().as_str(),
            "crc32c_intel"
        );
        assert_eq!(ModuleName::new("ip_vs").unwrap().as_str(), "ip_vs");
    }

    #[test]
    fn names_come_from_paths_of_every_compression() {
        for (path, name) in [
            ("kernel/net/netfilter/ipvs/ip_vs.ko", "ip_vs"),
            ("kernel/arch/x86/crypto/crc32c-intel.ko.xz", "crc32c_intel"),
            ("kernel/crypto/crc32c_generic.ko.zst", "crc32c_generic"),
            (
                "/lib/modules/6.1.0-28-amd64/kernel/lib/libcrc32c.ko.gz",
                "libcrc32c",
            ),
            ("nf_conntrack.ko", "nf_conntrack"),
        ] {
            assert_eq!(
                ModuleName::from_path(path).unwrap().as_str(),
                name,
                "{path}"
            );
        }
    }

    #[test]
    fn bad_names_are_typed_errors() {
        assert_eq!(ModuleName::new(""), Err(NameError::Empty));
        assert_eq!(ModuleName::new("../etc"), Err(NameError::BadChar));
        assert_eq!(ModuleName::new("ip vs"), Err(NameError::BadChar));
        assert_eq!(ModuleName::new(&"x".repeat(56)), Err(NameError::TooLong));
        assert!(ModuleName::new(&"x".repeat(55)).is_ok());
        assert_eq!(
            ModuleName::from_path("kernel/ip_vs.o"),
            Err(NameError::NotModuleFile)
        );
        assert_eq!(ModuleName::from_path("kernel/.ko"), Err(NameError::Empty));
        assert_eq!(
            ModuleName::from_path("kernel/ü.ko"),
            Err(NameError::BadChar)
        );
    }

    #[test]
    fn deserialising_normalises_and_validates() {
        let bytes = postcard::to_allocvec("crc32c-intel").unwrap();
        let name: ModuleName = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(name.as_str(), "crc32c_intel");
        let bytes = postcard::to_allocvec("a/b").unwrap();
        assert!(postcard::from_bytes::<ModuleName>(&bytes).is_err());
    }
}
