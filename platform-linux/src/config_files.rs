//! Configuration files on disk: the [`SourceLoader`] the core's reader uses, and the default
//! `@ID` (hostname up to the first dot, as keepalived).

use holdfast_core::config::source::{LoadError, SourceLoader};
use std::io;

/// Reads configuration files and expands `include` globs from the real file system.
#[derive(Debug, Default)]
pub struct FsLoader;

impl SourceLoader for FsLoader {
    fn glob(&mut self, pattern: &str) -> Result<Vec<String>, LoadError> {
        let paths = glob::glob(pattern).map_err(|e| LoadError {
            message: format!("bad pattern: {e}"),
        })?;
        let mut matches = Vec::new();
        // An unreadable directory entry is skipped, as glob(3) without GLOB_ERR does.
        for path in paths.flatten() {
            if path.is_file() {
                matches.push(path.to_string_lossy().into_owned());
            }
        }
        matches.sort();
        Ok(matches)
    }

    fn read(&mut self, path: &str) -> Result<String, LoadError> {
        let bytes = std::fs::read(path).map_err(|e| LoadError {
            message: io_message(&e),
        })?;
        // keepalived reads bytes; a stray non-UTF-8 byte in a comment must not reject the file.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "No such file or directory".into(),
        io::ErrorKind::PermissionDenied => "Permission denied".into(),
        _ => e.to_string(),
    }
}

/// keepalived's default config id: the node name up to the first dot.
pub fn default_config_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    config_id_from_hostname(host.trim())
}

fn config_id_from_hostname(host: &str) -> String {
    host.split('.').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn config_id_is_hostname_up_to_first_dot() {
        assert_eq!(config_id_from_hostname("lb1.example.net"), "lb1");
        assert_eq!(config_id_from_hostname("router"), "router");
    }

    #[test]
    fn glob_matches_sorted_files_only() {
        let dir = std::env::temp_dir().join(format!("holdfast-glob-{}", std::process::id()));
        fs::create_dir_all(dir.join("sub.conf")).unwrap();
        for name in ["b.conf", "a.conf", "c.txt"] {
            fs::write(dir.join(name), "x").unwrap();
        }
        let pattern = format!("{}/*.conf", dir.display());
        let found = FsLoader.glob(&pattern).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|p| p.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["a.conf", "b.conf"]);
        assert_eq!(FsLoader.read(&found[0]).unwrap(), "x");
        assert_eq!(
            FsLoader
                .read(&format!("{}/missing", dir.display()))
                .unwrap_err()
                .message,
            "No such file or directory"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
