//! The ipvs actor: keeps the kernel's IPVS table equal to the desired one, built by the config
//! actor and the checkers, and reports per-service status.
//!
//! ```text
//!  config, checkers ──IpvsMsg::DesiredState──┐
//!  module loader ─────IpvsMsg::ModulesChanged┤
//!  reload (both) ─────IpvsMsg::Reloaded──────┼─▶ inbox (bounded, INBOX_CAPACITY; senders wait)
//!  supervisor ────────IpvsMsg::Tick/Shutdown─┘          │
//!                                                       ▼
//!                                                  IpvsActor ──Ipvs port──▶ kernel (genetlink)
//!                                                       │
//!                   reports (bounded, sized by the spawner; try_send: statuses are resent on a
//!                   later pass when the channel is full, one-off events are dropped and counted)
//!                                                       ▼
//!                                              supervisor / log / status page
//! ```
//!
//! The loop: a pass runs at start, after every change of wishes or modules, and every
//! [`IpvsConfig::redump_interval`] to restore drift (`ipvsadm -C`, a module reload). A pass
//! resolves the family if needed (GETFAMILY then GET_INFO), dumps the kernel's table, plans the
//! diff and applies it op by op; see [`reconcile`] for how errors are isolated. Lookups that fail
//! are retried with a bounded exponential backoff ([`IpvsConfig::retry_min`] to
//! [`IpvsConfig::retry_max`]). The actor never exits on an IPVS error: VRRP does not depend on it.

mod actor;
mod backoff;
pub mod reconcile;
mod report;

#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
mod tests;

pub use actor::{Flow, IpvsActor, IpvsCounters};
pub use backoff::Backoff;
pub use report::{IpvsReport, ServiceStatus};

use crate::gate::ModulesReady;
use holdfast_core::ipvs::Table;
use holdfast_core::time::Duration;

/// Capacity of the actor's inbox. Messages are whole desired tables, so a few suffice: a sender
/// that finds it full waits, and the actor drains up to 16 at once before a pass.
pub const INBOX_CAPACITY: usize = 8;

/// The actor's inbox.
#[derive(Debug, Clone)]
pub enum IpvsMsg {
    /// The complete table holdfast wants now (configuration plus checker results).
    DesiredState(Table),
    /// The module loader found more (or fewer) schedulers: a new proof. Also makes the actor look
    /// the family up again, since a module load may have reloaded `ip_vs`.
    ModulesChanged(ModulesReady),
    /// A reload that changed the modules needed: its table with the loader's proof for those
    /// needs, sent only once the loader has answered them. Taken as one message so no pass plans
    /// the new table against the old proof (a new scheduler reported "not loaded") or the old
    /// table against the new one (a scheduler no longer needed reported missing).
    Reloaded {
        /// The reloaded desired table.
        table: Table,
        /// The loader's proof for the reloaded needs.
        ready: ModulesReady,
    },
    /// Reconcile now instead of at the next interval.
    Tick,
    /// Apply the stop policy and end.
    Shutdown,
}

/// What to do with the kernel's IPVS table when the actor stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopPolicy {
    /// Leave everything (keepalived's `--dont-release-ipvs`).
    Keep,
    /// Delete the services this actor programmed (keepalived's default).
    RemoveOwned,
    /// FLUSH every service, whoever made it (`lvs_flush_onstop`).
    FlushAll,
}

/// The actor's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsConfig {
    /// How often the kernel's table is re-read and drift repaired.
    pub redump_interval: Duration,
    /// First retry delay after a failed lookup or pass.
    pub retry_min: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// FLUSH once, at the first successful connection (`lvs_flush`).
    pub flush_at_start: bool,
    /// What to do at shutdown.
    pub on_stop: StopPolicy,
}

impl Default for IpvsConfig {
    fn default() -> Self {
        IpvsConfig {
            redump_interval: Duration::from_secs(5),
            retry_min: Duration::from_millis(250),
            retry_max: Duration::from_secs(10),
            flush_at_start: false,
            on_stop: StopPolicy::RemoveOwned,
        }
    }
}
