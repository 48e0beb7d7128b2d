//! The typed keepalived configuration: what [`parse`](super::parse) produces and every actor reads.
//!
//! Values are already resolved the way keepalived resolves them: defaults filled in (advert_int 1 s,
//! priority 100, delay_loop 60 s…), inherited settings copied down (a real server's retry from its
//! virtual server, an instance's GARP timers from `global_defs`), and keyword aliases merged
//! (`lvs_sched`/`lb_algo`, `nb_get_retry`/`retry`). Where keepalived itself keeps "unset" as a
//! meaning (no `virtual_router_id`, no `interface` on a unicast instance), the field is an
//! `Option` and [`validate`](super::validate) reports it.
//!
//! Every type is `serde`-serialisable: the config actor sends the model to the others and
//! conformance fixtures record it.

mod checker;
mod global;
mod script;
mod virtual_server;
mod vrrp;

pub use checker::*;
pub use global::*;
pub use script::*;
pub use virtual_server::*;
pub use vrrp::*;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};

/// A whole configuration, in file order within each list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub global: GlobalDefs,
    pub vrrp_scripts: Vec<VrrpScript>,
    pub track_files: Vec<TrackFile>,
    pub sync_groups: Vec<SyncGroup>,
    pub instances: Vec<VrrpInstance>,
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    pub virtual_servers: Vec<VirtualServer>,
}

impl Config {
    /// The `vrrp_script` with this name, if any.
    pub fn vrrp_script(&self, name: &str) -> Option<&VrrpScript> {
        self.vrrp_scripts.iter().find(|s| s.name == name)
    }

    /// The `virtual_server_group` with this name, if any.
    pub fn virtual_server_group(&self, name: &str) -> Option<&VirtualServerGroup> {
        self.virtual_server_groups.iter().find(|g| g.name == name)
    }
}

/// The IPVS scheduler names a configuration uses (`"rr"`, `"wrr"`…), each once, in first-use
/// order. The kernel module for each is `ip_vs_<name>`; empty when there is no virtual server.
pub fn required_ipvs_schedulers(config: &Config) -> impl Iterator<Item = &str> {
    let mut seen: Vec<&str> = Vec::new();
    for vs in &config.virtual_servers {
        let name = vs.scheduler.name();
        if !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen.into_iter()
}

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Family {
    #[default]
    Ipv4,
    Ipv6,
}

impl Family {
    /// The family of an address.
    pub const fn of(addr: &IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// The longest prefix length in this family.
    pub const fn max_prefix_len(self) -> u8 {
        match self {
            Family::Ipv4 => 32,
            Family::Ipv6 => 128,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        })
    }
}

/// An address with a prefix length (`192.0.2.1/24`); a bare address has the family's full length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IpPrefix {
    pub addr: IpAddr,
    pub len: u8,
}

impl IpPrefix {
    /// The address's family.
    pub const fn family(&self) -> Family {
        Family::of(&self.addr)
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// A command line to run: the program and its arguments.
///
/// As in keepalived, the command is one (quoted) word of the configuration, split with
/// keepalived's rules: white space separates words, `'…'`/`"…"` quote, backslash escapes, so
/// `script "/bin/sh -c 'pidof haproxy'"` runs `/bin/sh` with `-c` and `pidof haproxy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Program first; never empty.
    pub args: Vec<String>,
}

impl Command {
    /// The program to run (the first argument).
    pub fn program(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or("")
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(a)?;
        }
        Ok(())
    }
}

/// The user (and optionally group) a script runs as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptUser {
    pub user: String,
    pub group: Option<String>,
}

/// A notify script (`notify_master "/path arg" [user [group]]`): a command and who runs it.
/// Without a user it runs as the default script user (`script_user`, else `keepalived_script`
/// if that account exists, else root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyScript {
    pub command: Command,
    pub user: Option<ScriptUser>,
}
