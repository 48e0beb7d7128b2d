//! VRRP priorities: the configured value (1..=255, 255 = address owner, RFC 5798 §5.2.4) and the
//! effective priority keepalived derives from it and the tracked objects' weights.

use core::fmt;
use serde::{Deserialize, Serialize};

/// A priority a router may hold: 1..=255. Zero is not a priority but the "stopping" signal
/// ([`PRIORITY_STOP`]), so it cannot be represented here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Priority(u8);

/// The advert priority that announces "this Master is stopping" (RFC 5798 §5.2.4).
pub const PRIORITY_STOP: u8 = 0;

impl Priority {
    /// The address owner's priority (RFC 5798 §5.2.4).
    pub const OWNER: Priority = Priority(255);
    /// keepalived's default `priority`.
    pub const DEFAULT: Priority = Priority(100);
    /// The highest priority a non-owner can reach through track weights.
    pub const MAX_BACKUP: Priority = Priority(254);
    /// The lowest priority track weights can push a router to.
    pub const MIN: Priority = Priority(1);

    /// `value` as a priority; `None` for 0.
    pub const fn new(value: u8) -> Option<Priority> {
        if value == PRIORITY_STOP {
            None
        } else {
            Some(Priority(value))
        }
    }

    /// The raw value, as carried in adverts.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Whether this is the address owner's priority.
    pub const fn is_owner(self) -> bool {
        self.0 == Priority::OWNER.0
    }

    /// The effective priority: `self` plus the sum of the weights of failed/succeeding tracked
    /// objects, clamped to 1..=254 as keepalived does (`vrrp_set_effective_priority`). An owner
    /// ignores weights and stays at 255.
    pub fn with_weights(self, weight_sum: i32) -> Priority {
        if self.is_owner() {
            return self;
        }
        let sum = i32::from(self.0).saturating_add(weight_sum);
        let clamped = sum.clamp(
            i32::from(Priority::MIN.0),
            i32::from(Priority::MAX_BACKUP.0),
        );
        // The clamp keeps the value in 1..=254, so the fallback is never taken.
        Priority(u8::try_from(clamped).unwrap_or(Priority::MAX_BACKUP.0))
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_not_a_priority() {
        assert_eq!(Priority::new(0), None);
        assert_eq!(Priority::new(1).map(Priority::get), Some(1));
    }

    #[test]
    fn weights_clamp_to_backup_range_and_spare_the_owner() {
        let p = |v| Priority::new(v).unwrap_or(Priority::DEFAULT);
        assert_eq!(p(100).with_weights(-20).get(), 80);
        assert_eq!(p(100).with_weights(200).get(), 254);
        assert_eq!(p(100).with_weights(-200).get(), 1);
        assert_eq!(p(100).with_weights(i32::MIN).get(), 1);
        assert_eq!(p(254).with_weights(1).get(), 254);
        assert_eq!(Priority::OWNER.with_weights(-50), Priority::OWNER);
    }
}
