//! Virtual server checks (keepalived's `validate_check_config` in `check_data.c`): real servers
//! present, families, the port rules of each forwarding method, persistence, quorum, checkers.

use super::{Out, SystemFacts};
use crate::config::model::{
    CheckerKind, Config, Family, ForwardingMethod, Protocol, VirtualServer, VirtualServiceKey,
    VsgEntry,
};
use alloc::format;
use alloc::string::ToString;

pub(super) fn check(config: &Config, _facts: &dyn SystemFacts, out: &mut Out) {
    for vs in &config.virtual_servers {
        let at = vs.location;
        let name = vs.key.to_string();
        if vs.real_servers.is_empty() {
            out.error(at, format!("Virtual server {name} has no real servers"));
        }
        if let VirtualServiceKey::Group(g) = &vs.key {
            if config.virtual_server_group(g).is_none() {
                out.error(
                    at,
                    format!("Virtual server group {g} specified but not configured"),
                );
            }
        }
        if let VirtualServiceKey::Address { addr, port } = &vs.key {
            if Family::of(addr) != vs.family {
                out.error(
                    at,
                    format!("Virtual server {name}: family is not {}", vs.family),
                );
            }
            if *port == 0 && vs.persistence_timeout.is_none() {
                out.error(
                    at,
                    format!("Virtual server {name}: zero port only valid for persistent services"),
                );
            }
        }
        if vs.flags.one_packet && vs.protocol.is_some_and(|p| p != Protocol::Udp) {
            out.error(
                at,
                format!("Virtual server {name}: one packet scheduling requires UDP"),
            );
        }
        quorum(vs, &name, out);
        ports(config, vs, &name, out);
        checkers(vs, &name, out);
    }
}

fn quorum(vs: &VirtualServer, name: &str, out: &mut Out) {
    let total = vs
        .real_servers
        .iter()
        .fold(0u32, |acc, rs| acc.saturating_add(rs.weight));
    if vs.quorum > total {
        out.error(
            vs.location,
            format!(
                "quorum {} for {name} exceeds total weight of real servers {total}",
                vs.quorum
            ),
        );
    }
    if vs.quorum > 0 && vs.hysteresis >= vs.quorum {
        out.error(
            vs.location,
            format!(
                "Virtual server {name}: hysteresis {} >= quorum {}",
                vs.hysteresis, vs.quorum
            ),
        );
    }
}

/// DR and TUN forward to the virtual port unchanged: a real server's port, if given, must equal
/// it, and fwmark services take none. NAT may translate ports.
fn ports(config: &Config, vs: &VirtualServer, name: &str, out: &mut Out) {
    for rs in &vs.real_servers {
        let at = rs.location.or(vs.location);
        if rs.forwarding != ForwardingMethod::Tun && Family::of(&rs.addr) != vs.family {
            out.error(
                at,
                format!(
                    "Address family of virtual server {name} and real server {} don't match",
                    rs.addr
                ),
            );
        }
        if rs.forwarding == ForwardingMethod::Nat {
            continue;
        }
        let Some(rp) = rs.port else { continue };
        match &vs.key {
            VirtualServiceKey::Address { port, .. } if *port != rp && *port != 0 => out.error(
                at,
                format!(
                    "virtual server {name} and real server {}:{rp} ports don't match ({} forwards to the virtual port)",
                    rs.addr,
                    rs.forwarding.name()
                ),
            ),
            VirtualServiceKey::Fwmark(_) => out.error(
                at,
                format!(
                    "fwmark virtual server {name}, real server {}:{rp} has port specified ({} takes none)",
                    rs.addr,
                    rs.forwarding.name()
                ),
            ),
            VirtualServiceKey::Group(g) => {
                let entries = config
                    .virtual_server_group(g)
                    .map(|g| g.entries.as_slice())
                    .unwrap_or(&[]);
                if entries.iter().any(|e| matches!(e, VsgEntry::Fwmark { .. })) {
                    out.error(
                        at,
                        format!("WARNING - fwmark virtual server {name}, real server {}:{rp} has port specified - port will be ignored", rs.addr),
                    );
                }
                for e in entries {
                    if let VsgEntry::Range { port, first, .. } = e {
                        if *port != 0 && *port != rp {
                            out.error(
                                at,
                                format!("virtual server {name}:[{first}]:{port} and real server {}:{rp} ports don't match", rs.addr),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn checkers(vs: &VirtualServer, name: &str, out: &mut Out) {
    for rs in &vs.real_servers {
        for c in &rs.checkers {
            if let CheckerKind::Http(h) = &c.kind {
                if h.urls.is_empty() {
                    out.error(
                        rs.location.or(vs.location),
                        format!(
                            "{name}: {} checker of {} has no urls",
                            c.kind.keyword(),
                            rs.addr
                        ),
                    );
                }
            }
        }
    }
}
