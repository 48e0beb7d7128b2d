//! Parser tests: golden values and defaults per keyword group, exact diagnostics for bad input,
//! and the catalogue contract (no real keyword is ever unknown).

use super::tree::tree;
use super::{parse, UNSUPPORTED};
use crate::config::diag::{Class, Diagnostic, SourceMap};
use crate::config::keywords::{self, Context, Support};
use crate::config::model::*;
use crate::time::Duration;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Parses the compact notation; returns the model and `(class, line, message)` triples.
fn run(text: &str) -> (Config, Vec<(Class, u32, String)>) {
    let (c, d) = parse(&tree(text));
    (c, triples(&d))
}

fn triples(d: &[Diagnostic]) -> Vec<(Class, u32, String)> {
    d.iter()
        .map(|d| (d.class, d.location.map_or(0, |l| l.line), d.message.clone()))
        .collect()
}

/// Parses text that must produce no diagnostic at all.
fn clean(text: &str) -> Config {
    let (c, d) = run(text);
    assert!(d.is_empty(), "unexpected diagnostics: {d:#?}");
    c
}

const MINIMAL_INSTANCE: &str = "vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    192.0.2.1/24
  }
}";

#[test]
fn global_defs_defaults() {
    let c = clean("global_defs {\n}");
    let g = &c.global;
    assert_eq!(g.router_id, None);
    assert_eq!(g.vrrp_version, VrrpVersion::V2);
    assert_eq!(g.vrrp_garp_master_delay, Duration::from_secs(5));
    assert_eq!(g.vrrp_garp_master_repeat, 5);
    assert_eq!(g.vrrp_garp_master_refresh, Duration::ZERO);
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 1);
    assert_eq!(g.smtp_connect_timeout, Duration::from_secs(30));
    assert_eq!(g.vrrp_mcast_group4.to_string(), "224.0.0.18");
    assert_eq!(g.vrrp_mcast_group6.to_string(), "ff02::12");
    assert!(!g.enable_script_security);
    assert_eq!(g.lvs_flush_on_stop, LvsFlushOnStop::No);
    assert_eq!(g.dynamic_interfaces, DynamicInterfaces::Off);
}

#[test]
fn global_defs_values() {
    let c = clean(
        "global_defs {
  router_id LVS_DEVEL
  notification_email {
    ops@example.com
    noc@example.com
  }
  notification_email_from lb@example.com
  smtp_server 192.0.2.25 2525
  smtp_connect_timeout 10
  smtp_alert
  script_user nobody nogroup
  enable_script_security
  vrrp_version 3
  vrrp_mcast_group4 224.0.0.19
  vrrp_garp_master_delay 2
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 60
  vrrp_garp_master_refresh_repeat 2
  vrrp_garp_interval 0.001
  vrrp_startup_delay 5.5
  max_auto_priority
  dynamic_interfaces allow_if_changes
  lvs_flush
  lvs_flush_on_stop VS
  lvs_timeouts tcp 900 tcpfin 120 udp 300
  lvs_sync_daemon eth1 inst VI_1 id 7 port 8848 ttl 2 group 239.0.0.81
}",
    );
    let g = &c.global;
    assert_eq!(g.router_id.as_deref(), Some("LVS_DEVEL"));
    assert_eq!(g.notification_email, ["ops@example.com", "noc@example.com"]);
    assert_eq!(g.notification_email_from.as_deref(), Some("lb@example.com"));
    assert_eq!(
        g.smtp_server,
        Some(SmtpServer {
            host: "192.0.2.25".into(),
            port: 2525
        })
    );
    assert_eq!(g.smtp_connect_timeout, Duration::from_secs(10));
    assert_eq!(g.smtp_alert, Some(true));
    assert_eq!(
        g.script_user,
        Some(ScriptUser {
            user: "nobody".into(),
            group: Some("nogroup".into())
        })
    );
    assert!(g.enable_script_security);
    assert_eq!(g.vrrp_version, VrrpVersion::V3);
    assert_eq!(g.vrrp_mcast_group4.to_string(), "224.0.0.19");
    assert_eq!(g.vrrp_garp_master_delay, Duration::from_secs(2));
    assert_eq!(g.vrrp_garp_master_repeat, 3);
    assert_eq!(g.vrrp_garp_master_refresh, Duration::from_secs(60));
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 2);
    assert_eq!(g.vrrp_garp_interval, Duration::from_millis(1));
    assert_eq!(g.vrrp_startup_delay, Duration::from_millis(5500));
    assert_eq!(g.max_auto_priority, Some(MAX_RT_PRIORITY));
    assert_eq!(g.dynamic_interfaces, DynamicInterfaces::AllowIfChanges);
    assert!(g.lvs_flush);
    assert_eq!(g.lvs_flush_on_stop, LvsFlushOnStop::Vs);
    assert_eq!(g.lvs_timeouts.tcp, Some(Duration::from_secs(900)));
    assert_eq!(g.lvs_timeouts.tcp_fin, Some(Duration::from_secs(120)));
    assert_eq!(g.lvs_timeouts.udp, Some(Duration::from_secs(300)));
    let d = g.lvs_sync_daemon.as_ref().unwrap();
    assert_eq!(d.interface, "eth1");
    assert_eq!(d.instance.as_deref(), Some("VI_1"));
    assert_eq!((d.sync_id, d.port, d.ttl), (Some(7), Some(8848), Some(2)));
    assert_eq!(d.group, Some(ip("239.0.0.81")));
}

#[test]
fn instance_defaults() {
    let c = clean(MINIMAL_INSTANCE);
    let i = &c.instances[0];
    assert_eq!(i.name, "VI_1");
    assert_eq!(i.location.map(|l| l.line), Some(1));
    assert_eq!(i.state, InitialState::Backup);
    assert_eq!(i.interface.as_deref(), Some("eth0"));
    assert_eq!(i.virtual_router_id, Some(51));
    assert_eq!(i.priority, 100);
    assert_eq!(i.advert_int, Duration::from_secs(1));
    assert_eq!(i.version, VrrpVersion::V2);
    assert_eq!(i.family, Family::Ipv4);
    assert_eq!(i.garp_master_delay, Duration::from_secs(5));
    assert_eq!(i.garp_master_repeat, 5);
    assert_eq!(i.garp_lower_prio_delay, Duration::from_secs(5));
    assert_eq!(i.garp_lower_prio_repeat, 5);
    assert!(i.accept);
    assert!(!i.nopreempt);
    assert!(!i.smtp_alert);
    assert_eq!(i.preempt_delay, Duration::ZERO);
    let va = &i.virtual_ipaddress[0];
    assert_eq!(va.prefix.addr, ip("192.0.2.1"));
    assert_eq!(va.prefix.len, 24);
}

#[test]
fn instance_values() {
    let c = clean(
        "global_defs {
  vrrp_garp_master_delay 1
  smtp_alert_vrrp on
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 2
  mcast_src_ip 192.0.2.10
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    192.0.2.1/24 brd 192.0.2.255 dev eth1 scope global label eth1:vip
    192.0.2.2 no_track
  }
  virtual_ipaddress_excluded {
    2001:db8::5/64
  }
  track_interface {
    eth1 weight -20
    eth2
  }
  track_script {
    chk_haproxy weight 10 reverse
    chk_other
  }
  notify_master \"/etc/keepalived/master.sh arg\"
  notify \"/etc/keepalived/notify.sh\" nobody
  preempt_delay 0.5
  garp_master_repeat 2
  no_accept
  dont_track_primary
}",
    );
    let i = &c.instances[0];
    assert_eq!(i.state, InitialState::Backup);
    assert_eq!(i.priority, 150);
    assert_eq!(i.preempt_delay, Duration::from_millis(500));
    assert_eq!(i.advert_int, Duration::from_secs(2));
    assert_eq!(i.src_ip, Some(ip("192.0.2.10")));
    assert_eq!(
        i.authentication,
        Some(Authentication {
            auth_type: AuthType::Pass,
            password: "secret".into()
        })
    );
    let va = &i.virtual_ipaddress[0];
    assert_eq!(va.broadcast, Some(Broadcast::Address(ip("192.0.2.255"))));
    assert_eq!(va.dev.as_deref(), Some("eth1"));
    assert_eq!(va.scope, Some(AddressScope::Global));
    assert_eq!(va.label.as_deref(), Some("eth1:vip"));
    assert!(i.virtual_ipaddress[1].no_track);
    assert_eq!(i.virtual_ipaddress[1].prefix.len, 32);
    assert_eq!(
        i.virtual_ipaddress_excluded[0].prefix.family(),
        Family::Ipv6
    );
    assert_eq!(
        i.track_interfaces,
        [
            TrackedInterface {
                name: "eth1".into(),
                weight: -20,
                reverse: false
            },
            TrackedInterface {
                name: "eth2".into(),
                weight: 0,
                reverse: false
            }
        ]
    );
    assert_eq!(i.track_scripts[0].weight, Some(10));
    assert_eq!(i.track_scripts[0].reverse, Some(true));
    assert_eq!(i.track_scripts[1].weight, None);
    let m = i.notify.master.as_ref().unwrap();
    assert_eq!(m.command.args, ["/etc/keepalived/master.sh", "arg"]);
    assert_eq!(
        i.notify.any.as_ref().unwrap().user.as_ref().unwrap().user,
        "nobody"
    );
    assert_eq!(i.garp_master_delay, Duration::from_secs(1));
    assert_eq!(i.garp_master_repeat, 2);
    assert!(!i.accept);
    assert!(i.dont_track_primary);
    assert!(i.smtp_alert);
}

#[test]
fn master_without_priority_is_the_owner() {
    let (c, _) = run("vrrp_instance A {\n state MASTER\n}");
    assert_eq!(c.instances[0].priority, 255);
    let (c, _) = run("vrrp_instance A {\n priority 255\n}");
    assert_eq!(c.instances[0].state, InitialState::Master);
}

#[test]
fn ipv6_instances_default_to_vrrpv3() {
    let c = clean(
        "vrrp_instance V6 {
  interface eth0
  virtual_router_id 7
  advert_int 0.25
  virtual_ipaddress {
    fe80::1/64
    2001:db8::1/64
  }
}",
    );
    let i = &c.instances[0];
    assert_eq!(i.family, Family::Ipv6);
    assert_eq!(i.version, VrrpVersion::V3);
    assert_eq!(i.advert_int, Duration::from_millis(250));
}

#[test]
fn unicast_instance() {
    let c = clean(
        "vrrp_instance U {
  interface eth0
  virtual_router_id 9
  unicast_src_ip 192.0.2.10
  unicast_peer {
    192.0.2.11
    192.0.2.12 min_ttl 250 max_ttl 255
  }
  unicast_ttl 10
  virtual_ipaddress {
    192.0.2.1
  }
}",
    );
    let i = &c.instances[0];
    assert!(i.is_unicast());
    assert_eq!(i.unicast_peers.len(), 2);
    assert_eq!(i.unicast_peers[1].min_ttl, Some(250));
    assert_eq!(i.unicast_ttl, Some(10));
}

#[test]
fn vrrp_script_and_track_file() {
    let c = clean(
        "vrrp_script chk_haproxy {
  script \"/usr/bin/killall -0 haproxy\"
  interval 2
  timeout 3
  weight -30 reverse
  rise 2
  fall 3
  user nobody
  init_fail
}
vrrp_script minimal {
  script /bin/true
}
track_file tf {
  file /var/run/tf
  weight -2 reverse
  init_file 5 overwrite
}",
    );
    let s = &c.vrrp_scripts[0];
    assert_eq!(s.name, "chk_haproxy");
    assert_eq!(s.script.args, ["/usr/bin/killall", "-0", "haproxy"]);
    assert_eq!(s.interval, Duration::from_secs(2));
    assert_eq!(s.timeout, Duration::from_secs(3));
    assert_eq!((s.weight, s.weight_reverse), (-30, true));
    assert_eq!((s.rise, s.fall), (2, 3));
    assert_eq!(s.user.as_ref().unwrap().user, "nobody");
    assert!(s.init_fail);
    let m = &c.vrrp_scripts[1];
    assert_eq!(
        (m.interval, m.timeout),
        (Duration::from_secs(1), Duration::ZERO)
    );
    assert_eq!((m.weight, m.rise, m.fall), (0, 1, 1));
    let tf = &c.track_files[0];
    assert_eq!(
        (tf.file.as_str(), tf.weight, tf.weight_reverse),
        ("/var/run/tf", -2, true)
    );
    assert_eq!(
        tf.init,
        Some(TrackFileInit {
            value: 5,
            overwrite: true
        })
    );
}

#[test]
fn sync_group() {
    let c = clean(
        "vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
  notify_master /etc/keepalived/g.sh
  track_script {
    chk weight 5
  }
  smtp_alert no
}",
    );
    let g = &c.sync_groups[0];
    assert_eq!(g.group, ["VI_1", "VI_2"]);
    assert_eq!(
        g.notify.master.as_ref().unwrap().command.program(),
        "/etc/keepalived/g.sh"
    );
    assert_eq!(g.track_scripts[0].weight, Some(5));
    assert_eq!(g.smtp_alert, Some(false));
}

const LVS: &str = "virtual_server 192.0.2.100 80 {
  delay_loop 6
  lb_algo rr
  lb_kind NAT
  persistence_timeout 50
  protocol TCP
  sorry_server 192.0.2.200 8080
  real_server 192.0.2.1 8080 {
    weight 3
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 3
    }
  }
  real_server 192.0.2.2 {
    HTTP_GET {
      url {
        path /health
        digest 9b3a0c85a887a256d6939da88aabd8cd
        status_code 200-204 301
      }
      url {
        path /
      }
      nb_get_retry 4
      delay_before_retry 2
    }
  }
  real_server 192.0.2.3 80 {
    MISC_CHECK {
      misc_path \"/usr/local/bin/check 192.0.2.3\"
      misc_timeout 5
      misc_dynamic
    }
  }
}";

#[test]
fn virtual_server_values_and_inheritance() {
    let (c, d) = run(LVS);
    assert_eq!(
        d,
        [(
            Class::Error,
            25,
            "nb_get_retry is deprecated - please use 'retry'".into()
        )]
    );
    let vs = &c.virtual_servers[0];
    assert_eq!(
        vs.key,
        VirtualServiceKey::Address {
            addr: ip("192.0.2.100"),
            port: 80
        }
    );
    assert_eq!(vs.scheduler, Scheduler::Rr);
    assert_eq!(vs.forwarding, ForwardingMethod::Nat);
    assert_eq!(vs.protocol, Some(Protocol::Tcp));
    assert_eq!(vs.persistence_timeout, Some(50));
    assert_eq!(vs.delay_loop, Duration::from_secs(6));
    assert_eq!(vs.connect_timeout, Duration::from_secs(5));
    assert_eq!(vs.quorum, 1);
    let sorry = vs.sorry_server.as_ref().unwrap();
    assert_eq!((sorry.addr, sorry.port), (ip("192.0.2.200"), Some(8080)));

    let rs1 = &vs.real_servers[0];
    assert_eq!(
        (rs1.port, rs1.weight, rs1.inhibit_on_failure),
        (Some(8080), 3, true)
    );
    assert!(
        rs1.smtp_alert,
        "keepalived alerts on real servers by default"
    );
    let tcp = &rs1.checkers[0];
    let CheckerKind::Tcp(conn) = &tcp.kind else {
        panic!("not TCP")
    };
    assert_eq!(conn.connect_ip, ip("192.0.2.1"));
    assert_eq!(conn.connect_port, Some(8080));
    assert_eq!(conn.connect_timeout, Duration::from_secs(3));
    assert_eq!(tcp.retry, 1);
    assert_eq!(tcp.delay_before_retry, Duration::from_secs(1));
    assert_eq!(tcp.delay_loop, Duration::from_secs(6));
    assert_eq!(tcp.warmup, Duration::from_secs(6));

    let rs2 = &vs.real_servers[1];
    assert_eq!(
        (rs2.port, rs2.weight),
        (Some(80), 1),
        "NAT takes the VS port when none is given"
    );
    let http = &rs2.checkers[0];
    let CheckerKind::Http(h) = &http.kind else {
        panic!("not HTTP")
    };
    assert!(!h.tls);
    assert_eq!(h.connection.connect_timeout, Duration::from_secs(5));
    assert_eq!(h.urls.len(), 2);
    assert_eq!(h.urls[0].digest.map(|d| d[0]), Some(0x9b));
    assert!(h.urls[0].accepts(204) && h.urls[0].accepts(301) && !h.urls[0].accepts(205));
    assert!(
        h.urls[1].accepts(299) && !h.urls[1].accepts(300),
        "default 200-299"
    );
    assert_eq!(http.retry, 4);
    assert_eq!(http.delay_before_retry, Duration::from_secs(2));

    let misc = &vs.real_servers[2].checkers[0];
    let CheckerKind::Misc(m) = &misc.kind else {
        panic!("not MISC")
    };
    assert_eq!(m.path.args, ["/usr/local/bin/check", "192.0.2.3"]);
    assert_eq!(m.timeout, Duration::from_secs(5));
    assert!(m.dynamic);
    assert_eq!(misc.retry, 0, "MISC_CHECK retries 0 times by default");
}

#[test]
fn http_checker_defaults_to_three_second_retry_delay() {
    let (c, _) = run("virtual_server 192.0.2.100 443 {
  protocol TCP
  lb_algo wrr
  lb_kind DR
  retry 2
  real_server 192.0.2.1 443 {
    SSL_GET {
      url {
        path /
      }
    }
  }
}");
    let rs = &c.virtual_servers[0].real_servers[0];
    let ch = &rs.checkers[0];
    assert_eq!(ch.kind.keyword(), "SSL_GET");
    assert_eq!(ch.delay_before_retry, Duration::from_secs(3));
    assert_eq!(ch.retry, 2, "inherited from the virtual server");
    assert_eq!(rs.forwarding, ForwardingMethod::Dr);
}

#[test]
fn virtual_server_defaults_are_reported_like_keepalived() {
    let (c, d) = run("virtual_server 192.0.2.10 80 {
  real_server 192.0.2.20 8080 {
    TCP_CHECK {
    }
  }
}");
    assert_eq!(
        d,
        [
            (
                Class::Error,
                1,
                "Virtual server 192.0.2.10:80: no protocol set - defaulting to UDP".into()
            ),
            (
                Class::Error,
                1,
                "Virtual server 192.0.2.10:80: no scheduler set, setting default 'wlc'".into()
            ),
            (
                Class::Error,
                1,
                "Virtual server 192.0.2.10:80: no forwarding method set, setting default NAT"
                    .into()
            ),
        ]
    );
    let vs = &c.virtual_servers[0];
    assert_eq!(
        (vs.scheduler, vs.protocol),
        (Scheduler::Wlc, Some(Protocol::Udp))
    );
    assert_eq!(
        vs.real_servers[0].checkers[0].delay_loop,
        Duration::from_secs(60)
    );
}

#[test]
fn fwmark_and_group_services() {
    let (c, d) = run("virtual_server_group G {
  192.0.2.1-10 80
  192.0.2.16/28 80
  fwmark 7
}
virtual_server group G {
  lb_algo sh
  sh-port
  lb_kind DR
  protocol TCP
  real_server 192.0.2.50 {
  }
}
virtual_server fwmark 5 {
  lb_algo lc
  lb_kind TUN
  real_server 192.0.2.51 80 {
  }
}");
    assert_eq!(
        d,
        [(
            Class::Error,
            17,
            "WARNING - fwmark virtual server FWM 5, real server 192.0.2.51:80 has port specified - clearing".into()
        )]
    );
    assert_eq!(c.virtual_server_groups[0].entries.len(), 3);
    assert_eq!(
        c.virtual_server_groups[0].entries[2],
        VsgEntry::Fwmark {
            mark: 7,
            family: None
        }
    );
    let g = &c.virtual_servers[0];
    assert_eq!(g.key, VirtualServiceKey::Group("G".into()));
    assert!(g.flags.sched2);
    let f = &c.virtual_servers[1];
    assert_eq!(f.key, VirtualServiceKey::Fwmark(5));
    assert_eq!(f.real_servers[0].port, None);
    assert_eq!(f.protocol, None);
}

#[test]
fn schedulers_for_the_module_loader() {
    let (c, _) = run(&format!("{LVS}\nvirtual_server 192.0.2.101 80 {{\n lb_algo wrr\n protocol TCP\n lb_kind NAT\n real_server 192.0.2.9 80 {{\n }}\n}}\nvirtual_server 192.0.2.102 80 {{\n lb_algo rr\n protocol TCP\n lb_kind NAT\n real_server 192.0.2.9 80 {{\n }}\n}}"));
    let s: Vec<&str> = required_ipvs_schedulers(&c).collect();
    assert_eq!(s, ["rr", "wrr"]);
    let (c, _) = run(MINIMAL_INSTANCE);
    assert_eq!(required_ipvs_schedulers(&c).count(), 0);
}

#[test]
fn bad_values_name_keyword_value_and_range() {
    let (c, d) = run("vrrp_instance A {
  virtual_router_id 300
  priority 300
  advert_int 0
  state PRIMARY
  nopreempt maybe
  smtp_alert sometimes
  garp_master_repeat 0
  unicast_ttl x
}");
    assert_eq!(
        d,
        [
            (
                Class::Error,
                2,
                "virtual_router_id '300' out of range: expected 1-255".into()
            ),
            (
                Class::Error,
                3,
                "priority '300' out of range: expected 1-255".into()
            ),
            (
                Class::Error,
                4,
                "advert_int '0' out of range: expected 0.01-255 seconds".into()
            ),
            (
                Class::Error,
                5,
                "state 'PRIMARY' is not valid: expected MASTER or BACKUP; using BACKUP".into()
            ),
            (
                Class::Error,
                7,
                "smtp_alert 'sometimes' is not a boolean: expected on|off|true|false|yes|no".into()
            ),
            (
                Class::Error,
                8,
                "garp_master_repeat must be greater than 0, setting to 1".into()
            ),
            (
                Class::Error,
                9,
                "unicast_ttl 'x' is not a number: expected 0-255".into()
            ),
        ]
    );
    let i = &c.instances[0];
    assert_eq!(i.virtual_router_id, None);
    assert_eq!(i.priority, 100, "keepalived falls back to the default");
    assert!(
        i.nopreempt,
        "nopreempt takes no value; extra words are ignored"
    );
    assert_eq!(i.garp_master_repeat, 1);
}

#[test]
fn missing_values_say_what_was_expected() {
    // keepalived exits 2 at once for a missing value its handler reads unchecked, and reports
    // an ordinary error where the handler checks first (router_id).
    let (_, d) =
        run("vrrp_instance A {\n  priority\n  interface\n}\nglobal_defs {\n  router_id\n}");
    assert_eq!(
        d,
        [
            (
                Class::Abort,
                2,
                "'priority' needs a value: expected 1-255".into()
            ),
            (
                Class::Abort,
                3,
                "'interface' needs a value: expected an interface name".into()
            ),
            (
                Class::Error,
                6,
                "'router_id' needs a value: expected a name".into()
            ),
        ]
    );
}

#[test]
fn every_problem_is_collected() {
    let (c, d) = run("global_defs {
  vrrp_version 4
  bogus_global 1
}
vrrp_instance A {
  priority 0
  prioritty 10
  use_vmac
  virtual_router_id 1
}
nonsense {
  priority 1
}
vrrp_instance B {
  virtual_router_id 2
}");
    let lines: Vec<u32> = d.iter().map(|t| t.1).collect();
    assert_eq!(lines, [2, 3, 6, 7, 8, 11]);
    assert_eq!(c.instances.len(), 2, "B is read after all those errors");
}

#[test]
fn unknown_keywords_are_errors_and_their_blocks_are_skipped() {
    let (c, d) = run("vrrp_instance A {
  virtual_router_id 1
  foo_bar {
    priority 1
  }
}");
    assert_eq!(d, [(Class::Error, 3, "unknown keyword 'foo_bar'".into())]);
    assert_eq!(c.instances[0].priority, 100);
}

#[test]
fn unsupported_keyword_cannot_run_and_renders_with_file_and_line() {
    let (_, d) = parse(&tree(
        "vrrp_instance A {\n  virtual_router_id 1\n  use_vmac vrrp1\n}",
    ));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].class, UNSUPPORTED);
    let mut map = SourceMap::default();
    map.add("/etc/keepalived/keepalived.conf");
    assert_eq!(
        d[0].display(&map).to_string(),
        "/etc/keepalived/keepalived.conf:3: 'use_vmac' is a keepalived keyword holdfast does not support"
    );
}

#[test]
fn unsupported_blocks_and_options() {
    let (_, d) = run("static_ipaddress {
  192.0.2.1/24 dev eth0
}
global_defs {
  vrrp_strict
  process_names
}
vrrp_instance A {
  virtual_ipaddress {
    192.0.2.1/24 peer 192.0.2.2
  }
}
virtual_server 192.0.2.1 80 {
  lb_kind TUN type gue port 6080
  real_server 192.0.2.2 80 {
    UDP_CHECK {
    }
  }
}");
    let got: Vec<(Class, u32)> = d.iter().map(|t| (t.0, t.1)).collect();
    assert_eq!(
        got,
        [
            (UNSUPPORTED, 1),
            (UNSUPPORTED, 5),
            (Class::Warning, 6),
            (UNSUPPORTED, 10),
            (UNSUPPORTED, 14),
            (UNSUPPORTED, 16),
            (Class::Error, 13),
            (Class::Error, 13),
        ]
    );
    assert_eq!(
        d[2].2,
        "'process_names' is a keepalived keyword holdfast ignores"
    );
    assert_eq!(
        d[3].2,
        "virtual address option 'peer' is a keepalived option holdfast does not support"
    );
}

#[test]
fn instance_corrections_are_reported() {
    let (c, d) = run("vrrp_instance A {
  state MASTER
  priority 200
  nopreempt
  advert_int 1.5
  virtual_ipaddress {
    192.0.2.1
    2001:db8::1
  }
}
vrrp_instance B {
  priority 255
  nopreempt
  version 3
  advert_int 0.123
  authentication {
    auth_type PASS
    auth_pass 123456789
  }
}");
    assert_eq!(
        d,
        [
            (Class::Error, 8, "(A): address family must match VRRP instance [2001:db8::1] - ignoring".into()),
            (Class::Error, 1, "(A) Warning - nopreempt will not work with initial state MASTER - clearing".into()),
            (Class::Error, 1, "(A) VRRPv2 advertisement interval 1.5s must be an integer - rounding to 2s".into()),
            (Class::Error, 18, "Truncating auth_pass to 8 characters".into()),
            (Class::Error, 11, "(B) VRRP version 3 does not support authentication. Ignoring.".into()),
            (Class::Error, 11, "(B) nopreempt is incompatible with priority 255. resetting nopreempt".into()),
            (Class::Error, 11, "(B) VRRPv3 advertisement interval 0.123s must be in units of 10ms - rounding to 0.12s".into()),
        ]
    );
    let a = &c.instances[0];
    assert_eq!(a.virtual_ipaddress.len(), 1);
    assert_eq!(a.advert_int, Duration::from_secs(2));
    assert!(!a.nopreempt);
    let b = &c.instances[1];
    assert_eq!(b.authentication, None);
    assert_eq!(b.advert_int, Duration::from_millis(120));
    assert!(!b.nopreempt);
}

#[test]
fn real_server_port_rules() {
    let (c, d) = run("virtual_server 192.0.2.10 80 {
  protocol TCP
  lb_algo rr
  lb_kind DR
  real_server 192.0.2.20 8080 {
  }
  real_server 192.0.2.21 {
  }
  real_server 192.0.2.22 8080 {
    lvs_method NAT
  }
  real_server 2001:db8::1 80 {
  }
}");
    assert_eq!(
        d,
        [
            (Class::Error, 12, "Address family of virtual server and real server 2001:db8::1 don't match - skipping real server.".into()),
            (Class::Error, 5, "WARNING - virtual server 192.0.2.10:80 and real server 192.0.2.20:8080 ports don't match - resetting".into()),
        ]
    );
    let ports: Vec<Option<u16>> = c.virtual_servers[0]
        .real_servers
        .iter()
        .map(|r| r.port)
        .collect();
    assert_eq!(ports, [Some(80), Some(80), Some(8080)]);
}

#[test]
fn bad_scheduler_and_method() {
    let (c, d) = run("virtual_server 192.0.2.10 80 {
  protocol TCP
  lb_algo fastest
  lb_kind MAGIC
  real_server 192.0.2.20 80 {
  }
}");
    assert_eq!(d[0], (Class::Error, 3, "Invalid lvs_scheduler 'fastest' - ignoring: expected rr, wrr, lc, wlc, lblc, sh, mh, dh, fo, ovf, lblcr, sed, nq or twos".into()));
    assert_eq!(
        d[1],
        (
            Class::Error,
            4,
            "lb_kind 'MAGIC' is not valid: expected NAT, DR or TUN".into()
        )
    );
    assert_eq!(c.virtual_servers[0].scheduler, Scheduler::Wlc);
}

#[test]
fn virtual_server_without_real_servers_is_dropped() {
    let (c, d) = run("virtual_server 192.0.2.10 80 {\n  protocol TCP\n}");
    assert_eq!(
        d,
        [(
            Class::Error,
            1,
            "Virtual server 192.0.2.10:80 has no real servers - ignoring".into()
        )]
    );
    assert!(c.virtual_servers.is_empty());
}

#[test]
fn duplicate_names_are_rejected() {
    let (c, d) = run(&format!("{MINIMAL_INSTANCE}\n{MINIMAL_INSTANCE}"));
    assert_eq!(
        d,
        [(Class::Error, 8, "vrrp instance VI_1 already defined".into())]
    );
    assert_eq!(c.instances.len(), 1);
}

/// Wraps `line` so that it sits in `ctx`.
fn in_context(ctx: Context, line: &str) -> String {
    let rs = |inner: &str| {
        format!("virtual_server 192.0.2.1 80 {{\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 192.0.2.2 80 {{\n{inner}\n }}\n}}")
    };
    match ctx {
        Context::Root => String::from(line),
        Context::GlobalDefs => format!("global_defs {{\n{line}\n}}"),
        Context::VrrpScript => format!("vrrp_script s {{\n script /bin/true\n{line}\n}}"),
        Context::TrackFile => format!("track_file t {{\n file /tmp/t\n{line}\n}}"),
        Context::VrrpSyncGroup => format!("vrrp_sync_group g {{\n{line}\n}}"),
        Context::VrrpInstance => format!("vrrp_instance i {{\n{line}\n}}"),
        Context::Authentication => {
            format!("vrrp_instance i {{\n authentication {{\n{line}\n }}\n}}")
        }
        Context::VirtualServer => {
            format!("virtual_server 192.0.2.1 80 {{\n{line}\n real_server 192.0.2.2 80 {{\n }}\n}}")
        }
        Context::RealServer => rs(line),
        Context::TcpCheck => rs(&format!("TCP_CHECK {{\n{line}\n}}")),
        Context::HttpGet => rs(&format!("HTTP_GET {{\n url {{\n path /\n }}\n{line}\n}}")),
        Context::Url => rs(&format!("HTTP_GET {{\n url {{\n path /\n{line}\n }}\n}}")),
        Context::MiscCheck => rs(&format!("MISC_CHECK {{\n misc_path /bin/true\n{line}\n}}")),
    }
}

#[test]
fn catalogue_contract_holds_for_every_keyword() {
    for ctx in Context::ALL {
        for &(kw, support) in keywords::keywords(ctx) {
            // A value and an empty block: handlers may complain about either, but the keyword
            // itself must be classified as the catalogue says.
            let text = in_context(ctx, &format!("{kw} 1 {{\n}}"));
            let (_, d) = run(&text);
            for (class, _, msg) in &d {
                assert!(
                    !msg.starts_with("unknown keyword") && !msg.starts_with("internal:"),
                    "{kw} in {ctx}: {class:?} {msg}"
                );
            }
            let verdict = match support {
                Support::Implemented => None,
                Support::Ignored => Some((
                    Class::Warning,
                    format!("'{kw}' is a keepalived keyword holdfast ignores"),
                )),
                Support::Unsupported => Some((
                    UNSUPPORTED,
                    format!("'{kw}' is a keepalived keyword holdfast does not support"),
                )),
            };
            if let Some((class, msg)) = verdict {
                assert!(
                    d.iter().any(|(c, _, m)| *c == class && *m == msg),
                    "{kw} in {ctx}: expected {class:?} '{msg}', got {d:#?}"
                );
            }
        }
    }
}

#[test]
fn keywords_in_the_wrong_block_are_unknown() {
    let (_, d) = run("global_defs {\n  priority 100\n}\nvrrp_instance A {\n  router_id x\n}");
    assert_eq!(
        d,
        [
            (Class::Error, 2, "unknown keyword 'priority'".into()),
            (Class::Error, 5, "unknown keyword 'router_id'".into()),
        ]
    );
}

#[test]
fn model_round_trips_through_postcard() {
    let (c, _) = run(&format!("{MINIMAL_INSTANCE}\n{LVS}"));
    let bytes = postcard::to_allocvec(&c).unwrap();
    let back: Config = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, c);
}

#[test]
fn sync_group_members_and_owners_lose_tracking_weights() {
    let (c, d) = run("vrrp_script chk {
  script /bin/true
  weight 5
}
vrrp_script flat {
  script /bin/true
}
vrrp_sync_group G {
  group {
    A
  }
}
vrrp_instance A {
  track_interface {
    eth1 weight 10
    eth2
  }
  track_script {
    chk
    flat
  }
}
vrrp_instance B {
  priority 255
  track_interface {
    eth1 weight 10
  }
  track_script {
    chk weight 0
  }
}");
    assert_eq!(
        d,
        [
            (
                Class::Error,
                13,
                "(A) ignoring eth1 tracked interface weight due to SYNC group".into()
            ),
            (
                Class::Error,
                13,
                "(A) ignoring tracked script chk with weights due to SYNC group".into()
            ),
            (
                Class::Error,
                23,
                "(B) ignoring eth1 tracked interface due to address owner".into()
            ),
        ]
    );
    let a = &c.instances[0];
    assert_eq!(a.track_interfaces[0].weight, 0);
    assert_eq!(a.track_interfaces.len(), 2);
    assert_eq!(a.track_scripts.len(), 1);
    assert_eq!(a.track_scripts[0].name, "flat");
    let b = &c.instances[1];
    assert!(b.track_interfaces.is_empty());
    assert_eq!(
        b.track_scripts.len(),
        1,
        "weight 0 overrides the script's weight"
    );
}

#[test]
fn unquoted_script_words_are_dropped_with_a_warning() {
    let (c, d) = run("vrrp_script s {\n  script /usr/bin/pidof haproxy\n}");
    assert_eq!(
        d,
        [(
            Class::Warning,
            2,
            "script uses only '/usr/bin/pidof'; keepalived ignores the words after it (quote the whole command)".into()
        )]
    );
    assert_eq!(c.vrrp_scripts[0].script.args, ["/usr/bin/pidof"]);
}

#[test]
fn tracking_the_own_interface_is_dropped() {
    let (c, d) =
        run("vrrp_instance A {\n  interface eth0\n  track_interface {\n    eth0\n    eth1\n  }\n}");
    assert_eq!(
        d,
        [(
            Class::Error,
            1,
            "(A) Ignoring track_interface eth0 since own interface".into()
        )]
    );
    assert_eq!(c.instances[0].track_interfaces.len(), 1);
}

#[test]
fn group_services_take_protocol_rules_from_their_entries() {
    let (c, d) = run("virtual_server_group MARKS {
  fwmark 20
}
virtual_server group MARKS {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 198.51.100.31 {
  }
}
virtual_server_group ANYPORT {
  192.0.2.1 0
}
virtual_server group ANYPORT {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.32 {
  }
}");
    assert_eq!(
        d,
        [
            (Class::Error, 4, "Warning: Virtual server group MARKS: protocol specified for fwmark - protocol will be ignored".into()),
            (Class::Error, 14, "Virtual server group ANYPORT: zero port only valid for persistent services - setting".into()),
        ]
    );
    assert_eq!(c.virtual_servers[0].protocol, None);
    assert_eq!(c.virtual_servers[1].persistence_timeout, Some(360));
}
