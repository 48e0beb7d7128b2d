//! The supervisor's health view, folded from its events: which children run, which wait, which
//! are being restarted and how often. The watchdog and the state dump read it; nothing in it is
//! shared with the children.

use super::event::{ChildName, SupervisorEvent};
use std::collections::BTreeMap;

/// The state of one child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildHealth {
    /// Running.
    Running,
    /// Not started: waiting for a precondition (IPVS waits for `ip_vs`).
    Waiting,
    /// Failed; a restart is pending.
    Restarting {
        /// The last failure.
        reason: String,
    },
    /// Stopped on request.
    Stopped,
}

/// Every child's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    children: BTreeMap<ChildName, ChildHealth>,
    failures: BTreeMap<ChildName, u32>,
}

impl Health {
    /// No child seen yet.
    pub fn new() -> Self {
        Health::default()
    }

    /// Folds one event in.
    pub fn observe(&mut self, event: &SupervisorEvent) {
        match event {
            SupervisorEvent::Started { child } => {
                self.children.insert(*child, ChildHealth::Running);
            }
            SupervisorEvent::WaitingForModules => {
                self.children.insert(ChildName::Ipvs, ChildHealth::Waiting);
            }
            SupervisorEvent::Failed { child, reason, .. } => {
                let failures = self.failures.entry(*child).or_default();
                *failures = failures.saturating_add(1);
                self.children.insert(
                    *child,
                    ChildHealth::Restarting {
                        reason: reason.clone(),
                    },
                );
            }
            SupervisorEvent::Stopped { child } => {
                self.children.insert(*child, ChildHealth::Stopped);
            }
            SupervisorEvent::Loader(_) | SupervisorEvent::Ipvs(_) => {}
        }
    }

    /// The state of `child`, if it was ever mentioned.
    pub fn child(&self, child: ChildName) -> Option<&ChildHealth> {
        self.children.get(&child)
    }

    /// How often `child` has failed since start.
    pub fn failures(&self, child: ChildName) -> u32 {
        self.failures.get(&child).copied().unwrap_or(0)
    }

    /// Every child with its state, in name order.
    pub fn children(&self) -> impl Iterator<Item = (ChildName, &ChildHealth)> {
        self.children.iter().map(|(n, h)| (*n, h))
    }

    /// Whether no child is waiting for a restart.
    pub fn all_running(&self) -> bool {
        !self
            .children
            .values()
            .any(|h| matches!(h, ChildHealth::Restarting { .. }))
    }
}
