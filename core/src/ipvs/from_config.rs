//! From keepalived's virtual servers to the desired IPVS [`Table`], the way keepalived 2.2.7
//! programs them (`check/ipvswrapper.c`, `check/ipwrapper.c`, `check/check_data.c`):
//!
//! - `virtual_server ADDR PORT` is one service; `fwmark N` one firewall-mark service of the
//!   server's family; `group NAME` one service per address of each range entry (with the entry's
//!   port) and one per fwmark entry (the entry's family, else the server's). Group services keep
//!   the host persistence netmask whatever `persistence_granularity` says, as keepalived does.
//! - A persistence timeout above 0 sets `PERSISTENT`, the timeout and the granularity's netmask;
//!   `ops` and `flag-1..3` set their flag bits.
//! - Real servers: NAT forwards to the real server's port; DR and TUN forward to the service's
//!   port (0 for firewall-mark services), since IPVS cannot change the port on those paths.
//! - A real server whose health says down is removed, or kept with weight 0 under
//!   `inhibit_on_failure`.
//! - Quorum, per virtual server: the sum of the weights of live real servers. Starting, quorum is
//!   up when the sum reaches `quorum + hysteresis`; once up it is lost when the sum is 0 or below
//!   `quorum - hysteresis`; once down it is gained at `quorum + hysteresis`. While quorum is down
//!   and a `sorry_server` is configured, the sorry server replaces the live real servers (an
//!   inhibited real server stays at weight 0); while quorum is up an inhibited sorry server is
//!   present at weight 0. Where keepalived leaves a NAT sorry server without a port at port 0,
//!   holdfast uses the virtual port, as keepalived does for NAT real servers.
//!
//! Health is an input ([`Health`]): with no checkers every real server is alive ([`AllAlive`]);
//! the checker actor provides its own. Quorum state is carried from one evaluation to the next in
//! [`QuorumStates`], so hysteresis works across checker updates and reloads.

use super::{AddrFamily, Destination, FwdMethod, Name, Netmask, Service, ServiceFlags, ServiceKey};
use super::{Protocol, Table};
use crate::config::diag::Location;
use crate::config::model::{
    Config, Family, ForwardingMethod, Granularity, RealServer, VirtualServer, VirtualServiceKey,
    VsgEntry,
};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::num::NonZeroU32;

/// Most services one `virtual_server_group` range entry may expand to. keepalived's `ADDR-N`
/// form spans at most one byte (IPv4) or 16-bit group (IPv6), but `ADDR/LEN` and `ADDR-ADDR` do
/// not stop there, and a /8 would be 16 million services.
pub const MAX_RANGE_ADDRESSES: u32 = 1024;

/// What the checkers say about one real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RealServerHealth {
    /// Every checker passes (or there is none).
    pub alive: bool,
    /// A weight set at run time (MISC_CHECK `misc_dynamic`), replacing the configured one.
    pub weight: Option<u32>,
}

/// The health of every real server, as the checkers see it.
pub trait Health {
    /// The health of `rs`, a real server of `vs`.
    fn real_server(&self, vs: &VirtualServer, rs: &RealServer) -> RealServerHealth;
}

/// Every real server alive at its configured weight: the state without health checkers.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllAlive;

impl Health for AllAlive {
    fn real_server(&self, _vs: &VirtualServer, _rs: &RealServer) -> RealServerHealth {
        RealServerHealth {
            alive: true,
            weight: None,
        }
    }
}

/// Whether each virtual server has quorum, kept between evaluations. A virtual server is known
/// by its key and protocol; one not seen before starts with the start-up rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuorumStates {
    up: Vec<(VirtualServiceKey, Option<u8>, bool)>,
}

impl QuorumStates {
    /// No virtual server seen yet.
    pub fn new() -> Self {
        QuorumStates::default()
    }

    /// Whether `vs` had quorum at the last evaluation (`None`: not evaluated yet).
    pub fn is_up(&self, vs: &VirtualServer) -> Option<bool> {
        let id = (vs.key.clone(), vs.protocol.map(|p| p.number()));
        self.up
            .iter()
            .find(|(k, p, _)| (k, p) == (&id.0, &id.1))
            .map(|(_, _, up)| *up)
    }
}

/// A change of quorum, for the log (keepalived's "Gained quorum" / "Lost quorum").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumChange {
    /// The virtual server, as written in the configuration (`192.0.2.1:80`, `FWM 7`, `group G`).
    pub virtual_server: String,
    /// Where it is defined.
    pub location: Option<Location>,
    /// Quorum now.
    pub up: bool,
    /// The live weight.
    pub weight_sum: u64,
    /// The threshold that was crossed.
    pub threshold: u64,
    /// Whether this is the first evaluation.
    pub initial: bool,
}

/// Why part of a virtual server could not be mapped; the rest of the table is still built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingProblem {
    /// Where the virtual server is defined.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
}

/// The desired IPVS state for a configuration and health.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DesiredIpvs {
    /// Every service holdfast wants, with its real servers.
    pub table: Table,
    /// Quorum changes since the previous evaluation.
    pub quorum_changes: Vec<QuorumChange>,
    /// Parts that could not be mapped.
    pub problems: Vec<MappingProblem>,
}

/// Builds the desired table for `config` given `health`, updating `quorum`.
pub fn desired_table(
    config: &Config,
    health: &impl Health,
    quorum: &mut QuorumStates,
) -> DesiredIpvs {
    let mut out = DesiredIpvs::default();
    let mut next = QuorumStates::new();
    for vs in &config.virtual_servers {
        let previous = quorum.is_up(vs);
        let up = map_virtual_server(config, vs, health, previous, &mut out);
        next.up
            .push((vs.key.clone(), vs.protocol.map(|p| p.number()), up));
    }
    *quorum = next;
    out
}

/// One real server or sorry server as it goes in every service of its virtual server.
struct Member {
    addr: IpAddr,
    /// The configured port (NAT), if any.
    port: Option<u16>,
    fwd: ForwardingMethod,
    weight: u32,
    u_thresh: u32,
    l_thresh: u32,
}

/// Maps one virtual server into `out` and returns whether it has quorum now.
fn map_virtual_server(
    config: &Config,
    vs: &VirtualServer,
    health: &impl Health,
    previous: Option<bool>,
    out: &mut DesiredIpvs,
) -> bool {
    let states: Vec<(RealServerHealth, &RealServer)> = vs
        .real_servers
        .iter()
        .map(|rs| (health.real_server(vs, rs), rs))
        .collect();
    let weight_sum: u64 = states
        .iter()
        .filter(|(h, _)| h.alive)
        .map(|(h, rs)| u64::from(h.weight.unwrap_or(rs.weight)))
        .sum();
    let quorum = u64::from(vs.quorum);
    let hysteresis = u64::from(vs.hysteresis);
    let (up, threshold) = match previous {
        None => (weight_sum >= quorum + hysteresis, quorum + hysteresis),
        Some(true) => {
            let threshold = quorum.saturating_sub(hysteresis);
            (weight_sum != 0 && weight_sum >= threshold, threshold)
        }
        Some(false) => (weight_sum >= quorum + hysteresis, quorum + hysteresis),
    };
    if previous != Some(up) {
        out.quorum_changes.push(QuorumChange {
            virtual_server: vs.key.to_string(),
            location: vs.location,
            up,
            weight_sum,
            threshold,
            initial: previous.is_none(),
        });
    }
    let sorry_active = !up && vs.sorry_server.is_some();

    let mut members: Vec<Member> = Vec::new();
    for (h, rs) in &states {
        let weight = h.weight.unwrap_or(rs.weight);
        let in_pool = h.alive && !sorry_active;
        if !in_pool && !rs.inhibit_on_failure {
            continue;
        }
        members.push(Member {
            addr: rs.addr,
            port: rs.port,
            fwd: rs.forwarding,
            weight: if in_pool { weight } else { 0 },
            u_thresh: rs.upper_threshold.unwrap_or(0),
            l_thresh: rs.lower_threshold.unwrap_or(0),
        });
    }
    if let Some(sorry) = &vs.sorry_server {
        if sorry_active || sorry.inhibit {
            let duplicate = members
                .iter()
                .any(|m| m.addr == sorry.addr && (m.port == sorry.port || sorry.port.is_none()));
            // A sorry server that is also a real server is that real server while quorum is up.
            if sorry_active || !duplicate {
                members.push(Member {
                    addr: sorry.addr,
                    port: sorry.port,
                    fwd: sorry.forwarding,
                    weight: if sorry_active { 1 } else { 0 },
                    u_thresh: 0,
                    l_thresh: 0,
                });
            }
        }
    }

    let template = match service_template(vs) {
        Ok(t) => t,
        Err(message) => {
            push_problem(out, vs, message);
            return up;
        }
    };
    let keys = match service_keys(config, vs) {
        Ok(keys) => keys,
        Err(message) => {
            push_problem(out, vs, message);
            return up;
        }
    };
    let grouped = matches!(vs.key, VirtualServiceKey::Group(_));
    for key in keys {
        let mut service = template.clone();
        service.key = key;
        if grouped || !service.flags.contains(ServiceFlags::PERSISTENT) {
            service.netmask = Netmask::host(key.family());
        } else if let Some(g) = vs.persistence_granularity {
            match netmask(key.family(), g) {
                Some(mask) => service.netmask = mask,
                None => {
                    let message = format!(
                        "virtual server {}: persistence_granularity does not fit a {} service",
                        vs.key,
                        family_name(key.family())
                    );
                    push_problem(out, vs, message);
                    continue;
                }
            }
        } else {
            service.netmask = Netmask::host(key.family());
        }
        let vsvc = out.table.insert(service);
        for m in &members {
            vsvc.insert_dest(destination(&key, m));
        }
    }
    up
}

/// The parameters every service of `vs` shares (the key is filled in per service).
fn service_template(vs: &VirtualServer) -> Result<Service, String> {
    let scheduler = Name::new(vs.scheduler.name())
        .map_err(|e| format!("virtual server {}: scheduler: {e}", vs.key))?;
    let placeholder = ServiceKey::Fwmark {
        family: AddrFamily::Ipv4,
        mark: NonZeroU32::MIN,
    };
    let mut service = Service::new(placeholder, scheduler);
    let f = vs.flags;
    for (on, bit) in [
        (f.one_packet, ServiceFlags::ONEPACKET),
        (f.sched1, ServiceFlags::SCHED1),
        (f.sched2, ServiceFlags::SCHED2),
        (f.sched3, ServiceFlags::SCHED3),
    ] {
        if on {
            service.flags = service.flags.union(bit);
        }
    }
    if let Some(timeout) = vs.persistence_timeout.filter(|t| *t > 0) {
        service.flags = service.flags.union(ServiceFlags::PERSISTENT);
        service.timeout = timeout;
    }
    Ok(service)
}

/// The netmask for persistence granularity `g` in `family`; `None` when they do not fit.
fn netmask(family: AddrFamily, g: Granularity) -> Option<Netmask> {
    match (family, g) {
        (AddrFamily::Ipv4, Granularity::Netmask(mask)) => Some(Netmask::from_raw(mask.octets())),
        (_, Granularity::PrefixLen(len)) => Netmask::for_prefix(family, len),
        (AddrFamily::Ipv6, Granularity::Netmask(_)) => None,
    }
}

/// Every service key `vs` stands for.
fn service_keys(config: &Config, vs: &VirtualServer) -> Result<Vec<ServiceKey>, String> {
    let protocol = || {
        vs.protocol
            .map(|p| Protocol::from_number(u16::from(p.number())))
            .ok_or_else(|| format!("virtual server {}: no protocol", vs.key))
    };
    let fwmark = |mark: u32, family: Family| {
        NonZeroU32::new(mark)
            .map(|mark| ServiceKey::Fwmark {
                family: addr_family(family),
                mark,
            })
            .ok_or_else(|| format!("virtual server {}: fwmark 0 is not a mark", vs.key))
    };
    match &vs.key {
        VirtualServiceKey::Address { addr, port } => Ok(alloc::vec![ServiceKey::Addr {
            protocol: protocol()?,
            addr: *addr,
            port: *port,
        }]),
        VirtualServiceKey::Fwmark(mark) => Ok(alloc::vec![fwmark(*mark, vs.family)?]),
        VirtualServiceKey::Group(name) => {
            let group = config
                .virtual_server_group(name)
                .ok_or_else(|| format!("virtual server group {name} is not defined"))?;
            let mut keys = Vec::new();
            for entry in &group.entries {
                match *entry {
                    VsgEntry::Range { first, last, port } => {
                        let protocol = protocol()?;
                        for addr in range(first, last).ok_or_else(|| {
                            format!(
                                "virtual server group {name}: range {first}-{last} is not an \
                                 address range of at most {MAX_RANGE_ADDRESSES} addresses"
                            )
                        })? {
                            keys.push(ServiceKey::Addr {
                                protocol,
                                addr,
                                port,
                            });
                        }
                    }
                    VsgEntry::Fwmark { mark, family } => {
                        keys.push(fwmark(mark, family.unwrap_or(vs.family))?)
                    }
                }
            }
            Ok(keys)
        }
    }
}

/// The addresses `first..=last` of one family, at most [`MAX_RANGE_ADDRESSES`] of them.
fn range(first: IpAddr, last: IpAddr) -> Option<impl Iterator<Item = IpAddr>> {
    let (a, b, v6) = match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            (u128::from(u32::from(a)), u128::from(u32::from(b)), false)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), true),
        _ => return None,
    };
    let span = b.checked_sub(a)?;
    if span >= u128::from(MAX_RANGE_ADDRESSES) {
        return None;
    }
    Some((a..=b).map(move |n| {
        if v6 {
            IpAddr::V6(Ipv6Addr::from(n))
        } else {
            // `n` lies between two IPv4 addresses, so it fits.
            IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX)))
        }
    }))
}

/// The destination for member `m` in the service `key`.
fn destination(key: &ServiceKey, m: &Member) -> Destination {
    let port = match (m.fwd, key) {
        (ForwardingMethod::Nat, ServiceKey::Addr { port, .. }) => m.port.unwrap_or(*port),
        (ForwardingMethod::Nat, ServiceKey::Fwmark { .. }) => m.port.unwrap_or(0),
        // IPVS does not rewrite the port on DR and TUN: the real server gets the virtual port.
        (_, ServiceKey::Addr { port, .. }) => *port,
        (_, ServiceKey::Fwmark { .. }) => 0,
    };
    let fwd = match m.fwd {
        ForwardingMethod::Nat => FwdMethod::Masq,
        ForwardingMethod::Dr => FwdMethod::Route,
        ForwardingMethod::Tun => FwdMethod::Tunnel,
    };
    Destination {
        u_thresh: m.u_thresh,
        l_thresh: m.l_thresh,
        ..Destination::new(m.addr, port, fwd, m.weight)
    }
}

fn push_problem(out: &mut DesiredIpvs, vs: &VirtualServer, message: String) {
    out.problems.push(MappingProblem {
        location: vs.location,
        message,
    });
}

fn addr_family(f: Family) -> AddrFamily {
    match f {
        Family::Ipv4 => AddrFamily::Ipv4,
        Family::Ipv6 => AddrFamily::Ipv6,
    }
}

fn family_name(f: AddrFamily) -> &'static str {
    match f {
        AddrFamily::Ipv4 => "IPv4",
        AddrFamily::Ipv6 => "IPv6",
    }
}

#[cfg(test)]
mod tests;
