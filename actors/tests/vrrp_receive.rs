//! The receive path: bad packets are counted by reason and dropped while the master keeps its
//! VIP; the same advert made valid does make it step down.

mod vrrp_support;

use holdfast_actors::ports::vrrp_net::VRRP_GROUP_V4;
use holdfast_actors::vrrp::{RxProblem, VrrpEvent};
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::State;
use holdfast_core::wire::advert::emit_vrrp;
use holdfast_core::wire::vrrp::{Addresses, Auth, Repr, Variant};
use std::net::{IpAddr, Ipv4Addr};
use vrrp_support::{instance, setup, v4, Lab};

const AUTH: &str = "authentication {
    auth_type PASS
    auth_pass secret12
}";
const PEER: u8 = 50;

/// A VRRPv2 advert from the peer to the group, as bytes.
fn advert(vrid: u8, priority: u8, advert_int: u8, password: &[u8; 8]) -> Vec<u8> {
    let mut addresses = Addresses::Ipv4(Default::default());
    if let Addresses::Ipv4(list) = &mut addresses {
        list.push(Ipv4Addr::new(192, 0, 2, 100)).expect("room");
    }
    let repr = Repr {
        vrid,
        priority,
        variant: Variant::V2 {
            advert_int,
            auth: Auth::SimpleText(*password),
        },
        addresses,
    };
    let mut buf = vec![0u8; repr.buffer_len()];
    let len = emit_vrrp(&repr, v4(PEER), IpAddr::V4(VRRP_GROUP_V4), &mut buf).expect("emit");
    buf.truncate(len);
    buf
}

fn inject(lab: &Lab, hop_limit: u8, payload: &[u8]) {
    let delivered = lab
        .segment
        .inject(v4(PEER), IpAddr::V4(VRRP_GROUP_V4), hop_limit, payload);
    assert_eq!(delivered, 1);
    lab.settle();
}

#[test]
fn bad_packets_are_counted_and_dropped_while_the_master_keeps_its_vip() {
    let mut lab = Lab::new();
    lab.start(1, setup(&instance(150, AUTH)));
    lab.run_until(Instant::from_secs(5));
    assert_eq!(lab.state(0), State::Master);
    lab.routers[0].drain_events();

    let good = advert(51, 254, 1, b"secret12");
    inject(&lab, 255, &good[..4]);
    let mut bad_sum = good.clone();
    bad_sum[6] ^= 0xff;
    inject(&lab, 255, &bad_sum);
    inject(&lab, 254, &good);
    inject(&lab, 255, &advert(52, 254, 1, b"secret12"));
    inject(&lab, 255, &advert(51, 254, 1, b"wrongpw!"));
    inject(&lab, 255, &advert(51, 254, 2, b"secret12"));
    // A second bad checksum within the log interval is counted but not logged again.
    inject(&lab, 255, &bad_sum);

    let status = lab.status(0);
    let rx = &status.counters.rx;
    for (problem, count) in [
        (RxProblem::Truncated, 1),
        (RxProblem::BadChecksum, 2),
        (RxProblem::BadTtl, 1),
        (RxProblem::UnknownVrid, 1),
        (RxProblem::AuthMismatch, 1),
        (RxProblem::IntervalMismatch, 1),
    ] {
        assert_eq!(rx.count(problem), count, "{problem}");
    }
    assert_eq!(status.counters.adverts_accepted, 0);
    assert_eq!(status.instances[0].state, State::Master);
    assert!(lab.routers[0].has(v4(100)));
    let logged: Vec<RxProblem> = lab.routers[0]
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            VrrpEvent::Received { problem, .. } => Some(problem),
            _ => None,
        })
        .collect();
    assert_eq!(
        logged,
        [
            RxProblem::Truncated,
            RxProblem::BadChecksum,
            RxProblem::BadTtl,
            RxProblem::UnknownVrid,
            RxProblem::AuthMismatch,
            RxProblem::IntervalMismatch,
        ]
    );

    // The same advert, valid, is a higher-priority master: ours steps down and drops the VIP.
    inject(&lab, 255, &good);
    assert_eq!(lab.state(0), State::Backup);
    assert!(!lab.routers[0].has(v4(100)));
    lab.run_for(Duration::from_secs(1));
    assert_eq!(lab.status(0).counters.adverts_accepted, 1);
}

#[test]
fn an_address_list_mismatch_is_counted_but_the_advert_is_used() {
    let mut lab = Lab::new();
    lab.start(1, setup(&instance(150, "")));
    lab.run_until(Instant::from_secs(5));
    let mut addresses = Addresses::Ipv4(Default::default());
    if let Addresses::Ipv4(list) = &mut addresses {
        list.push(Ipv4Addr::new(192, 0, 2, 99)).expect("room");
    }
    let repr = Repr {
        vrid: 51,
        priority: 200,
        variant: Variant::V2 {
            advert_int: 1,
            auth: Auth::None,
        },
        addresses,
    };
    let mut buf = vec![0u8; repr.buffer_len()];
    emit_vrrp(&repr, v4(PEER), IpAddr::V4(VRRP_GROUP_V4), &mut buf).expect("emit");
    inject(&lab, 255, &buf);
    let status = lab.status(0);
    assert_eq!(status.counters.rx.count(RxProblem::AddressList), 1);
    assert_eq!(status.instances[0].state, State::Backup);
}

#[test]
fn our_own_adverts_are_ignored() {
    let mut lab = Lab::new();
    lab.start(1, setup(&instance(150, "")));
    lab.run_until(Instant::from_secs(5));
    // Our own advert (source = our primary address), looped back by a switch.
    let own = lab.segment.packets().pop().expect("advert").payload;
    let delivered = lab
        .segment
        .inject(v4(1), IpAddr::V4(VRRP_GROUP_V4), 255, &own);
    assert_eq!(delivered, 1);
    lab.settle();
    let status = lab.status(0);
    assert_eq!(status.counters.rx.count(RxProblem::OwnAdvert), 1);
    assert_eq!(status.instances[0].state, State::Master);
}

#[test]
fn an_advert_that_waited_in_the_socket_counts_from_its_arrival() {
    // Priority 100 at 1 s (VRRPv2): Master_Down_Interval = 3 s + (256 - 100) / 256 s = 3.609 s.
    let mut lab = Lab::new();
    lab.start(1, setup(&instance(100, AUTH)));
    lab.run_until(Instant::from_millis(1000));
    assert_eq!(lab.state(0), State::Backup);
    // Read at 1.000 s, arrived at 0.600 s: the master is down from 0.600 + 3.609 = 4.209 s.
    let delivered = lab.segment.inject_waited(
        v4(PEER),
        IpAddr::V4(VRRP_GROUP_V4),
        &advert(51, 254, 1, b"secret12"),
        Duration::from_millis(400),
    );
    assert_eq!(delivered, 1);
    lab.settle();
    assert_eq!(lab.status(0).counters.adverts_accepted, 1);
    lab.run_until(Instant::from_millis(4150));
    assert_eq!(lab.state(0), State::Backup, "taken over before 4.209 s");
    // Counted from its reading, the takeover would come at 4.609 s.
    lab.run_until(Instant::from_millis(4300));
    assert_eq!(lab.state(0), State::Master, "not taken over at 4.209 s");
}

#[test]
fn a_burst_longer_than_one_read_batch_is_handled_whole() {
    let mut lab = Lab::new();
    lab.start(1, setup(&instance(100, AUTH)));
    lab.run_until(Instant::from_millis(1000));
    let good = advert(51, 254, 1, b"secret12");
    // More than one batch of reads (64) queued at once, with a bad packet in the middle.
    for n in 0..150 {
        let payload = if n == 75 { &good[..4] } else { &good[..] };
        assert_eq!(
            lab.segment
                .inject(v4(PEER), IpAddr::V4(VRRP_GROUP_V4), 255, payload),
            1
        );
    }
    lab.settle();
    let status = lab.status(0);
    assert_eq!(status.counters.adverts_accepted, 149);
    assert_eq!(status.counters.rx.count(RxProblem::Truncated), 1);
    assert_eq!(status.instances[0].state, State::Backup);
}
