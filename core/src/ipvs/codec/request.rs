//! Building IPVS requests. Every builder takes a [`FamilyId`], so a request cannot exist before
//! the family is resolved; every request asks for an ACK (`NLM_F_ACK`) or is a dump that ends in
//! `NLMSG_DONE`, so the caller always gets an answer to wait for (FIELD-NOTES §3).

use super::attr::{nest, put, put_str};
use super::netlink::{begin, finish};
use super::uapi::*;
use crate::ipvs::{DestKey, Destination, FamilyId, Op, Service, ServiceFlags, ServiceKey};
use alloc::vec::Vec;
use core::net::IpAddr;

/// One IPVS request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// GET_INFO: version and connection-table size.
    GetInfo,
    /// GET_SERVICE dump: every service.
    DumpServices,
    /// GET_DEST dump: the real servers of one service.
    DumpDests(&'a ServiceKey),
    /// FLUSH: remove every service.
    Flush,
    /// NEW_SERVICE.
    NewService(&'a Service),
    /// SET_SERVICE.
    SetService(&'a Service),
    /// DEL_SERVICE.
    DelService(&'a ServiceKey),
    /// NEW_DEST.
    NewDest(&'a ServiceKey, &'a Destination),
    /// SET_DEST.
    SetDest(&'a ServiceKey, &'a Destination),
    /// DEL_DEST.
    DelDest(&'a ServiceKey, &'a DestKey),
}

impl<'a> Request<'a> {
    /// The request that performs `op`.
    pub fn for_op(op: &'a Op) -> Request<'a> {
        match op {
            Op::AddService(s) => Request::NewService(s),
            Op::EditService(s) => Request::SetService(s),
            Op::DelService(k) => Request::DelService(k),
            Op::AddDest(k, d) => Request::NewDest(k, d),
            Op::EditDest(k, d) => Request::SetDest(k, d),
            Op::DelDest(k, d) => Request::DelDest(k, d),
        }
    }

    /// The generic-netlink command.
    pub const fn command(&self) -> u8 {
        match self {
            Request::GetInfo => IPVS_CMD_GET_INFO,
            Request::DumpServices => IPVS_CMD_GET_SERVICE,
            Request::DumpDests(_) => IPVS_CMD_GET_DEST,
            Request::Flush => IPVS_CMD_FLUSH,
            Request::NewService(_) => IPVS_CMD_NEW_SERVICE,
            Request::SetService(_) => IPVS_CMD_SET_SERVICE,
            Request::DelService(_) => IPVS_CMD_DEL_SERVICE,
            Request::NewDest(..) => IPVS_CMD_NEW_DEST,
            Request::SetDest(..) => IPVS_CMD_SET_DEST,
            Request::DelDest(..) => IPVS_CMD_DEL_DEST,
        }
    }

    /// Whether the request is a dump (answered by data messages and `NLMSG_DONE`).
    pub const fn is_dump(&self) -> bool {
        matches!(self, Request::DumpServices | Request::DumpDests(_))
    }

    /// The command of the data messages the kernel answers with; `None` when only an ACK comes.
    pub const fn reply_command(&self) -> Option<u8> {
        match self {
            Request::GetInfo => Some(IPVS_CMD_SET_INFO),
            Request::DumpServices => Some(IPVS_CMD_NEW_SERVICE),
            Request::DumpDests(_) => Some(IPVS_CMD_NEW_DEST),
            _ => None,
        }
    }

    /// Writes the request to `out` (replacing its contents) with sequence number `seq`.
    pub fn encode(&self, family: FamilyId, seq: u32, out: &mut Vec<u8>) {
        let flags = if self.is_dump() {
            NLM_F_REQUEST | NLM_F_DUMP
        } else {
            NLM_F_REQUEST | NLM_F_ACK
        };
        begin(
            out,
            family.get(),
            flags,
            seq,
            self.command(),
            IPVS_GENL_VERSION,
        );
        match self {
            Request::GetInfo | Request::Flush => {}
            // An empty SERVICE attribute, as ipvsadm sends (FIELD-NOTES §3).
            Request::DumpServices => nest(out, IPVS_CMD_ATTR_SERVICE, |_| {}),
            Request::DumpDests(k) | Request::DelService(k) => service_id(out, k),
            Request::NewService(s) | Request::SetService(s) => service_full(out, s),
            Request::NewDest(k, d) | Request::SetDest(k, d) => {
                service_id(out, k);
                nest(out, IPVS_CMD_ATTR_DEST, |out| {
                    dest_id(out, &d.key);
                    dest_params(out, d);
                });
            }
            Request::DelDest(k, d) => {
                service_id(out, k);
                nest(out, IPVS_CMD_ATTR_DEST, |out| dest_id(out, d));
            }
        }
        finish(out);
    }
}

/// The generic-netlink family name of IPVS.
pub const IPVS_FAMILY_NAME: &str = IPVS_GENL_NAME;

/// Writes a `CTRL_CMD_GETFAMILY` request for family `name` ([`IPVS_FAMILY_NAME`]; other names
/// only serve to test the codec against a kernel without IPVS) to `out`, replacing its contents.
pub fn encode_get_family(seq: u32, name: &str, out: &mut Vec<u8>) {
    begin(
        out,
        GENL_ID_CTRL,
        NLM_F_REQUEST | NLM_F_ACK,
        seq,
        CTRL_CMD_GETFAMILY,
        CTRL_VERSION,
    );
    put_str(out, CTRL_ATTR_FAMILY_NAME, name);
    finish(out);
}

/// An address as the kernel's `union nf_inet_addr`: 16 bytes, IPv4 in the first four.
fn inet_addr(addr: &IpAddr) -> [u8; 16] {
    match addr {
        IpAddr::V4(a) => {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&a.octets());
            b
        }
        IpAddr::V6(a) => a.octets(),
    }
}

fn service_id_attrs(out: &mut Vec<u8>, k: &ServiceKey) {
    put(out, IPVS_SVC_ATTR_AF, &k.family().number().to_ne_bytes());
    match k {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => {
            put(
                out,
                IPVS_SVC_ATTR_PROTOCOL,
                &protocol.number().to_ne_bytes(),
            );
            put(out, IPVS_SVC_ATTR_ADDR, &inet_addr(addr));
            put(out, IPVS_SVC_ATTR_PORT, &port.to_be_bytes());
        }
        ServiceKey::Fwmark { mark, .. } => {
            put(out, IPVS_SVC_ATTR_FWMARK, &mark.get().to_ne_bytes());
        }
    }
}

fn service_id(out: &mut Vec<u8>, k: &ServiceKey) {
    nest(out, IPVS_CMD_ATTR_SERVICE, |out| service_id_attrs(out, k));
}

fn service_full(out: &mut Vec<u8>, s: &Service) {
    nest(out, IPVS_CMD_ATTR_SERVICE, |out| {
        service_id_attrs(out, &s.key);
        put_str(out, IPVS_SVC_ATTR_SCHED_NAME, s.scheduler.as_str());
        if let Some(pe) = &s.pe {
            put_str(out, IPVS_SVC_ATTR_PE_NAME, pe.as_str());
        }
        // struct ip_vs_flags { flags, mask }: the mask covers every bit so the service ends up
        // with exactly these flags; HASHED is the kernel's and must never be sent.
        let flags = s.flags.bits() & !ServiceFlags::HASHED;
        let mut pair = [0u8; 8];
        pair[..4].copy_from_slice(&flags.to_ne_bytes());
        pair[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
        put(out, IPVS_SVC_ATTR_FLAGS, &pair);
        put(out, IPVS_SVC_ATTR_TIMEOUT, &s.timeout.to_ne_bytes());
        put(out, IPVS_SVC_ATTR_NETMASK, &s.netmask.raw());
    });
}

fn dest_id(out: &mut Vec<u8>, d: &DestKey) {
    put(out, IPVS_DEST_ATTR_ADDR, &inet_addr(&d.addr));
    put(out, IPVS_DEST_ATTR_PORT, &d.port.to_be_bytes());
    // The real server's own family; the kernel accepts one different from the service's only
    // for tunnels, and ignores the attribute where it predates it.
    put(
        out,
        IPVS_DEST_ATTR_ADDR_FAMILY,
        &crate::ipvs::AddrFamily::of(&d.addr).number().to_ne_bytes(),
    );
}

fn dest_params(out: &mut Vec<u8>, d: &Destination) {
    put(
        out,
        IPVS_DEST_ATTR_FWD_METHOD,
        &d.fwd.number().to_ne_bytes(),
    );
    put(out, IPVS_DEST_ATTR_WEIGHT, &d.weight.to_ne_bytes());
    put(out, IPVS_DEST_ATTR_U_THRESH, &d.u_thresh.to_ne_bytes());
    put(out, IPVS_DEST_ATTR_L_THRESH, &d.l_thresh.to_ne_bytes());
}
