//! What the ipvs actor tells the rest of the daemon: the catalogue of its events, sent on its
//! bounded report channel. The text of each event is its `Display`, so the log line and the
//! status page say the same thing.

use crate::ports::ipvs::IpvsError;
use core::fmt;
use holdfast_core::ipvs::codec::Info;
use holdfast_core::ipvs::{FamilyId, Name, OpKind, ServiceKey};
use holdfast_core::time::Duration;

/// The state of one desired virtual service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceStatus {
    /// In the kernel as configured, with its real servers.
    Programmed,
    /// Not programmed: the module loader has not found `ip_vs_<scheduler>`.
    SchedulerNotLoaded {
        /// The missing scheduler.
        scheduler: Name,
    },
    /// Not programmed: the loader reported the scheduler present but the kernel refused it.
    SchedulerMissing {
        /// The refused scheduler.
        scheduler: Name,
    },
    /// An operation on the service or one of its real servers failed; the next pass retries.
    Failed {
        /// What was tried.
        op: OpKind,
        /// Why it failed.
        error: IpvsError,
    },
}

/// One event of the ipvs actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsReport {
    /// The family resolved and answered GET_INFO.
    Ready {
        /// The resolved id.
        family: FamilyId,
        /// The GET_INFO answer.
        info: Info,
    },
    /// IPVS cannot be reached; the actor retries after `retry_in`.
    Unavailable {
        /// Why.
        error: IpvsError,
        /// Delay before the next attempt.
        retry_in: Duration,
    },
    /// A service's status changed.
    Service {
        /// The service.
        key: ServiceKey,
        /// Its new status.
        status: ServiceStatus,
    },
    /// A service holdfast no longer wants was removed from the kernel.
    Removed {
        /// The service.
        key: ServiceKey,
    },
    /// A periodic pass found the kernel differing from the desired table (someone ran
    /// `ipvsadm -C`, or a module was reloaded) and applied `ops` changes to restore it.
    DriftRepaired {
        /// Changes applied.
        ops: usize,
    },
    /// The actor stopped.
    Stopped,
}

impl fmt::Display for ServiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceStatus::Programmed => f.write_str("programmed"),
            ServiceStatus::SchedulerNotLoaded { scheduler } => {
                write!(
                    f,
                    "not programmed: scheduler module ip_vs_{scheduler} not loaded"
                )
            }
            ServiceStatus::SchedulerMissing { scheduler } => write!(
                f,
                "not programmed: the kernel has no scheduler ip_vs_{scheduler}"
            ),
            ServiceStatus::Failed { op, error } => write!(f, "{op} failed: {error}"),
        }
    }
}

impl fmt::Display for IpvsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpvsReport::Ready { family, info } => write!(
                f,
                "IPVS ready: family {family}, version {}, connection table {}",
                info.version, info.conn_tab_size
            ),
            IpvsReport::Unavailable { error, retry_in } => {
                write!(f, "IPVS unavailable: {error}; retrying in {retry_in}")
            }
            IpvsReport::Service { key, status } => write!(f, "virtual server {key}: {status}"),
            IpvsReport::Removed { key } => write!(f, "virtual server {key}: removed"),
            IpvsReport::DriftRepaired { ops } => {
                write!(
                    f,
                    "IPVS table drifted from the configuration; {ops} changes restored it"
                )
            }
            IpvsReport::Stopped => f.write_str("IPVS stop policy applied"),
        }
    }
}
