//! The real `holdfast` binary's fatal exits before the daemon runs wait the back-off (2 s), so
//! an inittab `respawn` line cannot restart it every second: a second daemon on the same pid
//! files, and a command line that does not parse. The commands a person types (`-t`,
//! `--version`) end at once. No network access and no root needed: the configuration has no
//! instance and no virtual server.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BACKOFF: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(15);

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(name: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("holdfast-backoff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    std::fs::write(
        d.join("keepalived.conf"),
        "global_defs {\n    router_id t\n}\n",
    )
    .expect("config");
    Dir(d)
}

fn holdfast(d: &Dir, extra: &[&str]) -> Command {
    let p = |n: &str| d.0.join(n).to_string_lossy().into_owned();
    let mut c = Command::new(env!("CARGO_BIN_EXE_holdfast"));
    c.args(["-n", "-l", "-f", &p("keepalived.conf")])
        .args(["-p", &p("k.pid"), "-r", &p("v.pid"), "-c", &p("c.pid")])
        .args(extra)
        .stdin(Stdio::null());
    c
}

fn timed(mut c: Command) -> (Output, Duration) {
    let t = Instant::now();
    let out = c.output().expect("holdfast runs");
    (out, t.elapsed())
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_second_daemon_on_the_same_pid_file_backs_off_before_exiting() {
    let d = dir("pid");
    let first = Running(
        holdfast(&d, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("first holdfast starts"),
    );
    let pid_file = d.0.join("k.pid");
    let start = Instant::now();
    while std::fs::read_to_string(&pid_file)
        .ok()
        .as_deref()
        .map(str::trim)
        != Some(first.0.id().to_string().as_str())
    {
        assert!(
            start.elapsed() < WAIT,
            "the first holdfast never wrote its pid file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (out, took) = timed(holdfast(&d, &[]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        took >= BACKOFF,
        "exited after {took:?}, before the back-off:\n{err}"
    );
    assert!(
        err.contains(&format!(
            "daemon already running: {} names live process {}",
            pid_file.display(),
            first.0.id()
        )),
        "{err}"
    );
    assert!(err.contains("exiting with 1 in 2 s"), "{err}");
    // The first one is untouched.
    assert_eq!(
        std::fs::read_to_string(&pid_file).expect("pid file").trim(),
        first.0.id().to_string()
    );
    eprintln!("second holdfast exited 1 after {took:?}");
}

#[test]
fn a_bad_command_line_backs_off_unless_it_asked_for_a_test_or_the_version() {
    let d = dir("cli");
    let (out, took) = timed(holdfast(&d, &["--console"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(took >= BACKOFF, "exited after {took:?}:\n{err}");
    assert!(
        err.contains("missing argument for option '--console'") && err.contains("in 2 s"),
        "{err}"
    );

    for args in [&["-t", "--bogus"][..], &["--version", "--bogus"], &["-t"]] {
        let (out, took) = timed(holdfast(&d, args));
        assert!(
            took < Duration::from_secs(1),
            "{args:?} took {took:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
