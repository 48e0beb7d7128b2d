//! `vrrp_instance NAME { … }` and `vrrp_sync_group NAME { … }`.

use super::{Family, IpPrefix, NotifyScript, TrackFile, VrrpScript};
use crate::config::diag::Location;
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};

/// The priority of the address owner (RFC 5798 §5.2.4).
pub const PRIORITY_OWNER: u8 = 255;
/// keepalived's default priority for a backup.
pub const PRIORITY_DEFAULT: u8 = 100;
/// The most addresses one advert carries (the VRRP count field is a byte).
pub const MAX_VIRTUAL_ADDRESSES: usize = 255;

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum VrrpVersion {
    /// RFC 3768: whole-second intervals, IPv4 only, optional simple-password authentication.
    #[default]
    V2,
    /// RFC 5798: centisecond intervals, IPv4 and IPv6.
    V3,
}

impl fmt::Display for VrrpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VrrpVersion::V2 => "2",
            VrrpVersion::V3 => "3",
        })
    }
}

/// `state MASTER|BACKUP`: the state an instance wants at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum InitialState {
    Master,
    Backup,
}

/// One `vrrp_instance`, defaults resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpInstance {
    pub name: String,
    /// Where it was defined, for diagnostics.
    #[serde(default)]
    pub location: Option<Location>,
    /// `state` (default: MASTER at priority 255, else BACKUP).
    pub state: InitialState,
    /// `interface`; `None` only for unicast instances with `unicast_src_ip`.
    pub interface: Option<String>,
    /// `virtual_router_id` 1–255; `None` when missing (validation reports it).
    pub virtual_router_id: Option<u8>,
    /// `priority` 1–255 (default 100, or 255 with `state MASTER` and no priority).
    pub priority: u8,
    /// `advert_int` (default 1 s).
    pub advert_int: Duration,
    /// `version` (default: `global_defs` `vrrp_version`, 3 for IPv6).
    pub version: VrrpVersion,
    /// The family of the adverts, from the first address given (default IPv4).
    pub family: Family,
    /// `native_ipv6`.
    pub native_ipv6: bool,
    /// `virtual_ipaddress { … }`: addresses carried in adverts.
    pub virtual_ipaddress: Vec<VirtualAddress>,
    /// `virtual_ipaddress_excluded { … }`: addresses added but not advertised.
    pub virtual_ipaddress_excluded: Vec<VirtualAddress>,
    /// `mcast_src_ip` / `unicast_src_ip`: the source address of adverts.
    pub src_ip: Option<IpAddr>,
    /// `unicast_peer { … }`: unicast adverts when non-empty.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `unicast_ttl` (default 255).
    pub unicast_ttl: Option<u8>,
    /// `mcast_dst_ip`: a multicast group other than the global one.
    pub mcast_dst_ip: Option<IpAddr>,
    /// `authentication { auth_type …; auth_pass … }`.
    pub authentication: Option<Authentication>,
    /// `track_interface { … }`.
    pub track_interfaces: Vec<TrackedInterface>,
    /// `track_script { … }`.
    pub track_scripts: Vec<TrackedScript>,
    /// `track_file { … }`.
    pub track_files: Vec<TrackedFile>,
    /// `dont_track_primary`: the instance's own interface going down does not cause FAULT.
    pub dont_track_primary: bool,
    pub notify: Notify,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay` (default 0).
    pub preempt_delay: Duration,
    /// `garp_master_delay` (default: global `vrrp_garp_master_delay`).
    pub garp_master_delay: Duration,
    /// `garp_master_repeat` (default: global `vrrp_garp_master_repeat`).
    pub garp_master_repeat: u32,
    /// `garp_master_refresh` (default: global; 0 = none).
    pub garp_master_refresh: Duration,
    /// `garp_master_refresh_repeat` (default: global).
    pub garp_master_refresh_repeat: u32,
    /// `garp_lower_prio_delay` (default: global, else `garp_master_delay`).
    pub garp_lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat` (default: global, else `garp_master_repeat`).
    pub garp_lower_prio_repeat: u32,
    /// `accept` / `no_accept` (default: accept).
    pub accept: bool,
    /// `smtp_alert [BOOL]` (default: global `smtp_alert_vrrp`, else `smtp_alert`, else off).
    pub smtp_alert: bool,
}

impl VrrpInstance {
    /// Whether adverts go to unicast peers instead of the multicast group.
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }
}

/// The notify scripts of an instance or sync group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    /// `notify`: called with `INSTANCE|GROUP name state priority`.
    pub any: Option<NotifyScript>,
    pub master: Option<NotifyScript>,
    pub backup: Option<NotifyScript>,
    pub fault: Option<NotifyScript>,
    pub stop: Option<NotifyScript>,
}

impl Notify {
    /// Every script set, with the keyword that set it.
    pub fn scripts(&self) -> impl Iterator<Item = (&'static str, &NotifyScript)> {
        [
            ("notify", &self.any),
            ("notify_master", &self.master),
            ("notify_backup", &self.backup),
            ("notify_fault", &self.fault),
            ("notify_stop", &self.stop),
        ]
        .into_iter()
        .filter_map(|(k, s)| s.as_ref().map(|s| (k, s)))
    }
}

/// One line of `virtual_ipaddress`: `ADDR[/LEN] [brd ADDR|+|-] [dev IF] [scope S] [label L] [no_track]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualAddress {
    pub prefix: IpPrefix,
    /// `dev`: the interface to add it to (default: the instance's).
    pub dev: Option<String>,
    /// `label` (IPv4 only).
    pub label: Option<String>,
    /// `scope` (IPv4 only; default global).
    pub scope: Option<AddressScope>,
    /// `brd` / `broadcast` (IPv4 only).
    pub broadcast: Option<Broadcast>,
    /// `no_track`: the address going missing does not put the instance into FAULT.
    pub no_track: bool,
}

/// An address scope (`ip addr … scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AddressScope {
    Global,
    Site,
    Link,
    Host,
    Nowhere,
    /// A number from `/etc/iproute2/rt_scopes`.
    Other(u8),
}

impl AddressScope {
    /// The kernel's `RT_SCOPE_*` value.
    pub const fn value(self) -> u8 {
        match self {
            AddressScope::Global => 0,
            AddressScope::Site => 200,
            AddressScope::Link => 253,
            AddressScope::Host => 254,
            AddressScope::Nowhere => 255,
            AddressScope::Other(v) => v,
        }
    }
}

/// `brd`: an explicit broadcast address, or `+`/`-` (set the host bits / clear them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Broadcast {
    Address(IpAddr),
    AllOnes,
    AllZeros,
}

/// One `unicast_peer` line: `ADDR [min_ttl N] [max_ttl N]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnicastPeer {
    pub address: IpAddr,
    pub min_ttl: Option<u8>,
    pub max_ttl: Option<u8>,
}

/// `authentication { auth_type PASS|AH; auth_pass SECRET }` (VRRPv2 only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub auth_type: AuthType,
    /// Up to 8 bytes; keepalived truncates longer passwords.
    pub password: String,
}

/// VRRPv2 authentication type (RFC 2338 §5.3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AuthType {
    Pass,
    Ah,
}

/// One `track_interface` line: `IF [weight N [reverse]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedInterface {
    pub name: String,
    /// -253..=253; 0 means "down puts the instance into FAULT".
    pub weight: i16,
    pub reverse: bool,
}

/// One `track_script` line: `NAME [weight N [reverse|noreverse]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedScript {
    pub name: String,
    /// The line's weight; `None` uses the script's own `weight`.
    pub weight: Option<i16>,
    /// The line's `reverse`/`noreverse`; `None` uses the script's.
    pub reverse: Option<bool>,
}

impl TrackedScript {
    /// The weight and direction in effect: the line's, else the script's.
    pub fn resolve(&self, script: &VrrpScript) -> (i16, bool) {
        (
            self.weight.unwrap_or(script.weight),
            self.reverse.unwrap_or(script.weight_reverse),
        )
    }
}

/// One `track_file` line: `NAME [weight N [reverse|noreverse]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedFile {
    pub name: String,
    /// -254..=254; `None` uses the `track_file` block's weight.
    pub weight: Option<i32>,
    /// `None` uses the `track_file` block's direction.
    pub reverse: Option<bool>,
}

impl TrackedFile {
    /// The weight and direction in effect: the line's, else the file's.
    pub fn resolve(&self, file: &TrackFile) -> (i32, bool) {
        (
            self.weight.unwrap_or(file.weight),
            self.reverse.unwrap_or(file.weight_reverse),
        )
    }
}

/// `vrrp_sync_group NAME { group { … } … }`: instances that change state together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroup {
    pub name: String,
    /// Where it was defined, for diagnostics.
    #[serde(default)]
    pub location: Option<Location>,
    /// Member instance names.
    pub group: Vec<String>,
    pub track_interfaces: Vec<TrackedInterface>,
    pub track_scripts: Vec<TrackedScript>,
    pub track_files: Vec<TrackedFile>,
    pub notify: Notify,
    /// `smtp_alert [BOOL]`.
    pub smtp_alert: Option<bool>,
}
