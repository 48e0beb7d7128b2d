//! The checker actor against `ScriptedProbe` and `FakeClock`: the exact up/down event sequences
//! with their times for TCP, HTTP and MISC checkers; a hung probe costs one timeout and delays
//! nothing else; alpha, omega and snapshots.

mod checker_support;

use checker_support::*;
use holdfast_actors::checker::{
    CheckerMsg, HttpBehaviour, NetBehaviour, ProbeCall, ScriptBehaviour,
};
use holdfast_actors::ports::probe::{HttpResponse, ProbeError};
use holdfast_core::checker::{EventCause, ScriptExit};
use holdfast_core::config::model::{
    CheckerKind, Command, HttpCheck, HttpProtocol, MiscCheck, StatusRange, Url,
};
use holdfast_core::time::Duration;

fn tcp(last: u8, retry: u32) -> holdfast_core::checker::CheckerPlan {
    checker(CheckerKind::Tcp(conn(last, 2000)), retry, 2000, false)
}

#[test]
fn tcp_failures_are_retried_then_reported_once_and_recovery_is_reported() {
    let mut rig = checker_rig(vec![
        server(10, vec![tcp(10, 0)], false),
        server(11, vec![tcp(11, 1)], false),
    ]);
    rig.probe.set_tcp(addr(10, 80), NetBehaviour::Accept);
    rig.probe.set_tcp(addr(11, 80), NetBehaviour::Refuse);
    rig.run_until(6_500);
    rig.probe.set_tcp(addr(11, 80), NetBehaviour::Accept);
    rig.run_until(20_000);
    rig.probe.set_tcp(addr(10, 80), NetBehaviour::Refuse);
    rig.run_until(30_000);
    assert_eq!(
        compact(rig.take()),
        vec![
            // snapshots at start: both up (no alpha)
            (0, 10, true, None, false),
            (0, 11, true, None, false),
            // .11 fails at 1 s, is retried after delay_before_retry, fails again: down
            (2_000, 11, false, None, true),
            // next probe one delay_loop later passes
            (7_000, 11, true, None, true),
            // .10 has retry 0: its first failure after 20 s (at 21 s) is reported at once
            (21_000, 10, false, None, true),
        ]
    );
}

#[test]
fn a_hung_server_costs_one_timeout_and_stalls_nothing_else() {
    let mut rig = checker_rig(vec![
        server(10, vec![tcp(10, 0)], false),
        server(11, vec![tcp(11, 0)], false),
    ]);
    rig.probe.set_tcp(addr(10, 80), NetBehaviour::Hang);
    rig.probe.set_tcp(addr(11, 80), NetBehaviour::Accept);
    rig.run_until(2_000);
    // while .10 hangs, the inbox is served at once
    rig.send(CheckerMsg::Snapshot);
    let snap = compact(rig.take());
    assert_eq!(
        snap.len(),
        4,
        "two at start, two for the snapshot: {snap:?}"
    );
    assert!(snap.iter().all(|e| e.0 <= 2_000));
    rig.run_until(12_000);
    assert_eq!(
        compact(rig.take()),
        // connect_timeout 2 s plus the clock's 200 ms slack after the 1 s start
        vec![(3_200, 10, false, None, true)]
    );
    // .11 was probed on its own schedule: 1 s, 6 s, 11 s
    let calls_11 = rig
        .probe
        .calls()
        .into_iter()
        .filter(|c| *c == ProbeCall::Tcp(addr(11, 80)))
        .count();
    assert_eq!(calls_11, 3);
}

fn ok(body_digest: [u8; 16], status: u16) -> HttpBehaviour {
    HttpBehaviour::Respond(HttpResponse {
        status,
        digest: body_digest,
    })
}

#[test]
fn http_status_digest_and_errors() {
    let digest = [7u8; 16];
    let urls = vec![
        Url {
            path: "/health".into(),
            digest: None,
            status_codes: vec![StatusRange { min: 200, max: 299 }],
            virtualhost: None,
        },
        Url {
            path: "/page".into(),
            digest: Some(digest),
            status_codes: vec![StatusRange { min: 200, max: 200 }],
            virtualhost: None,
        },
    ];
    let kind = CheckerKind::Http(HttpCheck {
        connection: conn(10, 2000),
        tls: false,
        urls,
        virtualhost: None,
        http_protocol: HttpProtocol::Http10,
        enable_sni: false,
        fast_recovery: false,
    });
    let mut rig = checker_rig(vec![server(10, vec![checker(kind, 0, 2000, false)], false)]);
    let a = addr(10, 80);
    rig.probe.set_http(a, "/health", ok([0; 16], 204));
    rig.probe.set_http(a, "/page", ok(digest, 200));
    rig.run_until(2_000);
    // wrong status on the first URL
    rig.probe.set_http(a, "/health", ok([0; 16], 503));
    rig.run_until(7_000);
    rig.probe.set_http(a, "/health", ok([0; 16], 200));
    rig.run_until(12_000);
    // wrong digest on the second
    rig.probe.set_http(a, "/page", ok([8; 16], 200));
    rig.run_until(17_000);
    rig.probe.set_http(a, "/page", ok(digest, 200));
    rig.run_until(22_000);
    // a connection error
    rig.probe
        .set_http(a, "/health", HttpBehaviour::Fail(ProbeError::Refused));
    rig.run_until(27_000);
    assert_eq!(
        compact(rig.take()),
        vec![
            (0, 10, true, None, false),
            (6_000, 10, false, None, true),
            (11_000, 10, true, None, true),
            (16_000, 10, false, None, true),
            (21_000, 10, true, None, true),
            (26_000, 10, false, None, true),
        ]
    );
}

fn misc(cmd: &str, dynamic: bool, timeout_ms: u64) -> holdfast_core::checker::CheckerPlan {
    let kind = CheckerKind::Misc(MiscCheck {
        path: Command {
            args: cmd.split(' ').map(String::from).collect(),
        },
        timeout: Duration::from_millis(timeout_ms),
        dynamic,
        user: None,
    });
    checker(kind, 0, timeout_ms, false)
}

#[test]
fn misc_dynamic_weights_and_a_killed_script() {
    let cmd = "/usr/local/bin/check web";
    let mut rig = checker_rig(vec![server(10, vec![misc(cmd, true, 3000)], false)]);
    let set = |rig: &mut checker_support::Rig<_, _, _>, b| rig.probe.set_script(cmd, b);
    set(&mut rig, ScriptBehaviour::Exit(ScriptExit::Exited(12)));
    rig.run_until(2_000);
    set(&mut rig, ScriptBehaviour::Exit(ScriptExit::Exited(0)));
    rig.run_until(7_000);
    set(&mut rig, ScriptBehaviour::Hang);
    rig.run_until(13_000);
    set(&mut rig, ScriptBehaviour::Exit(ScriptExit::Exited(2)));
    rig.run_until(17_000);
    assert_eq!(
        compact(rig.take()),
        vec![
            (0, 10, true, None, false),
            // exit 12 with misc_dynamic: weight 10, no notify (health unchanged)
            (1_000, 10, true, Some(10), false),
            // exit 0: back to the configured weight
            (6_000, 10, true, None, false),
            // hung: cut at the timeout plus the kill grace plus slack (11 s + 3 s + 2 s + 0.2 s)
            (16_200, 10, false, None, true),
            // next run 5 s after the hung one started (misc is timed from its start): exit 2
            // passes with weight 0
            (16_200, 10, true, Some(0), true),
        ]
    );
}

#[test]
fn alpha_starts_down_and_its_first_failure_notifies() {
    let mut plan_a = tcp(10, 1);
    plan_a.alpha = true;
    let mut plan_b = tcp(11, 1);
    plan_b.alpha = true;
    let mut rig = checker_rig(vec![
        server(10, vec![plan_a], false),
        server(11, vec![plan_b], false),
    ]);
    rig.probe.set_tcp(addr(10, 80), NetBehaviour::Accept);
    rig.run_until(7_000);
    let seen = compact(rig.take());
    assert_eq!(
        seen,
        vec![
            (0, 10, false, None, false),
            (0, 11, false, None, false),
            (1_000, 10, true, None, true),
        ],
        "alpha with retry 1: the first failure of .11 is not reported (keepalived's tcp_epilog)"
    );
    let mut plan = tcp(12, 0);
    plan.alpha = true;
    let mut rig = checker_rig(vec![server(12, vec![plan], false)]);
    rig.run_until(2_000);
    assert_eq!(
        compact(rig.take()),
        vec![(0, 12, false, None, false), (1_000, 12, false, None, true)],
        "alpha with retry 0: notify_down on the first failure, no change"
    );
}

#[test]
fn shutdown_with_omega_takes_live_servers_down() {
    let mut rig = checker_rig(vec![
        server(10, vec![tcp(10, 0)], true),
        server(11, vec![tcp(11, 0)], true),
        server(12, vec![tcp(12, 0)], false),
    ]);
    rig.probe.set_tcp(addr(10, 80), NetBehaviour::Accept);
    rig.probe.set_tcp(addr(12, 80), NetBehaviour::Accept);
    rig.run_until(2_000);
    rig.take();
    rig.send(CheckerMsg::Shutdown);
    let events: Vec<_> = rig.take();
    assert!(events.iter().all(|(_, e)| e.cause == EventCause::Shutdown));
    assert_eq!(compact(events), vec![(2_000, 10, false, None, true)]);
    assert!(rig.task.is_finished());
}
