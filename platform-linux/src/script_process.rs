//! How holdfast starts any script (notify scripts, MISC_CHECK, vrrp_script): as the script user,
//! in a process group of its own (so a timeout reaches everything the script started), with
//! `PATH` only ([`SCRIPT_PATH`]), working directory `/` and stdio on `/dev/null`, never through a
//! shell. `smol`'s `async-process` reaps every child, including those whose handle was dropped.

use crate::system_facts::LinuxFacts;
use futures_lite::FutureExt;
use holdfast_core::config::model::ScriptUser;
use holdfast_core::config::validate::SystemFacts;
use rustix::process::{kill_process_group, Pid, Signal};
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

/// The `PATH` scripts run with.
pub const SCRIPT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The account keepalived runs scripts as when no user is given.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// Numeric ids to switch to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
}

/// An account or group a script should run as does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownAccount {
    User(String),
    Group(String),
}

/// The ids for `user`: the given `user [group]`, else keepalived's default script user when that
/// account exists, else `None` (stay as the daemon is).
pub fn resolve_ids(
    facts: &LinuxFacts,
    user: Option<&ScriptUser>,
) -> Result<Option<Ids>, UnknownAccount> {
    let Some(user) = user else {
        return Ok(facts.user(DEFAULT_SCRIPT_USER).map(|ids| Ids {
            uid: ids.uid,
            gid: ids.gid,
        }));
    };
    let ids = facts
        .user(&user.user)
        .ok_or_else(|| UnknownAccount::User(user.user.clone()))?;
    let gid = match &user.group {
        None => ids.gid,
        Some(group) => facts
            .group(group)
            .ok_or_else(|| UnknownAccount::Group(group.clone()))?,
    };
    Ok(Some(Ids { uid: ids.uid, gid }))
}

/// The command for `program args…` with the environment described in the module doc.
pub fn command(program: &str, args: &[String], ids: Option<Ids>) -> smol::process::Command {
    let mut command = std::process::Command::new(program);
    command
        .args(args)
        .env_clear()
        .env("PATH", SCRIPT_PATH)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    if let Some(ids) = ids {
        // std sets the group (and drops supplementary groups when root) before the user.
        command.gid(ids.gid).uid(ids.uid);
    }
    smol::process::Command::from(command)
}

/// The child's exit status, or `None` if `limit` passed first.
pub async fn wait_at_most(
    child: &mut smol::process::Child,
    limit: Duration,
) -> Option<io::Result<ExitStatus>> {
    async { Some(child.status().await) }
        .or(async {
            smol::Timer::after(limit).await;
            None
        })
        .await
}

/// Signals a running script's process group, and SIGKILLs it when dropped before the leader was
/// seen to exit (a cancelled run leaves no process behind).
#[derive(Debug)]
pub struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    /// Guards the group led by the child with pid `leader` (its pgid is its pid).
    pub fn leading(leader: u32) -> Self {
        // pid 0 or 1 would signal our own group or init's: never.
        let pgid = i32::try_from(leader)
            .ok()
            .filter(|&p| p > 1)
            .and_then(Pid::from_raw);
        GroupGuard { pgid }
    }

    /// Sends `signal` to every process of the group; a group already gone is not an error.
    pub fn signal(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            let _ = kill_process_group(pgid, signal);
        }
    }

    /// The leader exited and was reaped: its pid may be reused, so never signal it again.
    pub fn exited(&mut self) {
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.signal(Signal::KILL);
    }
}
