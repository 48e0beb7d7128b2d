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

/// One path component: `fnmatch(3)` plus glob(3)'s rule that a leading `.` needs a literal `.`.
fn component_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    crate::fnmatch::matches(pattern, name)
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
