//! A stand-in for the daemon on a real watchdog (the QEMU test `tests/vm/vm-watchdog.sh`): one
//! "actor" thread beats while ALIVE_FILE exists, the feeder feeds `/dev/watchdog` while the actor
//! is alive, and STOP_FILE appearing makes a clean stop with the magic close.
//!
//! `watchdog-feed DEVICE TIMEOUT_S ALIVE_FILE STOP_FILE`. Freezing the process (SIGSTOP) or
//! removing ALIVE_FILE must let the watchdog reset the machine; creating STOP_FILE must not.
//! Messages go through `BootLog`, so started with stdout on /dev/null (as the VM test does) they
//! appear on the serial console through /dev/console.

use holdfast_yocto::bootlog::BootLog;
use holdfast_yocto::events::Level;
use holdfast_yocto::watchdog::{spawn_feeder, FeedEvent, Feeder, Heartbeats, LinuxWatchdog};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How often the actor beats and the main thread looks for STOP_FILE.
const TURN: Duration = Duration::from_millis(100);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [device, timeout, alive, stop] = args.as_slice() else {
        eprintln!("usage: watchdog-feed DEVICE TIMEOUT_S ALIVE_FILE STOP_FILE");
        return ExitCode::from(2);
    };
    let Ok(timeout) = timeout.parse::<u32>() else {
        eprintln!("watchdog-feed: bad timeout {timeout:?}");
        return ExitCode::from(2);
    };
    let (alive, stop) = (PathBuf::from(alive), PathBuf::from(stop));
    let log = Arc::new(Mutex::new(BootLog::open()));
    let say = {
        let log = Arc::clone(&log);
        move |level: Level, text: &str| {
            let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
            log.log(level, format_args!("{text}"));
        }
    };
    let target = log.lock().unwrap_or_else(PoisonError::into_inner).target();
    say(Level::Info, &format!("WDT log on {target}"));

    // An actor is hung after one second of silence, well inside any watchdog timeout.
    let heartbeats = Arc::new(Heartbeats::new(Duration::from_secs(1)));
    let heartbeat = heartbeats.register("actor");
    std::thread::spawn(move || loop {
        if alive.exists() {
            heartbeat.beat();
        }
        std::thread::sleep(TURN);
    });

    let device = match LinuxWatchdog::open(device.as_ref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("watchdog-feed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let feeder = match Feeder::new(device, heartbeats, timeout) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("watchdog-feed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = say.clone();
    let thread = match spawn_feeder(feeder, move |event| match event {
        FeedEvent::Armed { timeout_s } => {
            report(Level::Info, &format!("WDT armed timeout={timeout_s}s"))
        }
        FeedEvent::Withheld(stalled) => report(Level::Error, &format!("WDT withheld: {stalled}")),
        FeedEvent::Resumed => report(Level::Info, "WDT resumed"),
        FeedEvent::Error(e) => report(Level::Error, &format!("WDT error: {e}")),
    }) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("watchdog-feed: thread: {e}");
            return ExitCode::FAILURE;
        }
    };
    while !stop.exists() {
        std::thread::sleep(TURN);
    }
    match thread.stop() {
        Ok(stats) => {
            say(
                Level::Info,
                &format!(
                    "WDT magic close after {} feeds, {} withheld",
                    stats.feeds, stats.withheld
                ),
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(Level::Error, &format!("WDT stop failed: {e}"));
            ExitCode::FAILURE
        }
    }
}
