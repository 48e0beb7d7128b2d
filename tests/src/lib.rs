//! Support code for holdfast's cross-crate and system tests.
//!
//! * [`sim`]: a deterministic multi-router VRRP simulator over the core state machine.

pub mod sim;
