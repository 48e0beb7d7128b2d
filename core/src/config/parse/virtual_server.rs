//! `virtual_server … { … real_server … { … } }` (keepalived's `check_parser.c`), completed as
//! `validate_check_config` (`check_data.c`) completes it.

use super::checker::{self, CheckerBuilder, Inherited, Timing};
use super::global::set_some;
use super::{values, Parser};
use crate::config::diag::Location;
use crate::config::keywords::Context;
use crate::config::model::{
    Config, Family, ForwardingMethod, GlobalDefs, Granularity, NotifyScript, Protocol, RealServer,
    Scheduler, ServiceFlags, SorryServer, VirtualServer, VirtualServerGroup, VirtualServiceKey,
    VsgEntry, DEFAULT_PERSISTENCE_TIMEOUT, MAX_PERSISTENCE_TIMEOUT,
};
use crate::config::syntax::Statement;
use crate::time::Duration;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr};

pub(super) use super::vsg::group;

/// IPVS weights are `int`.
const MAX_WEIGHT: u32 = i32::MAX as u32;

/// A real (or sorry) server as configured, before inheritance.
struct RsBuilder {
    location: Location,
    addr: IpAddr,
    port: Option<u16>,
    weight: Option<u32>,
    forwarding: Option<ForwardingMethod>,
    upper_threshold: Option<u32>,
    lower_threshold: Option<u32>,
    inhibit: Option<bool>,
    notify_up: Option<NotifyScript>,
    notify_down: Option<NotifyScript>,
    virtualhost: Option<String>,
    smtp_alert: Option<bool>,
    timing: Timing,
    checkers: Vec<CheckerBuilder>,
}

struct VsBuilder {
    location: Location,
    key: VirtualServiceKey,
    family: Option<Family>,
    scheduler: Option<Scheduler>,
    flags: ServiceFlags,
    forwarding: Option<ForwardingMethod>,
    protocol: Option<Protocol>,
    persistence_timeout: Option<u32>,
    persistence_granularity: Option<Granularity>,
    timing: Timing,
    inhibit: bool,
    alpha: bool,
    omega: bool,
    quorum: u32,
    hysteresis: u32,
    quorum_up: Option<NotifyScript>,
    quorum_down: Option<NotifyScript>,
    weight: u32,
    virtualhost: Option<String>,
    smtp_alert: Option<bool>,
    sorry: Option<(IpAddr, Option<u16>, bool, Option<ForwardingMethod>)>,
    real_servers: Vec<RsBuilder>,
}

pub(super) fn virtual_server(p: &mut Parser, st: &Statement, config: &mut Config) {
    let Some(block) = p.block(st) else { return };
    let Some(key) = service_key(p, st) else {
        return;
    };
    let family = match &key {
        VirtualServiceKey::Address { addr, .. } => Some(Family::of(addr)),
        _ => None,
    };
    let mut vs = VsBuilder {
        location: st.location,
        key,
        family,
        scheduler: None,
        flags: ServiceFlags::default(),
        forwarding: None,
        protocol: None,
        persistence_timeout: None,
        persistence_granularity: None,
        timing: Timing::default(),
        inhibit: false,
        alpha: false,
        omega: false,
        quorum: 1,
        hysteresis: 0,
        quorum_up: None,
        quorum_down: None,
        weight: 1,
        virtualhost: None,
        smtp_alert: None,
        sorry: None,
        real_servers: Vec::new(),
    };
    for st in block {
        let Some(kw) = p.keyword(Context::VirtualServer, st) else {
            continue;
        };
        vs.keyword(p, kw, st);
    }
    if let Some(done) = vs.finish(p, &config.global, &config.virtual_server_groups) {
        config.virtual_servers.push(done);
    }
}

/// `ADDR [PORT]`, `fwmark N` or `group NAME`.
fn service_key(p: &mut Parser, st: &Statement) -> Option<VirtualServiceKey> {
    let first = p.arg(st, 1, "ADDRESS PORT, fwmark N or group NAME")?;
    match first {
        "group" => Some(VirtualServiceKey::Group(
            p.arg(st, 2, "a virtual_server_group name")?.to_string(),
        )),
        "fwmark" => {
            let v = p.uint_at(st, 2, 0, u32::MAX.into())?;
            u32::try_from(v).ok().map(VirtualServiceKey::Fwmark)
        }
        a => {
            let Some(addr) = values::ip(a) else {
                p.error(
                    st.location,
                    format!("Invalid virtual server IP address {a} - skipping"),
                );
                return None;
            };
            let port = match st.words.get(2) {
                None => 0,
                Some(w) => match values::port(w) {
                    Some(port) => port.unwrap_or(0),
                    None => {
                        p.error(
                            st.location,
                            format!("virtual server port '{w}' out of range: expected 0-65535"),
                        );
                        return None;
                    }
                },
            };
            Some(VirtualServiceKey::Address { addr, port })
        }
    }
}

/// `NAT`, `DR` or `TUN` (tunnel options are a holdfast `CannotRun`).
fn forwarding(p: &mut Parser, st: &Statement) -> Option<ForwardingMethod> {
    let m = match p.arg(st, 1, "NAT, DR or TUN")? {
        "NAT" => ForwardingMethod::Nat,
        "DR" => ForwardingMethod::Dr,
        "TUN" => ForwardingMethod::Tun,
        o => {
            p.error(
                st.location,
                format!(
                    "{} '{o}' is not valid: expected NAT, DR or TUN",
                    st.keyword()
                ),
            );
            return None;
        }
    };
    if st.words.len() > 2 {
        p.unsupported(
            st.location,
            format!(
                "{} tunnel options ('{}') are keepalived options holdfast does not support",
                st.keyword(),
                st.words.get(2).map(String::as_str).unwrap_or("")
            ),
        );
    }
    Some(m)
}

impl VsBuilder {
    fn keyword(&mut self, p: &mut Parser, kw: &str, st: &Statement) {
        // A virtual server's `alpha` is a bare switch, not the checkers' boolean.
        if kw != "alpha" && self.timing.keyword(p, kw, st, false) {
            return;
        }
        match kw {
            "ip_family" => {
                let f = match p.arg(st, 1, "inet or inet6") {
                    Some("inet") => Family::Ipv4,
                    Some("inet6") => Family::Ipv6,
                    Some(o) => {
                        p.error(st.location, format!("unknown address family {o}"));
                        return;
                    }
                    None => return,
                };
                if self.family.is_some_and(|have| have != f) {
                    p.error(
                        st.location,
                        format!(
                            "Virtual server specified family {} conflicts with server family",
                            st.words.get(1).map(String::as_str).unwrap_or("")
                        ),
                    );
                } else {
                    self.family = Some(f);
                }
            }
            "inhibit_on_failure" => self.inhibit = true,
            "lb_algo" | "lvs_sched" => {
                let Some(name) = p.arg(st, 1, "an IPVS scheduler") else {
                    return;
                };
                match Scheduler::from_name(name) {
                    Some(s) => self.scheduler = Some(s),
                    None => p.error(
                        st.location,
                        format!(
                            "Invalid lvs_scheduler '{name}' - ignoring: expected rr, wrr, lc, wlc, lblc, sh, mh, dh, fo, ovf, lblcr, sed, nq or twos"
                        ),
                    ),
                }
            }
            "ops" => self.flags.one_packet = true,
            "flag-1" => self.flags.sched1 = true,
            "flag-2" => self.flags.sched2 = true,
            "flag-3" => self.flags.sched3 = true,
            "sh-port" | "sh-fallback" | "mh-port" | "mh-fallback" => {
                let sched = if kw.starts_with("sh") {
                    Scheduler::Sh
                } else {
                    Scheduler::Mh
                };
                if self.scheduler != Some(sched) {
                    p.error(
                        st.location,
                        format!("{kw} only applies to {} scheduler - ignoring", sched.name()),
                    );
                } else if kw.ends_with("fallback") {
                    self.flags.sched1 = true;
                } else {
                    self.flags.sched2 = true;
                }
            }
            "lb_kind" | "lvs_method" => set_some(&mut self.forwarding, forwarding(p, st)),
            "persistence_timeout" => {
                if st.words.len() < 2 {
                    self.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
                } else if let Some(v) = p.u32(st, 1, MAX_PERSISTENCE_TIMEOUT) {
                    self.persistence_timeout = Some(v);
                }
            }
            "persistence_granularity" => self.granularity(p, st),
            "protocol" => {
                let Some(w) = p.arg(st, 1, "TCP, UDP or SCTP") else {
                    return;
                };
                match w.to_ascii_uppercase().as_str() {
                    "TCP" => self.protocol = Some(Protocol::Tcp),
                    "UDP" => self.protocol = Some(Protocol::Udp),
                    "SCTP" => self.protocol = Some(Protocol::Sctp),
                    _ => p.error(
                        st.location,
                        format!(
                            "protocol '{w}' is not valid: expected TCP, UDP or SCTP - ignoring"
                        ),
                    ),
                }
            }
            "smtp_alert" => set_some(&mut self.smtp_alert, p.flag(st)),
            "virtualhost" => set_some(&mut self.virtualhost, p.string_soft(st, "a host name")),
            "alpha" => self.alpha = true,
            "omega" => self.omega = true,
            "quorum_up" => p.set_notify(st, &mut self.quorum_up),
            "quorum_down" => p.set_notify(st, &mut self.quorum_down),
            "quorum" => {
                self.quorum = p.u32(st, 1, u32::MAX).unwrap_or(1);
            }
            "hysteresis" => {
                if let Some(v) = p.u32(st, 0, u32::MAX) {
                    self.hysteresis = v;
                }
            }
            "weight" => {
                if let Some(v) = p.u32(st, 1, MAX_WEIGHT) {
                    self.weight = v;
                }
            }
            "sorry_server" => {
                let Some(addr) = p.ip_at(st, 1) else { return };
                let port = st.words.get(2).and_then(|w| values::port(w)).flatten();
                let inhibit = self.sorry.as_ref().is_some_and(|s| s.2);
                self.sorry = Some((addr, port, inhibit, None));
            }
            "sorry_server_inhibit" => match &mut self.sorry {
                Some(s) => s.2 = true,
                None => p.error(
                    st.location,
                    "Ignoring sorry_server inhibit used before or without sorry_server",
                ),
            },
            "sorry_server_lvs_method" => {
                let m = forwarding(p, st);
                match &mut self.sorry {
                    Some(s) => s.3 = m.or(s.3),
                    None => p.error(
                        st.location,
                        "sorry_server forwarding used without sorry_server",
                    ),
                }
            }
            "real_server" => {
                if let Some(rs) = real_server(p, st) {
                    self.add_real_server(p, rs);
                }
            }
            _ => p.unhandled(Context::VirtualServer, st),
        }
    }

    fn granularity(&mut self, p: &mut Parser, st: &Statement) {
        let Some(w) = p.arg(st, 1, "a netmask (IPv4) or prefix length (IPv6)") else {
            return;
        };
        let family = self.family.unwrap_or(if w.contains('.') {
            Family::Ipv4
        } else {
            Family::Ipv6
        });
        let g = match family {
            Family::Ipv6 => values::unsigned(w)
                .and_then(|v| u8::try_from(v).ok())
                .filter(|v| (1..=128).contains(v))
                .map(Granularity::PrefixLen),
            Family::Ipv4 => w.parse::<Ipv4Addr>().ok().map(Granularity::Netmask),
        };
        match g {
            Some(g) => {
                self.persistence_granularity = Some(g);
                self.family.get_or_insert(family);
                self.persistence_timeout
                    .get_or_insert(DEFAULT_PERSISTENCE_TIMEOUT);
            }
            None => p.error(
                st.location,
                format!("Invalid {family} persistence_granularity specified - {w}"),
            ),
        }
    }

    /// keepalived's `rs_end_handler`: a non-tunnelled real server sets or must match the family.
    fn add_real_server(&mut self, p: &mut Parser, rs: RsBuilder) {
        let tunnelled = rs.forwarding.or(self.forwarding) == Some(ForwardingMethod::Tun);
        if !tunnelled {
            let f = Family::of(&rs.addr);
            match self.family {
                None => self.family = Some(f),
                Some(have) if have != f => {
                    p.error(
                        rs.location,
                        format!("Address family of virtual server and real server {} don't match - skipping real server.", rs.addr),
                    );
                    return;
                }
                Some(_) => {}
            }
        }
        self.real_servers.push(rs);
    }

    /// keepalived's `validate_check_config` for one virtual server.
    fn finish(
        self,
        p: &mut Parser,
        g: &GlobalDefs,
        groups: &[VirtualServerGroup],
    ) -> Option<VirtualServer> {
        let at = self.location;
        let name = self.key.to_string();
        if self.real_servers.is_empty() {
            p.error(
                at,
                format!("Virtual server {name} has no real servers - ignoring"),
            );
            return None;
        }
        // A group counts as an address service if it has address entries (or is not defined
        // yet: validation reports that); its ports are checked against each entry there.
        let group = match &self.key {
            VirtualServiceKey::Group(n) => groups.iter().find(|g| &g.name == n),
            _ => None,
        };
        let by_address = match &self.key {
            VirtualServiceKey::Address { .. } => true,
            VirtualServiceKey::Fwmark(_) => false,
            VirtualServiceKey::Group(_) => group.is_none_or(|g| {
                g.entries
                    .iter()
                    .any(|e| matches!(e, VsgEntry::Range { .. }))
            }),
        };
        let zero_port = match &self.key {
            VirtualServiceKey::Address { port, .. } => *port == 0,
            _ => group.is_some_and(|g| {
                g.entries
                    .iter()
                    .any(|e| matches!(e, VsgEntry::Range { port: 0, .. }))
            }),
        };
        let mut protocol = self.protocol;
        let mut flags = self.flags;
        let mut persistence_timeout = self.persistence_timeout;
        if by_address {
            if protocol.is_none() {
                p.error(
                    at,
                    format!("Virtual server {name}: no protocol set - defaulting to UDP"),
                );
                protocol = Some(Protocol::Udp);
            }
            if flags.one_packet && protocol != Some(Protocol::Udp) {
                p.error(
                    at,
                    format!(
                        "Virtual server {name}: one packet scheduling requires UDP - resetting"
                    ),
                );
                flags.one_packet = false;
            }
            if persistence_timeout.is_none() && zero_port {
                p.error(
                    at,
                    format!("Virtual server {name}: zero port only valid for persistent services - setting"),
                );
                persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
            }
        } else if protocol.is_some() {
            p.error(
                at,
                format!("Warning: Virtual server {name}: protocol specified for fwmark - protocol will be ignored"),
            );
            protocol = None;
        }
        let scheduler = self.scheduler.unwrap_or_else(|| {
            p.error(
                at,
                format!("Virtual server {name}: no scheduler set, setting default 'wlc'"),
            );
            Scheduler::Wlc
        });
        let mut vs_forwarding = self.forwarding;
        let mut default_forwarding = |p: &mut Parser| {
            *vs_forwarding.get_or_insert_with(|| {
                p.error(
                    at,
                    format!("Virtual server {name}: no forwarding method set, setting default NAT"),
                );
                ForwardingMethod::Nat
            })
        };
        let vs_timing = Timing {
            connect_timeout: Some(
                self.timing
                    .connect_timeout
                    .unwrap_or(Duration::from_secs(5)),
            ),
            delay_loop: Some(self.timing.delay_loop.unwrap_or(Duration::from_secs(60))),
            ..self.timing
        };
        let vs_delay_loop = vs_timing.delay_loop.unwrap_or(Duration::from_secs(60));
        let mut real_servers: Vec<RealServer> = Vec::new();
        let mut seen: Vec<(IpAddr, Option<u16>)> = Vec::new();
        for rs in self.real_servers {
            if seen.contains(&(rs.addr, rs.port)) {
                p.error(
                    rs.location,
                    format!(
                        "VS {name}: real server {} is duplicated - removing second rs",
                        rs.addr
                    ),
                );
                continue;
            }
            seen.push((rs.addr, rs.port));
            let forwarding = match rs.forwarding {
                Some(f) => f,
                None => default_forwarding(p),
            };
            let port = real_server_port(
                p,
                &name,
                &self.key,
                forwarding,
                rs.location,
                rs.addr,
                rs.port,
            );
            let timing = Timing {
                retry: rs.timing.retry.or(vs_timing.retry),
                delay_before_retry: rs
                    .timing
                    .delay_before_retry
                    .or(vs_timing.delay_before_retry),
                warmup: rs.timing.warmup.or(vs_timing.warmup),
                delay_loop: rs.timing.delay_loop.or(vs_timing.delay_loop),
                connect_timeout: rs.timing.connect_timeout.or(vs_timing.connect_timeout),
                alpha: None,
            };
            let alpha = rs.timing.alpha.unwrap_or(self.alpha);
            let virtualhost = rs.virtualhost.clone().or_else(|| self.virtualhost.clone());
            let inherited = Inherited {
                addr: rs.addr,
                port,
                timing,
                alpha,
                virtualhost,
                vs_delay_loop,
            };
            let checkers = rs
                .checkers
                .into_iter()
                .filter_map(|c| c.finish(p, &inherited))
                .collect();
            real_servers.push(RealServer {
                location: Some(rs.location),
                addr: rs.addr,
                port,
                weight: rs.weight.unwrap_or(self.weight),
                forwarding,
                upper_threshold: rs.upper_threshold,
                lower_threshold: rs.lower_threshold,
                inhibit_on_failure: rs.inhibit.unwrap_or(self.inhibit),
                alpha,
                notify_up: rs.notify_up,
                notify_down: rs.notify_down,
                virtualhost: rs.virtualhost,
                // keepalived defaults real servers to alerting, unlike everything else.
                smtp_alert: rs
                    .smtp_alert
                    .or(g.smtp_alert_checker)
                    .or(g.smtp_alert)
                    .unwrap_or(true),
                checkers,
            });
        }
        let sorry_server = self.sorry.map(|(addr, port, inhibit, method)| {
            let forwarding = match method {
                Some(f) => f,
                None => default_forwarding(p),
            };
            let port = real_server_port(p, &name, &self.key, forwarding, at, addr, port);
            SorryServer {
                addr,
                port,
                inhibit,
                forwarding,
            }
        });
        let weight_sum = real_servers
            .iter()
            .fold(0u32, |acc, rs| acc.saturating_add(rs.weight));
        let mut quorum = self.quorum;
        if quorum > weight_sum {
            p.error(
                at,
                format!("Warning - quorum {quorum} for {name} exceeds total weight of real servers {weight_sum}, reducing quorum to {weight_sum}"),
            );
            quorum = weight_sum;
        }
        let mut hysteresis = self.hysteresis;
        if quorum > 0 && hysteresis >= quorum {
            p.error(
                at,
                format!("Virtual server {name}: hysteresis {hysteresis} >= quorum {quorum}; setting hysteresis to {}", quorum - 1),
            );
            hysteresis = quorum - 1;
        }
        Some(VirtualServer {
            location: Some(at),
            key: self.key,
            family: self.family.unwrap_or(Family::Ipv4),
            scheduler,
            flags,
            forwarding: vs_forwarding.unwrap_or(ForwardingMethod::Nat),
            protocol,
            persistence_timeout,
            persistence_granularity: self.persistence_granularity,
            delay_loop: vs_delay_loop,
            connect_timeout: vs_timing.connect_timeout.unwrap_or(Duration::from_secs(5)),
            retry: self.timing.retry,
            delay_before_retry: self.timing.delay_before_retry,
            warmup: self.timing.warmup,
            inhibit_on_failure: self.inhibit,
            alpha: self.alpha,
            omega: self.omega,
            quorum,
            hysteresis,
            quorum_up: self.quorum_up,
            quorum_down: self.quorum_down,
            weight: self.weight,
            virtualhost: self.virtualhost,
            smtp_alert: self
                .smtp_alert
                .or(g.smtp_alert_checker)
                .or(g.smtp_alert)
                .unwrap_or(false),
            sorry_server,
            real_servers,
        })
    }
}

/// keepalived's port rules: NAT may translate ports; DR and TUN forward to the virtual server's
/// port, so a different one is reset and a fwmark service takes none.
fn real_server_port(
    p: &mut Parser,
    vs_name: &str,
    key: &VirtualServiceKey,
    forwarding: ForwardingMethod,
    at: Location,
    addr: IpAddr,
    port: Option<u16>,
) -> Option<u16> {
    match key {
        VirtualServiceKey::Address { port: vs_port, .. } => {
            let vs_port = (*vs_port != 0).then_some(*vs_port);
            match port {
                None => vs_port,
                Some(rp) if forwarding != ForwardingMethod::Nat && Some(rp) != vs_port => {
                    p.error(
                        at,
                        format!("WARNING - virtual server {vs_name} and real server {addr}:{rp} ports don't match - resetting"),
                    );
                    vs_port
                }
                Some(rp) => Some(rp),
            }
        }
        VirtualServiceKey::Fwmark(_) => match port {
            Some(rp) if forwarding != ForwardingMethod::Nat => {
                p.error(
                    at,
                    format!("WARNING - fwmark virtual server {vs_name}, real server {addr}:{rp} has port specified - clearing"),
                );
                None
            }
            other => other,
        },
        // Group members may have different ports: checked against the group by validation.
        VirtualServiceKey::Group(_) => port,
    }
}

fn real_server(p: &mut Parser, st: &Statement) -> Option<RsBuilder> {
    let block = p.block(st)?;
    let a = p.arg(st, 1, "ADDRESS [PORT]")?;
    let Some(addr) = values::ip(a) else {
        p.error(
            st.location,
            format!("Invalid real server ip address {a} - skipping"),
        );
        return None;
    };
    let port = match st.words.get(2) {
        None => None,
        Some(w) => match values::port(w) {
            Some(port) => port,
            None => {
                p.error(
                    st.location,
                    format!("Invalid real server port {w}: expected 0-65535 - skipping"),
                );
                return None;
            }
        },
    };
    let mut rs = RsBuilder {
        location: st.location,
        addr,
        port,
        weight: None,
        forwarding: None,
        upper_threshold: None,
        lower_threshold: None,
        inhibit: None,
        notify_up: None,
        notify_down: None,
        virtualhost: None,
        smtp_alert: None,
        timing: Timing::default(),
        checkers: Vec::new(),
    };
    for st in block {
        let Some(kw) = p.keyword(Context::RealServer, st) else {
            continue;
        };
        if rs.timing.keyword(p, kw, st, false) {
            continue;
        }
        match kw {
            "weight" => set_some(&mut rs.weight, p.u32(st, 0, MAX_WEIGHT)),
            "lvs_method" => set_some(&mut rs.forwarding, forwarding(p, st)),
            "uthreshold" => set_some(&mut rs.upper_threshold, p.u32(st, 0, u32::MAX)),
            "lthreshold" => set_some(&mut rs.lower_threshold, p.u32(st, 0, u32::MAX)),
            "inhibit_on_failure" => set_some(&mut rs.inhibit, p.flag(st)),
            "notify_up" => p.set_notify(st, &mut rs.notify_up),
            "notify_down" => p.set_notify(st, &mut rs.notify_down),
            "smtp_alert" => set_some(&mut rs.smtp_alert, p.flag(st)),
            "virtualhost" => set_some(&mut rs.virtualhost, p.string_soft(st, "a host name")),
            "TCP_CHECK" | "HTTP_GET" | "SSL_GET" | "MISC_CHECK" => {
                if let Some(c) = checker::checker(p, kw, st) {
                    rs.checkers.push(c);
                }
            }
            _ => p.unhandled(Context::RealServer, st),
        }
    }
    Some(rs)
}
