//! Building the [`Statement`] tree from finished lines: words, and blocks from braces.
//!
//! Braces arrive as lines of their own (the stream cut them off). A `{` right after a
//! statement opens that statement's block; a `}` closes the innermost block. keepalived
//! decides block membership keyword by keyword; the reader only checks balance, as
//! keepalived's `read_line()` does: an extra `}` and blocks left open at the end are errors
//! (`Extra '}' found`, `There are N missing '}'s or extra '{'s`: `-t` exits 5). A `{` that
//! follows no statement is reported too (keepalived: `Unexpected '{' - ignoring`); the
//! statements up to its `}` stay at the level around it.

use super::diagnostics::quote;
use super::stream::Stream;
use super::words::split_words;
use crate::config::diag::{Class, Location};
use crate::config::syntax::Statement;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

enum Opener {
    Block(Statement),
    Stray(Location),
}

fn words_text(words: &[String]) -> String {
    quote(words.join(" ").as_bytes())
}

/// Files `children` under what opened them, into `parent`.
fn close(opener: Opener, children: Vec<Statement>, parent: &mut Vec<Statement>) {
    match opener {
        Opener::Block(mut s) => {
            s.block = Some(children);
            parent.push(s);
        }
        Opener::Stray(_) => parent.extend(children),
    }
}

pub(crate) fn build(stream: &mut Stream<'_>) -> Vec<Statement> {
    let mut top: Vec<Statement> = Vec::new();
    let mut stack: Vec<(Opener, Vec<Statement>)> = Vec::new();
    let mut after_statement = false;

    while let Some(line) = stream.next_line() {
        let loc = line.location;
        let (raw_words, unmatched) = split_words(&line.text);
        if let Some(at) = unmatched {
            let text = line.text.get(at..).unwrap_or(&[]);
            stream.report_quote(
                loc,
                text,
                "unmatched quote (the rest of the line is ignored)",
            );
        }
        let words: Vec<String> = raw_words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let Some(first) = words.first() else {
            continue;
        };
        if first == "{" || first == "}" {
            if let Some(extra) = words.get(1..).filter(|e| !e.is_empty()) {
                stream.sink.at(
                    Class::Warning,
                    loc,
                    format!(
                        "keepalived takes a quoted \"{first}\" as a brace and ignores {} after it; \
                         remove the quotes or the text",
                        words_text(extra)
                    ),
                );
            }
        }
        if first == "{" {
            let current = match stack.last_mut() {
                Some((_, c)) => c,
                None => &mut top,
            };
            let opener = if after_statement && current.last().is_some_and(|s| s.block.is_none()) {
                current.pop().map(Opener::Block)
            } else {
                None
            };
            let opener = opener.unwrap_or_else(|| {
                stream.sink.at(
                    Class::Error,
                    loc,
                    "unexpected '{': it does not follow a keyword, so keepalived ignores it; put \
                     it after the keyword that starts the block",
                );
                Opener::Stray(loc)
            });
            stack.push((opener, Vec::new()));
            after_statement = false;
        } else if first == "}" {
            match stack.pop() {
                Some((opener, children)) => {
                    let parent = match stack.last_mut() {
                        Some((_, c)) => c,
                        None => &mut top,
                    };
                    close(opener, children, parent);
                }
                None => stream.sink.at(
                    Class::Error,
                    loc,
                    "extra '}': no block is open here; remove it or add the '{' it should close",
                ),
            }
            after_statement = false;
        } else {
            let current = match stack.last_mut() {
                Some((_, c)) => c,
                None => &mut top,
            };
            current.push(Statement {
                words,
                location: loc,
                block: None,
            });
            after_statement = true;
        }
    }

    while let Some((opener, children)) = stack.pop() {
        if !stream.stopped() {
            match &opener {
                Opener::Block(s) => stream.sink.at(
                    Class::Error,
                    s.location,
                    format!(
                        "{} opens a block that is never closed; add the missing '}}'",
                        words_text(&s.words)
                    ),
                ),
                Opener::Stray(at) => stream.sink.at(
                    Class::Error,
                    *at,
                    "this '{' is never closed; add the missing '}' or remove it",
                ),
            }
        }
        let parent = match stack.last_mut() {
            Some((_, c)) => c,
            None => &mut top,
        };
        close(opener, children, parent);
    }
    top
}
