//! Start-up and reload: stale VIPs left by a killed daemon are removed; an unchanged instance
//! survives a reload untouched; a changed one is stopped and started again.

mod vrrp_support;

use holdfast_actors::ports::fake_net::VipChange;
use holdfast_actors::ports::vrrp_net::AddressSpec;
use holdfast_actors::vrrp::{VrrpEvent, VrrpMsg};
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::State;
use vrrp_support::{instance, setup, v4, Lab};

#[test]
fn stale_vips_are_removed_at_start_up() {
    let mut lab = Lab::new();
    let (net, eth0) = lab.host(1);
    // A previous holdfast was killed with SIGKILL while master: its VIP is still there.
    net.add_existing_address(&AddressSpec::new(eth0.clone(), v4(100), 24));
    let r = lab.start_on(net, eth0, 1, setup(&instance(100, "")));
    assert_eq!(lab.state(r), State::Backup);
    assert!(!lab.routers[r].has(v4(100)));
    assert!(matches!(
        lab.routers[r].vip_changes().as_slice(),
        [VipChange::Removed(spec)] if spec.address == v4(100) && spec.prefix_len == 24
    ));
    assert!(lab.routers[r]
        .drain_events()
        .contains(&VrrpEvent::VipsRemoved {
            instance: "VI_1".into(),
            count: 1,
            stale: true,
        }));
    // The primary address (not the stale VIP) is what adverts will carry as source.
    assert_eq!(lab.instance(r).source, Some(v4(1)));
}

#[test]
fn reload_with_an_unchanged_instance_changes_nothing() {
    let mut lab = Lab::new();
    let text = instance(150, "notify_master /etc/keepalived/master.sh");
    let r = lab.start(1, setup(&text));
    lab.run_until(Instant::from_secs(12));
    assert_eq!(lab.state(r), State::Master);
    let router = &lab.routers[r];
    let (changes, frames, scripts) = (
        router.vip_changes().len(),
        router.net.frames().len(),
        router.scripts().len(),
    );
    router.drain_events();
    // The same configuration, re-read (the instance's position in the file does not matter).
    lab.send(r, VrrpMsg::Reload(Box::new(setup(&format!("\n\n{text}")))));
    lab.run_for(Duration::from_secs(10));
    let router = &lab.routers[r];
    assert_eq!(lab.state(r), State::Master);
    assert_eq!(
        router.vip_changes().len(),
        changes,
        "no VIP removed or added"
    );
    assert_eq!(router.net.frames().len(), frames, "no gratuitous burst");
    assert_eq!(router.scripts().len(), scripts, "no notify");
    let events = router.drain_events();
    assert!(events.contains(&VrrpEvent::Reloaded {
        kept: 1,
        restarted: 0,
        added: 0,
        removed: 0,
    }));
    assert!(!events
        .iter()
        .any(|e| matches!(e, VrrpEvent::StateChanged { .. })));
    // Adverts never paused: one per second.
    let adverts = lab
        .segment
        .packets()
        .iter()
        .filter(|p| p.source == v4(1))
        .count();
    assert!((18..=20).contains(&adverts), "{adverts}");
}

#[test]
fn reload_with_a_changed_instance_restarts_it() {
    let mut lab = Lab::new();
    let r = lab.start(1, setup(&instance(150, "")));
    lab.run_until(Instant::from_secs(5));
    assert_eq!(lab.state(r), State::Master);
    lab.send(r, VrrpMsg::Reload(Box::new(setup(&instance(120, "")))));
    // Stopped (priority-0 advert, VIP removed), started again in Backup with the new priority.
    let last = lab.segment.packets().pop().expect("advert");
    assert_eq!(last.payload.get(2), Some(&0));
    assert!(!lab.routers[r].has(v4(100)));
    let status = lab.instance(r);
    assert_eq!((status.state, status.priority), (State::Backup, 120));
    lab.run_for(Duration::from_secs(4));
    assert_eq!(lab.state(r), State::Master);
    assert!(lab.routers[r]
        .drain_events()
        .contains(&VrrpEvent::Reloaded {
            kept: 0,
            restarted: 1,
            added: 0,
            removed: 0,
        }));
}

#[test]
fn an_instance_without_an_address_waits_in_fault_and_starts_once_one_appears() {
    let mut lab = Lab::new();
    let net = holdfast_actors::ports::fake_net::FakeNet::new();
    let eth0 = net.add_link("eth0", [2, 0, 0, 0, 0, 1], Some(&lab.segment));
    let r = lab.start_on(net.clone(), eth0.clone(), 1, setup(&instance(150, "")));
    assert_eq!(lab.state(r), State::Fault);
    assert!(lab.routers[r]
        .drain_events()
        .iter()
        .any(|e| matches!(e, VrrpEvent::NoSourceAddress { .. })));
    lab.run_for(Duration::from_secs(3));
    assert_eq!(lab.state(r), State::Fault);
    // An address appears (no link event carries it): found by the retry within a second.
    net.add_existing_address(&AddressSpec::new(eth0, v4(1), 24));
    lab.run_for(Duration::from_secs(1));
    assert_eq!(lab.state(r), State::Backup);
    assert_eq!(lab.instance(r).source, Some(v4(1)));
    lab.run_for(Duration::from_secs(4));
    assert_eq!(lab.state(r), State::Master);
}
