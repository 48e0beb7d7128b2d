//! keepalived sync groups: members move together (Fault holds everyone, Master and Backup pull
//! the others), driven through the reference driver in `holdfast_tests::sim::group`.

use holdfast_core::time::Instant;
use holdfast_core::vrrp::{Action, Advert, Config, Input, Instance, Priority, State, Version};
use holdfast_tests::sim::group::drive;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU8;

fn member(vrid: u8) -> Instance {
    let config = Config::new(
        NonZeroU8::new(vrid).unwrap_or(NonZeroU8::MIN),
        Priority::DEFAULT,
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
    );
    Instance::new(config).expect("valid config")
}

fn states(members: &[Instance]) -> Vec<State> {
    members.iter().map(Instance::state).collect()
}

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Two members started as Backup, then the first one's Master_Down_Timer fires.
fn both_master() -> Vec<Instance> {
    let mut members = vec![member(1), member(2)];
    for i in 0..2 {
        drive(&mut members, i, Input::Startup, at(0)).expect("settles");
    }
    assert_eq!(states(&members), [State::Backup, State::Backup]);
    drive(&mut members, 0, Input::Timeout, at(3609)).expect("settles");
    members
}

#[test]
fn a_member_becoming_master_pulls_the_others() {
    let members = both_master();
    assert_eq!(states(&members), [State::Master, State::Master]);
}

#[test]
fn one_member_fault_holds_the_group_until_it_clears() {
    let mut members = both_master();
    let actions = drive(&mut members, 1, Input::InterfaceDown, at(4000)).expect("settles");
    assert_eq!(states(&members), [State::Fault, State::Fault]);
    // The held Master gave up properly: priority-0 advert and VIPs removed.
    assert!(actions.contains(&(
        0,
        Action::SendAdvert {
            priority: 0,
            max_adver_int_cs: 100
        }
    )));
    assert!(actions.contains(&(0, Action::RemoveVips)));
    // An unrelated member input does not lift the hold.
    drive(&mut members, 0, Input::InterfaceUp, at(4500)).expect("settles");
    assert_eq!(states(&members), [State::Fault, State::Fault]);
    drive(&mut members, 1, Input::InterfaceUp, at(5000)).expect("settles");
    assert_eq!(states(&members), [State::Backup, State::Backup]);
}

#[test]
fn a_member_stepping_down_takes_the_others_to_backup() {
    let mut members = both_master();
    let higher = Input::Advert(Advert {
        version: Version::V2,
        priority: 200,
        max_adver_int_cs: 100,
        source: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 20)),
    });
    drive(&mut members, 0, higher, at(4000)).expect("settles");
    assert_eq!(states(&members), [State::Backup, State::Backup]);
}
