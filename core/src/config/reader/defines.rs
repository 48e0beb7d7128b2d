//! The `$NAME=VALUE` definition table and the syntax of references to it.
//!
//! Mirrors keepalived 2.2.7's `check_definition()`, `find_definition()` and `set_definition()`:
//! * a definition line is `$NAME=VALUE` with NAME `[A-Za-z_][A-Za-z0-9_]*` directly followed
//!   by `=` (no blank before it); VALUE is the rest of the line after blanks. A VALUE ending
//!   in `\` continues on the next lines (each continuation line ending in `\` continues further)
//!   and is then *multi-line*: each of its lines becomes a line of its own where it is used;
//! * a reference is `$NAME` followed by a blank, `,`, `)` or the end of the line, or `${NAME}`
//!   anywhere; `${NAME digits...}` passes numeric parameters (only `_RANDOM` takes them);
//! * a multi-line definition is only expanded where its reference ends the line;
//! * built-ins: `_PWD` (directory of the file being read), `_INSTANCE`, `_RANDOM [MIN [MAX]]`,
//!   `_HASH` (`#`) and `_BANG` (`!`); defining one of these names overrides it.

use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::ops::Range;

/// Definitions whose value is computed at each use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    Pwd,
    Instance,
    Random,
}

#[derive(Debug, Clone)]
pub(crate) struct Definition {
    pub value: Rc<Vec<u8>>,
    pub multiline: bool,
    pub builtin: Option<Builtin>,
}

/// All definitions, by name.
#[derive(Debug, Clone)]
pub(crate) struct Definitions {
    map: BTreeMap<Vec<u8>, Definition>,
}

/// What a definition line defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Defined {
    pub name: Vec<u8>,
    /// The value ends in `\`: the following lines continue it.
    pub continues: bool,
}

/// A syntactically valid reference found in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// Bytes from `$` to the end of the reference (closing brace included).
    pub total_len: usize,
    /// Where the name is, in the line.
    pub name: Range<usize>,
    pub braces: bool,
    /// From the first to the last digit of the parameters, in the line.
    pub params: Option<Range<usize>>,
    /// The reference ends the line (a multi-line definition may expand here).
    pub at_end: bool,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn plain(value: &[u8]) -> Definition {
    Definition {
        value: Rc::new(value.to_vec()),
        multiline: false,
        builtin: None,
    }
}

fn builtin(b: Builtin) -> Definition {
    Definition {
        value: Rc::new(Vec::new()),
        multiline: false,
        builtin: Some(b),
    }
}

impl Definitions {
    /// The table keepalived starts with: its five built-ins.
    pub fn with_builtins() -> Self {
        let mut map = BTreeMap::new();
        map.insert(b"_PWD".to_vec(), builtin(Builtin::Pwd));
        map.insert(b"_INSTANCE".to_vec(), builtin(Builtin::Instance));
        map.insert(b"_RANDOM".to_vec(), builtin(Builtin::Random));
        map.insert(b"_HASH".to_vec(), plain(b"#"));
        map.insert(b"_BANG".to_vec(), plain(b"!"));
        Definitions { map }
    }

    pub fn get(&self, name: &[u8]) -> Option<&Definition> {
        self.map.get(name)
    }

    /// The definition a reference names, if it may expand there.
    pub fn lookup(&self, line: &[u8], r: &Reference) -> Option<&Definition> {
        let def = self.map.get(line.get(r.name.clone())?)?;
        if def.multiline && !r.at_end {
            return None;
        }
        if r.params.is_some() && def.builtin != Some(Builtin::Random) {
            return None;
        }
        Some(def)
    }

    /// `set_definition()`: gives `name` a one-line value (used by `~SEQ`/`~LST`). Like
    /// keepalived it keeps the multi-line mark of an existing definition.
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        match self.map.get_mut(name) {
            Some(def) => {
                def.value = Rc::new(value.to_vec());
                def.builtin = None;
            }
            None => {
                self.map.insert(name.to_vec(), plain(value));
            }
        }
    }

    /// `check_definition()`: if `line` is `$NAME=VALUE`, stores it and says what it defined.
    pub fn define(&mut self, line: &[u8]) -> Option<Defined> {
        if line.first() != Some(&b'$') || !line.get(1).is_some_and(|&b| is_name_start(b)) {
            return None;
        }
        let eq = line.iter().skip(2).position(|&b| !is_name_char(b))? + 2;
        if line.get(eq) != Some(&b'=') {
            return None;
        }
        let name = line.get(1..eq)?.to_vec();
        let mut start = eq + 1;
        while matches!(line.get(start), Some(b' ') | Some(b'\t')) {
            start += 1;
        }
        let raw = line.get(start..).unwrap_or(&[]);
        let (value, continues) = match raw.split_last() {
            Some((b'\\', before)) => {
                let mut v = before.to_vec();
                while v.last().is_some_and(|&b| b == b' ' || b == b'\t') {
                    v.pop();
                }
                if !v.is_empty() {
                    v.push(b'\n');
                }
                (v, true)
            }
            _ => (raw.to_vec(), false),
        };
        self.map.insert(
            name.clone(),
            Definition {
                value: Rc::new(value),
                multiline: continues,
                builtin: None,
            },
        );
        Some(Defined { name, continues })
    }

    /// Adds one continuation line to the multi-line definition `name`, as keepalived's
    /// `read_line()` does: a line ending in `\` adds its text and a line break and keeps the
    /// definition open (returns `true`); any other line is the last one. A definition that
    /// ends with no text at all becomes an ordinary empty one. Text beyond `max_len` bytes is
    /// not added; `Err` then carries the open/closed state.
    pub fn continue_multiline(
        &mut self,
        name: &[u8],
        line: &[u8],
        max_len: usize,
    ) -> Result<bool, bool> {
        let Some(def) = self.map.get_mut(name) else {
            return Ok(false);
        };
        let mut add = line.to_vec();
        let open = add.last() == Some(&b'\\');
        if open {
            add.pop();
            while add.last().is_some_and(|&b| b == b' ' || b == b'\t') {
                add.pop();
            }
            add.push(b'\n');
        } else if def.value.is_empty() {
            def.multiline = false;
        }
        // keepalived skips lines that would add only the line break.
        if add.len() >= 2 || (!add.is_empty() && !open) {
            if def.value.len().saturating_add(add.len()) > max_len {
                return Err(open);
            }
            Rc::make_mut(&mut def.value).extend_from_slice(&add);
        }
        Ok(open)
    }

    /// An empty line ends a multi-line definition; one with no text becomes one-line.
    pub fn end_multiline(&mut self, name: &[u8]) {
        if let Some(def) = self.map.get_mut(name) {
            if def.value.is_empty() {
                def.multiline = false;
            }
        }
    }
}

/// `find_definition()`'s syntax check: the reference starting at `line[dollar]` (a `$`).
pub(crate) fn find_reference(line: &[u8], dollar: usize) -> Option<Reference> {
    let mut p = dollar + 1;
    let braces = line.get(p) == Some(&b'{');
    if braces {
        p += 1;
    }
    if !line.get(p).is_some_and(|&b| is_name_start(b)) {
        return None;
    }
    let name_start = p;
    while line.get(p).is_some_and(|&b| is_name_char(b)) {
        p += 1;
    }
    let name = name_start..p;
    let mut params = None;
    if braces {
        let mut first = None;
        let mut last = 0;
        while let Some(&b) = line.get(p) {
            if b == b' ' {
                p += 1;
            } else if b.is_ascii_digit() {
                first.get_or_insert(p);
                last = p;
                p += 1;
            } else {
                break;
            }
        }
        if let Some(f) = first {
            if last + 1 != p {
                return None;
            }
            params = Some(f..last + 1);
        }
        if line.get(p) != Some(&b'}') {
            return None;
        }
        let total_len = p + 1 - dollar;
        Some(Reference {
            total_len,
            at_end: name.end + 1 == line.len(),
            name,
            braces,
            params,
        })
    } else {
        match line.get(p) {
            None | Some(b' ') | Some(b'\t') | Some(b',') | Some(b')') => Some(Reference {
                total_len: p - dollar,
                at_end: p == line.len(),
                name,
                braces,
                params,
            }),
            Some(_) => None,
        }
    }
}

/// The name right after a `$` (with or without `{`), whatever follows it; for warnings about
/// references keepalived leaves as they are.
pub(crate) fn name_after_dollar(line: &[u8], dollar: usize) -> Option<(Range<usize>, bool)> {
    let mut p = dollar + 1;
    let braces = line.get(p) == Some(&b'{');
    if braces {
        p += 1;
    }
    if !line.get(p).is_some_and(|&b| is_name_start(b)) {
        return None;
    }
    let start = p;
    while line.get(p).is_some_and(|&b| is_name_char(b)) {
        p += 1;
    }
    Some((start..p, braces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_lines() {
        let mut d = Definitions::with_builtins();
        assert_eq!(
            d.define(b"$IP=192.0.2.1"),
            Some(Defined {
                name: b"IP".to_vec(),
                continues: false
            })
        );
        assert_eq!(d.get(b"IP").unwrap().value.as_slice(), b"192.0.2.1");
        assert_eq!(d.define(b"$IP =1"), None, "no blank before '='");
        assert_eq!(d.define(b"$1X=1"), None);
        assert_eq!(d.define(b"IP=1"), None);
        assert!(d.define(b"$E=").is_some());
        assert_eq!(d.get(b"E").unwrap().value.as_slice(), b"");
        let m = d.define(b"$M=a b  \\").unwrap();
        assert!(m.continues);
        assert_eq!(d.get(b"M").unwrap().value.as_slice(), b"a b\n");
        assert_eq!(d.continue_multiline(b"M", b"c \\", 100), Ok(true));
        assert_eq!(d.continue_multiline(b"M", b"\\", 100), Ok(true));
        assert_eq!(d.continue_multiline(b"M", b"d", 100), Ok(false));
        assert_eq!(d.get(b"M").unwrap().value.as_slice(), b"a b\nc\nd");
        assert!(d.get(b"M").unwrap().multiline);
    }

    #[test]
    fn empty_multiline_becomes_one_line() {
        let mut d = Definitions::with_builtins();
        d.define(b"$M=\\").unwrap();
        assert_eq!(d.continue_multiline(b"M", b"abc", 100), Ok(false));
        let m = d.get(b"M").unwrap();
        assert_eq!((m.value.as_slice(), m.multiline), (&b"abc"[..], false));
    }

    #[test]
    fn continuation_respects_the_length_limit() {
        let mut d = Definitions::with_builtins();
        d.define(b"$M=ab\\").unwrap();
        assert_eq!(d.continue_multiline(b"M", b"cdef \\", 5), Err(true));
        assert_eq!(d.get(b"M").unwrap().value.as_slice(), b"ab\n");
    }

    #[test]
    fn reference_syntax() {
        let r = find_reference(b"x $A y", 2).unwrap();
        assert_eq!((r.total_len, r.name, r.at_end), (2, 3..4, false));
        assert!(find_reference(b"x $A.y", 2).is_none());
        assert!(find_reference(b"x $A,", 2).is_some());
        assert!(find_reference(b"x $A)", 2).is_some());
        assert!(find_reference(b"$A", 0).unwrap().at_end);
        let r = find_reference(b"${A}.y", 0).unwrap();
        assert_eq!(
            (r.total_len, r.name, r.braces, r.at_end),
            (4, 2..3, true, false)
        );
        assert!(find_reference(b"${A}", 0).unwrap().at_end);
        let r = find_reference(b"${_RANDOM 1 9}", 0).unwrap();
        assert_eq!((r.total_len, r.params), (14, Some(10..13)));
        assert!(find_reference(b"${_RANDOM 1 }", 0).is_none());
        assert!(find_reference(b"${A", 0).is_none());
        assert!(find_reference(b"$1", 0).is_none());
        assert!(find_reference(b"${ A}", 0).is_none());
    }

    #[test]
    fn lookup_rules() {
        let mut d = Definitions::with_builtins();
        d.define(b"$M=a\\").unwrap();
        d.define(b"$S=s").unwrap();
        let line = b"x $M y";
        let r = find_reference(line, 2).unwrap();
        assert!(d.lookup(line, &r).is_none(), "multi-line only at the end");
        let line = b"x $M";
        let r = find_reference(line, 2).unwrap();
        assert!(d.lookup(line, &r).is_some());
        let line = b"${S 1}";
        let r = find_reference(line, 0).unwrap();
        assert!(
            d.lookup(line, &r).is_none(),
            "only _RANDOM takes parameters"
        );
        d.set(b"_PWD", b"/x");
        assert_eq!(d.get(b"_PWD").unwrap().builtin, None);
    }
}
