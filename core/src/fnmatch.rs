//! Shell-pattern matching as `fnmatch(3)` without flags: `*`, `?`,
//! `[...]` with ranges and `!`/`^` negation, and `\` escapes.
//!
//! Runs in time proportional to pattern length times text length (one backtrack point for the
//! last `*`), so a hostile pattern cannot make it explode.

/// Whether `text` matches the shell pattern `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Where to resume after the last `*`: pattern index after it, and the text index it covers to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi.saturating_add(1), ti));
                pi = pi.saturating_add(1);
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => class(p, pi, t.get(ti).copied().unwrap_or(0)),
            Some(b'\\') if pi.saturating_add(1) < p.len() => {
                (p.get(pi.saturating_add(1)) == t.get(ti)).then_some(2)
            }
            Some(c) => (Some(c) == t.get(ti)).then_some(1),
            None => None,
        };
        match step {
            Some(width) => {
                pi = pi.saturating_add(width);
                ti = ti.saturating_add(1);
            }
            None => match star {
                Some((after, covered)) => {
                    let covered = covered.saturating_add(1);
                    star = Some((after, covered));
                    pi = after;
                    ti = covered;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// Matches `c` against the bracket expression starting at `p[start]` (`[`). Returns the pattern
/// width consumed when it matches; an unterminated bracket matches a literal `[`.
fn class(p: &[u8], start: usize, c: u8) -> Option<usize> {
    let mut i = start.saturating_add(1);
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i = i.saturating_add(1);
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let lo = match p.get(i) {
            None => return (c == b'[').then_some(1),
            Some(b']') if !first => break,
            Some(&lo) => lo,
        };
        first = false;
        let is_range = p.get(i.saturating_add(1)) == Some(&b'-')
            && p.get(i.saturating_add(2)).is_some_and(|&hi| hi != b']');
        if is_range {
            let hi = p.get(i.saturating_add(2)).copied().unwrap_or(lo);
            hit |= lo <= c && c <= hi;
            i = i.saturating_add(3);
        } else {
            hit |= lo == c;
            i = i.saturating_add(1);
        }
    }
    (hit != negate).then_some(i.saturating_add(1).saturating_sub(start))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn literal_star_question() {
        assert!(matches("crc32c", "crc32c"));
        assert!(!matches("crc32c", "crc32c_x"));
        assert!(!matches("crc32c", "crc32"));
        assert!(matches("crypto_crc32c*", "crypto_crc32c_intel"));
        assert!(matches(
            "pci:v00008086d*sv*",
            "pci:v00008086d00001234sv0000"
        ));
        assert!(!matches(
            "pci:v00008086d*sv*",
            "pci:v00001022d00001234sv0000"
        ));
        assert!(matches("ip_vs_?r", "ip_vs_rr"));
        assert!(matches("*", ""));
        assert!(!matches("?", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
    }

    #[test]
    fn brackets_ranges_negation_escapes() {
        assert!(matches(
            "cpu:type:x86,ven*fam*mod*:feature:*0094*",
            "cpu:type:x86,ven0000fam0006mod0055:feature:,0094,"
        ));
        assert!(matches("v[0-9]", "v7"));
        assert!(!matches("v[0-9]", "vx"));
        assert!(matches("v[!0-9]", "vx"));
        assert!(matches("v[^0-9]", "vx"));
        assert!(matches("[]]", "]"));
        assert!(matches("a\\*", "a*"));
        assert!(!matches("a\\*", "ab"));
        assert!(matches("x[", "x["));
        assert!(!matches("[a-", "b"));
    }

    #[test]
    fn hostile_patterns_finish() {
        let pattern = "*a".repeat(200);
        let text = "a".repeat(5000);
        assert!(matches(&pattern, &text));
        let text = "b".repeat(5000);
        assert!(!matches(&pattern, &text));
    }
}
