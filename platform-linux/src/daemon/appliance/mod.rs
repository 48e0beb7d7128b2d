//! The appliance runtime wired into the daemon: the serial console (`--console DEV`) and the
//! hardware watchdog (`--watchdog DEV`), both from `holdfast_yocto`.
//!
//! ```text
//!  Log::line ──────────────── Tap::line ──▶ ConsoleHandle ring + live queue ──▶ console thread
//!  State::observe (supervisor)┐                 ▲ publish(Snapshot)               (TtyDevice)
//!  vrrp events (run.rs) ──────┼─ Tap ─▶ Model ──┘                   reload ──▶ SIGHUP to self
//!  checker events ────────────┘
//!  Supervisor::watch ─▶ Watch ─▶ Liveness ─▶ Feeder thread ─▶ LinuxWatchdog (/dev/watchdog)
//! ```
//!
//! - Console: [`start_console`] runs the console thread on the device; the daemon never waits
//!   for it (the handle's calls take short locks; a full live queue drops and counts). `reload`
//!   sends the daemon SIGHUP, so it does exactly what SIGHUP does.
//! - Watchdog: [`start_watchdog`] opens the device, sets `--watchdog-timeout` and feeds it every
//!   third of the timeout while the supervisor's [`Watch`] sees no task stuck in one poll for
//!   [`stall_limit`] and the executor's pulse on time. [`WatchdogRun::stop`] is the clean stop's
//!   magic close; any other exit (a crash, SIGKILL, SIGSTOP) leaves it armed, so the board resets.
//! - Both start after the daemon has gone to the background (threads do not survive a fork)
//!   and after the configuration was admitted (a refused configuration must not reset the board:
//!   init's respawn would turn a typo into a reboot loop).

mod model;
mod tap;

pub use model::{modules_view, Model, MAX_LISTED_FAILURES};
pub use tap::{level, Tap, SOURCE};

use super::log::Log;
use crate::cli::Options;
use crate::clock::MonotonicClock;
use holdfast_actors::ports::clock::Clock;
use holdfast_actors::supervisor::{Severity, Supervisor, Watch};
use holdfast_core::time::Duration;
use holdfast_yocto::console::{
    spawn_console, ConsoleHandle, ConsoleThread, ReloadHook, TtySettings,
};
use holdfast_yocto::watchdog::{
    spawn_feeder, FeedEvent, Feeder, FeederThread, LinuxWatchdog, Stalled,
};

/// The shortest stall limit: below it a loaded board would reset for nothing.
pub const MIN_STALL_LIMIT: Duration = Duration::from_secs(1);

/// The tap for `--console`, made before anything is logged so the ring holds the start-up.
pub fn tap(options: &Options) -> Option<Tap> {
    options.console.as_ref()?;
    Some(Tap::new(
        ConsoleHandle::new(),
        options.config_file.display().to_string(),
    ))
}

/// Starts the console thread on `--console`'s device. A device that cannot be opened is logged
/// and the daemon runs on without a console (the console is for diagnosis; it must not stop
/// VRRP).
pub fn start_console(options: &Options, log: &Log) -> Option<ConsoleThread> {
    let (path, tap) = (options.console.as_ref()?, log.tap()?);
    let reload: ReloadHook = Box::new(|| {
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::HUP)
            .map_err(|e| format!("cannot signal the daemon: {e}"))
    });
    match spawn_console(path, TtySettings::default(), tap.console().clone(), reload) {
        Ok(thread) => {
            log.info(format_args!("console on {}", path.display()));
            Some(thread)
        }
        Err(e) => {
            log.error(format_args!(
                "console {}: {e}; running without it",
                path.display()
            ));
            None
        }
    }
}

/// Stops the console thread (within its poll interval, even with a reader that never reads).
pub fn stop_console(console: Option<ConsoleThread>, log: &Log) {
    if let Some(Err(e)) = console.map(ConsoleThread::stop) {
        log.warning(format_args!("console ended with an error: {e}"));
    }
}

/// How long one task may stay inside one poll (or the executor go without running its pulse)
/// before the feeding stops: half the timeout, so a hang resets the board within about 1.8
/// timeouts, and at least [`MIN_STALL_LIMIT`].
pub fn stall_limit(timeout_s: u32) -> Duration {
    let half = Duration::from_millis(u64::from(timeout_s) * 500);
    if half < MIN_STALL_LIMIT {
        MIN_STALL_LIMIT
    } else {
        half
    }
}

/// The liveness the feeder asks: the supervisor's [`Watch`] on the daemon's clock.
pub type DaemonLiveness = Box<dyn Fn(std::time::Instant) -> Result<(), Stalled> + Send>;

/// The feeder's question, answered by `watch` with the daemon's `clock` (the feeder's own
/// `std::time::Instant` is not the clock the supervisor stamps with).
pub fn liveness(watch: Watch, clock: MonotonicClock, limit: Duration) -> DaemonLiveness {
    Box::new(move |_| {
        watch.check(clock.now(), limit).map_err(|s| Stalled {
            actor: s.task.clone(),
            silent_for: std::time::Duration::from_millis(s.for_.total_millis()),
        })
    })
}

/// A running watchdog feeder.
pub struct WatchdogRun {
    feeder: FeederThread<LinuxWatchdog, DaemonLiveness>,
}

/// Opens `--watchdog`'s device and starts feeding it while `supervisor`'s tasks are alive. A
/// device that cannot be opened or configured is logged and the daemon runs without it.
pub fn start_watchdog(
    options: &Options,
    log: &Log,
    supervisor: &mut Supervisor<MonotonicClock>,
    clock: MonotonicClock,
) -> Option<WatchdogRun> {
    let path = options.watchdog.as_ref()?;
    let limit = stall_limit(options.watchdog_timeout);
    let device = match LinuxWatchdog::open(path) {
        Ok(d) => d,
        Err(e) => {
            log.error(format_args!(
                "{}: {e}; running without the watchdog",
                path.display()
            ));
            return None;
        }
    };
    let watch = supervisor.watch(pulse_interval(limit));
    let feeder = match Feeder::new(
        device,
        liveness(watch, clock, limit),
        options.watchdog_timeout,
    ) {
        Ok(f) => f,
        Err(e) => {
            // Dropped without the magic close: the device stays armed with the driver's
            // default timeout, which a restart of holdfast (or a reset) then deals with.
            log.error(format_args!(
                "{}: {e}; running without the watchdog",
                path.display()
            ));
            return None;
        }
    };
    // The feeder thread logs its own changes: when it withholds the feed the executor (and so
    // the daemon's own log calls) may be the thing that hangs.
    let interval_ms = feeder.interval().as_millis();
    let thread_log = log.twin();
    let device_name = path.display().to_string();
    let report = move |event: FeedEvent| {
        match event {
        FeedEvent::Armed { timeout_s } => thread_log.info(format_args!(
            "watchdog {device_name} armed: timeout {timeout_s} s, fed every {} ms while no task is stuck for {limit}",
            interval_ms
        )),
        FeedEvent::Withheld(stalled) => thread_log.line(
            Severity::Error,
            format_args!("watchdog: feeding withheld: {stalled}; the board resets unless it recovers"),
        ),
        FeedEvent::Resumed => thread_log.warning("watchdog: every task is alive again; feeding resumed"),
        FeedEvent::Error(e) => thread_log.error(format_args!("watchdog: {e}")),
    }
    };
    match spawn_feeder(feeder, report) {
        Ok(feeder) => Some(WatchdogRun { feeder }),
        Err(e) => {
            log.error(format_args!("watchdog thread: {e}; the device stays armed"));
            None
        }
    }
}

/// How often the executor's pulse runs: four times per stall limit.
pub fn pulse_interval(limit: Duration) -> Duration {
    Duration::from_millis((limit.total_millis() / 4).max(100))
}

impl WatchdogRun {
    /// The clean stop: ends the feeder and disarms the watchdog with the magic close.
    pub fn stop(self, log: &Log) {
        match self.feeder.stop() {
            Ok(stats) => log.info(format_args!(
                "watchdog disarmed (magic close) after {} feeds, {} withheld",
                stats.feeds, stats.withheld
            )),
            Err(e) => log.error(format_args!("watchdog: {e}; it stays armed")),
        }
    }
}

#[cfg(test)]
mod tests;
