//! The keyword catalogue: every keyword keepalived 2.2.x installs, per block, and what holdfast
//! does with it.
//!
//! The lists come from keepalived's `install_keyword*` calls (`global_parser.c`,
//! `vrrp_parser.c`, `check_parser.c`, `check_*.c`, `track_file.c`, `bfd_parser.c`) for a
//! build with every option Debian enables. A keyword is:
//!
//! * [`Support::Implemented`]: [`parse`](super::parse) reads it into the model;
//! * [`Support::Ignored`]: a keepalived keyword that cannot change what the daemon does to
//!   addresses, adverts or IPVS (process names, SNMP, real-time scheduling, buffer sizes): a
//!   [`Class::Warning`](super::diag::Class::Warning);
//! * [`Support::Unsupported`]: a keepalived keyword holdfast does not implement. Ignoring it could
//!   fail over wrongly, so it is [`Class::CannotRun`](super::diag::Class::CannotRun);
//! * absent: unknown, a [`Class::Error`](super::diag::Class::Error) as in keepalived, and the
//!   keyword's block is skipped.
//!
//! [`feature_groups`] turns the catalogue into the README's feature table.

mod features;
mod table;

pub use features::{feature_groups, markdown_table, FeatureGroup, GroupStatus};

use core::fmt;
use serde::{Deserialize, Serialize};

/// The block a keyword appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Context {
    /// The top level of the file.
    Root,
    GlobalDefs,
    VrrpScript,
    TrackFile,
    VrrpSyncGroup,
    VrrpInstance,
    /// `authentication { … }` inside a `vrrp_instance`.
    Authentication,
    VirtualServer,
    RealServer,
    TcpCheck,
    /// `HTTP_GET { … }` and `SSL_GET { … }`.
    HttpGet,
    /// `url { … }` inside `HTTP_GET`/`SSL_GET`.
    Url,
    MiscCheck,
}

impl Context {
    /// Every context, in the order the feature table lists them.
    pub const ALL: [Context; 13] = [
        Context::Root,
        Context::GlobalDefs,
        Context::VrrpScript,
        Context::TrackFile,
        Context::VrrpSyncGroup,
        Context::VrrpInstance,
        Context::Authentication,
        Context::VirtualServer,
        Context::RealServer,
        Context::TcpCheck,
        Context::HttpGet,
        Context::Url,
        Context::MiscCheck,
    ];

    /// How keepalived.conf names the block.
    pub const fn name(self) -> &'static str {
        match self {
            Context::Root => "top level",
            Context::GlobalDefs => "global_defs",
            Context::VrrpScript => "vrrp_script",
            Context::TrackFile => "track_file",
            Context::VrrpSyncGroup => "vrrp_sync_group",
            Context::VrrpInstance => "vrrp_instance",
            Context::Authentication => "authentication",
            Context::VirtualServer => "virtual_server",
            Context::RealServer => "real_server",
            Context::TcpCheck => "TCP_CHECK",
            Context::HttpGet => "HTTP_GET / SSL_GET",
            Context::Url => "url",
            Context::MiscCheck => "MISC_CHECK",
        }
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What holdfast does with a keepalived keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Support {
    Implemented,
    Ignored,
    Unsupported,
}

/// How holdfast treats `keyword` in `context`; `None` if keepalived does not know it there.
pub fn lookup(context: Context, keyword: &str) -> Option<Support> {
    table::keywords(context)
        .iter()
        .find(|(k, _)| *k == keyword)
        .map(|(_, s)| *s)
}

/// Every keyword keepalived knows in `context`, with holdfast's treatment.
pub fn keywords(context: Context) -> &'static [(&'static str, Support)] {
    table::keywords(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_distinguishes_the_three_kinds() {
        assert_eq!(
            lookup(Context::VrrpInstance, "priority"),
            Some(Support::Implemented)
        );
        assert_eq!(
            lookup(Context::VrrpInstance, "use_vmac"),
            Some(Support::Unsupported)
        );
        assert_eq!(
            lookup(Context::GlobalDefs, "vrrp_rt_priority"),
            Some(Support::Ignored)
        );
        assert_eq!(lookup(Context::VrrpInstance, "prioritty"), None);
        // Context matters: `priority` is not a global_defs keyword.
        assert_eq!(lookup(Context::GlobalDefs, "priority"), None);
    }

    #[test]
    fn no_keyword_is_listed_twice_in_a_context() {
        for ctx in Context::ALL {
            let kws = keywords(ctx);
            for (i, (k, _)) in kws.iter().enumerate() {
                assert!(
                    !kws.iter().skip(i + 1).any(|(k2, _)| k2 == k),
                    "{k} twice in {ctx}"
                );
            }
        }
    }

    #[test]
    fn feature_groups_cover_every_context() {
        let groups = feature_groups();
        assert_eq!(groups.len(), Context::ALL.len());
        let inst = groups
            .iter()
            .find(|g| g.context == Context::VrrpInstance)
            .unwrap();
        assert_eq!(inst.status(), GroupStatus::Partial);
        assert!(inst.implemented.contains(&"virtual_ipaddress"));
        assert!(inst.unsupported.contains(&"use_vmac"));
        let auth = groups
            .iter()
            .find(|g| g.context == Context::Authentication)
            .unwrap();
        assert_eq!(auth.status(), GroupStatus::Full);
    }
}
