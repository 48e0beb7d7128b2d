//! holdfast's actors: single-purpose tasks on `smol` that talk only through bounded
//! `async-channel`s and reach the operating system only through the port traits in [`ports`].
//!
//! What this crate never does: call the OS directly (no sockets, files, netlink or clocks here),
//! or share state between actors other than by message.
//!
//! The graph of actors and channels is drawn at the top of [`supervisor`], which starts them.
#![forbid(unsafe_code)]

pub mod checker;
pub mod gate;
pub mod health_map;
pub mod ipvs;
pub mod module_loader;
pub mod ports;
pub mod supervisor;
pub mod vrrp;
