//! [`FakeKernel`]: an in-memory [`KernelModules`] for tests of the loader and of anything
//! downstream of it. It keeps a module tree (or none), a set of live modules and scripted load
//! failures, and logs every load and modprobe call. Clones share one state, so a test can change
//! the kernel while the actor runs.

use crate::ports::kernel_modules::{IndexFiles, KernelModules, Liveness, Loaded};
use holdfast_core::modules::{IndexError, LoadError, ModuleName};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::{ready, Future};
use std::sync::{Arc, Mutex, MutexGuard};

/// A scripted kernel.
#[derive(Debug, Clone)]
pub struct FakeKernel {
    shared: Arc<Mutex<State>>,
}

/// A call the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Load(String),
    Modprobe(String),
}

#[derive(Debug)]
struct State {
    release: String,
    index: Option<IndexFiles>,
    live: BTreeSet<ModuleName>,
    failures: BTreeMap<ModuleName, Failures>,
    modprobe_works: bool,
    calls: Vec<Call>,
}

#[derive(Debug, Default)]
struct Failures {
    first: VecDeque<LoadError>,
    always: Option<LoadError>,
}

impl FakeKernel {
    /// A kernel of `release` with no module tree and nothing loaded.
    pub fn new(release: &str) -> Self {
        FakeKernel {
            shared: Arc::new(Mutex::new(State {
                release: String::from(release),
                index: None,
                live: BTreeSet::new(),
                failures: BTreeMap::new(),
                modprobe_works: false,
                calls: Vec::new(),
            })),
        }
    }

    /// Installs (`Some`) or removes (`None`) the module tree.
    pub fn set_index(&self, index: Option<IndexFiles>) {
        self.lock().index = index;
    }

    /// Marks a module live, as if something else had loaded it.
    pub fn make_live(&self, name: &ModuleName) {
        self.lock().live.insert(name.clone());
    }

    /// The next loads of `name` fail with these errors, in order.
    pub fn fail_next(&self, name: &ModuleName, errors: impl IntoIterator<Item = LoadError>) {
        let mut state = self.lock();
        let entry = state.failures.entry(name.clone()).or_default();
        entry.first.extend(errors);
    }

    /// Every load of `name` fails with `error` (after any [`FakeKernel::fail_next`] ones), until
    /// [`FakeKernel::heal`].
    pub fn fail_always(&self, name: &ModuleName, error: LoadError) {
        self.lock().failures.entry(name.clone()).or_default().always = Some(error);
    }

    /// Loads of `name` succeed again.
    pub fn heal(&self, name: &ModuleName) {
        self.lock().failures.remove(name);
    }

    /// Whether `modprobe` loads what it is asked to.
    pub fn set_modprobe_works(&self, works: bool) {
        self.lock().modprobe_works = works;
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The modules live now.
    pub fn live(&self) -> Vec<ModuleName> {
        self.lock().live.iter().cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn do_load(&self, release: &str, name: &ModuleName, path: &str) -> Result<Loaded, LoadError> {
        let mut state = self.lock();
        state.calls.push(Call::Load(String::from(name.as_str())));
        if state.index.is_none() {
            return Err(LoadError::MissingFile {
                path: full_path(release, path),
            });
        }
        if let Some(failures) = state.failures.get_mut(name) {
            if let Some(error) = failures
                .first
                .pop_front()
                .or_else(|| failures.always.clone())
            {
                return Err(error);
            }
        }
        if state.live.insert(name.clone()) {
            Ok(Loaded::Inserted)
        } else {
            Ok(Loaded::AlreadyLoaded)
        }
    }
}

fn full_path(release: &str, path: &str) -> String {
    if path.starts_with('/') {
        String::from(path)
    } else {
        format!("/lib/modules/{release}/{path}")
    }
}

impl KernelModules for FakeKernel {
    fn release(&self) -> Result<String, IndexError> {
        Ok(self.lock().release.clone())
    }

    fn read_index(&self, release: &str) -> impl Future<Output = Result<IndexFiles, IndexError>> {
        let state = self.lock();
        ready(match (&state.index, release == state.release) {
            (Some(index), true) => Ok(index.clone()),
            _ => Err(IndexError::TreeMissing {
                path: format!("/lib/modules/{release}"),
            }),
        })
    }

    fn liveness(&self, name: &ModuleName) -> Liveness {
        if self.lock().live.contains(name) {
            Liveness::Live
        } else {
            Liveness::Absent
        }
    }

    fn load(
        &self,
        release: &str,
        name: &ModuleName,
        path: &str,
    ) -> impl Future<Output = Result<Loaded, LoadError>> {
        ready(self.do_load(release, name, path))
    }

    fn modprobe(&self, name: &ModuleName) -> impl Future<Output = Result<(), LoadError>> {
        let mut state = self.lock();
        state
            .calls
            .push(Call::Modprobe(String::from(name.as_str())));
        let result = if state.modprobe_works {
            state.live.insert(name.clone());
            Ok(())
        } else {
            Err(LoadError::ModprobeFailed { exit_code: Some(1) })
        };
        ready(result)
    }
}
