//! Advertisement intervals and the timers RFC 5798 §6.1 derives from them: Skew_Time and
//! Master_Down_Interval.
//!
//! VRRPv3 (RFC 5798) scales the skew by the Master's advert interval:
//! `Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256`.
//! VRRPv2 (RFC 3768 §6.1) uses `(256 - Priority) / 256` *seconds* whatever the interval, and so
//! does keepalived (`VRRP_TIMER_SKEW_CALC`). Both use `Master_Down_Interval = 3 *
//! Master_Adver_Interval + Skew_Time`. Times are computed in milliseconds, rounded down.

use super::config::Version;
use super::priority::Priority;
use crate::time::Duration;
use core::fmt;
use core::num::NonZeroU16;
use serde::{Deserialize, Serialize};

/// A non-zero advertisement interval in centiseconds (the VRRPv3 wire unit; VRRPv2's whole
/// seconds are multiples of 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AdvertInterval(NonZeroU16);

impl AdvertInterval {
    /// keepalived's default `advert_int 1`.
    pub const DEFAULT: AdvertInterval = AdvertInterval(NonZeroU16::MIN.saturating_add(99));
    /// The largest VRRPv3 interval: the field is 12 bits (RFC 5798 §5.2.7).
    pub const V3_MAX_CENTIS: u16 = 4095;
    /// The largest VRRPv2 interval: an 8-bit count of seconds (RFC 3768 §5.3.7).
    pub const V2_MAX_SECS: u16 = 255;

    /// `centis` hundredths of a second; `None` for 0.
    pub const fn from_centis(centis: u16) -> Option<AdvertInterval> {
        match NonZeroU16::new(centis) {
            Some(v) => Some(AdvertInterval(v)),
            None => None,
        }
    }

    /// `secs` whole seconds; `None` for 0 or if it does not fit in centiseconds.
    pub const fn from_secs(secs: u16) -> Option<AdvertInterval> {
        match secs.checked_mul(100) {
            Some(c) => AdvertInterval::from_centis(c),
            None => None,
        }
    }

    /// The interval in centiseconds.
    pub const fn centis(self) -> u16 {
        self.0.get()
    }

    /// The interval as a [`Duration`].
    pub const fn duration(self) -> Duration {
        Duration::from_centis(self.0.get() as u64)
    }
}

impl fmt::Display for AdvertInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}s", self.centis() / 100, self.centis() % 100)
    }
}

/// RFC 5798 §6.1 Skew_Time for a router of `priority` listening to a Master that adverts every
/// `master_adver_int`.
pub const fn skew_time(
    version: Version,
    priority: Priority,
    master_adver_int: AdvertInterval,
) -> Duration {
    let weight = 256 - priority.get() as u64;
    let millis = match version {
        Version::V3 => weight * master_adver_int.duration().total_millis() / 256,
        Version::V2 => weight * 1000 / 256,
    };
    Duration::from_millis(millis)
}

/// RFC 5798 §6.1 Master_Down_Interval: `3 * Master_Adver_Interval + Skew_Time`.
pub const fn master_down_interval(
    version: Version,
    priority: Priority,
    master_adver_int: AdvertInterval,
) -> Duration {
    let three = master_adver_int.duration().saturating_mul(3).total_millis();
    let skew = skew_time(version, priority, master_adver_int).total_millis();
    Duration::from_millis(three.saturating_add(skew))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prio(v: u8) -> Priority {
        Priority::new(v).unwrap_or(Priority::DEFAULT)
    }

    #[test]
    fn v2_skew_is_in_seconds_whatever_the_interval() {
        let three_s = AdvertInterval::from_secs(3).unwrap_or(AdvertInterval::DEFAULT);
        assert_eq!(
            skew_time(Version::V2, prio(100), three_s).total_millis(),
            609
        );
        assert_eq!(
            master_down_interval(Version::V2, prio(100), AdvertInterval::DEFAULT).total_millis(),
            3609
        );
    }

    #[test]
    fn v3_skew_scales_with_the_masters_interval() {
        let tenth = AdvertInterval::from_centis(10).unwrap_or(AdvertInterval::DEFAULT);
        // (256 - 100) * 100 ms / 256 = 60.9 ms; MDI = 300 + 60 ms (FIELD-NOTES §4: 0.29-0.37 s).
        assert_eq!(skew_time(Version::V3, prio(100), tenth).total_millis(), 60);
        assert_eq!(
            master_down_interval(Version::V3, prio(100), tenth).total_millis(),
            360
        );
        assert_eq!(
            skew_time(Version::V3, Priority::OWNER, AdvertInterval::DEFAULT).total_millis(),
            3
        );
    }

    #[test]
    fn interval_constructors_reject_zero_and_overflow() {
        assert_eq!(AdvertInterval::from_centis(0), None);
        assert_eq!(AdvertInterval::from_secs(0), None);
        assert_eq!(AdvertInterval::from_secs(u16::MAX), None);
        assert_eq!(AdvertInterval::DEFAULT.centis(), 100);
        assert_eq!(
            AdvertInterval::from_secs(255).map(AdvertInterval::centis),
            Some(25500)
        );
    }
}
