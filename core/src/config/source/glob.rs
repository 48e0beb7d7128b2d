//! glob(3) pattern matching for [`MemoryLoader`](super::MemoryLoader): `*`, `?`, `[...]`
//! and `\` escapes, one path component at a time.
//!
//! As in glob(3): wildcards never match `/`, and a leading `.` in a component must be matched
//! by a literal `.` (so `*.conf` skips `.hidden.conf`). Character classes such as `[:alpha:]`
//! are not supported; inside brackets they match their characters literally.

/// Whether `path` matches the glob `pattern`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let mut pats = pattern.split('/');
    let mut names = path.split('/');
    loop {
        match (pats.next(), names.next()) {
            (None, None) => return true,
            (Some(p), Some(n)) => {
                if !component_match(p, n) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// One pattern element.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyMany,
    Class {
        negated: bool,
        items: alloc::vec::Vec<(char, char)>,
    },
}

fn tokenize(pattern: &str) -> alloc::vec::Vec<Token> {
    let chars: alloc::vec::Vec<char> = pattern.chars().collect();
    let mut out = alloc::vec::Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => match chars.get(i + 1) {
                Some(&next) => {
                    out.push(Token::Literal(next));
                    i += 2;
                }
                None => {
                    out.push(Token::Literal('\\'));
                    i += 1;
                }
            },
            '*' => {
                out.push(Token::AnyMany);
                i += 1;
            }
            '?' => {
                out.push(Token::AnyOne);
                i += 1;
            }
            '[' => match parse_class(&chars, i + 1) {
                Some((token, next)) => {
                    out.push(token);
                    i = next;
                }
                None => {
                    // No closing bracket: glob(3) takes '[' literally.
                    out.push(Token::Literal('['));
                    i += 1;
                }
            },
            other => {
                out.push(Token::Literal(other));
                i += 1;
            }
        }
    }
    out
}

/// Parses a bracket expression starting just after `[`; returns it and the index after `]`.
fn parse_class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start;
    let negated = matches!(chars.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut items = alloc::vec::Vec::new();
    let mut first = true;
    loop {
        let mut c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, items }, i + 1));
        }
        first = false;
        if c == '\\' {
            i += 1;
            c = *chars.get(i)?;
        }
        // A range `a-z`, unless the '-' is the last character before ']'.
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
            let mut end_idx = i + 2;
            let mut end = *chars.get(end_idx)?;
            if end == '\\' {
                end_idx += 1;
                end = *chars.get(end_idx)?;
            }
            items.push((c, end));
            i = end_idx + 1;
        } else {
            items.push((c, c));
            i += 1;
        }
    }
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyOne | Token::AnyMany => true,
        Token::Class { negated, items } => {
            items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
    }
}

fn component_match(pattern: &str, name: &str) -> bool {
    let tokens = tokenize(pattern);
    let chars: alloc::vec::Vec<char> = name.chars().collect();
    if chars.first() == Some(&'.') && tokens.first() != Some(&Token::Literal('.')) {
        return false;
    }
    // Iterative wildcard match with one backtrack point for the last '*' seen.
    let (mut t, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        match (tokens.get(t), chars.get(n)) {
            (Some(Token::AnyMany), _) => {
                star = Some((t, n));
                t += 1;
            }
            (Some(tok), Some(&c)) if token_matches(tok, c) => {
                t += 1;
                n += 1;
            }
            (None, None) => return true,
            _ => match star {
                Some((st, sn)) if sn < chars.len() => {
                    star = Some((st, sn + 1));
                    t = st + 1;
                    n = sn + 1;
                }
                _ => return false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn wildcards_match_within_a_component() {
        assert!(glob_match("/a/*.conf", "/a/x.conf"));
        assert!(glob_match("/a/*", "/a/x.conf"));
        assert!(!glob_match("/a/*", "/a/b/x.conf"));
        assert!(glob_match("/a/?.conf", "/a/x.conf"));
        assert!(!glob_match("/a/?.conf", "/a/xy.conf"));
        assert!(glob_match("/a/*x*y", "/a/1x2x3y"));
        assert!(!glob_match("/a/*x*y", "/a/1x2x3"));
    }

    #[test]
    fn classes_ranges_and_escapes() {
        assert!(glob_match("/a/[0-9].conf", "/a/7.conf"));
        assert!(!glob_match("/a/[!0-9].conf", "/a/7.conf"));
        assert!(glob_match("/a/[]x].conf", "/a/].conf"));
        assert!(glob_match("/a/[ab-].conf", "/a/-.conf"));
        assert!(glob_match("/a/\\*.conf", "/a/*.conf"));
        assert!(!glob_match("/a/\\*.conf", "/a/x.conf"));
        assert!(glob_match("/a/[x", "/a/[x"));
    }

    #[test]
    fn leading_dot_needs_a_literal_dot() {
        assert!(!glob_match("/a/*", "/a/.x"));
        assert!(!glob_match("/a/?x", "/a/.x"));
        assert!(glob_match("/a/.*", "/a/.x"));
    }
}
