//! Simulator properties of the VRRP state machine, each over 200 seeds and under two timing
//! profiles (VRRPv2 at 1 s, VRRPv3 at 0.1 s). A failure names the seed and prints the timeline.
//!
//! Stated bounds (FIELD-NOTES §4 gives keepalived's measured counterparts):
//! * election: with <= 1 % loss and 1 % duplication, exactly one Master, the highest priority,
//!   within MDI(highest) + one advert interval (one lost advert) + 2 delays after the last start;
//! * graceful stop: the next Master within Skew_Time + one delay + 1 ms tick, alone 1 delay later;
//! * crash: the next Master in [MDI - adv, MDI + one delay];
//! * partition heal: never two Masters for longer than adv + 2 delays after the heal;
//! * nopreempt: a higher-priority Backup never takes over from a live Master;
//! * preempt_delay: a higher-priority Backup takes over no sooner than the delay after it
//!   started, and no later than delay + adv + MDI + one delay.

use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::Priority;
use holdfast_tests::sim::scenario::{distinct_priorities, highest, Profile};
use holdfast_tests::sim::{Command, LinkModel, Partition, Rng, Sim};

const SEEDS: u64 = 200;

fn ms(d: Duration) -> u64 {
    d.total_millis()
}

/// The last millisecond before `t` (records at `t` itself already count at `t`).
fn just_before(t: Instant) -> Instant {
    Instant::from_millis(t.total_millis().saturating_sub(1))
}

/// Builds a segment of routers with `priorities`, returning the simulator.
fn segment(profile: &Profile, seed: u64, link: LinkModel, priorities: &[Priority]) -> Sim {
    let mut sim = Sim::new(seed, link);
    for (i, p) in priorities.iter().enumerate() {
        sim.add_router(profile.router(*p, i))
            .expect("profile configs are valid");
    }
    sim
}

fn run(sim: &mut Sim, end: Instant, seed: u64) {
    if let Err(e) = sim.run_until(end) {
        panic!("seed {seed}: {e}\n{}", sim.timeline());
    }
}

/// The first Master is the highest priority, within MDI after the last start, whatever the order.
fn election(profile: Profile) {
    let link = LinkModel {
        loss: 0.01,
        duplicate: 0.01,
        ..profile.link
    };
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed.wrapping_mul(0x9e37_79b9));
        let n = rng.range(2, 4) as usize;
        let mut priorities = distinct_priorities(&mut rng, n);
        if rng.chance(0.1) {
            priorities[0] = Priority::OWNER;
        }
        let top = highest(&priorities);
        let mut sim = segment(&profile, seed, link, &priorities);
        let spread = ms(profile.adv()) * 3;
        let mut last = Instant::ZERO;
        for i in 0..n {
            let at = Instant::from_millis(rng.range(0, spread));
            last = last.max(at);
            sim.at(at, Command::Start(i));
        }
        let mdi = profile.mdi(priorities[top]);
        let end = last + mdi + profile.adv().saturating_mul(20);
        run(&mut sim, end, seed);
        let bound = last + mdi + profile.adv() + profile.delay_max().saturating_mul(2);
        let settled = sim.timeline().settled_on(top, last, end);
        assert!(
            settled.is_some_and(|t| t <= bound),
            "{}: seed {seed}: priorities {priorities:?}, last start {last}, settled {settled:?}, \
             bound {bound}\n{}",
            profile.name,
            sim.timeline()
        );
        let flips = sim.timeline().transitions(Instant::ZERO, end);
        assert!(
            flips <= 3 * n + 2,
            "{}: seed {seed}: {flips} transitions\n{}",
            profile.name,
            sim.timeline()
        );
    }
}

/// Starts `priorities` within one advert interval and returns when the highest is surely Master.
fn converge(profile: &Profile, sim: &mut Sim, rng: &mut Rng, priorities: &[Priority]) -> Instant {
    for i in 0..priorities.len() {
        sim.at(
            Instant::from_millis(rng.range(0, ms(profile.adv()))),
            Command::Start(i),
        );
    }
    let lowest = priorities.iter().min().copied().unwrap_or(Priority::MIN);
    let settle = profile.adv() + profile.mdi(lowest) + profile.adv().saturating_mul(3);
    // Jitter the event over one advert interval: failover depends on the advert phase.
    Instant::ZERO + settle + Duration::from_millis(rng.range(0, ms(profile.adv())))
}

fn second_highest(priorities: &[Priority], top: usize) -> usize {
    priorities
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != top)
        .max_by_key(|(_, p)| **p)
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// After a graceful stop (priority-0 advert) the next Master takes over within Skew_Time.
fn graceful_stop(profile: Profile) {
    let link = LinkModel {
        duplicate: 0.01,
        ..profile.link
    };
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed ^ 0x5107);
        let n = rng.range(2, 4) as usize;
        let priorities = distinct_priorities(&mut rng, n);
        let (top, next) = (
            highest(&priorities),
            second_highest(&priorities, highest(&priorities)),
        );
        let mut sim = segment(&profile, seed, link, &priorities);
        let stop = converge(&profile, &mut sim, &mut rng, &priorities);
        sim.at(stop, Command::Stop(top));
        let end = stop + profile.adv().saturating_mul(10);
        run(&mut sim, end, seed);
        assert_eq!(
            sim.timeline().masters_at(just_before(stop)),
            vec![top],
            "seed {seed}"
        );
        let took = sim.timeline().became_master(next, stop).map(|t| t - stop);
        let bound = profile.skew(priorities[next]) + profile.delay_max() + Duration::from_millis(1);
        assert!(
            took.is_some_and(|d| d <= bound),
            "{}: seed {seed}: {priorities:?} took {took:?}, bound {bound}\n{}",
            profile.name,
            sim.timeline()
        );
        let alone_by = stop + bound + profile.delay_max();
        let settled = sim.timeline().settled_on(next, stop, end);
        assert!(
            settled.is_some_and(|t| t <= alone_by),
            "{}: seed {seed}: settled {settled:?}, bound {alone_by}\n{}",
            profile.name,
            sim.timeline()
        );
    }
}

/// After a crash (no priority-0 advert) the next Master takes over in [MDI - adv, MDI].
fn crash(profile: Profile) {
    let link = LinkModel {
        duplicate: 0.01,
        ..profile.link
    };
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed ^ 0xc4a5);
        let n = rng.range(2, 4) as usize;
        let priorities = distinct_priorities(&mut rng, n);
        let (top, next) = (
            highest(&priorities),
            second_highest(&priorities, highest(&priorities)),
        );
        let mut sim = segment(&profile, seed, link, &priorities);
        let at = converge(&profile, &mut sim, &mut rng, &priorities);
        sim.at(at, Command::Crash(top));
        let mdi = profile.mdi(priorities[next]);
        let end = at + mdi + profile.adv().saturating_mul(10);
        run(&mut sim, end, seed);
        assert_eq!(
            sim.timeline().masters_at(just_before(at)),
            vec![top],
            "seed {seed}"
        );
        let took = sim.timeline().became_master(next, at).map(|t| t - at);
        let low = Duration::from_millis(ms(mdi) - ms(profile.adv()));
        let high = mdi + profile.delay_max();
        assert!(
            took.is_some_and(|d| low <= d && d <= high),
            "{}: seed {seed}: {priorities:?} took {took:?}, want [{low}, {high}]\n{}",
            profile.name,
            sim.timeline()
        );
        let settled = sim.timeline().settled_on(next, at, end);
        assert!(
            settled.is_some_and(|t| t <= at + high + profile.delay_max()),
            "{}: seed {seed}: settled {settled:?}\n{}",
            profile.name,
            sim.timeline()
        );
    }
}

/// Each side of a partition elects a Master; once healed, two Masters last at most one advert
/// interval (plus delays) and the highest wins.
fn partition_heal(profile: Profile) {
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed ^ 0x9a27);
        let n = rng.range(2, 4) as usize;
        let priorities = distinct_priorities(&mut rng, n);
        let top = highest(&priorities);
        let mut sim = segment(&profile, seed, profile.link, &priorities);
        let split = converge(&profile, &mut sim, &mut rng, &priorities);
        // Random sides, the highest on side 0 and at least one router on side 1.
        let mut sides: Vec<u8> = (0..n).map(|_| rng.range(0, 1) as u8).collect();
        sides[top] = 0;
        let other = (top + 1 + rng.range(0, n as u64 - 2) as usize) % n;
        sides[other] = 1;
        sim.at(split, Command::Partition(Partition::split(sides.clone())));
        let lowest = priorities.iter().min().copied().unwrap_or(Priority::MIN);
        let heal = split
            + profile.mdi(lowest)
            + profile.adv().saturating_mul(3)
            + Duration::from_millis(rng.range(0, ms(profile.adv())));
        sim.at(heal, Command::Partition(Partition::healed()));
        let end = heal + profile.adv().saturating_mul(10);
        run(&mut sim, end, seed);
        let ctx = || {
            format!(
                "{}: seed {seed}: {priorities:?} sides {sides:?}",
                profile.name
            )
        };
        assert_eq!(
            sim.timeline().masters_at(just_before(heal)).len(),
            2,
            "{}: one Master per side before the heal\n{}",
            ctx(),
            sim.timeline()
        );
        let limit = heal + profile.adv() + profile.delay_max().saturating_mul(2);
        for (from, to) in sim.timeline().multi_master_periods(heal, end) {
            assert!(
                to <= limit,
                "{}: two Masters from {from} to {to}, limit {limit}\n{}",
                ctx(),
                sim.timeline()
            );
        }
        let settled = sim.timeline().settled_on(top, heal, end);
        assert!(
            settled.is_some_and(|t| t <= limit),
            "{}: settled {settled:?}\n{}",
            ctx(),
            sim.timeline()
        );
    }
}

/// `nopreempt`: a higher-priority Backup leaves a live lower Master alone and takes over only
/// when it dies.
fn nopreempt(profile: Profile) {
    let link = LinkModel {
        loss: 0.01,
        duplicate: 0.01,
        ..profile.link
    };
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed ^ 0x0e0e);
        let low = Priority::new(rng.range(1, 127) as u8).unwrap_or(Priority::MIN);
        let high = Priority::new(rng.range(128, 254) as u8).unwrap_or(Priority::MAX_BACKUP);
        let mut sim = Sim::new(seed, link);
        let b = sim.add_router(profile.router(low, 0)).expect("valid");
        let mut a_config = profile.router(high, 1);
        a_config.preempt = false;
        let a = sim.add_router(a_config).expect("valid");
        sim.at(Instant::ZERO, Command::Start(b));
        let a_start = Instant::ZERO
            + profile.mdi(low)
            + profile.adv()
            + Duration::from_millis(rng.range(0, ms(profile.adv())));
        sim.at(a_start, Command::Start(a));
        let crash = a_start + profile.adv().saturating_mul(30);
        sim.at(crash, Command::Crash(b));
        let end = crash + profile.mdi(high) + profile.adv().saturating_mul(5);
        run(&mut sim, end, seed);
        let t = sim.timeline();
        assert_eq!(
            t.settled_on(b, a_start, just_before(crash)),
            Some(a_start),
            "{}: seed {seed}: the lower Master must stay alone\n{t}",
            profile.name
        );
        let took = t.became_master(a, a_start).map(|x| x - crash);
        assert!(
            took.is_some_and(|d| d <= profile.mdi(high) + profile.delay_max()),
            "{}: seed {seed}: took over after {took:?}\n{t}",
            profile.name
        );
    }
}

/// Preemption: immediately after one MDI without a delay; with `preempt_delay`, no sooner than
/// the delay and no later than delay + adv + MDI + one delay.
fn preempt_delay(profile: Profile) {
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed ^ 0xde1a);
        let low = Priority::new(rng.range(1, 127) as u8).unwrap_or(Priority::MIN);
        let high = Priority::new(rng.range(128, 254) as u8).unwrap_or(Priority::MAX_BACKUP);
        let delay = if rng.chance(0.25) {
            Duration::ZERO
        } else {
            profile.adv().saturating_mul(rng.range(2, 8))
        };
        let mut sim = Sim::new(seed, profile.link);
        let b = sim.add_router(profile.router(low, 0)).expect("valid");
        let mut a_config = profile.router(high, 1);
        a_config.preempt_delay = delay;
        let a = sim.add_router(a_config).expect("valid");
        sim.at(Instant::ZERO, Command::Start(b));
        let a_start = Instant::ZERO
            + profile.mdi(low)
            + profile.adv()
            + Duration::from_millis(rng.range(0, ms(profile.adv())));
        sim.at(a_start, Command::Start(a));
        let end = a_start + delay + profile.mdi(high) + profile.adv().saturating_mul(10);
        run(&mut sim, end, seed);
        let t = sim.timeline();
        let took = t.became_master(a, a_start).map(|x| x - a_start);
        let (lo, hi) = if delay == Duration::ZERO {
            (profile.mdi(high), profile.mdi(high))
        } else {
            (
                delay,
                delay + profile.adv() + profile.mdi(high) + profile.delay_max(),
            )
        };
        assert!(
            took.is_some_and(|d| lo <= d && d <= hi),
            "{}: seed {seed}: preempt_delay {delay}: took {took:?}, want [{lo}, {hi}]\n{t}",
            profile.name
        );
        let settled = t.settled_on(a, a_start, end);
        assert!(
            settled.is_some_and(|s| s <= a_start + hi + profile.delay_max()),
            "{}: seed {seed}: settled {settled:?}\n{t}",
            profile.name
        );
    }
}

/// Equal priorities started together: both become Master at once, the greater primary address
/// stays (RFC 5798 §6.4.3 tie-break).
fn tie_break(profile: Profile) {
    for seed in 0..SEEDS {
        let mut rng = Rng::new(seed ^ 0x7e);
        let p = Priority::new(rng.range(1, 254) as u8).unwrap_or(Priority::DEFAULT);
        let mut sim = segment(&profile, seed, profile.link, &[p, p]);
        sim.at(Instant::ZERO, Command::Start(0));
        sim.at(Instant::ZERO, Command::Start(1));
        let end = Instant::ZERO + profile.mdi(p) + profile.adv().saturating_mul(10);
        run(&mut sim, end, seed);
        let settled = sim.timeline().settled_on(1, Instant::ZERO, end);
        let bound = Instant::ZERO + profile.mdi(p) + profile.delay_max();
        assert!(
            settled.is_some_and(|t| t <= bound),
            "{}: seed {seed}: settled {settled:?}, bound {bound}\n{}",
            profile.name,
            sim.timeline()
        );
    }
}

#[test]
fn election_v2() {
    election(Profile::v2_1s());
}

#[test]
fn election_v3_100ms() {
    election(Profile::v3_100ms());
}

#[test]
fn graceful_stop_v2() {
    graceful_stop(Profile::v2_1s());
}

#[test]
fn graceful_stop_v3_100ms() {
    graceful_stop(Profile::v3_100ms());
}

#[test]
fn crash_v2() {
    crash(Profile::v2_1s());
}

#[test]
fn crash_v3_100ms() {
    crash(Profile::v3_100ms());
}

#[test]
fn partition_heal_v2() {
    partition_heal(Profile::v2_1s());
}

#[test]
fn partition_heal_v3_100ms() {
    partition_heal(Profile::v3_100ms());
}

#[test]
fn nopreempt_v2() {
    nopreempt(Profile::v2_1s());
}

#[test]
fn nopreempt_v3_100ms() {
    nopreempt(Profile::v3_100ms());
}

#[test]
fn preempt_delay_v2() {
    preempt_delay(Profile::v2_1s());
}

#[test]
fn preempt_delay_v3_100ms() {
    preempt_delay(Profile::v3_100ms());
}

#[test]
fn tie_break_v2() {
    tie_break(Profile::v2_1s());
}

#[test]
fn tie_break_v3_100ms() {
    tie_break(Profile::v3_100ms());
}

/// A router that never goes quiet exhausts the step budget instead of hanging the test.
#[test]
fn step_budget_stops_a_run_that_never_goes_quiet() {
    let profile = Profile::v3_100ms();
    let mut sim = segment(&profile, 1, profile.link, &[Priority::OWNER]).with_max_steps(50);
    sim.at(Instant::ZERO, Command::Start(0));
    let err = sim.run_until(Instant::from_secs(60));
    assert!(
        matches!(err, Err(holdfast_tests::sim::SimError::StepLimit { .. })),
        "{err:?}"
    );
}
