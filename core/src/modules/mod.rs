//! The kernel module side of the IPVS gate, as pure functions of the module index text.
//!
//! keepalived 2.3.0/2.3.1 talked to IPVS before `ip_vs` was loaded and never loaded scheduler
//! modules (FIELD-NOTES §1). holdfast loads them itself, and this module decides what to load and
//! in which order; the module-loader actor does the I/O.
//!
//! * [`ModuleName`]: a normalised (`-` → `_`), valid module name.
//! * [`ModuleDb::parse`] reads `modules.dep`, `modules.softdep`, `modules.alias` and
//!   `modules.builtin` text (any may be missing; bad lines become [`IndexDiag`]s with line
//!   numbers).
//! * [`IpvsNeeds`] turns schedulers and persistence engines into module names.
//! * [`ModuleDb::closure`] gives a dependency-first [`LoadPlan`] including soft dependencies,
//!   whose alias alternatives (`crc32c` → `crc32c_intel`, `crc32c_generic`) are tried in turn.
//! * [`Round`] walks a plan with the port's answers and yields a [`LoadReport`].
//! * [`Backoff`] spaces the retries.
//!
//! Contract: nothing here does I/O, reads a clock or panics on any index text.

mod alias;
mod backoff;
mod builtin;
mod db;
mod dep;
mod diag;
mod name;
mod needs;
mod plan;
mod report;
mod round;
mod softdep;
mod status;

pub use crate::fnmatch::matches as glob_matches;
pub use alias::Alias;
pub use backoff::{Backoff, DEFAULT_CAP, DEFAULT_INITIAL};
pub use db::{IndexTexts, ModuleDb};
pub use dep::ModuleEntry;
pub use diag::{IndexDiag, IndexDiagKind, IndexFile};
pub use name::{ModuleName, NameError, MAX_LEN, MODULE_SUFFIXES};
pub use needs::{engine_module, ipvs_module, scheduler_module, BadNeed, IpvsNeeds, IPVS_MODULE};
pub use plan::{LoadPlan, PlanIssue, SoftGroup, Source, Step, When};
pub use report::{IndexProblems, LoadReport, ModuleReport, Summary, MAX_REPORTED_DIAGNOSTICS};
pub use round::{Attempt, Outcome, Round};
pub use softdep::SoftDeps;
pub use status::{IndexError, LoadError, ModuleStatus, OsErrno};

#[cfg(test)]
mod tests;
