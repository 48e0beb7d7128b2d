//! The syntax tree the [`reader`](super::reader) produces and [`parse`](super::parse) consumes.
//!
//! keepalived's grammar has no types: a line (or the part of a line between braces) is a list of
//! words, the first of which is usually a keyword, and a `{ … }` block belongs to the statement
//! before it. Quotes are already removed and definitions, `@id` lines and generators already
//! applied, so each [`Statement`] is exactly what keepalived's keyword handler would see.

use super::diag::Location;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// One statement: its words, where it starts, and its block if a `{` followed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The words after quote removal and expansion; never empty.
    pub words: Vec<String>,
    /// The line the first word came from.
    pub location: Location,
    /// The statements inside `{ … }`, if the statement opened a block.
    pub block: Option<Vec<Statement>>,
}

impl Statement {
    /// The first word (the keyword, in keepalived's terms).
    pub fn keyword(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    /// The words after the keyword.
    pub fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }
}
