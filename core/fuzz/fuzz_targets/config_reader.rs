//! Fuzz target for the keepalived.conf reader: arbitrary bytes as the main file and, after the
//! first 0xFF byte, as a second file the main one may include (`include inc.conf`, `*.conf`,
//! `{inc,x}.conf`). Checks that reading never panics, stays within its limits, and returns a
//! well-formed tree whose locations name files it read.
#![no_main]

use holdfast_core::config::reader::{read, ReaderOptions};
use holdfast_core::config::source::MemoryLoader;
use holdfast_core::config::syntax::Statement;
use libfuzzer_sys::fuzz_target;

const MAIN: &str = "/etc/keepalived/keepalived.conf";
const INCLUDED: &str = "/etc/keepalived/inc.conf";

fn check(list: &[Statement], files: usize, count: &mut usize) {
    for s in list {
        *count += 1;
        assert!(!s.words.is_empty(), "a statement without words");
        assert!(usize::from(s.location.file.0) < files, "location names an unknown file");
        assert!(s.location.line >= 1, "line numbers start at 1");
        if let Some(block) = &s.block {
            check(block, files, count);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (main, included) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut loader = MemoryLoader::new();
    loader.insert(MAIN, String::from_utf8_lossy(main));
    loader.insert(INCLUDED, String::from_utf8_lossy(included));
    // Small limits keep each run fast; the limits themselves are part of what is tested.
    let options = ReaderOptions {
        config_id: "lb1".into(),
        instance: "lb1".into(),
        random_seed: 1,
        max_generated_lines: 5_000,
        max_expansion_steps: 50_000,
        max_diagnostics: 200,
        ..ReaderOptions::default()
    };
    let outcome = read(MAIN, &mut loader, &options);
    let files = outcome.sources.files().len();
    let mut count = 0;
    check(&outcome.statements, files, &mut count);
    // Every statement comes from a line read from a file or made by a generator or a
    // multi-line definition, and a line (at most 1023 bytes after expansion) holds at most
    // 512 statements.
    let lines = main.len() + included.len() * options.max_files + 1 + options.max_generated_lines;
    assert!(count <= lines * 512, "{count} statements from {lines} lines");
    assert!(outcome.diagnostics.len() <= options.max_diagnostics + 8);
    for d in &outcome.diagnostics {
        let _ = d.display(&outcome.sources).to_string();
    }
});
