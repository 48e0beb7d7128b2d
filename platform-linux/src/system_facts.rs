//! Facts about this machine that configuration validation needs: which interfaces exist, which
//! users exist, and whether a script path is safe to run as root (keepalived's script security).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Reads interfaces from sysfs, users from `/etc/passwd`, and file modes from the file system.
#[derive(Debug, Clone)]
pub struct LinuxFacts {
    sys_class_net: PathBuf,
    passwd: PathBuf,
}

impl Default for LinuxFacts {
    fn default() -> Self {
        LinuxFacts {
            sys_class_net: PathBuf::from("/sys/class/net"),
            passwd: PathBuf::from("/etc/passwd"),
        }
    }
}

/// Why a script path is unsafe to execute with elevated privileges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptInsecurity {
    /// The file does not exist or cannot be examined.
    Missing(String),
    /// The file is not executable by anyone.
    NotExecutable,
    /// The path component (the file or a directory above it) is owned or writable by a non-root user.
    WritableByNonRoot(PathBuf),
}

impl std::fmt::Display for ScriptInsecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptInsecurity::Missing(e) => write!(f, "cannot be examined: {e}"),
            ScriptInsecurity::NotExecutable => write!(f, "is not executable"),
            ScriptInsecurity::WritableByNonRoot(p) => {
                write!(
                    f,
                    "'{}' is owned or writable by a non-root user",
                    p.display()
                )
            }
        }
    }
}

impl LinuxFacts {
    /// Facts rooted elsewhere, for tests.
    pub fn with_roots(sys_class_net: impl Into<PathBuf>, passwd: impl Into<PathBuf>) -> Self {
        LinuxFacts {
            sys_class_net: sys_class_net.into(),
            passwd: passwd.into(),
        }
    }

    /// Whether a network interface of that name exists now.
    pub fn interface_exists(&self, name: &str) -> bool {
        !name.is_empty() && !name.contains('/') && self.sys_class_net.join(name).exists()
    }

    /// The uid and gid of a user, from the passwd file.
    pub fn user_ids(&self, name: &str) -> Option<(u32, u32)> {
        let text = std::fs::read_to_string(&self.passwd).ok()?;
        text.lines().find_map(|line| {
            let mut fields = line.split(':');
            if fields.next()? != name {
                return None;
            }
            let _password = fields.next()?;
            Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
        })
    }

    /// keepalived's rule (`lib/notify.c`) for scripts run when `enable_script_security` is set:
    /// every component of the resolved path, `/` included, must be owned by root, and neither the
    /// file nor a directory without the sticky bit may be writable by the world or by a non-root
    /// group. A root-owned sticky `/tmp` is therefore fine; a 0755 script owned by `nobody` is not.
    pub fn script_insecurity(&self, script: &Path) -> Option<ScriptInsecurity> {
        let real = match std::fs::canonicalize(script) {
            Ok(p) => p,
            Err(e) => return Some(ScriptInsecurity::Missing(e.to_string())),
        };
        let meta = match std::fs::metadata(&real) {
            Ok(m) => m,
            Err(e) => return Some(ScriptInsecurity::Missing(e.to_string())),
        };
        if meta.mode() & 0o111 == 0 {
            return Some(ScriptInsecurity::NotExecutable);
        }
        for component in real.ancestors() {
            let Ok(m) = std::fs::metadata(component) else {
                continue;
            };
            if insecure_component(m.mode(), m.uid(), m.gid(), m.is_dir()) {
                return Some(ScriptInsecurity::WritableByNonRoot(component.to_path_buf()));
            }
        }
        None
    }
}

/// A sticky directory lets only an entry's owner replace it, so root-owned entries below a
/// world-writable sticky directory stay safe (keepalived's reasoning, kept).
fn insecure_component(mode: u32, uid: u32, gid: u32, is_dir: bool) -> bool {
    let sticky_dir = is_dir && mode & 0o1000 != 0;
    uid != 0 || (!sticky_dir && (mode & 0o002 != 0 || (gid != 0 && mode & 0o020 != 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("holdfast-facts-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn interfaces_come_from_sysfs_names() {
        let dir = scratch("net");
        fs::create_dir(dir.join("eth0")).unwrap();
        let facts = LinuxFacts::with_roots(&dir, "/nonexistent");
        assert!(facts.interface_exists("eth0"));
        assert!(!facts.interface_exists("eth1"));
        assert!(!facts.interface_exists("../etc"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn users_come_from_passwd() {
        let dir = scratch("passwd");
        fs::write(dir.join("passwd"), "root:x:0:0:root:/root:/bin/sh\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\nbroken\n").unwrap();
        let facts = LinuxFacts::with_roots("/nonexistent", dir.join("passwd"));
        assert_eq!(facts.user_ids("keepalived_script"), Some((998, 997)));
        assert_eq!(facts.user_ids("root"), Some((0, 0)));
        assert_eq!(facts.user_ids("nobody-here"), None);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn world_writable_script_or_directory_is_insecure() {
        let dir = scratch("sec");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let script = dir.join("check.sh");
        fs::write(&script, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
        let facts = LinuxFacts::default();
        assert_eq!(
            facts.script_insecurity(&script),
            Some(ScriptInsecurity::NotExecutable)
        );
        fs::set_permissions(&script, fs::Permissions::from_mode(0o757)).unwrap();
        assert_eq!(
            facts.script_insecurity(&script),
            Some(ScriptInsecurity::WritableByNonRoot(script.clone()))
        );
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        // The scratch dir sits in root-owned sticky /tmp, which keepalived accepts.
        assert_eq!(facts.script_insecurity(&script), None);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(
            facts.script_insecurity(&script),
            Some(ScriptInsecurity::WritableByNonRoot(dir.clone()))
        );
        assert!(matches!(
            facts.script_insecurity(&dir.join("missing")),
            Some(ScriptInsecurity::Missing(_))
        ));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn root_owned_non_writable_path_is_secure() {
        // /bin/sh is root-owned in every Debian image, and so are / and /bin (or /usr/bin).
        assert_eq!(
            LinuxFacts::default().script_insecurity(Path::new("/bin/sh")),
            None
        );
    }

    #[test]
    fn keepalived_component_rule() {
        assert!(!insecure_component(0o755, 0, 0, false));
        assert!(!insecure_component(0o775, 0, 0, true));
        assert!(
            insecure_component(0o755, 65534, 0, false),
            "non-root owner, whatever the mode"
        );
        assert!(
            insecure_component(0o775, 0, 100, true),
            "writable by a non-root group"
        );
        assert!(
            insecure_component(0o757, 0, 0, false),
            "world-writable file"
        );
        assert!(
            !insecure_component(0o1777, 0, 0, true),
            "root-owned sticky /tmp"
        );
        assert!(
            insecure_component(0o1777, 0, 0, false),
            "sticky bit means nothing on a file"
        );
    }
}
