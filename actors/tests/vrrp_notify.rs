//! Notify scripts run with keepalived's exact arguments, for instances and sync groups; a sync
//! group fails over as one.

mod vrrp_support;

use holdfast_actors::ports::fake_net::FakeSegment;
use holdfast_actors::ports::vrrp_net::AddressSpec;
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::State;
use vrrp_support::{instance, setup, v4, Lab};

const NOTIFY: &str = r#"
    notify /etc/keepalived/notify.sh
    notify_master "/etc/keepalived/master.sh arg1"
    notify_backup /etc/keepalived/backup.sh
    notify_stop /etc/keepalived/stop.sh
"#;

#[test]
fn instance_scripts_get_keepalived_arguments() {
    let mut lab = Lab::new();
    let r = lab.start(1, setup(&instance(150, NOTIFY)));
    lab.run_until(Instant::from_secs(5));
    lab.stop(r);
    lab.settle();
    assert_eq!(
        lab.routers[r].scripts(),
        [
            "/etc/keepalived/backup.sh",
            "/etc/keepalived/notify.sh INSTANCE VI_1 BACKUP 150",
            "/etc/keepalived/master.sh arg1",
            "/etc/keepalived/notify.sh INSTANCE VI_1 MASTER 150",
            "/etc/keepalived/stop.sh",
            "/etc/keepalived/notify.sh INSTANCE VI_1 STOP 150",
        ]
    );
}

/// Two instances on two links in one sync group, with a group notify script.
fn grouped(priority: u8) -> String {
    format!(
        r#"
        global_defs {{
            script_user nobody
        }}
        vrrp_sync_group G1 {{
            group {{
                OUT
                IN
            }}
            notify /etc/keepalived/group.sh
        }}
        vrrp_instance OUT {{
            interface eth0
            virtual_router_id 51
            priority {priority}
            virtual_ipaddress {{
                192.0.2.100/24
            }}
        }}
        vrrp_instance IN {{
            interface eth1
            virtual_router_id 52
            priority {priority}
            virtual_ipaddress {{
                198.51.100.100/24
            }}
        }}"#
    )
}

#[test]
fn a_sync_group_fails_over_together_and_notifies_as_a_group() {
    let mut lab = Lab::new();
    let inside = FakeSegment::new();
    let start = |lab: &mut Lab, last: u8, priority: u8| {
        let (net, eth0) = lab.host(last);
        let eth1 = net.add_link("eth1", [2, 0, 0, 0, 1, last], Some(&inside));
        let address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, last));
        net.add_existing_address(&AddressSpec::new(eth1, address, 24));
        lab.start_on(net, eth0, last, setup(&grouped(priority)))
    };
    let a = start(&mut lab, 1, 150);
    let b = start(&mut lab, 2, 100);
    lab.run_until(Instant::from_secs(10));
    let states = |lab: &Lab, r| {
        let s = lab.status(r);
        [s.instances[0].state, s.instances[1].state]
    };
    assert_eq!(states(&lab, a), [State::Master, State::Master]);
    assert_eq!(states(&lab, b), [State::Backup, State::Backup]);

    // The inside link fails on A: IN goes to Fault and takes OUT with it; B takes both.
    lab.routers[a].net.set_link("eth1", true, false);
    lab.run_for(Duration::from_secs(5));
    assert_eq!(states(&lab, a), [State::Fault, State::Fault]);
    assert_eq!(states(&lab, b), [State::Master, State::Master]);
    assert!(!lab.routers[a].has(v4(100)));
    assert!(lab.routers[b].has(v4(100)));

    let group: Vec<String> = lab.routers[a]
        .scripts()
        .into_iter()
        .filter(|s| s.starts_with("/etc/keepalived/group.sh"))
        .collect();
    assert_eq!(
        group,
        [
            "/etc/keepalived/group.sh GROUP G1 BACKUP 0",
            "/etc/keepalived/group.sh GROUP G1 MASTER 0",
            "/etc/keepalived/group.sh GROUP G1 FAULT 0",
        ]
    );
    let jobs = lab.routers[a].scripts.jobs();
    assert!(jobs
        .iter()
        .all(|j| j.user.as_ref().is_some_and(|u| u.user == "nobody")));
}
