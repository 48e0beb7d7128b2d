//! Splitting a finished line into words, as keepalived 2.2.7's `alloc_strvec_r()` does.
//!
//! Words are separated by blanks (space, tab, `\f`, `\n`, `\r`, `\v`). A word that *starts* with
//! `"` runs to the next `"` and loses both quotes (`""` is an empty word). A word that does not
//! start with a quote ends at a blank *or at a quote*, so `"a b"c` is two words, `a b` and `c`,
//! and `a"b c"` is `a` and `b c`: keepalived does not join quoted segments in keywords'
//! arguments (only its script command-line splitter, `alloc_strvec_quoted_escaped()`, does,
//! and that works on the raw line, later). Backslashes are not escapes here.

use alloc::vec::Vec;

/// keepalived's `WHITE_SPACE_STR`.
pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0c | b'\n' | b'\r' | 0x0b)
}

/// The words of `line`, and the byte offset of an opening quote that was never closed (the
/// words from there on are lost, as in keepalived).
pub(crate) fn split_words(line: &[u8]) -> (Vec<Vec<u8>>, Option<usize>) {
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while line.get(i).is_some_and(|&b| is_white(b)) {
            i += 1;
        }
        let Some(&first) = line.get(i) else {
            return (words, None);
        };
        if first == b'"' {
            let start = i + 1;
            let rest = line.get(start..).unwrap_or(&[]);
            match rest.iter().position(|&b| b == b'"') {
                Some(close) => {
                    words.push(rest.get(..close).unwrap_or(rest).to_vec());
                    i = start + close + 1;
                }
                None => return (words, Some(i)),
            }
        } else {
            let start = i;
            while line.get(i).is_some_and(|&b| !is_white(b) && b != b'"') {
                i += 1;
            }
            words.push(line.get(start..i).unwrap_or(&[]).to_vec());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    fn words(s: &str) -> (Vec<String>, Option<usize>) {
        let (w, q) = split_words(s.as_bytes());
        (
            w.into_iter()
                .map(|w| String::from_utf8(w).unwrap())
                .collect(),
            q,
        )
    }

    #[test]
    fn plain_and_quoted_words() {
        assert_eq!(
            words("a  b\tc"),
            (vec!["a".into(), "b".into(), "c".into()], None)
        );
        assert_eq!(
            words("x \"a b\" y"),
            (vec!["x".into(), "a b".into(), "y".into()], None)
        );
        assert_eq!(words("\"\""), (vec!["".into()], None));
    }

    #[test]
    fn quotes_do_not_join_segments() {
        assert_eq!(words("\"a b\"c"), (vec!["a b".into(), "c".into()], None));
        assert_eq!(words("a\"b c\""), (vec!["a".into(), "b c".into()], None));
    }

    #[test]
    fn unmatched_quote_drops_the_rest() {
        assert_eq!(words("a \"b c"), (vec!["a".into()], Some(2)));
    }
}
