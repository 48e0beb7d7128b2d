//! The ipvs actor's handlers: one reconcile pass (resolve if needed, dump, plan, apply with
//! per-service error isolation, report), the retry policy, and the stop policy.
//!
//! Error handling in a pass:
//! - family lookup, GET_INFO or dump fails: forget the family id, retry after the backoff delay,
//!   report `Unavailable` (once per distinct error);
//! - an op answers ENOENT: look the family up again; if the id changed or vanished, the op (and
//!   any after it) went to a dead id, so the pass stops and restarts after the backoff delay;
//!   otherwise the ENOENT is the op's own (missing scheduler, missing real server);
//! - an op times out: the kernel is not answering, so the pass stops as above;
//! - any other op error fails that service only: its status says why, its later real-server ops
//!   are skipped when its creation failed, and the other services are programmed.

use super::actor::IpvsActor;
use super::report::{IpvsReport, ServiceStatus};
use super::StopPolicy;
use crate::ports::clock::Clock;
use crate::ports::ipvs::{Ipvs, IpvsError};
use holdfast_core::ipvs::{plan, FamilyId, Op, ServiceKey, Table};
use holdfast_core::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// How a pass ended early.
enum Abort {
    /// IPVS is unreachable: report it.
    Unavailable(IpvsError),
    /// The family id changed under us: retry quietly.
    StaleFamily,
}

impl<P: Ipvs, C: Clock> IpvsActor<P, C> {
    /// One reconcile pass. Always leaves `next_pass` set: the re-dump interval after a complete
    /// pass, the backoff delay after an aborted one.
    pub(super) async fn pass(&mut self) {
        self.counters.passes += 1;
        let now = self.clock.now();
        match self.try_pass(now).await {
            Ok(()) => {
                self.backoff.reset();
                self.next_pass = now + self.config.redump_interval;
            }
            Err(abort) => {
                self.family = None;
                let delay = self.backoff.next_delay();
                self.next_pass = now + delay;
                if let Abort::Unavailable(error) = abort {
                    if self.last_unavailable.as_ref() != Some(&error) {
                        self.last_unavailable = Some(error.clone());
                        self.emit(IpvsReport::Unavailable {
                            error,
                            retry_in: delay,
                        });
                    }
                }
            }
        }
    }

    async fn try_pass(&mut self, _now: Instant) -> Result<(), Abort> {
        let family = match self.family {
            Some(f) => f,
            None => self.connect().await.map_err(Abort::Unavailable)?,
        };
        let mut mine = self.port.dump(family).await.map_err(Abort::Unavailable)?;
        // Only services this actor was asked for may be edited or deleted.
        mine.retain(|k| self.owned.contains(k));
        let plan = plan(&mine, &self.desired, |s| self.gate.scheduler_present(s));

        let mut statuses: BTreeMap<ServiceKey, ServiceStatus> = self
            .desired
            .keys()
            .map(|k| (*k, ServiceStatus::Programmed))
            .collect();
        for ex in &plan.excluded {
            statuses.insert(
                ex.key,
                ServiceStatus::SchedulerNotLoaded {
                    scheduler: ex.scheduler.clone(),
                },
            );
        }
        let mut failed: BTreeSet<ServiceKey> = BTreeSet::new();
        let mut removed: BTreeSet<ServiceKey> = BTreeSet::new();
        let mut applied = 0usize;
        for op in &plan.ops {
            let key = *op.service();
            // A service that could not be created has no real servers to add.
            if failed.contains(&key) && !matches!(op, Op::DelService(_) | Op::DelDest(..)) {
                continue;
            }
            match self.port.apply(family, op).await {
                Ok(()) => {
                    applied += 1;
                    self.counters.ops_applied += 1;
                    if let Op::DelService(k) = op {
                        removed.insert(*k);
                    }
                }
                Err(e) => {
                    if e == IpvsError::Timeout {
                        return Err(Abort::Unavailable(e));
                    }
                    if e.is_enoent() && self.family_went_stale(family).await {
                        return Err(Abort::StaleFamily);
                    }
                    self.counters.op_errors += 1;
                    if failed.insert(key) {
                        let status = match e {
                            IpvsError::SchedulerMissing { scheduler } => {
                                ServiceStatus::SchedulerMissing { scheduler }
                            }
                            error => ServiceStatus::Failed {
                                op: op.kind(),
                                error,
                            },
                        };
                        statuses.insert(key, status);
                    }
                }
            }
        }

        if applied > 0 && !self.wishes_changed {
            self.counters.drift_repairs += 1;
            self.emit(IpvsReport::DriftRepaired { ops: applied });
        }
        self.wishes_changed = false;
        let desired = &self.desired;
        self.owned
            .retain(|k| desired.contains(k) || (mine.contains(k) && !removed.contains(k)));
        self.publish(statuses, &removed);
        Ok(())
    }

    /// Resolves the family, proves the id with GET_INFO, and flushes once if configured.
    async fn connect(&mut self) -> Result<FamilyId, IpvsError> {
        let family = match self.port.resolve_family().await {
            Ok(f) => f,
            Err(e) => {
                self.counters.resolve_failures += 1;
                return Err(e);
            }
        };
        let info = self.port.info(family).await?;
        if self.config.flush_at_start && !self.flushed_at_start {
            self.port.flush(family).await?;
            self.flushed_at_start = true;
        }
        self.family = Some(family);
        self.last_unavailable = None;
        self.emit(IpvsReport::Ready { family, info });
        Ok(family)
    }

    /// After an ENOENT: whether `family` is no longer the IPVS family id.
    async fn family_went_stale(&mut self, family: FamilyId) -> bool {
        let stale = self.port.resolve_family().await != Ok(family);
        if stale {
            self.counters.stale_family += 1;
        }
        stale
    }

    /// Sends the statuses that changed since last delivered, and `Removed` for services gone.
    fn publish(
        &mut self,
        statuses: BTreeMap<ServiceKey, ServiceStatus>,
        removed: &BTreeSet<ServiceKey>,
    ) {
        let gone: Vec<ServiceKey> = self
            .delivered
            .keys()
            .filter(|k| !statuses.contains_key(k))
            .copied()
            .chain(removed.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|k| !statuses.contains_key(k))
            .collect();
        for key in gone {
            self.delivered.remove(&key);
            self.emit(IpvsReport::Removed { key });
        }
        for (key, status) in statuses {
            if self.delivered.get(&key) == Some(&status) {
                continue;
            }
            let report = IpvsReport::Service {
                key,
                status: status.clone(),
            };
            // Statuses are level-triggered: one not delivered now is sent again next pass.
            if self.emit(report) {
                self.delivered.insert(key, status);
            }
        }
    }

    /// Sends a report without waiting; `false` (and a counted drop) when the channel is full.
    pub(super) fn emit(&mut self, report: IpvsReport) -> bool {
        match self.reports.try_send(report) {
            Ok(()) => true,
            Err(async_channel::TrySendError::Full(_)) => {
                self.counters.reports_deferred += 1;
                false
            }
            // Nobody listens any more: nothing to defer.
            Err(async_channel::TrySendError::Closed(_)) => true,
        }
    }

    /// Applies the stop policy (best effort: a failure is reported, never retried).
    pub(super) async fn stop(&mut self) {
        if self.config.on_stop != StopPolicy::Keep {
            let family = match self.family {
                Some(f) => Some(f),
                None => self.port.resolve_family().await.ok(),
            };
            if let Some(family) = family {
                if let Err(error) = self.release(family).await {
                    self.emit(IpvsReport::Unavailable {
                        error,
                        retry_in: holdfast_core::time::Duration::ZERO,
                    });
                }
            }
        }
        self.emit(IpvsReport::Stopped);
    }

    async fn release(&mut self, family: FamilyId) -> Result<(), IpvsError> {
        match self.config.on_stop {
            StopPolicy::Keep => Ok(()),
            StopPolicy::FlushAll => self.port.flush(family).await,
            StopPolicy::RemoveOwned => {
                let current: Table = self.port.dump(family).await?;
                let mut first_error = None;
                for key in current.keys().filter(|k| self.owned.contains(k)) {
                    if let Err(e) = self.port.apply(family, &Op::DelService(*key)).await {
                        first_error.get_or_insert(e);
                    }
                }
                first_error.map_or(Ok(()), Err)
            }
        }
    }
}
