//! Configuration problems: where they are, how bad they are, and what they say.
//!
//! A [`Diagnostic`] renders as keepalived-style `file:line: message` through a [`SourceMap`]
//! (see [`Diagnostic::display`]). Its [`Class`] maps onto `keepalived -t`'s exit codes.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FileId(pub u16);

/// A line in a configuration file (lines count from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: FileId,
    pub line: u32,
}

/// The names of the files read, indexed by [`FileId`], in the order they were first opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMap {
    files: Vec<String>,
}

impl SourceMap {
    /// Registers a file name and returns its id; `None` once `u16::MAX` files are registered.
    pub fn add(&mut self, name: &str) -> Option<FileId> {
        let id = u16::try_from(self.files.len()).ok()?;
        self.files.push(String::from(name));
        Some(FileId(id))
    }

    /// The name a file was registered with, or `"?"` for an id from another map.
    pub fn name(&self, id: FileId) -> &str {
        self.files
            .get(usize::from(id.0))
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// Every registered file name, in id order.
    pub fn files(&self) -> &[String] {
        &self.files
    }
}

/// How bad a problem is, in `keepalived -t`'s terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    /// Worth knowing; does not change the verdict.
    Warning,
    /// keepalived would report it and still run (unknown keyword, brace or quote errors, a value
    /// out of range that gets dropped): `-t` exits 5.
    Error,
    /// A script fails the script-security rules: `-t` exits 6.
    ScriptSecurity,
    /// holdfast cannot run this configuration (including keepalived keywords holdfast does not
    /// support, because ignoring them would fail over wrongly): `-t` exits 4 and the daemon
    /// refuses to start.
    CannotRun,
}

impl Class {
    /// `holdfast -t`'s exit code for a configuration whose worst problem is of this class.
    pub const fn test_exit_code(self) -> i32 {
        match self {
            Class::Warning => 0,
            Class::Error => 5,
            Class::ScriptSecurity => 6,
            Class::CannotRun => 4,
        }
    }
}

/// One problem, at a place when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub class: Class,
    pub location: Option<Location>,
    pub message: String,
}

impl Diagnostic {
    /// A problem at `location`.
    pub fn at(class: Class, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            class,
            location: Some(location),
            message: message.into(),
        }
    }

    /// A problem with the configuration as a whole.
    pub fn global(class: Class, message: impl Into<String>) -> Self {
        Diagnostic {
            class,
            location: None,
            message: message.into(),
        }
    }

    /// Renders as `file:line: message` (or just `message` without a location).
    pub fn display<'a>(&'a self, map: &'a SourceMap) -> impl fmt::Display + 'a {
        DiagnosticDisplay { diag: self, map }
    }
}

struct DiagnosticDisplay<'a> {
    diag: &'a Diagnostic,
    map: &'a SourceMap,
}

impl fmt::Display for DiagnosticDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diag.location {
            Some(loc) => write!(
                f,
                "{}:{}: {}",
                self.map.name(loc.file),
                loc.line,
                self.diag.message
            ),
            None => write!(f, "{}", self.diag.message),
        }
    }
}

/// The `holdfast -t` exit code for a set of problems: the worst class decides.
pub fn test_exit_code(diags: &[Diagnostic]) -> i32 {
    diags
        .iter()
        .map(|d| d.class)
        .max()
        .map_or(0, Class::test_exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn renders_file_and_line() {
        let mut map = SourceMap::default();
        let f = map.add("/etc/keepalived/keepalived.conf").unwrap();
        let d = Diagnostic::at(
            Class::Error,
            Location { file: f, line: 12 },
            "unknown keyword 'foo'",
        );
        assert_eq!(
            d.display(&map).to_string(),
            "/etc/keepalived/keepalived.conf:12: unknown keyword 'foo'"
        );
    }

    #[test]
    fn worst_class_decides_exit_code() {
        let w = Diagnostic::global(Class::Warning, "w");
        let e = Diagnostic::global(Class::Error, "e");
        let s = Diagnostic::global(Class::ScriptSecurity, "s");
        let c = Diagnostic::global(Class::CannotRun, "c");
        assert_eq!(test_exit_code(&[]), 0);
        assert_eq!(test_exit_code(&[w.clone()]), 0);
        assert_eq!(test_exit_code(&[w.clone(), e.clone()]), 5);
        assert_eq!(test_exit_code(&[e.clone(), s.clone()]), 6);
        assert_eq!(test_exit_code(&[s, c, e, w]), 4);
    }
}
