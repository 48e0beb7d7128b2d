//! `modules.softdep`: `softdep MODULE pre: NAME... post: NAME...`, written by `depmod` from the
//! modules' `MODULE_SOFTDEP` tags (Debian 6.1: `softdep libcrc32c pre: crc32c`).
//!
//! A soft dependency names a module or an alias (`crc32c` is an alias that several modules
//! provide; `platform:leds-gpio` is one too). `pre:` ones load before the module, `post:` ones
//! after; neither is required, and the sections may repeat and come in any order. Several lines
//! for one module add up. Names before any `pre:`/`post:` are ignored, as kmod ignores them:
//! Debian 6.1's file has `softdep cifs gcm` lines written that way.

use super::alias::normalise;
use super::diag::{clean_line, directive, IndexDiag, IndexDiagKind, IndexFile};
use super::name::ModuleName;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The soft dependencies of one module, as module names or aliases, with `-` normalised to `_`
/// (outside brackets, as for alias patterns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftDeps {
    pub pre: Vec<String>,
    pub post: Vec<String>,
}

/// Adds every good line of `text` to `softdeps`; problems go to `diags`.
pub(crate) fn parse(
    text: &str,
    softdeps: &mut BTreeMap<ModuleName, SoftDeps>,
    diags: &mut Vec<IndexDiag>,
) {
    for (i, raw) in text.lines().enumerate() {
        let mut report = |kind| diags.push(IndexDiag::new(IndexFile::Softdep, i, kind));
        let mut words = match directive(raw, "softdep") {
            Ok(Some(words)) => words,
            Ok(None) => continue,
            Err(kind) => {
                report(kind);
                continue;
            }
        };
        let module = match words.next().map(ModuleName::new) {
            Some(Ok(module)) => module,
            Some(Err(error)) => {
                report(IndexDiagKind::BadName {
                    text: String::from(clean_line(raw).ok().flatten().unwrap_or(raw)),
                    error,
                });
                continue;
            }
            None => {
                report(IndexDiagKind::MissingModuleName);
                continue;
            }
        };
        let entry = softdeps.entry(module).or_default();
        let mut into_pre: Option<bool> = None;
        for word in words {
            match (word, into_pre) {
                ("pre:", _) => into_pre = Some(true),
                ("post:", _) => into_pre = Some(false),
                (_, None) => {}
                (dep, Some(true)) => entry.pre.push(normalise(dep)),
                (dep, Some(false)) => entry.post.push(normalise(dep)),
            }
        }
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
softdep pcengines_apuv2 pre: platform:gpio_amd_fch platform:leds-gpio
softdep cifs gcm
";
        let (mut map, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut map, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(map.get(&n("libcrc32c")).unwrap().pre, ["crc32c"]);
        let ct = map.get(&n("nf_conntrack")).unwrap();
        assert_eq!(ct.pre, ["a", "b", "c"]);
        assert_eq!(ct.post, ["nf_foo"]);
        assert_eq!(
            map.get(&n("pcengines_apuv2")).unwrap().pre,
            ["platform:gpio_amd_fch", "platform:leds_gpio"]
        );
        assert_eq!(map.get(&n("cifs")), Some(&SoftDeps::default()));
    }

    #[test]
    fn the_whole_debian_6_1_file_parses_cleanly() {
        let text = include_str!("fixtures/debian-6.1.0-56-amd64.modules.softdep");
        let (mut map, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut map, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(map.get(&n("libcrc32c")).unwrap().pre, ["crc32c"]);
        assert_eq!(map.get(&n("btrfs")).unwrap().pre.len(), 4);
        assert_eq!(map.get(&n("vfio")).unwrap().post.len(), 2);
    }

    #[test]
    fn bad_lines() {
        let text = "\
options ip_vs conn_tab_bits=12
softdep
softdep a/b pre: c
";
        let (mut map, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut map, &mut diags);
        let lines: Vec<_> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [1, 2, 3]);
        assert!(matches!(
            diags[0].kind,
            IndexDiagKind::UnknownDirective { .. }
        ));
        assert_eq!(diags[1].kind, IndexDiagKind::MissingModuleName);
        assert!(matches!(diags[2].kind, IndexDiagKind::BadName { .. }));
        assert!(map.is_empty());
    }
}
