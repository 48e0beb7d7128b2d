//! What validation needs to know about the running system, as a trait the platform implements,
//! plus an in-memory [`FakeFacts`] for tests.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Facts about the system a configuration will run on. Implementations answer from the live
/// system (netlink, `getpwnam`, `lstat`); the core never does I/O itself.
pub trait SystemFacts {
    /// The network interface called `name`, if it exists now.
    fn interface(&self, name: &str) -> Option<InterfaceFacts>;
    /// The uid and primary gid of user `name`, if the account exists.
    fn user(&self, name: &str) -> Option<UserIds>;
    /// The gid of group `name`, if it exists.
    fn group(&self, name: &str) -> Option<u32>;
    /// Metadata of `path` without following a final symbolic link (`lstat`).
    fn symlink_metadata(&self, path: &str) -> Option<FileMeta>;
    /// Metadata of `path`, following symbolic links (`stat`).
    fn metadata(&self, path: &str) -> Option<FileMeta>;
    /// The absolute path `PATH` lookup finds for a bare program name.
    fn find_in_path(&self, program: &str) -> Option<String>;
    /// `path` with symbolic links, `.` and `..` resolved (`realpath`), if it exists. keepalived
    /// checks the resolved path, so `/bin/true` on a merged-`/usr` system is judged as
    /// `/usr/bin/true`.
    fn canonicalize(&self, path: &str) -> Option<String>;
}

/// What validation needs to know about an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceFacts {
    /// `IFF_LOOPBACK`: keepalived refuses to run VRRP on it.
    pub loopback: bool,
    /// `IFF_MULTICAST`: without it only unicast instances work.
    pub multicast: bool,
}

/// A user's ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIds {
    pub uid: u32,
    pub gid: u32,
}

/// The kind of a file system object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Other,
}

/// Ownership and permission bits of a file system object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    pub kind: FileKind,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits including set-uid (0o4000), set-gid (0o2000) and sticky (0o1000).
    pub mode: u32,
}

/// An in-memory system: interfaces, accounts and files are whatever the test adds.
#[derive(Debug, Clone, Default)]
pub struct FakeFacts {
    interfaces: BTreeMap<String, InterfaceFacts>,
    users: BTreeMap<String, UserIds>,
    groups: BTreeMap<String, u32>,
    files: BTreeMap<String, FileMeta>,
    aliases: BTreeMap<String, String>,
    path: Vec<String>,
}

impl FakeFacts {
    /// An empty system: no interfaces, no users, no files.
    pub fn new() -> Self {
        Self::default()
    }

    /// A system with root, `/` and the usual root-owned directories, as a test's starting point.
    pub fn with_root() -> Self {
        Self::new()
            .user("root", 0, 0)
            .group("root", 0)
            .dir("/", 0, 0, 0o755)
            .path_dir("/usr/bin")
            .path_dir("/bin")
    }

    /// Adds a multicast-capable Ethernet-style interface.
    pub fn interface(mut self, name: &str) -> Self {
        self.interfaces.insert(
            name.to_string(),
            InterfaceFacts {
                loopback: false,
                multicast: true,
            },
        );
        self
    }

    /// Adds an interface with explicit flags.
    pub fn interface_with(mut self, name: &str, facts: InterfaceFacts) -> Self {
        self.interfaces.insert(name.to_string(), facts);
        self
    }

    /// Adds a user account.
    pub fn user(mut self, name: &str, uid: u32, gid: u32) -> Self {
        self.users.insert(name.to_string(), UserIds { uid, gid });
        self
    }

    /// Adds a group.
    pub fn group(mut self, name: &str, gid: u32) -> Self {
        self.groups.insert(name.to_string(), gid);
        self
    }

    /// Adds a directory (parents are not created).
    pub fn dir(mut self, path: &str, uid: u32, gid: u32, mode: u32) -> Self {
        self.files.insert(
            path.to_string(),
            FileMeta {
                kind: FileKind::Dir,
                uid,
                gid,
                mode,
            },
        );
        self
    }

    /// Adds a regular file (parents are not created).
    pub fn file(mut self, path: &str, uid: u32, gid: u32, mode: u32) -> Self {
        self.files.insert(
            path.to_string(),
            FileMeta {
                kind: FileKind::File,
                uid,
                gid,
                mode,
            },
        );
        self
    }

    /// Adds a root-owned 0755 script and any missing parent directories (root, 0755).
    pub fn root_script(mut self, path: &str) -> Self {
        let mut end = 0;
        while let Some(i) = path.get(end + 1..).and_then(|rest| rest.find('/')) {
            end += 1 + i;
            let dir = path.get(..end).unwrap_or("/");
            if !self.files.contains_key(dir) {
                self = self.dir(dir, 0, 0, 0o755);
            }
        }
        self.file(path, 0, 0, 0o755)
    }

    /// Makes `path` resolve to `real` (a symbolic link somewhere along it).
    pub fn alias(mut self, path: &str, real: &str) -> Self {
        self.aliases.insert(path.to_string(), real.to_string());
        self
    }

    /// Adds a directory searched for bare program names.
    pub fn path_dir(mut self, dir: &str) -> Self {
        self.path.push(dir.to_string());
        self
    }
}

impl SystemFacts for FakeFacts {
    fn interface(&self, name: &str) -> Option<InterfaceFacts> {
        self.interfaces.get(name).copied()
    }

    fn user(&self, name: &str) -> Option<UserIds> {
        self.users.get(name).copied()
    }

    fn group(&self, name: &str) -> Option<u32> {
        self.groups.get(name).copied()
    }

    fn symlink_metadata(&self, path: &str) -> Option<FileMeta> {
        self.files.get(path).copied()
    }

    fn metadata(&self, path: &str) -> Option<FileMeta> {
        let real = self.aliases.get(path).map_or(path, String::as_str);
        self.files.get(real).copied()
    }

    fn find_in_path(&self, program: &str) -> Option<String> {
        self.path.iter().find_map(|dir| {
            let full = alloc::format!("{}/{program}", dir.trim_end_matches('/'));
            self.metadata(&full)
                .filter(|m| m.kind == FileKind::File)
                .map(|_| full)
        })
    }

    fn canonicalize(&self, path: &str) -> Option<String> {
        let real = self.aliases.get(path).map_or(path, String::as_str);
        self.files.contains_key(real).then(|| real.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_script_creates_parents() {
        let f = FakeFacts::with_root().root_script("/etc/keepalived/check.sh");
        assert_eq!(f.metadata("/etc").map(|m| m.kind), Some(FileKind::Dir));
        assert_eq!(
            f.metadata("/etc/keepalived").map(|m| m.kind),
            Some(FileKind::Dir)
        );
        assert_eq!(
            f.metadata("/etc/keepalived/check.sh").map(|m| m.mode),
            Some(0o755)
        );
        let f = f.root_script("/usr/bin/pidof");
        assert_eq!(f.find_in_path("pidof").as_deref(), Some("/usr/bin/pidof"));
        assert_eq!(f.find_in_path("nope"), None);
    }
}
