//! The catalogue as the README's feature table: one group per block, with each keyword's status.

use super::{table, Context, Support};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One row of the README feature table: a block and what holdfast does with its keywords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureGroup {
    pub context: Context,
    pub implemented: Vec<&'static str>,
    pub ignored: Vec<&'static str>,
    pub unsupported: Vec<&'static str>,
}

/// A feature group's overall status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupStatus {
    /// Every keyword is implemented or harmlessly ignored.
    Full,
    /// Some keywords refuse to run.
    Partial,
    /// No keyword is implemented.
    None,
}

impl FeatureGroup {
    /// The group's overall status.
    pub fn status(&self) -> GroupStatus {
        match (self.implemented.is_empty(), self.unsupported.is_empty()) {
            (true, _) => GroupStatus::None,
            (false, true) => GroupStatus::Full,
            (false, false) => GroupStatus::Partial,
        }
    }
}

/// The catalogue grouped by block, for the README's feature table.
pub fn feature_groups() -> Vec<FeatureGroup> {
    Context::ALL
        .iter()
        .map(|&context| {
            let mut g = FeatureGroup {
                context,
                implemented: Vec::new(),
                ignored: Vec::new(),
                unsupported: Vec::new(),
            };
            for &(k, s) in table::keywords(context) {
                match s {
                    Support::Implemented => g.implemented.push(k),
                    Support::Ignored => g.ignored.push(k),
                    Support::Unsupported => g.unsupported.push(k),
                }
            }
            g
        })
        .collect()
}

/// The feature table as Markdown: one row per block with its status and the keywords holdfast
/// refuses (ignored ones are named too, since they are accepted without effect).
pub fn markdown_table() -> String {
    let mut s = String::from("| keepalived block | holdfast | not supported (refuses to start) | accepted, no effect |\n|---|---|---|---|\n");
    for g in feature_groups() {
        let status = match g.status() {
            GroupStatus::Full => "reads",
            GroupStatus::Partial => "reads, partly",
            GroupStatus::None => "no",
        };
        let list = |v: &[&str]| {
            if v.is_empty() {
                String::from("-")
            } else {
                v.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        s.push_str(&format!(
            "| `{}` | {status} | {} | {} |\n",
            g.context.name(),
            list(&g.unsupported),
            list(&g.ignored)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_a_row_per_block() {
        let t = markdown_table();
        assert_eq!(t.lines().count(), 2 + Context::ALL.len());
        assert!(t.contains("| `vrrp_instance` | reads, partly | `use_vmac`"));
        assert!(t.contains("| `authentication` | reads | - | - |"));
    }
}
