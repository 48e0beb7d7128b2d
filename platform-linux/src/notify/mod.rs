//! The notify-script port on Linux ([`LinuxScriptRunner`]): `fork`/`exec` through `smol`'s
//! `async-process` (whose reaper waits for every child, including the ones whose handle was
//! dropped), as the script user, in a process group of its own so a timeout kills the script
//! and everything it started.
//!
//! Environment: `PATH` only ([`SCRIPT_PATH`]); stdin, stdout and stderr on `/dev/null`; working
//! directory `/`. Users and groups are read from `/etc/passwd` and `/etc/group` at each run (the
//! same files `holdfast -t` checks), so a user created after start-up is found.

mod sys;
mod user;

#[cfg(test)]
mod tests;

pub use user::DEFAULT_SCRIPT_USER;

use crate::system_facts::LinuxFacts;
use futures_lite::FutureExt;
use holdfast_actors::ports::notify::{ScriptError, ScriptJob, ScriptOutcome, ScriptRunner};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ExitStatus, Stdio};
use std::time::Duration as StdDuration;

/// The `PATH` scripts run with.
pub const SCRIPT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

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
        let ids = user::resolve(&self.facts, job.user.as_ref())?;
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
        let mut command = smol::process::Command::from(command);
        let mut child = command.spawn().map_err(|source| ScriptError::Spawn {
            program: program.clone(),
            source,
        })?;
        // The child leads its own process group, whose id is its pid.
        let mut group = sys::GroupGuard::new(child.id());
        let timeout = StdDuration::from_millis(job.timeout.total_millis());
        let waited = async { Some(child.status().await) }
            .or(async {
                smol::Timer::after(timeout).await;
                None
            })
            .await;
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
                group.kill();
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
