//! holdfast's sans-IO core.
//!
//! Everything here is a pure function of its inputs: the VRRP wire format ([`wire`]), the RFC 5798
//! state machine ([`vrrp`]), the keepalived.conf reader and typed model ([`config`]) and the kernel
//! module dependency database ([`modules`]).
//!
//! What this crate never does: I/O of any kind, reading a clock, spawning, or panicking on input
//! bytes. The wire format and the state machine do not allocate; the configuration model and
//! module database use `alloc` because they are built once, on the host, from text of unbounded
//! size.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod checker;
pub mod config;
pub mod fnmatch;
pub mod ipvs;
pub mod modules;
pub mod time;
pub mod vrrp;
pub mod wire;
