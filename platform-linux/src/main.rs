//! The `holdfast` binary: parses keepalived's command line and dispatches to the config test or
//! the daemon ([`holdfast_linux::daemon`]).

use holdfast_linux::cli::{self, Command};
use holdfast_linux::{config_test, daemon};

fn main() {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("holdfast: {e}");
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
