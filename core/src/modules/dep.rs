//! `modules.dep`: one line per loadable module, `path: dependency-path ...`, written by `depmod`.
//!
//! Paths are relative to `/lib/modules/<release>/` (old depmods wrote absolute paths; both are
//! kept as written). Each line lists the module's whole dependency closure, in reverse load
//! order; holdfast still orders by following each dependency's own line, so it does not rely on
//! that convention.

use super::diag::{clean_line, IndexDiag, IndexDiagKind, IndexFile};
use super::name::ModuleName;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A loadable module: where its file is and what `modules.dep` says it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleEntry {
    /// The path as written in `modules.dep`.
    pub path: String,
    /// The dependencies, in the order listed.
    pub deps: Vec<ModuleName>,
}

/// Adds every good line of `text` to `modules`; bad lines and bad dependency paths go to `diags`.
pub(crate) fn parse(
    text: &str,
    modules: &mut BTreeMap<ModuleName, ModuleEntry>,
    diags: &mut Vec<IndexDiag>,
) {
    for (i, raw) in text.lines().enumerate() {
        let mut report = |kind| diags.push(IndexDiag::new(IndexFile::Dep, i, kind));
        let line = match clean_line(raw) {
            Ok(Some(line)) => line,
            Ok(None) => continue,
            Err(kind) => {
                report(kind);
                continue;
            }
        };
        let Some((path, dep_paths)) = line.split_once(':') else {
            report(IndexDiagKind::MissingColon);
            continue;
        };
        let path = path.trim();
        let name = match ModuleName::from_path(path) {
            Ok(name) => name,
            Err(error) => {
                report(IndexDiagKind::BadName {
                    text: String::from(path),
                    error,
                });
                continue;
            }
        };
        let mut deps = Vec::new();
        for dep_path in dep_paths.split_whitespace() {
            match ModuleName::from_path(dep_path) {
                Ok(dep) if dep != name && !deps.contains(&dep) => deps.push(dep),
                Ok(_) => {}
                Err(error) => report(IndexDiagKind::BadName {
                    text: String::from(dep_path),
                    error,
                }),
            }
        }
        if modules.contains_key(&name) {
            report(IndexDiagKind::DuplicateModule {
                name: String::from(name.as_str()),
            });
            continue;
        }
        let path = String::from(path);
        modules.insert(name, ModuleEntry { path, deps });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::name::NameError;

    fn n(s: &str) -> ModuleName {
        ModuleName::new(s).unwrap()
    }

    #[test]
    fn debian_6_1_ipvs_lines() {
        let text = "\
kernel/net/netfilter/ipvs/ip_vs.ko: kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/lib/libcrc32c.ko:
kernel/arch/x86/crypto/crc32c-intel.ko:
";
        let (mut modules, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut modules, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let ip_vs = modules.get(&n("ip_vs")).unwrap();
        assert_eq!(ip_vs.path, "kernel/net/netfilter/ipvs/ip_vs.ko");
        assert_eq!(
            ip_vs.deps,
            [
                n("nf_conntrack"),
                n("nf_defrag_ipv6"),
                n("nf_defrag_ipv4"),
                n("libcrc32c")
            ]
        );
        assert!(modules.get(&n("libcrc32c")).unwrap().deps.is_empty());
        assert_eq!(
            modules.get(&n("crc32c_intel")).unwrap().path,
            "kernel/arch/x86/crypto/crc32c-intel.ko"
        );
    }

    #[test]
    fn bad_lines_are_reported_with_line_numbers() {
        let text = "\
kernel/a.ko: kernel/b.ko
no colon here
kernel/bad name.ko:
kernel/c.ko: kernel/b.ko kernel/d.o kernel/b.ko kernel/c.ko
kernel/a.ko:
kernel/b.ko:
";
        let (mut modules, mut diags) = (BTreeMap::new(), Vec::new());
        parse(text, &mut modules, &mut diags);
        let got: Vec<_> = diags.iter().map(|d| (d.line, d.kind.clone())).collect();
        assert_eq!(
            got,
            [
                (2, IndexDiagKind::MissingColon),
                (
                    3,
                    IndexDiagKind::BadName {
                        text: String::from("kernel/bad name.ko"),
                        error: NameError::BadChar
                    }
                ),
                (
                    4,
                    IndexDiagKind::BadName {
                        text: String::from("kernel/d.o"),
                        error: NameError::NotModuleFile
                    }
                ),
                (
                    5,
                    IndexDiagKind::DuplicateModule {
                        name: String::from("a")
                    }
                ),
            ]
        );
        assert_eq!(modules.get(&n("a")).unwrap().deps, [n("b")]);
        assert_eq!(modules.get(&n("c")).unwrap().deps, [n("b")]);
        assert_eq!(modules.len(), 3);
    }
}
