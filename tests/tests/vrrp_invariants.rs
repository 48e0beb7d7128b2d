//! Random input sequences against the state machine's invariants: whatever arrives, the timers
//! match the state, no action is dropped, a timeout always moves the deadline forward, and at
//! most one state change happens per input.

use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::{
    Action, Advert, AdvertInterval, Config, Input, Instance, Priority, State, SyncInput, Timer,
    TrackStatus, Version, MAX_ACTIONS,
};
use holdfast_tests::sim::Rng;
use std::net::{IpAddr, Ipv4Addr};

fn random_config(rng: &mut Rng) -> Config {
    let mut c = Config::default();
    c.version = if rng.chance(0.5) {
        Version::V2
    } else {
        Version::V3
    };
    c.priority = Priority::new(rng.range(1, 255) as u8).unwrap_or(Priority::DEFAULT);
    c.advert_interval = match c.version {
        Version::V2 => AdvertInterval::from_secs(rng.range(1, 3) as u16),
        Version::V3 => AdvertInterval::from_centis(rng.range(1, 300) as u16),
    }
    .unwrap_or(AdvertInterval::DEFAULT);
    c.preempt = rng.chance(0.7);
    c.preempt_delay = Duration::from_millis(rng.range(0, 1) * rng.range(0, 5000));
    c.lower_prio_no_advert = rng.chance(0.3);
    c.garp.delay = Duration::from_millis(rng.range(0, 1) * rng.range(1, 6000));
    c.garp.refresh = Duration::from_millis(rng.range(0, 1) * rng.range(1, 20_000));
    c.garp.repeat = rng.range(0, 5) as u8;
    c.primary_address = IpAddr::V4(Ipv4Addr::new(192, 0, 2, rng.range(1, 254) as u8));
    c
}

fn random_input(rng: &mut Rng, c: &Config) -> Input {
    match rng.range(0, 11) {
        0 => Input::Startup,
        1 => Input::Shutdown,
        2 => Input::InterfaceDown,
        3 => Input::InterfaceUp,
        4 => Input::Track(TrackStatus {
            weight_sum: rng.range(0, 400) as i32 - 200,
            fault: rng.chance(0.2),
        }),
        5 => Input::Sync(match rng.range(0, 3) {
            0 => SyncInput::Fault,
            1 => SyncInput::FaultCleared,
            2 => SyncInput::Backup,
            _ => SyncInput::Master,
        }),
        6..=8 => Input::Timeout,
        _ => Input::Advert(Advert {
            version: if rng.chance(0.9) {
                c.version
            } else {
                Version::V2
            },
            priority: rng.range(0, 255) as u8,
            max_adver_int_cs: if rng.chance(0.8) {
                c.advert_interval.centis()
            } else {
                rng.range(0, 5000) as u16
            },
            source: IpAddr::V4(Ipv4Addr::new(192, 0, 2, rng.range(1, 254) as u8)),
        }),
    }
}

fn timers_match_state(i: &Instance) -> bool {
    let armed = |t| i.timer(t).is_some();
    match i.state() {
        State::Master => armed(Timer::Advertisement) && !armed(Timer::MasterDown),
        State::Backup => {
            armed(Timer::MasterDown)
                && !armed(Timer::Advertisement)
                && !armed(Timer::GarpRepeat)
                && !armed(Timer::GarpRefresh)
        }
        State::Initialize | State::Fault => i.next_deadline().is_none(),
    }
}

#[test]
fn random_inputs_keep_the_invariants() {
    let mut longest = 0;
    for seed in 0..300 {
        let mut rng = Rng::new(seed);
        let config = random_config(&mut rng);
        let mut instance = Instance::new(config).expect("random configs respect the limits");
        let mut now = Instant::ZERO;
        for step in 0..400 {
            let input = random_input(&mut rng, &config);
            if input == Input::Timeout {
                now = instance.next_deadline().unwrap_or(now).max(now);
            } else {
                now += Duration::from_millis(rng.range(0, 1500));
            }
            let before = instance.state();
            let actions = instance.handle(input, now);
            let ctx = format!("seed {seed} step {step} {input:?} from {before:?}");
            longest = longest.max(actions.len());
            assert!(timers_match_state(&instance), "{ctx}: {instance:?}");
            assert_eq!(instance.stats().actions_dropped, 0, "{ctx}");
            let changes: Vec<_> = actions
                .iter()
                .filter_map(|a| match a {
                    Action::StateChanged { from, to } => Some((*from, *to)),
                    _ => None,
                })
                .collect();
            assert!(changes.len() <= 1, "{ctx}: {changes:?}");
            if let Some((from, to)) = changes.first() {
                assert_eq!((*from, *to), (before, instance.state()), "{ctx}");
            } else {
                assert_eq!(before, instance.state(), "{ctx}");
            }
            if input == Input::Timeout {
                assert!(
                    instance.next_deadline().is_none_or(|d| d > now),
                    "{ctx}: timeout left an expired deadline"
                );
            }
        }
    }
    // Becoming Master is the longest sequence (5); the random walk reaches it.
    assert!(
        longest == 5 && longest < MAX_ACTIONS,
        "longest action list {longest}"
    );
}
