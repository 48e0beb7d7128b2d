//! Semantic validation: what keepalived checks once the whole file is read, with its limits and
//! its verdicts (`keepalived -t` exit codes through [`Class`]).
//!
//! [`validate`] checks a [`Config`] against keepalived's invariants (VRID and priority ranges,
//! advert intervals per VRRP version, address families, duplicate VRIDs, real server ports,
//! script security) and against the running system through [`SystemFacts`] (interfaces, users,
//! script files), which the platform implements so the core stays free of I/O.
//!
//! A config that came from [`parse`](super::parse) already holds keepalived's corrections (a
//! rounded VRRPv2 `advert_int`, a reset DR port), each reported there, so the invariant checks
//! here find nothing new in it; they guard configs built or deserialised by other means.
//! [`validate_config`] also returns what keepalived leaves out of the running configuration
//! (the `vrrp_script`s it disables), as data, so the daemon never reads it back out of message
//! text. Classes follow keepalived: a problem keepalived reports and runs past is [`Class::Error`],
//! scripts without `enable_script_security` are [`Class::ScriptSecurity`], and what holdfast
//! itself cannot run is [`Class::CannotRun`].

mod facts;
mod scripts;
mod virtual_server;
mod vrrp;

pub use facts::{FakeFacts, FileKind, FileMeta, InterfaceFacts, SystemFacts, UserIds};

use super::diag::{Class, Diagnostic, Location};
use super::model::Config;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

/// What validation found: the problems, and the parts keepalived would not run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    pub diagnostics: Vec<Diagnostic>,
    /// Names of the `vrrp_script`s keepalived disables (program missing, user unknown, not
    /// executable, insecure under `enable_script_security`): every `track_script` line naming
    /// one is dropped, as keepalived drops it. Each has its diagnostic in `diagnostics`.
    pub disabled_vrrp_scripts: BTreeSet<String>,
}

/// Every semantic problem in `config`, given the system it will run on.
pub fn validate(config: &Config, facts: &dyn SystemFacts) -> Vec<Diagnostic> {
    validate_config(config, facts).diagnostics
}

/// [`validate`], with what validation disabled.
pub fn validate_config(config: &Config, facts: &dyn SystemFacts) -> Validation {
    let mut out = Out::default();
    vrrp::check(config, facts, &mut out);
    virtual_server::check(config, facts, &mut out);
    scripts::check(config, facts, &mut out);
    Validation {
        diagnostics: out.diags,
        disabled_vrrp_scripts: out.disabled_vrrp_scripts,
    }
}

/// Collects diagnostics for the checks.
#[derive(Default)]
struct Out {
    diags: Vec<Diagnostic>,
    disabled_vrrp_scripts: BTreeSet<String>,
}

impl Out {
    fn push(&mut self, class: Class, location: Option<Location>, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            class,
            location,
            message: message.into(),
        });
    }

    fn error(&mut self, location: Option<Location>, message: impl Into<String>) {
        self.push(Class::Error, location, message);
    }
}

#[cfg(test)]
mod tests;
