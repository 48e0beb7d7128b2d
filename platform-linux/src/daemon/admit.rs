//! Whether the daemon may run a loaded configuration, and what it then asks of IPVS.
//!
//! Refused, each reason one `file:line: message` line:
//! - every diagnostic whose class cannot run (`Class::daemon_can_run`: aborts, cannot-run
//!   errors, unsupported keywords, a missing file under `-e`);
//! - parts this build would silently ignore: checker settings the checker logic does not
//!   implement (`fast_recovery`) or cannot follow (a network checker with no port to connect
//!   to), `lvs_sync_daemon` and `lvs_timeouts` (the IPVS actor does not set them);
//! - VRRP settings the vrrp actor cannot run (`VrrpSetup::from_config`'s errors: `auth_type AH`,
//!   a sync group naming an unknown instance, ...), at the instance's or sync group's line;
//! - virtual servers that do not map onto IPVS services (an oversized group range, ...).
//!
//! Not refused: a `vrrp_script` validation disabled (missing, insecure, ...) is left out of
//! tracking, as keepalived leaves it out.
//!
//! Refusing rather than running half the configuration is the rule: a checker that never runs
//! keeps a dead real server in the pool.

use crate::cli::Subsystems;
use crate::load::Loaded;
use holdfast_actors::health_map::HealthMap;
use holdfast_actors::ipvs::{IpvsConfig, StopPolicy};
use holdfast_actors::supervisor::IpvsWish;
use holdfast_actors::vrrp::{SetupError, VrrpSetup};
use holdfast_core::config::diag::{Location, SourceMap};
use holdfast_core::config::model::{required_ipvs_schedulers, CheckerKind, Config, LvsFlushOnStop};
use holdfast_core::ipvs::from_config::{desired_table, QuorumChange, QuorumStates};
use holdfast_core::modules::IpvsNeeds;
use std::collections::BTreeSet;

/// A configuration the daemon runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// What IPVS should look like; `None` under `-P`.
    pub ipvs: Option<IpvsWish>,
    /// The VRRP instances to run; `None` under `-C` or without any `vrrp_instance`.
    pub vrrp: Option<VrrpSetup>,
    /// Quorum changes of this evaluation, to log.
    pub quorum_changes: Vec<QuorumChange>,
    /// The configuration, for the checker branch.
    pub config: Config,
}

/// Judges `loaded` for `subsystems`. On success `quorum` holds the new quorum states; on
/// refusal it is unchanged and the reasons are returned.
pub fn admit(
    loaded: &Loaded,
    subsystems: Subsystems,
    quorum: &mut QuorumStates,
) -> Result<Admitted, Vec<String>> {
    let map = &loaded.sources;
    let config = &loaded.config;
    let mut refusals: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| !d.class.daemon_can_run())
        .map(|d| d.display(map).to_string())
        .collect();
    let ipvs_runs = subsystems != Subsystems::VrrpOnly;
    if ipvs_runs {
        refusals.extend(unavailable_ipvs_parts(config, map));
    }
    let vrrp = if subsystems != Subsystems::CheckersOnly && !config.instances.is_empty() {
        match VrrpSetup::from_config(&without_disabled_scripts(
            config,
            &loaded.disabled_vrrp_scripts,
        )) {
            Ok(setup) => Some(setup),
            Err(errors) => {
                refusals.extend(errors.iter().map(|e| at(map, setup_location(config, e), e)));
                None
            }
        }
    } else {
        None
    };
    let mut next_quorum = quorum.clone();
    let ipvs = if ipvs_runs {
        // Health before any check: up, or down for `alpha` (the checker branch takes over).
        let desired = desired_table(config, &HealthMap::new(config), &mut next_quorum);
        for p in &desired.problems {
            refusals.push(at(map, p.location, &p.message));
        }
        match IpvsNeeds::new(required_ipvs_schedulers(config), []) {
            Ok(needs) => Some((desired, needs)),
            Err(bad) => {
                for b in bad {
                    refusals.push(format!("scheduler {}: no module name: {}", b.name, b.error));
                }
                None
            }
        }
    } else {
        None
    };
    if !refusals.is_empty() {
        return Err(refusals);
    }
    *quorum = next_quorum;
    let (ipvs, quorum_changes) = match ipvs {
        Some((desired, needs)) => (
            Some(IpvsWish {
                table: desired.table,
                needs,
                config: ipvs_config(config),
            }),
            desired.quorum_changes,
        ),
        None => (None, Vec::new()),
    };
    Ok(Admitted {
        ipvs,
        vrrp,
        quorum_changes,
        config: config.clone(),
    })
}

/// The IPVS actor's settings from `global_defs`: `lvs_flush` flushes once at start;
/// `lvs_flush_on_stop` flushes everything at stop, otherwise holdfast removes the services it
/// programmed (keepalived's default, and `lvs_flush_on_stop VS`).
pub fn ipvs_config(config: &Config) -> IpvsConfig {
    IpvsConfig {
        flush_at_start: config.global.lvs_flush,
        on_stop: match config.global.lvs_flush_on_stop {
            LvsFlushOnStop::Full => StopPolicy::FlushAll,
            LvsFlushOnStop::No | LvsFlushOnStop::Vs => StopPolicy::RemoveOwned,
        },
        ..IpvsConfig::default()
    }
}

/// `config` without the `vrrp_script`s validation disabled (program missing, user unknown,
/// insecure under `enable_script_security`, not executable): keepalived drops every tracking of
/// such a script (`check_vrrp_script_security`), so the tracker must not run it either, and the
/// instances tracking it run as if the line were not there. Validation names them in
/// `Validation::disabled_vrrp_scripts` (each also has its diagnostic, already logged).
fn without_disabled_scripts(config: &Config, disabled: &BTreeSet<String>) -> Config {
    let mut kept = config.clone();
    kept.vrrp_scripts.retain(|s| !disabled.contains(&s.name));
    kept
}

fn unavailable_ipvs_parts(config: &Config, map: &SourceMap) -> Vec<String> {
    let mut out = Vec::new();
    for vs in &config.virtual_servers {
        for rs in &vs.real_servers {
            for checker in &rs.checkers {
                if let Some(why) = unsupported_checker(&checker.kind, rs.port) {
                    out.push(at(
                        map,
                        rs.location,
                        format_args!("{}: {why}", checker.kind.keyword()),
                    ));
                }
            }
        }
    }
    if config.global.lvs_sync_daemon.is_some() {
        out.push(
            "lvs_sync_daemon: IPVS connection synchronisation is not available in this build"
                .into(),
        );
    }
    let t = config.global.lvs_timeouts;
    if t.tcp.is_some() || t.tcp_fin.is_some() || t.udp.is_some() {
        out.push("lvs_timeouts: setting IPVS timeouts is not available in this build".into());
    }
    out
}

/// Where the instance or sync group a setup error names was written.
fn setup_location(config: &Config, error: &SetupError) -> Option<Location> {
    let instance = |name: &str| {
        config
            .instances
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.location)
    };
    let group = |name: &str| {
        config
            .sync_groups
            .iter()
            .find(|g| g.name == name)
            .and_then(|g| g.location)
    };
    match error {
        SetupError::MissingVrid { instance: i }
        | SetupError::MissingInterface { instance: i }
        | SetupError::BadPriority { instance: i }
        | SetupError::BadInterval { instance: i, .. }
        | SetupError::V2OverIpv6 { instance: i }
        | SetupError::AuthAh { instance: i } => instance(i),
        SetupError::UnknownMember { group: g, .. } | SetupError::TooManyMembers { group: g } => {
            group(g)
        }
    }
}

/// Why the checker logic cannot run `kind` as configured, if it cannot.
fn unsupported_checker(kind: &CheckerKind, rs_port: Option<u16>) -> Option<&'static str> {
    let connection = match kind {
        CheckerKind::Tcp(c) => c,
        CheckerKind::Http(h) if h.fast_recovery => {
            return Some("fast_recovery is not available in this build")
        }
        CheckerKind::Http(h) => &h.connection,
        CheckerKind::Misc(_) => return None,
    };
    (connection.connect_port.or(rs_port).is_none())
        .then_some("no port to check: set connect_port (the real server has none)")
}

/// `file:line: message`, or the message alone without a location.
fn at(map: &SourceMap, location: Option<Location>, message: impl std::fmt::Display) -> String {
    match location {
        Some(l) => format!("{}:{}: {message}", map.name(l.file), l.line),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests;
