//! The mapping of one `vrrp_instance` and its VIP lines to the actor's setup types.

use super::{AdvertAuth, Destinations, InstanceSetup, SetupError, Vip};
use crate::ports::vrrp_net::{AddressScope, Family};
use holdfast_core::config::model::{self, Broadcast};
use holdfast_core::vrrp::{self, AdvertInterval, GarpSchedule};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU8;

pub(super) fn instance(
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
        // Set by `VrrpSetup::from_config` from the tracking plan.
        tracked: false,
        track_own_interface: !inst.dont_track_primary,
        notify: (inst.notify != model::Notify::default()).then(|| Box::new(inst.notify.clone())),
    })
}

fn saturate(value: u32) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
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
