//! The checker actor (real servers' health) and the tracker actor (VRRP `track_script`,
//! `track_interface`, `track_file`).
//!
//! ```text
//!  supervisor ──CheckerMsg (bounded, INBOX_CAPACITY)──▶ CheckerActor ──Probe port──▶ TCP / HTTP(S) / scripts
//!                                                          │   one task per running probe on the
//!                                                          │   actor's own LocalExecutor; results
//!                                                          │   come back on an internal channel sized
//!                                                          │   to the checker count (never full)
//!                                                          ▼
//!                              CheckerEvent (bounded, EVENT_CAPACITY; the actor waits when full:
//!                              changes are never dropped) ──▶ daemon (IPVS table, quorum, notify)
//!
//!  supervisor, links ──TrackMsg (bounded, INBOX_CAPACITY)──▶ TrackActor ──Probe port──▶ scripts, files
//!                                                          ▼
//!                              TrackEvent (bounded, EVENT_CAPACITY; waits when full) ──▶ vrrp actor
//!                              TrackNote (optional; never waited on) ──▶ daemon: log lines, and
//!                              the scripts' states a restarted tracker resumes from
//! ```
//!
//! Both loops are thin: the decisions are `holdfast_core::checker`'s. A probe never runs on the
//! actor's own future: each is a task bounded by the clock at its timeout (plus the kill grace
//! for scripts), so a hung server costs one timeout and never delays the other checks or the
//! inbox.

mod actor;
mod rng;
mod run;
mod scripted;
mod track;

pub use actor::{CheckerActor, CheckerCounters};
pub use rng::WarmupRng;
pub use scripted::{HttpBehaviour, NetBehaviour, ProbeCall, ScriptBehaviour, ScriptedProbe};
pub use track::{TrackActor, TrackCounters, TrackNote};

/// Capacity of each actor's inbox: control messages only, so a few suffice.
pub const INBOX_CAPACITY: usize = 8;

/// A good capacity for the event channels (the spawner sizes them): a burst of changes from one
/// round of results fits without making the actor wait.
pub const EVENT_CAPACITY: usize = 64;

/// The checker actor's inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckerMsg {
    /// Send every real server's current state again (cause `Initial`), for a consumer that
    /// (re)starts.
    Snapshot,
    /// Cancel running probes (killing their scripts), send `omega` events, and end.
    Shutdown,
}

/// The tracker actor's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackMsg {
    /// A new plan (SIGHUP): unchanged scripts keep their state; every instance is sent again.
    Reload(Box<holdfast_core::checker::TrackPlan>),
    /// A tracked interface's state (the daemon forwards the links port's events, and sends each
    /// tracked interface's state once at start).
    Interface { name: String, up: bool },
    /// Send every instance's status again.
    Snapshot,
    /// Cancel running scripts and end.
    Shutdown,
}
