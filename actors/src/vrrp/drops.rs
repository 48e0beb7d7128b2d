//! Received packets that were not used, by reason: the counters, and the rate limit that keeps
//! a flood of bad packets to one log line per reason per [`VrrpSettings::drop_log_interval`]
//! (keepalived's `log_rate_limited_error` does the same per flag).
//!
//! [`VrrpSettings::drop_log_interval`]: super::VrrpSettings::drop_log_interval

use holdfast_core::time::{Duration, Instant};
use holdfast_core::wire;
use std::fmt;

/// Why a received packet was dropped (or, for [`RxProblem::AddressList`], only noted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RxProblem {
    /// Shorter than its header or count says, or longer than the receive buffer.
    Truncated,
    /// RFC 5798 §7.1: TTL / hop limit not 255 on a multicast advert.
    BadTtl,
    /// Not VRRP version 2 or 3, or version 2 over IPv6.
    BadVersion,
    /// Not an ADVERTISEMENT.
    BadType,
    /// The address count disagrees with the length.
    BadLength,
    BadChecksum,
    /// Anything else the wire layer refused.
    Malformed,
    /// No instance runs this VRID on the interface and family.
    UnknownVrid,
    /// Sent from this instance's own address (looped back, or a duplicate address).
    OwnAdvert,
    /// The other VRRP version than the instance speaks.
    VersionMismatch,
    /// VRRPv2 authentication type or password differs from ours.
    AuthMismatch,
    /// VRRPv2 advert interval differs from ours (RFC 3768 §7.1: drop).
    IntervalMismatch,
    /// The advertised addresses differ from our VIPs. Counted and logged but the advert is still
    /// used, as keepalived 2.x does (`addr_list_err`).
    AddressList,
}

impl RxProblem {
    /// How many reasons there are.
    pub const COUNT: usize = 13;
    /// Every reason, in counter order.
    pub const ALL: [RxProblem; RxProblem::COUNT] = [
        RxProblem::Truncated,
        RxProblem::BadTtl,
        RxProblem::BadVersion,
        RxProblem::BadType,
        RxProblem::BadLength,
        RxProblem::BadChecksum,
        RxProblem::Malformed,
        RxProblem::UnknownVrid,
        RxProblem::OwnAdvert,
        RxProblem::VersionMismatch,
        RxProblem::AuthMismatch,
        RxProblem::IntervalMismatch,
        RxProblem::AddressList,
    ];

    /// Index into the counters; the discriminants are 0..COUNT in declaration order.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the packet is thrown away.
    pub const fn drops(self) -> bool {
        !matches!(self, RxProblem::AddressList)
    }

    /// The reason for a wire-layer refusal.
    pub const fn from_wire(error: wire::Error) -> RxProblem {
        match error {
            wire::Error::Truncated => RxProblem::Truncated,
            wire::Error::BadTtl { .. } => RxProblem::BadTtl,
            wire::Error::BadVersion { .. } => RxProblem::BadVersion,
            wire::Error::BadType { .. } => RxProblem::BadType,
            wire::Error::AddressCountMismatch { .. } => RxProblem::BadLength,
            wire::Error::BadChecksum { .. } => RxProblem::BadChecksum,
            wire::Error::BadIpHeader | wire::Error::BadProtocol { .. } | wire::Error::Malformed => {
                RxProblem::Malformed
            }
        }
    }
}

impl fmt::Display for RxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RxProblem::Truncated => "truncated",
            RxProblem::BadTtl => "TTL/hop limit not 255",
            RxProblem::BadVersion => "unsupported VRRP version",
            RxProblem::BadType => "not an advertisement",
            RxProblem::BadLength => "address count disagrees with length",
            RxProblem::BadChecksum => "bad checksum",
            RxProblem::Malformed => "malformed",
            RxProblem::UnknownVrid => "no instance for this VRID",
            RxProblem::OwnAdvert => "our own advert",
            RxProblem::VersionMismatch => "other VRRP version than configured",
            RxProblem::AuthMismatch => "authentication mismatch",
            RxProblem::IntervalMismatch => "advert interval mismatch",
            RxProblem::AddressList => "advertised addresses differ from ours",
        })
    }
}

/// Per-reason counters and the log rate limit.
#[derive(Debug, Clone, Default)]
pub struct RxProblems {
    counts: [u64; RxProblem::COUNT],
    /// Per reason: when it was last logged, and how many happened since.
    logged: [Option<Instant>; RxProblem::COUNT],
    unlogged: [u64; RxProblem::COUNT],
}

impl RxProblems {
    /// Counts one problem; returns how many to report in a log line now (this one included), or
    /// `None` while the reason was logged less than `interval` ago.
    pub fn record(&mut self, problem: RxProblem, now: Instant, interval: Duration) -> Option<u64> {
        let i = problem.index();
        let (Some(count), Some(unlogged), Some(logged)) = (
            self.counts.get_mut(i),
            self.unlogged.get_mut(i),
            self.logged.get_mut(i),
        ) else {
            return None;
        };
        *count = count.saturating_add(1);
        *unlogged = unlogged.saturating_add(1);
        let due = match *logged {
            None => true,
            Some(at) => now.saturating_since(at) >= interval,
        };
        if !due {
            return None;
        }
        *logged = Some(now);
        Some(std::mem::take(unlogged))
    }

    /// How many packets had this problem since start.
    pub fn count(&self, problem: RxProblem) -> u64 {
        self.counts.get(problem.index()).copied().unwrap_or(0)
    }

    /// Every reason with its count, in [`RxProblem::ALL`] order.
    pub fn counts(&self) -> impl Iterator<Item = (RxProblem, u64)> + '_ {
        RxProblem::ALL.into_iter().map(|p| (p, self.count(p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_reason_per_interval() {
        let mut p = RxProblems::default();
        let every = Duration::from_secs(10);
        let t = Instant::from_secs;
        assert_eq!(p.record(RxProblem::BadTtl, t(1), every), Some(1));
        assert_eq!(p.record(RxProblem::BadTtl, t(2), every), None);
        assert_eq!(p.record(RxProblem::BadChecksum, t(2), every), Some(1));
        assert_eq!(p.record(RxProblem::BadTtl, t(5), every), None);
        assert_eq!(p.record(RxProblem::BadTtl, t(11), every), Some(3));
        assert_eq!(p.count(RxProblem::BadTtl), 4);
        for (i, r) in RxProblem::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
        }
    }
}
