//! The vrrp actor: runs every `vrrp_instance` of the configuration through the core's RFC 5798
//! state machine (`holdfast_core::vrrp`) and performs its actions through the network ports.
//!
//! ```text
//!  supervisor/config ──VrrpMsg (bounded INBOX_CAPACITY; senders wait)──┐
//!  VRRP sockets, one per interface+family ──packets (polled first)─────┤
//!  Links::subscribe ──link up/down───────────────────────────────────── ├─▶ VrrpActor ──▶ Links (VIPs)
//!  Clock::sleep_until(earliest instance deadline) ───────────────────── ┘      │  │   ──▶ VrrpSocket (adverts)
//!                                                                              │  │   ──▶ FrameSocket (GARP/NA)
//!          events (bounded, sized by the spawner; try_send, full: dropped+counted)  │
//!                         ◀────────────────────────────────────────────────────┘  │
//!          NotifyQueue (bounded NOTIFY_QUEUE_CAPACITY; full: oldest dropped) ──────┘──▶ NotifyWorker ──▶ ScriptRunner
//! ```
//!
//! **One actor for all instances.** keepalived opens one socket per interface and family and
//! demultiplexes by VRID; so does this actor ([`VrrpSocketSpec`](crate::ports::vrrp_net::VrrpSocketSpec)
//! per interface+family, VRID lookup per packet), so N instances on one link cost one socket
//! and one parse per packet, not N. One actor rather than one per interface because sync groups
//! usually span interfaces (an outside and an inside instance failing over together): with all
//! members in one actor, `holdfast_core::vrrp::sync_group` runs as plain function calls, not as
//! messages between actors that could interleave with packets.
//!
//! The driver loop is thin ([`VrrpActor::run`]): wait for a packet (first), a message, a link
//! event or the timer; feed the core with `now`; perform the actions in order; re-arm one timer
//! at the earliest `next_deadline` over the instances, reading the clock again when it fires.
//!
//! Wiring (what the daemon does; every channel bounded):
//!
//! ```text
//! let setup = VrrpSetup::from_config(&model)?;                 // errors: Vec<SetupError>
//! let (queue, jobs) = notify_queue(NOTIFY_QUEUE_CAPACITY);
//! let (events_tx, events_rx) = async_channel::bounded(64);     // log each VrrpEvent's Display
//! let (inbox_tx, inbox_rx) = async_channel::bounded(INBOX_CAPACITY);
//! spawn(NotifyWorker::new(jobs, LinuxScriptRunner::new(), NOTIFY_CONCURRENCY, Some(events_tx.clone())).run());
//! spawn(VrrpActor::new(setup, LinuxPacketIo, links, clock, VrrpSettings::default(), queue, events_tx).run(inbox_rx));
//! // SIGHUP: inbox_tx.send(VrrpMsg::Reload(Box::new(new_setup))); SIGTERM: VrrpMsg::Shutdown,
//! // then await the actor (it returns its counters) and the worker (it drains the STOP scripts).
//! ```
//!
//! Not (yet) done, each a known divergence from keepalived: `vrrp_garp_interval` /
//! `vrrp_gna_interval` (a burst goes out at once), `garp_lower_prio_*` (no burst when a Master
//! hears a lower priority), `vrrp_startup_delay`, `unicast_peer` `min_ttl`/`max_ttl`, the NA
//! router flag (always off: the ports do not say whether IPv6 forwarding is on),
//! addresses appearing on a link without a link event are found by the 1 s retry only, and
//! keepalived's suppression of an instance's notifies when its sync group already notified
//! the same state (here both run).
//!
//! Files: `setup` (model → what runs), `actor` (state, constructor, loop), `receive` (packet
//! checks the wire layer cannot make), `perform` (actions → ports), `lifecycle` (start-up,
//! reload, shutdown), `links` (link events, source addresses), `sockets` (one per
//! interface+family, retry), `sync` (sync groups and their notifies), `tracked` (the tracker's
//! per-instance status in, held start-up), `notify` (scripts and their queue), `drops` and
//! `events` (counters and the event catalogue).
//!
//! Tracking (`track_script`, `track_interface`, `track_file`) is not computed here: the tracker
//! actor (`crate::checker::TrackActor`, the only caller of the core's weight arithmetic) sends
//! each tracked instance's [`TrackEvent`](holdfast_core::checker::TrackEvent) as
//! [`VrrpMsg::Track`], and this actor feeds it to the state machine, which clamps the priority.

mod actor;
mod drops;
mod events;
mod lifecycle;
mod links;
pub mod notify;
mod perform;
mod receive;
pub mod setup;
mod sockets;
mod sync;
mod tracked;

pub use actor::{InstanceStatus, VrrpActor, VrrpCounters, VrrpStatus};
pub use drops::{RxProblem, RxProblems};
pub use events::{Op, VrrpEvent};
pub use notify::{
    notify_queue, NotifyJobs, NotifyQueue, NotifyWorker, NOTIFY_CONCURRENCY, NOTIFY_QUEUE_CAPACITY,
    NOTIFY_TIMEOUT,
};
pub use setup::{SetupError, VrrpSetup};

use holdfast_core::time::Duration;

/// Capacity of the actor's inbox. Messages are rare (reload, stop, track status changes): a
/// sender that finds it full waits.
pub const INBOX_CAPACITY: usize = 8;

/// Bytes of receive buffer per socket: any advert fits (255 IPv6 addresses need 4 KiB, but a
/// frame cannot carry more than 1500 bytes of them).
pub const RECV_BUFFER: usize = 1500;

/// The actor's inbox.
#[derive(Debug)]
pub enum VrrpMsg {
    /// A new configuration (SIGHUP). Instances whose setup is unchanged keep their state and
    /// send nothing; changed ones are stopped and started again; gone ones are stopped.
    Reload(Box<VrrpSetup>),
    /// A tracked instance's status (from the tracker actor). The first settled one (not
    /// `initialising`) lets the instance start; later ones change its priority or Fault.
    Track(holdfast_core::checker::TrackEvent),
    /// Reply with the current status (for a status dump and for tests).
    Status(async_channel::Sender<VrrpStatus>),
    /// Stop: priority-0 adverts, VIPs removed, STOP notifies (SIGTERM).
    Shutdown,
}

/// The actor's settings (not from keepalived.conf).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VrrpSettings {
    /// One log line per received-packet problem per this interval.
    pub drop_log_interval: Duration,
    /// How long a notify script may run.
    pub notify_timeout: Duration,
    /// After a socket failed, or an instance found no address to send from on a link that is
    /// up, how long before trying again.
    pub retry: Duration,
}

impl Default for VrrpSettings {
    fn default() -> Self {
        VrrpSettings {
            drop_log_interval: Duration::from_secs(60),
            notify_timeout: NOTIFY_TIMEOUT,
            retry: Duration::from_secs(1),
        }
    }
}
