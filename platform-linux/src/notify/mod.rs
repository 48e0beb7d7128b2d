//! The notify-script port on Linux ([`LinuxScriptRunner`]): `fork`/`exec` through `smol`'s
//! `async-process` (whose reaper waits for every child, including the ones whose handle was
//! dropped), as the script user, in a process group of its own so a timeout kills the script
//! and everything it started.
//!
//! The environment is [`script_process`](crate::script_process)'s. Users and groups are read from `/etc/passwd` and `/etc/group` at each run (the
//! same files `holdfast -t` checks), so a user created after start-up is found.

#[cfg(test)]
mod tests;

pub use crate::script_process::{DEFAULT_SCRIPT_USER, SCRIPT_PATH};

use crate::script_process::{self, GroupGuard, UnknownAccount};
use crate::system_facts::LinuxFacts;
use holdfast_actors::ports::notify::{ScriptError, ScriptJob, ScriptOutcome, ScriptRunner};
use rustix::process::Signal;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration as StdDuration;

/// Runs notify scripts on Linux.
#[derive(Debug, Default)]
pub struct LinuxScriptRunner {
    facts: LinuxFacts,
}

impl LinuxScriptRunner {
    /// A runner reading the system's `/etc/passwd` and `/etc/group`.
    pub fn new() -> Self {
        LinuxScriptRunner::default()
    }

    /// A runner reading users and groups through `facts` (tests point it elsewhere).
    pub fn with_facts(facts: LinuxFacts) -> Self {
        LinuxScriptRunner { facts }
    }
}

impl ScriptRunner for LinuxScriptRunner {
    async fn run(&self, job: &ScriptJob) -> Result<ScriptOutcome, ScriptError> {
        let (program, args) = job.args.split_first().ok_or(ScriptError::Empty)?;
        let ids =
            script_process::resolve_ids(&self.facts, job.user.as_ref()).map_err(|e| match e {
                UnknownAccount::User(u) => ScriptError::UnknownUser(u),
                UnknownAccount::Group(g) => ScriptError::UnknownGroup(g),
            })?;
        let mut child = script_process::command(program, args, ids)
            .spawn()
            .map_err(|source| ScriptError::Spawn {
                program: program.clone(),
                source,
            })?;
        let mut group = GroupGuard::leading(child.id());
        let timeout = StdDuration::from_millis(job.timeout.total_millis());
        let waited = script_process::wait_at_most(&mut child, timeout).await;
        let wait_error = |source| ScriptError::Wait {
            program: program.clone(),
            source,
        };
        match waited {
            Some(status) => {
                group.exited();
                Ok(outcome(status.map_err(wait_error)?))
            }
            None => {
                group.signal(Signal::KILL);
                // Reap it now that the whole group is gone.
                child.status().await.map_err(wait_error)?;
                group.exited();
                Ok(ScriptOutcome::TimedOut)
            }
        }
    }
}

fn outcome(status: ExitStatus) -> ScriptOutcome {
    match (status.code(), status.signal()) {
        (Some(code), _) => ScriptOutcome::Exited(code),
        (None, Some(signal)) => ScriptOutcome::Signalled(signal),
        // Neither exited nor signalled cannot be reported by wait(2) for an ended child.
        (None, None) => ScriptOutcome::Signalled(0),
    }
}
