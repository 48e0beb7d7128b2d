//! The mapping from keepalived.conf to what the vrrp actor runs: VIP options, authentication,
//! destinations, inherited GARP settings, and refusals.

mod vrrp_support;

use holdfast_actors::ports::vrrp_net::{AddressScope, Family};
use holdfast_actors::vrrp::setup::{AdvertAuth, Destinations, Vip};
use holdfast_actors::vrrp::{SetupError, VrrpSetup};
use holdfast_core::time::Duration;
use holdfast_core::vrrp::Version;
use std::net::{IpAddr, Ipv4Addr};
use vrrp_support::{config, setup};

#[test]
fn instance_settings_are_mapped_with_keepalived_meanings() {
    let s = setup(
        "global_defs {
            vrrp_garp_master_repeat 3
            vrrp_mcast_group4 224.0.0.19
        }
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 7
            priority 200
            nopreempt
            advert_int 2
            authentication {
                auth_type PASS
                auth_pass secret
            }
            virtual_ipaddress {
                192.0.2.100/24 brd + dev eth1 scope link label eth1:vip
            }
            virtual_ipaddress_excluded {
                198.51.100.7
            }
        }",
    );
    let i = &s.instances[0];
    assert_eq!(i.protocol.vrid.get(), 7);
    assert_eq!(i.protocol.version, Version::V2);
    assert_eq!(i.protocol.priority.get(), 200);
    assert!(!i.protocol.preempt);
    assert_eq!(i.protocol.advert_interval.centis(), 200);
    assert_eq!(i.protocol.garp.repeat, 3);
    assert_eq!(i.protocol.garp.delay, Duration::from_secs(5));
    assert_eq!(i.family, Family::Ipv4);
    assert_eq!(i.auth, AdvertAuth::Pass(*b"secret\0\0"));
    assert_eq!(
        i.destinations,
        Destinations::Group(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 19)))
    );
    assert_eq!(
        i.vips,
        [Vip {
            dev: Some("eth1".into()),
            address: "192.0.2.100".parse().unwrap(),
            prefix_len: 24,
            label: Some("eth1:vip".into()),
            scope: AddressScope::Link,
            broadcast: Some(Ipv4Addr::new(192, 0, 2, 255)),
        }]
    );
    assert_eq!(i.excluded_vips[0].prefix_len, 32);
    assert!(i.track_own_interface);
}

#[test]
fn tracked_instances_are_marked_and_the_plan_carries_their_lines() {
    let c = config(
        "track_file tf {
            file /run/tf
        }
        vrrp_instance A {
            interface eth0
            virtual_router_id 1
            virtual_ipaddress {
                192.0.2.1
            }
            track_file {
                tf
            }
        }",
    );
    let setup = VrrpSetup::from_config(&c).expect("track_file runs");
    assert!(setup.instances[0].tracked);
    assert_eq!(setup.tracking.files.len(), 1);
    assert_eq!(setup.tracking.instances[0].instance, "A");
}

#[test]
fn incomplete_instances_are_refused() {
    let mut c = config(
        "vrrp_instance B {
            interface eth0
            virtual_router_id 2
            virtual_ipaddress {
                192.0.2.2
            }
        }",
    );
    c.instances[0].virtual_router_id = None;
    assert_eq!(
        VrrpSetup::from_config(&c),
        Err(vec![SetupError::MissingVrid {
            instance: "B".into()
        }])
    );
}
