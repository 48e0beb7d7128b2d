//! Script runs: MISC_CHECK and vrrp_script commands, with keepalived's timeout sequence.
//!
//! The child is the leader of a new process group, runs as the configured user and group (or
//! the user's primary group; supplementary groups are dropped when holdfast runs as root, by
//! std's `Command::uid`), and never goes through a shell. At the timeout its group gets SIGTERM;
//! if the leader has not ended [`SCRIPT_KILL_GRACE`] later, SIGKILL. After a timeout the group
//! always gets a final SIGKILL so no grandchild survives it. A dropped run kills the group at
//! once, and `async-process` reaps the child.

use crate::system_facts::LinuxFacts;
use futures_lite::FutureExt;
use holdfast_actors::ports::probe::{ScriptRun, SCRIPT_KILL_GRACE};
use holdfast_core::checker::ScriptExit;
use holdfast_core::config::model::ScriptUser;
use holdfast_core::config::validate::SystemFacts;
use rustix::process::{kill_process_group, Pid, Signal};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

/// Kills the process group when dropped, unless disarmed (the leader was reaped).
struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    fn signal(&self, sig: Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH: the group is gone already, which is the goal.
            let _ = kill_process_group(pgid, sig);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.signal(Signal::KILL);
    }
}

fn ids(user: &ScriptUser) -> Option<(u32, u32)> {
    let facts = LinuxFacts::default();
    let ids = facts.user(&user.user)?;
    let gid = match &user.group {
        Some(g) => facts.group(g)?,
        None => ids.gid,
    };
    Some((ids.uid, gid))
}

fn exit(status: ExitStatus) -> ScriptExit {
    match (status.code(), status.signal()) {
        (Some(code), _) => ScriptExit::Exited(u8::try_from(code & 0xff).unwrap_or(u8::MAX)),
        (None, Some(sig)) => ScriptExit::Signalled(sig),
        (None, None) => ScriptExit::SpawnFailed,
    }
}

/// Runs `run` to its end or its timeout.
pub async fn run(run: &ScriptRun) -> ScriptExit {
    let Some((program, args)) = run.args.split_first() else {
        return ScriptExit::SpawnFailed;
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    if let Some(user) = &run.user {
        let Some((uid, gid)) = ids(user) else {
            return ScriptExit::SpawnFailed;
        };
        cmd.uid(uid).gid(gid);
    }
    let Ok(mut child) = smol::process::Command::from(cmd).kill_on_drop(true).spawn() else {
        return ScriptExit::SpawnFailed;
    };
    let mut guard = GroupGuard {
        pgid: i32::try_from(child.id()).ok().and_then(Pid::from_raw),
    };
    let timeout = Duration::from_millis(run.timeout.total_millis());
    let grace = Duration::from_millis(SCRIPT_KILL_GRACE.total_millis());
    let first = async { Some(child.status().await) }
        .or(async {
            smol::Timer::after(timeout).await;
            None
        })
        .await;
    match first {
        Some(Ok(status)) => {
            guard.pgid = None;
            return exit(status);
        }
        Some(Err(_)) => return ScriptExit::SpawnFailed,
        None => {}
    }
    guard.signal(Signal::TERM);
    let after_term = async { Some(child.status().await) }
        .or(async {
            smol::Timer::after(grace).await;
            None
        })
        .await;
    if after_term.is_none() {
        guard.signal(Signal::KILL);
        // SIGKILL cannot be caught; the wait ends unless the process is stuck in the kernel, in
        // which case dropping `child` hands it to the reaper.
        let _ = async { Some(child.status().await) }
            .or(async {
                smol::Timer::after(grace).await;
                None
            })
            .await;
    }
    // Dropping the guard SIGKILLs the group: grandchildren of a script that obeyed SIGTERM go too.
    drop(guard);
    ScriptExit::TimedOut
}
