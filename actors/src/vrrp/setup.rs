//! From the typed keepalived model to what the vrrp actor runs: per instance the core's
//! [`vrrp::Config`] plus the I/O settings the core leaves to the driver (interface, family,
//! VIPs, destinations, authentication, tracking weights, notify scripts), and the sync groups.
//!
//! Defaults are already resolved by the parser (`global_defs` GARP timers and `vrrp_version`
//! copied into each instance); what is left here is the multicast group from `global_defs` and
//! the shapes the wire and the ports want. Everything compared on reload lives in
//! [`InstanceSetup`], and nothing positional (file and line) does, so an instance that only moved
//! in the file is "unchanged".

use crate::ports::vrrp_net::{AddressScope, Family};
use holdfast_core::config::model::{self, Broadcast, ScriptUser};
use holdfast_core::vrrp::{self, sync_group::MAX_SYNC_MEMBERS, AdvertInterval, GarpSchedule};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU8;

/// Everything the vrrp actor runs, built by [`VrrpSetup::from_config`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VrrpSetup {
    pub instances: Vec<InstanceSetup>,
    pub sync_groups: Vec<SyncGroupSetup>,
    /// `global_defs` `script_user`: who runs notify scripts that name no user.
    pub script_user: Option<ScriptUser>,
}

/// One `vrrp_instance`, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSetup {
    pub name: String,
    /// The protocol settings. `primary_address` is `src_ip` when configured, else the family's
    /// unspecified address: the actor fills in the interface's primary address at start.
    pub protocol: vrrp::Config,
    /// `interface`: where adverts are sent and received.
    pub interface: String,
    pub family: Family,
    /// `virtual_ipaddress`: added when Master and carried in adverts.
    pub vips: Vec<Vip>,
    /// `virtual_ipaddress_excluded`: added when Master, not advertised.
    pub excluded_vips: Vec<Vip>,
    /// `mcast_src_ip` / `unicast_src_ip`.
    pub src_ip: Option<IpAddr>,
    /// Where adverts go.
    pub destinations: Destinations,
    /// VRRPv2 authentication.
    pub auth: AdvertAuth,
    /// `track_interface` lines, the instance's and its sync group's.
    pub track_interfaces: Vec<TrackWeight>,
    /// `track_script` lines, resolved against their `vrrp_script`.
    pub track_scripts: Vec<TrackWeight>,
    /// Whether the instance's own interface going down puts it in Fault (not `dont_track_primary`).
    pub track_own_interface: bool,
    pub notify: model::Notify,
}

impl InstanceSetup {
    /// Every VIP the instance adds, advertised first.
    pub fn all_vips(&self) -> impl Iterator<Item = &Vip> {
        self.vips.iter().chain(&self.excluded_vips)
    }

    /// Whether adverts go to unicast peers.
    pub fn is_unicast(&self) -> bool {
        matches!(self.destinations, Destinations::Unicast(_))
    }
}

/// One `virtual_ipaddress` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vip {
    /// `dev`; `None` is the instance's interface.
    pub dev: Option<String>,
    pub address: IpAddr,
    pub prefix_len: u8,
    pub label: Option<String>,
    pub scope: AddressScope,
    /// `brd`, resolved (`+` and `-` become addresses).
    pub broadcast: Option<Ipv4Addr>,
}

impl Vip {
    /// The interface the VIP goes on.
    pub fn interface<'a>(&'a self, instance_interface: &'a str) -> &'a str {
        self.dev.as_deref().unwrap_or(instance_interface)
    }
}

/// Where an instance sends its adverts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destinations {
    /// The multicast group (`mcast_dst_ip`, else `global_defs` `vrrp_mcast_group4/6`).
    Group(IpAddr),
    /// `unicast_peer`: each peer gets its own copy; the TTL is not checked on receipt.
    Unicast(Vec<IpAddr>),
}

/// VRRPv2 authentication of sent and received adverts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvertAuth {
    None,
    /// `auth_type PASS`: the password, NUL-padded or cut to 8 bytes as keepalived does.
    Pass([u8; 8]),
}

/// One tracked object's weight (keepalived: `weight` and `reverse`; 0 means "failure is Fault").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackWeight {
    pub name: String,
    pub weight: i32,
    pub reverse: bool,
}

/// One `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncGroupSetup {
    pub name: String,
    /// Member instance names, in configuration order.
    pub members: Vec<String>,
    pub notify: model::Notify,
}

/// Why a configuration cannot be run. `holdfast -t` reports these cases earlier; this is the
/// actor's own guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    MissingVrid {
        instance: String,
    },
    /// Unicast instances without `interface` are not supported.
    MissingInterface {
        instance: String,
    },
    BadPriority {
        instance: String,
    },
    BadInterval {
        instance: String,
        reason: String,
    },
    /// VRRPv2 is IPv4 only (RFC 3768).
    V2OverIpv6 {
        instance: String,
    },
    /// `auth_type AH` is not implemented.
    AuthAh {
        instance: String,
    },
    UnknownTrackScript {
        instance: String,
        script: String,
    },
    UnknownMember {
        group: String,
        member: String,
    },
    TooManyMembers {
        group: String,
    },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::MissingVrid { instance } => {
                write!(f, "({instance}) the virtual router id must be set")
            }
            SetupError::MissingInterface { instance } => {
                write!(f, "({instance}) an interface is required")
            }
            SetupError::BadPriority { instance } => write!(f, "({instance}) priority 0"),
            SetupError::BadInterval { instance, reason } => write!(f, "({instance}) {reason}"),
            SetupError::V2OverIpv6 { instance } => {
                write!(f, "({instance}) VRRPv2 cannot carry IPv6 addresses")
            }
            SetupError::AuthAh { instance } => {
                write!(f, "({instance}) auth_type AH is not supported")
            }
            SetupError::UnknownTrackScript { instance, script } => {
                write!(f, "({instance}) track_script {script} is not defined")
            }
            SetupError::UnknownMember { group, member } => {
                write!(f, "sync group {group}: no vrrp_instance {member}")
            }
            SetupError::TooManyMembers { group } => {
                write!(
                    f,
                    "sync group {group}: more than {MAX_SYNC_MEMBERS} members"
                )
            }
        }
    }
}

impl VrrpSetup {
    /// Maps a whole configuration; every problem is reported, not only the first.
    pub fn from_config(config: &model::Config) -> Result<VrrpSetup, Vec<SetupError>> {
        let mut errors = Vec::new();
        let mut instances = Vec::new();
        for inst in &config.instances {
            match instance(config, inst) {
                Ok(setup) => instances.push(setup),
                Err(e) => errors.push(e),
            }
        }
        let mut sync_groups = Vec::new();
        for group in &config.sync_groups {
            if group.group.len() > MAX_SYNC_MEMBERS {
                errors.push(SetupError::TooManyMembers {
                    group: group.name.clone(),
                });
            }
            for member in &group.group {
                let Some(setup) = instances.iter_mut().find(|i| &i.name == member) else {
                    errors.push(SetupError::UnknownMember {
                        group: group.name.clone(),
                        member: member.clone(),
                    });
                    continue;
                };
                // keepalived applies a group's tracked objects to every member.
                setup
                    .track_interfaces
                    .extend(group.track_interfaces.iter().map(track_interface));
                for line in &group.track_scripts {
                    match track_script(config, line) {
                        Some(t) => setup.track_scripts.push(t),
                        None => errors.push(SetupError::UnknownTrackScript {
                            instance: member.clone(),
                            script: line.name.clone(),
                        }),
                    }
                }
            }
            sync_groups.push(SyncGroupSetup {
                name: group.name.clone(),
                members: group.group.clone(),
                notify: group.notify.clone(),
            });
        }
        if errors.is_empty() {
            Ok(VrrpSetup {
                instances,
                sync_groups,
                script_user: config.global.script_user.clone(),
            })
        } else {
            Err(errors)
        }
    }
}

fn instance(
    config: &model::Config,
    inst: &model::VrrpInstance,
) -> Result<InstanceSetup, SetupError> {
    let name = || inst.name.clone();
    let vrid = inst
        .virtual_router_id
        .and_then(NonZeroU8::new)
        .ok_or_else(|| SetupError::MissingVrid { instance: name() })?;
    let interface = inst
        .interface
        .clone()
        .ok_or_else(|| SetupError::MissingInterface { instance: name() })?;
    let priority = vrrp::Priority::new(inst.priority)
        .ok_or_else(|| SetupError::BadPriority { instance: name() })?;
    let family = match inst.family {
        model::Family::Ipv4 => Family::Ipv4,
        model::Family::Ipv6 => Family::Ipv6,
    };
    let version = match inst.version {
        model::VrrpVersion::V2 => vrrp::Version::V2,
        model::VrrpVersion::V3 => vrrp::Version::V3,
    };
    if version == vrrp::Version::V2 && family == Family::Ipv6 {
        return Err(SetupError::V2OverIpv6 { instance: name() });
    }
    let centis = u16::try_from(inst.advert_int.total_centis()).unwrap_or(u16::MAX);
    let advert_interval =
        AdvertInterval::from_centis(centis).ok_or_else(|| SetupError::BadInterval {
            instance: name(),
            reason: "advert_int 0".into(),
        })?;
    let unspecified = match family {
        Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let protocol = vrrp::Config {
        vrid,
        version,
        priority,
        advert_interval,
        preempt: !inst.nopreempt,
        preempt_delay: inst.preempt_delay,
        accept: inst.accept,
        primary_address: inst.src_ip.unwrap_or(unspecified),
        garp: GarpSchedule {
            delay: inst.garp_master_delay,
            repeat: saturate(inst.garp_master_repeat),
            refresh: inst.garp_master_refresh,
            refresh_repeat: saturate(inst.garp_master_refresh_repeat),
        },
        lower_prio_no_advert: false,
    };
    protocol.check().map_err(|e| SetupError::BadInterval {
        instance: name(),
        reason: e.to_string(),
    })?;
    let auth = match &inst.authentication {
        None => AdvertAuth::None,
        Some(a) if a.auth_type == model::AuthType::Ah => {
            return Err(SetupError::AuthAh { instance: name() })
        }
        Some(a) => {
            let mut pass = [0u8; 8];
            for (slot, byte) in pass.iter_mut().zip(a.password.bytes()) {
                *slot = byte;
            }
            AdvertAuth::Pass(pass)
        }
    };
    let destinations = if inst.is_unicast() {
        Destinations::Unicast(inst.unicast_peers.iter().map(|p| p.address).collect())
    } else {
        Destinations::Group(
            inst.mcast_dst_ip
                .unwrap_or_else(|| config.global.vrrp_mcast_group(inst.family)),
        )
    };
    let mut track_scripts = Vec::new();
    for line in &inst.track_scripts {
        track_scripts.push(track_script(config, line).ok_or_else(|| {
            SetupError::UnknownTrackScript {
                instance: name(),
                script: line.name.clone(),
            }
        })?);
    }
    Ok(InstanceSetup {
        name: name(),
        protocol,
        interface,
        family,
        vips: inst.virtual_ipaddress.iter().map(vip).collect(),
        excluded_vips: inst.virtual_ipaddress_excluded.iter().map(vip).collect(),
        src_ip: inst.src_ip,
        destinations,
        auth,
        track_interfaces: inst.track_interfaces.iter().map(track_interface).collect(),
        track_scripts,
        track_own_interface: !inst.dont_track_primary,
        notify: inst.notify.clone(),
    })
}

fn saturate(value: u32) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

fn track_interface(line: &model::TrackedInterface) -> TrackWeight {
    TrackWeight {
        name: line.name.clone(),
        weight: i32::from(line.weight),
        reverse: line.reverse,
    }
}

fn track_script(config: &model::Config, line: &model::TrackedScript) -> Option<TrackWeight> {
    let script = config.vrrp_script(&line.name)?;
    let (weight, reverse) = line.resolve(script);
    Some(TrackWeight {
        name: line.name.clone(),
        weight: i32::from(weight),
        reverse,
    })
}

/// One `virtual_ipaddress` line in the port's terms. `brd +` sets the host bits of the address,
/// `brd -` clears them (iproute2's meaning, which keepalived follows).
pub fn vip(va: &model::VirtualAddress) -> Vip {
    let scope = match va.scope {
        None | Some(model::AddressScope::Global) => AddressScope::Global,
        Some(model::AddressScope::Site) => AddressScope::Site,
        Some(model::AddressScope::Link) => AddressScope::Link,
        Some(model::AddressScope::Host) => AddressScope::Host,
        Some(model::AddressScope::Nowhere) => AddressScope::Nowhere,
        Some(model::AddressScope::Other(v)) => AddressScope::Other(v),
    };
    let broadcast = match (va.prefix.addr, va.broadcast) {
        (IpAddr::V4(_), Some(Broadcast::Address(IpAddr::V4(b)))) => Some(b),
        (IpAddr::V4(a), Some(Broadcast::AllOnes)) => {
            Some(Ipv4Addr::from(u32::from(a) | !prefix_mask(va.prefix.len)))
        }
        (IpAddr::V4(a), Some(Broadcast::AllZeros)) => {
            Some(Ipv4Addr::from(u32::from(a) & prefix_mask(va.prefix.len)))
        }
        _ => None,
    };
    Vip {
        dev: va.dev.clone(),
        address: va.prefix.addr,
        prefix_len: va.prefix.len,
        label: va.label.clone(),
        scope,
        broadcast,
    }
}

fn prefix_mask(len: u8) -> u32 {
    u32::MAX
        .checked_shl(32u32.saturating_sub(u32::from(len)))
        .unwrap_or(0)
}
