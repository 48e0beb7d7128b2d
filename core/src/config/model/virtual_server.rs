//! `virtual_server … { real_server … { CHECKER { … } } }` and `virtual_server_group NAME { … }`.

use super::{Checker, Family, NotifyScript};
use crate::config::diag::Location;
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};

/// `persistence_timeout` without a value, and the value keepalived forces when a port is 0.
pub const DEFAULT_PERSISTENCE_TIMEOUT: u32 = 360;
/// The longest IPVS persistence timeout keepalived accepts (31 days).
pub const MAX_PERSISTENCE_TIMEOUT: u32 = 86_400 * 31;

/// What a virtual server listens on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VirtualServiceKey {
    /// `virtual_server ADDR PORT` (port 0 or absent: persistent "any port" service).
    Address { addr: IpAddr, port: u16 },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME`.
    Group(String),
}

impl fmt::Display for VirtualServiceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VirtualServiceKey::Address {
                addr: IpAddr::V6(a),
                port,
            } => write!(f, "[{a}]:{port}"),
            VirtualServiceKey::Address { addr, port } => write!(f, "{addr}:{port}"),
            VirtualServiceKey::Fwmark(m) => write!(f, "FWM {m}"),
            VirtualServiceKey::Group(g) => write!(f, "group {g}"),
        }
    }
}

/// An IPVS scheduler (`lb_algo` / `lvs_sched`); the kernel module is `ip_vs_<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Scheduler {
    Rr,
    Wrr,
    Lc,
    /// keepalived's default.
    #[default]
    Wlc,
    Lblc,
    Lblcr,
    Dh,
    Sh,
    Sed,
    Nq,
    Fo,
    Ovf,
    Mh,
    Twos,
}

impl Scheduler {
    /// Every scheduler keepalived 2.2.7 accepts.
    pub const ALL: [Scheduler; 14] = [
        Scheduler::Rr,
        Scheduler::Wrr,
        Scheduler::Lc,
        Scheduler::Wlc,
        Scheduler::Lblc,
        Scheduler::Lblcr,
        Scheduler::Dh,
        Scheduler::Sh,
        Scheduler::Sed,
        Scheduler::Nq,
        Scheduler::Fo,
        Scheduler::Ovf,
        Scheduler::Mh,
        Scheduler::Twos,
    ];

    /// The IPVS name (`"rr"`…).
    pub const fn name(self) -> &'static str {
        match self {
            Scheduler::Rr => "rr",
            Scheduler::Wrr => "wrr",
            Scheduler::Lc => "lc",
            Scheduler::Wlc => "wlc",
            Scheduler::Lblc => "lblc",
            Scheduler::Lblcr => "lblcr",
            Scheduler::Dh => "dh",
            Scheduler::Sh => "sh",
            Scheduler::Sed => "sed",
            Scheduler::Nq => "nq",
            Scheduler::Fo => "fo",
            Scheduler::Ovf => "ovf",
            Scheduler::Mh => "mh",
            Scheduler::Twos => "twos",
        }
    }

    /// The scheduler with this IPVS name.
    pub fn from_name(name: &str) -> Option<Scheduler> {
        Scheduler::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// How IPVS forwards to a real server (`lb_kind` / `lvs_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ForwardingMethod {
    /// Masquerading; keepalived's default.
    #[default]
    Nat,
    /// Direct routing.
    Dr,
    /// IP-in-IP tunnelling.
    Tun,
}

impl ForwardingMethod {
    /// The keyword value (`NAT`, `DR`, `TUN`).
    pub const fn name(self) -> &'static str {
        match self {
            ForwardingMethod::Nat => "NAT",
            ForwardingMethod::Dr => "DR",
            ForwardingMethod::Tun => "TUN",
        }
    }
}

/// A virtual service's transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The IP protocol number.
    pub const fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
        }
    }
}

/// IPVS service flags set by bare keywords in a virtual server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ServiceFlags {
    /// `ops`: one-packet scheduling (UDP only).
    pub one_packet: bool,
    /// `flag-1` / `sh-fallback` / `mh-fallback`.
    pub sched1: bool,
    /// `flag-2` / `sh-port` / `mh-port`.
    pub sched2: bool,
    /// `flag-3`.
    pub sched3: bool,
}

/// `persistence_granularity`: a netmask (IPv4) or prefix length (IPv6) grouping clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Granularity {
    Netmask(core::net::Ipv4Addr),
    PrefixLen(u8),
}

/// One `virtual_server`, defaults resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualServer {
    pub key: VirtualServiceKey,
    /// Where it was defined, for diagnostics.
    #[serde(default)]
    pub location: Option<Location>,
    /// The service's family: from its address, `ip_family`, or its real servers.
    pub family: Family,
    /// `lb_algo` / `lvs_sched` (default wlc).
    pub scheduler: Scheduler,
    pub flags: ServiceFlags,
    /// `lb_kind` / `lvs_method` (default NAT); real servers inherit it.
    pub forwarding: ForwardingMethod,
    /// `protocol` (default UDP for address services, none for fwmark services).
    pub protocol: Option<Protocol>,
    /// `persistence_timeout [SECS]`.
    pub persistence_timeout: Option<u32>,
    pub persistence_granularity: Option<Granularity>,
    /// `delay_loop` (default 60 s).
    pub delay_loop: Duration,
    /// `connect_timeout` (default 5 s).
    pub connect_timeout: Duration,
    /// `retry`, `delay_before_retry`, `warmup`: defaults for the real servers' checkers.
    pub retry: Option<u32>,
    pub delay_before_retry: Option<Duration>,
    pub warmup: Option<Duration>,
    /// `inhibit_on_failure`: failed real servers get weight 0 instead of being removed.
    pub inhibit_on_failure: bool,
    /// `alpha`: real servers start as failed until their checkers pass.
    pub alpha: bool,
    /// `omega`: run `quorum_down`/notify scripts on shutdown too.
    pub omega: bool,
    /// `quorum` (default 1): total weight of live real servers needed.
    pub quorum: u32,
    /// `hysteresis` (default 0).
    pub hysteresis: u32,
    pub quorum_up: Option<NotifyScript>,
    pub quorum_down: Option<NotifyScript>,
    /// `weight` (default 1): the weight of real servers that set none.
    pub weight: u32,
    /// `virtualhost`: default Host header for HTTP checkers.
    pub virtualhost: Option<String>,
    /// `smtp_alert` (resolved against `global_defs`).
    pub smtp_alert: bool,
    pub sorry_server: Option<SorryServer>,
    pub real_servers: Vec<RealServer>,
}

/// `sorry_server ADDR [PORT]` (+ `sorry_server_inhibit`, `sorry_server_lvs_method`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SorryServer {
    pub addr: IpAddr,
    pub port: Option<u16>,
    pub inhibit: bool,
    pub forwarding: ForwardingMethod,
}

/// One `real_server ADDR [PORT] { … }`, defaults inherited from its virtual server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealServer {
    pub addr: IpAddr,
    /// Where it was defined, for diagnostics.
    #[serde(default)]
    pub location: Option<Location>,
    /// The port to forward to: the configured one, else the virtual server's (NAT, DR, TUN with
    /// an address service), `None` for fwmark services without one.
    pub port: Option<u16>,
    /// `weight` (default: the virtual server's `weight`).
    pub weight: u32,
    /// `lvs_method` (default: the virtual server's).
    pub forwarding: ForwardingMethod,
    pub upper_threshold: Option<u32>,
    pub lower_threshold: Option<u32>,
    pub inhibit_on_failure: bool,
    pub alpha: bool,
    pub notify_up: Option<NotifyScript>,
    pub notify_down: Option<NotifyScript>,
    pub virtualhost: Option<String>,
    pub smtp_alert: bool,
    /// Checkers, each with its timing resolved against this server and its virtual server.
    pub checkers: Vec<Checker>,
}

/// `virtual_server_group NAME { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualServerGroup {
    pub name: String,
    pub entries: Vec<VsgEntry>,
}

/// One line of a `virtual_server_group`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VsgEntry {
    /// `ADDR PORT`, `ADDR-LAST PORT` or `ADDR/LEN PORT`: addresses `first..=last`.
    Range {
        first: IpAddr,
        last: IpAddr,
        port: u16,
    },
    /// `fwmark N [inet|inet6]`.
    Fwmark { mark: u32, family: Option<Family> },
}
