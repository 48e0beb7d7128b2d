//! The IPVS generic-netlink protocol as pure functions over byte buffers: requests are built
//! into a `Vec<u8>`, replies are read from the received datagram. The Linux port only moves the
//! bytes (socket, timeout, sequence numbers); everything about their meaning is here, where it
//! is tested with literal bytes and fuzzed.
//!
//! Contract: no function here panics on any input bytes; bad replies give a [`DecodeError`] that
//! names the reason (and the attribute when one is at fault). Multi-byte netlink fields are in
//! host byte order, ports in network order (FIELD-NOTES §3).
//!
//! Use, for one request:
//! 1. [`Request::encode`] (or [`encode_get_family`]) with a fresh sequence number;
//! 2. an [`Exchange`] for the same request and number;
//! 3. for every received datagram, [`messages`], and for each message [`Exchange::feed`], until
//!    [`Exchange::is_finished`]; decode each [`Event::Data`] with [`decode_family_id`],
//!    [`decode_info`], [`decode_service`] or [`decode_dest`].
//!
//! The codec is hand-written rather than built on `netlink-packet-generic`: it must live in the
//! `no_std` core to be fuzzed and tested without sockets, and the crate's `GenlFamily` route
//! would let a message be emitted before `set_resolved_family_id` (nlmsg_type 0, FIELD-NOTES
//! §3); here every IPVS request takes a [`FamilyId`].

mod attr;
mod errno;
mod error;
mod exchange;
mod netlink;
mod reply;
mod request;
mod uapi;

#[cfg(test)]
mod tests;

pub use attr::{attrs, Attrs};
pub use errno::Errno;
pub use error::{Attr, DecodeError};
pub use exchange::{Event, Exchange, ReplyError};
pub use netlink::{messages, Kind, Message, Messages};
pub use reply::{decode_dest, decode_family_id, decode_info, decode_service, Info, Version};
pub use request::{encode_get_family, Request, IPVS_FAMILY_NAME};
