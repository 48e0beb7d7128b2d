//! VRRP checks: instance limits (`vrrp_complete_instance`, `chk_min_cfg`), interfaces, tracked
//! objects, duplicate VRIDs (`check_vrid_conflicts`) and sync groups (keepalived's `vrrp.c`).

use super::{Out, SystemFacts};
use crate::config::diag::Class;
use crate::config::model::{
    AuthType, Config, DynamicInterfaces, Family, InitialState, VrrpInstance, VrrpVersion,
    MAX_VIRTUAL_ADDRESSES, PRIORITY_OWNER,
};
use crate::config::parse::{secs_text, UNSUPPORTED};
use crate::time::Duration;
use alloc::format;

pub(super) fn check(config: &Config, facts: &dyn SystemFacts, out: &mut Out) {
    for inst in &config.instances {
        limits(inst, out);
        addresses(inst, out);
        interfaces(config, inst, facts, out);
        tracked(config, inst, out);
    }
    duplicate_vrids(config, out);
    sync_groups(config, out);
    if let Some(d) = &config.global.lvs_sync_daemon {
        if facts.interface(&d.interface).is_none() {
            out.error(
                None,
                format!("lvs_sync_daemon interface {} doesn't exist", d.interface),
            );
        }
        if let Some(i) = &d.instance {
            if !config.instances.iter().any(|x| &x.name == i) {
                out.error(None, format!("lvs_sync_daemon vrrp instance {i} not found"));
            }
        }
    }
}

fn limits(inst: &VrrpInstance, out: &mut Out) {
    let at = inst.location;
    let n = &inst.name;
    match inst.virtual_router_id {
        None => out.error(at, format!("({n}) the virtual router id must be set")),
        Some(0) => out.error(
            at,
            format!("({n}) virtual_router_id '0' out of range: expected 1-255"),
        ),
        Some(_) => {}
    }
    if inst.priority == 0 {
        out.error(
            at,
            format!("({n}) priority '0' out of range: expected 1-255"),
        );
    }
    if inst.priority == PRIORITY_OWNER && inst.nopreempt {
        out.error(
            at,
            format!("({n}) nopreempt is incompatible with priority 255 (the address owner always preempts)"),
        );
    }
    let adv = inst.advert_int;
    let (unit, max) = match inst.version {
        VrrpVersion::V2 => (1000, Duration::from_secs(255)),
        VrrpVersion::V3 => (10, Duration::from_centis(4095)),
    };
    if adv == Duration::ZERO || adv > max {
        out.error(
            at,
            format!(
                "({n}) advert_int '{}' out of range: expected {}-{} seconds for VRRPv{}",
                secs_text(adv),
                secs_text(Duration::from_millis(unit)),
                secs_text(max),
                inst.version
            ),
        );
    } else if !adv.total_millis().is_multiple_of(unit) {
        let what = if unit == 1000 {
            "whole seconds"
        } else {
            "multiples of 0.01 s"
        };
        out.error(
            at,
            format!(
                "({n}) advert_int '{}' must be {what} for VRRPv{}",
                secs_text(adv),
                inst.version
            ),
        );
    }
    if let Some(auth) = &inst.authentication {
        if inst.version == VrrpVersion::V3 {
            out.error(
                at,
                format!("({n}) VRRP version 3 does not support authentication"),
            );
        }
        if auth.auth_type == AuthType::Ah {
            out.push(
                UNSUPPORTED,
                at,
                format!("({n}) auth_type AH is a keepalived option holdfast does not support"),
            );
        }
    }
}

fn addresses(inst: &VrrpInstance, out: &mut Out) {
    let at = inst.location;
    let n = &inst.name;
    if inst.family == Family::Ipv6 && inst.version == VrrpVersion::V2 {
        out.error(at, format!("({n}) VRRP version 2 cannot carry IPv6"));
    }
    if inst.virtual_ipaddress.is_empty() {
        if inst.version == VrrpVersion::V3 || inst.family == Family::Ipv6 {
            out.error(
                at,
                format!("({n}) No VIP specified; at least one is required"),
            );
        } else {
            // keepalived reports this as an error too (`-t` exits 5), though it runs.
            out.error(
                at,
                format!("({n}) No VIP specified; at least one is sensible"),
            );
        }
    }
    if inst.virtual_ipaddress.len() > MAX_VIRTUAL_ADDRESSES {
        out.error(
            at,
            format!(
                "({n}) Number of VIPs ({}) exceeds the {MAX_VIRTUAL_ADDRESSES} an advert can carry",
                inst.virtual_ipaddress.len()
            ),
        );
    }
    for va in inst
        .virtual_ipaddress
        .iter()
        .chain(&inst.virtual_ipaddress_excluded)
    {
        if va.prefix.len > va.prefix.family().max_prefix_len() {
            out.error(
                at,
                format!(
                    "({n}) virtual address {} has an invalid prefix length",
                    va.prefix
                ),
            );
        }
    }
    for va in &inst.virtual_ipaddress {
        if va.prefix.family() != inst.family {
            out.error(
                at,
                format!(
                    "({n}) virtual address {} is {} but the instance is {}",
                    va.prefix.addr,
                    va.prefix.family(),
                    inst.family
                ),
            );
        }
    }
    let others = inst
        .src_ip
        .iter()
        .chain(inst.mcast_dst_ip.iter())
        .chain(inst.unicast_peers.iter().map(|p| &p.address));
    for a in others {
        if Family::of(a) != inst.family {
            out.error(
                at,
                format!(
                    "({n}) address {a} is {} but the instance is {}",
                    Family::of(a),
                    inst.family
                ),
            );
        }
    }
}

fn interfaces(config: &Config, inst: &VrrpInstance, facts: &dyn SystemFacts, out: &mut Out) {
    let at = inst.location;
    let n = &inst.name;
    let dynamic = config.global.dynamic_interfaces != DynamicInterfaces::Off;
    let missing = |out: &mut Out, what: &str| {
        if dynamic {
            out.push(
                Class::Warning,
                at,
                format!("({n}) {what} doesn't exist yet (dynamic_interfaces)"),
            );
        } else {
            out.error(at, format!("({n}) {what} doesn't exist"));
        }
    };
    match &inst.interface {
        None if !inst.is_unicast() => out.error(at, format!("({n}) Unknown interface!")),
        None if inst.src_ip.is_none() => out.error(
            at,
            format!("({n}): Unicast instances must have unicast_src_ip or interface"),
        ),
        None => {}
        Some(ifname) => match facts.interface(ifname) {
            None => missing(out, &format!("interface {ifname}")),
            Some(f) if f.loopback => out.error(
                at,
                format!("({n}) cannot use a loopback interface ({ifname}) for vrrp"),
            ),
            Some(f) if !f.multicast && !inst.is_unicast() => out.error(
                at,
                format!("({n}) interface {ifname} does not support multicast, specify unicast peers - disabling"),
            ),
            Some(_) => {}
        },
    }
    for t in &inst.track_interfaces {
        if facts.interface(&t.name).is_none() {
            missing(out, &format!("tracked interface {}", t.name));
        }
    }
    for va in inst
        .virtual_ipaddress
        .iter()
        .chain(&inst.virtual_ipaddress_excluded)
    {
        if let Some(dev) = &va.dev {
            if facts.interface(dev).is_none() {
                missing(
                    out,
                    &format!("interface {dev} for ip address {}", va.prefix.addr),
                );
            }
        }
    }
}

fn tracked(config: &Config, inst: &VrrpInstance, out: &mut Out) {
    let n = &inst.name;
    for t in &inst.track_scripts {
        if config.vrrp_script(&t.name).is_none() {
            out.error(
                inst.location,
                format!("({n}) track script {} not found, ignoring...", t.name),
            );
        }
    }
    for t in &inst.track_files {
        if !config.track_files.iter().any(|f| f.name == t.name) {
            out.error(
                inst.location,
                format!("({n}) track file {} not found, ignoring...", t.name),
            );
        }
    }
}

/// Two multicast instances conflict on the same interface, family, VRID and group; two unicast
/// instances when they also share a source and a peer.
fn duplicate_vrids(config: &Config, out: &mut Out) {
    for (i, a) in config.instances.iter().enumerate() {
        for b in config.instances.iter().skip(i + 1) {
            if a.family != b.family
                || a.virtual_router_id.is_none()
                || a.virtual_router_id != b.virtual_router_id
                || a.is_unicast() != b.is_unicast()
            {
                continue;
            }
            let vrid = a.virtual_router_id.unwrap_or(0);
            if a.is_unicast() {
                let same_if = match (&a.interface, &b.interface) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                };
                let same_src = a.src_ip.is_some() && a.src_ip == b.src_ip;
                let shared_peer = a
                    .unicast_peers
                    .iter()
                    .any(|p| b.unicast_peers.iter().any(|q| q.address == p.address));
                if same_if && same_src && shared_peer {
                    out.error(
                        b.location,
                        format!(
                            "({}) duplicate VRID conflict with {} VRID {vrid}",
                            a.name, b.name
                        ),
                    );
                }
                continue;
            }
            let group = |x: &VrrpInstance| {
                x.mcast_dst_ip
                    .unwrap_or_else(|| config.global.vrrp_mcast_group(x.family))
            };
            if a.interface.is_some() && a.interface == b.interface && group(a) == group(b) {
                out.error(
                    b.location,
                    format!(
                        "{} and {} both use VRID {vrid} with {} on interface {}",
                        a.name,
                        b.name,
                        a.family,
                        a.interface.as_deref().unwrap_or("")
                    ),
                );
            }
        }
    }
}

fn sync_groups(config: &Config, out: &mut Out) {
    for (i, g) in config.sync_groups.iter().enumerate() {
        if g.group.is_empty() {
            out.error(
                g.location,
                format!("Sync group {} has no virtual router(s). removing", g.name),
            );
            continue;
        }
        let mut members = 0;
        // keepalived's running group state: MASTER while every member so far is an owner.
        let mut all_owners: Option<bool> = None;
        for m in &g.group {
            let Some(inst) = config.instances.iter().find(|x| &x.name == m) else {
                out.error(
                    g.location,
                    format!(
                        "Virtual router {m} specified in sync group {} doesn't exist - ignoring",
                        g.name
                    ),
                );
                continue;
            };
            if config
                .sync_groups
                .iter()
                .take(i)
                .any(|o| o.group.contains(m))
            {
                out.error(
                    g.location,
                    format!(
                        "Virtual router {m} cannot exist in more than one sync group; ignoring {}",
                        g.name
                    ),
                );
                continue;
            }
            members += 1;
            let owner = inst.state == InitialState::Master && inst.priority == PRIORITY_OWNER;
            if all_owners == Some(true) && inst.state == InitialState::Backup {
                out.error(
                    g.location,
                    format!("Sync group {} has some member(s) as address owner and some not as address owner. This won't work.", g.name),
                );
            }
            if all_owners != Some(false) {
                all_owners = Some(owner);
            }
        }
        match members {
            0 => out.error(
                g.location,
                format!("Sync group {}, no matching virtual router found in group declaration - removing", g.name),
            ),
            1 => out.error(
                g.location,
                format!("Sync group {} has only 1 virtual router(s) - this probably isn't what you want", g.name),
            ),
            _ => {}
        }
        for t in &g.track_scripts {
            if config.vrrp_script(&t.name).is_none() {
                out.error(
                    g.location,
                    format!(
                        "({}) track script {} not found, ignoring...",
                        g.name, t.name
                    ),
                );
            }
        }
    }
}
