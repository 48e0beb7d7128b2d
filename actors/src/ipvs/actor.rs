//! The ipvs actor's state, constructor and driver loop. The loop is thin: it waits for a message
//! or the next pass's deadline, and the handlers in [`reconcile`](super::reconcile) do the work.

use super::backoff::Backoff;
use super::report::{IpvsReport, ServiceStatus};
use super::{IpvsConfig, IpvsMsg};
use crate::gate::ModulesReady;
use crate::ports::clock::Clock;
use crate::ports::ipvs::Ipvs;
use async_channel::{Receiver, Sender};
use futures_lite::FutureExt;
use holdfast_core::ipvs::{FamilyId, ServiceKey, Table};
use holdfast_core::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// Messages handled in one go before a due pass runs, so a burst of checker updates is applied
/// as one plan rather than one pass each.
const MAX_BATCH: usize = 16;

/// Whether the loop goes on after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep running.
    Continue,
    /// Shutdown handled; the loop returns.
    Stop,
}

/// Counters for the status page; they only grow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpvsCounters {
    /// Reconcile passes started.
    pub passes: u64,
    /// Family lookups that failed.
    pub resolve_failures: u64,
    /// Times an ENOENT turned out to mean a changed or vanished family id.
    pub stale_family: u64,
    /// Operations the kernel acknowledged.
    pub ops_applied: u64,
    /// Operations the kernel refused.
    pub op_errors: u64,
    /// Periodic passes that found and repaired drift.
    pub drift_repairs: u64,
    /// Reports dropped because the report channel was full (resent on a later pass).
    pub reports_deferred: u64,
}

/// The ipvs actor: keeps the kernel's IPVS table equal to the desired one.
#[must_use = "the actor does nothing until `run` is awaited"]
pub struct IpvsActor<P: Ipvs, C: Clock> {
    pub(super) port: P,
    pub(super) clock: C,
    pub(super) gate: ModulesReady,
    pub(super) config: IpvsConfig,
    pub(super) reports: Sender<IpvsReport>,
    pub(super) desired: Table,
    /// Services this actor may delete: every key it has been asked to program since start. Other
    /// tools' services stay untouched.
    pub(super) owned: BTreeSet<ServiceKey>,
    pub(super) family: Option<FamilyId>,
    pub(super) backoff: Backoff,
    pub(super) next_pass: Instant,
    /// Whether the next pass follows a change of wishes (not drift).
    pub(super) wishes_changed: bool,
    pub(super) flushed_at_start: bool,
    /// The last status delivered per service, to report changes only.
    pub(super) delivered: BTreeMap<ServiceKey, ServiceStatus>,
    pub(super) last_unavailable: Option<crate::ports::ipvs::IpvsError>,
    pub(super) counters: IpvsCounters,
}

impl<P: Ipvs, C: Clock> IpvsActor<P, C> {
    /// Creates the actor. The [`ModulesReady`] proof is what makes "talk to IPVS before its
    /// modules are loaded" fail to compile: only the module loader creates one, so outside this
    /// crate there is no way to make the argument:
    ///
    /// ```compile_fail,E0624
    /// let ready = holdfast_actors::gate::ModulesReady::new(vec!["rr".to_string()]);
    /// ```
    pub fn new(
        ready: ModulesReady,
        port: P,
        clock: C,
        config: IpvsConfig,
        reports: Sender<IpvsReport>,
    ) -> Self {
        let now = clock.now();
        IpvsActor {
            port,
            backoff: Backoff::new(config.retry_min, config.retry_max),
            clock,
            gate: ready,
            config,
            reports,
            desired: Table::new(),
            owned: BTreeSet::new(),
            family: None,
            next_pass: now,
            wishes_changed: true,
            flushed_at_start: false,
            delivered: BTreeMap::new(),
            last_unavailable: None,
            counters: IpvsCounters::default(),
        }
    }

    /// Runs until [`IpvsMsg::Shutdown`] or until every sender of `inbox` is gone (handled as a
    /// shutdown). Messages waiting together are handled as one batch before the next pass; a
    /// shutdown in a batch takes effect at once.
    pub async fn run(mut self, inbox: Receiver<IpvsMsg>) {
        loop {
            self.step().await;
            let deadline = self.next_deadline();
            let msg = async { Some(inbox.recv().await) }
                .or(async {
                    self.clock.sleep_until(deadline).await;
                    None
                })
                .await;
            let first = match msg {
                None => continue,
                Some(Ok(m)) => m,
                Some(Err(_closed)) => IpvsMsg::Shutdown,
            };
            if self.handle(first).await == Flow::Stop {
                return;
            }
            for _ in 1..MAX_BATCH {
                let Ok(m) = inbox.try_recv() else { break };
                if self.handle(m).await == Flow::Stop {
                    return;
                }
            }
        }
    }

    /// Takes one message. Wishes and module changes make the next pass due at once.
    pub async fn handle(&mut self, msg: IpvsMsg) -> Flow {
        let now = self.clock.now();
        match msg {
            IpvsMsg::DesiredState(table) => self.set_desired(table, now),
            IpvsMsg::ModulesChanged(ready) => self.set_gate(ready, now),
            IpvsMsg::Reloaded { table, ready } => {
                // One message, so no pass sees the new table with the old proof or the reverse.
                if ready != self.gate {
                    self.set_gate(ready, now);
                }
                self.set_desired(table, now);
            }
            IpvsMsg::Tick => self.next_pass = now,
            IpvsMsg::Shutdown => {
                self.stop().await;
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn set_desired(&mut self, table: Table, now: Instant) {
        self.owned.extend(table.keys().copied());
        self.desired = table;
        self.wishes_changed = true;
        self.next_pass = now;
    }

    fn set_gate(&mut self, ready: ModulesReady, now: Instant) {
        // A module load can reload ip_vs under a new family id: look it up again.
        self.gate = ready;
        self.family = None;
        self.backoff.reset();
        self.wishes_changed = true;
        self.next_pass = now;
    }

    /// Runs a pass if one is due.
    pub async fn step(&mut self) {
        if self.clock.now() >= self.next_pass {
            self.pass().await;
        }
    }

    /// When the next pass is due.
    pub fn next_deadline(&self) -> Instant {
        self.next_pass
    }

    /// The counters.
    pub fn counters(&self) -> &IpvsCounters {
        &self.counters
    }

    /// The family id in use, if resolved.
    pub fn family(&self) -> Option<FamilyId> {
        self.family
    }

    /// The port, for inspection in tests.
    pub fn port(&self) -> &P {
        &self.port
    }
}
