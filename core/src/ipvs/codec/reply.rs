//! Reading the data messages of IPVS replies: the family id from the controller, GET_INFO,
//! and one service or real server per dump message. Each function takes the attributes after the
//! generic-netlink header, as [`Exchange`](super::Exchange) hands them out.
//!
//! Tolerated, because the kernel does it: addresses of 16 bytes for IPv4 (the
//! `union nf_inet_addr`, FIELD-NOTES §3) or of 4; the kernel-internal `HASHED` flag; unknown
//! attributes (statistics, tunnel parameters, newer additions), which are skipped. Not tolerated:
//! a missing identifying attribute or a fixed-size attribute of the wrong size.

use super::attr::{collect, get_array, get_be16, get_u16, get_u32, optional, required};
use super::error::{Attr, DecodeError};
use super::uapi::*;
use crate::ipvs::{
    AddrFamily, DestKey, Destination, FamilyId, FwdMethod, Name, Netmask, Protocol, Service,
    ServiceFlags, ServiceKey,
};
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::num::NonZeroU32;
use serde::{Deserialize, Serialize};

/// The IPVS family id in a `CTRL_CMD_NEWFAMILY` reply.
pub fn decode_family_id(attrs: &[u8]) -> Result<FamilyId, DecodeError> {
    let slots = collect::<3>(attrs)?;
    let p = required(&slots, CTRL_ATTR_FAMILY_ID, Attr::CtrlFamilyId)?;
    let raw = get_u16(p, Attr::CtrlFamilyId)?;
    FamilyId::new(raw).ok_or(DecodeError::BadFamilyId(raw))
}

/// `IP_VS_VERSION_CODE`: `0x00MMmmpp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Version(pub u32);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(f, "{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }
}

/// The GET_INFO reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Info {
    /// IPVS version.
    pub version: Version,
    /// Size of the connection hash table.
    pub conn_tab_size: u32,
}

/// A GET_INFO reply's attributes.
pub fn decode_info(attrs: &[u8]) -> Result<Info, DecodeError> {
    let slots = collect::<3>(attrs)?;
    let version = required(&slots, IPVS_INFO_ATTR_VERSION, Attr::InfoVersion)?;
    let size = required(&slots, IPVS_INFO_ATTR_CONN_TAB_SIZE, Attr::InfoConnTabSize)?;
    Ok(Info {
        version: Version(get_u32(version, Attr::InfoVersion)?),
        conn_tab_size: get_u32(size, Attr::InfoConnTabSize)?,
    })
}

fn family(raw: u16) -> Result<AddrFamily, DecodeError> {
    AddrFamily::from_number(raw).ok_or(DecodeError::UnknownAddressFamily(raw))
}

/// An address of `family` from 4 or 16 bytes (`union nf_inet_addr`).
fn address(p: &[u8], family: AddrFamily, attr: Attr) -> Result<IpAddr, DecodeError> {
    let bad = || DecodeError::AttrSize { attr, len: p.len() };
    match (family, p.len()) {
        (AddrFamily::Ipv4, 4 | 16) => {
            let b: [u8; 4] = p.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
            Ok(IpAddr::V4(Ipv4Addr::from(b)))
        }
        (AddrFamily::Ipv6, 16) => Ok(IpAddr::V6(Ipv6Addr::from(get_array::<16>(p, attr)?))),
        _ => Err(bad()),
    }
}

/// A NUL-terminated name (`nla_put_string`); a missing NUL is tolerated.
fn name(p: &[u8], attr: Attr) -> Result<Name, DecodeError> {
    let end = p.iter().position(|&b| b == 0).unwrap_or(p.len());
    let s = p
        .get(..end)
        .and_then(|b| core::str::from_utf8(b).ok())
        .ok_or(DecodeError::BadName(attr))?;
    Name::new(s).map_err(|_| DecodeError::BadName(attr))
}

/// One service from a GET_SERVICE dump message (the `IPVS_CMD_ATTR_SERVICE` nest inside).
pub fn decode_service(attrs: &[u8]) -> Result<Service, DecodeError> {
    let top = collect::<3>(attrs)?;
    let nest = required(&top, IPVS_CMD_ATTR_SERVICE, Attr::CmdService)?;
    let s = collect::<SVC_ATTR_SLOTS>(nest)?;

    let af = get_u16(required(&s, IPVS_SVC_ATTR_AF, Attr::SvcAf)?, Attr::SvcAf)?;
    let fam = family(af)?;
    let key = match optional(&s, IPVS_SVC_ATTR_FWMARK) {
        Some(p) => ServiceKey::Fwmark {
            family: fam,
            mark: NonZeroU32::new(get_u32(p, Attr::SvcFwmark)?).ok_or(DecodeError::ZeroFwmark)?,
        },
        None => {
            let proto = required(&s, IPVS_SVC_ATTR_PROTOCOL, Attr::SvcProtocol)?;
            let addr = required(&s, IPVS_SVC_ATTR_ADDR, Attr::SvcAddr)?;
            let port = required(&s, IPVS_SVC_ATTR_PORT, Attr::SvcPort)?;
            ServiceKey::Addr {
                protocol: Protocol::from_number(get_u16(proto, Attr::SvcProtocol)?),
                addr: address(addr, fam, Attr::SvcAddr)?,
                port: get_be16(port, Attr::SvcPort)?,
            }
        }
    };
    let sched = required(&s, IPVS_SVC_ATTR_SCHED_NAME, Attr::SvcSchedName)?;
    let flags = required(&s, IPVS_SVC_ATTR_FLAGS, Attr::SvcFlags)?;
    let flags: [u8; 8] = get_array(flags, Attr::SvcFlags)?;
    // struct ip_vs_flags { flags, mask }; the kernel dumps mask ~0.
    let bits = u32::from_ne_bytes([flags[0], flags[1], flags[2], flags[3]]);
    let timeout = required(&s, IPVS_SVC_ATTR_TIMEOUT, Attr::SvcTimeout)?;
    let netmask = required(&s, IPVS_SVC_ATTR_NETMASK, Attr::SvcNetmask)?;
    Ok(Service {
        key,
        scheduler: name(sched, Attr::SvcSchedName)?,
        flags: ServiceFlags::from_bits(bits),
        timeout: get_u32(timeout, Attr::SvcTimeout)?,
        netmask: Netmask::from_raw(get_array(netmask, Attr::SvcNetmask)?),
        pe: optional(&s, IPVS_SVC_ATTR_PE_NAME)
            .map(|p| name(p, Attr::SvcPeName))
            .transpose()?,
    })
}

/// One real server from a GET_DEST dump message of a service of family `service_family` (used
/// when the kernel predates `IPVS_DEST_ATTR_ADDR_FAMILY`).
pub fn decode_dest(attrs: &[u8], service_family: AddrFamily) -> Result<Destination, DecodeError> {
    let top = collect::<3>(attrs)?;
    let nest = required(&top, IPVS_CMD_ATTR_DEST, Attr::CmdDest)?;
    let d = collect::<DEST_ATTR_SLOTS>(nest)?;

    let fam = match optional(&d, IPVS_DEST_ATTR_ADDR_FAMILY) {
        Some(p) => family(get_u16(p, Attr::DestAddrFamily)?)?,
        None => service_family,
    };
    let u32_attr = |kind, attr| required(&d, kind, attr).and_then(|p| get_u32(p, attr));
    let addr = required(&d, IPVS_DEST_ATTR_ADDR, Attr::DestAddr)?;
    let port = required(&d, IPVS_DEST_ATTR_PORT, Attr::DestPort)?;
    Ok(Destination {
        key: DestKey {
            addr: address(addr, fam, Attr::DestAddr)?,
            port: get_be16(port, Attr::DestPort)?,
        },
        fwd: FwdMethod::from_number(
            u32_attr(IPVS_DEST_ATTR_FWD_METHOD, Attr::DestFwdMethod)? & IP_VS_CONN_F_FWD_MASK,
        ),
        weight: u32_attr(IPVS_DEST_ATTR_WEIGHT, Attr::DestWeight)?,
        u_thresh: u32_attr(IPVS_DEST_ATTR_U_THRESH, Attr::DestUThresh)?,
        l_thresh: u32_attr(IPVS_DEST_ATTR_L_THRESH, Attr::DestLThresh)?,
    })
}
