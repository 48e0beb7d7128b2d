//! The module-loader actor: makes `ip_vs` and every module the IPVS configuration needs present
//! before anything talks to IPVS, and keeps retrying what is missing.
//!
//! ```text
//!  config actor ──LoaderInput (cap 4, sender waits)──▶ module loader ──LoaderUpdate (cap 4,
//!  ipvs actor ───LoaderInput::Recheck ─────────────────▶      │          newest wins)──▶ ipvs actor
//!                                                             ▼
//!                                        KernelModules port, Clock port
//! ```
//!
//! Each round reads the index of the running kernel (an absent tree is reported and retried:
//! FIELD-NOTES §2, a tree mounted later gives no event), plans the closure with
//! `ModuleDb::closure`, and walks it with `Round`: live modules are left alone, the others are
//! loaded through the port in dependency order. A round that ends with a wanted module missing
//! is followed by another after a [`Backoff`] delay (250 ms doubling to 30 s); a new
//! [`LoaderInput::Want`] or [`LoaderInput::Recheck`] starts one at once.
//!
//! After every round whose outcome differs from the last one published, the actor publishes a
//! [`LoaderUpdate`]: the full report, plus the [`ModulesReady`] proof once `ip_vs` is present,
//! and the needs the round was for. The needs make the round after a [`LoaderInput::Want`] with
//! new needs always publish: that update is the answer the IPVS branch waits for before it gives
//! the reloaded table to the IPVS actor. Updates are complete snapshots, so when the channel is
//! full the oldest is dropped (`force_send`): the consumer only ever needs the newest.

mod round;

pub mod fake;

use crate::gate::ModulesReady;
use crate::ports::clock::Clock;
use crate::ports::kernel_modules::KernelModules;
use async_channel::{Receiver, RecvError, Sender};
use futures_lite::future;
use holdfast_core::modules::{Backoff, IpvsNeeds, LoadReport};

/// Capacity of the loader's inbox; senders wait when it is full (inputs are rare: start-up,
/// reloads, an IPVS "scheduler not found").
pub const INBOX_CAPACITY: usize = 4;
/// Capacity of the update channel; when full the oldest update is dropped.
pub const UPDATE_CAPACITY: usize = 4;

/// What the loader is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoaderInput {
    /// The modules the configuration needs now (replaces the previous needs; sent at start-up
    /// and after every reload).
    Want(IpvsNeeds),
    /// Run a round now (the IPVS side got ENOENT for a scheduler, or the family went away).
    Recheck,
}

/// What the loader publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderUpdate {
    pub report: LoadReport,
    /// Present once `ip_vs` is, naming the wanted schedulers that are present.
    pub ready: Option<ModulesReady>,
    /// The needs this round answered: those of the last [`LoaderInput::Want`] taken before it.
    pub needs: IpvsNeeds,
}

/// Why the loader stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderExit {
    /// Every input sender is gone.
    InboxClosed,
    /// Nobody listens for updates any more.
    UpdatesClosed,
}

/// How the loader behaves. The default: 250 ms doubling to 30 s, no `modprobe`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoaderSettings {
    /// Delays between rounds while something wanted is missing.
    pub backoff: Backoff,
    /// Try the system `modprobe` for a module whose file the kernel rejected.
    pub modprobe_fallback: bool,
}

/// The actor's state.
pub struct ModuleLoader<K, C> {
    kernel: K,
    clock: C,
    settings: LoaderSettings,
    backoff: Backoff,
    needs: IpvsNeeds,
    last: Option<LoaderUpdate>,
}

enum Wake {
    Input(Result<LoaderInput, RecvError>),
    Timer,
}

impl<K: KernelModules, C: Clock> ModuleLoader<K, C> {
    /// A loader that wants `needs` (at least `ip_vs`).
    pub fn new(kernel: K, clock: C, settings: LoaderSettings, needs: IpvsNeeds) -> Self {
        ModuleLoader {
            kernel,
            clock,
            settings,
            backoff: settings.backoff,
            needs,
            last: None,
        }
    }

    /// Runs rounds until the inbox or the update channel closes.
    pub async fn run(
        mut self,
        inbox: Receiver<LoaderInput>,
        updates: Sender<LoaderUpdate>,
    ) -> LoaderExit {
        loop {
            let report = round::run(
                &self.kernel,
                &self.needs.modules(),
                self.settings.modprobe_fallback,
                self.last.as_ref().map(|u| &u.report),
            )
            .await;
            let retry = !report.is_ready();
            let update = self.update_for(report);
            if self.last.as_ref() != Some(&update) {
                self.last = Some(update.clone());
                if updates.force_send(update).is_err() {
                    return LoaderExit::UpdatesClosed;
                }
            }
            if updates.is_closed() {
                return LoaderExit::UpdatesClosed;
            }
            let input = async { Wake::Input(inbox.recv().await) };
            let wake = if retry {
                let deadline = self.clock.now() + self.backoff.next_delay();
                let timer = async {
                    self.clock.sleep_until(deadline).await;
                    Wake::Timer
                };
                future::or(input, timer).await
            } else {
                input.await
            };
            match wake {
                Wake::Timer => {}
                Wake::Input(Ok(LoaderInput::Want(needs))) => {
                    self.needs = needs;
                    self.backoff.reset();
                }
                Wake::Input(Ok(LoaderInput::Recheck)) => self.backoff.reset(),
                Wake::Input(Err(RecvError)) => return LoaderExit::InboxClosed,
            }
        }
    }

    fn update_for(&self, report: LoadReport) -> LoaderUpdate {
        let ready = report.ipvs_present().then(|| {
            let present = self
                .needs
                .schedulers()
                .iter()
                .filter(|(_, module)| report.is_present(module))
                .map(|(sched, _)| sched.clone());
            ModulesReady::new(present)
        });
        LoaderUpdate {
            report,
            ready,
            needs: self.needs.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
