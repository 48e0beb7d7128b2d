//! Table tests for the checker and tracking logic, each table behind one `check` helper.

use super::*;
use crate::time::{Duration, Instant};
use crate::vrrp::TrackStatus;
use Outcome::{Failure as F, Success as S};

const T: Timing = Timing {
    delay_loop: Duration::from_secs(10),
    delay_before_retry: Duration::from_secs(3),
    retry: 2,
    anchor: Anchor::End,
};

/// Runs `rows` of (outcome, probe duration ms) through a checker created at 0 and checks, per
/// row, the report, whether it is up, and the next probe's time in ms.
fn check(timing: Timing, alpha: bool, rows: &[(Outcome, u64, Option<Report>, bool, u64)]) {
    let mut c = CheckerState::new(timing, alpha, Instant::ZERO, Duration::ZERO);
    assert_eq!(c.is_up(), !alpha);
    assert_eq!(
        c.next_deadline(),
        Some(Instant::from_secs(1)),
        "bootstrap delay"
    );
    for (i, &(outcome, took, report, up, next)) in rows.iter().enumerate() {
        let start = c.next_deadline().expect("scheduled");
        assert!(
            !c.start(Instant::from_millis(start.total_millis().saturating_sub(1)))
                || start == Instant::ZERO
        );
        assert!(c.start(start), "row {i}: starts when due");
        assert_eq!(
            c.next_deadline(),
            None,
            "row {i}: nothing scheduled while running"
        );
        let got = c.handle_result(outcome, start + Duration::from_millis(took));
        assert_eq!(got, report, "row {i}: report");
        assert_eq!(c.is_up(), up, "row {i}: up");
        assert_eq!(
            c.next_deadline(),
            Some(Instant::from_millis(next)),
            "row {i}: next"
        );
    }
}

const fn up(first: bool) -> Option<Report> {
    Some(Report { up: true, first })
}
const fn down(first: bool) -> Option<Report> {
    Some(Report { up: false, first })
}

#[test]
fn retries_then_down_then_recovers() {
    check(
        T,
        false,
        &[
            // first success confirms up
            (S, 100, up(true), true, 11_100),
            // two failures are retried after delay_before_retry
            (F, 0, None, true, 14_100),
            (F, 500, None, true, 17_600),
            // the third is one too many: down, back to delay_loop
            (F, 5000, down(false), false, 32_600),
            // failures while down say nothing
            (F, 0, None, false, 42_600),
            // one success is enough to come back
            (S, 0, up(false), true, 52_600),
            // a success between failures resets the retries
            (F, 0, None, true, 55_600),
            (S, 0, None, true, 65_600),
            (F, 0, None, true, 68_600),
        ],
    );
}

#[test]
fn retry_zero_goes_down_on_the_first_failure() {
    let t = Timing { retry: 0, ..T };
    check(
        t,
        false,
        &[
            (F, 0, down(true), false, 11_000),
            (S, 0, up(false), true, 21_000),
        ],
    );
}

#[test]
fn first_failure_uses_the_retries_too() {
    check(
        T,
        false,
        &[
            (F, 0, None, true, 4_000),
            (F, 0, None, true, 7_000),
            // the first run is over once a result was handled, retried or not
            (F, 0, down(false), false, 17_000),
        ],
    );
}

#[test]
fn alpha_starts_down() {
    // alpha: down until the first success
    check(T, true, &[(S, 0, up(true), true, 11_000)]);
    // with retries the first failure is not reported (keepalived's tcp_epilog)
    check(
        T,
        true,
        &[(F, 0, None, false, 11_000), (F, 0, None, false, 21_000)],
    );
    // without retries it is, as a first verdict that changes nothing
    let t = Timing { retry: 0, ..T };
    check(t, true, &[(F, 0, down(true), false, 11_000)]);
}

#[test]
fn misc_check_is_timed_from_its_start() {
    let t = Timing {
        anchor: Anchor::Start,
        ..T
    };
    check(
        t,
        false,
        &[
            (S, 4_000, up(true), true, 11_000),
            // a script that outruns delay_loop starts again at once
            (S, 12_000, None, true, 23_000),
            (F, 100, None, true, 26_000),
        ],
    );
}

#[test]
fn warmup_share_delays_the_first_probe_and_late_results_are_ignored() {
    let mut c = CheckerState::new(
        T,
        false,
        Instant::from_secs(5),
        Duration::from_millis(2_500),
    );
    assert_eq!(c.next_deadline(), Some(Instant::from_millis(8_500)));
    assert_eq!(
        c.handle_result(S, Instant::from_secs(9)),
        None,
        "no probe running"
    );
    assert!(!c.start(Instant::from_secs(8)));
    assert!(c.start(Instant::from_secs(9)));
    assert!(c.is_running());
}

#[test]
fn misc_exit_statuses() {
    let rows = [
        (ScriptExit::Exited(0), false, S),
        (ScriptExit::Exited(1), false, F),
        (ScriptExit::Exited(2), false, F),
        (ScriptExit::Exited(0), true, S),
        (ScriptExit::Exited(1), true, F),
        (ScriptExit::Exited(2), true, Outcome::SuccessWeight(0)),
        (ScriptExit::Exited(12), true, Outcome::SuccessWeight(10)),
        (ScriptExit::Exited(255), true, Outcome::SuccessWeight(253)),
        (ScriptExit::TimedOut, true, F),
        (ScriptExit::Signalled(9), true, F),
        (ScriptExit::SpawnFailed, false, F),
    ];
    for (exit, dynamic, want) in rows {
        assert_eq!(
            misc_outcome(exit, dynamic),
            want,
            "{exit:?} dynamic={dynamic}"
        );
    }
}

/// One row for [`check_server`]: checker index, outcome, its report, and the expected change as
/// (up, weight, notify).
type ServerRow = (
    usize,
    Outcome,
    Option<Report>,
    Option<(bool, Option<u32>, bool)>,
);

/// Feeds (checker, outcome, report) rows to a server and checks each returned change.
fn check_server(weight: u32, initial: &[bool], rows: &[ServerRow]) {
    let mut s = ServerHealth::new(weight, initial);
    for (i, &(idx, outcome, report, want)) in rows.iter().enumerate() {
        let got = s
            .handle_report(idx, outcome, report)
            .map(|c| (c.up, c.weight, c.notify));
        assert_eq!(got, want, "row {i}");
    }
}

#[test]
fn a_server_is_up_while_all_its_checkers_are() {
    check_server(
        5,
        &[true, true],
        &[
            (0, S, up(true), None),
            (1, F, down(true), Some((false, None, true))),
            (0, F, down(false), None),
            (1, S, up(false), None),
            (0, S, up(false), Some((true, None, true))),
        ],
    );
}

#[test]
fn alpha_first_failure_notifies_down_without_a_change() {
    let s = ServerHealth::new(1, &[false]);
    assert!(!s.initial().up);
    check_server(
        1,
        &[false],
        &[
            (0, F, down(true), Some((false, None, true))),
            (0, F, None, None),
        ],
    );
}

#[test]
fn misc_dynamic_weights() {
    check_server(
        5,
        &[true],
        &[
            (
                0,
                Outcome::SuccessWeight(10),
                up(true),
                Some((true, Some(10), false)),
            ),
            (0, Outcome::SuccessWeight(10), None, None),
            (
                0,
                Outcome::SuccessWeight(0),
                None,
                Some((true, Some(0), false)),
            ),
            // exit 0 returns to the configured weight
            (0, S, None, Some((true, None, false))),
            (
                0,
                Outcome::SuccessWeight(3),
                None,
                Some((true, Some(3), false)),
            ),
            // a retried failure keeps the weight; going down resets it
            (0, F, None, None),
            (0, F, down(false), Some((false, None, true))),
        ],
    );
    // two dynamic checkers each move the configured weight
    let mut s = ServerHealth::new(10, &[true, true]);
    s.handle_report(0, Outcome::SuccessWeight(15), None);
    s.handle_report(1, Outcome::SuccessWeight(2), None);
    assert_eq!(s.weight(), Some(7));
    s.handle_report(1, Outcome::SuccessWeight(0), None);
    assert_eq!(s.weight(), Some(5));
    let mut s = ServerHealth::new(10, &[true, true]);
    s.handle_report(0, Outcome::SuccessWeight(0), None);
    s.handle_report(1, Outcome::SuccessWeight(1), None);
    assert_eq!(s.weight(), Some(0), "floored at 0");
}

#[test]
fn omega_shutdown_takes_up_servers_down() {
    let mut s = ServerHealth::new(1, &[true]);
    let c = s.shutdown().expect("up server");
    assert_eq!(
        (c.up, c.notify, c.cause),
        (false, true, EventCause::Shutdown)
    );
    assert_eq!(s.shutdown(), None);
}

#[test]
fn quorum_with_hysteresis() {
    // quorum 10, hysteresis 2: up at >= 12, down below 8
    let mut q = Quorum::new(10, 2, 11);
    assert!(!q.is_up());
    let rows = [
        (11, None),
        (12, Some(true)),
        (9, None),
        (8, None),
        (7, Some(false)),
        (11, None),
        (12, Some(true)),
    ];
    for (i, (w, want)) in rows.into_iter().enumerate() {
        assert_eq!(q.update(w), want, "row {i}");
    }
    // zero live weight loses quorum even with quorum 0
    let mut q = Quorum::new(0, 0, 0);
    assert!(q.is_up());
    assert_eq!(q.update(0), Some(false));
    assert_eq!(q.update(0), Some(true));
}

/// Feeds results to a script and checks the health after each.
fn check_script(
    rise: u32,
    fall: u32,
    init_fail: bool,
    start: ScriptHealth,
    rows: &[(bool, ScriptHealth)],
) {
    let mut s = ScriptState::new(rise, fall, init_fail);
    assert_eq!(s.health(), start);
    for (i, &(ok, want)) in rows.iter().enumerate() {
        let before = s.health();
        let changed = s.handle(ok);
        assert_eq!(s.health(), want, "row {i}");
        assert_eq!(changed, (before != want).then_some(want), "row {i}: change");
    }
}

#[test]
fn vrrp_script_rise_and_fall() {
    use ScriptHealth::{Down, Init, Up};
    // the first result decides, whatever rise and fall are
    check_script(3, 3, false, Init, &[(true, Up)]);
    check_script(
        3,
        3,
        false,
        Init,
        &[(false, Down), (true, Down), (true, Down), (true, Up)],
    );
    // fall 2: one failure is absorbed, two go down; a success in between restores the count
    check_script(
        1,
        2,
        false,
        Init,
        &[
            (true, Up),
            (false, Up),
            (true, Up),
            (false, Up),
            (false, Down),
            (true, Up),
        ],
    );
    // init_fail starts down and needs rise successes
    check_script(
        2,
        1,
        true,
        Down,
        &[
            (true, Down),
            (false, Down),
            (true, Down),
            (true, Up),
            (false, Down),
        ],
    );
    // zero rise/fall count as one
    check_script(0, 0, true, Down, &[(true, Up), (false, Down)]);
}

#[test]
fn weights_of_tracked_objects() {
    use Contribution::{Fault, Weight};
    let rows = [
        // (ok, weight, reverse, contribution)
        (true, 10, false, Weight(10)),
        (false, 10, false, Weight(0)),
        (true, -10, false, Weight(0)),
        (false, -10, false, Weight(-10)),
        (true, 10, true, Weight(-10)),
        (false, 10, true, Weight(0)),
        (false, -10, true, Weight(10)),
        (true, 0, false, Weight(0)),
        (false, 0, false, Fault),
        (true, 0, true, Fault),
        (false, 0, true, Weight(0)),
    ];
    for (ok, w, rev, want) in rows {
        assert_eq!(
            state_contribution(ok, w, rev),
            want,
            "ok={ok} w={w} rev={rev}"
        );
    }
    let files = [
        // (value, weight, reverse, contribution)
        (0, 5, false, Weight(0)),
        (3, 5, false, Weight(15)),
        (-3, 5, false, Weight(-15)),
        (100, 5, false, Weight(253)),
        (-100, 5, false, Fault),
        (-50, 5, false, Weight(-250)),
        (3, 5, true, Weight(-15)),
        (0, 0, false, Weight(0)),
        (7, 0, false, Fault),
        (0, 0, true, Fault),
        (7, 0, true, Weight(0)),
        (i64::MAX, 254, false, Weight(253)),
        (i64::MIN, 254, false, Fault),
    ];
    for (v, w, rev, want) in files {
        assert_eq!(file_contribution(v, w, rev), want, "v={v} w={w} rev={rev}");
    }
}

#[test]
fn instance_sum_fault_and_waiting() {
    use ScriptHealth::{Down, Init, Up};
    let line = |source, weight, reverse| TrackLine {
        source,
        weight,
        reverse,
    };
    let lines = [
        line(TrackedSource::Script(0), 20, false),
        line(TrackedSource::Script(1), -30, false),
        line(TrackedSource::Interface(0), -5, false),
        line(TrackedSource::File(0), 2, false),
    ];
    let eval = |scripts: &[ScriptHealth], ifs: &[Option<bool>], files: &[i64]| {
        evaluate(
            &lines,
            &Sources {
                scripts,
                interfaces: ifs,
                files,
            },
        )
    };
    let st = |weight_sum, fault| TrackStatus { weight_sum, fault };
    assert_eq!(eval(&[Up, Up], &[Some(true)], &[0]), (st(20, false), false));
    assert_eq!(
        eval(&[Up, Down], &[Some(false)], &[4]),
        (st(20 - 30 - 5 + 8, false), false)
    );
    // weighted scripts in their initial state add nothing yet
    assert_eq!(
        eval(&[Init, Init], &[Some(true)], &[0]),
        (st(0, false), false)
    );
    // an unknown interface state holds the instance
    assert_eq!(eval(&[Up, Up], &[None], &[0]), (st(20, false), true));
    assert_eq!(
        eval(&[Up, Up], &[Some(true)], &[-200]),
        (st(20, true), false)
    );

    let zero = [line(TrackedSource::Script(0), 0, false)];
    let eval0 = |h| {
        evaluate(
            &zero,
            &Sources {
                scripts: &[h],
                interfaces: &[],
                files: &[],
            },
        )
    };
    assert_eq!(
        eval0(Init),
        (st(0, false), true),
        "weight 0 waits for the first result"
    );
    assert_eq!(
        eval0(Down),
        (st(0, true), false),
        "weight 0 failing is Fault"
    );
    assert_eq!(eval0(Up), (st(0, false), false));
}

/// Parses compact configuration text with no diagnostics expected.
fn config(text: &str) -> crate::config::model::Config {
    let (c, d) = crate::config::parse::parse(&crate::config::parse::tree::tree(text));
    assert!(d.is_empty(), "diagnostics: {d:?}");
    c
}

#[test]
fn checker_plan_resolves_timing_targets_and_users() {
    use crate::config::model::CheckerKind;
    let c = config(
        "global_defs {
  script_user nobody
}
virtual_server 192.0.2.1 80 {
  lb_algo rr
  lb_kind NAT
  delay_loop 7
  omega
  protocol TCP
  real_server 198.51.100.10 8080 {
    weight 3
    alpha
    TCP_CHECK {
      connect_timeout 2
      retry 4
      delay_before_retry 2
    }
    MISC_CHECK {
      misc_path \"/bin/check arg\"
      misc_timeout 9
    }
  }
}",
    );
    let plan = checker_plan(&c);
    assert_eq!(plan.len(), 1);
    let s = &plan[0];
    assert_eq!(s.virtual_server.index, 0);
    assert_eq!(s.real_server.port, Some(8080));
    assert_eq!((s.weight, s.omega), (3, true));
    let tcp = &s.checkers[0];
    assert!(matches!(tcp.kind, CheckerKind::Tcp(_)));
    assert_eq!(
        tcp.timing,
        Timing {
            delay_loop: Duration::from_secs(7),
            delay_before_retry: Duration::from_secs(2),
            retry: 4,
            anchor: Anchor::End,
        }
    );
    assert_eq!(
        (tcp.alpha, tcp.timeout, tcp.user.clone()),
        (true, Duration::from_secs(2), None)
    );
    let misc = &s.checkers[1];
    assert_eq!(misc.timing.anchor, Anchor::Start);
    assert_eq!(misc.timing.retry, 0, "MISC_CHECK's own default");
    assert_eq!(misc.timeout, Duration::from_secs(9));
    assert_eq!(misc.user.as_ref().map(|u| u.user.as_str()), Some("nobody"));
}

#[test]
fn track_plan_merges_sync_group_lines_and_shares_sources() {
    let c = config(
        "vrrp_script chk {
  script /bin/chk
  weight -20
}
track_file prio {
  file /run/prio
  weight 2
}
vrrp_sync_group G {
  group {
    VI_1
  }
  track_interface {
    eth2
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    192.0.2.10
  }
  track_script {
    chk weight 0
  }
  track_file {
    prio weight 0
  }
}
vrrp_instance VI_2 {
  interface eth1
  virtual_router_id 2
  virtual_ipaddress {
    192.0.2.11
  }
  track_script {
    chk weight 10
  }
  track_file {
    prio weight 5 reverse
  }
}
vrrp_instance VI_3 {
  interface eth1
  virtual_router_id 3
  virtual_ipaddress {
    192.0.2.12
  }
}",
    );
    let plan = track_plan(&c);
    assert_eq!(
        plan.scripts.len(),
        1,
        "one script, run once for both instances"
    );
    assert_eq!(plan.interfaces, ["eth2"]);
    assert_eq!(plan.files.len(), 1);
    let names: alloc::vec::Vec<&str> = plan.instances.iter().map(|i| i.instance.as_str()).collect();
    assert_eq!(names, ["VI_1", "VI_2"], "VI_3 tracks nothing");
    let line = |source, weight, reverse| TrackLine {
        source,
        weight,
        reverse,
    };
    // sync group members: weights are dropped by the parser, the group's interface is added
    assert_eq!(
        plan.instances[0].lines,
        [
            line(TrackedSource::Script(0), 0, false),
            line(TrackedSource::Interface(0), 0, false),
            line(TrackedSource::File(0), 0, false),
        ]
    );
    assert_eq!(
        plan.instances[1].lines,
        [
            line(TrackedSource::Script(0), 10, false),
            line(TrackedSource::File(0), 5, true)
        ]
    );
}

#[test]
fn track_file_numbers_read_as_strtol_base_0() {
    use super::track_file_number as n;
    let cases: &[(&[u8], i64)] = &[
        (b"10\n", 10),
        (b"  -20 trailing", -20),
        (b"+7", 7),
        (b"0x1f", 31),
        (b"010", 8),
        (b"12abc", 12),
        (b"abc", 0),
        (b"", 0),
        (b"-", 0),
        (b"0x", 0),
        (b"99999999999999999999999", i64::MAX),
        (b"09", 0),
    ];
    for &(text, want) in cases {
        assert_eq!(n(text), want, "{:?}", core::str::from_utf8(text));
    }
    // only the first 127 bytes count
    let mut long = alloc::vec![b' '; 127];
    long.extend_from_slice(b"5");
    assert_eq!(n(&long), 0);
}

#[test]
fn track_file_numbers_outside_keepalived_s_range_are_ignored() {
    use super::{track_file_accepts as ok, track_file_number as n};
    // keepalived 2.2.7 takes i32::MIN ..= i32::MAX + 1 (its bound), and ignores the rest.
    for text in [
        &b"-2147483648"[..],
        b"2147483648",
        b"0",
        b"abc",
        b"-254",
        b"0x7fffffff",
    ] {
        assert!(ok(n(text)), "{:?}", core::str::from_utf8(text));
    }
    for text in [
        &b"-2147483649"[..],
        b"2147483649",
        b"4294967296",
        b"0x100000000",
        b"99999999999999999999999",
        b"-99999999999999999999999",
    ] {
        assert!(!ok(n(text)), "{:?}", core::str::from_utf8(text));
    }
}
