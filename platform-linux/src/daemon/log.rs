//! The daemon's log: with `-l`, one line per event on unbuffered stderr stamped with
//! `CLOCK_MONOTONIC` (seconds since boot, as the kernel log, so a serial console interleaves
//! both); otherwise syslog over the `/dev/log` datagram socket with `-S`'s facility, falling back
//! to stderr when there is no syslog (a VM, an early boot). Debug lines appear only with `-D`.
//!
//! Boot logging: when stderr is `/dev/null` (busybox `start-stop-daemon -b`, an inittab line with
//! an id, or the daemon gone to the background), what would go to stderr goes to `/dev/console`,
//! or to `/dev/kmsg` without a console (`holdfast_yocto::bootlog`), so it reaches the serial line.
//! With `--console`, every line written also goes into the console's event ring ([`Tap`]).

use super::appliance::Tap;
use holdfast_actors::supervisor::Severity;
use holdfast_yocto::bootlog::{BootLog, BootLogTarget, Stream};
use std::fmt;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::{Mutex, PoisonError};

/// Where syslog listens.
pub const SYSLOG_SOCKET: &str = "/dev/log";
/// `LOG_DAEMON`, syslog's facility without `-S`.
const LOG_DAEMON: u8 = 3;
/// `LOG_LOCAL0`; `-S N` selects `LOG_LOCAL0 + N`.
const LOG_LOCAL0: u8 = 16;

enum Sink {
    Console,
    Syslog { socket: UnixDatagram, facility: u8 },
}

/// The log.
pub struct Log {
    sink: Sink,
    detail: bool,
    pid: u32,
    /// Where stderr lines go instead when stderr is `/dev/null`; `None` while it is not.
    boot: Option<Mutex<BootLog>>,
    tap: Option<Tap>,
}

/// The boot log, when stderr leads nowhere.
fn boot_log() -> Option<Mutex<BootLog>> {
    let boot = BootLog::open_for(Stream::Stderr);
    match boot.target() {
        BootLogTarget::Stream(_) => None,
        _ => Some(Mutex::new(boot)),
    }
}

impl Log {
    /// Console logging (`-l`).
    pub fn console(detail: bool) -> Log {
        Log {
            sink: Sink::Console,
            detail,
            pid: std::process::id(),
            boot: boot_log(),
            tap: None,
        }
    }

    /// Syslog with facility `LOG_LOCAL<n>` (`-S n`) or `LOG_DAEMON`; the console when
    /// [`SYSLOG_SOCKET`] cannot be reached (said once on the console).
    pub fn syslog(local: Option<u8>, detail: bool) -> Log {
        let facility = local.map_or(LOG_DAEMON, |n| LOG_LOCAL0.saturating_add(n.min(7)));
        let socket = UnixDatagram::unbound().and_then(|s| s.connect(SYSLOG_SOCKET).map(|()| s));
        match socket {
            Ok(socket) => Log {
                sink: Sink::Syslog { socket, facility },
                detail,
                pid: std::process::id(),
                boot: boot_log(),
                tap: None,
            },
            Err(e) => {
                let log = Log::console(detail);
                log.line(
                    Severity::Warning,
                    format_args!(
                        "syslog unavailable ({SYSLOG_SOCKET}: {e}); logging to {}",
                        log.fallback()
                    ),
                );
                log
            }
        }
    }

    /// The pid changes when the daemon forks into the background, and stderr may then lead to
    /// `/dev/null`: the boot log is chosen again.
    pub fn forked(&mut self, pid: u32) {
        self.pid = pid;
        self.boot = boot_log();
    }

    /// A second log to the same place (and the same tap), for another thread.
    pub fn twin(&self) -> Log {
        let sink = match &self.sink {
            Sink::Console => Sink::Console,
            Sink::Syslog { socket, facility } => match socket.try_clone() {
                Ok(socket) => Sink::Syslog {
                    socket,
                    facility: *facility,
                },
                Err(_) => Sink::Console,
            },
        };
        Log {
            sink,
            detail: self.detail,
            pid: self.pid,
            boot: boot_log(),
            tap: self.tap.clone(),
        }
    }

    /// Every line from now on also goes to `tap` (the console's event ring).
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = Some(tap);
    }

    /// The console tap, with `--console`.
    pub fn tap(&self) -> Option<&Tap> {
        self.tap.as_ref()
    }

    /// Where stderr lines go: `stderr`, `/dev/console` or `/dev/kmsg`.
    pub fn fallback(&self) -> BootLogTarget {
        match &self.boot {
            Some(boot) => boot.lock().unwrap_or_else(PoisonError::into_inner).target(),
            None => BootLogTarget::Stream(Stream::Stderr),
        }
    }

    /// Whether `-D` is on.
    pub fn detail(&self) -> bool {
        self.detail
    }

    /// Logs one line at `severity`. A line the log cannot take is dropped: there is nowhere
    /// else to say so.
    pub fn line(&self, severity: Severity, message: impl fmt::Display) {
        if severity == Severity::Debug && !self.detail {
            return;
        }
        if let Some(tap) = &self.tap {
            tap.line(severity, &message);
        }
        match &self.sink {
            Sink::Console => self.stderr_line(severity, &message),
            Sink::Syslog { socket, facility } => {
                let datagram = syslog_datagram(*facility, severity, self.pid, &message);
                if socket.send(datagram.as_bytes()).is_err() {
                    self.stderr_line(severity, &message);
                }
            }
        }
    }

    /// One line on stderr, or in the boot log when stderr is `/dev/null`.
    fn stderr_line(&self, severity: Severity, message: &dyn fmt::Display) {
        match &self.boot {
            Some(boot) => boot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .log(super::appliance::level(severity), format_args!("{message}")),
            None => {
                let line = console_line(monotonic_now(), severity, message);
                // One write per line, so lines from a respawned daemon never interleave.
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
    }

    pub fn error(&self, message: impl fmt::Display) {
        self.line(Severity::Error, message)
    }

    pub fn warning(&self, message: impl fmt::Display) {
        self.line(Severity::Warning, message)
    }

    pub fn info(&self, message: impl fmt::Display) {
        self.line(Severity::Info, message)
    }

    pub fn debug(&self, message: impl fmt::Display) {
        self.line(Severity::Debug, message)
    }
}

/// `CLOCK_MONOTONIC` as (seconds, milliseconds).
fn monotonic_now() -> (u64, u32) {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let millis = u32::try_from(ts.tv_nsec / 1_000_000).unwrap_or(0);
    (secs, millis)
}

fn prefix(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error: ",
        Severity::Warning => "warning: ",
        Severity::Info | Severity::Debug => "",
    }
}

/// `[   12.345] holdfast: warning: message\n`: the kernel log's stamp, the program, the level
/// when it is not plain information.
pub fn console_line(stamp: (u64, u32), severity: Severity, message: &dyn fmt::Display) -> String {
    format!(
        "[{:5}.{:03}] holdfast: {}{}\n",
        stamp.0,
        stamp.1,
        prefix(severity),
        message
    )
}

/// `<PRI>holdfast[PID]: message`: syslogd adds the time and host. PRI is facility × 8 +
/// severity (err 3, warning 4, info 6, debug 7).
pub fn syslog_datagram(
    facility: u8,
    severity: Severity,
    pid: u32,
    message: &dyn fmt::Display,
) -> String {
    let level: u16 = match severity {
        Severity::Error => 3,
        Severity::Warning => 4,
        Severity::Info => 6,
        Severity::Debug => 7,
    };
    let pri = u16::from(facility) * 8 + level;
    format!("<{pri}>holdfast[{pid}]: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_lines_carry_the_monotonic_stamp_and_level() {
        assert_eq!(
            console_line(
                (12, 5),
                Severity::Info,
                &"virtual server TCP 192.0.2.1:80: programmed"
            ),
            "[   12.005] holdfast: virtual server TCP 192.0.2.1:80: programmed\n"
        );
        assert_eq!(
            console_line((123456, 789), Severity::Error, &"x"),
            "[123456.789] holdfast: error: x\n"
        );
        assert_eq!(
            console_line((0, 0), Severity::Warning, &"y"),
            "[    0.000] holdfast: warning: y\n"
        );
    }

    #[test]
    fn syslog_priority_is_facility_and_severity() {
        // LOG_DAEMON (3) | LOG_INFO (6) = 30.
        assert_eq!(
            syslog_datagram(LOG_DAEMON, Severity::Info, 42, &"started"),
            "<30>holdfast[42]: started"
        );
        // -S 2: LOG_LOCAL2 (18) | LOG_ERR (3) = 147.
        assert_eq!(
            syslog_datagram(LOG_LOCAL0 + 2, Severity::Error, 7, &"x"),
            "<147>holdfast[7]: x"
        );
    }

    #[test]
    fn the_monotonic_stamp_moves_forward() {
        let a = monotonic_now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let b = monotonic_now();
        assert!(b > a, "{a:?} then {b:?}");
    }

    #[test]
    fn syslog_reaches_a_listening_socket() {
        let dir = std::env::temp_dir().join(format!("holdfast-log-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("log");
        let _ = std::fs::remove_file(&path);
        let server = UnixDatagram::bind(&path).expect("bind");
        let client = UnixDatagram::unbound().expect("socket");
        client.connect(&path).expect("connect");
        let log = Log {
            sink: Sink::Syslog {
                socket: client,
                facility: LOG_LOCAL0 + 7,
            },
            detail: false,
            pid: 9,
            boot: None,
            tap: None,
        };
        log.debug("hidden without -D");
        log.warning("module ip_vs_wrr missing");
        let mut buf = [0u8; 128];
        let n = server.recv(&mut buf).expect("recv");
        assert_eq!(
            std::str::from_utf8(buf.get(..n).unwrap_or_default()),
            Ok("<188>holdfast[9]: module ip_vs_wrr missing")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
