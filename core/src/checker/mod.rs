//! Health-check and VRRP-tracking logic, sans I/O: what keepalived's checker threads
//! (`check_tcp.c`, `check_http.c`, `check_misc.c`, `ipwrapper.c`) and `vrrp_script` /
//! `track_*` handling (`vrrp_scheduler.c`, `vrrp_track.c`) decide, as pure functions of
//! (state, result, `now`).
//!
//! The checker actor owns one [`CheckerState`] per configured checker and one [`ServerHealth`] per
//! real server. The call order per checker is: [`CheckerState::next_deadline`] says when to
//! start a probe; [`CheckerState::start`] marks it running at that time; the probe's result goes
//! to [`CheckerState::handle_result`], which returns a [`Report`] when keepalived would call
//! `update_svr_checker_state`; the report goes to [`ServerHealth::handle_report`], which returns
//! the [`CheckerEvent`] to publish, if any.
//!
//! # One checker (keepalived's `tcp_epilog`, the same rule for every checker type)
//!
//! | Result | Checker | Retries left (`retry_it < retry`) | Report | Next probe after |
//! |---|---|---|---|---|
//! | success | down, or first run | | Up | `delay_loop` |
//! | success | up | | none (retries reset) | `delay_loop` |
//! | failure | up, or first run | yes | none, `retry_it += 1` | `delay_before_retry` |
//! | failure | up, or first run | no | Down (retries reset) | `delay_loop` |
//! | failure | down, has run | | none | `delay_loop` |
//!
//! The first probe runs 1 s (keepalived's `BOOTSTRAP_DELAY`) plus a random share of `warmup`
//! after start; the caller picks the share, the core has no randomness. `alpha` starts a checker
//! down. A real server is up while every one of its checkers is up.
//!
//! # Where holdfast differs from keepalived
//!
//! 1. **HTTP_GET/SSL_GET with several `url`s** check every URL in one round (one probe), and the
//!    round fails if any URL fails. keepalived checks one URL per `delay_loop` and, once down,
//!    only the failing URL. `fast_recovery` is not implemented.
//! 2. **MISC_CHECK** follows the same table; keepalived also retries an `alpha` checker's first
//!    failure, holdfast does not (TCP_CHECK's rule). As in keepalived, the next MISC_CHECK is
//!    timed from the script's start ([`Anchor::Start`]), network checks from the result.
//! 3. **vrrp_script with weight 0 before its first result** holds the instance: keepalived keeps
//!    it in Initialize, holdfast reports [`TrackEvent::initialising`] so the VRRP driver can wait.

mod msg;
mod outcome;
mod plan;
mod quorum;
mod schedule;
mod script;
mod server;
mod track;

#[cfg(test)]
mod tests;

pub use msg::{CheckerEvent, EventCause, RealServerRef, TrackEvent, VirtualServerRef};
pub use outcome::{misc_outcome, Outcome, ScriptExit};
pub use plan::{
    checker_plan, track_plan, CheckerPlan, InstanceTracking, ServerPlan, TrackPlan, TrackedSource,
};
pub use quorum::Quorum;
pub use schedule::{Anchor, CheckerState, Report, Timing, BOOTSTRAP_DELAY};
pub use script::{ScriptHealth, ScriptState};
pub use server::{Change, ServerHealth};
pub use track::{
    evaluate, file_contribution, state_contribution, track_file_accepts, track_file_number,
    Contribution, Sources, TrackLine, TRACK_FILE_READ,
};
