//! Physical lines of one file, cut as keepalived 2.2.7 cuts them, and comment removal.
//!
//! keepalived reads with `fgets(buf, 1024)`: a line longer than 1023 bytes arrives in pieces,
//! each processed as a line of its own (a `#` comment therefore ends at the cut, and the rest
//! of a long comment becomes configuration text). Text after a NUL byte in a piece is lost
//! (`strlen`). Trailing `\n`/`\r` are removed from each piece. [`Cursor`] reproduces this
//! and says when it happened so the reader can warn. [`decomment`] is keepalived's
//! `decomment()`, including its 2.2.7 quirks (documented on the function).

use alloc::vec::Vec;

/// keepalived's `MAXBUF`: a line buffer holds 1023 bytes and a terminating NUL.
pub(crate) const MAX_LINE: usize = 1024;

/// One piece of a physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// 1-based number of the physical line the piece came from.
    pub line: u32,
    /// The bytes, without end-of-line characters and cut at the first NUL.
    pub bytes: Vec<u8>,
    /// The physical line was longer than [`MAX_LINE`] - 1 bytes; set on its first piece.
    pub split_line_len: Option<usize>,
    /// The piece held a NUL byte and lost what followed it.
    pub had_nul: bool,
}

/// Reading position in a file's text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cursor {
    /// Byte offset of the next unread byte.
    pos: usize,
    /// Number of the line `pos` is in (0 before the first line starts).
    line: u32,
    /// Whether `pos` is at the start of a physical line.
    in_line: bool,
}

impl Cursor {
    /// The next piece of `text`, or `None` at the end.
    pub fn next_piece(&mut self, text: &[u8]) -> Option<Piece> {
        let rest = text.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let mut split_line_len = None;
        if !self.in_line {
            self.line = self.line.saturating_add(1);
            self.in_line = true;
            let mut line_len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            // A trailing '\r' may be cut off on its own without losing text.
            while line_len > 0 && rest.get(line_len - 1) == Some(&b'\r') {
                line_len -= 1;
            }
            if line_len > MAX_LINE - 1 {
                split_line_len = Some(line_len);
            }
        }
        // fgets stops after '\n' or after MAX_LINE - 1 bytes, whichever comes first.
        let limit = rest.len().min(MAX_LINE - 1);
        let window = rest.get(..limit).unwrap_or(rest);
        let take = match window.iter().position(|&b| b == b'\n') {
            Some(nl) => {
                self.in_line = false;
                nl + 1
            }
            None => {
                if limit == rest.len() {
                    self.in_line = false;
                }
                limit
            }
        };
        let raw = rest.get(..take).unwrap_or(rest);
        self.pos = self.pos.saturating_add(take);
        let (cut, had_nul) = match raw.iter().position(|&b| b == 0) {
            Some(nul) => (raw.get(..nul).unwrap_or(raw), true),
            None => (raw, false),
        };
        let mut end = cut.len();
        while end > 0 && matches!(cut.get(end - 1), Some(b'\n') | Some(b'\r')) {
            end -= 1;
        }
        Some(Piece {
            line: self.line,
            bytes: cut.get(..end).unwrap_or(cut).to_vec(),
            split_line_len,
            had_nul,
        })
    }
}

/// What [`decomment`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Decommented {
    /// A `"` opened before any comment was never closed.
    pub unterminated_quote: bool,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// keepalived 2.2.7's `decomment()`, in place.
///
/// Removes leading blanks; cuts at the first `#` or `!` outside double quotes; removes the
/// backslash of `\#` and `\!` outside quotes (a literal `#`/`!`); trims trailing blanks; and
/// keeps a final `\` (the definition continuation mark) as the last byte. 2.2.7 quirks kept on
/// purpose: once a comment has started, quotes no longer toggle, but a `\` at the very end of
/// the line still counts, so `text # note \` becomes `text\` (later versions stop at the
/// comment); `\"` never toggles the quote state.
pub(crate) fn decomment(buf: &mut Vec<u8>) -> Decommented {
    let lead = buf.iter().take_while(|&&b| is_blank(b)).count();
    buf.drain(..lead);

    let mut quote = false;
    let mut cont = false;
    let mut comment: Option<usize> = None;
    let mut i = 0;
    while let Some(&b) = buf.get(i) {
        match b {
            b'"' => {
                if comment.is_none() {
                    quote = !quote;
                }
                i += 1;
            }
            b'\\' => match buf.get(i + 1) {
                Some(&next) => {
                    if !quote && (next == b'#' || next == b'!') {
                        buf.remove(i);
                        i += 1;
                    } else {
                        i += 2;
                    }
                }
                None => {
                    buf.truncate(i);
                    cont = true;
                    break;
                }
            },
            b'#' | b'!' => {
                if !quote && comment.is_none() {
                    comment = Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some(c) = comment {
        buf.truncate(c);
    }
    while buf.last().is_some_and(|&b| is_blank(b)) {
        buf.pop();
    }
    if cont {
        buf.push(b'\\');
    }
    Decommented {
        unterminated_quote: quote,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    fn pieces(text: &str) -> Vec<(u32, String)> {
        let mut c = Cursor::default();
        let mut out = Vec::new();
        while let Some(p) = c.next_piece(text.as_bytes()) {
            out.push((p.line, String::from_utf8(p.bytes).unwrap()));
        }
        out
    }

    fn dc(s: &str) -> (String, bool) {
        let mut b = s.as_bytes().to_vec();
        let d = decomment(&mut b);
        (String::from_utf8(b).unwrap(), d.unterminated_quote)
    }

    #[test]
    fn lines_strip_crlf_and_count() {
        assert_eq!(
            pieces("a\r\n\nb\nc"),
            vec![
                (1, "a".into()),
                (2, "".into()),
                (3, "b".into()),
                (4, "c".into())
            ]
        );
        assert!(pieces("").is_empty());
    }

    #[test]
    fn long_line_arrives_in_1023_byte_pieces() {
        let long = "x".repeat(1023 + 1023 + 5);
        let text = alloc::format!("{long}\nnext\n");
        let mut c = Cursor::default();
        let p1 = c.next_piece(text.as_bytes()).unwrap();
        assert_eq!(
            (p1.line, p1.bytes.len(), p1.split_line_len),
            (1, 1023, Some(2051))
        );
        let p2 = c.next_piece(text.as_bytes()).unwrap();
        assert_eq!(
            (p2.line, p2.bytes.len(), p2.split_line_len),
            (1, 1023, None)
        );
        let p3 = c.next_piece(text.as_bytes()).unwrap();
        assert_eq!((p3.line, p3.bytes.len()), (1, 5));
        let p4 = c.next_piece(text.as_bytes()).unwrap();
        assert_eq!((p4.line, p4.bytes.as_slice()), (2, &b"next"[..]));
        assert!(c.next_piece(text.as_bytes()).is_none());
    }

    #[test]
    fn line_of_exactly_1023_bytes_is_whole() {
        let text = alloc::format!("{}\nb", "y".repeat(1023));
        let got = pieces(&text);
        assert_eq!(got.len(), 3, "the newline arrives as an empty piece");
        assert_eq!(got[0].1.len(), 1023);
        assert_eq!(got[1], (1, "".into()));
        assert_eq!(got[2], (2, "b".into()));
        let text = alloc::format!("{}\nb", "y".repeat(1022));
        assert_eq!(pieces(&text).len(), 2);
    }

    #[test]
    fn nul_cuts_the_piece() {
        let mut c = Cursor::default();
        let p = c.next_piece(b"ab\0cd\nx").unwrap();
        assert_eq!((p.bytes.as_slice(), p.had_nul), (&b"ab"[..], true));
        assert_eq!(c.next_piece(b"ab\0cd\nx").unwrap().bytes, b"x");
    }

    #[test]
    fn decomment_cases() {
        assert_eq!(dc("  a b # c"), ("a b".into(), false));
        assert_eq!(dc("a ! c"), ("a".into(), false));
        assert_eq!(dc("a \"# not\" b # yes"), ("a \"# not\" b".into(), false));
        assert_eq!(dc("a \\# b"), ("a # b".into(), false));
        assert_eq!(dc("\"a \\# b\""), ("\"a \\# b\"".into(), false));
        assert_eq!(dc("$X=a b \\"), ("$X=a b\\".into(), false));
        assert_eq!(dc("$X=a b   \\"), ("$X=a b\\".into(), false));
        assert_eq!(dc("text # note \\"), ("text\\".into(), false));
        assert_eq!(dc("# only \\"), ("\\".into(), false));
        assert_eq!(dc("a \"open"), ("a \"open".into(), true));
        assert_eq!(dc("a # \"open"), ("a".into(), false));
        assert_eq!(dc("a \\\"b"), ("a \\\"b".into(), false));
        assert_eq!(dc("\t \t"), ("".into(), false));
    }
}
