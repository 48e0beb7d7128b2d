//! keepalived's pid files: `-p` (main, default `/run/keepalived.pid`), `-r` (VRRP, default
//! `/run/vrrp.pid`) and `-c` (checkers, default `/run/checkers.pid`). holdfast is one process,
//! so each file holds its pid; init scripts that check any of them find it. The VRRP file is
//! not written under `-C` nor the checkers file under `-P`, as keepalived starts no such child
//! then. A file naming another live process means a daemon is running already: refuse. The
//! files are removed when the [`PidFiles`] is dropped, if they still hold this pid.

use crate::cli::{Options, Subsystems};
use std::fmt;
use std::path::{Path, PathBuf};

/// keepalived's defaults.
pub const DEFAULT_MAIN: &str = "/run/keepalived.pid";
pub const DEFAULT_VRRP: &str = "/run/vrrp.pid";
pub const DEFAULT_CHECKERS: &str = "/run/checkers.pid";

/// Why the pid files could not be written.
#[derive(Debug)]
pub enum PidError {
    /// `path` names live process `pid`.
    Running { path: PathBuf, pid: u32 },
    /// Writing `path` failed.
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for PidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PidError::Running { path, pid } => write!(
                f,
                "daemon already running: {} names live process {pid}",
                path.display()
            ),
            PidError::Write { path, error } => {
                write!(f, "cannot write pid file {}: {error}", path.display())
            }
        }
    }
}

/// The pid files the options ask for, main first.
pub fn paths(options: &Options) -> Vec<PathBuf> {
    let or = |p: &Option<PathBuf>, d: &str| p.clone().unwrap_or_else(|| PathBuf::from(d));
    let mut out = vec![or(&options.pid_file, DEFAULT_MAIN)];
    if options.subsystems != Subsystems::CheckersOnly {
        out.push(or(&options.vrrp_pid_file, DEFAULT_VRRP));
    }
    if options.subsystems != Subsystems::VrrpOnly {
        out.push(or(&options.checkers_pid_file, DEFAULT_CHECKERS));
    }
    out
}

/// Written pid files; dropping removes them.
#[derive(Debug)]
pub struct PidFiles {
    pid: u32,
    written: Vec<PathBuf>,
}

impl PidFiles {
    /// Writes `pid` to each of `paths` (after checking none names another live process).
    /// `proc_root` is `/proc`, elsewhere in tests.
    pub fn write(paths: &[PathBuf], pid: u32, proc_root: &Path) -> Result<PidFiles, PidError> {
        for path in paths {
            if let Some(other) = read_pid(path) {
                if other != pid && is_daemon(proc_root, other) {
                    return Err(PidError::Running {
                        path: path.clone(),
                        pid: other,
                    });
                }
            }
        }
        let mut files = PidFiles {
            pid,
            written: Vec::new(),
        };
        for path in paths {
            std::fs::write(path, format!("{pid}\n")).map_err(|error| PidError::Write {
                path: path.clone(),
                error,
            })?;
            files.written.push(path.clone());
        }
        Ok(files)
    }
}

impl Drop for PidFiles {
    fn drop(&mut self) {
        for path in &self.written {
            // A file a newer daemon has taken over stays.
            if read_pid(path) == Some(self.pid) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Whether `pid` is a running holdfast or keepalived. After a crash and a reboot the pid in a
/// stale file often belongs to some other process; refusing to start then would keep an
/// appliance's VIPs down for good (init respawns into the same refusal).
fn is_daemon(proc_root: &Path, pid: u32) -> bool {
    std::fs::read_to_string(proc_root.join(pid.to_string()).join("comm"))
        .map(|comm| matches!(comm.trim(), "holdfast" | "keepalived"))
        .unwrap_or(false)
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{parse, Command};

    fn options(args: &[&str]) -> Options {
        match parse(args.iter().copied()) {
            Ok(Command::Run(o)) => o,
            other => panic!("{other:?}"),
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("holdfast-pid-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    #[test]
    fn defaults_and_subsystems_pick_the_files() {
        assert_eq!(
            paths(&options(&[])),
            [DEFAULT_MAIN, DEFAULT_VRRP, DEFAULT_CHECKERS].map(PathBuf::from)
        );
        assert_eq!(
            paths(&options(&["-p", "/x/k.pid", "-r", "/x/v.pid", "-P"])),
            ["/x/k.pid", "/x/v.pid"].map(PathBuf::from)
        );
        assert_eq!(
            paths(&options(&["-C", "-c", "/x/c.pid"])),
            [DEFAULT_MAIN, "/x/c.pid"].map(PathBuf::from)
        );
    }

    #[test]
    fn written_then_removed_and_stale_files_replaced() {
        let d = dir("write");
        let proc_root = d.join("proc");
        std::fs::create_dir_all(&proc_root).expect("proc");
        let files = [d.join("k.pid"), d.join("v.pid")];
        // A stale file from a process that is gone.
        std::fs::write(&files[0], "4242\n").expect("stale");
        {
            let _pid = PidFiles::write(&files, 77, &proc_root).expect("written");
            assert_eq!(read_pid(&files[0]), Some(77));
            assert_eq!(read_pid(&files[1]), Some(77));
        }
        assert!(!files[0].exists() && !files[1].exists(), "removed on drop");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_live_daemon_is_not_overwritten() {
        let d = dir("live");
        let proc_root = d.join("proc");
        std::fs::create_dir_all(proc_root.join("4242")).expect("proc");
        std::fs::write(proc_root.join("4242/comm"), "keepalived\n").expect("comm");
        let file = d.join("k.pid");
        std::fs::write(&file, "4242\n").expect("other");
        let err =
            PidFiles::write(std::slice::from_ref(&file), 77, &proc_root).expect_err("refused");
        assert_eq!(
            err.to_string(),
            format!(
                "daemon already running: {} names live process 4242",
                file.display()
            )
        );
        assert_eq!(read_pid(&file), Some(4242));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_taken_over_by_another_daemon_is_left() {
        let d = dir("taken");
        let file = d.join("k.pid");
        let files = PidFiles::write(std::slice::from_ref(&file), 77, &d).expect("written");
        std::fs::write(&file, "78\n").expect("taken over");
        drop(files);
        assert_eq!(read_pid(&file), Some(78));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_stale_file_whose_pid_now_names_another_program_is_replaced() {
        let d = dir("reused");
        let proc_root = d.join("proc");
        std::fs::create_dir_all(proc_root.join("4243")).expect("proc");
        std::fs::write(proc_root.join("4243/comm"), "sshd\n").expect("comm");
        let file = d.join("k.pid");
        std::fs::write(&file, "4243\n").expect("stale");
        let files = PidFiles::write(std::slice::from_ref(&file), 77, &proc_root).expect("replaced");
        assert_eq!(read_pid(&file), Some(77));
        drop(files);
        let _ = std::fs::remove_dir_all(&d);
    }
}
