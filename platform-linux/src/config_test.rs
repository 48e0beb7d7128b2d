//! `holdfast -t`: check a configuration, print every problem as `file:line: message`, and exit
//! with keepalived's code (0 ok, 2 abort, 4 cannot run, 5 errors, 6 script security), optionally
//! printing the resolved model as JSON (`--dump-config json`).

use crate::cli::{DumpFormat, Options};
use crate::dump;
use crate::load::load;
use holdfast_core::config::diag::test_exit_code;
use std::io::Write;

/// Runs the check and returns the process exit code.
pub fn run(options: &Options) -> i32 {
    let loaded = load(options);
    let code = test_exit_code(&loaded.diagnostics);
    let report: Vec<String> = loaded.rendered_diagnostics().collect();
    let written = match options.config_test.as_ref().and_then(Option::as_ref) {
        Some(path) => std::fs::write(
            path,
            report.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .map_err(|e| {
            format!(
                "holdfast: cannot write the report to {}: {e}",
                path.display()
            )
        }),
        None => {
            let mut err = std::io::stderr().lock();
            report
                .iter()
                .try_for_each(|l| writeln!(err, "{l}"))
                .map_err(|e| e.to_string())
        }
    };
    if let Err(e) = written {
        eprintln!("{e}");
    }
    if options.dump_config == Some(DumpFormat::Json) {
        let json = dump::to_json(&loaded.config, &loaded.sources);
        println!("{json}");
    }
    code
}
