//! Recognises the console's own output coming back as input, from a far end that echoes (a
//! terminal left in cooked mode, `cat` on a serial port): without this the console answers its
//! own answers ("error: unknown command") and the two ends keep each other busy for as long as
//! they run (measured on a pty: 53,268 answers and 6 MB in 3 s).
//!
//! [`OutputLines`] remembers a hash of each of the last [`REMEMBERED`] lines written;
//! [`Recording`] is the writer that feeds it. An input line is our own output when it starts
//! with [`PROMPT`] (nobody types the prompt), or when what follows the prompts is a line written
//! recently. An empty line is never ours: Enter alone gets a prompt, and a prompt that comes
//! back carries no line end, so it cannot loop.

use super::session::PROMPT;
use embedded_io::{ErrorType, Write};

/// Output lines remembered: more than the longest screen plus the live events a terminal's
/// buffers hold in flight, so an echo arrives while its line is still remembered.
pub const REMEMBERED: usize = 256;

/// FNV-1a, 64 bits: no allocation, and a collision only costs one dropped command line.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// What an input line is, seen against the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo<'a> {
    /// Typed by someone: the text to run (leading prompts that came back removed).
    Typed(&'a str),
    /// Our own output coming back.
    Ours,
}

/// Hashes of the most recent output lines, and the line being written. Prompts at the start
/// of a line are not part of it (a live event is written after the prompt, on its line), just
/// as [`OutputLines::classify`] strips them from input.
#[derive(Debug)]
pub struct OutputLines {
    ring: [u64; REMEMBERED],
    next: usize,
    filled: usize,
    current: u64,
    current_empty: bool,
    /// Bytes of [`PROMPT`] matched at the start of the current line, not hashed yet.
    prompt_held: usize,
}

impl Default for OutputLines {
    fn default() -> Self {
        Self::new()
    }
}

impl OutputLines {
    pub const fn new() -> Self {
        OutputLines {
            ring: [0; REMEMBERED],
            next: 0,
            filled: 0,
            current: FNV_OFFSET,
            current_empty: true,
            prompt_held: 0,
        }
    }

    /// Takes written bytes; each `\n` completes a line. `\r` is skipped: the tty turns `\n`
    /// into `\r\n` on the way out and a peer may echo either.
    pub fn wrote(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\r' => {}
                b'\n' => {
                    self.release_prompt();
                    if !self.current_empty {
                        self.remember(self.current);
                    }
                    self.current = FNV_OFFSET;
                    self.current_empty = true;
                }
                _ if self.current_empty && PROMPT.as_bytes().get(self.prompt_held) == Some(&b) => {
                    self.prompt_held += 1;
                    if self.prompt_held == PROMPT.len() {
                        self.prompt_held = 0;
                    }
                }
                _ => {
                    self.release_prompt();
                    self.current = fnv_step(self.current, b);
                    self.current_empty = false;
                }
            }
        }
    }

    /// A partial prompt was text after all: hash it.
    fn release_prompt(&mut self) {
        let held = core::mem::take(&mut self.prompt_held);
        for &b in PROMPT.as_bytes().get(..held).unwrap_or_default() {
            self.current = fnv_step(self.current, b);
            self.current_empty = false;
        }
    }

    fn remember(&mut self, hash: u64) {
        if let Some(slot) = self.ring.get_mut(self.next) {
            *slot = hash;
        }
        self.next = (self.next + 1) % REMEMBERED;
        self.filled = (self.filled + 1).min(REMEMBERED);
    }

    fn recent(&self, line: &str) -> bool {
        let hash = line.bytes().fold(FNV_OFFSET, fnv_step);
        self.ring.iter().take(self.filled).any(|h| *h == hash)
    }

    /// Classifies one input line (without its line end); `prompted` when a prompt was already
    /// taken from its start.
    pub fn classify<'a>(&self, line: &'a str, prompted: bool) -> Echo<'a> {
        let mut rest = line;
        let mut prompted = prompted;
        while let Some(r) = rest.strip_prefix(PROMPT) {
            rest = r;
            prompted = true;
        }
        // The prompt's trailing space may be lost or doubled on the way back.
        if let Some(r) = rest.strip_prefix(PROMPT.trim_end()) {
            rest = r.trim_start();
            prompted = true;
        }
        if !rest.is_empty() && self.recent(rest) {
            return Echo::Ours;
        }
        if prompted && rest.is_empty() {
            return Echo::Ours;
        }
        Echo::Typed(rest)
    }

    /// Whether `line` starts with the prompt: the far end echoes what it receives.
    pub fn is_prompted(line: &str) -> bool {
        line.starts_with(PROMPT.trim_end())
    }
}

fn fnv_step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
}

/// A writer that records what passes through it in [`OutputLines`].
pub struct Recording<'a, W> {
    inner: &'a mut W,
    lines: &'a mut OutputLines,
}

impl<'a, W> Recording<'a, W> {
    pub fn new(inner: &'a mut W, lines: &'a mut OutputLines) -> Self {
        Recording { inner, lines }
    }

    /// What has been written so far.
    pub fn lines(&self) -> &OutputLines {
        self.lines
    }
}

impl<W: ErrorType> ErrorType for Recording<'_, W> {
    type Error = W::Error;
}

impl<W: Write> Write for Recording<'_, W> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let n = self.inner.write(buf)?;
        self.lines.wrote(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_lines_come_back_as_ours_and_typed_lines_do_not() {
        let mut lines = OutputLines::new();
        lines.wrote(b"error: unknown command 'x' (type 'help')\r\n");
        lines.wrote(PROMPT.as_bytes());
        lines.wrote(b"* [     1.000] INFO vrrp: VI_1 MASTER\r\n");
        assert_eq!(
            lines.classify("error: unknown command 'x' (type 'help')", false),
            Echo::Ours
        );
        assert_eq!(
            lines.classify("holdfast> * [     1.000] INFO vrrp: VI_1 MASTER", false),
            Echo::Ours
        );
        assert_eq!(
            lines.classify("* [     1.000] INFO vrrp: VI_1 MASTER", false),
            Echo::Ours
        );
        assert_eq!(lines.classify("holdfast> holdfast> ", false), Echo::Ours);
        assert_eq!(lines.classify("holdfast>", false), Echo::Ours);
        assert_eq!(lines.classify("status", false), Echo::Typed("status"));
        // Someone at an echoing terminal types after the prompt came back: the command runs.
        assert_eq!(
            lines.classify("holdfast> status", false),
            Echo::Typed("status")
        );
        assert_eq!(lines.classify("", false), Echo::Typed(""));
        assert_eq!(lines.classify("", true), Echo::Ours);
        assert!(OutputLines::is_prompted("holdfast> x"));
        assert!(!OutputLines::is_prompted("status"));
    }

    #[test]
    fn a_partial_prompt_is_part_of_the_line() {
        let mut lines = OutputLines::new();
        lines.wrote(b"holdfast is here\n");
        assert_eq!(lines.classify("holdfast is here", false), Echo::Ours);
        assert_eq!(lines.classify("is here", false), Echo::Typed("is here"));
    }

    #[test]
    fn only_the_last_lines_are_remembered() {
        let mut lines = OutputLines::new();
        lines.wrote(b"first\n");
        for i in 0..REMEMBERED {
            lines.wrote(format!("line {i}\n").as_bytes());
        }
        assert_eq!(lines.classify("first", false), Echo::Typed("first"));
        assert_eq!(lines.classify("line 0", false), Echo::Ours);
        assert_eq!(
            lines.classify(&format!("line {}", REMEMBERED - 1), false),
            Echo::Ours
        );
    }

    #[test]
    fn the_recording_writer_passes_everything_on() {
        let mut lines = OutputLines::new();
        let mut out = Vec::new();
        Recording::new(&mut out, &mut lines)
            .write_all(b"abc\r\n")
            .expect("a Vec does not fail");
        assert_eq!(out, b"abc\r\n");
        assert_eq!(lines.classify("abc", false), Echo::Ours);
    }
}
