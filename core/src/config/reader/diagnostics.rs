//! Collecting the reader's problems, with a bound, and quoting text inside messages.
//!
//! A generator can repeat a faulty line a hundred thousand times; the sink keeps the first
//! [`ReaderOptions::max_diagnostics`](super::ReaderOptions) problems and then one summary per class
//! of those left out, so `holdfast -t`'s exit code stays right.

use crate::config::diag::{Class, Diagnostic, Location};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Longest text quoted in a message before it is shortened.
const QUOTE_MAX: usize = 80;

/// `'text'`, lossily decoded and shortened to [`QUOTE_MAX`] characters.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::from("'");
    let mut chars = text.chars();
    for c in chars.by_ref().take(QUOTE_MAX) {
        out.push(c);
    }
    if chars.next().is_some() {
        out.push_str("...");
    }
    out.push('\'');
    out
}

pub(crate) struct Sink {
    list: Vec<Diagnostic>,
    max: usize,
    /// How many diagnostics of each class were left out.
    dropped: Vec<(Class, usize)>,
}

impl Sink {
    pub fn new(max: usize) -> Self {
        Sink {
            list: Vec::new(),
            max,
            dropped: Vec::new(),
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        if self.list.len() < self.max {
            self.list.push(d);
        } else {
            match self.dropped.iter_mut().find(|(c, _)| *c == d.class) {
                Some((_, n)) => *n += 1,
                None => self.dropped.push((d.class, 1)),
            }
        }
    }

    pub fn at(&mut self, class: Class, location: Location, message: impl Into<String>) {
        self.push(Diagnostic::at(class, location, message));
    }

    pub fn global(&mut self, class: Class, message: impl Into<String>) {
        self.push(Diagnostic::global(class, message));
    }

    /// The diagnostics, plus one summary per class of those left out (the exit code of
    /// `holdfast -t` depends on which classes occur, not only on the worst one).
    pub fn finish(mut self) -> Vec<Diagnostic> {
        for (class, n) in self.dropped {
            self.list.push(Diagnostic::global(
                class,
                format!(
                    "{n} more problems of class {class:?} were found and not listed; fix the ones \
                     above and check again"
                ),
            ));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diag::{test_exit_code, FileId};

    #[test]
    fn quote_shortens() {
        assert_eq!(quote(b"abc"), "'abc'");
        let long = [b'x'; 100];
        let q = quote(&long);
        assert!(q.ends_with("...'") && q.len() == 80 + 5);
    }

    #[test]
    fn sink_keeps_worst_class_of_dropped() {
        let mut s = Sink::new(1);
        let loc = Location {
            file: FileId(0),
            line: 1,
        };
        s.at(Class::Warning, loc, "w");
        s.at(Class::Warning, loc, "w2");
        s.at(Class::CannotRun, loc, "c");
        let list = s.finish();
        assert_eq!(list.len(), 3);
        assert_eq!(test_exit_code(&list), 4);
        assert!(list[1]
            .message
            .starts_with("1 more problems of class Warning"));
        assert_eq!(list[2].class, Class::CannotRun);
    }
}
