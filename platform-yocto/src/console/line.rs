//! Splits console input into bounded lines: bytes go in, complete lines (or "too long" /
//! "not text") come out, and no input can make the buffer grow past [`LINE_MAX`].

use heapless::Vec;

/// Longest command line accepted, in bytes, without its line end.
pub const LINE_MAX: usize = 128;

/// What one input byte completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent<'a> {
    /// A complete line (without its `\r`/`\n`), valid UTF-8 with no control characters.
    Line(&'a str),
    /// The line ran past [`LINE_MAX`]; the rest of it up to the line end was discarded.
    TooLong,
    /// The line held a control character or was not UTF-8.
    Malformed,
}

/// Accumulates one line at a time.
#[derive(Debug, Default)]
pub struct LineBuffer {
    buf: Vec<u8, LINE_MAX>,
    overflowed: bool,
    /// The previous byte ended a line with `\r`, so a following `\n` is the same line end.
    after_cr: bool,
}

impl LineBuffer {
    pub const fn new() -> Self {
        LineBuffer {
            buf: Vec::new(),
            overflowed: false,
            after_cr: false,
        }
    }

    /// Takes one byte; returns what it completed, if anything. `\r`, `\n` and `\r\n` end a line
    /// (a serial terminal sends `\r`, a pty in canonical mode `\n`).
    pub fn push(&mut self, byte: u8) -> Option<LineEvent<'_>> {
        let after_cr = core::mem::replace(&mut self.after_cr, byte == b'\r');
        if byte == b'\n' && after_cr {
            return None;
        }
        if byte == b'\r' || byte == b'\n' {
            let overflowed = core::mem::replace(&mut self.overflowed, false);
            if overflowed {
                self.buf.clear();
                return Some(LineEvent::TooLong);
            }
            let ok = core::str::from_utf8(&self.buf)
                .is_ok_and(|text| !text.chars().any(char::is_control));
            if !ok {
                self.buf.clear();
                return Some(LineEvent::Malformed);
            }
            return core::str::from_utf8(&self.buf).ok().map(LineEvent::Line);
        }
        if !self.overflowed && self.buf.push(byte).is_err() {
            self.overflowed = true;
        }
        None
    }

    /// The line in progress (empty after an overflow).
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets the line in progress; call after handling a [`LineEvent::Line`].
    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(lb: &mut LineBuffer, bytes: &[u8]) -> std::vec::Vec<std::string::String> {
        let mut out = std::vec::Vec::new();
        for &b in bytes {
            let ev = lb.push(b).map(|e| match e {
                LineEvent::Line(l) => format!("line:{l}"),
                LineEvent::TooLong => "toolong".to_string(),
                LineEvent::Malformed => "malformed".to_string(),
            });
            if let Some(ev) = ev {
                lb.clear();
                out.push(ev);
            }
        }
        out
    }

    #[test]
    fn line_ends_cr_lf_crlf() {
        let mut lb = LineBuffer::new();
        assert_eq!(
            feed(&mut lb, b"help\nstatus\rlog 5\r\n\n"),
            ["line:help", "line:status", "line:log 5", "line:"]
        );
    }

    #[test]
    fn over_long_line_is_reported_once_then_input_recovers() {
        let mut lb = LineBuffer::new();
        let mut input = vec![b'a'; LINE_MAX + 50];
        input.extend_from_slice(b"\nhelp\n");
        assert_eq!(feed(&mut lb, &input), ["toolong", "line:help"]);
        let exact = vec![b'b'; LINE_MAX];
        let got = feed(&mut lb, &[exact.as_slice(), b"\n"].concat());
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("line:bbb"));
    }

    #[test]
    fn control_bytes_and_bad_utf8_are_malformed() {
        let mut lb = LineBuffer::new();
        assert_eq!(
            feed(&mut lb, b"st\x1b[Aatus\n\xff\xfe\nok\n"),
            ["malformed", "malformed", "line:ok"]
        );
    }
}
