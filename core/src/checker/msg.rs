//! The checker and tracker actors' outputs, as serde data: they cross the actor boundary and are
//! recorded in conformance fixtures, so changing a field means migrating fixtures.

use crate::config::model::VirtualServiceKey;
use crate::vrrp::TrackStatus;
use alloc::string::String;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};

/// Which virtual server: its index in `Config::virtual_servers` and its key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VirtualServerRef {
    pub index: u32,
    pub key: VirtualServiceKey,
}

/// Which real server of its virtual server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RealServerRef {
    pub addr: IpAddr,
    /// `None` for a fwmark service's real server without a port.
    pub port: Option<u16>,
}

/// Why an event was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EventCause {
    /// The state at start, before any check (a snapshot: one per real server).
    Initial,
    /// A check result changed the server's health or `misc_dynamic` weight, or confirmed an
    /// `alpha` server's first failure.
    Checked,
    /// The actor is stopping (`omega`: the server is taken down and notified).
    Shutdown,
}

/// A real server's health, sent at start and on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckerEvent {
    pub virtual_server: VirtualServerRef,
    pub real_server: RealServerRef,
    /// Every checker of the server passes.
    pub up: bool,
    /// The weight `misc_dynamic` set (exit status − 2); `None`: the configured weight.
    pub weight: Option<u32>,
    pub cause: EventCause,
    /// Run the server's `notify_up` (when `up`) or `notify_down` now, as keepalived's
    /// `do_rs_notifies` would. False for snapshots and weight-only changes.
    pub notify: bool,
}

/// A VRRP instance's tracked objects, sent at start and whenever the status changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackEvent {
    /// The `vrrp_instance` name.
    pub instance: String,
    /// The weight sum and fault flag for the state machine's `Input::Track`.
    pub status: TrackStatus,
    /// A weight-0 `track_script` has not returned its first result yet (or a tracked interface's
    /// state is not known yet): keepalived holds the instance in Initialize until then.
    pub initialising: bool,
}
