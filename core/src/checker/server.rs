//! One real server's health from its checkers' reports (`ipwrapper.c`,
//! `update_svr_checker_state`): up while every checker is up; `misc_dynamic` weights.

use super::msg::EventCause;
use super::outcome::Outcome;
use super::schedule::Report;
use alloc::vec;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// What changed, for the actor to publish as a [`CheckerEvent`](super::CheckerEvent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Change {
    pub up: bool,
    pub weight: Option<u32>,
    pub cause: EventCause,
    pub notify: bool,
}

/// A real server's checkers, as seen by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerHealth {
    /// The configured weight (`misc_dynamic` weights are relative to it when several checkers
    /// set one, as keepalived's `cur_weight`).
    base_weight: u32,
    checker_up: Vec<bool>,
    /// Per checker, the weight its last dynamic result set.
    dynamic: Vec<Option<u32>>,
}

impl ServerHealth {
    /// A server with checkers starting up or down (`alpha`), in checker order.
    pub fn new(base_weight: u32, initial_up: &[bool]) -> Self {
        ServerHealth {
            base_weight,
            checker_up: initial_up.to_vec(),
            dynamic: vec![None; initial_up.len()],
        }
    }

    /// Up while every checker is (a server without checkers is always up).
    pub fn is_up(&self) -> bool {
        self.checker_up.iter().all(|&u| u)
    }

    /// The weight set by `misc_dynamic` checkers: `None` while none has set one. With several,
    /// each moves the configured weight by its own difference, floored at 0.
    pub fn weight(&self) -> Option<u32> {
        let set: Vec<u32> = self.dynamic.iter().flatten().copied().collect();
        if set.is_empty() {
            return None;
        }
        let base = i64::from(self.base_weight);
        let sum = set
            .iter()
            .fold(base, |acc, &w| acc.saturating_add(i64::from(w) - base));
        Some(u32::try_from(sum.max(0)).unwrap_or(u32::MAX))
    }

    /// The snapshot sent at start.
    pub fn initial(&self) -> Change {
        Change {
            up: self.is_up(),
            weight: self.weight(),
            cause: EventCause::Initial,
            notify: false,
        }
    }

    /// Takes checker `index`'s probe outcome and verdict. Returns the change to publish:
    /// health changes notify; an `alpha` checker's first failure notifies `notify_down` without a
    /// change (keepalived's `do_rs_notifies` on the first run); weight-only changes do not notify.
    pub fn handle_report(
        &mut self,
        index: usize,
        outcome: Outcome,
        report: Option<Report>,
    ) -> Option<Change> {
        let before = (self.is_up(), self.weight());
        let up_slot = self.checker_up.get_mut(index)?;
        let mut notify = false;
        if let Some(r) = report {
            if *up_slot == r.up {
                notify = r.first && !r.up;
            } else {
                *up_slot = r.up;
            }
        }
        if let Some(slot) = self.dynamic.get_mut(index) {
            match (outcome, report) {
                (Outcome::Success, _) => *slot = None,
                (Outcome::SuccessWeight(w), _) => *slot = Some(w),
                (Outcome::Failure, Some(Report { up: false, .. })) => *slot = None,
                (Outcome::Failure, _) => {}
            }
        }
        let after = (self.is_up(), self.weight());
        if after.0 != before.0 {
            notify = true;
        }
        (notify || after != before).then_some(Change {
            up: after.0,
            weight: after.1,
            cause: EventCause::Checked,
            notify,
        })
    }

    /// The event at shutdown with `omega`: a server that is up goes down and is notified.
    pub fn shutdown(&mut self) -> Option<Change> {
        if !self.is_up() {
            return None;
        }
        self.checker_up.iter_mut().for_each(|u| *u = false);
        Some(Change {
            up: false,
            weight: self.weight(),
            cause: EventCause::Shutdown,
            notify: true,
        })
    }
}
