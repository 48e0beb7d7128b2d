//! Which modules an IPVS configuration needs: `ip_vs`, `ip_vs_<scheduler>` for every scheduler
//! (`lb_algo`) and `ip_vs_pe_<engine>` for every persistence engine. The kernel asks for exactly
//! these names (`request_module("ip_vs_%s")`) and cannot autoload them on many appliances.

use super::name::{ModuleName, NameError};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

/// The IPVS core module.
pub const IPVS_MODULE: &str = "ip_vs";

/// The IPVS core module's name.
pub fn ipvs_module() -> ModuleName {
    ModuleName::from_known(IPVS_MODULE)
}

/// A scheduler or persistence-engine name that gives no valid module name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadNeed {
    pub name: String,
    pub error: NameError,
}

/// The modules an IPVS configuration needs, with the scheduler and engine each one is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpvsNeeds {
    schedulers: Vec<(String, ModuleName)>,
    engines: Vec<(String, ModuleName)>,
}

impl IpvsNeeds {
    /// The needs for these schedulers (`rr`, `wrr`, ...) and persistence engines (`sip`).
    /// Duplicates are dropped; every bad name is returned.
    pub fn new<'a>(
        schedulers: impl IntoIterator<Item = &'a str>,
        engines: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, Vec<BadNeed>> {
        let mut needs = IpvsNeeds::default();
        let mut bad = Vec::new();
        for (names, prefix, into) in [
            (
                schedulers.into_iter().collect::<Vec<_>>(),
                "ip_vs_",
                &mut needs.schedulers,
            ),
            (
                engines.into_iter().collect::<Vec<_>>(),
                "ip_vs_pe_",
                &mut needs.engines,
            ),
        ] {
            for name in names {
                match module_for(prefix, name) {
                    Ok(module) => {
                        if !into.iter().any(|(_, m)| m == &module) {
                            into.push((String::from(name), module));
                        }
                    }
                    Err(error) => bad.push(BadNeed {
                        name: String::from(name),
                        error,
                    }),
                }
            }
        }
        if bad.is_empty() {
            Ok(needs)
        } else {
            Err(bad)
        }
    }

    /// Every module needed, `ip_vs` first.
    pub fn modules(&self) -> Vec<ModuleName> {
        let mut out = alloc::vec![ipvs_module()];
        for (_, module) in self.schedulers.iter().chain(&self.engines) {
            if !out.contains(module) {
                out.push(module.clone());
            }
        }
        out
    }

    /// The scheduler names with their modules.
    pub fn schedulers(&self) -> &[(String, ModuleName)] {
        &self.schedulers
    }

    /// The persistence-engine names with their modules.
    pub fn engines(&self) -> &[(String, ModuleName)] {
        &self.engines
    }
}

/// The module the kernel loads for scheduler `sched` (`rr` → `ip_vs_rr`).
pub fn scheduler_module(sched: &str) -> Result<ModuleName, NameError> {
    module_for("ip_vs_", sched)
}

/// The module the kernel loads for persistence engine `engine` (`sip` → `ip_vs_pe_sip`).
pub fn engine_module(engine: &str) -> Result<ModuleName, NameError> {
    module_for("ip_vs_pe_", engine)
}

fn module_for(prefix: &str, name: &str) -> Result<ModuleName, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let mut full = String::with_capacity(prefix.len().saturating_add(name.len()));
    full.push_str(prefix);
    full.push_str(name);
    ModuleName::new(&full)
}

impl fmt::Display for BadNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' gives no module name: {}", self.name, self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedulers_and_sip() {
        let needs = IpvsNeeds::new(["rr", "wrr", "rr"], ["sip"]).unwrap();
        let names: Vec<_> = needs
            .modules()
            .iter()
            .map(|m| String::from(m.as_str()))
            .collect();
        assert_eq!(names, ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_pe_sip"]);
        assert_eq!(needs.schedulers().len(), 2);
        assert_eq!(ipvs_module(), ModuleName::new(IPVS_MODULE).unwrap());
    }

    #[test]
    fn no_schedulers_still_needs_ip_vs() {
        let needs = IpvsNeeds::new([], []).unwrap();
        assert_eq!(needs.modules(), [ipvs_module()]);
    }

    #[test]
    fn bad_names_are_all_returned() {
        let bad = IpvsNeeds::new(["rr", "../x", ""], ["s p"]).unwrap_err();
        let names: Vec<_> = bad.iter().map(|b| (b.name.as_str(), b.error)).collect();
        assert_eq!(
            names,
            [
                ("../x", NameError::BadChar),
                ("", NameError::Empty),
                ("s p", NameError::BadChar)
            ]
        );
    }
}
