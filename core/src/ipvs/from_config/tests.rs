//! Configuration-to-table tests on parsed keepalived.conf text: every service kind, the port
//! rules per forwarding method, persistence, flags, inhibit_on_failure and quorum with
//! hysteresis and a sorry server.

use super::*;
use crate::config::parse::parse;
use crate::config::parse::tree::tree;
use crate::ipvs::{DestKey, VirtualService};
use alloc::vec;

fn config(text: &str) -> Config {
    let (c, d) = parse(&tree(text));
    assert!(d.is_empty(), "parse diagnostics: {d:#?}");
    c
}

/// Real servers listed here are down; the others alive.
struct Down(Vec<IpAddr>);

impl Health for Down {
    fn real_server(&self, _vs: &VirtualServer, rs: &RealServer) -> RealServerHealth {
        RealServerHealth {
            alive: !self.0.contains(&rs.addr),
            weight: None,
        }
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: ip(addr),
        port,
    }
}

fn fwm(mark: u32, family: AddrFamily) -> ServiceKey {
    ServiceKey::Fwmark {
        family,
        mark: NonZeroU32::new(mark).unwrap_or(NonZeroU32::MIN),
    }
}

/// `(addr, port, fwd, weight)` of each real server of `key`.
fn dests(t: &Table, key: &ServiceKey) -> Vec<(IpAddr, u16, FwdMethod, u32)> {
    t.get(key)
        .map(VirtualService::dests)
        .into_iter()
        .flatten()
        .map(|d| (d.key.addr, d.key.port, d.fwd, d.weight))
        .collect()
}

fn once(c: &Config, health: &impl Health) -> DesiredIpvs {
    desired_table(c, health, &mut QuorumStates::new())
}

const RR_WRR: &str = "
virtual_server 192.0.2.10 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 8080 {
    weight 2
  }
  real_server 198.51.100.2 {
  }
}
virtual_server 192.0.2.11 443 {
  lb_kind NAT
  lb_algo wrr
  protocol TCP
  real_server 198.51.100.3 443 {
    weight 5
    uthreshold 100
    lthreshold 10
  }
}
";

#[test]
fn address_services_with_nat_real_servers() {
    let d = once(&config(RR_WRR), &AllAlive);
    assert_eq!(d.problems, []);
    assert_eq!(d.table.len(), 2);
    let rr = d.table.get(&tcp("192.0.2.10", 80)).map(|v| &v.service);
    assert_eq!(rr.map(|s| s.scheduler.as_str()), Some("rr"));
    assert_eq!(rr.map(|s| s.flags), Some(ServiceFlags::empty()));
    assert_eq!(rr.map(|s| s.netmask), Some(Netmask::host(AddrFamily::Ipv4)));
    // A NAT real server without a port forwards to the virtual port.
    assert_eq!(
        dests(&d.table, &tcp("192.0.2.10", 80)),
        [
            (ip("198.51.100.1"), 8080, FwdMethod::Masq, 2),
            (ip("198.51.100.2"), 80, FwdMethod::Masq, 1),
        ]
    );
    let wrr = d.table.get(&tcp("192.0.2.11", 443));
    assert_eq!(wrr.map(|v| v.service.scheduler.as_str()), Some("wrr"));
    let d3 = wrr.and_then(|v| {
        v.dest(&DestKey {
            addr: ip("198.51.100.3"),
            port: 443,
        })
    });
    assert_eq!(
        d3.map(|d| (d.weight, d.u_thresh, d.l_thresh)),
        Some((5, 100, 10))
    );
}

#[test]
fn ipv6_service_and_persistence_prefix() {
    let c = config(
        "virtual_server 2001:db8::10 53 {
  lb_kind NAT
  lb_algo sh
  protocol UDP
  ops
  sh-port
  persistence_timeout 300
  persistence_granularity 64
  real_server 2001:db8::1 53 {
  }
}",
    );
    let d = once(&c, &AllAlive);
    assert_eq!(d.problems, []);
    let key = ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: ip("2001:db8::10"),
        port: 53,
    };
    let s = d.table.get(&key).map(|v| v.service.clone());
    assert_eq!(
        s.as_ref().map(|s| s.flags),
        Some(
            ServiceFlags::PERSISTENT
                .union(ServiceFlags::ONEPACKET)
                .union(ServiceFlags::SCHED2)
        )
    );
    assert_eq!(s.as_ref().map(|s| s.timeout), Some(300));
    assert_eq!(
        s.map(|s| s.netmask),
        Netmask::for_prefix(AddrFamily::Ipv6, 64)
    );
    assert_eq!(
        dests(&d.table, &key),
        [(ip("2001:db8::1"), 53, FwdMethod::Masq, 1)]
    );
}

#[test]
fn ipv4_persistence_netmask_and_timeout() {
    let c = config(
        "virtual_server 192.0.2.10 80 {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  real_server 198.51.100.1 80 {
  }
}",
    );
    let d = once(&c, &AllAlive);
    let s = d
        .table
        .get(&tcp("192.0.2.10", 80))
        .map(|v| v.service.clone());
    assert_eq!(s.as_ref().map(|s| s.timeout), Some(600));
    assert_eq!(s.as_ref().map(|s| s.scheduler.as_str()), Some("wlc"));
    assert_eq!(s.map(|s| s.netmask.raw()), Some([255, 255, 255, 0]));
}

#[test]
fn dr_and_tun_real_servers_take_the_virtual_port() {
    let c = config(
        "virtual_server 192.0.2.10 80 {
  lb_algo wlc
  lb_kind DR
  protocol TCP
  real_server 198.51.100.1 {
  }
  real_server 198.51.100.2 80 {
    lvs_method TUN
  }
  real_server 198.51.100.3 8080 {
    lvs_method NAT
  }
}",
    );
    let d = once(&c, &AllAlive);
    assert_eq!(
        dests(&d.table, &tcp("192.0.2.10", 80)),
        [
            (ip("198.51.100.1"), 80, FwdMethod::Route, 1),
            (ip("198.51.100.2"), 80, FwdMethod::Tunnel, 1),
            (ip("198.51.100.3"), 8080, FwdMethod::Masq, 1),
        ]
    );
}

#[test]
fn fwmark_service_ports_by_method() {
    let c = config(
        "virtual_server fwmark 7 {
  lb_algo rr
  lb_kind DR
  real_server 198.51.100.1 {
  }
  real_server 198.51.100.2 8080 {
    lvs_method NAT
  }
}",
    );
    let d = once(&c, &AllAlive);
    assert_eq!(d.problems, []);
    assert_eq!(
        dests(&d.table, &fwm(7, AddrFamily::Ipv4)),
        [
            (ip("198.51.100.1"), 0, FwdMethod::Route, 1),
            (ip("198.51.100.2"), 8080, FwdMethod::Masq, 1),
        ]
    );
}

#[test]
fn groups_expand_ranges_and_fwmarks_with_host_netmask() {
    let c = config(
        "virtual_server_group web {
  192.0.2.1-3 80
  fwmark 9 inet6
}
virtual_server group web {
  lb_algo rr
  lb_kind DR
  protocol TCP
  persistence_timeout 60
  persistence_granularity 255.255.0.0
  real_server 198.51.100.1 {
  }
}",
    );
    let d = once(&c, &AllAlive);
    assert_eq!(d.problems, []);
    let keys: Vec<ServiceKey> = d.table.keys().copied().collect();
    assert_eq!(
        keys,
        [
            tcp("192.0.2.1", 80),
            tcp("192.0.2.2", 80),
            tcp("192.0.2.3", 80),
            fwm(9, AddrFamily::Ipv6),
        ]
    );
    for vs in d.table.services() {
        assert_eq!(vs.service.netmask, Netmask::host(vs.service.key.family()));
        assert_eq!(vs.service.timeout, 60);
    }
    assert_eq!(
        dests(&d.table, &tcp("192.0.2.2", 80)),
        [(ip("198.51.100.1"), 80, FwdMethod::Route, 1)]
    );
    assert_eq!(
        dests(&d.table, &fwm(9, AddrFamily::Ipv6)),
        [(ip("198.51.100.1"), 0, FwdMethod::Route, 1)]
    );
}

#[test]
fn oversized_ranges_and_unknown_groups_are_problems_not_services() {
    let mut c = config(
        "virtual_server_group big {
  2001:db8::/112 80
}
virtual_server group big {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.1 80 {
  }
}",
    );
    let d = once(&c, &AllAlive);
    assert!(d.table.is_empty());
    assert_eq!(d.problems.len(), 1);
    assert!(
        d.problems[0].message.contains("at most 1024"),
        "{:?}",
        d.problems
    );
    c.virtual_server_groups.clear();
    let d = once(&c, &AllAlive);
    assert_eq!(
        d.problems.first().map(|p| p.message.as_str()),
        Some("virtual server group big is not defined")
    );
}

#[test]
fn failed_real_servers_are_removed_or_inhibited_to_weight_zero() {
    let c = config(
        "virtual_server 192.0.2.10 80 {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
  quorum 1
  real_server 198.51.100.1 80 {
    weight 3
    inhibit_on_failure
  }
  real_server 198.51.100.2 80 {
  }
  real_server 198.51.100.3 80 {
  }
}",
    );
    let d = once(&c, &Down(vec![ip("198.51.100.1"), ip("198.51.100.2")]));
    assert_eq!(
        dests(&d.table, &tcp("192.0.2.10", 80)),
        [
            (ip("198.51.100.1"), 80, FwdMethod::Masq, 0),
            (ip("198.51.100.3"), 80, FwdMethod::Masq, 1),
        ]
    );
}

const QUORUM: &str = "
virtual_server 192.0.2.10 80 {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
  quorum 3
  hysteresis 1
  sorry_server 203.0.113.9 8080
  real_server 198.51.100.1 80 {
  }
  real_server 198.51.100.2 80 {
  }
  real_server 198.51.100.3 80 {
  }
  real_server 198.51.100.4 80 {
    inhibit_on_failure
  }
}
";

/// Steps through health states and returns, per step, (quorum up, real-server addresses with
/// their weights).
fn walk(c: &Config, steps: &[&[&str]]) -> Vec<(bool, Vec<(IpAddr, u32)>)> {
    let mut q = QuorumStates::new();
    steps
        .iter()
        .map(|down| {
            let down = Down(down.iter().map(|a| ip(a)).collect());
            let d = desired_table(c, &down, &mut q);
            let up = c.virtual_servers.first().and_then(|vs| q.is_up(vs)) == Some(true);
            let ds = dests(&d.table, &tcp("192.0.2.10", 80))
                .into_iter()
                .map(|(a, _, _, w)| (a, w))
                .collect();
            (up, ds)
        })
        .collect()
}

#[test]
fn quorum_hysteresis_and_the_sorry_server() {
    let c = config(QUORUM);
    let (r1, r2, r3, r4) = (
        ip("198.51.100.1"),
        ip("198.51.100.2"),
        ip("198.51.100.3"),
        ip("198.51.100.4"),
    );
    let sorry = ip("203.0.113.9");
    let got = walk(
        &c,
        &[
            // 4 live >= 3+1: up.
            &[],
            // 2 live >= 3-1: still up (hysteresis).
            &["198.51.100.1", "198.51.100.2"],
            // 1 live < 2: lost; the sorry server replaces the live ones, r4 stays inhibited.
            &["198.51.100.1", "198.51.100.2", "198.51.100.3"],
            // 3 live < 3+1: still down.
            &["198.51.100.1"],
            // 4 live: gained.
            &[],
        ],
    );
    assert_eq!(
        got,
        [
            (true, vec![(r1, 1), (r2, 1), (r3, 1), (r4, 1)]),
            (true, vec![(r3, 1), (r4, 1)]),
            (false, vec![(r4, 0), (sorry, 1)]),
            (false, vec![(r4, 0), (sorry, 1)]),
            (true, vec![(r1, 1), (r2, 1), (r3, 1), (r4, 1)]),
        ]
    );
}

#[test]
fn starting_below_quorum_plus_hysteresis_starts_down() {
    let c = config(QUORUM);
    let mut q = QuorumStates::new();
    // 3 live: enough to stay up, not enough to start up.
    let d = desired_table(&c, &Down(vec![ip("198.51.100.1")]), &mut q);
    assert_eq!(d.quorum_changes.len(), 1);
    assert!(!d.quorum_changes[0].up && d.quorum_changes[0].initial);
    assert_eq!(d.quorum_changes[0].threshold, 4);
    assert_eq!(
        dests(&d.table, &tcp("192.0.2.10", 80))
            .into_iter()
            .map(|(a, p, _, w)| (a, p, w))
            .collect::<Vec<_>>(),
        [(ip("198.51.100.4"), 80, 0), (ip("203.0.113.9"), 8080, 1)]
    );
    // Unchanged health: no change reported, same table.
    let again = desired_table(&c, &Down(vec![ip("198.51.100.1")]), &mut q);
    assert_eq!(again.quorum_changes, []);
    assert_eq!(again.table, d.table);
}

#[test]
fn an_inhibited_sorry_server_waits_at_weight_zero() {
    let c = config(
        "virtual_server 192.0.2.10 80 {
  lb_algo wlc
  lb_kind NAT
  protocol TCP
  sorry_server 203.0.113.9
  sorry_server_inhibit
  real_server 198.51.100.1 80 {
  }
}",
    );
    let d = once(&c, &AllAlive);
    assert_eq!(
        dests(&d.table, &tcp("192.0.2.10", 80)),
        [
            (ip("198.51.100.1"), 80, FwdMethod::Masq, 1),
            (ip("203.0.113.9"), 80, FwdMethod::Masq, 0),
        ]
    );
}

#[test]
fn the_same_config_gives_the_same_table() {
    let c = config(RR_WRR);
    let mut q = QuorumStates::new();
    let a = desired_table(&c, &AllAlive, &mut q);
    let b = desired_table(&c, &AllAlive, &mut q);
    assert_eq!(a.table, b.table);
    assert_eq!(b.quorum_changes, []);
}
