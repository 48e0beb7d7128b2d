//! From the typed keepalived model to what the vrrp actor runs: per instance the core's
//! [`vrrp::Config`] plus the I/O settings the core leaves to the driver (interface, family,
//! VIPs, destinations, authentication, notify scripts), the sync groups, and the tracking plan
//! the daemon's tracker runs (the vrrp actor itself only takes each instance's resulting
//! `TrackEvent`).
//!
//! Defaults are already resolved by the parser (`global_defs` GARP timers and `vrrp_version`
//! copied into each instance); what is left here is the multicast group from `global_defs` and
//! the shapes the wire and the ports want. Everything compared on reload lives in
//! [`InstanceSetup`], and nothing positional (file and line) does, so an instance that only moved
//! in the file is "unchanged".

mod map;

pub use map::vip;

use crate::ports::vrrp_net::{AddressScope, Family};
use holdfast_core::checker::{track_plan, TrackPlan};
use holdfast_core::config::model::{self, ScriptUser};
use holdfast_core::vrrp::{self, sync_group::MAX_SYNC_MEMBERS};
use map::instance;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

/// Everything the vrrp actor runs, built by [`VrrpSetup::from_config`].
///
/// Each instance's setup is held once: the actor's running instance, the actor's current setup,
/// the daemon's copy for a restarted run and the one it compares on reload all share it
/// (cloning a `VrrpSetup` copies pointers). Equality still compares contents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VrrpSetup {
    pub instances: Vec<Arc<InstanceSetup>>,
    pub sync_groups: Vec<SyncGroupSetup>,
    /// `global_defs` `script_user`: who runs notify scripts that name no user.
    pub script_user: Option<ScriptUser>,
    /// What the tracker runs (`vrrp_script`s, `track_interface`, `track_file`) and each tracked
    /// instance's lines, sync groups' lines included.
    pub tracking: TrackPlan,
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
    /// Whether the instance has tracked objects (its own or its sync group's): it then starts
    /// only once the tracker has sent its first settled status.
    pub tracked: bool,
    /// Whether the instance's own interface going down puts it in Fault (not `dont_track_primary`).
    pub track_own_interface: bool,
    /// The notify scripts; `None` when none is set (boxed: most instances have none, and a
    /// `Notify` is larger than the rest of the setup).
    pub notify: Option<Box<model::Notify>>,
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
        let tracking = track_plan(config);
        for setup in &mut instances {
            setup.tracked = tracking.instances.iter().any(|t| t.instance == setup.name);
        }
        let mut sync_groups = Vec::new();
        for group in &config.sync_groups {
            if group.group.len() > MAX_SYNC_MEMBERS {
                errors.push(SetupError::TooManyMembers {
                    group: group.name.clone(),
                });
            }
            for member in &group.group {
                if !instances.iter().any(|i| &i.name == member) {
                    errors.push(SetupError::UnknownMember {
                        group: group.name.clone(),
                        member: member.clone(),
                    });
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
                instances: instances.into_iter().map(Arc::new).collect(),
                sync_groups,
                script_user: config.global.script_user.clone(),
                tracking,
            })
        } else {
            Err(errors)
        }
    }
}
