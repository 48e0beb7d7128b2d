//! The holdfast daemon (`holdfast -f FILE -n -l ...`): load and admit the configuration, go to
//! the background unless `-n`, write the pid files, and run the supervised actors on one
//! `smol::LocalExecutor` under [`local_reactor::block_on`](crate::net::local_reactor::block_on)
//! until TERM or INT: the IPVS branch when the
//! configuration has virtual servers (not under `-P`), the vrrp actor ([`vrrp_branch`]) when it
//! has `vrrp_instance`s (not under `-C`), with the tracker ([`track_branch`]) when an instance
//! tracks scripts, interfaces or files.
//!
//! A configuration the daemon cannot run ([`admit`]) is refused before anything starts: each
//! reason is logged as `file:line: message` and the process exits 2 after
//! [`REFUSAL_BACKOFF`], because init's respawn has no rate limit (FIELD-NOTES §7). Every other
//! fatal exit (cannot go to the background, another daemon holds the pid file, signals cannot be
//! caught) waits as long before exiting 1.
//!
//! The appliance runtime ([`appliance`]): `--console` and `--watchdog` start once the
//! configuration is admitted and the daemon is in the background, and stop after it.
//!
//! Threads: the executor is this thread; smol's reactor adds its one `async-io` thread and the
//! kernel-module port runs module loads on the `blocking` pool, capped at
//! [`BLOCKING_THREADS`]. There is no global executor. The `async-io` thread alone waits on
//! smol's reactor (timers, netlink, signals): under `smol::block_on` this thread and that one
//! took turns at it, with a futex hand-over and a 50 µs–10 ms back-off poll around most
//! wake-ups (measured: a third more CPU for 100 instances at 0.1 s). The VRRP sockets are not on
//! it: this thread waits for them in its own `epoll_wait` (`net::local_reactor`), so a burst of
//! adverts wakes no other thread.

pub mod admit;
pub mod appliance;
mod checker_branch;
pub mod json_dump;
pub mod log;
pub mod pidfile;
mod residency;
mod run;
pub mod state;
mod sys;
pub mod track_branch;
pub mod vrrp_branch;

use crate::cli::Options;
use crate::load::load;
use crate::net::QuietFuture;
use holdfast_core::ipvs::from_config::QuorumStates;
use log::Log;
use pidfile::PidFiles;
use smol::LocalExecutor;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

/// keepalived's exit code for a configuration it cannot run.
pub const EXIT_CONFIG: i32 = 2;
/// keepalived's exit code for any other fatal error.
pub const EXIT_FATAL: i32 = 1;
/// Wait before exiting on a refused configuration, so a respawning init does not spin.
pub const REFUSAL_BACKOFF: Duration = Duration::from_secs(2);
/// Threads the `blocking` pool may use for module loads.
pub const BLOCKING_THREADS: &str = "2";

/// Runs the daemon with `options` and returns the exit code.
pub fn run(options: &Options) -> i32 {
    if std::env::var_os("BLOCKING_MAX_THREADS").is_none() {
        // Still one thread here: nothing reads the environment concurrently.
        std::env::set_var("BLOCKING_MAX_THREADS", BLOCKING_THREADS);
    }
    let mut log = if options.log_console {
        Log::console(options.log_detail)
    } else {
        Log::syslog(options.syslog_facility, options.log_detail)
    };
    if let Some(tap) = appliance::tap(options) {
        log.set_tap(tap);
    }
    log.info(format_args!(
        "starting holdfast {} with {}",
        env!("CARGO_PKG_VERSION"),
        options.config_file.display()
    ));
    for flag in &options.ignored {
        log.info(format_args!(
            "{flag}: accepted for keepalived compatibility, ignored"
        ));
    }

    let loaded = load(options);
    let mut quorum = QuorumStates::new();
    let admitted = match admit::admit(&loaded, options.subsystems, &mut quorum) {
        Ok(a) => a,
        Err(reasons) => {
            for r in &reasons {
                log.error(r);
            }
            log.error(format_args!(
                "configuration refused; exiting with {EXIT_CONFIG} in {} s",
                REFUSAL_BACKOFF.as_secs()
            ));
            std::thread::sleep(REFUSAL_BACKOFF);
            return EXIT_CONFIG;
        }
    };
    for line in loaded.rendered_diagnostics() {
        log.warning(line);
    }
    if let Some(tap) = log.tap() {
        tap.configured(
            &admitted.config,
            admitted.vrrp.as_ref(),
            admitted.ipvs.as_ref(),
        );
    }
    if options.dump_conf {
        // -d: the resolved configuration in the log, as the JSON `-t --dump-config json` prints.
        for line in crate::dump::to_json(&loaded.config, &loaded.sources).lines() {
            log.info(line);
        }
    }

    if !options.foreground {
        if let Err(e) = sys::daemonize(options.log_console) {
            log.error(format_args!("cannot go to the background: {e}"));
            return fatal_exit(&log, EXIT_FATAL);
        }
        log.forked(std::process::id());
    }
    let _pid_files = match PidFiles::write(
        &pidfile::paths(options),
        std::process::id(),
        Path::new("/proc"),
    ) {
        Ok(files) => files,
        Err(e) => {
            log.error(&e);
            return fatal_exit(&log, EXIT_FATAL);
        }
    };

    // The source text, the parsed model and its diagnostics are not needed past start-up:
    // what runs holds its own setup (a reload loads the files again).
    drop(loaded);
    let console = appliance::start_console(options, &log);
    let executor = Rc::new(LocalExecutor::new());
    let main = run::run(executor.clone(), options, &log, admitted, quorum);
    // The main task waits on signals and channels; `Quiet` keeps it from being polled (a
    // `recvfrom` on the signal pipe each time) on every wake-up of another task.
    let code = crate::net::local_reactor::block_on(executor.run(QuietFuture::new(main)));
    appliance::stop_console(console, &log);
    if code == 0 {
        code
    } else {
        fatal_exit(&log, code)
    }
}

/// Waits [`REFUSAL_BACKOFF`] before a fatal exit, so a respawning init does not spin.
fn fatal_exit(log: &Log, code: i32) -> i32 {
    log.error(format_args!(
        "exiting with {code} in {} s",
        REFUSAL_BACKOFF.as_secs()
    ));
    std::thread::sleep(REFUSAL_BACKOFF);
    code
}
