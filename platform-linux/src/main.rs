//! The `holdfast` binary: parses keepalived's command line and dispatches to the config test or
//! the daemon ([`holdfast_linux::daemon`]).
//!
//! A command line that does not parse exits 1 as keepalived does, but only after
//! [`daemon::REFUSAL_BACKOFF`] when it was meant to start the daemon: an inittab `respawn` line
//! with a typo would otherwise restart holdfast every second for ever. `-t`, `-h` and `-v` (the
//! commands a person types) fail at once.

use holdfast_linux::cli::{self, Command};
use holdfast_linux::{config_test, daemon};
use std::ffi::OsString;

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let command = match cli::parse(args.iter().cloned()) {
        Ok(c) => c,
        Err(e) => {
            if meant_for_the_daemon(&args) {
                eprintln!(
                    "holdfast: {e}; exiting with 1 in {} s",
                    daemon::REFUSAL_BACKOFF.as_secs()
                );
                std::thread::sleep(daemon::REFUSAL_BACKOFF);
            } else {
                eprintln!("holdfast: {e}");
            }
            // keepalived exits 1 on a bad command line.
            std::process::exit(1);
        }
    };
    let code = match command {
        Command::Help => {
            print!("{}", cli::HELP);
            0
        }
        Command::Version => {
            println!(
                "holdfast {} (keepalived 2.2.7 configuration compatible)",
                env!("CARGO_PKG_VERSION")
            );
            0
        }
        Command::Run(options) if options.config_test.is_some() => config_test::run(&options),
        Command::Run(options) => daemon::run(&options),
    };
    std::process::exit(code);
}

/// Whether a command line that failed to parse asked for the daemon: it names none of the
/// commands that end at once (`-t`, `-h`, `-v`, alone or in a cluster of short flags).
fn meant_for_the_daemon(args: &[OsString]) -> bool {
    !args.iter().any(|a| {
        let a = a.to_string_lossy();
        let long = ["--config-test", "--help", "--version"]
            .iter()
            .any(|l| a == *l || a.starts_with(&format!("{l}=")));
        let short = a.starts_with('-')
            && !a.starts_with("--")
            && a.chars().skip(1).any(|c| matches!(c, 't' | 'h' | 'v'));
        long || short
    })
}
