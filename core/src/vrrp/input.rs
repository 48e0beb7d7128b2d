//! Everything that can happen to an instance, as plain data the driver feeds to
//! [`Instance::handle`](super::Instance::handle).

use super::config::Version;
use serde::{Deserialize, Serialize};

/// A received advertisement, already matched to this instance's VRID and checked by the wire
/// layer (TTL, checksum, authentication). The daemon maps the wire `Repr` to this type so the state
/// machine does not depend on the packet format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Advert {
    /// The version field of the packet.
    pub version: Version,
    /// The sender's priority; 0 means the sender is stopping.
    pub priority: u8,
    /// Max Adver Int in centiseconds; for VRRPv2 the daemon multiplies the seconds field by 100.
    pub max_adver_int_cs: u16,
    /// The IP source address of the packet (the sender's primary address).
    #[cfg_attr(feature = "defmt", defmt(Display2Format))]
    pub source: core::net::IpAddr,
}

/// The combined state of an instance's tracked objects (`track_interface`, `track_script`, ...),
/// computed by the actor that runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TrackStatus {
    /// Sum of the weights keepalived applies for the objects' current states.
    pub weight_sum: i32,
    /// A tracked object with weight 0 is failing: the instance must be in Fault.
    pub fault: bool,
}

/// What a sync group asks of a member, produced by [`sync_group`](super::sync_group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SyncInput {
    /// Another member is in its own Fault: hold this one in Fault too.
    Fault,
    /// No member is in its own Fault any more: release the hold.
    FaultCleared,
    /// Another member left Master for Backup: a Master member follows.
    Backup,
    /// Another member became Master: a Backup member follows.
    Master,
}

/// One event for the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Input {
    /// RFC 5798 Startup event: the daemon starts (or reloads into) this instance.
    Startup,
    /// RFC 5798 Shutdown event: the daemon stops this instance (TERM, reload removing it).
    Shutdown,
    /// An advertisement for this VRID arrived.
    Advert(Advert),
    /// The driver's timer fired: `now` has reached [`Instance::next_deadline`](super::Instance::next_deadline).
    /// Spurious or early timeouts are harmless.
    Timeout,
    /// The instance's interface came up (carrier and address present).
    InterfaceUp,
    /// The instance's interface went down.
    InterfaceDown,
    /// Tracked objects changed.
    Track(TrackStatus),
    /// A sync-group peer moved.
    Sync(SyncInput),
}
