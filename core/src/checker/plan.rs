//! What the checker and tracker actors run, derived once from the typed configuration: one
//! [`ServerPlan`] per real server, and one [`TrackPlan`] with every tracked source and every
//! instance's lines (a sync group's `track_*` apply to each member, as in keepalived).

use super::msg::{RealServerRef, VirtualServerRef};
use super::schedule::{Anchor, Timing};
use super::track::TrackLine;
use crate::config::model::{
    CheckerKind, Config, ScriptUser, TrackFile, TrackedFile, TrackedInterface, TrackedScript,
    VrrpScript,
};
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// One checker to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerPlan {
    pub kind: CheckerKind,
    pub timing: Timing,
    /// Starts down until its first success.
    pub alpha: bool,
    /// The first probe waits a random share of this (after `BOOTSTRAP_DELAY`).
    pub warmup: Duration,
    /// How long one probe may take: `connect_timeout`, or `misc_timeout` for MISC_CHECK.
    pub timeout: Duration,
    /// MISC_CHECK: the user to run as (the checker's `user`, else `script_user`); `None`: the
    /// daemon's own user.
    pub user: Option<ScriptUser>,
}

/// One real server and its checkers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerPlan {
    pub virtual_server: VirtualServerRef,
    pub real_server: RealServerRef,
    /// The configured weight.
    pub weight: u32,
    /// The virtual server's `omega`: take servers down and notify at shutdown.
    pub omega: bool,
    pub checkers: Vec<CheckerPlan>,
}

/// Every real server of `config`, in configuration order.
pub fn checker_plan(config: &Config) -> Vec<ServerPlan> {
    let mut out = Vec::new();
    for (index, vs) in config.virtual_servers.iter().enumerate() {
        let vref = VirtualServerRef {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            key: vs.key.clone(),
        };
        for rs in &vs.real_servers {
            let checkers = rs
                .checkers
                .iter()
                .map(|c| {
                    let (anchor, timeout, user) = match &c.kind {
                        CheckerKind::Tcp(conn) => (Anchor::End, conn.connect_timeout, None),
                        CheckerKind::Http(h) => (Anchor::End, h.connection.connect_timeout, None),
                        CheckerKind::Misc(m) => (
                            Anchor::Start,
                            m.timeout,
                            m.user.clone().or_else(|| config.global.script_user.clone()),
                        ),
                    };
                    CheckerPlan {
                        kind: c.kind.clone(),
                        timing: Timing {
                            delay_loop: c.delay_loop,
                            delay_before_retry: c.delay_before_retry,
                            retry: c.retry,
                            anchor,
                        },
                        alpha: c.alpha,
                        warmup: c.warmup,
                        timeout,
                        user,
                    }
                })
                .collect();
            out.push(ServerPlan {
                virtual_server: vref.clone(),
                real_server: RealServerRef {
                    addr: rs.addr,
                    port: rs.port,
                },
                weight: rs.weight,
                omega: vs.omega,
                checkers,
            });
        }
    }
    out
}

/// Which source a [`TrackLine`] reads, as an index into the [`TrackPlan`]'s lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrackedSource {
    Script(usize),
    Interface(usize),
    File(usize),
}

/// One instance's tracked objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceTracking {
    pub instance: String,
    pub lines: Vec<TrackLine>,
}

/// Every tracked source once, and each tracking instance's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackPlan {
    /// Scripts some instance tracks, each with its user resolved against `script_user`.
    pub scripts: Vec<VrrpScript>,
    pub interfaces: Vec<String>,
    pub files: Vec<TrackFile>,
    /// Instances with at least one tracked object, in configuration order.
    pub instances: Vec<InstanceTracking>,
}

impl TrackPlan {
    fn script(&mut self, config: &Config, t: &TrackedScript) -> Option<TrackLine> {
        let script = config.vrrp_script(&t.name)?;
        let (weight, reverse) = t.resolve(script);
        let index = match self.scripts.iter().position(|s| s.name == t.name) {
            Some(i) => i,
            None => {
                let mut s = script.clone();
                s.user = s.user.or_else(|| config.global.script_user.clone());
                self.scripts.push(s);
                self.scripts.len() - 1
            }
        };
        Some(TrackLine {
            source: TrackedSource::Script(index),
            weight: i32::from(weight),
            reverse,
        })
    }

    fn interface(&mut self, t: &TrackedInterface) -> TrackLine {
        let index = match self.interfaces.iter().position(|n| *n == t.name) {
            Some(i) => i,
            None => {
                self.interfaces.push(t.name.clone());
                self.interfaces.len() - 1
            }
        };
        TrackLine {
            source: TrackedSource::Interface(index),
            weight: i32::from(t.weight),
            reverse: t.reverse,
        }
    }

    fn file(&mut self, config: &Config, t: &TrackedFile) -> Option<TrackLine> {
        let file = config.track_files.iter().find(|f| f.name == t.name)?;
        let (weight, reverse) = t.resolve(file);
        let index = match self.files.iter().position(|f| f.name == t.name) {
            Some(i) => i,
            None => {
                self.files.push(file.clone());
                self.files.len() - 1
            }
        };
        Some(TrackLine {
            source: TrackedSource::File(index),
            weight,
            reverse,
        })
    }
}

/// The tracking plan of `config`. Names that resolve to nothing (which validation reports) are
/// left out.
pub fn track_plan(config: &Config) -> TrackPlan {
    let mut plan = TrackPlan::default();
    for inst in &config.instances {
        let group = config
            .sync_groups
            .iter()
            .find(|g| g.group.contains(&inst.name));
        let mut lines = Vec::new();
        let scripts = inst
            .track_scripts
            .iter()
            .chain(group.into_iter().flat_map(|g| g.track_scripts.iter()));
        for t in scripts {
            lines.extend(plan.script(config, t));
        }
        let interfaces = inst
            .track_interfaces
            .iter()
            .chain(group.into_iter().flat_map(|g| g.track_interfaces.iter()));
        for t in interfaces {
            let line = plan.interface(t);
            lines.push(line);
        }
        let files = inst
            .track_files
            .iter()
            .chain(group.into_iter().flat_map(|g| g.track_files.iter()));
        for t in files {
            lines.extend(plan.file(config, t));
        }
        if !lines.is_empty() {
            plan.instances.push(InstanceTracking {
                instance: inst.name.clone(),
                lines,
            });
        }
    }
    plan
}
