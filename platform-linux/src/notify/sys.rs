//! Killing a script's process group, behind a safe guard. Every `unsafe` block of `notify` is
//! here.

/// Kills the process group of a running script when told to, or when dropped before the script
/// was seen to exit (the runner's future was cancelled), so a cancelled run leaves no process.
pub(super) struct GroupGuard {
    pgid: libc::pid_t,
    live: bool,
}

impl GroupGuard {
    /// Guards the group led by `pid`.
    pub(super) fn new(pid: u32) -> Self {
        GroupGuard {
            pgid: libc::pid_t::try_from(pid).unwrap_or(0),
            live: true,
        }
    }

    /// SIGKILL to every process of the group. A group already gone is not an error.
    pub(super) fn kill(&mut self) {
        // pgid 0 or 1 would signal our own group or every process: never.
        if self.pgid > 1 {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours.
            unsafe {
                libc::kill(-self.pgid, libc::SIGKILL);
            }
        }
    }

    /// The leader exited and was reaped: its pid may be reused, so never signal it again.
    pub(super) fn exited(&mut self) {
        self.live = false;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.live {
            self.kill();
        }
    }
}
