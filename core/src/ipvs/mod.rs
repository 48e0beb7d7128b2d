//! IPVS as data: the desired and current tables of virtual services and real servers, the diff
//! between them ([`plan`]), and the generic-netlink protocol that carries them ([`codec`]).
//!
//! The ipvs actor builds a desired [`Table`] from the configuration and checker results, asks the
//! IPVS port for the kernel's table, calls [`plan`] and hands each [`Op`] to the port, which
//! encodes it with [`codec::Request`]. Nothing here talks to the kernel: a request can only be
//! built with a [`FamilyId`], which only a successful family lookup produces.

pub mod codec;
mod dest;
mod family;
pub mod from_config;
mod plan;
mod service;
mod table;

pub use dest::{DestKey, Destination, FwdMethod};
pub use family::FamilyId;
pub use plan::{plan, Excluded, Op, OpKind, Plan};
pub use service::{
    AddrFamily, Name, NameError, Netmask, Protocol, Service, ServiceFlags, ServiceKey,
};
pub use table::{Table, VirtualService};
