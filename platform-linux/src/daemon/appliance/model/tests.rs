//! The console model against a parsed configuration and the events the actors send.

use super::*;
use holdfast_actors::ipvs::IpvsConfig;
use holdfast_core::checker::{EventCause, VirtualServerRef};
use holdfast_core::config::{parse, reader, source::MemoryLoader};
use holdfast_core::ipvs::from_config::{desired_table, AllAlive, QuorumStates};
use holdfast_core::modules::IpvsNeeds;
use std::net::{IpAddr, Ipv4Addr};

const CONFIG: &str = "
global_defs {
    router_id lb1
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        192.0.2.100/24
    }
}
virtual_server 192.0.2.100 80 {
    lb_algo rr
    protocol TCP
    real_server 198.51.100.11 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 198.51.100.12 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
";

fn config() -> Config {
    let mut loader = MemoryLoader::new().with_file("/k.conf", CONFIG);
    let read = reader::read("/k.conf", &mut loader, &reader::ReaderOptions::default());
    parse::parse(&read.statements).0
}

fn configured() -> (Model, Config) {
    let config = config();
    let setup = VrrpSetup::from_config(&config).expect("setup");
    let table = desired_table(&config, &AllAlive, &mut QuorumStates::new()).table;
    let wish = IpvsWish {
        table,
        needs: IpvsNeeds::default(),
        config: IpvsConfig::default(),
    };
    let mut model = Model::new("/k.conf".into());
    model.configured(&config, Some(&setup), Some(&wish));
    (model, config)
}

fn service() -> ServiceKey {
    ServiceKey::Addr {
        protocol: holdfast_core::ipvs::Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100)),
        port: 80,
    }
}

fn check(config: &Config, last: u8, up: bool) -> CheckerEvent {
    let vs = config.virtual_servers.first().expect("one virtual server");
    CheckerEvent {
        virtual_server: VirtualServerRef {
            index: 0,
            key: vs.key.clone(),
        },
        real_server: RealServerRef {
            addr: IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)),
            port: Some(80),
        },
        up,
        weight: None,
        cause: EventCause::Checked,
        notify: true,
    }
}

#[test]
fn instances_start_in_init_and_follow_the_actor() {
    let (mut model, _) = configured();
    let snap = model.snapshot(5);
    assert_eq!(snap.router_id, "lb1");
    assert_eq!(snap.config.loads, 1);
    let i = snap.instances.first().expect("VI_1");
    assert_eq!(
        (i.state, i.priority, i.interface.as_str()),
        (State::Initialize, 150, "eth0")
    );
    assert_eq!(
        i.vips.first().map(|v| (v.addr.to_string(), v.prefix)),
        Some(("192.0.2.100".into(), 24))
    );

    model.vrrp(&VrrpEvent::StateChanged {
        instance: "VI_1".into(),
        from: State::Initialize,
        to: State::Master,
        priority: 150,
    });
    model.vrrp(&VrrpEvent::Link {
        interface: "eth0".into(),
        up: false,
    });
    let snap = model.snapshot(6);
    let i = snap.instances.first().expect("VI_1");
    assert_eq!(i.state, State::Master);
    assert_eq!(i.reason.as_deref(), Some("interface eth0 down"));

    // A reload keeps what the actor said about instances that remain.
    let (_, config) = configured();
    let setup = VrrpSetup::from_config(&config).expect("setup");
    model.configured(&config, Some(&setup), None);
    let snap = model.snapshot(7);
    assert_eq!(snap.config.loads, 2);
    assert_eq!(snap.instances.first().map(|i| i.state), Some(State::Master));
    assert!(snap.virtual_servers.is_empty(), "no IPVS wish any more");
}

#[test]
fn virtual_servers_combine_ipvs_status_and_checks() {
    let (mut model, config) = configured();
    let snap = model.snapshot(0);
    let vs = snap.virtual_servers.first().expect("one service");
    assert_eq!(vs.key, "TCP 192.0.2.100:80");
    assert!(!vs.up);
    assert_eq!(vs.reason.as_deref(), Some("not programmed yet"));
    assert_eq!(snap.checks.pending, 2);

    model.supervisor(&SupervisorEvent::WaitingForModules);
    let snap = model.snapshot(1);
    assert_eq!(
        snap.virtual_servers
            .first()
            .and_then(|v| v.reason.clone())
            .as_deref(),
        Some("waiting for the module loader (ip_vs)")
    );

    model.supervisor(&SupervisorEvent::Ipvs(IpvsReport::Service {
        key: service(),
        status: ServiceStatus::Programmed,
    }));
    model.checker(&check(&config, 11, true));
    model.checker(&check(&config, 12, false));
    let snap = model.snapshot(2);
    let vs = snap.virtual_servers.first().expect("one service");
    assert!(vs.up);
    assert_eq!((vs.real_up, vs.real_total), (1, 2));
    assert_eq!(
        (
            snap.checks.passing,
            snap.checks.failing,
            snap.checks.pending
        ),
        (1, 1, 0)
    );
    assert_eq!(
        snap.checks.failures,
        ["virtual server 192.0.2.100:80: real server 198.51.100.12:80 down"]
    );

    model.checker(&check(&config, 11, false));
    let snap = model.snapshot(3);
    let vs = snap.virtual_servers.first().expect("one service");
    assert!(!vs.up);
    assert_eq!(
        vs.reason.as_deref(),
        Some("every real server fails its checks")
    );
}

#[test]
fn modules_show_state_and_why() {
    let report: LoadReport = serde_json::from_value(serde_json::json!({
        "release": "6.1.0-28-amd64",
        "index_error": null,
        "wanted": ["ip_vs", "ip_vs_rr"],
        "modules": [
            {"module": "nf_conntrack", "status": "AlreadyLoaded", "wanted": false, "required": true},
            {"module": "ip_vs", "status": "Loaded", "wanted": true, "required": true},
            {"module": "ip_vs_rr", "status": {"MissingFile": {"path": "/lib/modules/x/ip_vs_rr.ko"}},
             "wanted": true, "required": true},
            {"module": "crc32c_intel", "status": "NotNeeded", "wanted": false, "required": false}
        ],
        "index_problems": {"first": [], "total": 0},
        "plan_issues": [],
        "has_dep_index": true
    }))
    .expect("a LoadReport");
    let rows: Vec<(String, ModuleState, String)> = modules_view(&report)
        .into_iter()
        .map(|m| (m.name, m.state, m.reason.unwrap_or_default()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "nf_conntrack".into(),
                ModuleState::Live,
                "already loaded (dependency)".into()
            ),
            (
                "ip_vs".into(),
                ModuleState::Live,
                "loaded by holdfast (wanted by the configuration)".into()
            ),
            (
                "ip_vs_rr".into(),
                ModuleState::Failed,
                "module file /lib/modules/x/ip_vs_rr.ko missing (wanted by the configuration)"
                    .into()
            ),
            (
                "crc32c_intel".into(),
                ModuleState::Skipped,
                "not needed (an alternative is loaded) (soft dependency)".into()
            ),
        ]
    );
}

#[test]
fn a_refused_reload_is_shown_until_the_next_good_one() {
    let (mut model, config) = configured();
    model.reload_refused("/k.conf:3: unknown keyword".into());
    assert_eq!(
        model.snapshot(0).config.last_reload_error.as_deref(),
        Some("/k.conf:3: unknown keyword")
    );
    model.configured(&config, None, None);
    assert_eq!(model.snapshot(1).config.last_reload_error, None);
}
