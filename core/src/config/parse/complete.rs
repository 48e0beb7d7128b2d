//! Corrections keepalived makes once every block is read and that need more than one block:
//! tracking weights in sync groups and on address owners (`vrrp_complete_instance` and
//! `sync_group_tracking_init` in `vrrp.c`).
//!
//! A sync group moves its members together, so a member's priority must not float: keepalived
//! zeroes tracked-interface weights (a failure then means FAULT) and drops weighted scripts and
//! files. An address owner (priority 255) must keep 255, so the same weighted objects are
//! dropped from it, and a sync group containing an owner loses its own weights.

use super::Parser;
use crate::config::model::{Config, PRIORITY_OWNER};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub(super) fn complete(p: &mut Parser, config: &mut Config) {
    let in_sync_group: Vec<String> = config
        .sync_groups
        .iter()
        .flat_map(|g| g.group.iter().cloned())
        .collect();
    let scripts = config.vrrp_scripts.clone();
    let files = config.track_files.clone();
    for inst in &mut config.instances {
        let sync = in_sync_group.contains(&inst.name);
        let owner = inst.priority == PRIORITY_OWNER;
        if !sync && !owner {
            continue;
        }
        let why = if sync { "SYNC group" } else { "address owner" };
        let at = inst.location;
        let name = inst.name.clone();
        inst.track_interfaces.retain_mut(|t| {
            if t.weight == 0 {
                return true;
            }
            if sync {
                p.error_at(
                    at,
                    format!(
                        "({name}) ignoring {} tracked interface weight due to {why}",
                        t.name
                    ),
                );
                t.weight = 0;
                true
            } else {
                p.error_at(
                    at,
                    format!(
                        "({name}) ignoring {} tracked interface due to {why}",
                        t.name
                    ),
                );
                false
            }
        });
        inst.track_scripts.retain(|t| {
            let Some(s) = scripts.iter().find(|s| s.name == t.name) else {
                return true;
            };
            if t.resolve(s).0 == 0 {
                return true;
            }
            p.error_at(
                at,
                format!(
                    "({name}) ignoring tracked script {} with weights due to {why}",
                    t.name
                ),
            );
            false
        });
        inst.track_files.retain_mut(|t| {
            let Some(f) = files.iter().find(|f| f.name == t.name) else {
                return true;
            };
            match t.resolve(f).0 {
                0 => true,
                // The default weight: keepalived treats the file as unweighted.
                1 => {
                    p.error_at(
                        at,
                        format!("({name}) ignoring weight from tracked file {} due to {why}. specify weight 0", t.name),
                    );
                    t.weight = Some(0);
                    true
                }
                w => {
                    p.error_at(
                        at,
                        format!("({name}) ignoring tracked file {} with weight {w} due to {why}", t.name),
                    );
                    false
                }
            }
        });
    }
    let owners: Vec<String> = config
        .instances
        .iter()
        .filter(|i| i.priority == PRIORITY_OWNER)
        .map(|i| i.name.clone())
        .collect();
    for g in &mut config.sync_groups {
        if !g.group.iter().any(|m| owners.contains(m)) {
            continue;
        }
        let at = g.location;
        for t in &mut g.track_scripts {
            let Some(s) = scripts.iter().find(|s| s.name == t.name) else {
                continue;
            };
            if t.resolve(s).0 != 0 {
                p.error_at(
                    at,
                    format!("({}) Cannot have weighted track script '{}' with member priority {PRIORITY_OWNER}", g.name, t.name),
                );
                t.weight = Some(0);
            }
        }
        for t in &mut g.track_files {
            let Some(f) = files.iter().find(|f| f.name == t.name) else {
                continue;
            };
            if t.resolve(f).0 != 0 {
                p.error_at(
                    at,
                    format!("({}) Cannot have weighted track file '{}' with member priority {PRIORITY_OWNER}", g.name, t.name),
                );
                t.weight = Some(0);
            }
        }
    }
}
