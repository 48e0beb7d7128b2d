//! The JSON state dump: SIGRTMIN+2 writes two files, each atomically (a temporary file renamed
//! over it):
//!
//! * [`JSON_PATH`] (`/tmp/keepalived.json`) in keepalived's shape, so scripts written for
//!   keepalived's `--json` dump read it unchanged: a bare array with one `{data, stats}` object
//!   per instance (the elements of `instances` below). Not written when the VRRP actor did not
//!   answer, so a reader never mistakes "no answer" for "no instances".
//! * [`HOLDFAST_JSON_PATH`] (`/tmp/holdfast.json`), schema `holdfast-vrrp/1`, one object that
//!   adds what keepalived's shape has no place for:
//!
//! ```text
//! {
//!   "schema": "holdfast-vrrp/1",
//!   "holdfast": "0.1.0",                       version of the daemon
//!   "pid": 1234,
//!   "instances": [                             null when the vrrp actor did not answer
//!     { "data": {                              keepalived's names where it has the field
//!         "iname": "VI_1",
//!         "state": 2,                          keepalived's numbers: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT
//!         "state_name": "MASTER",
//!         "vrid": 51, "version": 3, "ifp_ifname": "eth0", "family": "inet" | "inet6",
//!         "base_priority": 150, "effective_priority": 150,
//!         "adver_int_cs": 10,                  configured advert interval, centiseconds
//!         "source_address": "192.0.2.1" | null,
//!         "vips": ["192.0.2.100/24"], "evips": [] },
//!       "stats": {
//!         "advert_rcvd": 0, "advert_sent": 1200, "become_master": 1,
//!         "pri_zero_rcvd": 0, "pri_zero_sent": 0,
//!         "version_err": 0, "advert_interval_err": 0, "lower_prio_rcvd": 0 } }
//!   ],
//!   "counters": {                              the whole actor, every socket
//!     "adverts_sent": 1200, "adverts_accepted": 0, "gratuitous_sent": 10,
//!     "events_lost": 0, "notify_dropped": 0,
//!     "received": { "truncated": 0, "bad_ttl": 0, "bad_version": 0, "bad_type": 0,
//!                   "bad_length": 0, "bad_checksum": 0, "malformed": 0, "unknown_vrid": 0,
//!                   "own_advert": 0, "version_mismatch": 0, "auth_mismatch": 0,
//!                   "interval_mismatch": 0, "address_list": 0 } }   null without an answer
//! }
//! ```
//!
//! Received packets holdfast refuses are counted before the VRID is known (a bad checksum has
//! no trustworthy VRID), so they are actor-wide counters in the holdfast file, not per-instance
//! stats in keepalived's.

use holdfast_actors::vrrp::{RxProblem, VrrpSetup, VrrpStatus};
use holdfast_core::vrrp::{State, Version};
use serde_json::{json, Map, Value};
use std::path::Path;

/// keepalived's JSON dump file, in keepalived's shape.
pub const JSON_PATH: &str = "/tmp/keepalived.json";
/// holdfast's fuller dump (schema `holdfast-vrrp/1`), written by the same signal.
pub const HOLDFAST_JSON_PATH: &str = "/tmp/holdfast.json";

/// The two texts one signal writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// For [`JSON_PATH`]; `None` when the VRRP actor did not answer.
    pub keepalived: Option<String>,
    /// For [`HOLDFAST_JSON_PATH`].
    pub holdfast: String,
}
/// The dump's signal is `SIGRTMIN + JSON_SIGNAL_OFFSET`, as keepalived's.
pub const JSON_SIGNAL_OFFSET: i32 = 2;

/// keepalived's number for a state (`VRRP_STATE_*`).
fn state_number(state: State) -> u8 {
    match state {
        State::Initialize => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

/// The key of a receive problem in `counters.received`.
fn problem_key(problem: RxProblem) -> &'static str {
    match problem {
        RxProblem::Truncated => "truncated",
        RxProblem::BadTtl => "bad_ttl",
        RxProblem::BadVersion => "bad_version",
        RxProblem::BadType => "bad_type",
        RxProblem::BadLength => "bad_length",
        RxProblem::BadChecksum => "bad_checksum",
        RxProblem::Malformed => "malformed",
        RxProblem::UnknownVrid => "unknown_vrid",
        RxProblem::OwnAdvert => "own_advert",
        RxProblem::VersionMismatch => "version_mismatch",
        RxProblem::AuthMismatch => "auth_mismatch",
        RxProblem::IntervalMismatch => "interval_mismatch",
        RxProblem::AddressList => "address_list",
    }
}

/// The dumps for `setup` (what runs) and `status` (the actor's answer, if any).
pub fn render(setup: Option<&VrrpSetup>, status: Option<&VrrpStatus>) -> Rendered {
    let instances = status.map(|status| {
        status
            .instances
            .iter()
            .map(|i| {
                let conf = setup.and_then(|s| s.instances.iter().find(|c| c.name == i.name));
                let mut data = Map::new();
                data.insert("iname".into(), json!(i.name));
                data.insert("state".into(), json!(state_number(i.state)));
                data.insert("state_name".into(), json!(i.state.to_string()));
                if let Some(c) = conf {
                    let version = match c.protocol.version {
                        Version::V2 => 2,
                        Version::V3 => 3,
                    };
                    let vips = |list: &[holdfast_actors::vrrp::setup::Vip]| -> Vec<String> {
                        list.iter()
                            .map(|v| format!("{}/{}", v.address, v.prefix_len))
                            .collect()
                    };
                    data.insert("vrid".into(), json!(c.protocol.vrid.get()));
                    data.insert("version".into(), json!(version));
                    data.insert("ifp_ifname".into(), json!(c.interface));
                    data.insert("family".into(), json!(family_name(c)));
                    data.insert("base_priority".into(), json!(c.protocol.priority.get()));
                    data.insert(
                        "adver_int_cs".into(),
                        json!(c.protocol.advert_interval.centis()),
                    );
                    data.insert("vips".into(), json!(vips(&c.vips)));
                    data.insert("evips".into(), json!(vips(&c.excluded_vips)));
                }
                data.insert("effective_priority".into(), json!(i.priority));
                data.insert(
                    "source_address".into(),
                    json!(i.source.map(|a| a.to_string())),
                );
                let s = &i.stats;
                json!({
                    "data": data,
                    "stats": {
                        "advert_rcvd": s.adverts_received,
                        "advert_sent": s.adverts_sent,
                        "become_master": s.became_master,
                        "pri_zero_rcvd": s.priority_zero_received,
                        "pri_zero_sent": s.priority_zero_sent,
                        "version_err": s.discarded_version,
                        "advert_interval_err": s.discarded_interval,
                        "lower_prio_rcvd": s.discarded_lower_priority,
                    },
                })
            })
            .collect::<Vec<Value>>()
    });
    let counters = status.map(|s| {
        let c = &s.counters;
        let received: Map<String, Value> =
            c.rx.counts()
                .map(|(p, n)| (problem_key(p).to_string(), json!(n)))
                .collect();
        json!({
            "adverts_sent": c.adverts_sent,
            "adverts_accepted": c.adverts_accepted,
            "gratuitous_sent": c.gratuitous_sent,
            "events_lost": c.events_dropped,
            "notify_dropped": c.notify_dropped,
            "received": received,
        })
    });
    let keepalived = instances.as_ref().map(|list| pretty(&json!(list)));
    let dump = json!({
        "schema": "holdfast-vrrp/1",
        "holdfast": env!("CARGO_PKG_VERSION"),
        "pid": std::process::id(),
        "instances": instances,
        "counters": counters,
    });
    Rendered {
        keepalived,
        holdfast: pretty(&dump),
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn family_name(setup: &holdfast_actors::vrrp::setup::InstanceSetup) -> &'static str {
    match setup.family {
        holdfast_actors::ports::vrrp_net::Family::Ipv4 => "inet",
        holdfast_actors::ports::vrrp_net::Family::Ipv6 => "inet6",
    }
}

/// Writes `text` to `path` through a temporary file in the same directory, so a reader never
/// sees half a dump.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use holdfast_actors::vrrp::{InstanceStatus, VrrpCounters};
    use holdfast_core::vrrp::Stats;
    use std::net::{IpAddr, Ipv4Addr};

    fn setup() -> VrrpSetup {
        let text = "vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 0.1\n version 3\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n";
        use holdfast_core::config::{parse, reader, source::MemoryLoader};
        let mut loader = MemoryLoader::new().with_file("/k.conf", text);
        let read = reader::read("/k.conf", &mut loader, &reader::ReaderOptions::default());
        let (config, _) = parse::parse(&read.statements);
        VrrpSetup::from_config(&config).expect("a valid setup")
    }

    #[test]
    fn instances_carry_keepalived_names_and_state_numbers() {
        let mut counters = VrrpCounters::default();
        counters.rx.record(
            RxProblem::BadChecksum,
            holdfast_core::time::Instant::from_secs(1),
            holdfast_core::time::Duration::from_secs(60),
        );
        let status = VrrpStatus {
            instances: vec![InstanceStatus {
                name: "VI_1".into(),
                state: State::Master,
                priority: 150,
                source: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
                stats: Stats {
                    adverts_sent: 7,
                    became_master: 1,
                    ..Stats::default()
                },
            }],
            counters,
        };
        let rendered = render(Some(&setup()), Some(&status));
        let v: Value = serde_json::from_str(&rendered.holdfast).expect("valid JSON");
        assert_eq!(v["schema"], "holdfast-vrrp/1");
        let i = &v["instances"][0];
        assert_eq!(i["data"]["iname"], "VI_1");
        assert_eq!(i["data"]["state"], 2);
        assert_eq!(i["data"]["state_name"], "MASTER");
        assert_eq!(i["data"]["vrid"], 51);
        assert_eq!(i["data"]["version"], 3);
        assert_eq!(i["data"]["ifp_ifname"], "eth0");
        assert_eq!(i["data"]["adver_int_cs"], 10);
        assert_eq!(i["data"]["vips"][0], "192.0.2.100/24");
        assert_eq!(i["data"]["source_address"], "192.0.2.1");
        assert_eq!(i["stats"]["advert_sent"], 7);
        assert_eq!(i["stats"]["become_master"], 1);
        assert_eq!(v["counters"]["received"]["bad_checksum"], 1);
        assert_eq!(v["counters"]["received"]["bad_ttl"], 0);
        assert_eq!(
            v["counters"]["received"].as_object().map(Map::len),
            Some(RxProblem::COUNT)
        );
        let keepalived: Value = serde_json::from_str(
            rendered
                .keepalived
                .as_deref()
                .expect("an answer gives a file"),
        )
        .expect("valid JSON");
        assert_eq!(
            keepalived.as_array().map(Vec::len),
            Some(1),
            "a bare array, as keepalived's"
        );
        assert_eq!(keepalived[0], v["instances"][0]);
    }

    #[test]
    fn no_answer_gives_nulls_not_an_error() {
        let rendered = render(Some(&setup()), None);
        assert_eq!(
            rendered.keepalived, None,
            "no keepalived file without an answer"
        );
        let v: Value = serde_json::from_str(&rendered.holdfast).expect("valid JSON");
        assert!(v["instances"].is_null());
        assert!(v["counters"].is_null());
        assert_eq!(v["pid"], std::process::id());
    }

    #[test]
    fn the_file_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("hf-json-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("keepalived.json");
        write(&path, "[1]\n").expect("first write");
        write(&path, "[2]\n").expect("second write");
        assert_eq!(std::fs::read_to_string(&path).expect("read back"), "[2]\n");
        assert!(!dir.join("keepalived.json.tmp").exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
