//! The real `holdfast` binary with `--console` on a pty pair, in a network namespace where its
//! one VRRP instance becomes MASTER: the commands an engineer types (`help`, `status`, `vrrp`,
//! `modules`, `log 5`, `reload`), an unknown command, an overlong line, and a terminal that never
//! reads while the daemon keeps reloading (the daemon carries on; the console drops and counts).
//! Skipped without root (fails under `CI=true`). And a far end that echoes everything back (a
//! terminal left in cooked mode): the console stops answering its own output within a moment,
//! and TERM still ends the daemon at once (the serial close that waited for an undrained line is
//! checked on a real 16550 by `tests/vm/vm-image.sh`; a pty has no such wait).

use holdfast_yocto::test_support::{Terminal, PROMPT};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);
/// Reloads sent while the terminal does not read.
const RELOADS: usize = 60;

/// A namespace with a veth pair, removed on drop; the daemon is killed first.
struct Netns {
    name: String,
    dir: PathBuf,
    daemon: Option<Child>,
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `None` after printing why the test cannot run here; panics under `CI=true`.
fn skip(reason: &str) -> Option<Netns> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "cannot run the daemon console test under CI=true: {reason}"
    );
    eprintln!("skipped: {reason}");
    None
}

fn netns() -> Option<Netns> {
    if !rustix::process::geteuid().is_root() {
        return skip("needs root for a network namespace and VRRP's raw socket");
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return skip("needs iproute2's `ip`");
    }
    let name = format!("hfcon{}", std::process::id());
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).expect("temp dir");
    ip(&["netns", "add", &name]);
    let ns = Netns {
        name,
        dir,
        daemon: None,
    };
    let n = ns.name.as_str();
    ip(&["-n", n, "link", "set", "lo", "up"]);
    ip(&[
        "-n", n, "link", "add", "hfc0", "type", "veth", "peer", "name", "hfc1",
    ]);
    ip(&["-n", n, "addr", "add", "192.0.2.1/24", "dev", "hfc0"]);
    ip(&["-n", n, "link", "set", "hfc0", "up"]);
    ip(&["-n", n, "link", "set", "hfc1", "up"]);
    Some(ns)
}

const CONFIG: &str = "
global_defs {
    router_id lb-console
}
vrrp_instance VI_1 {
    interface hfc0
    virtual_router_id 51
    priority 150
    version 3
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
virtual_server 192.0.2.100 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
        weight 1
    }
}
";

fn log_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn wait_log(path: &Path, needle: &str, count: usize) -> String {
    let start = Instant::now();
    loop {
        let text = log_text(path);
        if text.matches(needle).count() >= count {
            return text;
        }
        assert!(
            start.elapsed() < WAIT,
            "{count}x {needle:?} not in the daemon's log within {WAIT:?}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn hup(pid: i32) {
    let pid = rustix::process::Pid::from_raw(pid).expect("a pid");
    rustix::process::kill_process(pid, rustix::process::Signal::HUP).expect("SIGHUP");
}

#[test]
fn the_daemon_console_answers_and_a_stuck_terminal_never_stops_the_daemon() {
    let Some(mut ns) = netns() else { return };
    let conf = ns.dir.join("keepalived.conf");
    std::fs::write(&conf, CONFIG).expect("config");
    let log = ns.dir.join("holdfast.log");
    let term = Terminal::open(WAIT);
    let pid_file = |n: &str| ns.dir.join(n).to_string_lossy().into_owned();
    let daemon = Command::new("ip")
        .args([
            "netns",
            "exec",
            &ns.name,
            env!("CARGO_BIN_EXE_holdfast"),
            "-n",
            "-l",
        ])
        .arg("-f")
        .arg(&conf)
        .arg("--console")
        .arg(term.slave())
        .args(["-p", &pid_file("k.pid"), "-r", &pid_file("v.pid")])
        .args(["-c", &pid_file("c.pid")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("holdfast starts");
    // `ip netns exec` execs holdfast: the child's pid is the daemon's.
    let pid = i32::try_from(daemon.id()).expect("pid");
    ns.daemon = Some(daemon);
    wait_log(&log, "Entering MASTER STATE", 1);

    // A terminal that never reads: 200 answers to `help` (~140 KiB) fill the pty, the console
    // thread waits on it, and the reloads' events meanwhile overflow the live queue.
    for _ in 0..200 {
        term.type_line("help");
    }
    let started = Instant::now();
    for _ in 0..RELOADS {
        hup(pid);
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_log(&log, "configuration unchanged", 2);
    // Signals sent 20 ms apart are not merged (a few may be, under load).
    std::thread::sleep(Duration::from_millis(500));
    let reloads = log_text(&log).matches("configuration unchanged").count();
    let took = started.elapsed();
    assert!(
        reloads >= RELOADS / 2,
        "only {reloads} of {RELOADS} reloads done while the console was stuck"
    );
    let vips = Command::new("ip")
        .args(["-n", &ns.name, "addr", "show", "hfc0"])
        .output()
        .expect("ip addr");
    assert!(
        String::from_utf8_lossy(&vips.stdout).contains("192.0.2.100/24"),
        "the VIP stays on the master while the console is stuck"
    );
    eprintln!("{reloads} reloads logged within {took:?} while the terminal did not read");

    term.start_reading();
    term.settle(Duration::from_millis(700));
    let status = term.command("status");
    let dropped: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("console  live events on, dropped "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no drop count in status:\n{status}"));
    assert!(
        dropped > 0,
        "the stuck terminal must have cost live events:\n{status}"
    );
    eprintln!("live events dropped while the terminal did not read: {dropped}");
    assert!(
        status.contains("holdfast 0.1.0 router lb-console"),
        "{status}"
    );
    assert!(
        status.contains("VRRP     1 instances: 1 MASTER, 0 BACKUP, 0 FAULT, 0 INIT"),
        "{status}"
    );
    assert!(status.contains("IPVS     1 virtual servers"), "{status}");

    // Live events would interleave with the answers below.
    assert_eq!(term.command("events off"), "live events off\n");
    let help = term.command("help");
    for command in [
        "status", "vrrp", "ipvs", "modules", "checks", "log [N]", "reload",
    ] {
        assert!(help.contains(&format!("  {command} ")), "{command}: {help}");
    }
    let vrrp = term.command("vrrp");
    assert!(
        vrrp.contains("VI_1") && vrrp.contains("MASTER") && vrrp.contains("192.0.2.100/24"),
        "{vrrp}"
    );
    let modules = term.command("modules");
    let ip_vs = modules
        .lines()
        .find(|l| l.trim_start().starts_with("ip_vs "))
        .unwrap_or_else(|| panic!("no ip_vs line:\n{modules}"));
    assert!(
        ["live", "builtin", "pending", "FAILED"]
            .iter()
            .any(|state| ip_vs.contains(state)),
        "{ip_vs}"
    );
    let last = term.command("log 5");
    assert_eq!(last.lines().count(), 6, "{last}");
    assert!(last.contains("(5 shown, "), "{last}");
    assert_eq!(
        term.command("frobnicate"),
        "error: unknown command 'frobnicate' (type 'help')\n"
    );
    assert_eq!(
        term.command(&"x".repeat(300)),
        "error: line longer than 128 bytes ignored (type 'help')\n"
    );

    // `reload` is SIGHUP: one more load.
    let loads = |s: &str| -> u32 {
        s.lines()
            .find_map(|l| l.split("loads ").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no load count:\n{s}"))
    };
    let before = loads(&term.command("status"));
    assert!(term.command("reload").starts_with("reload requested"));
    wait_log(&log, "configuration unchanged", reloads + 1);
    let after = loads(&term.command("status"));
    assert_eq!(after, before + 1);

    let session: String = ["status", "vrrp", "modules", "log 5"]
        .iter()
        .map(|c| format!("{PROMPT}{c}\n{}", term.command(c)))
        .collect();
    eprintln!("--- console session ---\n{session}{PROMPT}");

    let mut daemon = ns.daemon.take().expect("daemon");
    let pid = rustix::process::Pid::from_raw(pid).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let status = daemon.wait().expect("wait");
    assert!(status.success(), "holdfast exited with {status}");
    assert!(log_text(&log).contains("holdfast: stopped"));
}

#[test]
fn with_an_echoing_far_end_the_console_goes_quiet_and_term_stops_the_daemon_at_once() {
    // No VRRP instance and no virtual server: no namespace or root needed.
    let dir = std::env::temp_dir().join(format!("hfecho{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let conf = dir.join("keepalived.conf");
    std::fs::write(&conf, "global_defs {\n    router_id lb-echo\n}\n").expect("config");
    let log = dir.join("holdfast.log");
    let term = Terminal::open(WAIT);
    let far_end = term.echo_everything();
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_holdfast"))
        .args(["-n", "-l", "-f", &p("keepalived.conf")])
        .arg("--console")
        .arg(term.slave())
        .args(["-p", &p("k.pid"), "-r", &p("v.pid"), "-c", &p("c.pid")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("holdfast starts");
    wait_log(&log, "running:", 1);
    // Its start-up lines go out as live events, come back, and show the far end echoing.
    let quiet = |for_: Duration| {
        let before = far_end.len();
        std::thread::sleep(for_);
        far_end.len() - before
    };
    let start = Instant::now();
    let mut moved = quiet(Duration::from_millis(500));
    while moved > 0 {
        assert!(
            start.elapsed() < WAIT,
            "the console and the echoing end kept each other busy: {moved} bytes in the last \
             0.5 s, {} in all",
            far_end.len()
        );
        moved = quiet(Duration::from_millis(500));
    }
    eprintln!(
        "quiet {:?} after start, {} bytes exchanged",
        start.elapsed(),
        far_end.len()
    );

    let pid =
        rustix::process::Pid::from_raw(i32::try_from(daemon.id()).expect("pid")).expect("pid");
    let t = Instant::now();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let status = loop {
        if let Some(s) = daemon.try_wait().expect("wait") {
            break s;
        }
        if t.elapsed() > Duration::from_secs(5) {
            let _ = daemon.kill();
            panic!("holdfast still running 5 s after TERM:\n{}", log_text(&log));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = t.elapsed();
    far_end.stop();
    assert!(status.success(), "holdfast exited with {status}");
    assert!(took < Duration::from_secs(2), "TERM to exit took {took:?}");
    eprintln!("TERM to exit: {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
