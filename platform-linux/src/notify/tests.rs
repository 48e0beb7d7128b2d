//! The Linux runner against real processes: exit status, the timeout that kills a hung script's
//! whole process group and reaps it, a cancelled run, the environment and stdio scripts see, and
//! the switch to the script user (the build machines run the tests as root).

use super::*;
use holdfast_core::config::model::ScriptUser;
use holdfast_core::config::validate::SystemFacts;
use holdfast_core::time::Duration;
use std::path::PathBuf;
use std::time::Instant as StdInstant;

fn job(script: &str, timeout_ms: u64) -> ScriptJob {
    ScriptJob {
        args: vec!["/bin/sh".into(), "-c".into(), script.into()],
        user: None,
        timeout: Duration::from_millis(timeout_ms),
    }
}

/// A fresh directory anyone may write to (a script may run as `nobody`).
fn scratch(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("holdfast-notify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

fn run(job: &ScriptJob) -> Result<ScriptOutcome, ScriptError> {
    smol::block_on(LinuxScriptRunner::new().run(job))
}

/// The state letter of process `pid` (`Z` zombie, `S` sleeping...), `None` once it is gone.
fn proc_state(pid: &str) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')').next()?.trim().chars().next()
}

/// Waits up to 2 s for `pid` to be neither running nor a zombie of ours.
fn gone_or_dead(pid: &str) -> bool {
    let until = StdInstant::now() + std::time::Duration::from_secs(2);
    loop {
        match proc_state(pid) {
            None => return true,
            // A grandchild reparented to a PID 1 that does not reap stays a zombie: dead anyway.
            Some('Z') if !is_our_child(pid) => return true,
            _ if StdInstant::now() > until => return false,
            _ => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

fn is_our_child(pid: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let ppid = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().nth(1));
    ppid == Some(&std::process::id().to_string())
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[test]
fn exit_status_and_signals_are_reported() {
    assert_eq!(
        run(&job("exit 3", 5_000)).ok(),
        Some(ScriptOutcome::Exited(3))
    );
    assert_eq!(
        run(&job("true", 5_000)).ok(),
        Some(ScriptOutcome::Exited(0))
    );
    assert_eq!(
        run(&job("kill -TERM $$", 5_000)).ok(),
        Some(ScriptOutcome::Signalled(libc::SIGTERM))
    );
    let missing = ScriptJob {
        args: vec!["/nonexistent/notify.sh".into()],
        ..job("", 1_000)
    };
    assert!(matches!(run(&missing), Err(ScriptError::Spawn { .. })));
    let empty = ScriptJob {
        args: Vec::new(),
        ..job("", 1_000)
    };
    assert!(matches!(run(&empty), Err(ScriptError::Empty)));
}

#[test]
fn a_hung_script_times_out_its_group_is_killed_and_it_is_reaped() {
    let dir = scratch("hung");
    let pids = dir.join("pids");
    // The script starts a background sleep (same process group) and then hangs itself.
    let script = format!("sleep 60 & echo $$ $! > {}; sleep 60", pids.display());
    let started = StdInstant::now();
    assert_eq!(run(&job(&script, 300)).ok(), Some(ScriptOutcome::TimedOut));
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    let text = read(&pids);
    let mut it = text.split_whitespace();
    let (shell, background) = (it.next().expect("shell pid"), it.next().expect("bg pid"));
    // The script itself was reaped (not even a zombie), and what it started died with it.
    assert_eq!(proc_state(shell), None, "script {shell} left behind");
    assert!(gone_or_dead(background), "background {background} survived");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_cancelled_run_kills_the_script() {
    let dir = scratch("cancel");
    let pid_file = dir.join("pid");
    let script = format!("echo $$ > {}; exec sleep 60", pid_file.display());
    let runner = LinuxScriptRunner::new();
    let job = job(&script, 60_000);
    smol::block_on(async {
        let run = runner.run(&job);
        let until = smol::Timer::after(std::time::Duration::from_millis(500));
        // Give the script time to write its pid, then drop the run.
        let finished = futures_lite::future::or(async { Some(run.await) }, async {
            until.await;
            None
        })
        .await;
        assert!(finished.is_none());
    });
    let pid = read(&pid_file);
    assert!(!pid.is_empty());
    assert!(gone_or_dead(&pid), "cancelled script {pid} still running");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn scripts_get_dev_null_stdin_a_minimal_environment_and_root_directory() {
    let dir = scratch("env");
    let out = dir.join("out");
    let script = format!(
        "{{ readlink /proc/self/fd/0; pwd; echo \"PATH=$PATH\"; echo \"HOME=${{HOME:-unset}}\"; }} > {}",
        out.display()
    );
    assert_eq!(
        run(&job(&script, 5_000)).ok(),
        Some(ScriptOutcome::Exited(0))
    );
    let lines: Vec<String> = read(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            "/dev/null",
            "/",
            &format!("PATH={SCRIPT_PATH}"),
            "HOME=unset"
        ]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn scripts_run_as_the_script_user() {
    let dir = scratch("user");
    let out = dir.join("ids");
    let mut j = job(&format!("id -u > {0}; id -g >> {0}", out.display()), 5_000);
    j.user = Some(ScriptUser {
        user: "nobody".into(),
        group: None,
    });
    if is_root() {
        assert_eq!(run(&j).ok(), Some(ScriptOutcome::Exited(0)));
        let facts = LinuxFacts::default();
        let ids = SystemFacts::user(&facts, "nobody").expect("nobody exists");
        assert_eq!(read(&out), format!("{}\n{}", ids.uid, ids.gid));
    } else {
        // Without root, switching users is refused: reported, not ignored.
        assert!(matches!(run(&j), Err(ScriptError::Spawn { .. })));
    }
    j.user = Some(ScriptUser {
        user: "no-such-user-holdfast".into(),
        group: None,
    });
    assert!(matches!(run(&j), Err(ScriptError::UnknownUser(_))));
    let _ = std::fs::remove_dir_all(dir);
}

fn is_root() -> bool {
    // /proc/self/status avoids an unsafe geteuid() call in tests.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}
