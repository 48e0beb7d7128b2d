//! `include` lines: recognising them, their checking flags, brace expansion and paths.
//!
//! keepalived 2.2.7 (`is_include()`, `check_include()`): a line is an include when it starts
//! with `include` followed by a blank, or `includer`/`includem`/`includew`/`includeb`/
//! `includea` followed by a blank. The *rest of the line* after blanks is the glob pattern, as
//! written: quotes are not removed. The pattern is matched with `GLOB_BRACE`, and relative
//! patterns are relative to the including file's directory (keepalived `chdir()`s into it).
//!
//! The letter chooses which problems are errors (`-e` turns all of them on for every include):
//! `r` unreadable or non-regular files, `m` no match for a pattern without wildcards, `w` no
//! match even with wildcards, `b` a brace alternative without a match; `a` is all four.

use alloc::string::String;
use alloc::vec::Vec;

/// Which include problems are errors rather than notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Checks {
    pub read: bool,
    pub missing: bool,
    pub wildcard: bool,
    pub brace: bool,
}

impl Checks {
    pub const ALL: Checks = Checks {
        read: true,
        missing: true,
        wildcard: true,
        brace: true,
    };

    pub fn union(self, o: Checks) -> Checks {
        Checks {
            read: self.read || o.read,
            missing: self.missing || o.missing,
            wildcard: self.wildcard || o.wildcard,
            brace: self.brace || o.brace,
        }
    }
}

/// An include line's checks and pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Include<'a> {
    pub keyword: &'a [u8],
    pub checks: Checks,
    pub pattern: &'a [u8],
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Whether `line` is an include line.
pub(crate) fn parse(line: &[u8]) -> Option<Include<'_>> {
    if !line.starts_with(b"include") {
        return None;
    }
    let (keyword_len, checks) = match (line.get(7), line.get(8)) {
        (Some(&b), _) if is_space(b) => (7, Checks::default()),
        (Some(&letter), Some(&b)) if is_space(b) => {
            let c = match letter {
                b'r' => Checks {
                    read: true,
                    ..Checks::default()
                },
                b'm' => Checks {
                    read: true,
                    missing: true,
                    ..Checks::default()
                },
                b'w' => Checks {
                    read: true,
                    missing: true,
                    wildcard: true,
                    brace: false,
                },
                b'b' => Checks {
                    read: true,
                    brace: true,
                    ..Checks::default()
                },
                b'a' => Checks::ALL,
                _ => return None,
            };
            (8, c)
        }
        _ => return None,
    };
    let mut p = keyword_len + 1;
    while matches!(line.get(p), Some(b' ') | Some(b'\t')) {
        p += 1;
    }
    Some(Include {
        keyword: line.get(..keyword_len).unwrap_or(&[]),
        checks,
        pattern: line.get(p..).unwrap_or(&[]),
    })
}

/// Whether a pattern has glob wildcards (an unescaped `*`, `?` or `[`).
pub(crate) fn has_wildcard(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

/// The index of the `}` closing the `{` at `open`, and of the top-level commas between them.
fn brace_group(chars: &[char], open: usize) -> Option<(usize, Vec<usize>)> {
    let mut depth = 0usize;
    let mut commas = Vec::new();
    let mut i = open + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 1,
            '{' => depth += 1,
            '}' if depth == 0 => return Some((i, commas)),
            '}' => depth -= 1,
            ',' if depth == 0 => commas.push(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// glob(3)'s `GLOB_BRACE`: `a{b,c}d` becomes `abd`, `acd`, in order. An unmatched `{` is
/// literal. `None` when there would be more than `max` patterns.
pub(crate) fn expand_braces(pattern: &str, max: usize) -> Option<Vec<String>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut group = None;
    while let Some(&c) = chars.get(i) {
        if c == '\\' {
            i += 2;
            continue;
        }
        if c == '{' {
            if let Some(g) = brace_group(&chars, i) {
                group = Some((i, g));
                break;
            }
        }
        i += 1;
    }
    let Some((open, (close, commas))) = group else {
        return Some(alloc::vec![String::from(pattern)]);
    };
    let prefix: String = chars.get(..open).unwrap_or(&[]).iter().collect();
    let suffix: String = chars.get(close + 1..).unwrap_or(&[]).iter().collect();
    let mut bounds = Vec::with_capacity(commas.len() + 2);
    bounds.push(open);
    bounds.extend(commas);
    bounds.push(close);
    let mut out = Vec::new();
    for pair in bounds.windows(2) {
        let (a, b) = match pair {
            [a, b] => (*a, *b),
            _ => continue,
        };
        let alt: String = chars.get(a + 1..b).unwrap_or(&[]).iter().collect();
        let mut whole = prefix.clone();
        whole.push_str(&alt);
        whole.push_str(&suffix);
        for p in expand_braces(&whole, max)? {
            if out.len() >= max {
                return None;
            }
            out.push(p);
        }
    }
    Some(out)
}

/// The directory part of a path: `""` for a bare file name (the current directory).
pub(crate) fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => path.get(..i).unwrap_or(""),
        None => "",
    }
}

/// `pattern` made relative to `dir` unless absolute, with `.` and empty components removed
/// and `..` applied to the text (not through symbolic links).
pub(crate) fn join(dir: &str, pattern: &str) -> String {
    let absolute = pattern.starts_with('/') || (dir.starts_with('/') && !pattern.is_empty());
    let mut parts: Vec<&str> = Vec::new();
    let mut leading_up = 0usize;
    let sources: [&str; 2] = if pattern.starts_with('/') {
        ["", pattern]
    } else {
        [dir, pattern]
    };
    for part in sources.iter().flat_map(|s| s.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !absolute {
                    leading_up += 1;
                }
            }
            p => parts.push(p),
        }
    }
    let mut out = String::new();
    if absolute {
        out.push('/');
    }
    for _ in 0..leading_up {
        out.push_str("../");
    }
    out.push_str(&parts.join("/"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn include_forms() {
        let i = parse(b"include /etc/x.conf").unwrap();
        assert_eq!(
            (i.pattern, i.checks),
            (&b"/etc/x.conf"[..], Checks::default())
        );
        let i = parse(b"include\t  \"a b\"").unwrap();
        assert_eq!(i.pattern, b"\"a b\"");
        assert_eq!(parse(b"includea x").unwrap().checks, Checks::ALL);
        assert!(parse(b"includem x").unwrap().checks.missing);
        assert!(parse(b"include").is_none());
        assert!(parse(b"includex y").is_none());
        assert!(parse(b"included y").is_none());
        assert!(parse(b"includer").is_none());
        assert!(parse(b"xinclude a").is_none());
    }

    #[test]
    fn braces_expand_in_order() {
        assert_eq!(
            expand_braces("/a/{x,y}/{1,2}.conf", 100).unwrap(),
            vec!["/a/x/1.conf", "/a/x/2.conf", "/a/y/1.conf", "/a/y/2.conf"]
        );
        assert_eq!(
            expand_braces("/a/{x,{y,z}}", 100).unwrap(),
            vec!["/a/x", "/a/y", "/a/z"]
        );
        assert_eq!(expand_braces("/a/{x", 100).unwrap(), vec!["/a/{x"]);
        assert_eq!(
            expand_braces("/a/\\{x,y}", 100).unwrap(),
            vec!["/a/\\{x,y}"]
        );
        assert!(expand_braces("{a,b}{a,b}{a,b}", 7).is_none());
    }

    #[test]
    fn paths() {
        assert_eq!(dir_of("/etc/keepalived/keepalived.conf"), "/etc/keepalived");
        assert_eq!(dir_of("/k.conf"), "/");
        assert_eq!(dir_of("k.conf"), "");
        assert_eq!(
            join("/etc/keepalived", "conf.d/*.conf"),
            "/etc/keepalived/conf.d/*.conf"
        );
        assert_eq!(join("/etc/keepalived", "/x.conf"), "/x.conf");
        assert_eq!(
            join("/etc/keepalived", "./a/../b.conf"),
            "/etc/keepalived/b.conf"
        );
        assert_eq!(join("/", "x.conf"), "/x.conf");
        assert_eq!(join("", "x.conf"), "x.conf");
        assert_eq!(join("a", "../../x.conf"), "../x.conf");
        assert!(has_wildcard("/a/*.conf") && !has_wildcard("/a/\\*.conf"));
    }
}
