//! A virtual server's quorum with hysteresis (`ipwrapper.c`, `update_quorum_state`): gained when
//! the live weight reaches `quorum + hysteresis`, lost below `quorum - hysteresis` (or at 0).
//! While it is lost the sorry server replaces the real servers.

use serde::{Deserialize, Serialize};

/// Quorum state of one virtual server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Quorum {
    quorum: u32,
    hysteresis: u32,
    up: bool,
}

impl Quorum {
    /// The state at start, from the live weight then (`weight_sum >= quorum + hysteresis`).
    pub fn new(quorum: u32, hysteresis: u32, live_weight: u64) -> Self {
        Quorum {
            quorum,
            hysteresis,
            up: live_weight >= u64::from(quorum) + u64::from(hysteresis),
        }
    }

    /// Whether the quorum is met.
    pub const fn is_up(&self) -> bool {
        self.up
    }

    /// Takes the new live weight (sum of the weights of live real servers). Returns the new state
    /// when it changed.
    pub fn update(&mut self, live_weight: u64) -> Option<bool> {
        let q = i64::from(self.quorum);
        let h = i64::from(self.hysteresis);
        let threshold = if self.up { q - h } else { q + h };
        let sum = i64::try_from(live_weight).unwrap_or(i64::MAX);
        if !self.up && sum >= threshold {
            self.up = true;
            Some(true)
        } else if self.up && (sum == 0 || sum < threshold) {
            self.up = false;
            Some(false)
        } else {
            None
        }
    }
}
