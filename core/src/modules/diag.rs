//! Problems found in the module index files, each with the file and the 1-based line number.
//!
//! A bad line is skipped and reported; the rest of the file still counts, as `modprobe` does.

use super::name::NameError;
use alloc::string::String;
use core::fmt;
use serde::{Deserialize, Serialize};

/// Which index file a line came from; [`IndexFile::file_name`] is its name under
/// `/lib/modules/<release>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum IndexFile {
    Dep,
    Softdep,
    Alias,
    Builtin,
}

impl IndexFile {
    /// Every index file, in the order they are read.
    pub const ALL: [IndexFile; 4] = [
        IndexFile::Dep,
        IndexFile::Softdep,
        IndexFile::Alias,
        IndexFile::Builtin,
    ];

    /// The file's name in the module tree.
    pub const fn file_name(self) -> &'static str {
        match self {
            IndexFile::Dep => "modules.dep",
            IndexFile::Softdep => "modules.softdep",
            IndexFile::Alias => "modules.alias",
            IndexFile::Builtin => "modules.builtin",
        }
    }
}

/// What is wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexDiagKind {
    /// A `modules.dep` line without the `:` after the module path.
    MissingColon,
    /// A module path (or bare name) that does not give a module name.
    BadName { text: String, error: NameError },
    /// A module listed twice in `modules.dep`; the first line wins.
    DuplicateModule { name: String },
    /// A `modules.softdep` or `modules.alias` line that starts with an unknown word.
    UnknownDirective { word: String },
    /// A `softdep` line with no module name.
    MissingModuleName,
    /// An `alias` line without exactly a pattern and a module name.
    BadAlias,
    /// A line with a NUL byte or other control character.
    ControlCharacter,
}

/// One problem in one index file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDiag {
    pub file: IndexFile,
    /// Line number, counting from 1.
    pub line: u32,
    pub kind: IndexDiagKind,
}

impl IndexDiag {
    pub(crate) fn new(file: IndexFile, line_index: usize, kind: IndexDiagKind) -> Self {
        IndexDiag {
            file,
            line: u32::try_from(line_index.saturating_add(1)).unwrap_or(u32::MAX),
            kind,
        }
    }
}

impl fmt::Display for IndexDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.file_name(), self.line, self.kind)
    }
}

impl fmt::Display for IndexDiagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexDiagKind::MissingColon => f.write_str("missing ':' after the module path"),
            IndexDiagKind::BadName { text, error } => write!(f, "'{text}': {error}"),
            IndexDiagKind::DuplicateModule { name } => {
                write!(f, "module {name} listed again; the first entry is used")
            }
            IndexDiagKind::UnknownDirective { word } => write!(f, "unknown directive '{word}'"),
            IndexDiagKind::MissingModuleName => f.write_str("softdep without a module name"),
            IndexDiagKind::BadAlias => f.write_str("alias needs a pattern and a module name"),
            IndexDiagKind::ControlCharacter => f.write_str("control character in line"),
        }
    }
}

/// One line of an index file without its comment and surrounding blanks: `Ok(None)` for a line
/// with nothing left, an error for a line holding control characters.
pub(crate) fn clean_line(raw: &str) -> Result<Option<&str>, IndexDiagKind> {
    let line = raw.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return Ok(None);
    }
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err(IndexDiagKind::ControlCharacter);
    }
    Ok(Some(line))
}

/// The words after `keyword` on a cleaned directive line (`alias …`, `softdep …`): `Ok(None)`
/// for a line with nothing on it, an error for a control character or another directive.
pub(crate) fn directive<'a>(
    raw: &'a str,
    keyword: &str,
) -> Result<Option<core::str::SplitWhitespace<'a>>, IndexDiagKind> {
    let Some(line) = clean_line(raw)? else {
        return Ok(None);
    };
    let mut words = line.split_whitespace();
    match words.next() {
        Some(word) if word == keyword => Ok(Some(words)),
        Some(word) => Err(IndexDiagKind::UnknownDirective {
            word: alloc::string::String::from(word),
        }),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn renders_file_and_line() {
        let d = IndexDiag::new(IndexFile::Dep, 11, IndexDiagKind::MissingColon);
        assert_eq!(
            d.to_string(),
            "modules.dep:12: missing ':' after the module path"
        );
    }

    #[test]
    fn comments_blanks_and_control_characters() {
        assert_eq!(clean_line("# header"), Ok(None));
        assert_eq!(clean_line("   "), Ok(None));
        assert_eq!(clean_line("  a: b  # trailing"), Ok(Some("a: b")));
        assert_eq!(clean_line("a:\tb"), Ok(Some("a:\tb")));
        assert_eq!(
            clean_line("bad\0line"),
            Err(IndexDiagKind::ControlCharacter)
        );
    }
}
