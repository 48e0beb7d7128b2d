//! The health map and link on parsed configurations: events to health, `misc_dynamic` weights,
//! unknown servers, reloads; then the whole path with the checker actor on `ScriptedProbe` and
//! `FakeClock` feeding the IPVS actor on the fake kernel: a failing real server leaves the
//! kernel's table (or drops to weight 0 under `inhibit_on_failure`) and comes back, quorum loss
//! switches to the sorry server, and the notify and quorum scripts are asked for.

use super::*;
use crate::checker::{CheckerActor, CheckerMsg, NetBehaviour, ScriptedProbe, WarmupRng};
use crate::gate::ModulesReady;
use crate::ipvs::fake::{FakeKernel, JumpClock};
use crate::ipvs::{IpvsActor, IpvsConfig, IpvsMsg};
use crate::ports::clock::FakeClock;
use async_channel::Receiver;
use futures_lite::future::block_on;
use holdfast_core::checker::{EventCause, VirtualServerRef};
use holdfast_core::config::{diag::Class, parse, reader, source::MemoryLoader};
use holdfast_core::ipvs::from_config::QuorumStates;
use holdfast_core::ipvs::{Protocol, ServiceKey, Table};
use holdfast_core::time::Instant;
use smol::{LocalExecutor, Task};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

fn config(text: &str) -> Config {
    let mut loader = MemoryLoader::new().with_file("/etc/keepalived/keepalived.conf", text);
    let read = reader::read(
        "/etc/keepalived/keepalived.conf",
        &mut loader,
        &reader::ReaderOptions::default(),
    );
    let (config, diags) = parse::parse(&read.statements);
    let bad: Vec<_> = read
        .diagnostics
        .iter()
        .chain(&diags)
        .filter(|d| d.class != Class::Warning)
        .map(|d| d.message.clone())
        .collect();
    assert!(bad.is_empty(), "configuration problems: {bad:?}");
    config
}

/// Three real servers of weight 1 and quorum 2: .10 (TCP_CHECK, notify scripts), .11 (TCP_CHECK,
/// inhibit_on_failure, alpha when `alpha`), .12 (no checker). A sorry server 203.0.113.9.
fn text(alpha: bool) -> String {
    let alpha = if alpha { "alpha" } else { "" };
    format!(
        r#"
virtual_server 192.0.2.1 80 {{
    protocol TCP
    lb_algo wlc
    lb_kind NAT
    delay_loop 5
    warmup 0
    quorum 2
    quorum_up "/bin/qup"
    quorum_down "/bin/qdown"
    sorry_server 203.0.113.9 8080
    real_server 198.51.100.10 8080 {{
        weight 1
        notify_up "/bin/up 10"
        notify_down "/bin/down 10"
        TCP_CHECK {{
            connect_timeout 2
            retry 0
        }}
    }}
    real_server 198.51.100.11 8080 {{
        weight 1
        inhibit_on_failure
        {alpha}
        MISC_CHECK {{
            misc_path "/bin/check 11"
            misc_timeout 2
            misc_dynamic
        }}
    }}
    real_server 198.51.100.12 8080 {{
        weight 1
    }}
}}
"#
    )
}

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, last))
}

fn rs(last: u8) -> RealServerRef {
    RealServerRef {
        addr: ip(last),
        port: Some(8080),
    }
}

fn vref(index: u32) -> VirtualServerRef {
    VirtualServerRef {
        index,
        key: VirtualServiceKey::Address {
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            port: 80,
        },
    }
}

fn event(last: u8, up: bool, weight: Option<u32>, notify: bool) -> CheckerEvent {
    CheckerEvent {
        virtual_server: vref(0),
        real_server: rs(last),
        up,
        weight,
        cause: EventCause::Checked,
        notify,
    }
}

fn service() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        port: 80,
    }
}

/// (last byte of the address, weight) of every destination of 192.0.2.1:80, sorted.
fn dests(table: &Table) -> Vec<(u8, u32)> {
    let mut out: Vec<(u8, u32)> = table
        .get(&service())
        .map(|vs| {
            vs.dests()
                .filter_map(|d| match d.key.addr {
                    IpAddr::V4(a) => Some((a.octets()[3], d.weight)),
                    IpAddr::V6(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_unstable();
    out
}

#[test]
fn events_set_health_and_weight_and_unknown_servers_are_ignored() {
    let c = config(&text(false));
    let mut map = HealthMap::new(&c);
    assert_eq!(map.is_alive(0, &rs(10)), Some(true));
    assert_eq!(map.is_alive(0, &rs(11)), Some(true));
    assert_eq!(map.is_alive(0, &rs(12)), None, "no checker: not in the map");

    let applied = map.apply(&event(10, false, None, true));
    assert_eq!(
        applied,
        Some(Applied {
            alive_changed: true,
            weight_changed: false,
            carried: false
        })
    );
    assert_eq!(map.is_alive(0, &rs(10)), Some(false));
    let vs = &c.virtual_servers[0];
    let h = |m: &HealthMap, i: usize| m.real_server(vs, &vs.real_servers[i]);
    assert!(!h(&map, 0).alive);

    // misc_dynamic: exit 9 sets weight 7
    let applied = map.apply(&event(11, true, Some(7), false));
    assert_eq!(
        applied.map(|a| (a.alive_changed, a.weight_changed)),
        Some((false, true))
    );
    assert_eq!(h(&map, 1).weight, Some(7));
    assert!(h(&map, 2).alive, "a server without checkers is alive");

    // a server the configuration does not have, and a wrong index: nothing changes
    let before = map.clone();
    assert_eq!(map.apply(&event(99, false, None, true)), None);
    let mut wrong = event(11, false, None, true);
    wrong.virtual_server = vref(3);
    assert_eq!(map.apply(&wrong), None);
    assert_eq!(map, before);
}

#[test]
fn alpha_starts_down() {
    let c = config(&text(true));
    let map = HealthMap::new(&c);
    assert_eq!(map.is_alive(0, &rs(10)), Some(true));
    assert_eq!(map.is_alive(0, &rs(11)), Some(false));
}

#[test]
fn reload_keeps_the_health_of_kept_servers_and_seeds_the_plan() {
    let c = config(&text(false));
    let mut map = HealthMap::new(&c);
    map.apply(&event(10, false, None, true));
    map.apply(&event(11, true, Some(3), false));
    // the new configuration puts another virtual server first and drops .11's checker
    let new_text = format!(
        "virtual_server 192.0.2.2 80 {{\n protocol TCP\n lb_algo wlc\n lb_kind NAT\n real_server 198.51.100.20 80 {{\n TCP_CHECK {{\n }}\n }}\n}}\n{}",
        text(false).replace(
            "MISC_CHECK {\n            misc_path \"/bin/check 11\"\n            misc_timeout 2\n            misc_dynamic\n        }",
            "TCP_CHECK {\n        }"
        )
    );
    let c2 = config(&new_text);
    let next = map.reload(&c2);
    assert_eq!(
        next.is_alive(1, &rs(10)),
        Some(false),
        "kept down across the move"
    );
    assert_eq!(next.is_alive(1, &rs(11)), Some(true));
    let vs = &c2.virtual_servers[1];
    assert_eq!(next.real_server(vs, &vs.real_servers[1]).weight, Some(3));
    assert_eq!(
        next.is_alive(
            0,
            &RealServerRef {
                addr: ip(20),
                port: Some(80)
            }
        ),
        Some(true),
        "a new server starts up"
    );
    let mut plan = checker_plan(&c2);
    next.seed(&mut plan);
    let alpha = |last: u8| {
        plan.iter()
            .find(|p| p.real_server.addr == ip(last))
            .map(|p| p.checkers.iter().all(|c| c.alpha))
    };
    assert_eq!(alpha(10), Some(true), "known down: starts down");
    assert_eq!(alpha(11), Some(false));
    assert_eq!(alpha(20), Some(false));
}

#[test]
fn link_runs_notify_and_quorum_scripts_once() {
    let c = config(&text(false));
    let mut link = HealthLink::new(c, QuorumStates::new());
    let start = link.desired();
    assert_eq!(dests(&start.table), [(10, 1), (11, 1), (12, 1)]);

    let out = link.on_event(&event(10, false, None, true));
    let cmds: Vec<String> = out.scripts.iter().map(|j| j.to_string()).collect();
    assert_eq!(cmds, ["/bin/down 10"]);
    let table = out.desired.map(|d| d.table).unwrap_or_default();
    assert_eq!(dests(&table), [(11, 1), (12, 1)], ".10 removed");

    // .11 fails: weight 1 left, below quorum 2: sorry server; .11 kept at 0 (inhibit)
    let out = link.on_event(&event(11, false, None, true));
    let cmds: Vec<String> = out.scripts.iter().map(|j| j.to_string()).collect();
    assert_eq!(cmds, ["/bin/qdown"], ".11 has no notify_down");
    assert!(out
        .notes
        .iter()
        .any(|n| matches!(n, Note::Quorum(q) if !q.up)));
    let table = out.desired.map(|d| d.table).unwrap_or_default();
    assert_eq!(dests(&table), [(9, 1), (11, 0)]);

    // the same state again: no table, no script
    let out = link.on_event(&event(11, false, None, false));
    assert_eq!(out, LinkOutput::default());

    let out = link.on_event(&event(10, true, None, true));
    let cmds: Vec<String> = out.scripts.iter().map(|j| j.to_string()).collect();
    assert_eq!(cmds, ["/bin/qup", "/bin/up 10"]);
    let table = out.desired.map(|d| d.table).unwrap_or_default();
    assert_eq!(dests(&table), [(10, 1), (11, 0), (12, 1)]);

    let out = link.on_event(&event(42, false, None, true));
    assert!(out.desired.is_none() && out.scripts.is_empty());
    assert!(matches!(out.notes.as_slice(), [Note::Unknown(_)]));
}

/// The checker actor under `FakeClock`, its events fed through a [`HealthLink`] into the IPVS
/// actor over the fake kernel.
struct Rig {
    ex: LocalExecutor<'static>,
    clock: FakeClock,
    probe: ScriptedProbe,
    events: Receiver<CheckerEvent>,
    _task: Task<crate::checker::CheckerCounters>,
    _inbox: async_channel::Sender<CheckerMsg>,
    link: HealthLink,
    ipvs: IpvsActor<FakeKernel, JumpClock>,
    kernel: FakeKernel,
    scripts: Vec<String>,
}

impl Rig {
    fn new(text: &str) -> Rig {
        let mut link = HealthLink::new(config(text), QuorumStates::new());
        let kernel = FakeKernel::loaded(&["wlc"]);
        let (reports, _reports_rx) = async_channel::bounded(256);
        let mut ipvs = IpvsActor::new(
            ModulesReady::for_tests(&["wlc"]),
            kernel.clone(),
            JumpClock::default(),
            IpvsConfig::default(),
            reports,
        );
        block_on(ipvs.handle(IpvsMsg::DesiredState(link.desired().table)));
        block_on(ipvs.step());
        let ex = LocalExecutor::new();
        let clock = FakeClock::new();
        let probe = ScriptedProbe::new();
        let (etx, events) = async_channel::bounded(crate::checker::EVENT_CAPACITY);
        let (inbox, irx) = async_channel::bounded(crate::checker::INBOX_CAPACITY);
        let actor = CheckerActor::new(
            link.plan(),
            probe.clone(),
            clock.clone(),
            &mut WarmupRng::new(1),
            etx,
        );
        let task = ex.spawn(actor.run(irx));
        let mut rig = Rig {
            ex,
            clock,
            probe,
            events,
            _task: task,
            _inbox: inbox,
            link,
            ipvs,
            kernel,
            scripts: Vec::new(),
        };
        rig.settle();
        rig
    }

    fn settle(&mut self) {
        for _ in 0..10_000 {
            if !self.ex.try_tick() {
                break;
            }
        }
        while let Ok(e) = self.events.try_recv() {
            let out = self.link.on_event(&e);
            self.scripts
                .extend(out.scripts.iter().map(|j| j.to_string()));
            if let Some(d) = out.desired {
                block_on(self.ipvs.handle(IpvsMsg::DesiredState(d.table)));
                block_on(self.ipvs.step());
            }
        }
    }

    fn run_until(&mut self, ms: u64) {
        let end = Instant::from_millis(ms);
        while let Some(d) = self.clock.next_deadline().filter(|d| *d <= end) {
            self.clock.advance_to(d);
            self.settle();
        }
        self.clock.advance_to(end);
        self.settle();
    }

    fn kernel(&self) -> Vec<(u8, u32)> {
        dests(&self.kernel.state().table)
    }
}

fn tcp10() -> SocketAddr {
    SocketAddr::new(ip(10), 8080)
}

const CHECK_11: &str = "/bin/check 11";

#[test]
fn a_failing_server_leaves_ipvs_and_returns_and_quorum_loss_brings_the_sorry_server() {
    use crate::checker::ScriptBehaviour;
    use holdfast_core::checker::ScriptExit;
    let mut rig = Rig::new(&text(false));
    rig.probe.set_tcp(tcp10(), NetBehaviour::Accept);
    rig.probe
        .set_script(CHECK_11, ScriptBehaviour::Exit(ScriptExit::Exited(0)));
    rig.run_until(3_000);
    assert_eq!(rig.kernel(), [(10, 1), (11, 1), (12, 1)]);

    // .10 refuses: removed at its next probe (6 s), notify_down asked for
    rig.probe.set_tcp(tcp10(), NetBehaviour::Refuse);
    rig.run_until(8_000);
    assert_eq!(rig.kernel(), [(11, 1), (12, 1)]);
    assert_eq!(rig.scripts, ["/bin/down 10"]);

    // .11 reports misc_dynamic weight 5 (exit 7): the kernel follows
    rig.probe
        .set_script(CHECK_11, ScriptBehaviour::Exit(ScriptExit::Exited(7)));
    rig.run_until(12_000);
    assert_eq!(rig.kernel(), [(11, 5), (12, 1)]);

    // .11 fails: live weight 1 < quorum 2: the sorry server takes over, .11 stays at weight 0
    rig.probe
        .set_script(CHECK_11, ScriptBehaviour::Exit(ScriptExit::Exited(1)));
    rig.run_until(17_000);
    assert_eq!(rig.kernel(), [(9, 1), (11, 0)]);
    assert_eq!(rig.scripts, ["/bin/down 10", "/bin/qdown"]);

    // .10 heals: quorum is back, the sorry server leaves
    rig.probe.set_tcp(tcp10(), NetBehaviour::Accept);
    rig.run_until(22_000);
    assert_eq!(rig.kernel(), [(10, 1), (11, 0), (12, 1)]);
    assert_eq!(
        rig.scripts,
        ["/bin/down 10", "/bin/qdown", "/bin/qup", "/bin/up 10"]
    );
}

#[test]
fn an_alpha_server_is_kept_out_until_its_first_success() {
    use crate::checker::ScriptBehaviour;
    use holdfast_core::checker::ScriptExit;
    let mut rig = Rig::new(&text(true));
    rig.probe.set_tcp(tcp10(), NetBehaviour::Accept);
    // inhibit_on_failure: present at weight 0 from the start
    assert_eq!(rig.kernel(), [(10, 1), (11, 0), (12, 1)]);
    rig.probe
        .set_script(CHECK_11, ScriptBehaviour::Exit(ScriptExit::Exited(0)));
    rig.run_until(3_000);
    assert_eq!(rig.kernel(), [(10, 1), (11, 1), (12, 1)]);
}

#[test]
fn link_reload_restarts_only_for_a_new_plan_and_does_not_repeat_notifications() {
    let mut link = HealthLink::new(config(&text(false)), QuorumStates::new());
    let _ = link.desired();
    let out = link.on_event(&event(10, false, None, true));
    assert_eq!(out.scripts.len(), 1, "notify_down once");

    // same checkers, another weight for .12: the running actor stays
    assert!(!link.reload(config(&text(false).replace(
        "real_server 198.51.100.12 8080 {\n        weight 1",
        "real_server 198.51.100.12 8080 {\n        weight 2"
    ))));
    let table = link.desired().table;
    assert_eq!(
        dests(&table),
        [(11, 1), (12, 2)],
        ".10 still down, .12 reweighted"
    );

    // .11 becomes alpha: the plan changed; .10 restarts down, .11 (carried up) restarts up
    assert!(link.reload(config(&text(true))));
    let plan = link.plan();
    let alpha: Vec<(IpAddr, bool)> = plan
        .iter()
        .map(|p| (p.real_server.addr, p.checkers.iter().all(|c| c.alpha)))
        .collect();
    assert_eq!(alpha, [(ip(10), true), (ip(11), false)]);
    // the restarted actor's first failure report for .10 (an alpha first failure) is not news
    let out = link.on_event(&event(10, false, None, true));
    assert!(out.scripts.is_empty() && out.desired.is_none(), "{out:?}");
    // a real change afterwards is
    let out = link.on_event(&event(10, true, None, true));
    let cmds: Vec<String> = out.scripts.iter().map(|j| j.to_string()).collect();
    assert_eq!(cmds, ["/bin/up 10"]);
}
