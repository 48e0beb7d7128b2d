//! The Linux [`KernelModules`] port: `uname` for the release, the index files under
//! `/lib/modules/<release>/`, `/sys/module/<name>/initstate`, `finit_module`/`init_module`, and
//! the system `modprobe` as an optional last resort.
//!
//! Reading the index, loading and `modprobe` run on smol's blocking-task threads
//! ([`smol::unblock`]) so a slow module init never stalls the executor; see the port's doc.
//! Makes no decisions: what to load and in which order is the module-loader's business.

mod compress;
mod errno;
mod index;
mod load;
mod modprobe;
mod paths;
mod sys;
mod sysfs;
#[cfg(test)]
mod test_dir;

pub use compress::Compression;
pub use paths::{MODULES_ROOT, SYS_ROOT};

use holdfast_actors::ports::kernel_modules::{IndexFiles, KernelModules, Liveness, Loaded};
use holdfast_core::modules::{IndexError, LoadError, ModuleName};
use std::future::Future;
use std::path::PathBuf;

/// The usual `modprobe`.
pub const MODPROBE: &str = "/sbin/modprobe";

/// Kernel modules of the running Linux kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinuxKernelModules {
    modules_root: PathBuf,
    sys_root: PathBuf,
    modprobe: Option<PathBuf>,
}

impl Default for LinuxKernelModules {
    fn default() -> Self {
        LinuxKernelModules::new(MODULES_ROOT, SYS_ROOT)
    }
}

impl LinuxKernelModules {
    /// Modules under `modules_root` (`/lib/modules`), sysfs at `sys_root` (`/sys`), and
    /// [`MODPROBE`] as the fallback (used only when the loader's settings ask for it).
    pub fn new(modules_root: impl Into<PathBuf>, sys_root: impl Into<PathBuf>) -> Self {
        LinuxKernelModules {
            modules_root: modules_root.into(),
            sys_root: sys_root.into(),
            modprobe: Some(PathBuf::from(MODPROBE)),
        }
    }

    /// Uses `program` as `modprobe`, or none at all.
    pub fn with_modprobe(mut self, program: Option<PathBuf>) -> Self {
        self.modprobe = program;
        self
    }
}

impl KernelModules for LinuxKernelModules {
    fn release(&self) -> Result<String, IndexError> {
        sys::kernel_release().map_err(|e| IndexError::NoRelease {
            errno: errno::os_errno(e),
        })
    }

    fn read_index(&self, release: &str) -> impl Future<Output = Result<IndexFiles, IndexError>> {
        let root = self.modules_root.clone();
        let release = String::from(release);
        smol::unblock(move || index::read(&root, &release))
    }

    fn liveness(&self, name: &ModuleName) -> Liveness {
        sysfs::liveness(&self.sys_root, name)
    }

    fn load(
        &self,
        release: &str,
        _name: &ModuleName,
        path: &str,
    ) -> impl Future<Output = Result<Loaded, LoadError>> {
        let tree = paths::tree(&self.modules_root, release);
        let missing = self.modules_root.join(release).join(path);
        let path = String::from(path);
        async move {
            match tree {
                Some(tree) => smol::unblock(move || load::load_file(&tree, &path)).await,
                None => Err(LoadError::MissingFile {
                    path: missing.display().to_string(),
                }),
            }
        }
    }

    fn modprobe(&self, name: &ModuleName) -> impl Future<Output = Result<(), LoadError>> {
        let program = self.modprobe.clone();
        let name = name.clone();
        async move {
            match program {
                Some(program) => smol::unblock(move || modprobe::run(&program, &name)).await,
                None => Err(LoadError::ModprobeFailed { exit_code: None }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_dir::TestDir;
    use super::*;
    use smol::block_on;

    #[test]
    fn the_port_reads_a_tree_and_reports_missing_files() {
        let dir = TestDir::new("port");
        let tree = dir.path().join("6.1.0-28-amd64");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(
            tree.join("modules.dep"),
            "kernel/net/netfilter/ipvs/ip_vs.ko:\n",
        )
        .unwrap();
        let port = LinuxKernelModules::new(dir.path(), dir.path()).with_modprobe(None);
        let files = block_on(port.read_index("6.1.0-28-amd64")).unwrap();
        assert_eq!(
            files.dep.as_deref(),
            Some("kernel/net/netfilter/ipvs/ip_vs.ko:\n")
        );
        let ip_vs = ModuleName::new("ip_vs").unwrap();
        assert_eq!(
            block_on(port.load(
                "6.1.0-28-amd64",
                &ip_vs,
                "kernel/net/netfilter/ipvs/ip_vs.ko"
            )),
            Err(LoadError::MissingFile {
                path: tree
                    .join("kernel/net/netfilter/ipvs/ip_vs.ko")
                    .display()
                    .to_string()
            })
        );
        assert_eq!(port.liveness(&ip_vs), Liveness::Absent);
        assert_eq!(
            block_on(port.modprobe(&ip_vs)),
            Err(LoadError::ModprobeFailed { exit_code: None })
        );
        assert!(matches!(
            block_on(port.read_index("7.0.0")),
            Err(IndexError::TreeMissing { .. })
        ));
        assert!(!port.release().unwrap().is_empty());
    }
}
