//! The live answers to the core's [`SystemFacts`] questions: interfaces from sysfs, accounts from
//! `/etc/passwd` and `/etc/group`, file metadata from `lstat`/`stat`, `PATH` lookups. The rules
//! that judge these facts (script security, interface checks) live in the core's validator.

use holdfast_core::config::validate::{FileKind, FileMeta, InterfaceFacts, SystemFacts, UserIds};
use std::cell::RefCell;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// `IFF_LOOPBACK` and `IFF_MULTICAST` from `<linux/if.h>`, as sysfs prints them in `flags`.
const IFF_LOOPBACK: u32 = 0x8;
const IFF_MULTICAST: u32 = 0x1000;

/// Facts read from the running system (or from other roots, in tests).
#[derive(Debug, Clone)]
pub struct LinuxFacts {
    sys_class_net: PathBuf,
    passwd: PathBuf,
    group: PathBuf,
    path_var: Option<String>,
    /// A thousand instances on four interfaces ask about four interfaces; sysfs is read once each.
    interfaces: RefCell<HashMap<String, Option<InterfaceFacts>>>,
}

impl Default for LinuxFacts {
    fn default() -> Self {
        LinuxFacts {
            sys_class_net: PathBuf::from("/sys/class/net"),
            passwd: PathBuf::from("/etc/passwd"),
            group: PathBuf::from("/etc/group"),
            path_var: std::env::var("PATH").ok(),
            interfaces: RefCell::default(),
        }
    }
}

impl LinuxFacts {
    /// Facts rooted elsewhere, for tests.
    pub fn with_roots(
        sys_class_net: impl Into<PathBuf>,
        etc: impl AsRef<Path>,
        path_var: Option<&str>,
    ) -> Self {
        LinuxFacts {
            sys_class_net: sys_class_net.into(),
            passwd: etc.as_ref().join("passwd"),
            group: etc.as_ref().join("group"),
            path_var: path_var.map(str::to_string),
            interfaces: RefCell::default(),
        }
    }
}

/// Field `n` (from 0) of the colon-separated line whose first field is `name`.
fn colon_file_fields(file: &Path, name: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .map(|line| line.split(':').map(str::to_string).collect::<Vec<_>>())
        .find(|fields| fields.first().map(String::as_str) == Some(name))
}

fn file_meta(meta: &std::fs::Metadata) -> FileMeta {
    let t = meta.file_type();
    let kind = if t.is_file() {
        FileKind::File
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_symlink() {
        FileKind::Symlink
    } else {
        FileKind::Other
    };
    FileMeta {
        kind,
        uid: meta.uid(),
        gid: meta.gid(),
        mode: meta.mode() & 0o7777,
    }
}

impl LinuxFacts {
    /// Reads an interface's existence and flags from sysfs.
    fn read_interface(&self, name: &str) -> Option<InterfaceFacts> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return None;
        }
        let dir = self.sys_class_net.join(name);
        if !dir.exists() {
            return None;
        }
        let flags = std::fs::read_to_string(dir.join("flags"))
            .ok()
            .and_then(|s| u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok())
            .unwrap_or(IFF_MULTICAST);
        Some(InterfaceFacts {
            loopback: flags & IFF_LOOPBACK != 0,
            multicast: flags & IFF_MULTICAST != 0,
        })
    }
}

impl SystemFacts for LinuxFacts {
    fn interface(&self, name: &str) -> Option<InterfaceFacts> {
        if let Some(known) = self.interfaces.borrow().get(name) {
            return *known;
        }
        let facts = self.read_interface(name);
        self.interfaces.borrow_mut().insert(name.to_string(), facts);
        facts
    }

    fn user(&self, name: &str) -> Option<UserIds> {
        let fields = colon_file_fields(&self.passwd, name)?;
        Some(UserIds {
            uid: fields.get(2)?.parse().ok()?,
            gid: fields.get(3)?.parse().ok()?,
        })
    }

    fn group(&self, name: &str) -> Option<u32> {
        colon_file_fields(&self.group, name)?.get(2)?.parse().ok()
    }

    fn symlink_metadata(&self, path: &str) -> Option<FileMeta> {
        std::fs::symlink_metadata(path).ok().map(|m| file_meta(&m))
    }

    fn metadata(&self, path: &str) -> Option<FileMeta> {
        std::fs::metadata(path).ok().map(|m| file_meta(&m))
    }

    fn find_in_path(&self, program: &str) -> Option<String> {
        if program.contains('/') {
            return None;
        }
        self.path_var
            .as_deref()?
            .split(':')
            .filter(|d| !d.is_empty())
            .find_map(|dir| {
                let candidate = Path::new(dir).join(program);
                let meta = std::fs::metadata(&candidate).ok()?;
                (meta.is_file() && meta.mode() & 0o111 != 0)
                    .then(|| candidate.to_string_lossy().into_owned())
            })
    }

    fn canonicalize(&self, path: &str) -> Option<String> {
        std::fs::canonicalize(path)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("holdfast-facts-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn interfaces_and_their_flags_come_from_sysfs() {
        let dir = scratch("net");
        fs::create_dir(dir.join("eth0")).unwrap();
        fs::write(dir.join("eth0/flags"), "0x1003\n").unwrap();
        fs::create_dir(dir.join("lo")).unwrap();
        fs::write(dir.join("lo/flags"), "0x9\n").unwrap();
        let facts = LinuxFacts::with_roots(&dir, "/nonexistent", None);
        assert_eq!(
            facts.interface("eth0"),
            Some(InterfaceFacts {
                loopback: false,
                multicast: true
            })
        );
        assert_eq!(
            facts.interface("lo"),
            Some(InterfaceFacts {
                loopback: true,
                multicast: false
            })
        );
        assert_eq!(facts.interface("eth1"), None);
        assert_eq!(facts.interface(".."), None);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn accounts_come_from_passwd_and_group() {
        let dir = scratch("etc");
        fs::write(dir.join("passwd"), "root:x:0:0:root:/root:/bin/sh\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\nbroken\n").unwrap();
        fs::write(dir.join("group"), "root:x:0:\nkeepalived_script:x:997:\n").unwrap();
        let facts = LinuxFacts::with_roots("/nonexistent", &dir, None);
        assert_eq!(
            facts.user("keepalived_script"),
            Some(UserIds { uid: 998, gid: 997 })
        );
        assert_eq!(facts.user("broken"), None);
        assert_eq!(facts.user("nobody-here"), None);
        assert_eq!(facts.group("keepalived_script"), Some(997));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn file_metadata_and_path_lookup() {
        let dir = scratch("files");
        let script = dir.join("check.sh");
        fs::write(&script, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o750)).unwrap();
        std::os::unix::fs::symlink(&script, dir.join("link")).unwrap();
        let facts = LinuxFacts::with_roots(
            "/nonexistent",
            "/nonexistent",
            Some(&format!("/nonexistent:{}", dir.display())),
        );
        let s = script.to_str().unwrap();
        let meta = facts.metadata(s).unwrap();
        assert_eq!((meta.kind, meta.mode), (FileKind::File, 0o750));
        let link = dir.join("link");
        assert_eq!(
            facts.symlink_metadata(link.to_str().unwrap()).unwrap().kind,
            FileKind::Symlink
        );
        assert_eq!(
            facts.metadata(link.to_str().unwrap()).unwrap().kind,
            FileKind::File
        );
        assert_eq!(facts.find_in_path("check.sh").as_deref(), Some(s));
        assert_eq!(facts.find_in_path("missing"), None);
        assert_eq!(
            facts.canonicalize(link.to_str().unwrap()).as_deref(),
            fs::canonicalize(&script).unwrap().to_str()
        );
        assert_eq!(facts.metadata("/nonexistent/x"), None);
        fs::remove_dir_all(dir).unwrap();
    }
}
