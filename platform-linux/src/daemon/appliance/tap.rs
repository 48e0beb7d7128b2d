//! [`Tap`]: how the daemon's events reach the console. Every log line goes into the console's
//! event ring (the [`Log`](crate::daemon::log::Log) carries a tap); typed events (supervisor,
//! vrrp, checker, configuration) are folded into the [`Model`] and a fresh snapshot is published.
//!
//! Nothing here waits on the console device: [`ConsoleHandle::event`] and
//! [`ConsoleHandle::publish`] only take short locks, and the live queue behind them drops (and
//! counts) what a slow reader has not taken.

use super::model::Model;
use holdfast_actors::supervisor::{IpvsWish, Severity, SupervisorEvent};
use holdfast_actors::vrrp::{VrrpEvent, VrrpSetup};
use holdfast_core::checker::CheckerEvent;
use holdfast_core::config::model::Config;
use holdfast_yocto::console::ConsoleHandle;
use holdfast_yocto::events::Level;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The event ring's source name for daemon log lines.
pub const SOURCE: &str = "holdfast";

/// Cheap to clone and `Send`: the watchdog thread logs through one too.
#[derive(Clone)]
pub struct Tap {
    console: ConsoleHandle,
    model: Arc<Mutex<Model>>,
}

impl fmt::Debug for Tap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tap")
            .field("console", &self.console)
            .finish_non_exhaustive()
    }
}

/// The console's level for a log severity.
pub fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
        Severity::Debug => Level::Debug,
    }
}

impl Tap {
    /// A tap for the configuration file `config_path`, publishing to `console`.
    pub fn new(console: ConsoleHandle, config_path: String) -> Tap {
        Tap {
            console,
            model: Arc::new(Mutex::new(Model::new(config_path))),
        }
    }

    pub fn console(&self) -> &ConsoleHandle {
        &self.console
    }

    /// One log line into the event ring (never waits, never allocates).
    pub fn line(&self, severity: Severity, message: &dyn fmt::Display) {
        self.console
            .event(level(severity), SOURCE, format_args!("{message}"));
    }

    // Poisoning cannot leave the model half-updated in a way that matters (each fold is a few
    // assignments), and the release profile aborts on panic anyway.
    fn model(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fold(&self, f: impl FnOnce(&mut Model)) {
        let snapshot = {
            let mut model = self.model();
            f(&mut model);
            model.snapshot(self.console.now_ms())
        };
        self.console.publish(snapshot);
    }

    /// A configuration was admitted (start-up or reload).
    pub fn configured(&self, config: &Config, vrrp: Option<&VrrpSetup>, ipvs: Option<&IpvsWish>) {
        self.fold(|m| m.configured(config, vrrp, ipvs));
    }

    /// A reload was refused; `why` is its first reason.
    pub fn reload_refused(&self, why: &dyn fmt::Display) {
        let why = why.to_string();
        self.fold(|m| m.reload_refused(why));
    }

    pub fn supervisor(&self, event: &SupervisorEvent) {
        self.fold(|m| m.supervisor(event));
    }

    pub fn vrrp(&self, event: &VrrpEvent) {
        self.fold(|m| m.vrrp(event));
    }

    pub fn checker(&self, event: &CheckerEvent) {
        self.fold(|m| m.checker(event));
    }
}
