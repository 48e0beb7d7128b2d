//! keepalived.conf's grammar layer: text in, [`Statement`] tree and diagnostics out.
//!
//! This reproduces keepalived 2.2.7's reader (`lib/parser.c`: `read_line()`, `decomment()`,
//! `alloc_strvec_r()`, `replace_param()`, `add_seq()`, `add_lst()`, `check_include()`), the
//! version Debian 12 ships and holdfast is compared against. Where later keepalived versions
//! differ, the submodule docs say so. Files are reached only through a [`SourceLoader`].
//!
//! The private submodules, in the order a line meets them:
//! * `lines`: 1023-byte `fgets` pieces and `decomment()`;
//! * `stream`: `read_line()`: `@ID` lines, definitions (`defines`, `expand`), `generators`,
//!   `includes`, cutting at braces;
//! * `words`: splitting a line into words;
//! * `tree`: blocks from braces.
//!
//! Unlike keepalived, reading is bounded ([`ReaderOptions`]'s limits): include cycles, runaway
//! definitions and huge generators end in a [`Class::CannotRun`] diagnostic, never a hang.

mod defines;
mod diagnostics;
mod expand;
mod generators;
mod includes;
mod lines;
mod stream;
mod tree;
mod words;

use super::diag::{Diagnostic, SourceMap};
use super::source::SourceLoader;
use super::syntax::Statement;
use alloc::string::String;
use alloc::vec::Vec;

#[cfg(doc)]
use super::diag::Class;

/// What the reader needs besides the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Compared with `@ID` lines: `-i ID`, else the host name up to its first dot.
    pub config_id: String,
    /// `-e`: every include problem (missing file, no match, unreadable file) is
    /// [`Class::MissingFileStrict`] (keepalived exits 6) instead of a warning, as `includea`
    /// makes it for one include; a problem with the main file is then [`Class::CannotRun`].
    pub missing_include_is_fatal: bool,
    /// Seed for `${_RANDOM}` (keepalived seeds from the clock; the core never reads one).
    pub random_seed: u64,
    /// Value of `${_INSTANCE}` (keepalived uses the config id).
    pub instance: String,
    /// Deepest include nesting, the main file counting as 1.
    pub max_include_depth: usize,
    /// Most file reads in all (the same file included twice counts twice).
    pub max_files: usize,
    /// Longest value of a multi-line definition, in bytes.
    pub max_definition_len: usize,
    /// Most substitutions while expanding one line (a self-referring definition hits this).
    pub max_expansions_per_line: usize,
    /// Most substitutions in all.
    pub max_expansion_steps: usize,
    /// Most lines made by `~SEQ`, `~LST` and multi-line definitions, in all.
    pub max_generated_lines: usize,
    /// Most diagnostics listed; the rest are summarised in one (keeping their worst class).
    pub max_diagnostics: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            config_id: String::new(),
            missing_include_is_fatal: false,
            random_seed: 0,
            instance: String::new(),
            max_include_depth: 16,
            max_files: 256,
            max_definition_len: 64 * 1024,
            max_expansions_per_line: 1024,
            max_expansion_steps: 1 << 20,
            max_generated_lines: 100_000,
            max_diagnostics: 1000,
        }
    }
}

/// Everything read: the files (for rendering locations), the statements and the problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    pub sources: SourceMap,
    pub statements: Vec<Statement>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the configuration whose main file is `main_path` (a path or glob pattern, as
/// keepalived's `-f` takes; includes relative to it are joined to its directory).
pub fn read(
    main_path: &str,
    loader: &mut dyn SourceLoader,
    options: &ReaderOptions,
) -> ReadOutcome {
    let mut stream = stream::Stream::new(loader, options);
    stream.open_main(main_path);
    let statements = tree::build(&mut stream);
    ReadOutcome {
        sources: stream.sources,
        statements,
        diagnostics: stream.sink.finish(),
    }
}
