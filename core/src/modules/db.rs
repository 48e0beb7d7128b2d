//! [`ModuleDb`]: what the module index of one kernel release says, built from the text of its four
//! index files. Any of them may be missing; bad lines become [`IndexDiag`]s and are skipped.

use super::alias::{self, Alias};
use super::builtin;
use super::dep::{self, ModuleEntry};
use super::diag::IndexDiag;
use super::name::ModuleName;
use super::softdep::{self, SoftDeps};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

/// The text of the index files of one release, `None` for a file that does not exist.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexTexts<'a> {
    pub dep: Option<&'a str>,
    pub softdep: Option<&'a str>,
    pub alias: Option<&'a str>,
    pub builtin: Option<&'a str>,
}

/// The parsed module index.
#[derive(Debug, Clone, Default)]
pub struct ModuleDb {
    modules: BTreeMap<ModuleName, ModuleEntry>,
    softdeps: BTreeMap<ModuleName, SoftDeps>,
    aliases: Vec<Alias>,
    builtin: BTreeSet<ModuleName>,
    has_dep_index: bool,
    diagnostics: Vec<IndexDiag>,
}

impl ModuleDb {
    /// Parses the index files. Only the aliases that soft dependencies refer to are kept.
    pub fn parse(texts: IndexTexts<'_>) -> ModuleDb {
        let mut db = ModuleDb {
            has_dep_index: texts.dep.is_some(),
            ..ModuleDb::default()
        };
        if let Some(text) = texts.dep {
            dep::parse(text, &mut db.modules, &mut db.diagnostics);
        }
        if let Some(text) = texts.softdep {
            softdep::parse(text, &mut db.softdeps, &mut db.diagnostics);
        }
        if let Some(text) = texts.builtin {
            builtin::parse(text, &mut db.builtin, &mut db.diagnostics);
        }
        if let Some(text) = texts.alias {
            let mut names: Vec<String> = Vec::new();
            for soft in db.softdeps.values() {
                for name in soft.pre.iter().chain(&soft.post) {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
            if !names.is_empty() {
                alias::parse(text, &names, &mut db.aliases, &mut db.diagnostics);
            }
        }
        db
    }

    /// Whether `modules.dep` was there at all (without it nothing can be said to be missing from
    /// the kernel: `depmod` may just not have run).
    pub fn has_dep_index(&self) -> bool {
        self.has_dep_index
    }

    /// Problems found in the index files, in file order.
    pub fn diagnostics(&self) -> &[IndexDiag] {
        &self.diagnostics
    }

    /// The `modules.dep` entry of a loadable module.
    pub fn entry(&self, name: &ModuleName) -> Option<&ModuleEntry> {
        self.modules.get(name)
    }

    /// Whether the module is compiled into the kernel.
    pub fn is_builtin(&self, name: &ModuleName) -> bool {
        self.builtin.contains(name)
    }

    /// The module's soft dependencies, if it has any.
    pub fn softdeps(&self, name: &ModuleName) -> Option<&SoftDeps> {
        self.softdeps.get(name)
    }

    /// The modules a soft-dependency name (normalised, see [`SoftDeps`]) stands for, in the
    /// order to try them: the module of that name if the kernel has one, otherwise every module
    /// whose alias matches it, in `modules.alias` order.
    pub fn resolve(&self, spec: &str) -> Vec<ModuleName> {
        if let Ok(name) = ModuleName::new(spec) {
            if self.is_builtin(&name) || self.modules.contains_key(&name) {
                return alloc::vec![name];
            }
        }
        let mut found: Vec<ModuleName> = Vec::new();
        for alias in &self.aliases {
            let known = self.is_builtin(&alias.module) || self.modules.contains_key(&alias.module);
            if known
                && !found.contains(&alias.module)
                && crate::fnmatch::matches(&alias.pattern, spec)
            {
                found.push(alias.module.clone());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::diag::IndexFile;

    fn n(s: &str) -> ModuleName {
        ModuleName::new(s).unwrap()
    }

    #[test]
    fn every_file_may_be_missing() {
        let db = ModuleDb::parse(IndexTexts::default());
        assert!(!db.has_dep_index());
        assert!(db.diagnostics().is_empty());
        assert!(db.resolve("crc32c").is_empty());
    }

    #[test]
    fn resolves_names_builtins_and_aliases() {
        let db = ModuleDb::parse(IndexTexts {
            dep: Some("kernel/arch/x86/crypto/crc32c-intel.ko:\nkernel/crypto/crc32c_generic.ko:\nkernel/lib/libcrc32c.ko:\n"),
            softdep: Some("softdep libcrc32c pre: crc32c\nsoftdep x pre: gone\n"),
            alias: Some("alias crc32c crc32c_intel\nalias crc32c crc32c_generic\nalias crc32c not_in_tree\nalias gone nowhere\n"),
            builtin: Some("kernel/net/core/builtin_thing.ko\n"),
        });
        assert!(db.diagnostics().is_empty(), "{:?}", db.diagnostics());
        assert_eq!(
            db.resolve("crc32c"),
            [n("crc32c_intel"), n("crc32c_generic")]
        );
        assert_eq!(db.resolve("libcrc32c"), [n("libcrc32c")]);
        assert_eq!(db.resolve("builtin_thing"), [n("builtin_thing")]);
        assert!(db.resolve("gone").is_empty());
        assert!(db.resolve("platform:x").is_empty());
        assert!(db.is_builtin(&n("builtin_thing")));
    }

    #[test]
    fn diagnostics_name_their_file() {
        let db = ModuleDb::parse(IndexTexts {
            dep: Some("oops\n"),
            softdep: Some("softdep\n"),
            alias: None,
            builtin: Some("x\n"),
        });
        let files: Vec<_> = db.diagnostics().iter().map(|d| (d.file, d.line)).collect();
        assert_eq!(
            files,
            [
                (IndexFile::Dep, 1),
                (IndexFile::Softdep, 1),
                (IndexFile::Builtin, 1)
            ]
        );
    }
}
