//! What the daemon knows about itself, folded from the supervisor's events, and its USR1 dump
//! (`/tmp/keepalived.data`, keepalived's path): the children's health, the module loader's last
//! report, each virtual service's status, and the desired table. With `--console`, everything it
//! observes also goes to the console's [`Tap`].

use super::appliance::Tap;
use holdfast_actors::ipvs::{IpvsReport, ServiceStatus};
use holdfast_actors::supervisor::{ChildHealth, Health, IpvsWish, SupervisorEvent};
use holdfast_actors::vrrp::{VrrpEvent, VrrpSetup};
use holdfast_core::config::model::Config;
use holdfast_core::ipvs::ServiceKey;
use holdfast_core::modules::LoadReport;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// keepalived's data-dump file.
pub const DUMP_PATH: &str = "/tmp/keepalived.data";

/// The daemon's view.
#[derive(Debug, Default)]
pub struct State {
    pub health: Health,
    pub modules: Option<LoadReport>,
    pub ipvs: Option<String>,
    pub services: BTreeMap<ServiceKey, ServiceStatus>,
    /// The console's tap (`--console`).
    pub tap: Option<Tap>,
}

impl State {
    /// An empty view that also feeds `tap`.
    pub fn with_tap(tap: Option<Tap>) -> Self {
        State {
            tap,
            ..State::default()
        }
    }

    /// A vrrp event (only the console folds these; the dump asks the actor).
    pub fn observe_vrrp(&mut self, event: &VrrpEvent) {
        if let Some(tap) = &self.tap {
            tap.vrrp(event);
        }
    }

    /// A reloaded configuration was admitted.
    pub fn configured(
        &mut self,
        config: &Config,
        vrrp: Option<&VrrpSetup>,
        ipvs: Option<&IpvsWish>,
    ) {
        if let Some(tap) = &self.tap {
            tap.configured(config, vrrp, ipvs);
        }
    }

    /// A reload was refused for `reasons`.
    pub fn reload_refused(&mut self, reasons: &[impl std::fmt::Display]) {
        if let Some(tap) = &self.tap {
            let first = reasons.first().map_or(String::new(), |r| r.to_string());
            let more = reasons.len().saturating_sub(1);
            if more > 0 {
                tap.reload_refused(&format_args!("{first} (+{more} more)"));
            } else {
                tap.reload_refused(&first);
            }
        }
    }

    /// Folds one event in.
    pub fn observe(&mut self, event: &SupervisorEvent) {
        self.health.observe(event);
        if let Some(tap) = &self.tap {
            tap.supervisor(event);
        }
        match event {
            SupervisorEvent::Loader(report) => self.modules = Some(report.clone()),
            SupervisorEvent::Ipvs(report) => match report {
                IpvsReport::Ready { .. } | IpvsReport::Unavailable { .. } => {
                    self.ipvs = Some(report.to_string())
                }
                IpvsReport::Service { key, status } => {
                    self.services.insert(*key, status.clone());
                }
                IpvsReport::Removed { key } => {
                    self.services.remove(key);
                }
                IpvsReport::DriftRepaired { .. } => {}
                IpvsReport::Stopped => self.ipvs = Some(report.to_string()),
            },
            _ => {}
        }
    }

    /// The dump's text.
    pub fn render(&self, config_file: &Path, wish: Option<&IpvsWish>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "------< holdfast {} >------",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(out, " pid = {}", std::process::id());
        let _ = writeln!(out, " configuration = {}", config_file.display());
        let _ = writeln!(out, "------< Children >------");
        for (name, h) in self.health.children() {
            let state = match h {
                ChildHealth::Running => "running".to_string(),
                ChildHealth::Waiting => "waiting for modules".to_string(),
                ChildHealth::Restarting { reason } => format!("restarting ({reason})"),
                ChildHealth::Stopped => "stopped".to_string(),
            };
            let _ = writeln!(
                out,
                " {name}: {state}, {} failures",
                self.health.failures(name)
            );
        }
        let _ = writeln!(out, "------< Modules >------");
        match &self.modules {
            Some(report) => {
                let _ = writeln!(out, " {report}");
            }
            None => {
                let _ = writeln!(out, " no report yet");
            }
        }
        let _ = writeln!(out, "------< IPVS >------");
        let _ = writeln!(out, " {}", self.ipvs.as_deref().unwrap_or("not started"));
        if let Some(wish) = wish {
            for vs in wish.table.services() {
                let s = &vs.service;
                let status = self
                    .services
                    .get(&s.key)
                    .map_or("pending".to_string(), |st| st.to_string());
                let _ = writeln!(
                    out,
                    " Virtual Server {} sched {} flags {:#x} timeout {}: {status}",
                    s.key,
                    s.scheduler,
                    s.flags.bits(),
                    s.timeout
                );
                for d in vs.dests() {
                    let _ = writeln!(
                        out,
                        "   Real Server {} fwd {:?} weight {}",
                        d.key, d.fwd, d.weight
                    );
                }
            }
        }
        out
    }
}

/// Writes the dump to `path`.
pub fn write_dump(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use holdfast_actors::supervisor::ChildName;
    use holdfast_core::ipvs::{Name, Protocol, Service, Table};
    use std::net::{IpAddr, Ipv4Addr};

    #[test]
    fn the_dump_lists_children_and_services_with_their_status() {
        let key = ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            port: 80,
        };
        let mut state = State::default();
        state.observe(&SupervisorEvent::Started {
            child: ChildName::Ipvs,
        });
        state.observe(&SupervisorEvent::Ipvs(IpvsReport::Service {
            key,
            status: ServiceStatus::Programmed,
        }));
        let mut table = Table::new();
        table.insert(Service::new(key, Name::new("rr").expect("valid")));
        let wish = IpvsWish {
            table,
            needs: holdfast_core::modules::IpvsNeeds::default(),
            config: holdfast_actors::ipvs::IpvsConfig::default(),
        };
        let text = state.render(Path::new("/etc/keepalived/keepalived.conf"), Some(&wish));
        assert!(
            text.contains(" IPVS actor: running, 0 failures\n"),
            "{text}"
        );
        assert!(
            text.contains(
                " Virtual Server TCP 192.0.2.1:80 sched rr flags 0x0 timeout 0: programmed\n"
            ),
            "{text}"
        );
        assert!(text.contains(" no report yet\n"));
    }
}
