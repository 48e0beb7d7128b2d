//! Shared helpers for the reader's integration tests: run the reader over in-memory files and
//! render its statements and diagnostics as text that golden tests compare.

#![allow(dead_code)]

use holdfast_core::config::diag::test_exit_code;
use holdfast_core::config::reader::{read, ReadOutcome, ReaderOptions};
use holdfast_core::config::source::MemoryLoader;
use holdfast_core::config::syntax::Statement;

pub const MAIN: &str = "/etc/keepalived/keepalived.conf";

/// Reads `files` (path, text) starting at the first one's path.
pub fn read_files(files: &[(&str, &str)], options: &ReaderOptions) -> ReadOutcome {
    let mut loader = MemoryLoader::new();
    for (path, text) in files {
        loader.insert(*path, *text);
    }
    let main = files.first().map(|f| f.0).unwrap_or(MAIN);
    read(main, &mut loader, options)
}

/// Reads one main file with default options.
pub fn read_main(text: &str) -> ReadOutcome {
    read_files(&[(MAIN, text)], &ReaderOptions::default())
}

fn word(w: &str) -> String {
    if w.is_empty()
        || w.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '{' || c == '}')
    {
        format!("{w:?}")
    } else {
        w.to_string()
    }
}

fn render_into(out: &mut String, out_sources: &ReadOutcome, list: &[Statement], depth: usize) {
    for s in list {
        let words: Vec<String> = s.words.iter().map(|w| word(w)).collect();
        let file = out_sources.sources.name(s.location.file);
        let file = file.rsplit('/').next().unwrap_or(file);
        out.push_str(&"  ".repeat(depth));
        out.push_str(&format!("{}:{} {}", file, s.location.line, words.join(" ")));
        match &s.block {
            Some(children) => {
                out.push_str(" {\n");
                render_into(out, out_sources, children, depth + 1);
                out.push_str(&"  ".repeat(depth));
                out.push_str("}\n");
            }
            None => out.push('\n'),
        }
    }
}

/// The statements as `file:line words`, blocks indented, file names without directories.
pub fn tree(outcome: &ReadOutcome) -> String {
    let mut out = String::new();
    render_into(&mut out, outcome, &outcome.statements, 0);
    out
}

/// Every diagnostic as `Class: file:line: message`.
pub fn diags(outcome: &ReadOutcome) -> Vec<String> {
    outcome
        .diagnostics
        .iter()
        .map(|d| format!("{:?}: {}", d.class, d.display(&outcome.sources)))
        .collect()
}

pub fn exit_code(outcome: &ReadOutcome) -> i32 {
    test_exit_code(&outcome.diagnostics)
}
