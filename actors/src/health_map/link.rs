//! [`HealthLink`]: the checker events' consumer logic, without I/O. Each event updates the
//! [`HealthMap`]; a change of health or weight rebuilds the desired IPVS table (which applies
//! removal or `inhibit_on_failure`, quorum with hysteresis and the sorry server) and yields the
//! scripts keepalived would run: the real server's `notify_up`/`notify_down` (no arguments, as
//! keepalived runs them) and the virtual server's `quorum_up`/`quorum_down` on a quorum change.
//! The caller sends the table, queues the scripts and logs the notes.

use super::HealthMap;
use crate::ports::notify::ScriptJob;
use crate::supervisor::Severity;
use crate::vrrp::NOTIFY_TIMEOUT;
use holdfast_core::checker::{checker_plan, CheckerEvent, ServerPlan};
use holdfast_core::config::model::{Config, NotifyScript, VirtualServer};
use holdfast_core::ipvs::from_config::{desired_table, DesiredIpvs, QuorumChange, QuorumStates};
use std::fmt;

/// Something worth a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A real server's health or weight changed.
    Server {
        virtual_server: String,
        real_server: String,
        up: bool,
        weight: Option<u32>,
    },
    /// A virtual server gained or lost quorum.
    Quorum(QuorumChange),
    /// An event for a server the configuration does not have (ignored).
    Unknown(String),
}

impl Note {
    /// How loud the line is.
    pub fn severity(&self) -> Severity {
        match self {
            Note::Server { up: true, .. } | Note::Quorum(QuorumChange { up: true, .. }) => {
                Severity::Info
            }
            Note::Server { up: false, .. } | Note::Quorum(_) => Severity::Warning,
            Note::Unknown(_) => Severity::Debug,
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Server {
                virtual_server,
                real_server,
                up,
                weight,
            } => {
                let state = if *up { "up" } else { "down" };
                write!(
                    f,
                    "virtual server {virtual_server}: real server {real_server} is {state}"
                )?;
                match weight {
                    Some(w) => write!(f, " (dynamic weight {w})"),
                    None => Ok(()),
                }
            }
            Note::Quorum(c) => {
                let what = if c.up { "gained quorum" } else { "lost quorum" };
                write!(
                    f,
                    "virtual server {}: {what} (live weight {}, threshold {})",
                    c.virtual_server, c.weight_sum, c.threshold
                )
            }
            Note::Unknown(what) => write!(f, "checker event for an unknown server ignored: {what}"),
        }
    }
}

/// What one event asks of the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkOutput {
    /// The new desired state, when health or weight changed.
    pub desired: Option<DesiredIpvs>,
    /// Scripts to run, in order.
    pub scripts: Vec<ScriptJob>,
    /// Lines to log.
    pub notes: Vec<Note>,
}

/// The configuration, the checkers' view of its real servers, and the quorum states.
#[derive(Debug, Clone)]
pub struct HealthLink {
    config: Config,
    map: HealthMap,
    quorum: QuorumStates,
}

impl HealthLink {
    /// A link for `config` starting from `quorum` (the states the daemon evaluated at start).
    pub fn new(config: Config, quorum: QuorumStates) -> Self {
        HealthLink {
            map: HealthMap::new(&config),
            config,
            quorum,
        }
    }

    /// The health map.
    pub fn map(&self) -> &HealthMap {
        &self.map
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether any real server has a checker (otherwise there is nothing to run).
    pub fn has_checkers(&self) -> bool {
        !self.map.entries.is_empty()
    }

    /// The checker actor's plan, seeded with the health carried over a reload.
    pub fn plan(&self) -> Vec<ServerPlan> {
        let mut plan = checked_plan(&self.config);
        self.map.seed(&mut plan);
        plan
    }

    /// The desired state now. Quorum changes it reports are also returned by later events'
    /// notes only if they happen again.
    pub fn desired(&mut self) -> DesiredIpvs {
        desired_table(&self.config, &self.map, &mut self.quorum)
    }

    /// Takes a reloaded configuration; true when its checker plan differs, so the checker actor
    /// must be restarted with [`HealthLink::plan`].
    pub fn reload(&mut self, config: Config) -> bool {
        let changed = checked_plan(&self.config) != checked_plan(&config);
        self.map = self.map.reload(&config);
        if !changed {
            // The running actor keeps its state: its next event is news.
            self.map.entries.iter_mut().for_each(|e| e.carried = false);
        }
        self.config = config;
        changed
    }

    /// Takes one checker event.
    pub fn on_event(&mut self, event: &CheckerEvent) -> LinkOutput {
        let mut out = LinkOutput::default();
        let Some(applied) = self.map.apply(event) else {
            out.notes.push(Note::Unknown(format!(
                "{} {}",
                event.virtual_server.key,
                rs_text(event)
            )));
            return out;
        };
        let vs = usize::try_from(event.virtual_server.index)
            .ok()
            .and_then(|i| self.config.virtual_servers.get(i));
        if applied.alive_changed || applied.weight_changed {
            out.notes.push(Note::Server {
                virtual_server: event.virtual_server.key.to_string(),
                real_server: rs_text(event),
                up: event.up,
                weight: event.weight,
            });
            let desired = desired_table(&self.config, &self.map, &mut self.quorum);
            for change in desired.quorum_changes.iter().filter(|c| !c.initial) {
                out.notes.push(Note::Quorum(change.clone()));
                let script = self.quorum_vs(change).and_then(|vs| {
                    if change.up {
                        vs.quorum_up.as_ref()
                    } else {
                        vs.quorum_down.as_ref()
                    }
                });
                if let Some(s) = script {
                    out.scripts.push(self.job(s));
                }
            }
            out.desired = Some(desired);
        }
        // A carried server's first event without a change repeats what was already told.
        let repeat = applied.carried && !applied.alive_changed;
        if event.notify && !repeat {
            let rs = vs.and_then(|vs| {
                vs.real_servers.iter().find(|rs| {
                    rs.addr == event.real_server.addr && rs.port == event.real_server.port
                })
            });
            let script = rs.and_then(|rs| {
                if event.up {
                    rs.notify_up.as_ref()
                } else {
                    rs.notify_down.as_ref()
                }
            });
            if let Some(s) = script {
                out.scripts.push(self.job(s));
            }
        }
        out
    }

    fn quorum_vs(&self, change: &QuorumChange) -> Option<&VirtualServer> {
        self.config.virtual_servers.iter().find(|vs| {
            vs.location == change.location && vs.key.to_string() == change.virtual_server
        })
    }

    fn job(&self, script: &NotifyScript) -> ScriptJob {
        ScriptJob {
            args: script.command.args.clone(),
            user: script
                .user
                .clone()
                .or_else(|| self.config.global.script_user.clone()),
            timeout: NOTIFY_TIMEOUT,
        }
    }
}

/// The checker plan of the real servers that have checkers.
fn checked_plan(config: &Config) -> Vec<ServerPlan> {
    let mut plan = checker_plan(config);
    plan.retain(|p| !p.checkers.is_empty());
    plan
}

fn rs_text(event: &CheckerEvent) -> String {
    let rs = &event.real_server;
    match (rs.addr, rs.port) {
        (std::net::IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
        (a, Some(p)) => format!("{a}:{p}"),
        (a, None) => a.to_string(),
    }
}
