//! The IPVS gate: the proof that makes "talk to IPVS before its modules are loaded" (keepalived
//! 2.3.1's cold-boot fault) fail to compile.
//!
//! The IPVS actor's constructor takes a [`ModulesReady`]; only the module loader creates one, after
//! it has seen `ip_vs` present (loaded or built in). Which scheduler modules are present travels
//! with the proof, so the IPVS actor programs the services whose scheduler is there and reports
//! the others instead of failing them all.

use std::collections::BTreeSet;

/// Proof that `ip_vs` is present in the running kernel, with the schedulers found present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulesReady {
    schedulers: BTreeSet<String>,
}

impl ModulesReady {
    /// Only the module loader calls this, once `ip_vs` is loaded or built in.
    pub(crate) fn new(schedulers: impl IntoIterator<Item = String>) -> Self {
        ModulesReady {
            schedulers: schedulers.into_iter().collect(),
        }
    }

    /// Whether `ip_vs_<name>` is present, so a service using scheduler `name` can be added.
    pub fn scheduler_present(&self, name: &str) -> bool {
        self.schedulers.contains(name)
    }

    /// The schedulers present, by name (`rr`, `wrr`, ...).
    pub fn schedulers(&self) -> impl Iterator<Item = &str> {
        self.schedulers.iter().map(String::as_str)
    }

    /// A proof for tests of the IPVS actor, which run against a fake kernel.
    #[cfg(any(test, feature = "test-support"))]
    pub fn for_tests(schedulers: &[&str]) -> Self {
        Self::new(schedulers.iter().map(|s| s.to_string()))
    }
}
