//! Advert reception: the "If an ADVERTISEMENT is received" arms of RFC 5798 §6.4.2 (Backup) and
//! §6.4.3 (Master), with keepalived's preempt_delay and lower-priority re-assertion.

use super::config::Version;
use super::input::Advert;
use super::instance::{Instance, Out};
use super::interval::AdvertInterval;
use super::priority::PRIORITY_STOP;
use super::state::State;
use super::timers::Timer;
use crate::time::{Duration, Instant};
use core::cmp::Ordering;
use core::net::IpAddr;

impl Instance {
    pub(super) fn on_advert(&mut self, advert: &Advert, now: Instant, out: &mut Out) {
        let stats = &mut self.stats;
        stats.adverts_received = stats.adverts_received.saturating_add(1);
        if advert.version != self.config.version {
            stats.discarded_version = stats.discarded_version.saturating_add(1);
            return;
        }
        let interval = match AdvertInterval::from_centis(advert.max_adver_int_cs) {
            // RFC 3768 §7.1: a VRRPv2 router discards adverts whose interval differs from its own.
            Some(i) if self.config.version == Version::V2 && i != self.config.advert_interval => {
                None
            }
            other => other,
        };
        let Some(interval) = interval else {
            stats.discarded_interval = stats.discarded_interval.saturating_add(1);
            return;
        };
        if advert.priority == PRIORITY_STOP {
            stats.priority_zero_received = stats.priority_zero_received.saturating_add(1);
        }
        match self.state {
            // §6.4.1: an Initialize router does not listen; keepalived's Fault neither.
            State::Initialize | State::Fault => {}
            State::Backup => self.backup_receive(advert, interval, now),
            State::Master => self.master_receive(advert, interval, now, out),
        }
    }

    /// §6.4.2 "If an ADVERTISEMENT is received".
    fn backup_receive(&mut self, advert: &Advert, interval: AdvertInterval, now: Instant) {
        if advert.priority == PRIORITY_STOP {
            // §6.4.2: the Master is stopping; take over after Skew_Time.
            self.timers.set(Timer::MasterDown, now + self.skew_time());
            return;
        }
        let not_lower = advert.priority >= self.effective.get();
        if !self.config.preempt || not_lower || self.preempt_delay_holds(now) {
            // §6.4.2: accept; learn the Master's interval (VRRPv3), reset Master_Down_Timer.
            if self.config.version == Version::V3 {
                self.master_adver_int = interval;
            }
            self.timers
                .set(Timer::MasterDown, now + self.master_down_interval());
            self.track_preempt_delay(not_lower, now);
        } else {
            // §6.4.2 "else discard": Master_Down_Timer keeps running, so we preempt when it fires.
            self.stats.discarded_lower_priority =
                self.stats.discarded_lower_priority.saturating_add(1);
        }
    }

    /// keepalived `preempt_delay`: a lower-priority Master is tolerated until `preempt_delay`
    /// after its first advert was seen.
    fn preempt_delay_holds(&self, now: Instant) -> bool {
        self.config.preempt_delay > Duration::ZERO
            && !self.preempt_elapsed
            && !self.timers.is_expired(Timer::PreemptDelay, now)
    }

    fn track_preempt_delay(&mut self, not_lower: bool, now: Instant) {
        if self.config.preempt_delay == Duration::ZERO {
            return;
        }
        if not_lower {
            self.timers.stop(Timer::PreemptDelay);
            self.preempt_elapsed = false;
        } else if self.timers.get(Timer::PreemptDelay).is_none() && !self.preempt_elapsed {
            self.timers
                .set(Timer::PreemptDelay, now + self.config.preempt_delay);
        }
    }

    /// §6.4.3 "If an ADVERTISEMENT is received".
    fn master_receive(
        &mut self,
        advert: &Advert,
        interval: AdvertInterval,
        now: Instant,
        out: &mut Out,
    ) {
        let ours = self.effective.get();
        if advert.priority == PRIORITY_STOP {
            // §6.4.3: another router claims to be stopping; re-assert and reset Adver_Timer.
            self.send_advert(ours, out);
            self.timers.set(
                Timer::Advertisement,
                now + self.config.advert_interval.duration(),
            );
            return;
        }
        let address = compare_primary(advert.source, self.config.primary_address);
        let wins = advert.priority > ours || (advert.priority == ours && address.is_gt());
        if wins {
            // §6.4.3: higher priority, or equal with a greater primary address: become Backup
            // with the sender's interval (VRRPv3).
            let learned = match self.config.version {
                Version::V3 => Some(interval),
                Version::V2 => None,
            };
            self.enter_backup(now, learned, out);
        } else if advert.priority == ours && address.is_eq() {
            // Our own advert, looped back or from a duplicate address: keepalived warns and
            // ignores it.
        } else {
            // §6.4.3 "else discard". keepalived (unless lower_prio_no_advert) answers with an
            // advert at once so a lower Master that appeared after a split steps down quickly.
            self.stats.discarded_lower_priority =
                self.stats.discarded_lower_priority.saturating_add(1);
            if !self.config.lower_prio_no_advert {
                self.send_advert(ours, out);
            }
        }
    }
}

/// RFC 5798 §6.4.3 tie-break: compares primary addresses numerically. Addresses of different
/// families never tie-break (keepalived's `vrrp_saddr_cmp` returns "equal"), and an instance only
/// ever hears its own family.
fn compare_primary(theirs: IpAddr, ours: IpAddr) -> Ordering {
    match (theirs, ours) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.cmp(&b),
        (IpAddr::V6(a), IpAddr::V6(b)) => a.cmp(&b),
        _ => Ordering::Equal,
    }
}
