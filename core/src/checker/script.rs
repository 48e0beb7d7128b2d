//! A `vrrp_script`'s rise/fall counter (`vrrp_scheduler.c`, `vrrp_script_child_thread`).
//!
//! keepalived keeps `result` in `0..=rise+fall-1`; the script is up while `result >= rise`. A
//! success below `rise - 1` counts up; reaching `rise` jumps to the top (up). A failure above
//! `rise` counts down; at `rise` it drops to 0 (down). Before the first result the script is in
//! its initial state: without `init_fail` one result decides (`result = rise - 1`, and the first
//! failure goes down whatever `fall` is); with `init_fail` it starts down at 0 and needs `rise`
//! successes.

use serde::{Deserialize, Serialize};

/// A script's health as tracking sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ScriptHealth {
    /// No result yet (and no `init_fail`): weights are not applied yet.
    Init,
    Up,
    Down,
}

/// One `vrrp_script`'s counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ScriptState {
    rise: u32,
    fall: u32,
    result: u32,
    init: bool,
}

impl ScriptState {
    /// A script before its first run. `rise` and `fall` of 0 count as 1.
    pub fn new(rise: u32, fall: u32, init_fail: bool) -> Self {
        let rise = rise.max(1);
        ScriptState {
            rise,
            fall: fall.max(1),
            result: if init_fail { 0 } else { rise - 1 },
            init: !init_fail,
        }
    }

    /// The current health.
    pub fn health(&self) -> ScriptHealth {
        if self.init {
            ScriptHealth::Init
        } else if self.result >= self.rise {
            ScriptHealth::Up
        } else {
            ScriptHealth::Down
        }
    }

    /// Takes one run's result (`ok`: exit status 0). Returns the health when it changed.
    pub fn handle(&mut self, ok: bool) -> Option<ScriptHealth> {
        let before = self.health();
        let top = self.rise.saturating_add(self.fall) - 1;
        if ok {
            if self.result < self.rise - 1 {
                self.result += 1;
            } else {
                self.result = top;
            }
        } else if self.result > self.rise && !self.init {
            self.result -= 1;
        } else {
            self.result = 0;
        }
        self.init = false;
        let after = self.health();
        (after != before).then_some(after)
    }
}
