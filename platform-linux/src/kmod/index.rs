//! Reading the index files of one release's module tree.

use super::errno::os_errno;
use super::paths;
use holdfast_actors::ports::kernel_modules::IndexFiles;
use holdfast_core::modules::{IndexError, IndexFile};
use std::io::{ErrorKind, Read};
use std::path::Path;

/// Largest index file read; a distribution `modules.alias` is about 1.5 MB, so anything near
/// this is not an index.
pub const MAX_INDEX_BYTES: u64 = 32 * 1024 * 1024;

/// Reads the four index files of `release` under `modules_root`.
pub fn read(modules_root: &Path, release: &str) -> Result<IndexFiles, IndexError> {
    let missing = || IndexError::TreeMissing {
        path: modules_root.join(release).display().to_string(),
    };
    let tree = paths::tree(modules_root, release).ok_or_else(missing)?;
    match std::fs::metadata(&tree) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(missing()),
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(missing()),
        Err(e) => {
            return Err(IndexError::Unreadable {
                path: tree.display().to_string(),
                errno: os_errno(e.raw_os_error().unwrap_or(libc::EIO)),
            })
        }
    }
    let mut files = IndexFiles::default();
    for which in IndexFile::ALL {
        let text = read_one(&tree.join(which.file_name()))?;
        match which {
            IndexFile::Dep => files.dep = text,
            IndexFile::Softdep => files.softdep = text,
            IndexFile::Alias => files.alias = text,
            IndexFile::Builtin => files.builtin = text,
        }
    }
    Ok(files)
}

fn read_one(path: &Path) -> Result<Option<String>, IndexError> {
    let unreadable = |errno: i32| IndexError::Unreadable {
        path: path.display().to_string(),
        errno: os_errno(errno),
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e.raw_os_error().unwrap_or(libc::EIO))),
    };
    let mut bytes = Vec::new();
    file.take(MAX_INDEX_BYTES.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.raw_os_error().unwrap_or(libc::EIO)))?;
    if bytes.len() as u64 > MAX_INDEX_BYTES {
        return Err(unreadable(libc::EFBIG));
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::super::test_dir::TestDir;
    use super::*;

    #[test]
    fn missing_tree_names_its_path() {
        let dir = TestDir::new("index-missing");
        assert_eq!(
            read(dir.path(), "6.1.0-28-amd64"),
            Err(IndexError::TreeMissing {
                path: dir.path().join("6.1.0-28-amd64").display().to_string()
            })
        );
        assert!(matches!(
            read(dir.path(), "../x"),
            Err(IndexError::TreeMissing { .. })
        ));
    }

    #[test]
    fn missing_files_are_none_and_bad_ones_unreadable() {
        let dir = TestDir::new("index-files");
        let tree = dir.path().join("6.1.0");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join("modules.dep"), "kernel/lib/libcrc32c.ko:\n").unwrap();
        std::fs::write(tree.join("modules.builtin"), b"kernel/\xffbad.ko\n").unwrap();
        let files = read(dir.path(), "6.1.0").unwrap();
        assert_eq!(files.dep.as_deref(), Some("kernel/lib/libcrc32c.ko:\n"));
        assert_eq!(files.softdep, None);
        assert_eq!(files.alias, None);
        assert_eq!(files.builtin.as_deref(), Some("kernel/\u{fffd}bad.ko\n"));

        std::fs::create_dir(tree.join("modules.alias")).unwrap();
        match read(dir.path(), "6.1.0") {
            Err(IndexError::Unreadable { path, errno }) => {
                assert!(path.ends_with("6.1.0/modules.alias"), "{path}");
                assert_eq!(errno.name, "EISDIR");
            }
            other => panic!("expected Unreadable, got {other:?}"),
        }
    }
}
