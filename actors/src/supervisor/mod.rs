//! The supervisor: starts the actors, enforces the IPVS gate, restarts what fails, and tells the
//! daemon about it.
//!
//! ```text
//!                          daemon (config, signals, log)
//!              IpvsControl │ (cap 2, waits)          ▲ SupervisorEvent (cap EVENT_CAPACITY,
//!                          ▼                         │   senders wait; the daemon always drains)
//!   ┌──────────── IPVS branch task ──────────────────┴──────────────┐   ┌── child task ──────┐
//!   │ LoaderInput (cap 4) ──▶ module loader ──LoaderUpdate (cap 4)──▶│   │ supervise(VRRP...) │
//!   │   ▲ Recheck on a missing scheduler     Some(ModulesReady)     │   │  restart w/ backoff│
//!   │   │                                       │ (the gate)        │   └────────────────────┘
//!   │   │                    IpvsActor::new(ready, port, ...) ◀─────┘
//!   │   └─ IpvsReport (cap 32, actor try_sends) ◀── IPVS actor ◀── IpvsMsg (cap 8, waits)
//!   └───────────────────────────────────────────────────────────────┘
//! ```
//!
//! **An IPVS failure never stops VRRP.** Each branch runs in its own task on the daemon's one
//! `LocalExecutor`; the IPVS branch handles every IPVS and module failure itself (backoff,
//! restarts) and never ends on its own, and a child started with [`Supervisor::spawn_child`]
//! (where the VRRP actor goes) depends on nothing in it. Dropping a task handle cancels the
//! task: dropping the [`Supervisor`] cancels the children, dropping an [`IpvsHandle`] cancels the
//! branch (use [`IpvsHandle::shutdown`] for an orderly stop). Under `panic = "abort"` a panic
//! cannot be caught: the process-level restart (init's respawn, the watchdog) covers that.
//!
//! Restarts follow [`RestartPolicy`]: 1 s doubling to 60 s by default, from the minimum again
//! after a child ran 60 s. [`Health`] folds the events into the per-child view the state dump
//! reads. Every task the supervisor starts is [`Watched`]: [`Supervisor::watch`] gives the
//! hardware watchdog a [`Watch`] that says, from any thread, whether one is hung (see
//! [`liveness`]).

mod child;
mod event;
mod health;
mod ipvs_branch;
pub mod liveness;
mod restart;

#[cfg(test)]
mod tests;

pub use child::{supervise, ChildResult};
pub use event::{ChildName, Severity, SupervisorEvent};
pub use health::{ChildHealth, Health};
pub use ipvs_branch::{IpvsControl, IpvsParts, IpvsWish, CONTROL_CAPACITY, REPORT_CAPACITY};
pub use liveness::{Stall, Watch, Watched};
pub use restart::RestartPolicy;

use crate::ports::clock::Clock;
use crate::ports::ipvs::Ipvs;
use crate::ports::kernel_modules::KernelModules;
use async_channel::Sender;
use holdfast_core::time::Duration;
use ipvs_branch::Branch;
use smol::{LocalExecutor, Task};
use std::future::Future;
use std::rc::Rc;

/// Capacity of the event channel to the daemon. Senders wait when it is full; the daemon reads
/// it in its main loop and during shutdown, so the wait is short.
pub const EVENT_CAPACITY: usize = 64;

/// Starts and owns the supervised tasks.
pub struct Supervisor<C> {
    executor: Rc<LocalExecutor<'static>>,
    clock: C,
    policy: RestartPolicy,
    events: Sender<SupervisorEvent>,
    children: Vec<Task<()>>,
    watch: Watch,
}

/// The running IPVS branch.
#[must_use = "dropping the handle cancels the IPVS branch without applying the stop policy"]
pub struct IpvsHandle {
    control: Sender<IpvsControl>,
    task: Task<()>,
}

impl<C: Clock + Clone + Unpin + 'static> Supervisor<C> {
    /// A supervisor spawning on `executor` and reporting to `events`.
    pub fn new(
        executor: Rc<LocalExecutor<'static>>,
        clock: C,
        policy: RestartPolicy,
        events: Sender<SupervisorEvent>,
    ) -> Self {
        Supervisor {
            executor,
            clock,
            policy,
            events,
            children: Vec::new(),
            watch: Watch::new(),
        }
    }

    /// The liveness of every task this supervisor starts, and from now on a pulse task every
    /// `pulse_every` that covers the rest of the executor (see [`liveness`]).
    pub fn watch(&mut self, pulse_every: Duration) -> Watch {
        let pulse = self
            .watch
            .clone()
            .run_pulse(self.clock.clone(), pulse_every);
        self.children.push(self.executor.spawn(pulse));
        self.watch.clone()
    }

    /// Starts the IPVS branch (module loader, then the IPVS actor once the loader proves `ip_vs`
    /// present) for `wish`.
    pub fn start_ipvs<K, F, P>(&self, parts: IpvsParts<K, F, C>, wish: IpvsWish) -> IpvsHandle
    where
        K: KernelModules + Clone + 'static,
        F: FnMut() -> Result<P, String> + 'static,
        P: Ipvs + 'static,
    {
        let (control, inbox) = async_channel::bounded(CONTROL_CAPACITY);
        let branch = Branch::new(
            parts,
            self.executor.clone(),
            self.events.clone(),
            wish,
            self.watch.clone(),
        );
        let task = self.executor.spawn(self.watch.watched(
            ChildName::Named("IPVS branch"),
            self.clock.clone(),
            branch.run(inbox),
        ));
        IpvsHandle { control, task }
    }

    /// Starts a child that depends on no other (the VRRP actor): `start` makes one run, which
    /// ends `Ok` when the child stopped on purpose and `Err(reason)` when it failed and must be
    /// restarted. The child runs until it stops or the supervisor is dropped.
    pub fn spawn_child<F, Fut>(&mut self, name: &'static str, start: F)
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = ChildResult> + 'static,
    {
        let child = supervise(
            ChildName::Named(name),
            self.clock.clone(),
            self.policy,
            self.events.clone(),
            start,
        );
        let task = self.executor.spawn(self.watch.watched(
            ChildName::Named(name),
            self.clock.clone(),
            child,
        ));
        self.children.push(task);
    }
}

impl IpvsHandle {
    /// Sends a (re)loaded configuration's wish; an unchanged one changes nothing.
    pub async fn configure(&self, wish: IpvsWish) {
        // Closed only once the branch has ended, when there is nothing left to configure.
        let _ = self.control.send(IpvsControl::Configure(wish)).await;
    }

    /// A cloneable sender of wishes to this branch, for a task that rebuilds the table on its
    /// own (the checker branch, on every health change).
    pub fn configurer(&self) -> IpvsConfigurer {
        IpvsConfigurer {
            control: self.control.clone(),
        }
    }

    /// Stops the branch: the IPVS actor applies its stop policy (bounded by the stop timeout),
    /// then the loader is dropped. The daemon must keep reading events meanwhile.
    pub async fn shutdown(self) {
        let _ = self.control.send(IpvsControl::Shutdown).await;
        self.task.await;
    }
}

/// Sends wishes to a running IPVS branch; see [`IpvsHandle::configurer`].
#[derive(Debug, Clone)]
pub struct IpvsConfigurer {
    control: Sender<IpvsControl>,
}

impl IpvsConfigurer {
    /// Sends a wish; an unchanged one changes nothing. Waits while the branch's inbox is full.
    pub async fn configure(&self, wish: IpvsWish) {
        // Closed only once the branch has ended, when there is nothing left to configure.
        let _ = self.control.send(IpvsControl::Configure(wish)).await;
    }
}
