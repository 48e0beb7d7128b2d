//! The notify-script port: run one program (a keepalived `notify*` script with its arguments) as
//! a given user, within a time limit, and say how it ended.
//!
//! Queueing, ordering and concurrency are not the port's business: the vrrp actor hands jobs to
//! [`crate::vrrp::NotifyQueue`], whose worker calls [`ScriptRunner::run`]. A runner only starts
//! one process and waits for it.

use holdfast_core::config::model::ScriptUser;
use holdfast_core::time::Duration;
use std::fmt;
use std::future::Future;
use std::io;

/// One script to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptJob {
    /// Program first, then its arguments, exactly as to be passed to `execve` (keepalived's
    /// quoting is already applied by the configuration parser; the vrrp actor appends
    /// `INSTANCE|GROUP name STATE priority` for the generic `notify` script).
    pub args: Vec<String>,
    /// Who runs it; `None` is the default script user (see [`ScriptRunner::run`]).
    pub user: Option<ScriptUser>,
    /// How long it may run before its whole process group is killed.
    pub timeout: Duration,
}

impl ScriptJob {
    /// The program (first argument), or `""` for an empty job.
    pub fn program(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or("")
    }
}

impl fmt::Display for ScriptJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.args.join(" "))
    }
}

/// How a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// It exited with this status.
    Exited(i32),
    /// A signal (not ours) ended it.
    Signalled(i32),
    /// It outlived its timeout; its process group was killed and it was reaped.
    TimedOut,
}

impl fmt::Display for ScriptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptOutcome::Exited(code) => write!(f, "exited with status {code}"),
            ScriptOutcome::Signalled(signal) => write!(f, "killed by signal {signal}"),
            ScriptOutcome::TimedOut => f.write_str("timed out and was killed"),
        }
    }
}

/// Why a script could not be run.
#[derive(Debug)]
pub enum ScriptError {
    /// The job has no program.
    Empty,
    /// The user name is unknown to the system.
    UnknownUser(String),
    /// The group name is unknown to the system.
    UnknownGroup(String),
    /// `fork`/`exec` failed (program missing, not executable, `setuid` refused...).
    Spawn {
        /// The program.
        program: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// Waiting for or killing the process failed.
    Wait {
        /// The program.
        program: String,
        /// The operating system's error.
        source: io::Error,
    },
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptError::Empty => f.write_str("empty script command"),
            ScriptError::UnknownUser(user) => write!(f, "unknown script user {user}"),
            ScriptError::UnknownGroup(group) => write!(f, "unknown script group {group}"),
            ScriptError::Spawn { program, source } => {
                write!(f, "cannot run {program}: {source}")
            }
            ScriptError::Wait { program, source } => {
                write!(f, "waiting for {program} failed: {source}")
            }
        }
    }
}

impl std::error::Error for ScriptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScriptError::Spawn { source, .. } | ScriptError::Wait { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Runs scripts.
pub trait ScriptRunner {
    /// Runs `job` to its end and reports how it ended. An implementation must:
    /// * run it as `job.user` (user and group looked up by name; without a group, the user's
    ///   primary group); with `None`, as keepalived's default script user (`keepalived_script`
    ///   when that account exists, else the daemon's own user);
    /// * give it stdin from `/dev/null`, no inherited descriptors beyond stdio, a minimal
    ///   environment (`PATH` only), and its own process group;
    /// * when `job.timeout` passes, kill the whole process group and report
    ///   [`ScriptOutcome::TimedOut`];
    /// * reap the process in every case, including when the returned future is dropped early,
    ///   so no zombie is ever left behind.
    fn run(&self, job: &ScriptJob) -> impl Future<Output = Result<ScriptOutcome, ScriptError>>;
}

#[cfg(any(test, feature = "test-support"))]
pub use fake::FakeScripts;

#[cfg(any(test, feature = "test-support"))]
mod fake {
    use super::{ScriptError, ScriptJob, ScriptOutcome, ScriptRunner};
    use std::sync::{Arc, Mutex};

    /// A runner that records every job and reports exit status 0. Clones share the record.
    #[derive(Debug, Clone, Default)]
    pub struct FakeScripts {
        jobs: Arc<Mutex<Vec<ScriptJob>>>,
    }

    impl FakeScripts {
        /// An empty record.
        pub fn new() -> Self {
            FakeScripts::default()
        }

        /// Every job run so far, in order.
        pub fn jobs(&self) -> Vec<ScriptJob> {
            self.jobs
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone()
        }

        /// The argument vectors run so far, in order.
        pub fn commands(&self) -> Vec<Vec<String>> {
            self.jobs().into_iter().map(|j| j.args).collect()
        }
    }

    impl ScriptRunner for FakeScripts {
        async fn run(&self, job: &ScriptJob) -> Result<ScriptOutcome, ScriptError> {
            self.jobs
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(job.clone());
            Ok(ScriptOutcome::Exited(0))
        }
    }
}
