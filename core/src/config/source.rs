//! How the reader reaches files without doing I/O itself.
//!
//! The [`reader`](super::reader) asks a [`SourceLoader`] for the files a glob pattern names and
//! for a file's text; the platform implements it over the real file system, and
//! [`MemoryLoader`] implements it over a map of paths for tests and fuzzing. Brace alternatives
//! (`{a,b}`, keepalived passes `GLOB_BRACE`) are expanded by the reader before it calls
//! [`SourceLoader::glob`], so a loader only handles `*`, `?` and `[...]`.

mod glob;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use glob::glob_match;

/// Why a loader could not list or read a file, in the operator's words
/// (`"No such file or directory"`, `"Permission denied"`, `"Is a directory"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
}

impl LoadError {
    pub fn new(message: impl Into<String>) -> Self {
        LoadError {
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The reader's only way to reach files.
pub trait SourceLoader {
    /// The paths matching `pattern`, sorted bytewise, as glob(3) with `GLOB_MARK` would list
    /// them minus directories. The pattern is already absolute when the including file's path
    /// was (relative patterns are joined to the including file's directory). A pattern without
    /// wildcards lists the path itself when it exists. No match is `Ok(vec![])`; `Err` is for a
    /// failure to look (permissions, I/O), which keepalived reports and skips.
    fn glob(&mut self, pattern: &str) -> Result<Vec<String>, LoadError>;

    /// The text of the file at `path`. keepalived reads only regular, non-executable files;
    /// a loader refuses anything else with an error saying why.
    fn read(&mut self, path: &str) -> Result<String, LoadError>;
}

/// Files held in memory: a map from path to text (or to the error reading it gives).
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    files: BTreeMap<String, Result<String, LoadError>>,
}

impl MemoryLoader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), Ok(text.into()));
    }

    /// Adds a file that globbing lists but reading refuses with `message`, as an unreadable
    /// or executable file on disk would.
    pub fn insert_unreadable(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.files
            .insert(path.into(), Err(LoadError::new(message.into())));
    }

    /// Builder form of [`MemoryLoader::insert`].
    pub fn with_file(mut self, path: impl Into<String>, text: impl Into<String>) -> Self {
        self.insert(path, text);
        self
    }
}

impl SourceLoader for MemoryLoader {
    fn glob(&mut self, pattern: &str) -> Result<Vec<String>, LoadError> {
        // BTreeMap iterates in byte order, which is glob(3)'s order in the C locale.
        Ok(self
            .files
            .keys()
            .filter(|path| glob_match(pattern, path))
            .cloned()
            .collect())
    }

    fn read(&mut self, path: &str) -> Result<String, LoadError> {
        match self.files.get(path) {
            Some(Ok(text)) => Ok(text.clone()),
            Some(Err(e)) => Err(e.clone()),
            None => Err(LoadError::new("No such file or directory")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn loader() -> MemoryLoader {
        MemoryLoader::new()
            .with_file("/etc/keepalived/keepalived.conf", "a")
            .with_file("/etc/keepalived/conf.d/b.conf", "b")
            .with_file("/etc/keepalived/conf.d/a.conf", "a")
            .with_file("/etc/keepalived/conf.d/.hidden.conf", "h")
            .with_file("/etc/keepalived/conf.d/sub/c.conf", "c")
    }

    #[test]
    fn glob_lists_sorted_matches_in_one_directory() {
        let mut l = loader();
        assert_eq!(
            l.glob("/etc/keepalived/conf.d/*.conf").unwrap(),
            vec![
                "/etc/keepalived/conf.d/a.conf",
                "/etc/keepalived/conf.d/b.conf"
            ]
        );
        assert_eq!(
            l.glob("/etc/keepalived/conf.d/*/*").unwrap(),
            vec!["/etc/keepalived/conf.d/sub/c.conf"]
        );
        assert_eq!(
            l.glob("/etc/keepalived/conf.d/.*").unwrap(),
            vec!["/etc/keepalived/conf.d/.hidden.conf"]
        );
    }

    #[test]
    fn literal_pattern_lists_existing_file_only() {
        let mut l = loader();
        assert_eq!(
            l.glob("/etc/keepalived/keepalived.conf").unwrap(),
            vec!["/etc/keepalived/keepalived.conf"]
        );
        assert!(l.glob("/etc/keepalived/missing.conf").unwrap().is_empty());
    }

    #[test]
    fn read_reports_missing_and_unreadable_files() {
        let mut l = loader();
        l.insert_unreadable("/etc/keepalived/x.conf", "Permission denied");
        assert_eq!(l.read("/etc/keepalived/conf.d/a.conf").unwrap(), "a");
        assert_eq!(
            l.read("/nope").unwrap_err().message,
            "No such file or directory"
        );
        assert_eq!(
            l.read("/etc/keepalived/x.conf").unwrap_err().to_string(),
            "Permission denied"
        );
        assert_eq!(
            l.glob("/etc/keepalived/x.*").unwrap(),
            vec!["/etc/keepalived/x.conf"]
        );
    }
}
