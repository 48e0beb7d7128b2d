//! The daemon's state as plain data for the console: the daemon builds a [`Snapshot`] from its
//! actors' reports and hands it to [`crate::console::ConsoleHandle::publish`]; the console only
//! reads it. Nothing here refers to an actor, a channel or a lock.

use holdfast_core::vrrp::State;
use std::net::IpAddr;

/// Everything `status`, `vrrp`, `ipvs`, `modules` and `checks` show. Recent events are not
/// here: they stream in through [`crate::console::ConsoleHandle::event`] into the event ring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Milliseconds since the daemon started, when the snapshot was built (the console shows the
    /// uptime and how old the snapshot is from it).
    pub taken_at_ms: u64,
    /// `global_defs { router_id }`, or the host name keepalived would use.
    pub router_id: String,
    /// The configuration file in use and whether its last load succeeded.
    pub config: ConfigView,
    pub instances: Vec<InstanceView>,
    pub virtual_servers: Vec<VirtualServerView>,
    pub modules: Vec<ModuleView>,
    pub checks: ChecksView,
}

/// The configuration as last (re)loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigView {
    pub path: String,
    /// Successful loads (start-up counts as the first).
    pub loads: u32,
    /// Why the last reload was refused, if it was (the daemon keeps the previous configuration).
    pub last_reload_error: Option<String>,
}

/// One `vrrp_instance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceView {
    pub name: String,
    pub state: State,
    /// Configured priority.
    pub priority: u8,
    /// Priority after tracked scripts and interfaces; equal to `priority` when nothing adjusts it.
    pub effective_priority: u8,
    pub interface: String,
    pub vips: Vec<Vip>,
    /// Why the instance is in FAULT (or any other note), shown after its line.
    pub reason: Option<String>,
}

/// A virtual address with its prefix length, shown as `addr/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vip {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// One `virtual_server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServerView {
    /// keepalived's own naming: `192.0.2.10:80 TCP`, `[2001:db8::1]:443 TCP`, `fwmark 7`.
    pub key: String,
    /// Programmed in IPVS with at least one real server in service (or its sorry server).
    pub up: bool,
    pub real_up: u16,
    pub real_total: u16,
    /// Why it is down or degraded (IPVS error, module missing, every check failing).
    pub reason: Option<String>,
}

/// Kernel module state as the module loader reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleState {
    /// Loaded and live (by holdfast or before it).
    Live,
    /// Built into the kernel.
    Builtin,
    /// Not loaded yet; a round is pending or running.
    Pending,
    /// The last attempt failed; `reason` says why and the loader retries with backoff.
    Failed,
    /// Not loaded and not needed: a soft-dependency alternative another module already covers.
    Skipped,
}

impl ModuleState {
    pub const fn label(self) -> &'static str {
        match self {
            ModuleState::Live => "live",
            ModuleState::Builtin => "builtin",
            ModuleState::Pending => "pending",
            ModuleState::Failed => "FAILED",
            ModuleState::Skipped => "skipped",
        }
    }
}

/// One kernel module the configuration needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleView {
    pub name: String,
    pub state: ModuleState,
    pub reason: Option<String>,
}

/// Health checks, summarised, with the failing ones listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChecksView {
    pub passing: u32,
    pub failing: u32,
    /// Configured but not yet decided (within `warmup` or before the first result).
    pub pending: u32,
    /// One line per failing check: `TCP_CHECK 198.51.100.11:80 connection refused`.
    pub failures: Vec<String>,
}
