//! The IPVS port on Linux: generic netlink over a NETLINK_GENERIC socket, with framing and
//! decoding from `holdfast_core::ipvs::codec` (hand-written and fuzzed in the core rather than
//! `netlink-packet-generic`, whose `GenlFamily` route can emit a message before
//! `set_resolved_family_id`; no `genetlink` crate, which pulls a second async runtime).
//!
//! Every request carries `NLM_F_ACK` (or is a dump ending in `NLMSG_DONE`), a fresh sequence
//! number that replies are matched against, and a deadline ([`LinuxIpvs::open`]'s timeout) after
//! which it returns `Timeout`; the socket is non-blocking under smol, so a silent kernel never
//! stalls the executor.

mod transport;

/// The clock the IPVS actor runs on moved to [`crate::clock`]; kept here for existing callers.
pub use crate::clock::MonotonicClock;

use holdfast_actors::ports::ipvs::{Call, Ipvs, IpvsError};
use holdfast_core::ipvs::codec::{
    decode_dest, decode_family_id, decode_info, decode_service, encode_get_family, DecodeError,
    Exchange, Info, Request, IPVS_FAMILY_NAME,
};
use holdfast_core::ipvs::{FamilyId, Op, Table};
use std::io;
use std::time::Duration;
use transport::Transport;

/// Default bound on one request, ACK or complete dump part included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The Linux IPVS port.
pub struct LinuxIpvs {
    transport: Transport,
}

impl LinuxIpvs {
    /// Opens the netlink socket; each request then takes at most `timeout`.
    pub fn open(timeout: Duration) -> io::Result<LinuxIpvs> {
        Ok(LinuxIpvs {
            transport: Transport::open(timeout)?,
        })
    }

    /// Looks up any generic-netlink family by name (for tests of the transport on kernels
    /// without IPVS).
    pub async fn resolve_named(&mut self, name: &str) -> Result<FamilyId, IpvsError> {
        let mut id = None;
        self.transport
            .roundtrip(
                Call::Resolve,
                |seq, out| {
                    encode_get_family(seq, name, out);
                    Exchange::get_family(seq)
                },
                |attrs| {
                    id = Some(decode_family_id(attrs)?);
                    Ok(())
                },
            )
            .await?;
        id.ok_or(IpvsError::BadReply(DecodeError::MissingAttr(
            holdfast_core::ipvs::codec::Attr::CtrlFamilyId,
        )))
    }

    /// Sends `request` and waits for its ACK or `NLMSG_DONE`, handing data messages to `on_data`.
    async fn request(
        &mut self,
        family: FamilyId,
        request: Request<'_>,
        call: Call<'_>,
        on_data: impl FnMut(&[u8]) -> Result<(), DecodeError>,
    ) -> Result<(), IpvsError> {
        self.transport
            .roundtrip(
                call,
                |seq, out| {
                    request.encode(family, seq, out);
                    Exchange::new(&request, family, seq)
                },
                on_data,
            )
            .await
    }
}

/// A data message where none was expected (requests that only get an ACK).
fn no_data(_: &[u8]) -> Result<(), DecodeError> {
    Ok(())
}

impl Ipvs for LinuxIpvs {
    async fn resolve_family(&mut self) -> Result<FamilyId, IpvsError> {
        self.resolve_named(IPVS_FAMILY_NAME).await
    }

    async fn info(&mut self, family: FamilyId) -> Result<Info, IpvsError> {
        let mut info = None;
        self.request(family, Request::GetInfo, Call::Info, |a| {
            info = Some(decode_info(a)?);
            Ok(())
        })
        .await?;
        info.ok_or(IpvsError::BadReply(DecodeError::MissingAttr(
            holdfast_core::ipvs::codec::Attr::InfoVersion,
        )))
    }

    async fn dump(&mut self, family: FamilyId) -> Result<Table, IpvsError> {
        let mut services = Vec::new();
        self.request(family, Request::DumpServices, Call::Dump, |a| {
            services.push(decode_service(a)?);
            Ok(())
        })
        .await?;
        let mut table = Table::new();
        for service in services {
            let key = service.key;
            let mut dests = Vec::new();
            self.request(family, Request::DumpDests(&key), Call::Dump, |a| {
                dests.push(decode_dest(a, key.family())?);
                Ok(())
            })
            .await?;
            let vs = table.insert(service);
            for d in dests {
                vs.insert_dest(d);
            }
        }
        Ok(table)
    }

    async fn apply(&mut self, family: FamilyId, op: &Op) -> Result<(), IpvsError> {
        self.request(family, Request::for_op(op), Call::Apply(op), no_data)
            .await
    }

    async fn flush(&mut self, family: FamilyId) -> Result<(), IpvsError> {
        self.request(family, Request::Flush, Call::Flush, no_data)
            .await
    }
}

#[cfg(test)]
mod tests;
