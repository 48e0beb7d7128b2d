//! `global_defs { … }` handlers (keepalived's `global_parser.c`).

use super::{values, Parser};
use crate::config::keywords::Context;
use crate::config::model::{
    DynamicInterfaces, GlobalDefs, LvsFlushOnStop, LvsSyncDaemon, ScriptUser, SmtpServer,
    VrrpVersion, MAX_PERSISTENCE_TIMEOUT, MAX_RT_PRIORITY,
};
use crate::config::syntax::Statement;
use crate::time::Duration;
use alloc::format;
use alloc::string::ToString;
use core::net::IpAddr;

/// keepalived reads second counts into a `u32` of microseconds.
const MAX_WHOLE_SECS: u64 = u32::MAX as u64 / 1_000_000;
/// keepalived's timer ceiling for decimal-second values.
const MAX_SECS: Duration = Duration::from_secs(u32::MAX as u64);

pub(super) fn global_defs(p: &mut Parser, st: &Statement, g: &mut GlobalDefs) {
    let Some(block) = p.block(st) else { return };
    for st in block {
        let Some(kw) = p.keyword(Context::GlobalDefs, st) else {
            continue;
        };
        match kw {
            "router_id" => set_some(&mut g.router_id, p.string_soft(st, "a name")),
            "notification_email_from" => set_some(
                &mut g.notification_email_from,
                p.string_soft(st, "an address"),
            ),
            "notification_email" => {
                let Some(b) = p.block(st) else { continue };
                if b.is_empty() {
                    p.error(st.location, "Warning - empty notification_email block");
                }
                g.notification_email
                    .extend(b.iter().flat_map(|l| l.words.iter().cloned()));
            }
            "smtp_server" => smtp_server(p, st, g),
            "smtp_helo_name" => set_some(&mut g.smtp_helo_name, p.string_soft(st, "a name")),
            "smtp_connect_timeout" => {
                if let Some(v) = p.uint(st, 0, MAX_WHOLE_SECS) {
                    if v == 0 {
                        p.error(
                            st.location,
                            "smtp_connect_timeout must be greater than 0, setting to 1",
                        );
                    }
                    g.smtp_connect_timeout = Duration::from_secs(v.max(1));
                }
            }
            "smtp_alert" => set_some(&mut g.smtp_alert, p.flag(st)),
            "smtp_alert_vrrp" => set_some(&mut g.smtp_alert_vrrp, p.flag(st)),
            "smtp_alert_checker" => set_some(&mut g.smtp_alert_checker, p.flag(st)),
            "script_user" => {
                if let Some(user) = p.string_soft(st, "a user name") {
                    g.script_user = Some(ScriptUser {
                        user,
                        group: st.words.get(2).cloned(),
                    });
                }
            }
            "enable_script_security" => g.enable_script_security = true,
            "vrrp_version" => {
                if let Some(v) = p.uint(st, 2, 3) {
                    g.vrrp_version = if v == 2 {
                        VrrpVersion::V2
                    } else {
                        VrrpVersion::V3
                    };
                }
            }
            "vrrp_mcast_group4" => {
                if let Some(a) = p.ip_at(st, 1) {
                    match a {
                        IpAddr::V4(v4) if v4.is_multicast() => g.vrrp_mcast_group4 = v4,
                        _ => p.error(
                            st.location,
                            format!("vrrp_mcast_group4 '{a}' is not an IPv4 multicast address"),
                        ),
                    }
                }
            }
            "vrrp_mcast_group6" => {
                if let Some(a) = p.ip_at(st, 1) {
                    match a {
                        IpAddr::V6(v6) if v6.is_multicast() => g.vrrp_mcast_group6 = v6,
                        _ => p.error(
                            st.location,
                            format!("vrrp_mcast_group6 '{a}' is not an IPv6 multicast address"),
                        ),
                    }
                }
            }
            "vrrp_garp_master_delay" => set(
                &mut g.vrrp_garp_master_delay,
                p.whole_seconds(st, 0, MAX_WHOLE_SECS),
            ),
            "vrrp_garp_master_repeat" => set(&mut g.vrrp_garp_master_repeat, at_least_one(p, st)),
            "vrrp_garp_master_refresh" => set(
                &mut g.vrrp_garp_master_refresh,
                p.whole_seconds(st, 0, u64::from(u32::MAX)),
            ),
            "vrrp_garp_master_refresh_repeat" => {
                set(&mut g.vrrp_garp_master_refresh_repeat, at_least_one(p, st))
            }
            "vrrp_garp_lower_prio_delay" => {
                if let Some(d) = p.whole_seconds(st, 0, MAX_WHOLE_SECS) {
                    g.vrrp_garp_lower_prio_delay = Some(d);
                }
            }
            "vrrp_garp_lower_prio_repeat" => {
                if let Some(v) = p.u32(st, 0, i32::MAX as u32) {
                    g.vrrp_garp_lower_prio_repeat = Some(v);
                }
            }
            "vrrp_garp_interval" => set(
                &mut g.vrrp_garp_interval,
                p.seconds(st, Duration::ZERO, MAX_SECS),
            ),
            "vrrp_gna_interval" => set(
                &mut g.vrrp_gna_interval,
                p.seconds(st, Duration::ZERO, MAX_SECS),
            ),
            "vrrp_startup_delay" => set(
                &mut g.vrrp_startup_delay,
                p.seconds(st, Duration::from_millis(1), MAX_SECS),
            ),
            "max_auto_priority" => {
                if st.words.len() < 2 {
                    g.max_auto_priority = Some(MAX_RT_PRIORITY);
                } else if let Some(v) = p.int_at(st, 1, -1, MAX_RT_PRIORITY.into()) {
                    g.max_auto_priority = i32::try_from(v).ok();
                }
            }
            "dynamic_interfaces" => {
                g.dynamic_interfaces = match st.words.get(1).map(|s| s.as_str()) {
                    None => DynamicInterfaces::On,
                    Some("allow_if_changes") => DynamicInterfaces::AllowIfChanges,
                    Some(o) => {
                        p.error(
                            st.location,
                            format!(
                                "dynamic_interfaces option '{o}' is not valid: expected allow_if_changes"
                            ),
                        );
                        DynamicInterfaces::On
                    }
                }
            }
            "lvs_flush" => g.lvs_flush = true,
            "lvs_flush_on_stop" | "lvs_flush_onstop" => match st.words.get(1).map(|s| s.as_str()) {
                None => g.lvs_flush_on_stop = LvsFlushOnStop::Full,
                Some("VS") => g.lvs_flush_on_stop = LvsFlushOnStop::Vs,
                Some(o) => p.error(
                    st.location,
                    format!("lvs_flush_on_stop type '{o}' is not valid: expected VS or nothing"),
                ),
            },
            "lvs_timeouts" => lvs_timeouts(p, st, g),
            "lvs_sync_daemon" => lvs_sync_daemon(p, st, g),
            _ => p.unhandled(Context::GlobalDefs, st),
        }
    }
}

/// Stores a value that parsed; a bad one leaves the previous value, as keepalived does.
pub(super) fn set<T>(slot: &mut T, v: Option<T>)
where
    T: Sized,
{
    if let Some(v) = v {
        *slot = v;
    }
}

/// Repeat counts: keepalived accepts 0 for compatibility, reports it and uses 1.
pub(super) fn at_least_one(p: &mut Parser, st: &Statement) -> Option<u32> {
    let v = p.u32(st, 0, u32::MAX)?;
    if v == 0 {
        p.error(
            st.location,
            format!("{} must be greater than 0, setting to 1", st.keyword()),
        );
        return Some(1);
    }
    Some(v)
}

fn smtp_server(p: &mut Parser, st: &Statement, g: &mut GlobalDefs) {
    let Some(host) = p.string(st, "a host name or address") else {
        return;
    };
    let port = match st.words.get(2) {
        None => 25,
        Some(_) => match p
            .uint_at(st, 2, 1, 65535)
            .and_then(|v| u16::try_from(v).ok())
        {
            Some(v) => v,
            None => return,
        },
    };
    g.smtp_server = Some(SmtpServer { host, port });
}

fn lvs_timeouts(p: &mut Parser, st: &Statement, g: &mut GlobalDefs) {
    if st.words.len() < 3 {
        p.error(st.location, "lvs_timeouts requires at least one option");
        return;
    }
    let mut i = 1;
    while let Some(opt) = st.words.get(i) {
        let slot = match opt.as_str() {
            "tcp" => &mut g.lvs_timeouts.tcp,
            "tcpfin" => &mut g.lvs_timeouts.tcp_fin,
            "udp" => &mut g.lvs_timeouts.udp,
            o => {
                p.error(
                    st.location,
                    format!("lvs_timeouts option '{o}' is not valid: expected tcp, tcpfin or udp"),
                );
                i += 1;
                continue;
            }
        };
        if let Some(v) = p.uint_at(st, i + 1, 0, MAX_PERSISTENCE_TIMEOUT.into()) {
            *slot = Some(Duration::from_secs(v));
        }
        i += 2;
    }
}

fn lvs_sync_daemon(p: &mut Parser, st: &Statement, g: &mut GlobalDefs) {
    if let Some(old) = &g.lvs_sync_daemon {
        p.error(
            st.location,
            format!(
                "lvs_sync_daemon has already been specified as {} - ignoring",
                old.interface
            ),
        );
        return;
    }
    let Some(interface) = p.string_soft(st, "an interface name") else {
        return;
    };
    // The kernel's IP_VS_IFNAME_MAXLEN is 16 including the terminating NUL.
    if interface.len() >= 16 {
        p.error(
            st.location,
            format!("lvs_sync_daemon interface name '{interface}' too long - ignoring"),
        );
        return;
    }
    let mut d = LvsSyncDaemon {
        interface,
        instance: None,
        sync_id: None,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    };
    let mut i = 2;
    while let Some(opt) = st.words.get(i) {
        match opt.as_str() {
            "inst" => {
                d.instance = p
                    .arg(st, i + 1, "an instance name")
                    .map(ToString::to_string)
            }
            "id" => {
                d.sync_id = p
                    .uint_at(st, i + 1, 0, 255)
                    .and_then(|v| u8::try_from(v).ok())
            }
            "maxlen" => {
                d.maxlen = p
                    .uint_at(st, i + 1, 1, 65535 - 20 - 8)
                    .and_then(|v| u16::try_from(v).ok())
            }
            "port" => {
                d.port = p
                    .uint_at(st, i + 1, 1, 65535)
                    .and_then(|v| u16::try_from(v).ok())
            }
            "ttl" => {
                d.ttl = p
                    .uint_at(st, i + 1, 1, 255)
                    .and_then(|v| u8::try_from(v).ok())
            }
            "group" => {
                if let Some(a) = p.ip_at(st, i + 1) {
                    if a.is_multicast() {
                        d.group = Some(a);
                    } else {
                        p.error(
                            st.location,
                            format!(
                                "lvs_sync_daemon group address {a} is not multicast - ignoring"
                            ),
                        );
                    }
                }
            }
            // Before `inst`/`id` existed: `lvs_sync_daemon IF INSTANCE [SYNCID]`.
            name if i == 2 => {
                d.instance = Some(name.to_string());
                i += 1;
                continue;
            }
            id if i == 3 => {
                match values::unsigned(id).and_then(|v| u8::try_from(v).ok()) {
                    Some(v) => {
                        p.error(
                            st.location,
                            "Please use keyword \"id\" before lvs_sync_daemon SYNCID",
                        );
                        d.sync_id = Some(v);
                    }
                    None => p.error(
                        st.location,
                        format!("Invalid syncid ({id}) - defaulting to vrid"),
                    ),
                }
                i += 1;
                continue;
            }
            o => {
                p.error(
                    st.location,
                    format!("Unknown option {o} specified for lvs_sync_daemon"),
                );
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    g.lvs_sync_daemon = Some(d);
}

/// Stores a value that parsed into an optional setting.
pub(super) fn set_some<T>(slot: &mut Option<T>, v: Option<T>) {
    if v.is_some() {
        *slot = v;
    }
}
