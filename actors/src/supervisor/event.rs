//! The supervisor's event catalogue: what it tells the daemon (which logs each event once and
//! folds it into [`Health`](super::Health)). The text of each event is its `Display`; the
//! loader's and the IPVS actor's own reports are carried unchanged, so their precise messages
//! (module, file path, errno name, `CONFIG_IP_VS`) reach the log as written.

use crate::ipvs::{IpvsReport, ServiceStatus};
use core::fmt;
use holdfast_core::modules::LoadReport;
use holdfast_core::time::Duration;

/// A supervised child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChildName {
    /// The module-loader actor.
    ModuleLoader,
    /// The IPVS actor.
    Ipvs,
    /// Another child (the VRRP actor, ...), by name.
    Named(&'static str),
}

impl fmt::Display for ChildName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildName::ModuleLoader => f.write_str("module loader"),
            ChildName::Ipvs => f.write_str("IPVS actor"),
            ChildName::Named(name) => f.write_str(name),
        }
    }
}

/// How much an event matters, for the log's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something holdfast wants is not there.
    Error,
    /// Degraded but working, or being retried.
    Warning,
    /// A change worth a line.
    Info,
    /// Detail (`-D`).
    Debug,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorEvent {
    /// The module loader's report changed.
    Loader(LoadReport),
    /// The IPVS actor reported.
    Ipvs(IpvsReport),
    /// A child started (or restarted).
    Started {
        /// Which.
        child: ChildName,
    },
    /// The IPVS actor waits for the module loader's proof that `ip_vs` is present.
    WaitingForModules,
    /// A child failed; it is restarted after `restart_in`.
    Failed {
        /// Which.
        child: ChildName,
        /// Why.
        reason: String,
        /// Delay before the restart.
        restart_in: Duration,
    },
    /// A child stopped because it was asked to.
    Stopped {
        /// Which.
        child: ChildName,
    },
}

impl SupervisorEvent {
    /// The log level of this event.
    pub fn severity(&self) -> Severity {
        match self {
            SupervisorEvent::Loader(report) if report.is_ready() => Severity::Info,
            SupervisorEvent::Loader(report) if report.ipvs_present() => Severity::Warning,
            SupervisorEvent::Loader(_) => Severity::Error,
            SupervisorEvent::Ipvs(report) => match report {
                IpvsReport::Ready { .. } | IpvsReport::Removed { .. } => Severity::Info,
                IpvsReport::Service {
                    status: ServiceStatus::Programmed,
                    ..
                } => Severity::Info,
                IpvsReport::Service { .. } => Severity::Error,
                IpvsReport::Unavailable { .. } | IpvsReport::DriftRepaired { .. } => {
                    Severity::Warning
                }
                IpvsReport::Stopped => Severity::Info,
            },
            SupervisorEvent::Started { .. } | SupervisorEvent::Stopped { .. } => Severity::Debug,
            SupervisorEvent::WaitingForModules => Severity::Info,
            SupervisorEvent::Failed { .. } => Severity::Error,
        }
    }
}

impl fmt::Display for SupervisorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupervisorEvent::Loader(report) => write!(f, "modules: {report}"),
            SupervisorEvent::Ipvs(report) => write!(f, "{report}"),
            SupervisorEvent::Started { child } => write!(f, "{child} started"),
            SupervisorEvent::WaitingForModules => {
                f.write_str("IPVS waits for the module loader: ip_vs is not present yet")
            }
            SupervisorEvent::Failed {
                child,
                reason,
                restart_in,
            } => write!(f, "{child} failed: {reason}; restarting in {restart_in}"),
            SupervisorEvent::Stopped { child } => write!(f, "{child} stopped"),
        }
    }
}
