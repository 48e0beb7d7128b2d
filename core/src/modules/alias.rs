//! `modules.alias`: `alias PATTERN MODULE` lines, written by `depmod` from `MODULE_ALIAS` tags.
//!
//! holdfast only needs aliases to resolve soft dependencies (`crc32c` → `crc32c_intel`,
//! `crc32c_generic`). A distribution kernel's file has some 30 000 device patterns, so the
//! parser keeps only the lines whose pattern matches one of the names asked about, in file order
//! (the order alternatives are tried in).

use super::diag::{directive, IndexDiag, IndexDiagKind, IndexFile};
use super::name::ModuleName;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// One kept alias line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    /// The pattern, with `-` normalised to `_` outside brackets (as kmod does).
    pub pattern: String,
    pub module: ModuleName,
}

/// Adds the lines of `text` whose pattern matches one of `wanted` (normalised names) to
/// `aliases`.
pub(crate) fn parse(
    text: &str,
    wanted: &[String],
    aliases: &mut Vec<Alias>,
    diags: &mut Vec<IndexDiag>,
) {
    for (i, raw) in text.lines().enumerate() {
        let mut report = |kind| diags.push(IndexDiag::new(IndexFile::Alias, i, kind));
        let mut words = match directive(raw, "alias") {
            Ok(Some(words)) => words,
            Ok(None) => continue,
            Err(kind) => {
                report(kind);
                continue;
            }
        };
        let (Some(pattern), Some(module), None) = (words.next(), words.next(), words.next()) else {
            report(IndexDiagKind::BadAlias);
            continue;
        };
        let pattern = normalise(pattern);
        if !wanted.iter().any(|w| crate::fnmatch::matches(&pattern, w)) {
            continue;
        }
        match ModuleName::new(module) {
            Ok(module) => aliases.push(Alias { pattern, module }),
            Err(error) => report(IndexDiagKind::BadName {
                text: String::from(module),
                error,
            }),
        }
    }
}

/// `-` to `_` outside `[...]`, so `crc32c-generic` and `crc32c_generic` are one alias.
pub(crate) fn normalise(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_brackets = false;
    for c in pattern.chars() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            '-' if !in_brackets => {
                out.push('_');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(s: &str) -> String {
        String::from(s)
    }

    #[test]
    fn keeps_matching_lines_in_file_order() {
        let text = "\
# Aliases extracted from modules themselves.
alias crypto-crc32c crc32c_intel
alias crc32c crc32c_intel
alias pci:v00008086d*sv*sd*bc*sc*i* e1000e
alias crc32c-intel crc32c_intel
alias crc32c crc32c_generic
alias crypto-crc32c-generic crc32c_generic
alias net-pf-16-proto-16-family-IPVS ip_vs
";
        let (mut aliases, mut diags) = (Vec::new(), Vec::new());
        parse(text, &[s("crc32c")], &mut aliases, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let modules: Vec<_> = aliases.iter().map(|a| a.module.as_str()).collect();
        assert_eq!(modules, ["crc32c_intel", "crc32c_generic"]);

        aliases.clear();
        parse(text, &[s("crc32c_generic")], &mut aliases, &mut diags);
        assert_eq!(aliases.len(), 0, "only crypto-crc32c-generic is listed");
        parse(
            text,
            &[normalise("crypto-crc32c-generic")],
            &mut aliases,
            &mut diags,
        );
        assert_eq!(aliases[0].pattern, "crypto_crc32c_generic");
    }

    #[test]
    fn bad_lines() {
        let text = "alias crc32c\nalias crc32c a b\nblias crc32c x\nalias crc32c bad/name\n";
        let (mut aliases, mut diags) = (Vec::new(), Vec::new());
        parse(text, &[s("crc32c")], &mut aliases, &mut diags);
        let lines: Vec<_> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
        assert!(aliases.is_empty());
    }

    #[test]
    fn brackets_keep_their_dashes() {
        assert_eq!(normalise("a-b[0-9]-c"), "a_b[0-9]_c");
    }
}
