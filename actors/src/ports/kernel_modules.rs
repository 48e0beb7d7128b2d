//! The kernel-module port: read the running kernel's module index, ask whether a module is live,
//! and load a module file. Only the module-loader actor uses it.
//!
//! Reading the index, loading and `modprobe` are `async`: `finit_module` runs the module's init
//! in the calling thread (crypto self-tests, per-namespace registration) and a distribution
//! `modules.alias` is about a megabyte, so the Linux implementation runs them on a blocking-task
//! thread instead of stalling the executor that also sends VRRP adverts every 100 ms. Asking
//! whether a module is live reads one small sysfs file and stays synchronous.
//!
//! Errors are plain data from `holdfast_core::modules` ([`LoadError`], [`IndexError`]) so they
//! travel in reports unchanged.

use holdfast_core::modules::{IndexError, IndexTexts, LoadError, ModuleName};
use std::future::Future;

/// The index files of one release, `None` for each file that does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexFiles {
    pub dep: Option<String>,
    pub softdep: Option<String>,
    pub alias: Option<String>,
    pub builtin: Option<String>,
}

impl IndexFiles {
    /// The texts, for `ModuleDb::parse`.
    pub fn texts(&self) -> IndexTexts<'_> {
        IndexTexts {
            dep: self.dep.as_deref(),
            softdep: self.softdep.as_deref(),
            alias: self.alias.as_deref(),
            builtin: self.builtin.as_deref(),
        }
    }
}

/// What `/sys/module/<name>/initstate` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// `live`: loaded and initialised.
    Live,
    /// `coming`: someone else is loading it right now.
    Coming,
    /// `going`: being unloaded.
    Going,
    /// No such file: not loaded (or built in, which the index tells apart).
    Absent,
}

/// A successful load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// The module was inserted by this call.
    Inserted,
    /// The kernel said `EEXIST`: it was loaded already.
    AlreadyLoaded,
}

/// Kernel modules of the running kernel.
pub trait KernelModules {
    /// The running kernel's release (`uname -r`), which names its module tree.
    fn release(&self) -> Result<String, IndexError>;

    /// Reads `modules.dep`, `modules.softdep`, `modules.alias` and `modules.builtin` of
    /// `release`. A missing file is `None`, not an error. Must return
    /// [`IndexError::TreeMissing`] with the tree's path when the release's directory does not
    /// exist, and [`IndexError::Unreadable`] when a file exists but cannot be read. Files that
    /// are not UTF-8 are read lossily.
    fn read_index(&self, release: &str) -> impl Future<Output = Result<IndexFiles, IndexError>>;

    /// Whether `name` is loaded, from `/sys/module/<name>/initstate`. Any read error other than
    /// "not there" counts as [`Liveness::Absent`]: the load that follows reports the real error.
    fn liveness(&self, name: &ModuleName) -> Liveness;

    /// Inserts the module at `path` (as written in `modules.dep`: relative to the release's tree
    /// unless absolute), without parameters and without loading dependencies. Must map `EEXIST`
    /// to [`Loaded::AlreadyLoaded`], a missing file to [`LoadError::MissingFile`] with the full
    /// path, and every other failure to the matching [`LoadError`]. Compressed files are the
    /// implementation's business: hand them to the kernel if it can decompress them, otherwise
    /// decompress them itself or return [`LoadError::CompressionUnsupported`].
    fn load(
        &self,
        release: &str,
        name: &ModuleName,
        path: &str,
    ) -> impl Future<Output = Result<Loaded, LoadError>>;

    /// Runs the system `modprobe` for `name` as a last resort (when the loader is configured to).
    /// Must return [`LoadError::ModprobeFailed`] when there is no `modprobe` or it fails;
    /// success means `modprobe` exited 0, and the loader checks [`KernelModules::liveness`]
    /// afterwards.
    fn modprobe(&self, name: &ModuleName) -> impl Future<Output = Result<(), LoadError>>;
}
