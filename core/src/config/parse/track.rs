//! Tracking: `vrrp_script`, `track_file` blocks, `vrrp_sync_group`, and the `track_interface`,
//! `track_script` and `track_file` lists inside instances and sync groups (keepalived's
//! `vrrp_parser.c`, `vrrp_track.c`, `track_file.c`).

use super::{values, Parser};
use crate::config::keywords::Context;
use crate::config::model::{
    Config, Notify, SyncGroup, TrackFile, TrackFileInit, TrackedFile, TrackedInterface,
    TrackedScript, VrrpScript,
};
use crate::config::syntax::Statement;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// keepalived reads script times as whole seconds into a microsecond `u32`.
const MAX_SCRIPT_SECS: u64 = u32::MAX as u64 / 1_000_000;

pub(super) fn vrrp_script(p: &mut Parser, st: &Statement, config: &mut Config) {
    let Some(block) = p.block(st) else { return };
    let Some(name) = p.string(st, "a script name") else {
        return;
    };
    let mut script = None;
    let mut s = VrrpScript::new(
        name.clone(),
        crate::config::model::Command { args: Vec::new() },
    );
    for st in block {
        let Some(kw) = p.keyword(Context::VrrpScript, st) else {
            continue;
        };
        match kw {
            "script" => script = p.lone_command(st).or(script),
            "interval" | "timeout" => {
                if let Some(v) = p.uint(st, 0, MAX_SCRIPT_SECS) {
                    if v == 0 {
                        p.error(
                            st.location,
                            format!(
                                "({name}): vrrp script {kw} must be greater than 0, setting to 1"
                            ),
                        );
                    }
                    let d = crate::time::Duration::from_secs(v.max(1));
                    if kw == "interval" {
                        s.interval = d;
                    } else {
                        s.timeout = d;
                    }
                }
            }
            "weight" => {
                if let Some(w) = p
                    .int_at(st, 1, -253, 253)
                    .and_then(|v| i16::try_from(v).ok())
                {
                    s.weight = w;
                }
                match st.words.get(2).map(String::as_str) {
                    None => {}
                    Some("reverse") => s.weight_reverse = true,
                    Some(o) => p.error(
                        st.location,
                        format!("vrrp_script {name} unknown weight option {o}"),
                    ),
                }
            }
            "rise" | "fall" => {
                let v = p.u32(st, 1, i32::MAX as u32).unwrap_or(1);
                if kw == "rise" {
                    s.rise = v;
                } else {
                    s.fall = v;
                }
            }
            "user" => s.user = p.script_user(st).or(s.user.take()),
            "init_fail" => s.init_fail = true,
            _ => p.unhandled(Context::VrrpScript, st),
        }
    }
    let Some(script) = script else {
        p.error(
            st.location,
            format!("No script set for vrrp_script {name} - removing"),
        );
        return;
    };
    s.script = script;
    s.location = Some(st.location);
    if config.vrrp_scripts.iter().any(|o| o.name == name) {
        p.error(
            st.location,
            format!("vrrp_script {name} already defined - ignoring this one"),
        );
        return;
    }
    config.vrrp_scripts.push(s);
}

pub(super) fn track_file(p: &mut Parser, st: &Statement, config: &mut Config) {
    let Some(block) = p.block(st) else { return };
    let Some(name) = p.string(st, "a track file name") else {
        return;
    };
    let mut file = None;
    let mut tf = TrackFile {
        location: Some(st.location),
        name: name.clone(),
        file: String::new(),
        weight: 1,
        weight_reverse: false,
        init: None,
    };
    for st in block {
        let Some(kw) = p.keyword(Context::TrackFile, st) else {
            continue;
        };
        match kw {
            "file" => {
                if file.is_some() {
                    p.error(
                        st.location,
                        format!("File already set for track file {name} - ignoring"),
                    );
                } else {
                    file = p.string_soft(st, "a file path");
                }
            }
            "weight" => {
                if let Some(w) = p
                    .int_at(st, 1, -254, 254)
                    .and_then(|v| i32::try_from(v).ok())
                {
                    tf.weight = w;
                }
                match st.words.get(2).map(String::as_str) {
                    None => {}
                    Some("reverse") => tf.weight_reverse = true,
                    Some(o) => p.error(
                        st.location,
                        format!("track_file {name} unknown weight option {o}"),
                    ),
                }
            }
            "init_file" => {
                let mut init = TrackFileInit {
                    value: 0,
                    overwrite: false,
                };
                for w in st.args() {
                    if w == "overwrite" {
                        init.overwrite = true;
                    } else if let Some(v) = values::signed(w).and_then(|v| i32::try_from(v).ok()) {
                        init.value = v;
                    } else {
                        p.error(st.location, format!("Unknown track file init option {w}"));
                    }
                }
                tf.init = Some(init);
            }
            _ => p.unhandled(Context::TrackFile, st),
        }
    }
    let Some(file) = file else {
        p.error(
            st.location,
            format!("No file set for track_file {name} - ignoring"),
        );
        return;
    };
    tf.file = file;
    config.track_files.push(tf);
}

pub(super) fn sync_group(p: &mut Parser, st: &Statement, config: &mut Config) {
    let Some(block) = p.block(st) else { return };
    let [_, name] = st.words.as_slice() else {
        p.error(st.location, "vrrp_sync_group must have a name - skipping");
        return;
    };
    if config.sync_groups.iter().any(|g| &g.name == name) {
        p.error(
            st.location,
            format!("vrrp sync group {name} already defined"),
        );
        return;
    }
    let mut g = SyncGroup {
        location: Some(st.location),
        name: name.clone(),
        group: Vec::new(),
        track_interfaces: Vec::new(),
        track_scripts: Vec::new(),
        track_files: Vec::new(),
        notify: Notify::default(),
        smtp_alert: None,
    };
    let mut have_group = false;
    for st in block {
        let Some(kw) = p.keyword(Context::VrrpSyncGroup, st) else {
            continue;
        };
        match kw {
            "group" => {
                if have_group {
                    p.error(
                        st.location,
                        format!("Group list already specified for sync group {name}"),
                    );
                    continue;
                }
                let Some(b) = p.block(st) else { continue };
                have_group = true;
                g.group = b.iter().flat_map(|l| l.words.iter().cloned()).collect();
                if g.group.is_empty() {
                    p.error(
                        st.location,
                        format!("Warning - sync group {name} has empty group block"),
                    );
                }
            }
            "track_interface" => tracked_interfaces(p, st, name, &mut g.track_interfaces),
            "track_script" => tracked_scripts(p, st, name, &mut g.track_scripts),
            "track_file" => tracked_files(p, st, name, &mut g.track_files),
            "notify" => p.set_notify(st, &mut g.notify.any),
            "notify_master" => p.set_notify(st, &mut g.notify.master),
            "notify_backup" => p.set_notify(st, &mut g.notify.backup),
            "notify_fault" => p.set_notify(st, &mut g.notify.fault),
            "notify_stop" => p.set_notify(st, &mut g.notify.stop),
            "smtp_alert" => {
                if let Some(v) = p.flag(st) {
                    g.smtp_alert = Some(v);
                }
            }
            _ => p.unhandled(Context::VrrpSyncGroup, st),
        }
    }
    config.sync_groups.push(g);
}

/// A line's optional `weight N [reverse|noreverse]` with the weight in `-254..=254`; `clamp`
/// turns ±254 into ±253 as keepalived does for interfaces and scripts. `Err` drops the line.
fn weight_option(
    p: &mut Parser,
    line: &Statement,
    owner: &str,
    allow_noreverse: bool,
    clamp: bool,
) -> Result<Option<(i32, Option<bool>)>, ()> {
    let tracked = line.keyword();
    match line.words.get(1).map(String::as_str) {
        None => return Ok(None),
        Some("weight") => {}
        Some(o) => {
            p.error(
                line.location,
                format!("({owner}) unknown track option '{o}' for {tracked} - ignoring"),
            );
            return Err(());
        }
    }
    let Some(w) = line.words.get(2) else {
        p.error(
            line.location,
            format!("({owner}) weight without value specified for {tracked} - ignoring"),
        );
        return Err(());
    };
    let limit = if clamp { 253 } else { 254 };
    let weight = match values::signed(w) {
        Some(v) if (-254..=254).contains(&v) => {
            if clamp && v.abs() == 254 {
                p.error(
                    line.location,
                    format!("({owner}) weight for {tracked} cannot be +/-254. Setting to +/-253"),
                );
            }
            i32::try_from(v.clamp(-limit, limit)).map_err(|_| ())?
        }
        _ => {
            p.error(
                line.location,
                format!(
                    "({owner}) weight '{w}' for {tracked} out of range: expected -{limit}-{limit}"
                ),
            );
            return Err(());
        }
    };
    let reverse = match line.words.get(3).map(String::as_str) {
        None => None,
        Some("reverse") => Some(true),
        Some("noreverse") if allow_noreverse => Some(false),
        Some(o) => {
            p.error(
                line.location,
                format!("({owner}) unknown weight option '{o}' for {tracked} - ignoring"),
            );
            None
        }
    };
    Ok(Some((weight, reverse)))
}

/// `track_interface { IF [weight N [reverse]] … }`.
pub(super) fn tracked_interfaces(
    p: &mut Parser,
    st: &Statement,
    owner: &str,
    out: &mut Vec<TrackedInterface>,
) {
    let Some(block) = p.block(st) else { return };
    for line in block {
        let name = line.keyword();
        if out.iter().any(|t| t.name == name) {
            p.error(
                line.location,
                format!("({owner}) duplicate track_interface {name} - ignoring"),
            );
            continue;
        }
        let Ok(w) = weight_option(p, line, owner, false, true) else {
            continue;
        };
        out.push(TrackedInterface {
            name: String::from(name),
            weight: w.map_or(0, |(w, _)| i16::try_from(w).unwrap_or(0)),
            reverse: w.and_then(|(_, r)| r).unwrap_or(false),
        });
    }
}

/// `track_script { NAME [weight N [reverse|noreverse]] … }`.
pub(super) fn tracked_scripts(
    p: &mut Parser,
    st: &Statement,
    owner: &str,
    out: &mut Vec<TrackedScript>,
) {
    let Some(block) = p.block(st) else { return };
    for line in block {
        let name = line.keyword();
        if out.iter().any(|t| t.name == name) {
            p.error(
                line.location,
                format!("({owner}) duplicate track_script {name} - ignoring"),
            );
            continue;
        }
        let Ok(w) = weight_option(p, line, owner, true, true) else {
            continue;
        };
        out.push(TrackedScript {
            name: String::from(name),
            weight: w.and_then(|(w, _)| i16::try_from(w).ok()),
            reverse: w.and_then(|(_, r)| r),
        });
    }
}

/// `track_file { NAME [weight N [reverse]] … }`.
pub(super) fn tracked_files(
    p: &mut Parser,
    st: &Statement,
    owner: &str,
    out: &mut Vec<TrackedFile>,
) {
    let Some(block) = p.block(st) else { return };
    for line in block {
        let name = line.keyword();
        if out.iter().any(|t| t.name == name) {
            p.error(
                line.location,
                format!("({owner}) duplicate track_file {name} - ignoring"),
            );
            continue;
        }
        let Ok(w) = weight_option(p, line, owner, true, false) else {
            continue;
        };
        let tf = TrackedFile {
            name: String::from(name),
            weight: w.map(|(w, _)| w),
            reverse: w.and_then(|(_, r)| r),
        };
        out.push(tf);
    }
}
