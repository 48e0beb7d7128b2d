//! The tracker actor against `ScriptedProbe` and `FakeClock`: vrrp_script rise/fall/weight and
//! init_fail, weight 0 into and out of Fault, interface and file tracking, skipped overlapping
//! runs, and a hung script costing one timeout.

mod checker_support;

use checker_support::*;
use holdfast_actors::checker::{ProbeCall, ScriptBehaviour, TrackMsg};
use holdfast_core::checker::{
    InstanceTracking, ScriptExit, ScriptHealth, TrackLine, TrackPlan, TrackedSource,
};
use holdfast_core::config::model::{Command, TrackFile, VrrpScript};
use holdfast_core::time::Duration;

fn script(name: &str, rise: u32, fall: u32, init_fail: bool) -> VrrpScript {
    let mut s = VrrpScript::new(
        name.into(),
        Command {
            args: vec![format!("/bin/{name}")],
        },
    );
    s.interval = Duration::from_secs(2);
    s.rise = rise;
    s.fall = fall;
    s.init_fail = init_fail;
    s
}

fn line(source: TrackedSource, weight: i32) -> TrackLine {
    TrackLine {
        source,
        weight,
        reverse: false,
    }
}

/// (ms, instance, weight_sum, fault, initialising)
type Seen = (u64, String, i32, bool, bool);

fn seen(
    rig: &mut checker_support::Rig<
        holdfast_core::checker::TrackEvent,
        TrackMsg,
        holdfast_actors::checker::TrackCounters,
    >,
) -> Vec<Seen> {
    rig.take()
        .into_iter()
        .map(|(t, e)| {
            (
                t,
                e.instance,
                e.status.weight_sum,
                e.status.fault,
                e.initialising,
            )
        })
        .collect()
}

fn exit(code: u8) -> ScriptBehaviour {
    ScriptBehaviour::Exit(ScriptExit::Exited(code))
}

#[test]
fn script_weights_rise_fall_and_fault() {
    let plan = TrackPlan {
        scripts: vec![
            script("chk_web", 2, 2, false),
            script("chk_db", 1, 1, false),
        ],
        interfaces: vec![],
        files: vec![],
        instances: vec![
            InstanceTracking {
                instance: "VI_1".into(),
                lines: vec![
                    line(TrackedSource::Script(0), 20),
                    line(TrackedSource::Script(1), 0),
                ],
            },
            InstanceTracking {
                instance: "VI_2".into(),
                lines: vec![line(TrackedSource::Script(0), -30)],
            },
        ],
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/chk_web", exit(0));
    probe.set_script("/bin/chk_db", exit(0));
    let mut rig = track_rig(plan, probe);
    // first results at 0: both up
    rig.run_until(3_000);
    // chk_web fails twice (fall 2): down at the second failure, at 6 s
    rig.probe.set_script("/bin/chk_web", exit(1));
    rig.run_until(7_000);
    // chk_db fails once: VI_1 to Fault
    rig.probe.set_script("/bin/chk_db", exit(3));
    rig.run_until(9_000);
    // both recover; chk_web needs rise 2
    rig.probe.set_script("/bin/chk_web", exit(0));
    rig.probe.set_script("/bin/chk_db", exit(0));
    rig.run_until(13_000);
    let s = |t, i: &str, w, f, init| (t, i.to_string(), w, f, init);
    assert_eq!(
        seen(&mut rig),
        vec![
            // at start: chk_db (weight 0) has no result yet, so VI_1 waits
            s(0, "VI_1", 0, false, true),
            s(0, "VI_2", 0, false, false),
            // the first results: chk_web up adds 20, chk_db up releases VI_1
            s(0, "VI_1", 20, false, false),
            s(6_000, "VI_1", 0, false, false),
            s(6_000, "VI_2", -30, false, false),
            s(8_000, "VI_1", 0, true, false),
            s(10_000, "VI_1", 0, false, false),
            s(12_000, "VI_1", 20, false, false),
            s(12_000, "VI_2", 0, false, false),
        ]
    );
}

#[test]
fn init_fail_starts_down() {
    let plan = TrackPlan {
        scripts: vec![script("chk", 1, 1, true)],
        interfaces: vec![],
        files: vec![],
        instances: vec![InstanceTracking {
            instance: "VI_1".into(),
            lines: vec![line(TrackedSource::Script(0), 0)],
        }],
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/chk", ScriptBehaviour::Hang);
    let mut rig = track_rig(plan, probe);
    rig.run_until(1_000);
    assert_eq!(
        seen(&mut rig),
        vec![(0, "VI_1".to_string(), 0, true, false)]
    );
}

#[test]
fn a_hung_script_costs_one_timeout_and_overlapping_runs_are_skipped() {
    let mut chk = script("chk", 1, 1, false);
    chk.timeout = Duration::from_secs(1);
    chk.interval = Duration::from_secs(10);
    let plan = TrackPlan {
        scripts: vec![chk, script("other", 1, 1, false)],
        interfaces: vec![],
        files: vec![],
        instances: vec![InstanceTracking {
            instance: "VI_1".into(),
            lines: vec![
                line(TrackedSource::Script(0), -10),
                line(TrackedSource::Script(1), 5),
            ],
        }],
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/chk", ScriptBehaviour::Hang);
    probe.set_script("/bin/other", exit(0));
    let mut rig = track_rig(plan, probe);
    rig.run_until(4_000);
    let s = |t, w| (t, "VI_1".to_string(), w, false, false);
    // "other" passes at once; "chk" is cut after timeout 1 s + grace 2 s + slack 0.2 s
    assert_eq!(seen(&mut rig), vec![s(0, 0), s(0, 5), s(3_200, -5)]);
    let runs = |rig: &checker_support::Rig<_, _, _>, cmd: &str| {
        rig.probe
            .calls()
            .into_iter()
            .filter(|c| *c == ProbeCall::Script(vec![cmd.to_string()]))
            .count()
    };
    // "other" (interval 2 s) ran at 0, 2, 4 s, never held up by the hung one
    assert_eq!(runs(&rig, "/bin/other"), 3);

    // a script slower than its interval: the runs that fall due meanwhile are skipped
    let mut slow = script("slow", 1, 1, false);
    slow.interval = Duration::from_secs(1);
    slow.timeout = Duration::from_secs(10);
    let plan = TrackPlan {
        scripts: vec![slow],
        interfaces: vec![],
        files: vec![],
        instances: vec![InstanceTracking {
            instance: "VI_1".into(),
            lines: vec![line(TrackedSource::Script(0), 5)],
        }],
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/slow", ScriptBehaviour::Hang);
    let mut rig = track_rig(plan, probe);
    rig.run_until(5_000);
    assert_eq!(runs(&rig, "/bin/slow"), 1);
}

#[test]
fn interfaces_and_files() {
    let plan = TrackPlan {
        scripts: vec![],
        interfaces: vec!["eth1".into()],
        files: vec![TrackFile {
            name: "prio".into(),
            location: None,
            file: "/run/prio".into(),
            weight: 3,
            weight_reverse: false,
            init: None,
        }],
        instances: vec![InstanceTracking {
            instance: "VI_1".into(),
            lines: vec![
                line(TrackedSource::Interface(0), -10),
                line(TrackedSource::File(0), 3),
            ],
        }],
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_file("/run/prio", Some(2));
    let mut rig = track_rig(plan, probe);
    rig.send(TrackMsg::Interface {
        name: "eth1".into(),
        up: true,
    });
    rig.run_until(1_500);
    rig.send(TrackMsg::Interface {
        name: "eth1".into(),
        up: false,
    });
    rig.probe.set_file("/run/prio", Some(-100));
    rig.run_until(2_500);
    rig.probe.set_file("/run/prio", None);
    rig.run_until(3_500);
    let s = |t, w, f, init| (t, "VI_1".to_string(), w, f, init);
    assert_eq!(
        seen(&mut rig),
        vec![
            // the interface's state is not known until the daemon says
            s(0, 6, false, true),
            s(0, 6, false, false),
            s(1_500, -4, false, false),
            // -100 × 3 is at or below -254: Fault
            s(2_000, -10, true, false),
            // a missing file counts as 0
            s(3_000, -10, false, false),
        ]
    );
}

#[test]
fn a_file_number_keepalived_ignores_keeps_the_last_value_with_one_note() {
    // Weight 0: any non-zero number is Fault; weight 1: at or below -254 is Fault. A number
    // outside i32::MIN..=i32::MAX + 1 changes neither (keepalived 2.2.7 `process_track_file`).
    let file = |name: &str, path: &str, weight| TrackFile {
        name: name.into(),
        location: None,
        file: path.into(),
        weight,
        weight_reverse: false,
        init: None,
    };
    let plan = TrackPlan {
        scripts: vec![],
        interfaces: vec![],
        files: vec![file("zero", "/run/zero", 0), file("one", "/run/one", 1)],
        instances: vec![
            InstanceTracking {
                instance: "VI_0".into(),
                lines: vec![line(TrackedSource::File(0), 0)],
            },
            InstanceTracking {
                instance: "VI_1".into(),
                lines: vec![line(TrackedSource::File(1), 1)],
            },
        ],
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_file("/run/zero", Some(0));
    probe.set_file("/run/one", Some(5));
    let (ntx, notes) = async_channel::bounded(16);
    let mut rig = track_rig_with(plan, probe, |a| a.with_notes(ntx));
    rig.probe.set_file("/run/zero", Some(4_294_967_296));
    rig.probe.set_file("/run/one", Some(-99_999_999_999));
    rig.run_until(3_500);
    // The accepted bounds themselves are taken.
    rig.probe.set_file("/run/one", Some(2_147_483_648));
    rig.run_until(4_500);
    rig.probe.set_file("/run/one", Some(i64::MIN));
    rig.run_until(5_500);
    let s = |t, i: &str, w, f| (t, i.to_string(), w, f, false);
    assert_eq!(
        seen(&mut rig),
        vec![
            s(0, "VI_0", 0, false),
            s(0, "VI_1", 5, false),
            // capped at 253
            s(4_000, "VI_1", 253, false),
        ]
    );
    let notes: Vec<String> = std::iter::from_fn(|| notes.try_recv().ok())
        .map(|n| n.to_string())
        .collect();
    // One note per new number, not one per poll.
    assert_eq!(
        notes,
        [
            "Invalid number 4294967296 read from /run/zero - ignoring",
            "Invalid number -99999999999 read from /run/one - ignoring",
            "Invalid number -9223372036854775808 read from /run/one - ignoring",
        ]
    );
}

#[test]
fn a_restarted_tracker_resumes_its_scripts_from_the_last_noted_states() {
    let plan = TrackPlan {
        scripts: vec![script("chk", 2, 2, false)],
        interfaces: vec![],
        files: vec![],
        instances: vec![InstanceTracking {
            instance: "VI_1".into(),
            lines: vec![line(TrackedSource::Script(0), -50)],
        }],
    };
    // First run: the script fails at 0 s (down at once from its initial state) and 2 s.
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/chk", exit(1));
    let (ntx, notes) = async_channel::bounded(16);
    let mut rig = track_rig_with(plan.clone(), probe, |a| a.with_notes(ntx));
    rig.run_until(2_500);
    let s = |t, w| (t, "VI_1".to_string(), w, false, false);
    assert_eq!(seen(&mut rig), vec![s(0, 0), s(0, -50)]);
    let states = std::iter::from_fn(|| notes.try_recv().ok())
        .filter_map(|n| match n {
            holdfast_actors::checker::TrackNote::Scripts(s) => Some(s),
            _ => None,
        })
        .last()
        .expect("a Scripts note");
    assert_eq!(
        states
            .iter()
            .map(|(c, s)| (c.name.as_str(), s.health()))
            .collect::<Vec<_>>(),
        [("chk", ScriptHealth::Down)]
    );
    drop(rig);

    // Second run after a failure: the script succeeds now, but rise 2 needs two successes.
    // From the initial state one success would be up at once (and the instance back at +0
    // before the script ever passed twice).
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/chk", exit(0));
    let mut rig = track_rig_with(plan, probe, |a| a.resume(&states));
    rig.run_until(2_500);
    assert_eq!(seen(&mut rig), vec![s(0, -50), s(2_000, 0)]);
}

#[test]
fn reload_keeps_unchanged_scripts_and_restarts_changed_ones() {
    let plan = |other_interval: u64| {
        let mut other = script("other", 1, 1, false);
        other.interval = Duration::from_secs(other_interval);
        TrackPlan {
            scripts: vec![script("chk", 1, 3, false), other],
            interfaces: vec![],
            files: vec![],
            instances: vec![InstanceTracking {
                instance: "VI_1".into(),
                lines: vec![
                    line(TrackedSource::Script(0), -10),
                    line(TrackedSource::Script(1), -20),
                ],
            }],
        }
    };
    let probe = holdfast_actors::checker::ScriptedProbe::new();
    probe.set_script("/bin/chk", exit(0));
    probe.set_script("/bin/other", exit(0));
    let mut rig = track_rig(plan(2), probe);
    rig.run_until(3_000);
    // chk starts failing (fall 3: down only at the third failure, 4 s, 6 s, 8 s)
    rig.probe.set_script("/bin/chk", exit(1));
    rig.probe.set_script("/bin/other", exit(1));
    rig.run_until(5_000);
    // "other" went down at 4 s; reload with "other" changed, "chk" unchanged (one failure
    // counted): chk keeps its counter, "other" starts afresh (no result: no weight).
    rig.send(TrackMsg::Reload(Box::new(plan(4))));
    rig.run_until(8_500);
    let s = |t, w| (t, "VI_1".to_string(), w, false, false);
    assert_eq!(
        seen(&mut rig),
        vec![
            s(0, 0),
            s(4_000, -20),
            // the reload: every instance sent again; "other" has no result yet
            s(5_000, 0),
            // "other" runs at once and fails: -20
            s(5_000, -20),
            // chk's third failure at 8 s, counted across the reload
            s(8_000, -30),
        ]
    );
}
