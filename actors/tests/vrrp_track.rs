//! Tracking end to end over fakes: the tracker actor (scripts and files on `ScriptedProbe`,
//! interface states sent as the daemon sends them) feeding vrrp actors on one fake segment and
//! one `FakeClock`. A failing `vrrp_script` lowers the priority by its weight and the peer with
//! the higher priority takes over, and back; weight 0 is Fault; a `track_file`'s number times its
//! weight; a sync group follows a member into Fault; a weight-0 script holds the start.

mod vrrp_support;

use async_channel::Sender;
use holdfast_actors::checker::{ScriptBehaviour, ScriptedProbe, TrackActor, TrackMsg};
use holdfast_actors::vrrp::{VrrpEvent, VrrpMsg, VrrpSetup};
use holdfast_core::checker::ScriptExit;
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::State;
use smol::Task;
use vrrp_support::{instance, setup, v4, Lab};

fn exit(code: u8) -> ScriptBehaviour {
    ScriptBehaviour::Exit(ScriptExit::Exited(code))
}

/// A tracker for `setup`'s plan on the lab's executor and clock, forwarding every status to
/// router `r` as the daemon does. Returns the tracker's inbox and its tasks.
fn tracker(lab: &Lab, r: usize, setup: &VrrpSetup, probe: &ScriptedProbe) -> Tracker {
    let (events_tx, events) = async_channel::bounded(holdfast_actors::checker::EVENT_CAPACITY);
    let (inbox, inbox_rx) = async_channel::bounded(holdfast_actors::checker::INBOX_CAPACITY);
    let actor = TrackActor::new(
        setup.tracking.clone(),
        probe.clone(),
        lab.clock.clone(),
        events_tx,
    );
    let vrrp = lab.routers[r].inbox.clone();
    let forward = lab.ex.spawn(async move {
        while let Ok(e) = events.recv().await {
            if vrrp.send(VrrpMsg::Track(e)).await.is_err() {
                break;
            }
        }
    });
    let task = lab.ex.spawn(async move {
        actor.run(inbox_rx).await;
    });
    lab.settle();
    Tracker {
        inbox,
        _tasks: [task, forward],
    }
}

struct Tracker {
    inbox: Sender<TrackMsg>,
    _tasks: [Task<()>; 2],
}

fn priority_changes(lab: &Lab, r: usize) -> Vec<(u8, u8)> {
    lab.routers[r]
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            VrrpEvent::PriorityChanged { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .collect()
}

const CHK: &str = "vrrp_script chk {\n script /bin/chk\n interval 1\n weight -50\n}\n";

#[test]
fn a_failing_script_hands_mastership_to_the_higher_backup_and_takes_it_back() {
    let mut lab = Lab::new();
    let text = format!("{CHK}{}", instance(150, "track_script {\n chk\n }"));
    let a_setup = setup(&text);
    let probe = ScriptedProbe::new();
    probe.set_script("/bin/chk", exit(0));
    let a = lab.start(1, a_setup.clone());
    let _t = tracker(&lab, a, &a_setup, &probe);
    let b = lab.start(2, setup(&instance(120, "")));
    lab.run_until(Instant::from_secs(5));
    assert_eq!([lab.state(a), lab.state(b)], [State::Master, State::Backup]);
    assert_eq!(lab.instance(a).priority, 150);

    // fails from its next run at 6 s (fall 1): 150 - 50 = 100 < 120. A keeps sending adverts at 100 and B,
    // preempting, discards them and takes over when its Master_Down_Timer runs out.
    probe.set_script("/bin/chk", exit(1));
    lab.run_until(Instant::from_millis(6_100));
    assert_eq!(lab.instance(a).priority, 100);
    lab.run_for(Duration::from_secs(5));
    assert_eq!([lab.state(a), lab.state(b)], [State::Backup, State::Master]);
    let from_a_at_100 = lab
        .segment
        .packets()
        .iter()
        .filter(|p| p.source == v4(1) && p.payload.get(2) == Some(&100))
        .count();
    assert!(from_a_at_100 >= 1, "A advertised its lowered priority");

    // recovers: 150 again, A preempts back.
    probe.set_script("/bin/chk", exit(0));
    lab.run_for(Duration::from_secs(5));
    assert_eq!([lab.state(a), lab.state(b)], [State::Master, State::Backup]);
    assert_eq!(priority_changes(&lab, a), [(150, 100), (100, 150)]);
}

#[test]
fn a_weight_zero_script_holds_the_start_then_its_failure_is_fault() {
    let mut lab = Lab::new();
    let text = format!(
        "vrrp_script chk {{\n script /bin/chk\n interval 2\n weight 0\n}}\n{}",
        instance(150, "track_script {\n chk\n }")
    );
    let a_setup = setup(&text);
    let probe = ScriptedProbe::new();
    // The first run hangs until its timeout (the interval, 2 s) plus the kill grace: the
    // instance must not start meanwhile (keepalived keeps it in INIT).
    probe.set_script("/bin/chk", ScriptBehaviour::Hang);
    let a = lab.start(1, a_setup.clone());
    let _t = tracker(&lab, a, &a_setup, &probe);
    let b = lab.start(2, setup(&instance(120, "")));
    lab.run_until(Instant::from_secs(4));
    assert_eq!(
        lab.state(a),
        State::Initialize,
        "held until the script settles"
    );
    assert_eq!(lab.state(b), State::Master);
    probe.set_script("/bin/chk", exit(0));
    // The hung run is cut at 4.2 s (a failure: Fault at once); the next run at 6 s passes.
    lab.run_until(Instant::from_millis(4_300));
    assert_eq!(lab.state(a), State::Fault);
    lab.run_until(Instant::from_millis(6_100));
    assert_eq!(lab.state(a), State::Backup);
    // Backup from 6 s, A preempts one Master_Down_Interval (3.41 s) later.
    lab.run_until(Instant::from_millis(9_400));
    assert_eq!(lab.state(a), State::Backup);
    lab.run_until(Instant::from_millis(9_500));
    assert_eq!([lab.state(a), lab.state(b)], [State::Master, State::Backup]);

    // Fails at its run at 10 s: Fault at once, with a priority-0 advert, so B takes over
    // within its Skew_Time (0.53 s) instead of a Master_Down_Interval.
    probe.set_script("/bin/chk", exit(2));
    lab.run_until(Instant::from_millis(10_001));
    assert_eq!(lab.state(a), State::Fault);
    assert!(!lab.routers[a].has(v4(100)));
    lab.run_until(Instant::from_millis(10_540));
    assert_eq!(lab.state(b), State::Master);
}

#[test]
fn track_file_numbers_times_the_weight_and_interface_weights() {
    let mut lab = Lab::new();
    let text = format!(
        "track_file prio {{\n file /run/prio\n weight 2\n}}\n{}",
        instance(
            150,
            "track_file {\n prio\n }\n track_interface {\n eth1 weight -60\n }"
        )
    );
    let a_setup = setup(&text);
    let probe = ScriptedProbe::new();
    probe.set_file("/run/prio", Some(0));
    let (net, eth0) = lab.host(1);
    net.add_link("eth1", [2, 0, 0, 0, 1, 1], None);
    let a = lab.start_on(net, eth0, 1, a_setup.clone());
    let t = tracker(&lab, a, &a_setup, &probe);
    let b = lab.start(2, setup(&instance(120, "")));
    // The interface's state is unknown until the daemon says: A is held meanwhile.
    lab.run_until(Instant::from_secs(1));
    assert_eq!(lab.state(a), State::Initialize);
    t.inbox
        .try_send(TrackMsg::Interface {
            name: "eth1".into(),
            up: true,
        })
        .expect("tracker inbox");
    lab.run_until(Instant::from_secs(6));
    assert_eq!([lab.state(a), lab.state(b)], [State::Master, State::Backup]);

    // -20 × 2 = -40: 110 < 120, B takes over.
    probe.set_file("/run/prio", Some(-20));
    lab.run_for(Duration::from_secs(6));
    assert_eq!(lab.instance(a).priority, 110);
    assert_eq!([lab.state(a), lab.state(b)], [State::Backup, State::Master]);
    // +30 × 2 = +60 and eth1 down -60: 150 again; A preempts.
    probe.set_file("/run/prio", Some(30));
    t.inbox
        .try_send(TrackMsg::Interface {
            name: "eth1".into(),
            up: false,
        })
        .expect("tracker inbox");
    lab.run_for(Duration::from_secs(6));
    assert_eq!(lab.instance(a).priority, 150);
    assert_eq!([lab.state(a), lab.state(b)], [State::Master, State::Backup]);
    // -127 × 2 = -254: at or below -254 is Fault.
    probe.set_file("/run/prio", Some(-127));
    lab.run_for(Duration::from_secs(2));
    assert_eq!(lab.state(a), State::Fault);
    // eth1 down was seen at once (-40 - 60: 50), the file's 30 at its next poll (+60 - 60:
    // 150); in Fault the file adds nothing and eth1's -60 still counts (90).
    assert_eq!(
        priority_changes(&lab, a),
        [(150, 110), (110, 50), (50, 150), (150, 90)]
    );
}

#[test]
fn a_sync_group_follows_a_member_into_fault_and_out() {
    let mut lab = Lab::new();
    let text = "vrrp_script chk {
        script /bin/chk
        interval 1
    }
    vrrp_sync_group G {
        group {
            VI_1
            VI_2
        }
    }
    vrrp_instance VI_1 {
        interface eth0
        virtual_router_id 51
        priority 150
        advert_int 1
        virtual_ipaddress {
            192.0.2.100/24
        }
        track_script {
            chk
        }
    }
    vrrp_instance VI_2 {
        interface eth0
        virtual_router_id 52
        priority 150
        advert_int 1
        virtual_ipaddress {
            192.0.2.101/24
        }
    }";
    let a_setup = setup(text);
    let probe = ScriptedProbe::new();
    probe.set_script("/bin/chk", exit(0));
    let a = lab.start(1, a_setup.clone());
    let _t = tracker(&lab, a, &a_setup, &probe);
    lab.run_until(Instant::from_secs(5));
    let states =
        |lab: &Lab| -> Vec<State> { lab.status(a).instances.iter().map(|i| i.state).collect() };
    assert_eq!(states(&lab), [State::Master, State::Master]);
    probe.set_script("/bin/chk", exit(1));
    lab.run_for(Duration::from_secs(1));
    assert_eq!(
        states(&lab),
        [State::Fault, State::Fault],
        "VI_2 tracks nothing and follows its group"
    );
    assert!(!lab.routers[a].has(v4(101)));
    probe.set_script("/bin/chk", exit(0));
    lab.run_for(Duration::from_secs(5));
    assert_eq!(states(&lab), [State::Master, State::Master]);
}

#[test]
fn a_restarted_vrrp_actor_starts_from_the_known_status() {
    let mut lab = Lab::new();
    let text = format!(
        "{CHK}{}",
        instance(150, "track_script {\n chk weight 0\n }")
    );
    let known = holdfast_core::checker::TrackEvent {
        instance: "VI_1".into(),
        status: holdfast_core::vrrp::TrackStatus {
            weight_sum: 0,
            fault: true,
        },
        initialising: false,
    };
    let a = lab.start_seeded(1, setup(&text), vec![known]);
    assert_eq!(lab.state(a), State::Fault, "no tracker needed to start");
}
