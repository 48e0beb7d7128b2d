//! `holdfast -t --dump-config json`: the resolved configuration in a documented, stable schema.
//!
//! The schema is separate from the core's model on purpose: the model may change shape as
//! holdfast grows, the schema only grows compatibly (new keys) and changes `schema` when it must
//! break. Schema `holdfast-config/1`:
//!
//! ```text
//! { "schema": "holdfast-config/1",
//!   "files": [path, ...],                         // every file read, main file first
//!   "global": { "router_id": str|null, "vrrp_version": 2|3,
//!               "enable_script_security": bool, "script_user": str|null },
//!   "vrrp_scripts": [ { "name", "script", "interval_s", "timeout_s", "weight", "rise", "fall" } ],
//!   "vrrp_sync_groups": [ { "name", "instances": [name, ...] } ],
//!   "vrrp_instances": [ { "name", "source": "file:line"|null, "state": "MASTER"|"BACKUP",
//!       "interface": str|null, "virtual_router_id": n|null, "priority": n, "advert_int_s": f,
//!       "version": 2|3, "family": "inet"|"inet6", "nopreempt": bool, "preempt_delay_s": f,
//!       "virtual_ipaddresses": ["192.0.2.10/24", ...], "unicast_src_ip": str|null,
//!       "unicast_peers": [addr, ...], "track_interfaces": [name, ...],
//!       "track_scripts": [name, ...] } ],
//!   "virtual_servers": [ { "source": "file:line"|null,
//!       "address": str|null, "port": n|null, "fwmark": n|null, "group": str|null,
//!       "protocol": "TCP"|"UDP"|"SCTP"|null, "lb_algo": "rr"|..., "lb_kind": "NAT"|"DR"|"TUN",
//!       "persistence_timeout": n|null, "quorum": n, "hysteresis": n,
//!       "sorry_server": { "address", "port" }|null,
//!       "real_servers": [ { "address", "port": n|null, "weight": n,
//!                           "inhibit_on_failure": bool, "checkers": ["TCP_CHECK", ...] } ] } ],
//!   "virtual_server_groups": [ { "name", "entries": [str, ...] } ] }
//! ```
//! Durations are decimal seconds; addresses are text in their usual notation.

use holdfast_core::config::diag::{Location, SourceMap};
use holdfast_core::config::model::{
    Config, Family, InitialState, VirtualServiceKey, VrrpVersion, VsgEntry,
};
use holdfast_core::time::Duration;
use serde_json::{json, Value};

/// The schema identifier; bump it only on an incompatible change.
pub const SCHEMA: &str = "holdfast-config/1";

fn secs(d: Duration) -> f64 {
    d.total_millis() as f64 / 1000.0
}

fn source(sources: &SourceMap, loc: Option<Location>) -> Value {
    loc.map_or(Value::Null, |l| {
        Value::String(format!("{}:{}", sources.name(l.file), l.line))
    })
}

fn version(v: VrrpVersion) -> u8 {
    match v {
        VrrpVersion::V2 => 2,
        VrrpVersion::V3 => 3,
    }
}

/// The configuration as JSON text in schema [`SCHEMA`].
pub fn to_json(config: &Config, sources: &SourceMap) -> String {
    let global = &config.global;
    let instances: Vec<Value> = config
        .instances
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "source": source(sources, i.location),
                "state": match i.state { InitialState::Master => "MASTER", InitialState::Backup => "BACKUP" },
                "interface": i.interface,
                "virtual_router_id": i.virtual_router_id,
                "priority": i.priority,
                "advert_int_s": secs(i.advert_int),
                "version": version(i.version),
                "family": match i.family { Family::Ipv4 => "inet", Family::Ipv6 => "inet6" },
                "nopreempt": i.nopreempt,
                "preempt_delay_s": secs(i.preempt_delay),
                "virtual_ipaddresses": i.virtual_ipaddress.iter().map(|v| v.prefix.to_string()).collect::<Vec<_>>(),
                "unicast_src_ip": i.src_ip.map(|a| a.to_string()),
                "unicast_peers": i.unicast_peers.iter().map(|p| p.address.to_string()).collect::<Vec<_>>(),
                "track_interfaces": i.track_interfaces.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                "track_scripts": i.track_scripts.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let virtual_servers: Vec<Value> = config
        .virtual_servers
        .iter()
        .map(|vs| {
            let (address, port, fwmark, group) = match &vs.key {
                VirtualServiceKey::Address { addr, port } => (Some(addr.to_string()), Some(*port), None, None),
                VirtualServiceKey::Fwmark(m) => (None, None, Some(*m), None),
                VirtualServiceKey::Group(g) => (None, None, None, Some(g.clone())),
            };
            json!({
                "source": source(sources, vs.location),
                "address": address, "port": port, "fwmark": fwmark, "group": group,
                "protocol": vs.protocol.map(|p| format!("{p:?}").to_uppercase()),
                "lb_algo": vs.scheduler.name(),
                "lb_kind": vs.forwarding.name(),
                "persistence_timeout": vs.persistence_timeout,
                "quorum": vs.quorum,
                "hysteresis": vs.hysteresis,
                "sorry_server": vs.sorry_server.as_ref().map(|s| json!({"address": s.addr.to_string(), "port": s.port})),
                "real_servers": vs.real_servers.iter().map(|rs| json!({
                    "address": rs.addr.to_string(),
                    "port": rs.port,
                    "weight": rs.weight,
                    "inhibit_on_failure": rs.inhibit_on_failure,
                    "checkers": rs.checkers.iter().map(|c| c.kind.keyword()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let groups: Vec<Value> = config
        .virtual_server_groups
        .iter()
        .map(|g| {
            let entries: Vec<String> = g
                .entries
                .iter()
                .map(|e| match e {
                    VsgEntry::Range { first, last, port } if first == last => {
                        format!("{first} {port}")
                    }
                    VsgEntry::Range { first, last, port } => format!("{first}-{last} {port}"),
                    VsgEntry::Fwmark { mark, .. } => format!("fwmark {mark}"),
                })
                .collect();
            json!({ "name": g.name, "entries": entries })
        })
        .collect();
    let doc = json!({
        "schema": SCHEMA,
        "files": sources.files(),
        "global": {
            "router_id": global.router_id,
            "vrrp_version": version(global.vrrp_version),
            "enable_script_security": global.enable_script_security,
            "script_user": global.script_user.as_ref().map(|u| u.user.clone()),
        },
        "vrrp_scripts": config.vrrp_scripts.iter().map(|s| json!({
            "name": s.name, "script": s.script.to_string(), "interval_s": secs(s.interval),
            "timeout_s": secs(s.timeout), "weight": s.weight, "rise": s.rise, "fall": s.fall,
        })).collect::<Vec<_>>(),
        "vrrp_sync_groups": config.sync_groups.iter().map(|g| json!({"name": g.name, "instances": g.group})).collect::<Vec<_>>(),
        "vrrp_instances": instances,
        "virtual_servers": virtual_servers,
        "virtual_server_groups": groups,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
