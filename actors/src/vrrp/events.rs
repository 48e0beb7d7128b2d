//! The catalogue of the vrrp actor's events, sent on its report channel. The text of each event
//! is its `Display`, so the log line and the status page say the same thing.

use super::drops::RxProblem;
use crate::ports::notify::ScriptOutcome;
use holdfast_core::vrrp::State;
use std::fmt;
use std::net::IpAddr;

/// What went wrong when the actor used a port; the key of its error counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    OpenSocket,
    Receive,
    SendAdvert,
    AddVip,
    RemoveVip,
    ListAddresses,
    SendGratuitous,
    LookupLink,
    LinkEvents,
    /// The daemon's tracker creating a `track_file` (`init_file`).
    InitTrackFile,
    /// The daemon's tracker reading a `track_file` (a number keepalived ignores).
    ReadTrackFile,
}

impl Op {
    pub const COUNT: usize = 11;
    /// Index into the counters; the discriminants are 0..COUNT in declaration order.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::OpenSocket => "opening a socket",
            Op::Receive => "receiving",
            Op::SendAdvert => "sending an advert",
            Op::AddVip => "adding a VIP",
            Op::RemoveVip => "removing a VIP",
            Op::ListAddresses => "listing addresses",
            Op::SendGratuitous => "sending gratuitous ARP/NA",
            Op::LookupLink => "looking up a link",
            Op::LinkEvents => "reading link events",
            Op::InitTrackFile => "initialising a track file",
            Op::ReadTrackFile => "reading a track file",
        })
    }
}

/// One event of the vrrp actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VrrpEvent {
    /// The actor started its instances.
    Started { instances: usize },
    /// An instance changed state (keepalived: `(VI_1) Entering MASTER STATE`).
    StateChanged {
        instance: String,
        from: State,
        to: State,
        priority: u8,
    },
    /// Received packets with a problem; one line per reason per interval, `count` since the
    /// last line.
    Received {
        problem: RxProblem,
        count: u64,
        interface: String,
        source: Option<IpAddr>,
    },
    /// Tracked objects changed the effective priority (keepalived: `Changing effective
    /// priority from 150 to 100`).
    PriorityChanged { instance: String, from: u8, to: u8 },
    /// VIPs were added.
    VipsAdded { instance: String, count: usize },
    /// VIPs found on the interfaces were removed; `stale` when they were left by a previous run.
    VipsRemoved {
        instance: String,
        count: usize,
        stale: bool,
    },
    /// A gratuitous ARP / unsolicited NA burst went out.
    GratuitousSent { instance: String, frames: usize },
    /// A link the actor watches went up or down.
    Link { interface: String, up: bool },
    /// An instance has no primary address to send from (its interface is missing or has no
    /// address of the family); it stays in Fault until one appears.
    NoSourceAddress { instance: String, interface: String },
    /// An instance's setup was refused by the state machine; it does not run.
    InstanceRefused { instance: String, reason: String },
    /// A port call failed (the error sink's one line).
    Error {
        op: Op,
        instance: Option<String>,
        error: String,
    },
    /// The notify queue was full: the oldest waiting script was dropped.
    NotifyDropped { script: String },
    /// A notify script did not exit with status 0, or could not run.
    ScriptFailed { script: String, outcome: String },
    /// A reload was applied.
    Reloaded {
        kept: usize,
        restarted: usize,
        added: usize,
        removed: usize,
    },
    /// The actor stopped (after the priority-0 adverts and VIP removal).
    Stopped,
}

impl VrrpEvent {
    pub(super) fn script_outcome(script: String, outcome: &ScriptOutcome) -> Option<VrrpEvent> {
        match outcome {
            ScriptOutcome::Exited(0) => None,
            other => Some(VrrpEvent::ScriptFailed {
                script,
                outcome: other.to_string(),
            }),
        }
    }
}

impl fmt::Display for VrrpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VrrpEvent::Started { instances } => write!(f, "VRRP started, {instances} instance(s)"),
            VrrpEvent::StateChanged {
                instance,
                from,
                to,
                priority,
            } => write!(
                f,
                "({instance}) Entering {to} STATE (from {from}, priority {priority})"
            ),
            VrrpEvent::Received {
                problem,
                count,
                interface,
                source,
            } => {
                write!(f, "{interface}: {count} packet(s): {problem}")?;
                if let Some(source) = source {
                    write!(f, " (last from {source})")?;
                }
                if problem.drops() {
                    f.write_str(", dropped")?;
                }
                Ok(())
            }
            VrrpEvent::PriorityChanged { instance, from, to } => {
                write!(f, "({instance}) Changing effective priority from {from} to {to}")
            }
            VrrpEvent::VipsAdded { instance, count } => {
                write!(f, "({instance}) added {count} VIP(s)")
            }
            VrrpEvent::VipsRemoved {
                instance,
                count,
                stale,
            } => {
                let what = if *stale { " stale" } else { "" };
                write!(f, "({instance}) removed {count}{what} VIP(s)")
            }
            VrrpEvent::GratuitousSent { instance, frames } => {
                write!(f, "({instance}) sent {frames} gratuitous ARP/NA frame(s)")
            }
            VrrpEvent::Link { interface, up } => {
                let state = if *up { "up" } else { "down" };
                write!(f, "link {interface} is {state}")
            }
            VrrpEvent::NoSourceAddress {
                instance,
                interface,
            } => write!(
                f,
                "({instance}) no address to send from on {interface}: staying in FAULT"
            ),
            VrrpEvent::InstanceRefused { instance, reason } => {
                write!(f, "({instance}) not started: {reason}")
            }
            VrrpEvent::Error {
                op,
                instance,
                error,
            } => match instance {
                Some(i) => write!(f, "({i}) {op} failed: {error}"),
                None => write!(f, "{op} failed: {error}"),
            },
            VrrpEvent::NotifyDropped { script } => {
                write!(f, "notify queue full: dropped the oldest script ({script})")
            }
            VrrpEvent::ScriptFailed { script, outcome } => {
                write!(f, "notify script {script}: {outcome}")
            }
            VrrpEvent::Reloaded {
                kept,
                restarted,
                added,
                removed,
            } => write!(
                f,
                "reload: {kept} instance(s) kept, {restarted} restarted, {added} added, {removed} removed"
            ),
            VrrpEvent::Stopped => f.write_str("VRRP stopped"),
        }
    }
}
