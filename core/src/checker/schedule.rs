//! One checker's retry/up/down state and its probe schedule: keepalived's `tcp_epilog` as a pure
//! step. See the table in the [module doc](super).

use super::outcome::Outcome;
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};

/// keepalived's `BOOTSTRAP_DELAY`: the first probe waits this long (plus the warmup share).
pub const BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);

/// Where the next probe's delay counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Anchor {
    /// From the result (TCP_CHECK, HTTP_GET, SSL_GET).
    End,
    /// From the probe's start (MISC_CHECK's `last_ran`).
    Start,
}

/// A checker's timing keywords, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timing {
    pub delay_loop: Duration,
    pub delay_before_retry: Duration,
    /// Failures tolerated (retried) before the checker goes down.
    pub retry: u32,
    pub anchor: Anchor,
}

/// What keepalived passes to `update_svr_checker_state`: the checker's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Report {
    /// The checker is now up (true) or down.
    pub up: bool,
    /// This is the checker's first verdict.
    pub first: bool,
}

/// One checker: up/down, retries used, and when its next probe is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerState {
    timing: Timing,
    up: bool,
    has_run: bool,
    retry_it: u32,
    /// When the next probe is due; `None` while one runs.
    next: Option<Instant>,
    /// When the running probe started.
    started: Option<Instant>,
}

impl CheckerState {
    /// A checker created at `now`: up unless `alpha`, first probe at
    /// `now + BOOTSTRAP_DELAY + warmup_share` (the caller draws `warmup_share` from
    /// `0..=warmup`, as keepalived's `register_checkers_thread` does).
    pub fn new(timing: Timing, alpha: bool, now: Instant, warmup_share: Duration) -> Self {
        CheckerState {
            timing,
            up: !alpha,
            has_run: false,
            retry_it: 0,
            next: Some(now + BOOTSTRAP_DELAY + warmup_share),
            started: None,
        }
    }

    /// Whether the checker is up.
    pub const fn is_up(&self) -> bool {
        self.up
    }

    /// Whether a result has been handled.
    pub const fn has_run(&self) -> bool {
        self.has_run
    }

    /// Failures retried so far in the current streak.
    pub const fn retries_used(&self) -> u32 {
        self.retry_it
    }

    /// When the next probe is due; `None` while one is running.
    pub const fn next_deadline(&self) -> Option<Instant> {
        self.next
    }

    /// Whether a probe is running.
    pub const fn is_running(&self) -> bool {
        self.started.is_some()
    }

    /// Starts a probe if one is due at `now`; returns whether it did.
    pub fn start(&mut self, now: Instant) -> bool {
        match self.next {
            Some(due) if due <= now => {
                self.next = None;
                self.started = Some(now);
                true
            }
            _ => false,
        }
    }

    /// Takes the running probe's result at `now`. Returns the verdict when keepalived would
    /// report one; the next probe is scheduled either way. A result with no probe running (a
    /// late answer after a restart) is ignored.
    pub fn handle_result(&mut self, outcome: Outcome, now: Instant) -> Option<Report> {
        let started = self.started.take()?;
        let success = outcome.is_success();
        let first = !self.has_run;
        let mut report = None;
        if success || ((self.up || first) && self.retry_it >= self.timing.retry) {
            self.retry_it = 0;
            if success && (!self.up || first) {
                report = Some(Report { up: true, first });
            } else if !success && (self.up || first) {
                report = Some(Report { up: false, first });
            }
        } else if self.up {
            self.retry_it = self.retry_it.saturating_add(1);
        }
        if let Some(r) = report {
            self.up = r.up;
        }
        self.has_run = true;
        let delay = if self.retry_it > 0 {
            self.timing.delay_before_retry
        } else {
            self.timing.delay_loop
        };
        let base = match self.timing.anchor {
            Anchor::End => now,
            Anchor::Start => started,
        };
        // A script that outran its interval starts again at once, never in the past.
        let next = base + delay;
        self.next = Some(if next < now { now } else { next });
        report
    }
}
