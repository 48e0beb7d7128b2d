//! Script runs: MISC_CHECK and vrrp_script commands, with keepalived's timeout sequence.
//!
//! The child starts as every script does ([`script_process`](crate::script_process)): its own
//! process group, the script user, a minimal environment, no shell. At the timeout its group gets SIGTERM;
//! if the leader has not ended [`SCRIPT_KILL_GRACE`] later, SIGKILL. After a timeout the group
//! always gets a final SIGKILL so no grandchild survives it. A dropped run kills the group at
//! once, and `async-process` reaps the child.

use crate::script_process::{self, GroupGuard};
use crate::system_facts::LinuxFacts;
use holdfast_actors::ports::probe::{ScriptRun, SCRIPT_KILL_GRACE};
use holdfast_core::checker::ScriptExit;
use rustix::process::Signal;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

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
    let Ok(ids) = script_process::resolve_ids(&LinuxFacts::default(), run.user.as_ref()) else {
        return ScriptExit::SpawnFailed;
    };
    let Ok(mut child) = script_process::command(program, args, ids)
        .kill_on_drop(true)
        .spawn()
    else {
        return ScriptExit::SpawnFailed;
    };
    let mut guard = GroupGuard::leading(child.id());
    let timeout = Duration::from_millis(run.timeout.total_millis());
    let grace = Duration::from_millis(SCRIPT_KILL_GRACE.total_millis());
    let first = script_process::wait_at_most(&mut child, timeout).await;
    match first {
        Some(Ok(status)) => {
            guard.exited();
            return exit(status);
        }
        Some(Err(_)) => return ScriptExit::SpawnFailed,
        None => {}
    }
    guard.signal(Signal::TERM);
    let after_term = script_process::wait_at_most(&mut child, grace).await;
    if after_term.is_none() {
        guard.signal(Signal::KILL);
        // SIGKILL cannot be caught; the wait ends unless the process is stuck in the kernel, in
        // which case dropping `child` hands it to the reaper.
        let _ = script_process::wait_at_most(&mut child, grace).await;
    }
    // Dropping the guard SIGKILLs the group: grandchildren of a script that obeyed SIGTERM go too.
    drop(guard);
    ScriptExit::TimedOut
}
