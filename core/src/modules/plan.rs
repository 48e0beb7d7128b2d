//! The load order for a set of wanted modules: [`ModuleDb::closure`] returns a [`LoadPlan`] in
//! which every module comes after its `modules.dep` dependencies, `pre:` soft dependencies come
//! before their module and `post:` ones after it.
//!
//! A soft dependency that names an alias (`crc32c`) becomes a [`SoftGroup`] of alternatives
//! (`crc32c_intel`, `crc32c_generic`): they are tried in order until one is present, and the
//! plan still succeeds if none is. For a module X the order is: X's `pre:` soft dependencies, X's
//! dependencies (each by the same rule, taken in reverse `modules.dep` order, which is the order
//! `modprobe` loads them in), X, X's `post:` soft dependencies.
//!
//! The walk uses an explicit stack, so a deep or cyclic index cannot overflow the stack or loop:
//! a dependency that leads back to a module still being planned is dropped and reported as a
//! [`PlanIssue::Cycle`].

use super::db::ModuleDb;
use super::name::ModuleName;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Where a planned module comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// Compiled into the kernel: always present.
    BuiltIn,
    /// A file, at the path written in `modules.dep`.
    File { path: String },
    /// In neither `modules.dep` nor `modules.builtin`.
    NotInIndex,
}

/// One module of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub module: ModuleName,
    pub source: Source,
    /// Hard dependencies, all earlier in the plan; the module is not tried until they are present.
    pub deps: Vec<ModuleName>,
    /// Asked for by the caller.
    pub wanted: bool,
    /// Wanted, or a hard dependency of a required module. A step that is not required is in the
    /// plan only for soft dependencies and is skipped once all of [`Step::for_groups`] are met.
    pub required: bool,
    /// Indices into [`LoadPlan::groups`] this step serves (directly, or as a dependency of a
    /// candidate).
    pub for_groups: Vec<usize>,
}

/// Whether a soft dependency loads before or after its module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum When {
    Pre,
    Post,
}

/// One soft dependency and the modules that can satisfy it, in the order to try them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftGroup {
    /// The module that has the soft dependency.
    pub of: ModuleName,
    /// The name written in `modules.softdep` (a module name or an alias), normalised.
    pub spec: String,
    pub when: When,
    pub candidates: Vec<ModuleName>,
}

/// Something about the index the plan had to work around.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanIssue {
    /// `module` depends (hard or soft) on `dep`, which is already being planned on the path to
    /// `module`; that edge was dropped.
    Cycle { module: ModuleName, dep: ModuleName },
    /// No module provides the soft dependency `spec` of `of`.
    SoftDepUnresolved { of: ModuleName, spec: String },
}

/// The modules to make present, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadPlan {
    pub steps: Vec<Step>,
    pub groups: Vec<SoftGroup>,
    pub issues: Vec<PlanIssue>,
    /// Whether `modules.dep` existed (see [`ModuleDb::has_dep_index`]).
    pub has_dep_index: bool,
}

impl LoadPlan {
    /// The step for a module.
    pub fn step(&self, name: &ModuleName) -> Option<&Step> {
        self.steps.iter().find(|s| &s.module == name)
    }

    /// The position of a module in the plan.
    pub fn position(&self, name: &ModuleName) -> Option<usize> {
        self.steps.iter().position(|s| &s.module == name)
    }
}

#[derive(Clone, Copy)]
enum Via {
    Wanted,
    Dep,
    Soft(usize),
}

enum Task {
    Enter {
        module: ModuleName,
        parent: Option<ModuleName>,
        via: Via,
    },
    Emit {
        module: ModuleName,
        via: Via,
    },
}

impl ModuleDb {
    /// The plan that makes every module of `wanted` present (see the module doc for the order).
    pub fn closure(&self, wanted: &[ModuleName]) -> LoadPlan {
        let mut plan = LoadPlan {
            has_dep_index: self.has_dep_index(),
            ..LoadPlan::default()
        };
        let mut emitted: BTreeMap<ModuleName, usize> = BTreeMap::new();
        let mut in_progress: BTreeSet<ModuleName> = BTreeSet::new();
        let mut stack: Vec<Task> = wanted
            .iter()
            .rev()
            .map(|w| Task::Enter {
                module: w.clone(),
                parent: None,
                via: Via::Wanted,
            })
            .collect();
        while let Some(task) = stack.pop() {
            match task {
                Task::Enter {
                    module,
                    parent,
                    via,
                } => {
                    if let Some(&index) = emitted.get(&module) {
                        if let Some(step) = plan.steps.get_mut(index) {
                            mark(step, via);
                        }
                        continue;
                    }
                    if in_progress.contains(&module) {
                        plan.issues.push(PlanIssue::Cycle {
                            module: parent.unwrap_or_else(|| module.clone()),
                            dep: module,
                        });
                        continue;
                    }
                    in_progress.insert(module.clone());
                    self.push_children(&module, via, &mut stack, &mut plan);
                }
                Task::Emit { module, via } => {
                    in_progress.remove(&module);
                    let source = if self.is_builtin(&module) {
                        Source::BuiltIn
                    } else if let Some(entry) = self.entry(&module) {
                        Source::File {
                            path: entry.path.clone(),
                        }
                    } else {
                        Source::NotInIndex
                    };
                    let deps = match (&source, self.entry(&module)) {
                        (Source::File { .. }, Some(entry)) => entry
                            .deps
                            .iter()
                            .filter(|d| emitted.contains_key(*d))
                            .cloned()
                            .collect(),
                        _ => Vec::new(),
                    };
                    let mut step = Step {
                        module: module.clone(),
                        source,
                        deps,
                        wanted: false,
                        required: false,
                        for_groups: Vec::new(),
                    };
                    mark(&mut step, via);
                    emitted.insert(module, plan.steps.len());
                    plan.steps.push(step);
                }
            }
        }
        settle_requirements(&mut plan);
        plan
    }

    /// Pushes, in reverse of the order they run: post soft dependencies, the module itself, its
    /// dependencies, its pre soft dependencies. Built-ins have nothing to load before them.
    fn push_children(
        &self,
        module: &ModuleName,
        via: Via,
        stack: &mut Vec<Task>,
        plan: &mut LoadPlan,
    ) {
        let builtin = self.is_builtin(module);
        let soft = if builtin { None } else { self.softdeps(module) };
        let enter = |child: ModuleName, via| Task::Enter {
            module: child,
            parent: Some(module.clone()),
            via,
        };
        let groups = |specs: &[String], when, plan: &mut LoadPlan| -> Vec<Task> {
            let mut tasks = Vec::new();
            for spec in specs {
                let candidates = self.resolve(spec);
                if candidates.is_empty() {
                    plan.issues.push(PlanIssue::SoftDepUnresolved {
                        of: module.clone(),
                        spec: spec.clone(),
                    });
                    continue;
                }
                let group = plan.groups.len();
                plan.groups.push(SoftGroup {
                    of: module.clone(),
                    spec: spec.clone(),
                    when,
                    candidates: candidates.clone(),
                });
                tasks.extend(candidates.into_iter().map(|c| enter(c, Via::Soft(group))));
            }
            tasks
        };
        let pre = soft
            .map(|s| groups(&s.pre, When::Pre, plan))
            .unwrap_or_default();
        let post = soft
            .map(|s| groups(&s.post, When::Post, plan))
            .unwrap_or_default();
        stack.extend(post.into_iter().rev());
        stack.push(Task::Emit {
            module: module.clone(),
            via,
        });
        if !builtin {
            if let Some(entry) = self.entry(module) {
                // modules.dep lists dependencies in reverse load order; enter the last one first.
                stack.extend(entry.deps.iter().map(|d| enter(d.clone(), Via::Dep)));
            }
        }
        stack.extend(pre.into_iter().rev());
    }
}

fn mark(step: &mut Step, via: Via) {
    match via {
        Via::Wanted => step.wanted = true,
        Via::Dep => {}
        Via::Soft(group) => {
            if !step.for_groups.contains(&group) {
                step.for_groups.push(group);
            }
        }
    }
}

/// Works out [`Step::required`] and spreads each soft step's groups to its dependencies, walking
/// from the end (dependents come after their dependencies).
fn settle_requirements(plan: &mut LoadPlan) {
    let mut required: BTreeSet<ModuleName> = BTreeSet::new();
    let mut serves: BTreeMap<ModuleName, Vec<usize>> = BTreeMap::new();
    for step in plan.steps.iter_mut().rev() {
        step.required = step.wanted || required.contains(&step.module);
        if let Some(groups) = serves.remove(&step.module) {
            for g in groups {
                if !step.for_groups.contains(&g) {
                    step.for_groups.push(g);
                }
            }
        }
        for dep in &step.deps {
            if step.required {
                required.insert(dep.clone());
            } else {
                let entry = serves.entry(dep.clone()).or_default();
                for &g in &step.for_groups {
                    if !entry.contains(&g) {
                        entry.push(g);
                    }
                }
            }
        }
    }
}
