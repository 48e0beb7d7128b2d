//! Election and failover between vrrp actors on a fake segment, in virtual time: one master is
//! elected, a graceful stop hands over after Skew_Time, a crash after Master_Down_Interval, a
//! link down moves the VIP with a gratuitous ARP burst from the new master.

mod vrrp_support;

use holdfast_actors::ports::fake_net::VipChange;
use holdfast_actors::ports::vrrp_net::VRRP_GROUP_V4;
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::State;
use holdfast_core::wire::{self, ArpRepr};
use std::net::IpAddr;
use vrrp_support::{instance, setup, v4, Lab};

const VIP: u8 = 100;

/// Three routers, priorities 100, 150, 120, started together at t=0.
fn three() -> Lab {
    let mut lab = Lab::new();
    lab.start(1, setup(&instance(100, "")));
    lab.start(2, setup(&instance(150, "")));
    lab.start(3, setup(&instance(120, "")));
    lab
}

/// GARP frames for `vip` that `r`'s host sent.
fn garps(lab: &Lab, r: usize, vip: u8) -> usize {
    lab.routers[r]
        .net
        .frames()
        .iter()
        .filter(|f| {
            let Some(payload) = f.frame.get(wire::ethernet::HEADER_LEN..) else {
                return false;
            };
            wire::ArpPacket::new_checked(payload)
                .and_then(|p| ArpRepr::parse(&p))
                .is_ok_and(|a| a.is_gratuitous() && a.target_protocol_addr.octets()[3] == vip)
        })
        .count()
}

#[test]
fn three_routers_elect_the_highest_priority() {
    let lab = three();
    // Everyone starts in Backup (keepalived: priority < 255) and waits one MDI; priority 150
    // has the shortest: 3 s + (256 - 150) / 256 s = 3414 ms.
    lab.run_until(Instant::from_millis(3413));
    assert_eq!(lab.state(1), State::Backup);
    lab.run_until(Instant::from_millis(3414));
    assert_eq!(lab.state(1), State::Master);
    lab.run_until(Instant::from_secs(20));
    assert_eq!(
        [lab.state(0), lab.state(1), lab.state(2)],
        [State::Backup, State::Master, State::Backup]
    );
    assert!(lab.routers[1].has(v4(VIP)));
    assert!(!lab.routers[0].has(v4(VIP)) && !lab.routers[2].has(v4(VIP)));
    // One burst of 5 at once and 5 more after garp_master_delay 5 s.
    assert_eq!(garps(&lab, 1, VIP), 10);
    // Adverts: from the master's own address to 224.0.0.18, once per second.
    let adverts: Vec<_> = lab
        .segment
        .packets()
        .into_iter()
        .filter(|p| p.source == v4(2))
        .collect();
    assert!((16..=18).contains(&adverts.len()), "{}", adverts.len());
    let group = IpAddr::V4(VRRP_GROUP_V4);
    assert!(adverts.iter().all(|p| p.destination == group));
    assert!(lab.segment.packets().iter().all(|p| p.source == v4(2)));
}

#[test]
fn graceful_stop_hands_over_after_skew_time() {
    let mut lab = three();
    lab.run_until(Instant::from_secs(10));
    let stopped_at = lab.now();
    let counters = lab.stop(1);
    assert!(counters.adverts_sent > 0);
    // The master left with a priority-0 advert and removed its VIP.
    assert!(!lab.routers[1].has(v4(VIP)));
    let last = lab.segment.packets().pop().expect("advert");
    assert_eq!(last.source, v4(2));
    assert_eq!(last.payload.get(2), Some(&0), "priority 0");
    // Priority 120 takes over after its Skew_Time: (256 - 120) / 256 s = 531 ms.
    lab.run_until(stopped_at + Duration::from_millis(530));
    assert_eq!(lab.state(2), State::Backup);
    lab.run_until(stopped_at + Duration::from_millis(531));
    assert_eq!(lab.state(2), State::Master);
    assert_eq!(lab.state(0), State::Backup);
    assert!(lab.routers[2].has(v4(VIP)));
}

#[test]
fn crash_hands_over_after_master_down_interval() {
    let mut lab = three();
    lab.run_until(Instant::from_millis(10_500));
    let crashed_at = lab.now();
    lab.crash(1);
    // SIGKILL leaves the VIP behind on the dead router.
    assert!(lab.routers[1].has(v4(VIP)));
    // The last advert went out at 10.414 s; priority 120's MDI is 3531 ms.
    let takeover = Instant::from_millis(10_414 + 3_531);
    lab.run_until(Instant::from_millis(10_414 + 3_530));
    assert_eq!(lab.state(2), State::Backup);
    lab.run_until(takeover);
    assert_eq!(lab.state(2), State::Master);
    assert!(takeover.saturating_since(crashed_at) <= Duration::from_millis(3_531));
    assert!(lab.routers[2].has(v4(VIP)));
}

#[test]
fn link_down_on_the_master_is_fault_and_the_vip_moves() {
    let lab = three();
    lab.run_until(Instant::from_secs(10));
    let before = garps(&lab, 2, VIP);
    assert_eq!(before, 0);
    lab.routers[1].net.set_link("eth0", true, false);
    lab.settle();
    assert_eq!(lab.state(1), State::Fault);
    assert!(!lab.routers[1].has(v4(VIP)));
    assert!(matches!(
        lab.routers[1].vip_changes().last(),
        Some(VipChange::Removed(spec)) if spec.address == v4(VIP)
    ));
    // No priority-0 advert could leave (the link is down): priority 120 waits one MDI.
    lab.run_for(Duration::from_secs(5));
    assert_eq!(lab.state(2), State::Master);
    assert!(lab.routers[2].has(v4(VIP)));
    assert_eq!(garps(&lab, 2, VIP), 5, "first burst from the new master");
    // The link comes back: the old master returns as Backup, then preempts (priority 150).
    lab.routers[1].net.set_link("eth0", true, true);
    lab.settle();
    assert_eq!(lab.state(1), State::Backup);
    lab.run_for(Duration::from_secs(5));
    assert_eq!(lab.state(1), State::Master);
    assert_eq!(lab.state(2), State::Backup);
    assert!(!lab.routers[2].has(v4(VIP)));
}
