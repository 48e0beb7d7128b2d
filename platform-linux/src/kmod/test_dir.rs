//! A scratch directory for the `kmod` tests, removed when dropped.

use std::path::{Path, PathBuf};

pub struct TestDir(PathBuf);

impl TestDir {
    /// A fresh empty directory named after the test and the process.
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("holdfast-kmod-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create test directory");
        TestDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
