//! Table tests of the RFC 5798 §6.4 state machine: one `check` per transition, each naming its
//! RFC section or keepalived behaviour. A case gives the configuration, the inputs that set the
//! scene, the input under test, and the expected state, actions and armed timers.
//!
//! Defaults: VRRPv2, priority 100, advert_int 1 s, so Skew_Time = 609 ms and
//! Master_Down_Interval = 3609 ms; primary address 192.0.2.10.

use holdfast_core::time::Instant;
use holdfast_core::vrrp::{
    Action, Config, Input, Instance, NotifyState, Priority, State, SyncInput, Timer, TrackStatus,
    Version,
};
use std::net::{IpAddr, Ipv4Addr};

use Action::{AddVips, RemoveVips, SendGratuitous, StateChanged};
use State::{Backup, Fault, Initialize, Master};

const MDI: u64 = 3609;
const SKEW: u64 = 609;
const OURS: [u8; 4] = [192, 0, 2, 10];
const LOWER_ADDR: [u8; 4] = [192, 0, 2, 5];
const HIGHER_ADDR: [u8; 4] = [192, 0, 2, 20];

fn config() -> Config {
    Config::new(
        std::num::NonZeroU8::MIN,
        Priority::DEFAULT,
        IpAddr::V4(Ipv4Addr::from(OURS)),
    )
}

fn with(f: impl FnOnce(&mut Config)) -> Config {
    let mut c = config();
    f(&mut c);
    c
}

fn prio(v: u8) -> Priority {
    Priority::new(v).expect("test priorities are non-zero")
}

fn advert(priority: u8, cs: u16, source: [u8; 4]) -> Input {
    advert_v(Version::V2, priority, cs, source)
}

fn advert_v(version: Version, priority: u8, cs: u16, source: [u8; 4]) -> Input {
    Input::Advert(holdfast_core::vrrp::Advert {
        version,
        priority,
        max_adver_int_cs: cs,
        source: IpAddr::V4(Ipv4Addr::from(source)),
    })
}

const fn send(priority: u8) -> Action {
    Action::SendAdvert {
        priority,
        max_adver_int_cs: 100,
    }
}

const fn notify(state: NotifyState) -> Action {
    Action::Notify(state)
}

/// The scene "Backup since t=0".
const BACKUP: &[(u64, Input)] = &[(0, Input::Startup)];
/// The scene "Master since t=MDI" (Master_Down_Timer fired).
const MASTER: &[(u64, Input)] = &[(0, Input::Startup), (MDI, Input::Timeout)];

/// Runs `setup`, then `input` at `at`, and compares state, actions and the whole timer table.
#[track_caller]
fn check(
    config: Config,
    setup: &[(u64, Input)],
    (at, input): (u64, Input),
    state: State,
    actions: &[Action],
    timers: &[(Timer, u64)],
) {
    let mut instance = Instance::new(config).expect("test configs are valid");
    for (t, i) in setup {
        instance.handle(*i, Instant::from_millis(*t));
    }
    let got = instance.handle(input, Instant::from_millis(at));
    assert_eq!(instance.state(), state, "state after {input:?}");
    assert_eq!(got.as_slice(), actions, "actions for {input:?}");
    for timer in Timer::ALL {
        let want = timers
            .iter()
            .find(|(t, _)| *t == timer)
            .map(|(_, ms)| Instant::from_millis(*ms));
        assert_eq!(instance.timer(timer), want, "timer {timer:?}");
    }
    assert_eq!(instance.stats().actions_dropped, 0);
}

const fn became_master(from: State, priority: u8) -> [Action; 5] {
    [
        StateChanged { from, to: Master },
        send(priority),
        AddVips { accept: false },
        SendGratuitous { repeat: 5 },
        notify(NotifyState::Master),
    ]
}

// ---- §6.4.1 Initialize ----

#[test]
fn startup_non_owner_goes_backup_and_waits_one_master_down_interval() {
    // §6.4.1; keepalived removes VIPs a killed predecessor left behind.
    check(
        config(),
        &[],
        (0, Input::Startup),
        Backup,
        &[
            StateChanged {
                from: Initialize,
                to: Backup,
            },
            RemoveVips,
            notify(NotifyState::Backup),
        ],
        &[(Timer::MasterDown, MDI)],
    );
}

#[test]
fn startup_owner_goes_master_at_once() {
    // §6.4.1: priority 255 sends an advert, GARPs, arms Adver_Timer; keepalived adds the second
    // GARP burst after garp_master_delay (5 s).
    check(
        with(|c| c.priority = Priority::OWNER),
        &[],
        (0, Input::Startup),
        Master,
        &became_master(Initialize, 255),
        &[(Timer::Advertisement, 1000), (Timer::GarpRepeat, 5000)],
    );
}

#[test]
fn startup_with_interface_down_goes_fault() {
    check(
        config(),
        &[(0, Input::InterfaceDown)],
        (0, Input::Startup),
        Fault,
        &[
            StateChanged {
                from: Initialize,
                to: Fault,
            },
            RemoveVips,
            notify(NotifyState::Fault),
        ],
        &[],
    );
}

#[test]
fn initialize_ignores_adverts_and_repeated_startup_is_ignored() {
    check(
        config(),
        &[],
        (5, advert(200, 100, HIGHER_ADDR)),
        Initialize,
        &[],
        &[],
    );
    check(
        config(),
        BACKUP,
        (5, Input::Startup),
        Backup,
        &[],
        &[(Timer::MasterDown, MDI)],
    );
}

// ---- §6.4.2 Backup ----

#[test]
fn backup_shutdown_cancels_master_down_timer() {
    check(
        config(),
        BACKUP,
        (100, Input::Shutdown),
        Initialize,
        &[
            StateChanged {
                from: Backup,
                to: Initialize,
            },
            notify(NotifyState::Stop),
        ],
        &[],
    );
}

#[test]
fn backup_master_down_timer_fires_becomes_master() {
    check(
        config(),
        BACKUP,
        (MDI, Input::Timeout),
        Master,
        &became_master(Backup, 100),
        &[
            (Timer::Advertisement, MDI + 1000),
            (Timer::GarpRepeat, MDI + 5000),
        ],
    );
}

#[test]
fn backup_early_timeout_does_nothing() {
    check(
        config(),
        BACKUP,
        (MDI - 1, Input::Timeout),
        Backup,
        &[],
        &[(Timer::MasterDown, MDI)],
    );
}

#[test]
fn backup_priority_zero_advert_sets_master_down_to_skew() {
    check(
        config(),
        BACKUP,
        (1000, advert(0, 100, LOWER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 1000 + SKEW)],
    );
}

#[test]
fn backup_higher_or_equal_advert_resets_master_down() {
    for p in [100, 150, 255] {
        check(
            config(),
            BACKUP,
            (1000, advert(p, 100, LOWER_ADDR)),
            Backup,
            &[],
            &[(Timer::MasterDown, 1000 + MDI)],
        );
    }
}

#[test]
fn backup_lower_advert_is_discarded_when_preempting() {
    check(
        config(),
        BACKUP,
        (1000, advert(50, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, MDI)],
    );
}

#[test]
fn backup_lower_advert_is_accepted_with_nopreempt() {
    check(
        with(|c| c.preempt = false),
        BACKUP,
        (1000, advert(50, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 1000 + MDI)],
    );
}

#[test]
fn backup_v3_learns_the_masters_interval() {
    // MDI with Master_Adver_Interval 0.5 s: 1500 + (156 * 500 / 256 = 304) ms.
    check(
        with(|c| c.version = Version::V3),
        BACKUP,
        (1000, advert_v(Version::V3, 150, 50, LOWER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 1000 + 1804)],
    );
}

#[test]
fn backup_discards_v2_interval_mismatch_and_other_versions() {
    // RFC 3768 §7.1; keepalived drops adverts of the other version.
    check(
        config(),
        BACKUP,
        (1000, advert(150, 200, LOWER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, MDI)],
    );
    check(
        config(),
        BACKUP,
        (1000, advert_v(Version::V3, 150, 100, LOWER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, MDI)],
    );
    check(
        with(|c| c.version = Version::V3),
        BACKUP,
        (1000, advert_v(Version::V3, 150, 0, LOWER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, MDI)],
    );
}

#[test]
fn backup_preempt_delay_starts_on_first_lower_advert() {
    // keepalived preempt_delay: the lower Master is tolerated for the delay.
    let delayed = || with(|c| c.preempt_delay = holdfast_core::time::Duration::from_secs(2));
    check(
        delayed(),
        BACKUP,
        (1000, advert(50, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 1000 + MDI), (Timer::PreemptDelay, 3000)],
    );
    // A second lower advert keeps the original delay.
    check(
        delayed(),
        &[(0, Input::Startup), (1000, advert(50, 100, HIGHER_ADDR))],
        (2000, advert(50, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 2000 + MDI), (Timer::PreemptDelay, 3000)],
    );
    // Once the delay has run out (timer fed or not), lower adverts are discarded.
    check(
        delayed(),
        &[(0, Input::Startup), (1000, advert(50, 100, HIGHER_ADDR))],
        (3000, advert(50, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 1000 + MDI), (Timer::PreemptDelay, 3000)],
    );
    check(
        delayed(),
        &[
            (0, Input::Startup),
            (1000, advert(50, 100, HIGHER_ADDR)),
            (2500, advert(50, 100, HIGHER_ADDR)),
            (3000, Input::Timeout),
        ],
        (3500, advert(50, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 2500 + MDI)],
    );
    // A priority >= ours cancels the delay.
    check(
        delayed(),
        &[(0, Input::Startup), (1000, advert(50, 100, HIGHER_ADDR))],
        (1500, advert(150, 100, HIGHER_ADDR)),
        Backup,
        &[],
        &[(Timer::MasterDown, 1500 + MDI)],
    );
}

// ---- §6.4.3 Master ----

#[test]
fn master_shutdown_sends_priority_zero_and_removes_vips() {
    check(
        config(),
        MASTER,
        (5000, Input::Shutdown),
        Initialize,
        &[
            StateChanged {
                from: Master,
                to: Initialize,
            },
            send(0),
            RemoveVips,
            notify(NotifyState::Stop),
        ],
        &[],
    );
}

#[test]
fn master_adver_timer_fires_sends_advert() {
    check(
        config(),
        MASTER,
        (MDI + 1000, Input::Timeout),
        Master,
        &[send(100)],
        &[
            (Timer::Advertisement, MDI + 2000),
            (Timer::GarpRepeat, MDI + 5000),
        ],
    );
}

#[test]
fn master_second_garp_burst_after_garp_master_delay() {
    // At MDI + 5 s the advert timer and the GARP repeat fire together.
    let setup = &[
        (0, Input::Startup),
        (MDI, Input::Timeout),
        (MDI + 1000, Input::Timeout),
        (MDI + 2000, Input::Timeout),
        (MDI + 3000, Input::Timeout),
        (MDI + 4000, Input::Timeout),
    ];
    check(
        config(),
        setup,
        (MDI + 5000, Input::Timeout),
        Master,
        &[send(100), SendGratuitous { repeat: 5 }],
        &[(Timer::Advertisement, MDI + 6000)],
    );
}

#[test]
fn master_garp_refresh_repeats() {
    // garp_master_refresh 10 s, no second burst: the first refresh is 10 s after becoming Master.
    let refresh = || {
        with(|c| {
            c.garp.refresh = holdfast_core::time::Duration::from_secs(10);
            c.garp.delay = holdfast_core::time::Duration::ZERO;
        })
    };
    check(
        refresh(),
        BACKUP,
        (MDI, Input::Timeout),
        Master,
        &became_master(Backup, 100),
        &[
            (Timer::Advertisement, MDI + 1000),
            (Timer::GarpRefresh, MDI + 10_000),
        ],
    );
    // A late timeout fires the (overdue) advert timer and the refresh together.
    check(
        refresh(),
        MASTER,
        (MDI + 10_000, Input::Timeout),
        Master,
        &[send(100), SendGratuitous { repeat: 1 }],
        &[
            (Timer::Advertisement, MDI + 11_000),
            (Timer::GarpRefresh, MDI + 20_000),
        ],
    );
}

#[test]
fn master_priority_zero_advert_is_answered_and_resets_adver_timer() {
    check(
        config(),
        MASTER,
        (4000, advert(0, 100, LOWER_ADDR)),
        Master,
        &[send(100)],
        &[
            (Timer::Advertisement, 5000),
            (Timer::GarpRepeat, MDI + 5000),
        ],
    );
}

#[test]
fn master_higher_advert_goes_backup() {
    let to_backup = [
        StateChanged {
            from: Master,
            to: Backup,
        },
        RemoveVips,
        notify(NotifyState::Backup),
    ];
    check(
        config(),
        MASTER,
        (4000, advert(101, 100, LOWER_ADDR)),
        Backup,
        &to_backup,
        &[(Timer::MasterDown, 4000 + MDI)],
    );
    // Equal priority, greater primary address.
    check(
        config(),
        MASTER,
        (4000, advert(100, 100, HIGHER_ADDR)),
        Backup,
        &to_backup,
        &[(Timer::MasterDown, 4000 + MDI)],
    );
}

#[test]
fn master_v3_higher_advert_goes_backup_with_the_senders_interval() {
    check(
        with(|c| c.version = Version::V3),
        MASTER,
        (4000, advert_v(Version::V3, 200, 50, LOWER_ADDR)),
        Backup,
        &[
            StateChanged {
                from: Master,
                to: Backup,
            },
            RemoveVips,
            notify(NotifyState::Backup),
        ],
        &[(Timer::MasterDown, 4000 + 1804)],
    );
}

#[test]
fn master_lower_advert_is_answered_unless_lower_prio_no_advert() {
    let timers = &[
        (Timer::Advertisement, MDI + 1000),
        (Timer::GarpRepeat, MDI + 5000),
    ];
    check(
        config(),
        MASTER,
        (4000, advert(99, 100, HIGHER_ADDR)),
        Master,
        &[send(100)],
        timers,
    );
    check(
        config(),
        MASTER,
        (4000, advert(100, 100, LOWER_ADDR)),
        Master,
        &[send(100)],
        timers,
    );
    check(
        with(|c| c.lower_prio_no_advert = true),
        MASTER,
        (4000, advert(99, 100, HIGHER_ADDR)),
        Master,
        &[],
        timers,
    );
    // Our own advert (same priority, same address) is ignored.
    check(
        config(),
        MASTER,
        (4000, advert(100, 100, OURS)),
        Master,
        &[],
        timers,
    );
}

// ---- keepalived Fault, tracking and sync groups ----

#[test]
fn interface_down_in_master_gives_up_and_faults() {
    check(
        config(),
        MASTER,
        (4000, Input::InterfaceDown),
        Fault,
        &[
            StateChanged {
                from: Master,
                to: Fault,
            },
            send(0),
            RemoveVips,
            notify(NotifyState::Fault),
        ],
        &[],
    );
    check(
        config(),
        BACKUP,
        (1000, Input::InterfaceDown),
        Fault,
        &[
            StateChanged {
                from: Backup,
                to: Fault,
            },
            notify(NotifyState::Fault),
        ],
        &[],
    );
}

#[test]
fn leaving_fault_is_a_startup() {
    let down = &[(0, Input::Startup), (1000, Input::InterfaceDown)];
    check(
        config(),
        down,
        (2000, Input::InterfaceUp),
        Backup,
        &[
            StateChanged {
                from: Fault,
                to: Backup,
            },
            notify(NotifyState::Backup),
        ],
        &[(Timer::MasterDown, 2000 + MDI)],
    );
    check(
        with(|c| c.priority = Priority::OWNER),
        down,
        (2000, Input::InterfaceUp),
        Master,
        &became_master(Fault, 255),
        &[(Timer::Advertisement, 3000), (Timer::GarpRepeat, 7000)],
    );
    check(
        config(),
        down,
        (2000, Input::Shutdown),
        Initialize,
        &[
            StateChanged {
                from: Fault,
                to: Initialize,
            },
            notify(NotifyState::Stop),
        ],
        &[],
    );
}

#[test]
fn weight_zero_track_failure_faults_until_every_reason_clears() {
    let failed = TrackStatus {
        weight_sum: 0,
        fault: true,
    };
    check(
        config(),
        BACKUP,
        (1000, Input::Track(failed)),
        Fault,
        &[
            StateChanged {
                from: Backup,
                to: Fault,
            },
            notify(NotifyState::Fault),
        ],
        &[],
    );
    // The interface is also down: clearing the track fault is not enough.
    check(
        config(),
        &[
            (0, Input::Startup),
            (1000, Input::Track(failed)),
            (1100, Input::InterfaceDown),
        ],
        (1200, Input::Track(TrackStatus::default())),
        Fault,
        &[],
        &[],
    );
}

#[test]
fn track_weights_change_the_advertised_priority() {
    check(
        config(),
        &[
            (0, Input::Startup),
            (MDI, Input::Timeout),
            (
                4000,
                Input::Track(TrackStatus {
                    weight_sum: -30,
                    fault: false,
                }),
            ),
        ],
        (MDI + 1000, Input::Timeout),
        Master,
        &[send(70)],
        &[
            (Timer::Advertisement, MDI + 2000),
            (Timer::GarpRepeat, MDI + 5000),
        ],
    );
}

#[test]
fn track_weights_move_a_running_master_down_timer() {
    // Priority 100 -> 150: MDI 3609 -> 3000 + 106 * 1000 / 256 = 3414.
    check(
        config(),
        BACKUP,
        (
            1000,
            Input::Track(TrackStatus {
                weight_sum: 50,
                fault: false,
            }),
        ),
        Backup,
        &[],
        &[(Timer::MasterDown, 3414)],
    );
}

#[test]
fn sync_group_inputs_move_the_member() {
    check(
        config(),
        MASTER,
        (4000, Input::Sync(SyncInput::Backup)),
        Backup,
        &[
            StateChanged {
                from: Master,
                to: Backup,
            },
            RemoveVips,
            notify(NotifyState::Backup),
        ],
        &[(Timer::MasterDown, 4000 + MDI)],
    );
    check(
        config(),
        BACKUP,
        (1000, Input::Sync(SyncInput::Master)),
        Master,
        &became_master(Backup, 100),
        &[(Timer::Advertisement, 2000), (Timer::GarpRepeat, 6000)],
    );
    check(
        config(),
        BACKUP,
        (1000, Input::Sync(SyncInput::Fault)),
        Fault,
        &[
            StateChanged {
                from: Backup,
                to: Fault,
            },
            notify(NotifyState::Fault),
        ],
        &[],
    );
    check(
        config(),
        &[(0, Input::Startup), (1000, Input::Sync(SyncInput::Fault))],
        (2000, Input::Sync(SyncInput::FaultCleared)),
        Backup,
        &[
            StateChanged {
                from: Fault,
                to: Backup,
            },
            notify(NotifyState::Backup),
        ],
        &[(Timer::MasterDown, 2000 + MDI)],
    );
    // Sync Master does not lift a Fault.
    check(
        config(),
        &[(0, Input::Startup), (1000, Input::InterfaceDown)],
        (2000, Input::Sync(SyncInput::Master)),
        Fault,
        &[],
        &[],
    );
}

#[test]
fn priority_helpers_reject_zero() {
    assert_eq!(Priority::new(0), None);
    assert_eq!(prio(42).get(), 42);
}
