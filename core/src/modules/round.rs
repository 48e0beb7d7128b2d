//! [`Round`]: one pass over a [`LoadPlan`], deciding which module to try next and turning the
//! port's answers into [`ModuleStatus`]es. The loader actor drives it:
//!
//! 1. `Round::new(&plan, previous_report, is_live)`, where `is_live` asks the port whether a
//!    module is loaded already (asked once per module file, before anything is tried, so an
//!    alternative that is already live satisfies its soft dependency before the first one is
//!    tried);
//! 2. while `next_attempt()` gives an [`Attempt`], load it through the port and pass the answer
//!    to `record(attempt, outcome)`;
//! 3. `finish(...)` gives the [`LoadReport`].
//!
//! Built-ins, modules missing from the index, modules whose dependency is not present and
//! soft-dependency alternatives no longer needed are settled inside the round, without I/O.

use super::diag::IndexDiag;
use super::name::ModuleName;
use super::needs::ipvs_module;
use super::plan::{LoadPlan, Source, Step};
use super::report::{IndexProblems, LoadReport, ModuleReport};
use super::status::{LoadError, ModuleStatus};
use alloc::string::String;
use alloc::vec::Vec;

/// A module the round wants the port to make live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'p> {
    index: usize,
    pub module: &'p ModuleName,
    /// The path written in `modules.dep` (relative to `/lib/modules/<release>/` unless absolute).
    pub path: &'p str,
}

/// What the port found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The module was live already (`initstate` is `live`, or the load gave `EEXIST`).
    Live,
    /// The port inserted it.
    Inserted,
    /// The port could not make it live.
    Failed(LoadError),
}

/// One pass over a plan.
#[derive(Debug, Clone)]
pub struct Round<'p> {
    plan: &'p LoadPlan,
    statuses: Vec<ModuleStatus>,
    inserted_before: Vec<ModuleName>,
    cursor: usize,
}

impl<'p> Round<'p> {
    /// Starts a round. Modules the `previous` report says holdfast loaded stay "loaded" (not
    /// "already loaded") when they are found live again.
    pub fn new(
        plan: &'p LoadPlan,
        previous: Option<&LoadReport>,
        mut is_live: impl FnMut(&ModuleName) -> bool,
    ) -> Self {
        let inserted_before = previous
            .map(|r| {
                r.modules()
                    .iter()
                    .filter(|m| m.status == ModuleStatus::Loaded)
                    .map(|m| m.module.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut round = Round {
            plan,
            statuses: alloc::vec![ModuleStatus::Pending; plan.steps.len()],
            inserted_before,
            cursor: 0,
        };
        for (index, step) in plan.steps.iter().enumerate() {
            if matches!(step.source, Source::File { .. }) && is_live(&step.module) {
                let status = round.live_status(&step.module);
                round.set(index, status);
            }
        }
        round
    }

    /// The next module to try, settling the ones before it that need no I/O.
    pub fn next_attempt(&mut self) -> Option<Attempt<'p>> {
        let plan = self.plan;
        while let Some(step) = plan.steps.get(self.cursor) {
            let index = self.cursor;
            self.cursor = self.cursor.saturating_add(1);
            if self
                .statuses
                .get(index)
                .is_some_and(ModuleStatus::is_present)
            {
                continue;
            }
            if let Some(settled) = self.settle(step) {
                self.set(index, settled);
                continue;
            }
            if let Source::File { path } = &step.source {
                return Some(Attempt {
                    index,
                    module: &step.module,
                    path,
                });
            }
        }
        None
    }

    /// Records the port's answer for `attempt`.
    pub fn record(&mut self, attempt: Attempt<'_>, outcome: Outcome) {
        let status = match outcome {
            Outcome::Inserted => ModuleStatus::Loaded,
            Outcome::Live => self.live_status(attempt.module),
            Outcome::Failed(error) => ModuleStatus::from(error),
        };
        self.set(attempt.index, status);
    }

    fn live_status(&self, module: &ModuleName) -> ModuleStatus {
        if self.inserted_before.contains(module) {
            ModuleStatus::Loaded
        } else {
            ModuleStatus::AlreadyLoaded
        }
    }

    /// The report for this round. Modules not reached stay [`ModuleStatus::Pending`].
    pub fn finish(self, release: String, wanted: &[ModuleName], diags: &[IndexDiag]) -> LoadReport {
        let modules = self
            .plan
            .steps
            .iter()
            .zip(self.statuses)
            .map(|(step, status)| ModuleReport {
                module: step.module.clone(),
                status,
                wanted: step.wanted,
                required: step.required,
            })
            .collect();
        LoadReport::planned(
            release,
            wanted,
            modules,
            IndexProblems::from_diags(diags),
            self.plan.issues.clone(),
            self.plan.has_dep_index,
        )
    }

    /// The status a step gets without I/O, or `None` when the port must be asked.
    fn settle(&self, step: &Step) -> Option<ModuleStatus> {
        match step.source {
            Source::BuiltIn => return Some(ModuleStatus::BuiltIn),
            Source::NotInIndex if self.plan.has_dep_index && step.module == ipvs_module() => {
                return Some(ModuleStatus::KernelWithoutIpvs)
            }
            Source::NotInIndex => return Some(ModuleStatus::NotInIndex),
            Source::File { .. } => {}
        }
        if let Some(dep) = step.deps.iter().find(|d| !self.is_present(d)) {
            return Some(ModuleStatus::Blocked { by: dep.clone() });
        }
        let soft_only = !step.required && !step.for_groups.is_empty();
        if soft_only && step.for_groups.iter().all(|&g| self.group_met(g)) {
            return Some(ModuleStatus::NotNeeded);
        }
        None
    }

    fn group_met(&self, group: usize) -> bool {
        self.plan
            .groups
            .get(group)
            .is_some_and(|g| g.candidates.iter().any(|c| self.is_present(c)))
    }

    fn is_present(&self, name: &ModuleName) -> bool {
        self.plan
            .position(name)
            .and_then(|i| self.statuses.get(i))
            .is_some_and(ModuleStatus::is_present)
    }

    fn set(&mut self, index: usize, status: ModuleStatus) {
        if let Some(slot) = self.statuses.get_mut(index) {
            *slot = status;
        }
    }
}
