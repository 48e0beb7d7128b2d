//! Loading a configuration the way both `holdfast -t` and the daemon do: read (with the
//! command line's config id and `-e`), parse, validate against the live system.

use crate::cli::Options;
use crate::config_files::{default_config_id, FsLoader};
use crate::system_facts::LinuxFacts;
use holdfast_core::config::diag::{Diagnostic, SourceMap};
use holdfast_core::config::model::Config;
use holdfast_core::config::reader::{self, ReaderOptions};
use holdfast_core::config::{parse, validate};
use std::collections::BTreeSet;

/// A configuration with every problem found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub sources: SourceMap,
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
    /// The `vrrp_script`s validation disabled (`Validation::disabled_vrrp_scripts`).
    pub disabled_vrrp_scripts: BTreeSet<String>,
}

impl Loaded {
    /// The problems as `file:line: message` lines, in the order found.
    pub fn rendered_diagnostics(&self) -> impl Iterator<Item = String> + '_ {
        self.diagnostics
            .iter()
            .map(|d| d.display(&self.sources).to_string())
    }
}

/// Reads, parses and validates the configuration the options name.
pub fn load(options: &Options) -> Loaded {
    let reader_options = ReaderOptions {
        config_id: options.config_id.clone().unwrap_or_else(default_config_id),
        missing_include_is_fatal: options.missing_include_is_fatal,
        random_seed: seed(),
        ..ReaderOptions::default()
    };
    let main_path = options.config_file.to_string_lossy();
    let read = reader::read(&main_path, &mut FsLoader, &reader_options);
    let mut diagnostics = read.diagnostics;
    let (config, parse_diags) = parse::parse(&read.statements);
    diagnostics.extend(parse_diags);
    let validation = validate::validate_config(&config, &LinuxFacts::default());
    diagnostics.extend(validation.diagnostics);
    Loaded {
        sources: read.sources,
        config,
        diagnostics,
        disabled_vrrp_scripts: validation.disabled_vrrp_scripts,
    }
}

/// `${_RANDOM}` differs per run in keepalived; the time and pid are random enough for that.
fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}
