//! The console's view of the daemon, folded from the same events the log writes: the admitted
//! configuration (instances, the IPVS table, the checked real servers), the vrrp actor's events,
//! the supervisor's (module loader, IPVS actor) and the checker's; [`Model::snapshot`] turns it
//! into the plain [`Snapshot`] the console renders.
//!
//! Virtual servers are the IPVS table's services (what the kernel is asked to hold). Checker
//! results reach a service through its address and port (or firewall mark); a service made
//! from a `virtual_server_group` has no such key in the checker's events, so its real servers
//! count as up unless IPVS says otherwise (the log still carries every checker line).

use holdfast_actors::ipvs::{IpvsReport, ServiceStatus};
use holdfast_actors::supervisor::IpvsWish;
use holdfast_actors::supervisor::SupervisorEvent;
use holdfast_actors::vrrp::{VrrpEvent, VrrpSetup};
use holdfast_core::checker::{CheckerEvent, RealServerRef};
use holdfast_core::config::model::{Config, VirtualServiceKey};
use holdfast_core::ipvs::{ServiceKey, Table};
use holdfast_core::modules::{LoadReport, ModuleReport, ModuleStatus};
use holdfast_core::vrrp::State;
use holdfast_yocto::snapshot::{
    ChecksView, ConfigView, InstanceView, ModuleState, ModuleView, Snapshot, Vip, VirtualServerView,
};
use std::collections::BTreeMap;

/// Failing checks listed by `checks` (the count covers the rest).
pub const MAX_LISTED_FAILURES: usize = 32;

/// One checked real server: its virtual server's key and its own address and port.
type CheckedServer = (VirtualServiceKey, RealServerRef);

/// What the console knows.
#[derive(Debug, Default)]
pub struct Model {
    router_id: String,
    config: ConfigView,
    instances: Vec<InstanceView>,
    table: Option<Table>,
    services: BTreeMap<ServiceKey, ServiceStatus>,
    /// Why IPVS as a whole is not usable (unavailable, stopped), if it is not.
    ipvs_problem: Option<String>,
    modules: Option<LoadReport>,
    /// Real servers with checkers in configuration order, and their last result (`None`: none
    /// yet).
    checked: Vec<(CheckedServer, Option<bool>)>,
}

impl Model {
    /// A model for the configuration file `path`.
    pub fn new(path: String) -> Self {
        Model {
            config: ConfigView {
                path,
                ..ConfigView::default()
            },
            ..Model::default()
        }
    }

    /// A configuration was admitted (at start-up or by a reload): instances and services are
    /// taken from it; the states already known for instances and services that remain are kept.
    pub fn configured(
        &mut self,
        config: &Config,
        vrrp: Option<&VrrpSetup>,
        ipvs: Option<&IpvsWish>,
    ) {
        self.config.loads = self.config.loads.saturating_add(1);
        self.config.last_reload_error = None;
        self.router_id = config.global.router_id.clone().unwrap_or_else(host_name);
        let old = std::mem::take(&mut self.instances);
        self.instances = vrrp
            .map(|setup| {
                setup
                    .instances
                    .iter()
                    .map(|i| {
                        let priority = i.protocol.priority.get();
                        let kept = old.iter().find(|o| o.name == i.name);
                        InstanceView {
                            name: i.name.clone(),
                            state: kept.map_or(State::Initialize, |o| o.state),
                            priority,
                            effective_priority: kept.map_or(priority, |o| o.effective_priority),
                            interface: i.interface.clone(),
                            vips: i
                                .vips
                                .iter()
                                .map(|v| Vip {
                                    addr: v.address,
                                    prefix: v.prefix_len,
                                })
                                .collect(),
                            reason: kept.and_then(|o| o.reason.clone()),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.table = ipvs.map(|w| w.table.clone());
        let old = std::mem::take(&mut self.checked);
        for vs in &config.virtual_servers {
            for rs in vs.real_servers.iter().filter(|rs| !rs.checkers.is_empty()) {
                let key = (
                    vs.key.clone(),
                    RealServerRef {
                        addr: rs.addr,
                        port: rs.port,
                    },
                );
                let last = old.iter().find(|(k, _)| *k == key).and_then(|(_, l)| *l);
                self.checked.push((key, last));
            }
        }
    }

    /// A reload was refused; the running configuration stays.
    pub fn reload_refused(&mut self, why: String) {
        self.config.last_reload_error = Some(why);
    }

    pub fn supervisor(&mut self, event: &SupervisorEvent) {
        match event {
            SupervisorEvent::Loader(report) => self.modules = Some(report.clone()),
            SupervisorEvent::Ipvs(report) => match report {
                IpvsReport::Ready { .. } => self.ipvs_problem = None,
                IpvsReport::Unavailable { error, .. } => {
                    self.ipvs_problem = Some(format!("IPVS unavailable: {error}"))
                }
                IpvsReport::Stopped => self.ipvs_problem = Some("IPVS actor stopped".into()),
                IpvsReport::Service { key, status } => {
                    self.services.insert(*key, status.clone());
                }
                IpvsReport::Removed { key } => {
                    self.services.remove(key);
                }
                IpvsReport::DriftRepaired { .. } => {}
            },
            SupervisorEvent::WaitingForModules => {
                self.ipvs_problem = Some("waiting for the module loader (ip_vs)".into())
            }
            SupervisorEvent::Failed { child, reason, .. } => {
                if *child == holdfast_actors::supervisor::ChildName::Ipvs {
                    self.ipvs_problem = Some(format!("IPVS actor failed: {reason}"));
                }
            }
            SupervisorEvent::Started { .. } | SupervisorEvent::Stopped { .. } => {}
        }
    }

    pub fn vrrp(&mut self, event: &VrrpEvent) {
        match event {
            VrrpEvent::StateChanged {
                instance,
                to,
                priority,
                ..
            } => {
                if let Some(i) = self.instance(instance) {
                    i.state = *to;
                    i.effective_priority = *priority;
                    if *to != State::Fault {
                        i.reason = None;
                    }
                }
            }
            VrrpEvent::NoSourceAddress {
                instance,
                interface,
            } => {
                if let Some(i) = self.instance(instance) {
                    i.reason = Some(format!("no address to send from on {interface}"));
                }
            }
            VrrpEvent::InstanceRefused { instance, reason } => {
                if let Some(i) = self.instance(instance) {
                    i.reason = Some(format!("refused: {reason}"));
                }
            }
            VrrpEvent::Link { interface, up } => {
                for i in self
                    .instances
                    .iter_mut()
                    .filter(|i| &i.interface == interface)
                {
                    i.reason = (!up).then(|| format!("interface {interface} down"));
                }
            }
            VrrpEvent::Error {
                instance: Some(instance),
                ..
            } => {
                let text = event.to_string();
                if let Some(i) = self.instance(instance) {
                    i.reason = Some(text);
                }
            }
            _ => {}
        }
    }

    pub fn checker(&mut self, event: &CheckerEvent) {
        let key = (event.virtual_server.key.clone(), event.real_server);
        if let Some((_, last)) = self.checked.iter_mut().find(|(k, _)| *k == key) {
            *last = Some(event.up);
        }
    }

    fn instance(&mut self, name: &str) -> Option<&mut InstanceView> {
        self.instances.iter_mut().find(|i| i.name == name)
    }

    /// The snapshot, stamped `taken_at_ms`.
    pub fn snapshot(&self, taken_at_ms: u64) -> Snapshot {
        Snapshot {
            taken_at_ms,
            router_id: self.router_id.clone(),
            config: self.config.clone(),
            instances: self.instances.clone(),
            virtual_servers: self.virtual_servers(),
            modules: self.modules.as_ref().map(modules_view).unwrap_or_default(),
            checks: self.checks(),
        }
    }

    fn virtual_servers(&self) -> Vec<VirtualServerView> {
        let Some(table) = &self.table else {
            return Vec::new();
        };
        table
            .services()
            .map(|vs| {
                let key = vs.service.key;
                let health_key = config_key(&key);
                let mut total = 0u16;
                let mut up = 0u16;
                for d in vs.dests() {
                    total = total.saturating_add(1);
                    let failing = health_key.as_ref().is_some_and(|k| {
                        [Some(d.key.port), None].iter().any(|port| {
                            let rs = RealServerRef {
                                addr: d.key.addr,
                                port: *port,
                            };
                            self.checked
                                .iter()
                                .any(|((vs, r), last)| vs == k && *r == rs && *last == Some(false))
                        })
                    });
                    if !failing {
                        up = up.saturating_add(1);
                    }
                }
                let status = self.services.get(&key);
                let programmed = status == Some(&ServiceStatus::Programmed);
                let reason = match status {
                    Some(ServiceStatus::Programmed) if up == 0 && total > 0 => {
                        Some("every real server fails its checks".to_string())
                    }
                    Some(ServiceStatus::Programmed) => None,
                    Some(other) => Some(other.to_string()),
                    None => Some(
                        self.ipvs_problem
                            .clone()
                            .unwrap_or_else(|| "not programmed yet".into()),
                    ),
                };
                VirtualServerView {
                    key: key.to_string(),
                    up: programmed && (up > 0 || total == 0),
                    real_up: up,
                    real_total: total,
                    reason,
                }
            })
            .collect()
    }

    fn checks(&self) -> ChecksView {
        let mut view = ChecksView::default();
        for ((vs, rs), last) in &self.checked {
            match last {
                Some(true) => view.passing = view.passing.saturating_add(1),
                Some(false) => {
                    view.failing = view.failing.saturating_add(1);
                    if view.failures.len() < MAX_LISTED_FAILURES {
                        let port = rs.port.map_or(String::new(), |p| format!(":{p}"));
                        view.failures.push(format!(
                            "virtual server {vs}: real server {}{port} down",
                            rs.addr
                        ));
                    }
                }
                None => view.pending = view.pending.saturating_add(1),
            }
        }
        view
    }
}

/// The checker's key for an IPVS service (`None` for keys the checker never uses).
fn config_key(key: &ServiceKey) -> Option<VirtualServiceKey> {
    match key {
        ServiceKey::Addr { addr, port, .. } => Some(VirtualServiceKey::Address {
            addr: *addr,
            port: *port,
        }),
        ServiceKey::Fwmark { mark, .. } => Some(VirtualServiceKey::Fwmark(mark.get())),
    }
}

/// One line per planned module: state and why.
pub fn modules_view(report: &LoadReport) -> Vec<ModuleView> {
    if let Some(error) = report.index_error() {
        return report
            .wanted()
            .iter()
            .map(|m| ModuleView {
                name: m.to_string(),
                state: ModuleState::Failed,
                reason: Some(error.to_string()),
            })
            .collect();
    }
    report.modules().iter().map(module_view).collect()
}

fn module_view(m: &ModuleReport) -> ModuleView {
    let role = if m.wanted {
        "wanted by the configuration"
    } else if m.required {
        "dependency"
    } else {
        "soft dependency"
    };
    let (state, what) = match &m.status {
        ModuleStatus::Loaded => (ModuleState::Live, "loaded by holdfast".to_string()),
        ModuleStatus::AlreadyLoaded => (ModuleState::Live, "already loaded".to_string()),
        ModuleStatus::BuiltIn => (ModuleState::Builtin, "built into the kernel".to_string()),
        ModuleStatus::Pending => (ModuleState::Pending, "not tried yet".to_string()),
        ModuleStatus::Blocked { by } => (ModuleState::Pending, format!("waiting for {by}")),
        ModuleStatus::NotNeeded => (ModuleState::Skipped, m.status.to_string()),
        other => (ModuleState::Failed, other.to_string()),
    };
    ModuleView {
        name: m.module.to_string(),
        state,
        reason: Some(format!("{what} ({role})")),
    }
}

/// keepalived's default `router_id`: the host name.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
