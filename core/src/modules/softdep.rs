//! `modules.softdep`: `softdep MODULE pre: NAME... post: NAME...`, written by `depmod` from the
//! modules' `MODULE_SOFTDEP` tags (Debian 6.1: `softdep libcrc32c pre: crc32c`).
//!
//! A soft dependency names a module or an alias (`crc32c` is an alias that several modules
//! provide). `pre:` ones load before the module, `post:` ones after; neither is required, and
//! the sections may repeat and come in any order. Several lines for one module add up.

use super::diag::{clean_line, IndexDiag, IndexDiagKind, IndexFile};
use super::name::ModuleName;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The soft dependencies of one module, as names or aliases (normalised like module names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftDeps {
    pub pre: Vec<ModuleName>,
    pub post: Vec<ModuleName>,
}

/// Adds every good line of `text` to `softdeps`; problems go to `diags`.
pub(crate) fn parse(
    text: &str,
    softdeps: &mut BTreeMap<ModuleName, SoftDeps>,
    diags: &mut Vec<IndexDiag>,
) {
    for (i, raw) in text.lines().enumerate() {
        let mut report = |kind| diags.push(IndexDiag::new(IndexFile::Softdep, i, kind));
        let line = match clean_line(raw) {
            Ok(Some(line)) => line,
            Ok(None) => continue,
            Err(kind) => {
                report(kind);
                continue;
            }
        };
        let mut words = line.split_whitespace();
        match words.next() {
            Some("softdep") => {}
            Some(word) => {
                report(IndexDiagKind::UnknownDirective {
                    word: String::from(word),
                });
                continue;
            }
            None => continue,
        }
        let module = match words.next().map(ModuleName::new) {
            Some(Ok(module)) => module,
            Some(Err(error)) => {
                report(IndexDiagKind::BadName {
                    text: String::from(line),
                    error,
                });
                continue;
            }
            None => {
                report(IndexDiagKind::MissingModuleName);
                continue;
            }
        };
        let mut found = SoftDeps::default();
        let mut into_pre: Option<bool> = None;
        for word in words {
            match word {
                "pre:" => into_pre = Some(true),
                "post:" => into_pre = Some(false),
                _ => match (into_pre, ModuleName::new(word)) {
                    (None, _) => report(IndexDiagKind::SoftdepWithoutSection {
                        text: String::from(word),
                    }),
                    (Some(_), Err(error)) => report(IndexDiagKind::BadName {
                        text: String::from(word),
                        error,
                    }),
                    (Some(true), Ok(dep)) => found.pre.push(dep),
                    (Some(false), Ok(dep)) => found.post.push(dep),
                },
            }
        }
        let entry = softdeps.entry(module).or_default();
        entry.pre.extend(found.pre);
        entry.post.extend(found.post);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> ModuleName {
        ModuleName::new(s).unwrap()
    }

    #[test]
    fn debian_libcrc32c_and_sections() {
        let text = "\
# Soft dependencies extracted from modules themselves.
softdep libcrc32c pre: crc32c
softdep nf_conntrack post: nf-foo pre: a b
softdep nf_conntrack pre: c
";
        let (mut map, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut map, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(map.get(&n("libcrc32c")).unwrap().pre, [n("crc32c")]);
        let ct = map.get(&n("nf_conntrack")).unwrap();
        assert_eq!(ct.pre, [n("a"), n("b"), n("c")]);
        assert_eq!(ct.post, [n("nf_foo")]);
    }

    #[test]
    fn bad_lines() {
        let text = "\
options ip_vs conn_tab_bits=12
softdep
softdep x stray pre: ok bad/name
softdep a/b pre: c
";
        let (mut map, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut map, &mut diags);
        let lines: Vec<_> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 2, 3, 3, 4]);
        assert!(matches!(
            diags[0].kind,
            IndexDiagKind::UnknownDirective { .. }
        ));
        assert_eq!(diags[1].kind, IndexDiagKind::MissingModuleName);
        assert!(matches!(
            diags[2].kind,
            IndexDiagKind::SoftdepWithoutSection { .. }
        ));
        assert!(matches!(diags[3].kind, IndexDiagKind::BadName { .. }));
        assert_eq!(map.get(&n("x")).unwrap().pre, [n("ok")]);
        assert_eq!(map.len(), 1);
    }
}
