//! What one `vrrp_instance` tells the state machine: the typed, already-resolved subset of its
//! keepalived.conf block that changes protocol behaviour. Addresses, interfaces and scripts stay
//! with the actor; actions refer to "the instance's VIPs" abstractly.

use super::interval::AdvertInterval;
use super::priority::Priority;
use crate::time::Duration;
use core::net::{IpAddr, Ipv4Addr};
use core::num::NonZeroU8;
use serde::{Deserialize, Serialize};

/// The VRRP version an instance speaks (keepalived `version` / `vrrp_version`, default 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Version {
    /// RFC 3768: interval in whole seconds, skew in seconds.
    V2,
    /// RFC 5798: interval in centiseconds, learned from the Master.
    V3,
}

/// keepalived's gratuitous ARP / unsolicited NA schedule on becoming Master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GarpSchedule {
    /// `garp_master_delay`: when the second burst goes out (zero: no second burst). Default 5 s.
    pub delay: Duration,
    /// `garp_master_repeat`: messages per burst. Default 5.
    pub repeat: u8,
    /// `garp_master_refresh`: period of refresh bursts while Master (zero: off, the default).
    pub refresh: Duration,
    /// `garp_master_refresh_repeat`: messages per refresh burst. Default 1.
    pub refresh_repeat: u8,
}

impl Default for GarpSchedule {
    fn default() -> Self {
        GarpSchedule {
            delay: Duration::from_secs(5),
            repeat: 5,
            refresh: Duration::ZERO,
            refresh_repeat: 1,
        }
    }
}

/// The protocol configuration of one virtual router instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// `virtual_router_id`, 1..=255.
    pub vrid: NonZeroU8,
    /// `version`.
    pub version: Version,
    /// `priority`; 255 makes this router the address owner.
    pub priority: Priority,
    /// `advert_int`.
    pub advert_interval: AdvertInterval,
    /// RFC 5798 Preempt_Mode; keepalived `nopreempt` clears it.
    pub preempt: bool,
    /// `preempt_delay`: how long a Backup tolerates a lower-priority Master (zero: none).
    pub preempt_delay: Duration,
    /// RFC 5798 Accept_Mode (keepalived `accept`); carried to the actor in `AddVips`.
    pub accept: bool,
    /// The primary address adverts are sent from, used for the equal-priority tie-break.
    #[cfg_attr(feature = "defmt", defmt(Display2Format))]
    pub primary_address: IpAddr,
    /// Gratuitous ARP / NA schedule.
    pub garp: GarpSchedule,
    /// keepalived `lower_prio_no_advert`: when false (the default) a Master answers a
    /// lower-priority advert with an immediate advert of its own.
    pub lower_prio_no_advert: bool,
}

impl Config {
    /// A configuration with keepalived's defaults: version 2, `advert_int 1`, preemption on, no
    /// preempt delay, accept off, default GARP schedule.
    pub fn new(vrid: NonZeroU8, priority: Priority, primary_address: IpAddr) -> Config {
        Config {
            vrid,
            version: Version::V2,
            priority,
            advert_interval: AdvertInterval::DEFAULT,
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept: false,
            primary_address,
            garp: GarpSchedule::default(),
            lower_prio_no_advert: false,
        }
    }

    /// Checks the combinations the field types cannot rule out on their own.
    pub fn check(&self) -> Result<(), ConfigError> {
        let centis = self.advert_interval.centis();
        match self.version {
            Version::V3 if centis > AdvertInterval::V3_MAX_CENTIS => {
                Err(ConfigError::V3IntervalTooLong { centis })
            }
            Version::V2 if !centis.is_multiple_of(100) => {
                Err(ConfigError::V2IntervalNotWholeSeconds { centis })
            }
            Version::V2 if centis / 100 > AdvertInterval::V2_MAX_SECS => {
                Err(ConfigError::V2IntervalTooLong { centis })
            }
            _ => Ok(()),
        }
    }
}

impl Default for Config {
    /// VRID 1, priority 100, primary address 0.0.0.0: a starting point for tests and builders.
    fn default() -> Self {
        Config::new(
            NonZeroU8::MIN,
            Priority::DEFAULT,
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        )
    }
}

/// Why a [`Config`] cannot drive an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// VRRPv3 carries the interval in 12 bits of centiseconds (max 40.95 s).
    V3IntervalTooLong {
        /// The configured interval.
        centis: u16,
    },
    /// VRRPv2 carries whole seconds.
    V2IntervalNotWholeSeconds {
        /// The configured interval.
        centis: u16,
    },
    /// VRRPv2 carries at most 255 s.
    V2IntervalTooLong {
        /// The configured interval.
        centis: u16,
    },
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::V3IntervalTooLong { centis } => {
                write!(f, "advert_int {centis} cs exceeds VRRPv3's 40.95 s")
            }
            ConfigError::V2IntervalNotWholeSeconds { centis } => {
                write!(
                    f,
                    "advert_int {centis} cs is not whole seconds, as VRRPv2 needs"
                )
            }
            ConfigError::V2IntervalTooLong { centis } => {
                write!(f, "advert_int {centis} cs exceeds VRRPv2's 255 s")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_limits_depend_on_version() {
        let mut c = Config::default();
        assert_eq!(c.check(), Ok(()));
        c.advert_interval = AdvertInterval::from_centis(10).unwrap_or(AdvertInterval::DEFAULT);
        assert_eq!(
            c.check(),
            Err(ConfigError::V2IntervalNotWholeSeconds { centis: 10 })
        );
        c.version = Version::V3;
        assert_eq!(c.check(), Ok(()));
        c.advert_interval = AdvertInterval::from_centis(4096).unwrap_or(AdvertInterval::DEFAULT);
        assert_eq!(
            c.check(),
            Err(ConfigError::V3IntervalTooLong { centis: 4096 })
        );
        c.version = Version::V2;
        c.advert_interval = AdvertInterval::from_secs(256).unwrap_or(AdvertInterval::DEFAULT);
        assert_eq!(
            c.check(),
            Err(ConfigError::V2IntervalTooLong { centis: 25600 })
        );
    }
}
