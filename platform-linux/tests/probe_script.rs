//! Script runs with real `sh -c` scripts: exit codes, signals, run as another user, the
//! TERM-then-KILL timeout sequence with the whole process group, and no zombie or stray process
//! left behind (checked in /proc).

use holdfast_actors::ports::probe::{Probe, ScriptRun};
use holdfast_core::checker::ScriptExit;
use holdfast_core::config::model::ScriptUser;
use holdfast_core::time::Duration;
use holdfast_linux::probe::LinuxProbe;
use smol::block_on;
use std::time::Instant;

fn sh(script: &str, timeout_ms: u64) -> ScriptRun {
    ScriptRun {
        args: vec!["/bin/sh".into(), "-c".into(), script.into()],
        user: None,
        timeout: Duration::from_millis(timeout_ms),
    }
}

fn probe() -> LinuxProbe {
    LinuxProbe::new().expect("TLS configurations")
}

/// (pid, state) of every process whose parent is this test process.
fn children() -> Vec<(u32, char)> {
    let me = std::process::id().to_string();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let (Some(state), Some(ppid)) = (f.next(), f.next()) else {
            continue;
        };
        if ppid == me {
            let pid = head
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            out.push((pid, state.chars().next().unwrap_or('?')));
        }
    }
    out
}

/// Children of this process that exited and were not reaped. (Other tests run scripts at the
/// same time, so live children are expected; zombies never are, once the reaper had its turn.)
fn zombies() -> Vec<u32> {
    children()
        .into_iter()
        .filter(|c| c.1 == 'Z')
        .map(|c| c.0)
        .collect()
}

/// Processes whose command line contains `marker`.
fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(marker))
                .unwrap_or(false)
        })
        .count()
}

/// Waits up to 2 s for the condition (the reaper runs on its own thread).
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn exit_codes_and_signals() {
    let p = probe();
    let rows = [
        ("exit 0", ScriptExit::Exited(0)),
        ("exit 1", ScriptExit::Exited(1)),
        ("exit 12", ScriptExit::Exited(12)),
        ("exit 255", ScriptExit::Exited(255)),
        ("kill -USR1 $$", ScriptExit::Signalled(10)),
    ];
    for (script, want) in rows {
        assert_eq!(block_on(p.run_script(&sh(script, 2000))), want, "{script}");
    }
    let missing = ScriptRun {
        args: vec!["/nonexistent/holdfast-check".into()],
        user: None,
        timeout: Duration::from_secs(1),
    };
    assert_eq!(block_on(p.run_script(&missing)), ScriptExit::SpawnFailed);
    let unknown_user = ScriptRun {
        user: Some(ScriptUser {
            user: "holdfast-no-such-user".into(),
            group: None,
        }),
        ..sh("exit 0", 1000)
    };
    assert_eq!(
        block_on(p.run_script(&unknown_user)),
        ScriptExit::SpawnFailed
    );
    assert!(
        eventually(|| zombies().is_empty()),
        "zombies: {:?}",
        zombies()
    );
}

#[test]
fn runs_as_the_configured_user() {
    // Only root can switch users; elsewhere this checks that an unprivileged run still runs.
    let p = probe();
    let run = ScriptRun {
        user: Some(ScriptUser {
            user: "nobody".into(),
            group: None,
        }),
        ..sh("exit $(( $(id -u) % 256 ))", 2000)
    };
    let got = block_on(p.run_script(&run));
    let is_root = rustix::process::geteuid().is_root();
    let nobody = std::fs::read_to_string("/etc/passwd").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("nobody:"))
            .and_then(|l| l.split(':').nth(2).and_then(|u| u.parse::<u32>().ok()))
    });
    match (is_root, nobody) {
        (true, Some(uid)) => assert_eq!(got, ScriptExit::Exited((uid % 256) as u8)),
        _ => assert!(
            matches!(got, ScriptExit::Exited(_) | ScriptExit::SpawnFailed),
            "{got:?}"
        ),
    }
}

#[test]
fn timeouts_kill_the_whole_group_and_reap() {
    let p = probe();
    // sh and its sleep die from SIGTERM.
    let started = Instant::now();
    let got = block_on(p.run_script(&sh("sleep 30; : holdfast-probe-term", 300)));
    assert_eq!(got, ScriptExit::TimedOut);
    let took = started.elapsed().as_millis();
    assert!((290..1500).contains(&took), "took {took} ms");
    assert!(eventually(|| processes_with("holdfast-probe-term") == 0));

    // A script that ignores SIGTERM gets SIGKILL 2 s later, and so does its grandchild.
    let started = Instant::now();
    let got = block_on(p.run_script(&sh(
        "trap '' TERM; sleep 30 & wait; : holdfast-probe-kill",
        300,
    )));
    assert_eq!(got, ScriptExit::TimedOut);
    let took = started.elapsed().as_millis();
    assert!((2_250..4_000).contains(&took), "took {took} ms");
    assert!(eventually(|| processes_with("holdfast-probe-kill") == 0));
    assert!(
        eventually(|| zombies().is_empty()),
        "zombies: {:?}",
        zombies()
    );
}

#[test]
fn a_dropped_run_kills_its_script() {
    let p = probe();
    let run = sh("sleep 30; : holdfast-probe-drop", 10_000);
    let got = block_on(futures_lite::FutureExt::or(
        async { Some(p.run_script(&run).await) },
        async {
            smol::Timer::after(std::time::Duration::from_millis(300)).await;
            None
        },
    ));
    assert_eq!(got, None);
    assert!(eventually(|| processes_with("holdfast-probe-drop") == 0));
    assert!(
        eventually(|| zombies().is_empty()),
        "zombies: {:?}",
        zombies()
    );
}

#[test]
fn many_runs_leave_no_zombies() {
    let p = probe();
    block_on(async {
        for i in 0..50u8 {
            let want = ScriptExit::Exited(i % 3);
            assert_eq!(
                p.run_script(&sh(&format!("exit {}", i % 3), 2000)).await,
                want
            );
        }
    });
    assert!(
        eventually(|| zombies().is_empty()),
        "zombies: {:?}",
        zombies()
    );
}
