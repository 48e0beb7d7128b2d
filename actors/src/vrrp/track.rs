//! Tracked objects to the core's [`TrackStatus`]: keepalived's weight rules
//! (`vrrp_track.c`, `initialise_interface_tracking_priorities`), as a pure function.
//!
//! With `m = -1` for `reverse`, else `1`:
//! * weight 0: the object failing (down, or up when reversed) puts the instance in Fault;
//! * weight > 0: `weight * m` is added while the object is up;
//! * weight < 0: `weight * m` is added while the object is down.

use super::setup::TrackWeight;
use holdfast_core::vrrp::TrackStatus;

/// Combines the tracked objects' states; `up(name)` says whether an object is up now.
pub fn status<'a>(
    objects: impl IntoIterator<Item = &'a TrackWeight>,
    up: impl Fn(&str) -> bool,
) -> TrackStatus {
    let mut status = TrackStatus::default();
    for object in objects {
        let is_up = up(&object.name);
        let multiplier = if object.reverse { -1 } else { 1 };
        match object.weight {
            0 => status.fault |= is_up == object.reverse,
            w if w > 0 && is_up => {
                status.weight_sum = status.weight_sum.saturating_add(w * multiplier)
            }
            w if w < 0 && !is_up => {
                status.weight_sum = status.weight_sum.saturating_add(w * multiplier)
            }
            _ => {}
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, weight: i32, reverse: bool) -> TrackWeight {
        TrackWeight {
            name: name.into(),
            weight,
            reverse,
        }
    }

    #[test]
    fn keepalived_weight_rules() {
        let objects = [t("a", 10, false), t("b", -20, false), t("c", 5, true)];
        let all_up = status(&objects, |_| true);
        assert_eq!(all_up.weight_sum, 10 - 5);
        assert!(!all_up.fault);
        let all_down = status(&objects, |_| false);
        assert_eq!(all_down.weight_sum, -20);
        let zero = [t("z", 0, false)];
        assert!(status(&zero, |_| false).fault);
        assert!(!status(&zero, |_| true).fault);
        let zero_rev = [t("z", 0, true)];
        assert!(status(&zero_rev, |_| true).fault);
    }
}
