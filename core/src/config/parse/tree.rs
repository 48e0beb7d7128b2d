//! Test helper: builds [`Statement`] trees from a compact notation so parser tests do not depend
//! on the reader.
//!
//! One statement per line, words split on white space, `"…"` keeps spaces inside one word, a
//! trailing `{` opens the statement's block and a line `}` closes it. Lines count from 1 in file 0.

use crate::config::diag::{FileId, Location};
use crate::config::syntax::Statement;
use alloc::string::String;
use alloc::vec::Vec;

/// The statements of `text`.
pub(crate) fn tree(text: &str) -> Vec<Statement> {
    let mut stack: Vec<Vec<Statement>> = alloc::vec![Vec::new()];
    for (n, line) in text.lines().enumerate() {
        let location = Location {
            file: FileId(0),
            line: u32::try_from(n + 1).unwrap_or(u32::MAX),
        };
        let mut words = split(line);
        if words.first().map(String::as_str) == Some("}") {
            let inner = stack.pop().expect("unbalanced } in test tree");
            let parent = stack.last_mut().expect("unbalanced } in test tree");
            parent.last_mut().expect("} without a block").block = Some(inner);
            continue;
        }
        let opens = words.last().map(String::as_str) == Some("{");
        if opens {
            words.pop();
        }
        if words.is_empty() {
            continue;
        }
        stack
            .last_mut()
            .expect("stack never empty")
            .push(Statement {
                words,
                location,
                block: None,
            });
        if opens {
            stack.push(Vec::new());
        }
    }
    assert_eq!(stack.len(), 1, "unclosed block in test tree");
    stack.pop().unwrap_or_default()
}

fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(core::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

#[test]
fn builds_nested_blocks_with_lines() {
    let t = tree("a 1\nb {\n  \"c d\" e\n}\n");
    assert_eq!(t.len(), 2);
    assert_eq!(t[1].location.line, 2);
    let inner = t[1].block.as_ref().unwrap();
    assert_eq!(inner[0].words, ["c d", "e"]);
    assert_eq!(inner[0].location.line, 3);
}
