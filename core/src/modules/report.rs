//! [`LoadReport`]: the module loader's published view of the kernel, one complete snapshot per
//! change. (The proof the IPVS actor needs, `holdfast_actors::gate::ModulesReady`, is made from
//! it by the loader actor.)
//!
//! "Ready" means `ip_vs` and every wanted scheduler and engine module is present. A report can be
//! "IPVS present" without being ready: a missing `ip_vs_wrr` must not stop the services that use
//! `rr` from being programmed.

use super::diag::IndexDiag;
use super::name::ModuleName;
use super::needs::ipvs_module;
use super::plan::PlanIssue;
use super::status::{IndexError, ModuleStatus};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

/// How many index diagnostics a report carries; the rest are only counted.
pub const MAX_REPORTED_DIAGNOSTICS: usize = 16;

/// One planned module and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleReport {
    pub module: ModuleName,
    pub status: ModuleStatus,
    /// Asked for by the configuration (as opposed to a dependency).
    pub wanted: bool,
    /// Wanted or a hard dependency of a wanted module (a soft dependency is not required).
    pub required: bool,
}

/// Problems in the module index: the first few, and how many there were in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexProblems {
    pub first: Vec<IndexDiag>,
    pub total: usize,
}

impl IndexProblems {
    /// Keeps the first [`MAX_REPORTED_DIAGNOSTICS`] of `diags`.
    pub fn from_diags(diags: &[IndexDiag]) -> Self {
        IndexProblems {
            first: diags
                .iter()
                .take(MAX_REPORTED_DIAGNOSTICS)
                .cloned()
                .collect(),
            total: diags.len(),
        }
    }
}

/// The loader's view after one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    release: Option<String>,
    index_error: Option<IndexError>,
    wanted: Vec<ModuleName>,
    modules: Vec<ModuleReport>,
    index_problems: IndexProblems,
    plan_issues: Vec<PlanIssue>,
    has_dep_index: bool,
}

/// The headline of a report, for one log line and for deciding what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary<'a> {
    /// The module index could not be read.
    IndexUnavailable(&'a IndexError),
    /// `modules.dep` is missing, so nothing can be planned (`depmod` has not run).
    NoDepIndex,
    /// The kernel has no IPVS at all.
    KernelWithoutIpvs,
    /// `ip_vs` is not present; its status says why.
    IpvsMissing(&'a ModuleStatus),
    /// `ip_vs` is present but some wanted modules are not.
    IpvsReady { missing: usize },
    /// Everything wanted is present.
    Ready,
}

impl LoadReport {
    /// A report for a round that could not read the index.
    pub fn unavailable(release: Option<String>, wanted: &[ModuleName], error: IndexError) -> Self {
        LoadReport {
            release,
            index_error: Some(error),
            wanted: wanted.to_vec(),
            modules: Vec::new(),
            index_problems: IndexProblems::default(),
            plan_issues: Vec::new(),
            has_dep_index: false,
        }
    }

    pub(crate) fn planned(
        release: String,
        wanted: &[ModuleName],
        modules: Vec<ModuleReport>,
        index_problems: IndexProblems,
        plan_issues: Vec<PlanIssue>,
        has_dep_index: bool,
    ) -> Self {
        LoadReport {
            release: Some(release),
            index_error: None,
            wanted: wanted.to_vec(),
            modules,
            index_problems,
            plan_issues,
            has_dep_index,
        }
    }

    /// The kernel release the report is about, when it is known.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// Why the index could not be read, if it could not.
    pub fn index_error(&self) -> Option<&IndexError> {
        self.index_error.as_ref()
    }

    /// The modules asked for.
    pub fn wanted(&self) -> &[ModuleName] {
        &self.wanted
    }

    /// Every planned module in load order.
    pub fn modules(&self) -> &[ModuleReport] {
        &self.modules
    }

    /// Problems found in the index files.
    pub fn index_problems(&self) -> &IndexProblems {
        &self.index_problems
    }

    /// Cycles and unresolved soft dependencies the plan worked around.
    pub fn plan_issues(&self) -> &[PlanIssue] {
        &self.plan_issues
    }

    /// The status of one module, if it was planned.
    pub fn status(&self, name: &ModuleName) -> Option<&ModuleStatus> {
        self.modules
            .iter()
            .find(|m| &m.module == name)
            .map(|m| &m.status)
    }

    /// Whether a module is present.
    pub fn is_present(&self, name: &ModuleName) -> bool {
        self.status(name).is_some_and(ModuleStatus::is_present)
    }

    /// Whether `ip_vs` is present (loaded, already loaded or built in).
    pub fn ipvs_present(&self) -> bool {
        self.is_present(&ipvs_module())
    }

    /// Whether every wanted module is present.
    pub fn is_ready(&self) -> bool {
        self.index_error.is_none() && self.wanted.iter().all(|w| self.is_present(w))
    }

    /// Wanted modules that are not present.
    pub fn missing(&self) -> impl Iterator<Item = &ModuleReport> {
        self.modules
            .iter()
            .filter(|m| m.wanted && !m.status.is_present())
    }

    /// The headline.
    pub fn summary(&self) -> Summary<'_> {
        if let Some(error) = &self.index_error {
            return Summary::IndexUnavailable(error);
        }
        if !self.has_dep_index && !self.is_present(&ipvs_module()) {
            return Summary::NoDepIndex;
        }
        match self.status(&ipvs_module()) {
            Some(ModuleStatus::KernelWithoutIpvs) => Summary::KernelWithoutIpvs,
            Some(status) if !status.is_present() => Summary::IpvsMissing(status),
            None => Summary::IpvsMissing(&ModuleStatus::Pending),
            Some(_) => match self.missing().count() {
                0 => Summary::Ready,
                missing => Summary::IpvsReady { missing },
            },
        }
    }
}

impl fmt::Display for LoadReport {
    /// One line: the headline, then each required module that failed and why (modules only
    /// waiting for another one are left out: the one they wait for is listed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let release = self.release.as_deref().unwrap_or("?");
        match self.summary() {
            Summary::IndexUnavailable(error) => return write!(f, "kernel {release}: {error}"),
            Summary::NoDepIndex => {
                return write!(
                    f,
                    "kernel {release}: /lib/modules/{release}/modules.dep missing (depmod not run)"
                )
            }
            Summary::KernelWithoutIpvs => {
                return write!(
                    f,
                    "kernel {release}: kernel built without IPVS (CONFIG_IP_VS)"
                )
            }
            Summary::IpvsMissing(status) => write!(f, "kernel {release}: ip_vs {status}")?,
            Summary::IpvsReady { .. } => write!(f, "kernel {release}: ip_vs ready")?,
            Summary::Ready => return write!(f, "kernel {release}: IPVS modules ready"),
        }
        let ipvs = ipvs_module();
        let causes = self.modules.iter().filter(|m| {
            m.required
                && m.module != ipvs
                && !m.status.is_present()
                && !matches!(m.status, ModuleStatus::Blocked { .. })
        });
        for m in causes {
            write!(f, "; {} {}", m.module, m.status)?;
        }
        Ok(())
    }
}
