//! Script checks (keepalived's `check_script_secure`, `check_security` and the default script
//! user in `lib/notify.c`, and the `check_*_script_security` callers).
//!
//! keepalived's verdicts, measured with `keepalived -t` 2.2.7: scripts configured without
//! `enable_script_security` exit 6 ([`Class::ScriptSecurity`]); a `vrrp_script` that is missing
//! or, with security on, insecure is disabled with an error (exit 5); notify and MISC_CHECK
//! scripts in that state, and scripts that are not executable, are disabled with a log line only
//! ([`Class::Warning`]).

use super::facts::{FileKind, FileMeta, SystemFacts, UserIds};
use super::Out;
use crate::config::diag::{Class, Location};
use crate::config::model::{CheckerKind, Command, Config, NotifyScript, ScriptUser};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const S_IXUSR: u32 = 0o100;
const S_IXGRP: u32 = 0o010;
const S_IXOTH: u32 = 0o001;
const S_IWGRP: u32 = 0o020;
const S_IWOTH: u32 = 0o002;

/// The account keepalived runs scripts as when none is configured, if it exists.
const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// One script to check and what disabling it means.
struct Script<'a> {
    what: String,
    command: &'a Command,
    user: Option<&'a ScriptUser>,
    location: Option<Location>,
    /// A `vrrp_script`'s name: keepalived reports its failures as errors, and a disabled one is
    /// recorded in [`Validation::disabled_vrrp_scripts`](super::Validation).
    vrrp_script: Option<&'a str>,
}

impl Script<'_> {
    /// Reports that keepalived disables this script, and records it if it is a `vrrp_script`.
    fn disable(&self, out: &mut Out, class: Class, message: String) {
        out.push(class, self.location, message);
        if let Some(name) = self.vrrp_script {
            out.disabled_vrrp_scripts.insert(name.to_string());
        }
    }
}

pub(super) fn check(config: &Config, facts: &dyn SystemFacts, out: &mut Out) {
    let scripts = collect(config);
    if scripts.is_empty() {
        return;
    }
    let security = config.global.enable_script_security;
    let default_user = default_user(config, facts, out);
    let mut any_found = false;
    let mut any_insecure = false;
    for s in &scripts {
        let class_if_disabled = if s.vrrp_script.is_some() {
            Class::Error
        } else {
            Class::Warning
        };
        let ids = match s.user {
            Some(u) => match resolve(facts, u) {
                Some(ids) => ids,
                None => {
                    s.disable(
                        out,
                        class_if_disabled,
                        format!(
                            "{}: script user '{}' does not exist - disabling",
                            s.what, u.user
                        ),
                    );
                    continue;
                }
            },
            None => match default_user {
                Some(ids) => ids,
                None => {
                    s.disable(
                        out,
                        class_if_disabled,
                        format!("{}: no default script user - disabling", s.what),
                    );
                    continue;
                }
            },
        };
        let program = s.command.program();
        // `</path` only tests that a file can be opened; nothing is executed.
        if program.starts_with('<') {
            continue;
        }
        let path = if program.contains('/') {
            Some(program.to_string())
        } else {
            facts.find_in_path(program)
        };
        let located = path.and_then(|p| {
            let real = facts.canonicalize(&p).unwrap_or_else(|| p.clone());
            facts.metadata(&real).map(|m| (p, real, m))
        });
        let Some((path, real, meta)) = located else {
            let msg = if s.vrrp_script.is_some() {
                format!(
                    "{}: disabling, script '{program}' not found/accessible",
                    s.what
                )
            } else {
                format!("{}: script '{program}' not found - disabling", s.what)
            };
            s.disable(out, class_if_disabled, msg);
            continue;
        };
        any_found = true;
        if !executable(&meta, ids) {
            s.disable(
                out,
                Class::Warning,
                format!(
                    "{}: script '{path}' is not executable for uid:gid {}:{} - disabling",
                    s.what, ids.uid, ids.gid
                ),
            );
            continue;
        }
        let runs_as_root = ids.uid == 0
            || ids.gid == 0
            || (meta.uid == 0 && meta.mode & S_IXUSR != 0 && meta.mode & S_ISUID != 0)
            || (meta.gid == 0 && meta.mode & S_IXGRP != 0 && meta.mode & S_ISGID != 0);
        if !runs_as_root {
            continue;
        }
        if let Some(problem) = insecure_component(facts, &real) {
            any_insecure = true;
            if security {
                s.disable(
                    out,
                    class_if_disabled,
                    format!(
                        "{}: disabling script '{path}' due to insecure: {problem}",
                        s.what
                    ),
                );
            } else {
                out.push(
                    Class::ScriptSecurity,
                    s.location,
                    format!("{}: script '{path}' is insecure: {problem}", s.what),
                );
            }
        }
    }
    if any_found && !security {
        let suffix = if any_insecure {
            " There are insecure scripts."
        } else {
            ""
        };
        out.push(
            Class::ScriptSecurity,
            None,
            format!("SECURITY VIOLATION - scripts are being executed but script_security not enabled.{suffix}"),
        );
    }
}

fn notify<'a>(
    v: &mut Vec<Script<'a>>,
    owner: &str,
    kw: &str,
    s: &'a NotifyScript,
    at: Option<Location>,
) {
    v.push(Script {
        what: format!("({owner}) {kw}"),
        command: &s.command,
        user: s.user.as_ref(),
        location: at,
        vrrp_script: None,
    });
}

fn collect(config: &Config) -> Vec<Script<'_>> {
    let mut out: Vec<Script<'_>> = Vec::new();
    for s in &config.vrrp_scripts {
        out.push(Script {
            what: format!("vrrp_script {}", s.name),
            command: &s.script,
            user: s.user.as_ref(),
            location: s.location,
            vrrp_script: Some(&s.name),
        });
    }
    for i in &config.instances {
        for (kw, s) in i.notify.scripts() {
            notify(&mut out, &i.name, kw, s, i.location);
        }
    }
    for g in &config.sync_groups {
        for (kw, s) in g.notify.scripts() {
            notify(&mut out, &g.name, kw, s, g.location);
        }
    }
    for vs in &config.virtual_servers {
        let name = vs.key.to_string();
        for (kw, s) in [
            ("quorum_up", &vs.quorum_up),
            ("quorum_down", &vs.quorum_down),
        ] {
            if let Some(s) = s {
                notify(&mut out, &name, kw, s, vs.location);
            }
        }
        for rs in &vs.real_servers {
            let owner = format!("{name} real_server {}", rs.addr);
            for (kw, s) in [
                ("notify_up", &rs.notify_up),
                ("notify_down", &rs.notify_down),
            ] {
                if let Some(s) = s {
                    notify(&mut out, &owner, kw, s, rs.location);
                }
            }
            for c in &rs.checkers {
                if let CheckerKind::Misc(m) = &c.kind {
                    out.push(Script {
                        what: format!("({owner}) MISC_CHECK"),
                        command: &m.path,
                        user: m.user.as_ref(),
                        location: rs.location,
                        vrrp_script: None,
                    });
                }
            }
        }
    }
    out
}

/// The account scripts without `user` run as: `script_user`, else `keepalived_script` if it
/// exists, else root, which `enable_script_security` forbids.
fn default_user(config: &Config, facts: &dyn SystemFacts, out: &mut Out) -> Option<UserIds> {
    if let Some(u) = &config.global.script_user {
        let ids = resolve(facts, u);
        if ids.is_none() {
            out.error(
                None,
                format!(
                    "script_user '{}' does not exist (or its group does not)",
                    u.user
                ),
            );
        }
        return ids;
    }
    if let Some(ids) = facts.user(DEFAULT_SCRIPT_USER) {
        return Some(ids);
    }
    if config.global.enable_script_security {
        out.error(
            None,
            format!("Unable to set default user {DEFAULT_SCRIPT_USER} for script: it does not exist and enable_script_security forbids root"),
        );
        return None;
    }
    Some(UserIds { uid: 0, gid: 0 })
}

fn resolve(facts: &dyn SystemFacts, u: &ScriptUser) -> Option<UserIds> {
    let mut ids = facts.user(&u.user)?;
    if let Some(g) = &u.group {
        ids.gid = facts.group(g)?;
    }
    Some(ids)
}

fn executable(meta: &FileMeta, ids: UserIds) -> bool {
    let m = meta.mode;
    (ids.uid == 0 && m & (S_IXUSR | S_IXGRP | S_IXOTH) != 0)
        || (ids.uid == meta.uid && m & S_IXUSR != 0)
        || (ids.uid != meta.uid
            && ((ids.gid == meta.gid && m & S_IXGRP != 0)
                || (ids.gid != meta.gid && m & S_IXOTH != 0)))
}

/// The first component of `path` a non-root user could replace, as keepalived's
/// `check_security` judges it, described for the message.
fn insecure_component(facts: &dyn SystemFacts, path: &str) -> Option<String> {
    let mut prefixes: Vec<&str> = Vec::new();
    if path.starts_with('/') {
        prefixes.push("/");
    }
    for (i, _) in path.match_indices('/').filter(|(i, _)| *i > 0) {
        prefixes.push(path.get(..i).unwrap_or(path));
    }
    prefixes.push(path);
    let last = prefixes.len().saturating_sub(1);
    for (n, comp) in prefixes.iter().enumerate() {
        let Some(m) = facts.symlink_metadata(comp) else {
            return Some(format!("'{comp}' cannot be found"));
        };
        let is_last = n == last;
        let right_kind = if is_last {
            matches!(m.kind, FileKind::File | FileKind::Symlink)
        } else {
            m.kind == FileKind::Dir
        };
        if !right_kind {
            return Some(format!("wrong file type at '{comp}'"));
        }
        let checked =
            (m.kind == FileKind::Dir && m.mode & S_ISVTX == 0) || m.kind == FileKind::File;
        let writable = (m.gid != 0 && m.mode & S_IWGRP != 0) || m.mode & S_IWOTH != 0;
        if m.uid != 0 {
            return Some(format!("'{comp}' is not owned by root"));
        }
        if checked && writable {
            return Some(format!("'{comp}' is writable by non-root users"));
        }
    }
    None
}
