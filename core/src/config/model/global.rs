//! `global_defs { … }`: daemon-wide settings and the defaults VRRP instances start from.

use super::{Family, ScriptUser, VrrpVersion};
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use serde::{Deserialize, Serialize};

/// The VRRP IPv4 multicast group (RFC 5798 §5.1.1.2).
pub const VRRP_MCAST_GROUP4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The VRRP IPv6 multicast group (RFC 5798 §5.1.2.2).
pub const VRRP_MCAST_GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// `max_auto_priority` without a value: the highest SCHED_RR priority on Linux.
pub const MAX_RT_PRIORITY: i32 = 99;

/// `global_defs`, with keepalived's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalDefs {
    /// `router_id` (keepalived uses the host name when absent).
    pub router_id: Option<String>,
    /// `notification_email { … }` addresses.
    pub notification_email: Vec<String>,
    /// `notification_email_from`.
    pub notification_email_from: Option<String>,
    /// `smtp_server HOST [PORT]`.
    pub smtp_server: Option<SmtpServer>,
    /// `smtp_helo_name`.
    pub smtp_helo_name: Option<String>,
    /// `smtp_connect_timeout` (default 30 s).
    pub smtp_connect_timeout: Duration,
    /// `smtp_alert [BOOL]`: the default for every alerting object; `None` when not given.
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_vrrp [BOOL]`.
    pub smtp_alert_vrrp: Option<bool>,
    /// `smtp_alert_checker [BOOL]`.
    pub smtp_alert_checker: Option<bool>,
    /// `script_user USER [GROUP]`.
    pub script_user: Option<ScriptUser>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `vrrp_version 2|3` (default 2).
    pub vrrp_version: VrrpVersion,
    /// `vrrp_mcast_group4` (default 224.0.0.18).
    pub vrrp_mcast_group4: Ipv4Addr,
    /// `vrrp_mcast_group6` (default ff02::12).
    pub vrrp_mcast_group6: Ipv6Addr,
    /// `vrrp_garp_master_delay` (default 5 s): second GARP burst after becoming master.
    pub vrrp_garp_master_delay: Duration,
    /// `vrrp_garp_master_repeat` (default 5): GARPs per burst.
    pub vrrp_garp_master_repeat: u32,
    /// `vrrp_garp_master_refresh` (default 0 = no refresh).
    pub vrrp_garp_master_refresh: Duration,
    /// `vrrp_garp_master_refresh_repeat` (default 1).
    pub vrrp_garp_master_refresh_repeat: u32,
    /// `vrrp_garp_lower_prio_delay` (default: `vrrp_garp_master_delay`).
    pub vrrp_garp_lower_prio_delay: Option<Duration>,
    /// `vrrp_garp_lower_prio_repeat` (default: `vrrp_garp_master_repeat`).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// `vrrp_garp_interval` (default 0): gap between GARPs on one interface.
    pub vrrp_garp_interval: Duration,
    /// `vrrp_gna_interval` (default 0): gap between unsolicited NAs on one interface.
    pub vrrp_gna_interval: Duration,
    /// `vrrp_startup_delay` (default 0).
    pub vrrp_startup_delay: Duration,
    /// `max_auto_priority [N]`: real-time priority cap; `None` = not set, -1 = disabled.
    pub max_auto_priority: Option<i32>,
    /// `dynamic_interfaces [allow_if_changes]`.
    pub dynamic_interfaces: DynamicInterfaces,
    /// `lvs_flush`: flush all IPVS services at start-up.
    pub lvs_flush: bool,
    /// `lvs_flush_on_stop [VS]`.
    pub lvs_flush_on_stop: LvsFlushOnStop,
    /// `lvs_timeouts tcp N tcpfin N udp N`.
    pub lvs_timeouts: LvsTimeouts,
    /// `lvs_sync_daemon IF [inst NAME] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Duration::from_secs(30),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            script_user: None,
            enable_script_security: false,
            vrrp_version: VrrpVersion::V2,
            vrrp_mcast_group4: VRRP_MCAST_GROUP4,
            vrrp_mcast_group6: VRRP_MCAST_GROUP6,
            vrrp_garp_master_delay: Duration::from_secs(5),
            vrrp_garp_master_repeat: 5,
            vrrp_garp_master_refresh: Duration::ZERO,
            vrrp_garp_master_refresh_repeat: 1,
            vrrp_garp_lower_prio_delay: None,
            vrrp_garp_lower_prio_repeat: None,
            vrrp_garp_interval: Duration::ZERO,
            vrrp_gna_interval: Duration::ZERO,
            vrrp_startup_delay: Duration::ZERO,
            max_auto_priority: None,
            dynamic_interfaces: DynamicInterfaces::Off,
            lvs_flush: false,
            lvs_flush_on_stop: LvsFlushOnStop::No,
            lvs_timeouts: LvsTimeouts::default(),
            lvs_sync_daemon: None,
        }
    }
}

impl GlobalDefs {
    /// The multicast group adverts of this family go to.
    pub fn vrrp_mcast_group(&self, family: Family) -> IpAddr {
        match family {
            Family::Ipv4 => IpAddr::V4(self.vrrp_mcast_group4),
            Family::Ipv6 => IpAddr::V6(self.vrrp_mcast_group6),
        }
    }
}

/// `smtp_server HOST [PORT]` (a name or an address; default port 25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
}

/// `dynamic_interfaces`: whether instances may name interfaces that do not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DynamicInterfaces {
    Off,
    On,
    /// `dynamic_interfaces allow_if_changes`.
    AllowIfChanges,
}

/// `lvs_flush_on_stop`: what to remove from IPVS when the daemon stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LvsFlushOnStop {
    /// Leave IPVS as it is (keepalived removes only its own services).
    No,
    /// `lvs_flush_on_stop`: flush every service.
    Full,
    /// `lvs_flush_on_stop VS`: remove the configured virtual servers.
    Vs,
}

/// `lvs_timeouts`: IPVS connection timeouts; `None` leaves the kernel's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct LvsTimeouts {
    pub tcp: Option<Duration>,
    pub tcp_fin: Option<Duration>,
    pub udp: Option<Duration>,
}

/// `lvs_sync_daemon`: IPVS connection synchronisation, master on the instance's master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LvsSyncDaemon {
    pub interface: String,
    /// The VRRP instance whose state drives the daemon.
    pub instance: Option<String>,
    /// `id N` (default: the instance's VRID).
    pub sync_id: Option<u8>,
    pub maxlen: Option<u16>,
    pub port: Option<u16>,
    pub ttl: Option<u8>,
    pub group: Option<IpAddr>,
}
