//! Fuzz target config_parse: arbitrary bytes become a statement tree (lines split into words, a
//! trailing `{` opens a block, a line starting with `}` closes one), which goes through
//! `parse` and `validate`. Neither may panic, and every parse diagnostic must carry a location.
#![no_main]
use holdfast_core::config::diag::{FileId, Location};
use holdfast_core::config::parse::parse;
use holdfast_core::config::syntax::Statement;
use holdfast_core::config::validate::{validate, FakeFacts};
use libfuzzer_sys::fuzz_target;

fn tree(text: &str) -> Vec<Statement> {
    let mut stack: Vec<Vec<Statement>> = vec![Vec::new()];
    for (n, line) in text.lines().enumerate() {
        let location = Location {
            file: FileId(0),
            line: u32::try_from(n + 1).unwrap_or(u32::MAX),
        };
        let mut words: Vec<String> = line.split_whitespace().map(String::from).collect();
        if words.first().map(String::as_str) == Some("}") {
            if stack.len() > 1 {
                let inner = stack.pop().unwrap_or_default();
                if let Some(last) = stack.last_mut().and_then(|p| p.last_mut()) {
                    last.block = Some(inner);
                }
            }
            continue;
        }
        let opens = words.last().map(String::as_str) == Some("{");
        if opens {
            words.pop();
        }
        if words.is_empty() {
            continue;
        }
        if let Some(top) = stack.last_mut() {
            top.push(Statement {
                words,
                location,
                block: None,
            });
        }
        if opens {
            stack.push(Vec::new());
        }
    }
    while stack.len() > 1 {
        let inner = stack.pop().unwrap_or_default();
        if let Some(last) = stack.last_mut().and_then(|p| p.last_mut()) {
            last.block = Some(inner);
        }
    }
    stack.pop().unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let statements = tree(&text);
    let (config, diags) = parse(&statements);
    assert!(diags.iter().all(|d| d.location.is_some()));
    let facts = FakeFacts::with_root()
        .interface("eth0")
        .root_script("/etc/keepalived/check.sh");
    let _ = validate(&config, &facts);
});
