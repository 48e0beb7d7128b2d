//! Validation tests: each check's exact message and class, on parsed configs and on configs
//! built directly (for the invariants a parsed config cannot break).

use super::{validate, validate_config, FakeFacts, InterfaceFacts};
use crate::config::diag::Class;
use crate::config::model::*;
use crate::config::parse::tree::tree;
use crate::config::parse::{parse, UNSUPPORTED};
use crate::time::Duration;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Parses (asserting the parse is clean) and validates.
fn check(text: &str, facts: &FakeFacts) -> Vec<(Class, String)> {
    let (c, d) = parse(&tree(text));
    assert!(d.is_empty(), "parse diagnostics: {d:#?}");
    check_config(&c, facts)
}

fn check_config(c: &Config, facts: &FakeFacts) -> Vec<(Class, String)> {
    validate(c, facts)
        .into_iter()
        .map(|d| (d.class, d.message))
        .collect()
}

fn eth0() -> FakeFacts {
    FakeFacts::with_root().interface("eth0")
}

fn instance(name: &str, body: &str) -> String {
    format!("vrrp_instance {name} {{\n{body}\n virtual_ipaddress {{\n  192.0.2.1/24\n }}\n}}")
}

#[test]
fn good_instance_is_clean() {
    let d = check(
        &instance("A", " interface eth0\n virtual_router_id 51"),
        &eth0(),
    );
    assert_eq!(d, []);
}

#[test]
fn missing_vrid_and_interface() {
    let d = check(&instance("A", " interface eth9"), &eth0());
    assert_eq!(
        d,
        [
            (Class::Error, "(A) the virtual router id must be set".into()),
            (Class::Error, "(A) interface eth9 doesn't exist".into()),
        ]
    );
    let d = check(&instance("B", " virtual_router_id 3"), &eth0());
    assert_eq!(d, [(Class::Error, "(B) Unknown interface!".into())]);
}

#[test]
fn dynamic_interfaces_turn_missing_interfaces_into_warnings() {
    let d = check(
        &format!(
            "global_defs {{\n dynamic_interfaces\n}}\n{}",
            instance("A", " interface eth9\n virtual_router_id 1")
        ),
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Warning,
            "(A) interface eth9 doesn't exist yet (dynamic_interfaces)".into()
        )]
    );
}

#[test]
fn loopback_and_non_multicast_interfaces() {
    let facts = FakeFacts::with_root()
        .interface_with(
            "lo",
            InterfaceFacts {
                loopback: true,
                multicast: false,
            },
        )
        .interface_with(
            "tun0",
            InterfaceFacts {
                loopback: false,
                multicast: false,
            },
        );
    let d = check(
        &format!(
            "{}\n{}",
            instance("A", " interface lo\n virtual_router_id 1"),
            instance("B", " interface tun0\n virtual_router_id 2")
        ),
        &facts,
    );
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "(A) cannot use a loopback interface (lo) for vrrp".into()
            ),
            (
                Class::Error,
                "(B) interface tun0 does not support multicast, specify unicast peers - disabling"
                    .into()
            ),
        ]
    );
}

#[test]
fn duplicate_vrid_on_same_interface_and_family() {
    let text = format!(
        "{}\n{}\n{}",
        instance("A", " interface eth0\n virtual_router_id 51"),
        instance("B", " interface eth0\n virtual_router_id 51"),
        instance("C", " interface eth1\n virtual_router_id 51"),
    );
    let d = check(&text, &eth0().interface("eth1"));
    assert_eq!(
        d,
        [(
            Class::Error,
            "A and B both use VRID 51 with IPv4 on interface eth0".into()
        )]
    );
}

#[test]
fn same_vrid_in_other_family_is_fine() {
    let text = format!(
        "{}\nvrrp_instance V6 {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n  fe80::1/64\n }}\n}}",
        instance("A", " interface eth0\n virtual_router_id 51"),
    );
    assert_eq!(check(&text, &eth0()), []);
}

#[test]
fn unicast_duplicates_need_a_shared_peer() {
    let u = |name: &str, peer: &str| {
        instance(
            name,
            &format!(" interface eth0\n virtual_router_id 9\n unicast_src_ip 192.0.2.10\n unicast_peer {{\n  {peer}\n }}"),
        )
    };
    let d = check(
        &format!("{}\n{}", u("A", "192.0.2.11"), u("B", "192.0.2.11")),
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "(A) duplicate VRID conflict with B VRID 9".into()
        )]
    );
    let d = check(
        &format!("{}\n{}", u("A", "192.0.2.11"), u("B", "192.0.2.12")),
        &eth0(),
    );
    assert_eq!(d, []);
}

#[test]
fn tracked_objects_must_exist() {
    let d = check(
        &instance(
            "A",
            " interface eth0\n virtual_router_id 1\n track_interface {\n  eth7\n }\n track_script {\n  nope\n }\n track_file {\n  tf\n }",
        ),
        &eth0(),
    );
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "(A) tracked interface eth7 doesn't exist".into()
            ),
            (
                Class::Error,
                "(A) track script nope not found, ignoring...".into()
            ),
            (
                Class::Error,
                "(A) track file tf not found, ignoring...".into()
            ),
        ]
    );
}

#[test]
fn sync_group_members_must_exist() {
    let d = check(
        &format!(
            "{}\nvrrp_sync_group G {{\n group {{\n  A\n  Z\n }}\n}}",
            instance("A", " interface eth0\n virtual_router_id 1")
        ),
        &eth0(),
    );
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "Virtual router Z specified in sync group G doesn't exist - ignoring".into()
            ),
            (
                Class::Error,
                "Sync group G has only 1 virtual router(s) - this probably isn't what you want"
                    .into()
            ),
        ]
    );
}

#[test]
fn sync_group_with_owner_and_non_owner() {
    let d = check(
        &format!(
            "{}\n{}\nvrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n}}",
            instance("A", " interface eth0\n virtual_router_id 1\n priority 255"),
            instance("B", " interface eth0\n virtual_router_id 2")
        ),
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "Sync group G has some member(s) as address owner and some not as address owner. This won't work.".into()
        )]
    );
}

#[test]
fn instances_without_vips() {
    let d = check(
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 2\n version 3\n}",
        &eth0(),
    );
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "(A) No VIP specified; at least one is sensible".into()
            ),
            (
                Class::Error,
                "(B) No VIP specified; at least one is required".into()
            ),
        ]
    );
}

/// A parsed config that is then broken by hand: the invariants a parser output never violates.
fn base() -> Config {
    let (c, d) = parse(&tree(&instance(
        "A",
        " interface eth0\n virtual_router_id 51",
    )));
    assert!(d.is_empty());
    c
}

#[test]
fn invariants_on_hand_built_configs() {
    let mut c = base();
    {
        let i = &mut c.instances[0];
        i.virtual_router_id = Some(0);
        i.priority = 0;
        i.advert_int = Duration::from_millis(1500);
        i.virtual_ipaddress.push(VirtualAddress {
            prefix: IpPrefix {
                addr: "2001:db8::1".parse().unwrap(),
                len: 64,
            },
            dev: None,
            label: None,
            scope: None,
            broadcast: None,
            no_track: false,
        });
    }
    let d = check_config(&c, &eth0());
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "(A) virtual_router_id '0' out of range: expected 1-255".into()
            ),
            (
                Class::Error,
                "(A) priority '0' out of range: expected 1-255".into()
            ),
            (
                Class::Error,
                "(A) advert_int '1.5' must be whole seconds for VRRPv2".into()
            ),
            (
                Class::Error,
                "(A) virtual address 2001:db8::1 is IPv6 but the instance is IPv4".into()
            ),
        ]
    );
    let mut c = base();
    c.instances[0].version = VrrpVersion::V3;
    c.instances[0].advert_int = Duration::from_secs(41);
    c.instances[0].priority = 255;
    c.instances[0].nopreempt = true;
    c.instances[0].authentication = Some(Authentication {
        auth_type: AuthType::Ah,
        password: "x".into(),
    });
    let d = check_config(&c, &eth0());
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "(A) nopreempt is incompatible with priority 255 (the address owner always preempts)".into()
            ),
            (
                Class::Error,
                "(A) advert_int '41' out of range: expected 0.01-40.95 seconds for VRRPv3".into()
            ),
            (Class::Error, "(A) VRRP version 3 does not support authentication".into()),
            (
                UNSUPPORTED,
                "(A) auth_type AH is a keepalived option holdfast does not support".into()
            ),
        ]
    );
}

const DR_SERVICE: &str = "virtual_server 192.0.2.10 80 {
 protocol TCP
 lb_algo rr
 lb_kind DR
 real_server 192.0.2.20 80 {
 }
}";

#[test]
fn real_server_port_rules_on_hand_built_configs() {
    let (mut c, d) = parse(&tree(DR_SERVICE));
    assert!(d.is_empty());
    assert_eq!(check_config(&c, &eth0()), []);
    c.virtual_servers[0].real_servers[0].port = Some(8080);
    assert_eq!(
        check_config(&c, &eth0()),
        [(
            Class::Error,
            "virtual server 192.0.2.10:80 and real server 192.0.2.20:8080 ports don't match (DR forwards to the virtual port)".into()
        )]
    );
    c.virtual_servers[0].key = VirtualServiceKey::Fwmark(3);
    c.virtual_servers[0].protocol = None;
    assert_eq!(
        check_config(&c, &eth0()),
        [(
            Class::Error,
            "fwmark virtual server FWM 3, real server 192.0.2.20:8080 has port specified (DR takes none)".into()
        )]
    );
    c.virtual_servers[0].real_servers[0].forwarding = ForwardingMethod::Nat;
    assert_eq!(check_config(&c, &eth0()), [], "NAT may translate ports");
}

#[test]
fn group_services_need_their_group_and_matching_ports() {
    let d = check(
        "virtual_server group G {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 192.0.2.20 8080 {\n }\n}",
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "Virtual server group G specified but not configured".into()
        )]
    );
    let d = check(
        "virtual_server_group G {\n 192.0.2.1-3 80\n}\nvirtual_server group G {\n protocol TCP\n lb_algo rr\n lb_kind DR\n real_server 192.0.2.20 8080 {\n }\n}",
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "virtual server group G:[192.0.2.1]:80 and real server 192.0.2.20:8080 ports don't match".into()
        )]
    );
}

fn with_script(global: &str, script: &str) -> String {
    format!(
        "global_defs {{\n{global}\n}}\nvrrp_script chk {{\n script \"{script}\"\n}}\n{}",
        instance(
            "A",
            " interface eth0\n virtual_router_id 1\n track_script {\n  chk\n }"
        )
    )
}

#[test]
fn scripts_without_script_security_are_a_security_violation() {
    let facts = eth0().root_script("/etc/keepalived/chk.sh");
    let d = check(&with_script("", "/etc/keepalived/chk.sh"), &facts);
    assert_eq!(
        d,
        [(
            Class::ScriptSecurity,
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
                .into()
        )]
    );
}

#[test]
fn secure_root_script_with_security_enabled_is_clean() {
    let facts = eth0().root_script("/etc/keepalived/chk.sh");
    let d = check(
        &with_script(
            " enable_script_security\n script_user root",
            "/etc/keepalived/chk.sh",
        ),
        &facts,
    );
    assert_eq!(d, []);
}

#[test]
fn insecure_directory_is_reported() {
    let facts = eth0()
        .dir("/tmp", 0, 0, 0o777)
        .file("/tmp/chk.sh", 0, 0, 0o755);
    let d = check(&with_script("", "/tmp/chk.sh"), &facts);
    assert_eq!(
        d,
        [
            (
                Class::ScriptSecurity,
                "vrrp_script chk: script '/tmp/chk.sh' is insecure: '/tmp' is writable by non-root users".into()
            ),
            (
                Class::ScriptSecurity,
                "SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.".into()
            ),
        ]
    );
    // With security on, keepalived disables the track script and reports an error instead.
    let d = check(
        &with_script(" enable_script_security\n script_user root", "/tmp/chk.sh"),
        &facts,
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "vrrp_script chk: disabling script '/tmp/chk.sh' due to insecure: '/tmp' is writable by non-root users".into()
        )]
    );
    // A sticky /tmp is fine; the script itself must still be root's.
    let facts = eth0()
        .dir("/tmp", 0, 0, 0o1777)
        .file("/tmp/chk.sh", 1000, 1000, 0o755);
    let d = check(
        &with_script(" enable_script_security\n script_user root", "/tmp/chk.sh"),
        &facts,
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "vrrp_script chk: disabling script '/tmp/chk.sh' due to insecure: '/tmp/chk.sh' is not owned by root".into()
        )]
    );
}

#[test]
fn missing_and_non_executable_scripts() {
    let d = check(
        &with_script(" enable_script_security\n script_user root", "/nope.sh"),
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "vrrp_script chk: disabling, script '/nope.sh' not found/accessible".into()
        )]
    );
    let facts = eth0().file("/chk.sh", 0, 0, 0o644);
    let d = check(
        &with_script(" enable_script_security\n script_user root", "/chk.sh"),
        &facts,
    );
    assert_eq!(
        d,
        [(
            Class::Warning,
            "vrrp_script chk: script '/chk.sh' is not executable for uid:gid 0:0 - disabling"
                .into()
        )]
    );
}

#[test]
fn script_users_must_exist() {
    let facts = eth0().root_script("/etc/keepalived/chk.sh");
    let d = check(
        &with_script(" enable_script_security", "/etc/keepalived/chk.sh"),
        &facts,
    );
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "Unable to set default user keepalived_script for script: it does not exist and enable_script_security forbids root".into()
            ),
            (Class::Error, "vrrp_script chk: no default script user - disabling".into()),
        ]
    );
    let facts = facts.user("keepalived_script", 900, 900);
    let d = check(
        &with_script(" enable_script_security", "/etc/keepalived/chk.sh"),
        &facts,
    );
    assert_eq!(
        d,
        [],
        "runs as keepalived_script, so path checks do not apply"
    );
    let d = check(
        &with_script(
            " enable_script_security\n script_user ghost",
            "/etc/keepalived/chk.sh",
        ),
        &facts,
    );
    assert_eq!(
        d,
        [
            (
                Class::Error,
                "script_user 'ghost' does not exist (or its group does not)".into()
            ),
            (
                Class::Error,
                "vrrp_script chk: no default script user - disabling".into()
            ),
        ]
    );
}

/// The `vrrp_script`s validation disabled, by name.
fn disabled(text: &str, facts: &FakeFacts) -> Vec<String> {
    let (c, d) = parse(&tree(text));
    assert!(d.is_empty(), "parse diagnostics: {d:#?}");
    validate_config(&c, facts)
        .disabled_vrrp_scripts
        .into_iter()
        .collect()
}

#[test]
fn disabled_vrrp_scripts_are_recorded_by_name_not_by_message() {
    let secure = " enable_script_security\n script_user root";
    // Each way keepalived disables a vrrp_script.
    assert_eq!(disabled(&with_script(secure, "/nope.sh"), &eth0()), ["chk"]);
    let facts = eth0().file("/chk.sh", 0, 0, 0o644);
    assert_eq!(disabled(&with_script(secure, "/chk.sh"), &facts), ["chk"]);
    let facts = eth0()
        .dir("/tmp", 0, 0, 0o777)
        .file("/tmp/chk.sh", 0, 0, 0o755);
    assert_eq!(
        disabled(&with_script(secure, "/tmp/chk.sh"), &facts),
        ["chk"]
    );
    let facts = eth0().root_script("/etc/keepalived/chk.sh");
    let no_user = " enable_script_security";
    assert_eq!(
        disabled(&with_script(no_user, "/etc/keepalived/chk.sh"), &facts),
        ["chk"]
    );
    let text = with_script(secure, "/etc/keepalived/chk.sh")
        .replace("vrrp_script chk {\n", "vrrp_script chk {\n user ghost\n");
    assert_eq!(disabled(&text, &facts), ["chk"]);
    // Insecure without enable_script_security still runs (exit 6, nothing disabled), whatever
    // its path says: the old rule matched "disabling" in the message text.
    let facts = eth0()
        .dir("/tmp", 0, 0, 0o777)
        .dir("/tmp/disabling", 0, 0, 0o755)
        .file("/tmp/disabling/chk.sh", 0, 0, 0o755);
    let text = with_script("", "/tmp/disabling/chk.sh");
    assert!(check(&text, &facts)
        .iter()
        .any(|(c, m)| *c == Class::ScriptSecurity && m.contains("disabling")));
    assert_eq!(disabled(&text, &facts), Vec::<String>::new());
    // A disabled notify script is not a vrrp_script.
    let text = format!(
        "global_defs {{\n{secure}\n}}\n{}",
        instance(
            "A",
            " interface eth0\n virtual_router_id 1\n notify_master /nope/up.sh"
        )
    );
    assert_eq!(disabled(&text, &eth0()), Vec::<String>::new());
}

#[test]
fn scripts_are_judged_by_their_resolved_path() {
    // Merged /usr: /bin is a symbolic link, which as a path component is "wrong file type"
    // unless the path is resolved first, as keepalived does.
    let facts = eth0()
        .root_script("/usr/bin/true")
        .alias("/bin/true", "/usr/bin/true");
    let d = check(
        &with_script(" enable_script_security\n script_user root", "/bin/true"),
        &facts,
    );
    assert_eq!(d, []);
}

#[test]
fn bare_program_names_are_searched_in_path() {
    let facts = eth0().root_script("/usr/bin/pidof");
    let d = check(
        &with_script(
            " enable_script_security\n script_user root",
            "pidof haproxy",
        ),
        &facts,
    );
    assert_eq!(d, []);
}

#[test]
fn notify_and_misc_scripts_only_warn_when_disabled() {
    let d = check(
        "global_defs {\n enable_script_security\n script_user root\n}\nvirtual_server 192.0.2.10 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n quorum_up /nope/up.sh\n real_server 192.0.2.20 80 {\n  MISC_CHECK {\n   misc_path /nope/check\n  }\n }\n}",
        &eth0(),
    );
    assert_eq!(
        d,
        [
            (Class::Warning, "(192.0.2.10:80) quorum_up: script '/nope/up.sh' not found - disabling".into()),
            (
                Class::Warning,
                "(192.0.2.10:80 real_server 192.0.2.20) MISC_CHECK: script '/nope/check' not found - disabling".into()
            ),
        ]
    );
}

#[test]
fn fwmark_group_real_server_ports_are_ignored_with_a_warning() {
    let d = check(
        "virtual_server_group VSG_MARK {\n 192.0.2.100 80\n fwmark 20\n}\nvirtual_server group VSG_MARK {\n lb_algo rr\n lb_kind DR\n protocol TCP\n real_server 198.51.100.31 80 {\n }\n}",
        &eth0(),
    );
    assert_eq!(
        d,
        [(
            Class::Error,
            "WARNING - fwmark virtual server group VSG_MARK, real server 198.51.100.31:80 has port specified - port will be ignored".into()
        )]
    );
}
