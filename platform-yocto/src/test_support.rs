//! Test fixture for the console: an engineer's terminal on a pty pair (the master side, with the
//! slave's path for the console to open), and a far end that echoes everything back. Used by this
//! crate's console tests and by holdfast-linux's test of the daemon's `--console`.
//!
//! Behind the `test-support` feature, which only dev-dependencies enable, so none of this is in
//! the daemon binary. Being test code it panics on any failure with a message saying what did not
//! happen in time.

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The console's prompt; an answer ends where the next one starts.
pub const PROMPT: &str = "holdfast> ";

/// How often the waits look at what has arrived.
const POLL: Duration = Duration::from_millis(10);

/// The terminal side: the pty master, plus everything read from it so far once reading starts.
pub struct Terminal {
    master: Arc<OwnedFd>,
    slave: PathBuf,
    seen: Arc<Mutex<Vec<u8>>>,
    wait: Duration,
}

impl Terminal {
    /// Opens a pty pair; every wait on it fails after `wait`.
    pub fn open(wait: Duration) -> Terminal {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let slave = ptsname(&master, Vec::new()).expect("ptsname");
        Terminal {
            master: Arc::new(master),
            slave: PathBuf::from(slave.to_str().expect("pts path is UTF-8")),
            seen: Arc::default(),
            wait,
        }
    }

    /// The slave side's path, for the console to open.
    pub fn slave(&self) -> &Path {
        &self.slave
    }

    /// Starts the reader; until then nobody reads what the console writes.
    pub fn start_reading(&self) {
        let master = Arc::clone(&self.master);
        let seen = Arc::clone(&self.seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the console closes the slave side.
            while let Ok(n @ 1..) = rustix::io::read(&*master, &mut buf) {
                let mut seen = seen.lock().expect("lock");
                seen.extend_from_slice(buf.get(..n).unwrap_or_default());
            }
        });
    }

    /// Writes `line` and a line end to the master, as if typed.
    pub fn type_line(&self, line: &str) {
        let bytes = format!("{line}\n");
        let mut rest = bytes.as_bytes();
        while !rest.is_empty() {
            let n = rustix::io::write(&*self.master, rest).expect("write to pty master");
            rest = rest.get(n..).unwrap_or_default();
        }
    }

    /// Everything read so far, `\r` removed.
    pub fn text(&self) -> String {
        let seen = self.seen.lock().expect("lock");
        String::from_utf8_lossy(&seen).replace('\r', "")
    }

    /// Waits until the output holds `needle` after byte `from`; returns the text from `from`.
    pub fn wait_for(&self, from: usize, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            let tail = text.get(from..).unwrap_or_default();
            if tail.contains(needle) {
                return tail.to_string();
            }
            assert!(
                start.elapsed() < self.wait,
                "no {needle:?} on the console within {:?}; got:\n{tail}",
                self.wait
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until nothing new arrives for `quiet`.
    pub fn settle(&self, quiet: Duration) {
        let start = Instant::now();
        let mut len = self.text().len();
        let mut since = Instant::now();
        while since.elapsed() < quiet {
            assert!(start.elapsed() < self.wait, "the console never went quiet");
            std::thread::sleep(POLL);
            let now = self.text().len();
            if now != len {
                len = now;
                since = Instant::now();
            }
        }
    }

    /// Types `line` and returns the console's answer: the text between the echoed line and the
    /// next prompt.
    pub fn command(&self, line: &str) -> String {
        let from = self.text().len();
        self.type_line(line);
        let echoed = format!("{line}\n");
        let start = Instant::now();
        loop {
            let tail = self.wait_for(from, &echoed);
            let answer = tail
                .split_once(echoed.as_str())
                .map(|(_, answer)| answer.to_string())
                .unwrap_or_default();
            if let Some((answer, _)) = answer.split_once(PROMPT) {
                return answer.to_string();
            }
            assert!(
                start.elapsed() < self.wait,
                "no prompt after {line:?}: {answer}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Replaces the reader with the far end of a terminal left in cooked mode: everything read
    /// from the master goes straight back, a UART FIFO's worth (16 bytes) at a time, dropped
    /// when the line is full (an overrun). Call it instead of [`Terminal::start_reading`].
    pub fn echo_everything(&self) -> EchoingFarEnd {
        let master = Arc::clone(&self.master);
        let seen: Arc<Mutex<Vec<u8>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (out, until) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            let flags = rustix::fs::fcntl_getfl(&*master).expect("getfl");
            rustix::fs::fcntl_setfl(&*master, flags | rustix::fs::OFlags::NONBLOCK).expect("setfl");
            let mut buf = [0u8; 16];
            while !until.load(Ordering::Relaxed) {
                match rustix::io::read(&*master, &mut buf) {
                    Ok(n @ 1..) => {
                        let got = buf.get(..n).unwrap_or_default();
                        out.lock().expect("lock").extend_from_slice(got);
                        let _ = rustix::io::write(&*master, got);
                    }
                    _ => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        });
        EchoingFarEnd { seen, stop }
    }
}

/// The echoing far end started by [`Terminal::echo_everything`]; stops echoing when dropped.
pub struct EchoingFarEnd {
    seen: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
}

impl EchoingFarEnd {
    /// How many bytes it has received (and sent back).
    pub fn len(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }

    /// Whether it has received nothing yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Everything it has received, `\r` removed.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().expect("lock")).replace('\r', "")
    }

    /// Stops echoing; the terminal then no longer reads.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for EchoingFarEnd {
    fn drop(&mut self) {
        self.stop();
    }
}
