//! `modules.builtin`: the path of every module compiled into the kernel image, one per line
//! (`kernel/net/netfilter/ipvs/ip_vs.ko`). A built-in module is always present and has no
//! `/sys/module/<name>/initstate`.

use super::diag::{clean_line, IndexDiag, IndexDiagKind, IndexFile};
use super::name::ModuleName;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

/// Adds the name of every good line of `text` to `builtin`.
pub(crate) fn parse(text: &str, builtin: &mut BTreeSet<ModuleName>, diags: &mut Vec<IndexDiag>) {
    for (i, raw) in text.lines().enumerate() {
        let kind = match clean_line(raw) {
            Ok(None) => continue,
            Ok(Some(path)) => match ModuleName::from_path(path) {
                Ok(name) => {
                    builtin.insert(name);
                    continue;
                }
                Err(error) => IndexDiagKind::BadName {
                    text: String::from(path),
                    error,
                },
            },
            Err(kind) => kind,
        };
        diags.push(IndexDiag::new(IndexFile::Builtin, i, kind));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_names() {
        let text =
            "kernel/net/netfilter/ipvs/ip_vs.ko\nkernel/crypto/crc32c_generic.ko\nnot a path\n";
        let (mut set, mut diags) = (BTreeSet::new(), Vec::new());
        parse(text, &mut set, &mut diags);
        assert!(set.contains(&ModuleName::new("ip_vs").unwrap()));
        assert!(set.contains(&ModuleName::new("crc32c-generic").unwrap()));
        assert_eq!(set.len(), 2);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 3);
    }
}
