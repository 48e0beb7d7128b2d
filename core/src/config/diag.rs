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

/// How bad a problem is, in `keepalived -t`'s terms (measured against keepalived 2.2.7; see
/// `tests/configs/compare/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    /// Worth knowing; does not change the verdict (keepalived prints it and exits 0, as for an
    /// `include` that matches nothing).
    Warning,
    /// keepalived reports it and still runs (unknown keyword, value out of range, missing
    /// interface, duplicate VRID, ...). Every such problem makes `-t` exit 5.
    Error,
    /// keepalived cannot run the configuration. keepalived's `-t` exits 4 only when *every*
    /// problem is of this class; one ordinary error more makes it 5.
    CannotRun,
    /// A keepalived keyword holdfast does not implement. Ignoring it would fail over wrongly, so
    /// the daemon refuses to start and `-t` exits 4 whatever else is wrong (holdfast's rule).
    Unsupported,
    /// A missing file under `-e`: keepalived exits 6 before testing anything else.
    MissingFileStrict,
    /// A script fails the script-security rules: `-t` exits 6 whatever else is wrong.
    ScriptSecurity,
    /// keepalived stops reading at once (a keyword without its value, an unterminated quote):
    /// exit 2.
    Abort,
}

impl Class {
    /// Whether a configuration with this problem can still run (keepalived's view; holdfast
    /// refuses [`Class::Unsupported`] too).
    pub const fn daemon_can_run(self) -> bool {
        matches!(self, Class::Warning | Class::Error | Class::ScriptSecurity)
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

/// The `holdfast -t` exit code for a set of problems, following keepalived 2.2.7: an abort wins
/// (2), then script security or a missing file under `-e` (6), then holdfast's unsupported
/// keywords (4), then any ordinary error (5); only problems that all say "cannot run" give 4.
pub fn test_exit_code(diags: &[Diagnostic]) -> i32 {
    let has = |class: Class| diags.iter().any(|d| d.class == class);
    if has(Class::Abort) {
        2
    } else if has(Class::ScriptSecurity) || has(Class::MissingFileStrict) {
        6
    } else if has(Class::Unsupported) {
        4
    } else if has(Class::Error) {
        5
    } else if has(Class::CannotRun) {
        4
    } else {
        0
    }
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
    fn exit_code_follows_keepalived_precedence() {
        let d = |class| Diagnostic::global(class, "x");
        let code =
            |classes: &[Class]| test_exit_code(&classes.iter().map(|&c| d(c)).collect::<Vec<_>>());
        assert_eq!(code(&[]), 0);
        assert_eq!(code(&[Class::Warning]), 0);
        assert_eq!(code(&[Class::Warning, Class::Error]), 5);
        // keepalived: exit 4 only when every problem is a cannot-run one.
        assert_eq!(code(&[Class::CannotRun]), 4);
        assert_eq!(code(&[Class::CannotRun, Class::Error]), 5);
        // holdfast refuses unsupported keywords whatever else is wrong.
        assert_eq!(code(&[Class::Unsupported, Class::Error]), 4);
        assert_eq!(
            code(&[Class::Error, Class::ScriptSecurity, Class::Unsupported]),
            6
        );
        assert_eq!(code(&[Class::MissingFileStrict, Class::Error]), 6);
        assert_eq!(code(&[Class::Abort, Class::ScriptSecurity]), 2);
    }
}
