//! `vrrp_instance NAME { … }` (keepalived's `vrrp_parser.c`), completed with the defaults and
//! corrections of `vrrp_complete_instance` (`vrrp.c`) that need nothing but the configuration.

use super::global::{at_least_one, set, set_some};
use super::track::{tracked_files, tracked_interfaces, tracked_scripts};
use super::{address, secs_text, values, Parser};
use crate::config::keywords::Context;
use crate::config::model::{
    AuthType, Authentication, Config, Family, GlobalDefs, InitialState, Notify, UnicastPeer,
    VrrpInstance, VrrpVersion, PRIORITY_DEFAULT, PRIORITY_OWNER,
};
use crate::config::syntax::Statement;
use crate::time::Duration;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

/// keepalived's `TIMER_MAX_SEC`, the ceiling of `preempt_delay`.
const MAX_PREEMPT_DELAY: Duration = Duration::from_secs(1000);
/// VRRPv2 carries whole seconds in a byte.
const MAX_ADVERT_V2: Duration = Duration::from_secs(255);
/// VRRPv3 carries centiseconds in 12 bits.
const MAX_ADVERT_V3: Duration = Duration::from_centis(4095);
/// The VRRPv2 authentication data field is 8 bytes.
const AUTH_PASS_LEN: usize = 8;

/// What the block said, before defaults that depend on other keywords are applied.
struct Builder {
    inst: VrrpInstance,
    family: Option<Family>,
    priority: Option<u8>,
    state: Option<InitialState>,
    version: Option<VrrpVersion>,
    accept: Option<bool>,
    smtp_alert: Option<bool>,
    garp_lower_prio_delay: Option<Duration>,
    garp_lower_prio_repeat: Option<u32>,
    auth_type: Option<AuthType>,
    auth_pass: Option<String>,
}

pub(super) fn vrrp_instance(p: &mut Parser, st: &Statement, config: &mut Config) {
    let Some(block) = p.block(st) else { return };
    let [_, name] = st.words.as_slice() else {
        p.error(st.location, "vrrp_instance must have a name");
        return;
    };
    if config.instances.iter().any(|i| &i.name == name) {
        p.error(st.location, format!("vrrp instance {name} already defined"));
        return;
    }
    let mut b = Builder::new(name.clone(), &config.global);
    b.inst.location = Some(st.location);
    for st in block {
        let Some(kw) = p.keyword(Context::VrrpInstance, st) else {
            continue;
        };
        b.keyword(p, kw, st);
    }
    let inst = b.finish(p, st, &config.global);
    config.instances.push(inst);
}

impl Builder {
    /// An instance with keepalived's defaults; GARP timers come from `global_defs` as read so
    /// far, because keepalived copies them when the instance starts.
    fn new(name: String, g: &GlobalDefs) -> Self {
        Builder {
            inst: VrrpInstance {
                location: None,
                name,
                state: InitialState::Backup,
                interface: None,
                virtual_router_id: None,
                priority: PRIORITY_DEFAULT,
                advert_int: Duration::from_secs(1),
                version: VrrpVersion::V2,
                family: Family::Ipv4,
                native_ipv6: false,
                virtual_ipaddress: Vec::new(),
                virtual_ipaddress_excluded: Vec::new(),
                src_ip: None,
                unicast_peers: Vec::new(),
                unicast_ttl: None,
                mcast_dst_ip: None,
                authentication: None,
                track_interfaces: Vec::new(),
                track_scripts: Vec::new(),
                track_files: Vec::new(),
                dont_track_primary: false,
                notify: Notify::default(),
                nopreempt: false,
                preempt_delay: Duration::ZERO,
                garp_master_delay: g.vrrp_garp_master_delay,
                garp_master_repeat: g.vrrp_garp_master_repeat,
                garp_master_refresh: g.vrrp_garp_master_refresh,
                garp_master_refresh_repeat: g.vrrp_garp_master_refresh_repeat,
                garp_lower_prio_delay: Duration::ZERO,
                garp_lower_prio_repeat: 0,
                accept: true,
                smtp_alert: false,
            },
            family: None,
            priority: None,
            state: None,
            version: None,
            accept: None,
            smtp_alert: None,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            auth_type: None,
            auth_pass: None,
        }
    }

    fn keyword(&mut self, p: &mut Parser, kw: &str, st: &Statement) {
        let i = &mut self.inst;
        match kw {
            "state" => self.state(p, st),
            "interface" => {
                if let Some(name) = p.string(st, "an interface name") {
                    // IFNAMSIZ is 16 including the terminating NUL.
                    if name.len() >= 16 {
                        p.error(
                            st.location,
                            format!("Interface name '{name}' too long - ignoring"),
                        );
                    } else {
                        i.interface = Some(name);
                    }
                }
            }
            "virtual_router_id" => {
                if let Some(v) = p.uint(st, 1, 255).and_then(|v| u8::try_from(v).ok()) {
                    i.virtual_router_id = Some(v);
                }
            }
            "priority" => {
                self.priority = Some(
                    p.uint(st, 1, PRIORITY_OWNER.into())
                        .and_then(|v| u8::try_from(v).ok())
                        .unwrap_or(PRIORITY_DEFAULT),
                );
            }
            "advert_int" => set(
                &mut i.advert_int,
                p.seconds(st, Duration::from_millis(10), MAX_ADVERT_V2),
            ),
            "version" => {
                if let Some(v) = p.uint(st, 2, 3) {
                    self.version = Some(if v == 2 {
                        VrrpVersion::V2
                    } else {
                        VrrpVersion::V3
                    });
                }
            }
            "native_ipv6" => {
                if self.family == Some(Family::Ipv4) {
                    p.error(
                        st.location,
                        format!(
                            "({}) Cannot specify native_ipv6 with IPv4 addresses",
                            i.name
                        ),
                    );
                } else {
                    self.family = Some(Family::Ipv6);
                    self.version = Some(VrrpVersion::V3);
                    i.native_ipv6 = true;
                }
            }
            "virtual_ipaddress" => self.addresses(p, st, false),
            "virtual_ipaddress_excluded" => self.addresses(p, st, true),
            "mcast_src_ip" | "unicast_src_ip" => {
                if let Some(a) = p.ip_at(st, 1) {
                    if self.family_matches(p, st, &a) {
                        self.inst.src_ip = Some(a);
                    }
                }
            }
            "unicast_peer" => self.unicast_peers(p, st),
            "unicast_ttl" => {
                if let Some(v) = p.uint(st, 0, 255).and_then(|v| u8::try_from(v).ok()) {
                    i.unicast_ttl = Some(v);
                }
            }
            "mcast_dst_ip" => self.mcast_dst_ip(p, st),
            "authentication" => self.authentication(p, st),
            "track_interface" => {
                let name = i.name.clone();
                tracked_interfaces(p, st, &name, &mut self.inst.track_interfaces)
            }
            "track_script" => {
                let name = i.name.clone();
                tracked_scripts(p, st, &name, &mut self.inst.track_scripts)
            }
            "track_file" => {
                let name = i.name.clone();
                tracked_files(p, st, &name, &mut self.inst.track_files)
            }
            "dont_track_primary" => i.dont_track_primary = true,
            "notify" => p.set_notify(st, &mut i.notify.any),
            "notify_master" => p.set_notify(st, &mut i.notify.master),
            "notify_backup" => p.set_notify(st, &mut i.notify.backup),
            "notify_fault" => p.set_notify(st, &mut i.notify.fault),
            "notify_stop" => p.set_notify(st, &mut i.notify.stop),
            "nopreempt" => i.nopreempt = true,
            "preempt" => i.nopreempt = false,
            "preempt_delay" => match p.seconds(st, Duration::ZERO, MAX_PREEMPT_DELAY) {
                Some(d) => i.preempt_delay = d,
                None => i.preempt_delay = Duration::ZERO,
            },
            "garp_master_delay" => set(
                &mut i.garp_master_delay,
                p.whole_seconds(st, 0, u64::from(u32::MAX) / 1_000_000),
            ),
            "garp_master_repeat" => set(&mut i.garp_master_repeat, at_least_one(p, st)),
            "garp_master_refresh" => set(
                &mut i.garp_master_refresh,
                p.whole_seconds(st, 0, u32::MAX.into()),
            ),
            "garp_master_refresh_repeat" => {
                set(&mut i.garp_master_refresh_repeat, at_least_one(p, st))
            }
            "garp_lower_prio_delay" => set_some(
                &mut self.garp_lower_prio_delay,
                p.whole_seconds(st, 0, u64::from(u32::MAX) / 1_000_000),
            ),
            "garp_lower_prio_repeat" => set_some(
                &mut self.garp_lower_prio_repeat,
                p.u32(st, 0, i32::MAX as u32),
            ),
            "accept" => self.accept = Some(true),
            "no_accept" => self.accept = Some(false),
            "smtp_alert" => set_some(&mut self.smtp_alert, p.flag(st)),
            _ => p.unhandled(Context::VrrpInstance, st),
        }
    }

    fn state(&mut self, p: &mut Parser, st: &Statement) {
        let Some(w) = p.arg(st, 1, "MASTER or BACKUP") else {
            return;
        };
        match w {
            "MASTER" => self.state = Some(InitialState::Master),
            "BACKUP" if self.state == Some(InitialState::Master) => p.error(
                st.location,
                format!(
                    "({}) state previously set as MASTER - ignoring BACKUP",
                    self.inst.name
                ),
            ),
            "BACKUP" => self.state = Some(InitialState::Backup),
            other => {
                p.error(
                    st.location,
                    format!(
                        "state '{other}' is not valid: expected MASTER or BACKUP; using BACKUP"
                    ),
                );
                self.state = Some(InitialState::Backup);
            }
        }
    }

    /// Takes the instance's family from its first address; later addresses must agree.
    fn family_matches(&mut self, p: &mut Parser, st: &Statement, addr: &IpAddr) -> bool {
        let f = Family::of(addr);
        match self.family {
            None => {
                self.family = Some(f);
                true
            }
            Some(fam) if fam == f => true,
            Some(fam) => {
                p.error(
                    st.location,
                    format!(
                        "({}) {} address {addr} does not match the instance's family {fam} - ignoring",
                        self.inst.name,
                        st.keyword()
                    ),
                );
                false
            }
        }
    }

    fn addresses(&mut self, p: &mut Parser, st: &Statement, excluded: bool) {
        let Some(block) = p.block(st) else { return };
        for line in block {
            let Some(va) = address::virtual_address(p, line) else {
                continue;
            };
            if excluded {
                // keepalived lets excluded addresses be of either family.
                self.inst.virtual_ipaddress_excluded.push(va);
                continue;
            }
            let f = va.prefix.family();
            match self.family {
                None => self.family = Some(f),
                Some(fam) if fam != f => {
                    p.error(
                        line.location,
                        format!(
                            "({}): address family must match VRRP instance [{}] - ignoring",
                            self.inst.name,
                            line.keyword()
                        ),
                    );
                    continue;
                }
                Some(_) => {}
            }
            self.inst.virtual_ipaddress.push(va);
        }
    }

    fn unicast_peers(&mut self, p: &mut Parser, st: &Statement) {
        let Some(block) = p.block(st) else { return };
        for line in block {
            let w = line.keyword();
            let Some(address) = values::ip(w) else {
                p.error(
                    line.location,
                    format!("unicast_peer '{w}' is not an IP address - skipping"),
                );
                continue;
            };
            if !self.family_matches(p, line, &address) {
                continue;
            }
            let mut peer = UnicastPeer {
                address,
                min_ttl: None,
                max_ttl: None,
            };
            for pair in line.args().chunks(2) {
                let (opt, value) = match pair {
                    [o, v] => (o.as_str(), v.as_str()),
                    [o] => {
                        p.error(
                            line.location,
                            format!("unicast_peer option {o} is missing a value"),
                        );
                        break;
                    }
                    _ => break,
                };
                let Some(ttl) = values::unsigned(value).and_then(|v| u8::try_from(v).ok()) else {
                    p.error(
                        line.location,
                        format!("unicast_peer {opt} '{value}' out of range: expected 0-255"),
                    );
                    continue;
                };
                match opt {
                    "min_ttl" => peer.min_ttl = Some(ttl),
                    "max_ttl" => peer.max_ttl = Some(ttl),
                    o => {
                        p.error(
                            line.location,
                            format!("unicast_peer option '{o}' is not valid: expected min_ttl or max_ttl"),
                        );
                        break;
                    }
                }
            }
            if peer.min_ttl.unwrap_or(0) > peer.max_ttl.unwrap_or(255) {
                p.error(
                    line.location,
                    format!(
                        "({}) min_ttl {} > max_ttl {} - all packets will be discarded",
                        self.inst.name,
                        peer.min_ttl.unwrap_or(0),
                        peer.max_ttl.unwrap_or(255)
                    ),
                );
            }
            self.inst.unicast_peers.push(peer);
        }
    }

    fn mcast_dst_ip(&mut self, p: &mut Parser, st: &Statement) {
        let Some(a) = p.ip_at(st, 1) else { return };
        let ok = match a {
            IpAddr::V4(v4) => v4.is_multicast(),
            // Link-local multicast, ff02::/16.
            IpAddr::V6(v6) => v6.segments().first() == Some(&0xff02),
        };
        if !ok {
            p.error(
                st.location,
                format!(
                    "({}) mcast_dst_ip {a} not multicast. Skipping...",
                    self.inst.name
                ),
            );
            return;
        }
        if self.family_matches(p, st, &a) {
            self.inst.mcast_dst_ip = Some(a);
        }
    }

    fn authentication(&mut self, p: &mut Parser, st: &Statement) {
        let Some(block) = p.block(st) else { return };
        for line in block {
            let Some(kw) = p.keyword(Context::Authentication, line) else {
                continue;
            };
            match kw {
                "auth_type" => match p.arg(line, 1, "PASS or AH") {
                    Some("PASS") => self.auth_type = Some(AuthType::Pass),
                    Some("AH") => self.auth_type = Some(AuthType::Ah),
                    Some(other) => p.error(
                        line.location,
                        format!("auth_type '{other}' is not valid: expected PASS or AH"),
                    ),
                    None => {}
                },
                "auth_pass" => {
                    if let Some(mut pass) = p.string(line, "a password") {
                        if pass.len() > AUTH_PASS_LEN {
                            p.error(
                                line.location,
                                format!("Truncating auth_pass to {AUTH_PASS_LEN} characters"),
                            );
                            let mut end = AUTH_PASS_LEN;
                            while !pass.is_char_boundary(end) {
                                end -= 1;
                            }
                            pass.truncate(end);
                        }
                        self.auth_pass = Some(pass);
                    }
                }
                _ => p.unhandled(Context::Authentication, line),
            }
        }
    }

    /// keepalived's `vrrp_complete_instance`, minus what needs the system.
    fn finish(mut self, p: &mut Parser, st: &Statement, g: &GlobalDefs) -> VrrpInstance {
        let at = st.location;
        let name = self.inst.name.clone();
        let family = self.family.unwrap_or(Family::Ipv4);
        self.inst.family = family;
        self.inst.version = match (family, self.version) {
            (Family::Ipv6, Some(VrrpVersion::V2)) => {
                p.error(
                    at,
                    format!("({name}) VRRP version 2 cannot carry IPv6; using version 3"),
                );
                VrrpVersion::V3
            }
            (Family::Ipv6, None) => VrrpVersion::V3,
            (_, Some(v)) => v,
            (Family::Ipv4, None) => g.vrrp_version,
        };
        self.inst.priority = match (self.priority, self.state) {
            (Some(p), _) => p,
            (None, Some(InitialState::Master)) => PRIORITY_OWNER,
            (None, _) => PRIORITY_DEFAULT,
        };
        self.inst.state = self
            .state
            .unwrap_or(if self.inst.priority == PRIORITY_OWNER {
                InitialState::Master
            } else {
                InitialState::Backup
            });
        self.finish_authentication(p, st);
        let inst = &mut self.inst;
        if let Some(own) = inst.interface.clone() {
            inst.track_interfaces.retain(|t| {
                if t.name != own {
                    return true;
                }
                p.error(
                    at,
                    format!("({name}) Ignoring track_interface {own} since own interface"),
                );
                false
            });
        }
        if inst.priority == PRIORITY_OWNER && inst.nopreempt {
            p.error(
                at,
                format!(
                    "({name}) nopreempt is incompatible with priority 255. resetting nopreempt"
                ),
            );
            inst.nopreempt = false;
        }
        if inst.state == InitialState::Master {
            if inst.nopreempt {
                p.error(
                    at,
                    format!("({name}) Warning - nopreempt will not work with initial state MASTER - clearing"),
                );
                inst.nopreempt = false;
            }
            if inst.preempt_delay > Duration::ZERO {
                p.error(
                    at,
                    format!("({name}) Warning - preempt delay will not work with initial state MASTER - clearing"),
                );
                inst.preempt_delay = Duration::ZERO;
            }
        }
        if inst.preempt_delay > Duration::ZERO && inst.nopreempt {
            p.error(
                at,
                format!("({name}) preempt_delay is incompatible with nopreempt mode - resetting"),
            );
            inst.preempt_delay = Duration::ZERO;
        }
        if inst.unicast_peers.is_empty() && inst.unicast_ttl.is_some() {
            p.error(
                at,
                format!("({name}): Cannot use unicast_ttl without unicast peers - resetting"),
            );
            inst.unicast_ttl = None;
        }
        if !inst.unicast_peers.is_empty() && inst.mcast_dst_ip.is_some() {
            p.error(
                at,
                format!("({name}) multicast destination specified with unicast - ignoring"),
            );
            inst.mcast_dst_ip = None;
        }
        inst.accept = self.accept.unwrap_or(true);
        inst.smtp_alert = self
            .smtp_alert
            .or(g.smtp_alert_vrrp)
            .or(g.smtp_alert)
            .unwrap_or(false);
        inst.garp_lower_prio_delay = self
            .garp_lower_prio_delay
            .or(g.vrrp_garp_lower_prio_delay)
            .unwrap_or(g.vrrp_garp_master_delay);
        inst.garp_lower_prio_repeat = self
            .garp_lower_prio_repeat
            .or(g.vrrp_garp_lower_prio_repeat)
            .unwrap_or(g.vrrp_garp_master_repeat);
        round_advert_int(p, st, inst);
        self.inst
    }

    fn finish_authentication(&mut self, p: &mut Parser, st: &Statement) {
        let Some(auth_type) = self.auth_type else {
            return;
        };
        let name = &self.inst.name;
        let drop_reason = if self.inst.version == VrrpVersion::V3 {
            Some("VRRP version 3 does not support authentication. Ignoring.")
        } else if self.auth_pass.as_deref().unwrap_or("").is_empty() {
            Some("Authentication specified but no password given. Ignoring")
        } else if self.inst.family == Family::Ipv6 && auth_type == AuthType::Ah {
            Some("Cannot use AH authentication with IPv6. ignoring")
        } else {
            None
        };
        if let Some(reason) = drop_reason {
            p.error(st.location, format!("({name}) {reason}"));
            return;
        }
        if auth_type == AuthType::Ah
            && self.inst.state == InitialState::Master
            && self.inst.priority != PRIORITY_OWNER
        {
            p.error(
                st.location,
                format!("({name}) Initial state master is incompatible with AH authentication - clearing"),
            );
            self.inst.state = InitialState::Backup;
        }
        self.inst.authentication = Some(Authentication {
            auth_type,
            password: self.auth_pass.take().unwrap_or_default(),
        });
    }
}

/// VRRPv2 carries whole seconds, VRRPv3 centiseconds below 40.96 s: keepalived rounds to the
/// nearest unit (never to zero) and says so.
fn round_advert_int(p: &mut Parser, st: &Statement, inst: &mut VrrpInstance) {
    let ms = inst.advert_int.total_millis();
    let name = &inst.name;
    let (unit, max) = match inst.version {
        VrrpVersion::V2 => (1000, MAX_ADVERT_V2),
        VrrpVersion::V3 => (10, MAX_ADVERT_V3),
    };
    if inst.advert_int > max {
        p.error(
            st.location,
            format!(
                "({name}) VRRPv{} advertisement interval {}s is out of range. Setting to {}s",
                inst.version,
                secs_text(inst.advert_int),
                secs_text(max)
            ),
        );
        inst.advert_int = max;
        return;
    }
    if !ms.is_multiple_of(unit) {
        let rounded = ((ms + unit / 2) / unit * unit).max(unit);
        let what = if unit == 1000 {
            "must be an integer"
        } else {
            "must be in units of 10ms"
        };
        p.error(
            st.location,
            format!(
                "({name}) VRRPv{} advertisement interval {}s {what} - rounding to {}s",
                inst.version,
                secs_text(inst.advert_int),
                secs_text(Duration::from_millis(rounded))
            ),
        );
        inst.advert_int = Duration::from_millis(rounded);
    }
}
