//! Boot logging for a daemon started in the background. busybox `start-stop-daemon -b` and an
//! inittab line with an id send stdio to `/dev/null` (FIELD-NOTES §7), so a daemon that logs to
//! stdout or stderr says nothing on the serial line. [`BootLog::open_for`] notices (the stream it
//! would log to is the null device, by `fstat` against `/dev/null`'s device number) and writes to
//! `/dev/console` instead, or to `/dev/kmsg` when there is no console.
//!
//! Why the console first: user writes to `/dev/kmsg` are rate-limited by default
//! (`printk.devkmsg=ratelimit`: a burst of 10 per 5 s), and with `quiet` the kernel prints
//! only warnings and worse on the console, so kmsg lines can vanish from the serial line.
//! The console never blocks the daemon: it is opened non-blocking, and a line the console cannot
//! take now is dropped and counted.

use crate::events::Level;
use core::fmt::{self, Write as _};
use rustix::fs::{fstat, open, stat, FileType, Mode, OFlags};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// Longest line written, in bytes, line end included; the kernel's record limit for `/dev/kmsg`
/// is 1024 bytes less its own header.
pub const LINE_MAX: usize = 976;

/// The standard stream a daemon logs to when it is not backgrounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    /// holdfast's `-l` log goes to stderr.
    Stderr,
}

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootLogTarget {
    /// The standard stream as inherited (foreground, or an inittab line with the console on
    /// stdio).
    Stream(Stream),
    /// `/dev/console`: plain `holdfast: ...` lines.
    Console,
    /// `/dev/kmsg`: `<N>holdfast: ...` records, N the syslog priority.
    Kmsg,
    /// Nothing could be opened; lines are dropped and counted.
    Nowhere,
}

/// The device paths, overridable for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootLogPaths {
    pub console: PathBuf,
    pub kmsg: PathBuf,
}

impl Default for BootLogPaths {
    fn default() -> Self {
        BootLogPaths {
            console: PathBuf::from("/dev/console"),
            kmsg: PathBuf::from("/dev/kmsg"),
        }
    }
}

/// A line-at-a-time log sink.
#[derive(Debug)]
pub struct BootLog {
    target: BootLogTarget,
    file: Option<File>,
    dropped: u64,
}

/// Whether `fd` is the null device (same character device number as `/dev/null`).
pub fn fd_is_dev_null(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let null = stat("/dev/null")?;
    let it = fstat(fd)?;
    Ok(
        FileType::from_raw_mode(it.st_mode) == FileType::CharacterDevice
            && it.st_rdev == null.st_rdev,
    )
}

/// Whether standard output is `/dev/null` (a closed fd 1 counts as null too: nothing is seen).
pub fn stdout_is_dev_null() -> bool {
    stream_is_dev_null(Stream::Stdout)
}

/// Whether `stream` is `/dev/null` (or closed).
pub fn stream_is_dev_null(stream: Stream) -> bool {
    match stream {
        Stream::Stdout => fd_is_dev_null(io::stdout().as_fd()).unwrap_or(true),
        Stream::Stderr => fd_is_dev_null(io::stderr().as_fd()).unwrap_or(true),
    }
}

impl BootLog {
    /// Standard output, unless it is `/dev/null`; then `/dev/console`, then `/dev/kmsg`.
    pub fn open() -> BootLog {
        Self::open_for(Stream::Stdout)
    }

    /// [`BootLog::open`] for a daemon that logs to `stream`.
    pub fn open_for(stream: Stream) -> BootLog {
        Self::open_with(stream, stream_is_dev_null(stream), &BootLogPaths::default())
    }

    /// [`BootLog::open_for`] with the decision's inputs given.
    pub fn open_with(stream: Stream, stream_is_null: bool, paths: &BootLogPaths) -> BootLog {
        if !stream_is_null {
            return BootLog {
                target: BootLogTarget::Stream(stream),
                file: None,
                dropped: 0,
            };
        }
        // O_NOCTTY: a daemon must not make the console its controlling terminal.
        let flags = OFlags::WRONLY | OFlags::NOCTTY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        for (path, target) in [
            (&paths.console, BootLogTarget::Console),
            (&paths.kmsg, BootLogTarget::Kmsg),
        ] {
            if let Ok(fd) = open(path.as_path(), flags, Mode::empty()) {
                return BootLog {
                    target,
                    file: Some(File::from(fd)),
                    dropped: 0,
                };
            }
        }
        BootLog {
            target: BootLogTarget::Nowhere,
            file: None,
            dropped: 0,
        }
    }

    pub fn target(&self) -> BootLogTarget {
        self.target
    }

    /// Lines dropped (the console was busy, or there is nowhere to write).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Writes one line with a single `write` (one kmsg record; no interleaving with other
    /// writers). Formats into a fixed buffer; a longer line is cut. Never waits.
    pub fn log(&mut self, level: Level, args: fmt::Arguments<'_>) {
        let mut line = Line(heapless::String::new());
        let prefix = match level {
            Level::Error => "error: ",
            Level::Warning => "warning: ",
            Level::Info | Level::Debug => "",
        };
        // Line::write_str never fails; it cuts.
        let _ = match self.target {
            BootLogTarget::Kmsg => write!(line, "<{}>holdfast: ", level.syslog_priority()),
            _ => write!(line, "holdfast: {prefix}"),
        };
        let _ = line.write_fmt(args);
        line.end();
        let bytes = line.0.as_bytes();
        let written = match (self.target, self.file.as_mut()) {
            (BootLogTarget::Stream(Stream::Stdout), _) => io::stdout().lock().write_all(bytes),
            (BootLogTarget::Stream(Stream::Stderr), _) => io::stderr().lock().write_all(bytes),
            (_, Some(file)) => file.write_all(bytes),
            (_, None) => Err(io::ErrorKind::NotFound.into()),
        };
        if written.is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

/// A bounded line: control characters become spaces, and room is kept for the final newline.
struct Line(heapless::String<LINE_MAX>);

impl Line {
    fn end(&mut self) {
        // Room was kept by write_str.
        let _ = self.0.push('\n');
    }
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.len() + c.len_utf8() >= LINE_MAX {
                break;
            }
            let c = if c.is_control() { ' ' } else { c };
            let _ = self.0.push(c);
        }
        Ok(())
    }
}

/// For log lines that must say where the log went (`holdfast -n` prints it at start).
impl fmt::Display for BootLogTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BootLogTarget::Stream(Stream::Stdout) => "stdout",
            BootLogTarget::Stream(Stream::Stderr) => "stderr",
            BootLogTarget::Console => "/dev/console",
            BootLogTarget::Kmsg => "/dev/kmsg",
            BootLogTarget::Nowhere => "nowhere",
        })
    }
}

/// Whether `path` names the null device (used by the init integration checks as well).
pub fn path_is_dev_null(path: &Path) -> io::Result<bool> {
    let file = File::open(path)?;
    fd_is_dev_null(file.as_fd())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("holdfast-bootlog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn null_device_is_recognised_and_other_files_are_not() {
        assert!(path_is_dev_null(Path::new("/dev/null")).expect("stat"));
        assert!(!path_is_dev_null(Path::new("/dev/zero")).expect("stat"));
        let f = scratch("plain");
        std::fs::write(&f, b"").expect("write");
        assert!(!path_is_dev_null(&f).expect("stat"));
        let (r, _w) = rustix::pipe::pipe().expect("pipe");
        assert!(!fd_is_dev_null(r.as_fd()).expect("fstat"));
    }

    #[test]
    fn the_stream_is_kept_when_not_null() {
        let log = BootLog::open_with(Stream::Stderr, false, &BootLogPaths::default());
        assert_eq!(log.target(), BootLogTarget::Stream(Stream::Stderr));
    }

    #[test]
    fn console_gets_plain_lines_kmsg_gets_priorities() {
        let console = scratch("console");
        let kmsg = scratch("kmsg");
        std::fs::write(&console, b"").expect("create");
        std::fs::write(&kmsg, b"").expect("create");
        let paths = BootLogPaths {
            console: console.clone(),
            kmsg: kmsg.clone(),
        };
        let mut log = BootLog::open_with(Stream::Stdout, true, &paths);
        assert_eq!(log.target(), BootLogTarget::Console);
        log.log(Level::Info, format_args!("VI_1 entering MASTER"));
        log.log(Level::Error, format_args!("ipvs: {}\nbroken", "failed"));
        let text = std::fs::read_to_string(&console).expect("read");
        assert_eq!(
            text,
            "holdfast: VI_1 entering MASTER\nholdfast: error: ipvs: failed broken\n"
        );

        // No console: kmsg records.
        let paths = BootLogPaths {
            console: scratch("absent-console"),
            kmsg: kmsg.clone(),
        };
        let mut log = BootLog::open_with(Stream::Stdout, true, &paths);
        assert_eq!(log.target(), BootLogTarget::Kmsg);
        log.log(Level::Info, format_args!("started"));
        log.log(Level::Warning, format_args!("slow"));
        let long = "x".repeat(4000);
        log.log(Level::Debug, format_args!("{long}"));
        let text = std::fs::read_to_string(&kmsg).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first(), Some(&"<6>holdfast: started"));
        assert_eq!(lines.get(1), Some(&"<4>holdfast: slow"));
        let cut = lines.get(2).copied().unwrap_or_default();
        assert!(cut.starts_with("<7>holdfast: xxx") && cut.len() == LINE_MAX - 1);
    }

    #[test]
    fn nowhere_counts_drops() {
        let paths = BootLogPaths {
            console: scratch("none1"),
            kmsg: scratch("none2"),
        };
        let mut log = BootLog::open_with(Stream::Stdout, true, &paths);
        assert_eq!(log.target(), BootLogTarget::Nowhere);
        log.log(Level::Info, format_args!("lost"));
        assert_eq!(log.dropped(), 1);
    }
}
