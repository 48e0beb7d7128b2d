//! Where module things live: `<modules root>/<release>/` for the tree and its index files, module
//! paths from `modules.dep` relative to the tree unless absolute, and
//! `<sys root>/module/<name>/initstate`. The roots are parameters so tests and QEMU images
//! can point elsewhere (`depmod -b`).

use holdfast_core::modules::ModuleName;
use std::path::{Path, PathBuf};

/// The usual module root.
pub const MODULES_ROOT: &str = "/lib/modules";
/// The usual sysfs mount point.
pub const SYS_ROOT: &str = "/sys";

/// The tree of `release`, or `None` for a release that cannot name a directory (empty, `.`,
/// `..`, or containing `/` or NUL).
pub fn tree(modules_root: &Path, release: &str) -> Option<PathBuf> {
    let bad = release.is_empty()
        || release == "."
        || release == ".."
        || release.contains('/')
        || release.contains('\0');
    (!bad).then(|| modules_root.join(release))
}

/// The file of a `modules.dep` path: relative paths are under the tree, absolute ones (written by
/// old depmods) are kept.
pub fn module_file(tree: &Path, dep_path: &str) -> PathBuf {
    if dep_path.starts_with('/') {
        PathBuf::from(dep_path)
    } else {
        tree.join(dep_path)
    }
}

/// `/sys/module/<name>/initstate`. [`ModuleName`] only holds `[A-Za-z0-9_]`, so the name cannot
/// leave the directory.
pub fn initstate(sys_root: &Path, name: &ModuleName) -> PathBuf {
    sys_root
        .join("module")
        .join(name.as_str())
        .join("initstate")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths() {
        let tree = tree(Path::new(MODULES_ROOT), "6.1.0-28-amd64").unwrap();
        assert_eq!(tree, Path::new("/lib/modules/6.1.0-28-amd64"));
        assert_eq!(
            module_file(&tree, "kernel/net/netfilter/ipvs/ip_vs.ko"),
            Path::new("/lib/modules/6.1.0-28-amd64/kernel/net/netfilter/ipvs/ip_vs.ko")
        );
        assert_eq!(
            module_file(&tree, "/opt/kernel/ip_vs.ko.xz"),
            Path::new("/opt/kernel/ip_vs.ko.xz")
        );
        assert_eq!(
            initstate(
                Path::new(SYS_ROOT),
                &ModuleName::new("crc32c-intel").unwrap()
            ),
            Path::new("/sys/module/crc32c_intel/initstate")
        );
    }

    #[test]
    fn releases_that_are_not_a_directory_name() {
        for bad in ["", ".", "..", "../etc", "a/b", "a\0b"] {
            assert_eq!(tree(Path::new(MODULES_ROOT), bad), None, "{bad:?}");
        }
    }
}
