//! Building blocks for the property tests: timing profiles (VRRPv2 at 1 s, VRRPv3 at 0.1 s),
//! router configurations on documentation addresses, and the RFC timer values a test bounds
//! against.

use super::link::LinkModel;
use super::rng::Rng;
use holdfast_core::time::Duration;
use holdfast_core::vrrp::{AdvertInterval, Config, Priority, Version};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU8;

/// A protocol version, advert interval and segment delay range to run a property under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Name for messages.
    pub name: &'static str,
    /// VRRP version.
    pub version: Version,
    /// `advert_int`.
    pub interval: AdvertInterval,
    /// Segment impairments (the properties override `loss` and `duplicate`).
    pub link: LinkModel,
}

impl Profile {
    /// keepalived's defaults: VRRPv2, 1 s adverts; 1-5 ms one-way delay.
    pub fn v2_1s() -> Profile {
        Profile {
            name: "v2 advert_int 1",
            version: Version::V2,
            interval: AdvertInterval::DEFAULT,
            link: LinkModel {
                loss: 0.0,
                delay_min: Duration::from_millis(1),
                delay_max: Duration::from_millis(5),
                duplicate: 0.0,
            },
        }
    }

    /// VRRPv3 with 0.1 s adverts; 1-2 ms one-way delay.
    pub fn v3_100ms() -> Profile {
        Profile {
            name: "v3 advert_int 0.1",
            version: Version::V3,
            interval: AdvertInterval::from_centis(10).unwrap_or(AdvertInterval::DEFAULT),
            link: LinkModel {
                loss: 0.0,
                delay_min: Duration::from_millis(1),
                delay_max: Duration::from_millis(2),
                duplicate: 0.0,
            },
        }
    }

    /// The advert interval.
    pub fn adv(&self) -> Duration {
        self.interval.duration()
    }

    /// The segment's largest one-way delay.
    pub fn delay_max(&self) -> Duration {
        self.link.delay_max
    }

    /// Master_Down_Interval of a Backup with `priority` listening to a Master with our interval:
    /// `3 * adv + Skew_Time` (RFC 5798 §6.1). Written out here rather than taken from the core,
    /// so a wrong formula there shows up as a broken bound.
    pub fn mdi(&self, priority: Priority) -> Duration {
        Duration::from_millis(3 * self.adv().total_millis() + self.skew(priority).total_millis())
    }

    /// Skew_Time of a Backup with `priority`: `(256 - priority) / 256` of the interval (VRRPv3)
    /// or of one second (VRRPv2, RFC 3768 §6.1), in whole milliseconds.
    pub fn skew(&self, priority: Priority) -> Duration {
        let unit = match self.version {
            Version::V3 => self.adv().total_millis(),
            Version::V2 => 1000,
        };
        Duration::from_millis((256 - u64::from(priority.get())) * unit / 256)
    }

    /// The configuration of router `index` (primary address 192.0.2.`index + 1`).
    pub fn router(&self, priority: Priority, index: usize) -> Config {
        let octet = u8::try_from(index + 1).unwrap_or(u8::MAX);
        let mut c = Config::new(
            NonZeroU8::MIN,
            priority,
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, octet)),
        );
        c.version = self.version;
        c.advert_interval = self.interval;
        c
    }
}

/// `n` distinct priorities in 1..=254, in random order.
pub fn distinct_priorities(rng: &mut Rng, n: usize) -> Vec<Priority> {
    let mut chosen: Vec<Priority> = Vec::with_capacity(n);
    while chosen.len() < n {
        let p = Priority::new(rng.range(1, 254) as u8).unwrap_or(Priority::DEFAULT);
        if !chosen.contains(&p) {
            chosen.push(p);
        }
    }
    chosen
}

/// Index of the highest priority.
pub fn highest(priorities: &[Priority]) -> usize {
    priorities
        .iter()
        .enumerate()
        .max_by_key(|(_, p)| **p)
        .map(|(i, _)| i)
        .unwrap_or(0)
}
