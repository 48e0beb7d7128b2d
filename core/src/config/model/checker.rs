//! Health checkers inside a `real_server`: `TCP_CHECK`, `HTTP_GET`, `SSL_GET`, `MISC_CHECK`.

use super::{Command, ScriptUser};
use crate::time::Duration;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;
use serde::{Deserialize, Serialize};

/// One checker with its timing resolved (checker, then real server, then virtual server, then
/// the checker type's default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checker {
    pub kind: CheckerKind,
    /// `retry` / `nb_get_retry`: failures tolerated before the server is down
    /// (default 1; 0 for MISC_CHECK).
    pub retry: u32,
    /// `delay_before_retry` (default 1 s; 3 s for HTTP_GET/SSL_GET).
    pub delay_before_retry: Duration,
    /// `warmup` (default: `delay_loop`): random delay before the first check.
    pub warmup: Duration,
    /// `delay_loop` (default: the real server's, else the virtual server's, 60 s).
    pub delay_loop: Duration,
    /// `alpha` (default: the real server's).
    pub alpha: bool,
    /// `log_all_failures`.
    pub log_all_failures: bool,
}

/// What a checker does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckerKind {
    /// `TCP_CHECK`: a TCP connect.
    Tcp(Connection),
    /// `HTTP_GET` (`tls: false`) or `SSL_GET` (`tls: true`).
    Http(HttpCheck),
    /// `MISC_CHECK`: run a command; exit 0 is up.
    Misc(MiscCheck),
}

impl CheckerKind {
    /// The keepalived block keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            CheckerKind::Tcp(_) => "TCP_CHECK",
            CheckerKind::Http(h) if h.tls => "SSL_GET",
            CheckerKind::Http(_) => "HTTP_GET",
            CheckerKind::Misc(_) => "MISC_CHECK",
        }
    }
}

/// Where and how a network checker connects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// `connect_ip` (default: the real server's address).
    pub connect_ip: IpAddr,
    /// `connect_port` (default: the real server's port).
    pub connect_port: Option<u16>,
    /// `bindto`: source address.
    pub bindto: Option<IpAddr>,
    /// `bind_port`: source port.
    pub bind_port: Option<u16>,
    /// `bind_if`: source interface (needed for IPv6 link-local targets).
    pub bind_if: Option<String>,
    /// `connect_timeout` (default: the real server's, else the virtual server's, 5 s).
    pub connect_timeout: Duration,
    /// `fwmark`: SO_MARK on the checker's socket.
    pub fwmark: Option<u32>,
}

/// `HTTP_GET { url { … } … }` / `SSL_GET { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheck {
    pub connection: Connection,
    /// `SSL_GET`.
    pub tls: bool,
    pub urls: Vec<Url>,
    /// `virtualhost` (default: the real server's, else the virtual server's).
    pub virtualhost: Option<String>,
    /// `http_protocol 1.0|1.0C|1.1` (default 1.0).
    pub http_protocol: HttpProtocol,
    /// `enable_sni`.
    pub enable_sni: bool,
    /// `fast_recovery`.
    pub fast_recovery: bool,
}

/// HTTP version of the checker's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HttpProtocol {
    #[default]
    Http10,
    /// `1.0C`: 1.0 with `Connection: close`.
    Http10Close,
    Http11,
}

/// One `url { path …; digest …; status_code …; virtualhost … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Url {
    pub path: String,
    /// `digest`: MD5 of the body.
    pub digest: Option<[u8; 16]>,
    /// `status_code`: accepted ranges (default 200-299).
    pub status_codes: Vec<StatusRange>,
    /// `virtualhost` for this URL.
    pub virtualhost: Option<String>,
}

impl Url {
    /// Whether a response status passes.
    pub fn accepts(&self, status: u16) -> bool {
        self.status_codes
            .iter()
            .any(|r| (r.min..=r.max).contains(&status))
    }
}

/// An inclusive range of HTTP status codes within 100–599.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusRange {
    pub min: u16,
    pub max: u16,
}

/// `MISC_CHECK { misc_path …; misc_timeout …; misc_dynamic; user … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiscCheck {
    pub path: Command,
    /// `misc_timeout` (default: the checker's `delay_loop`).
    pub timeout: Duration,
    /// `misc_dynamic`: exit codes 2–255 set the weight to code − 2.
    pub dynamic: bool,
    pub user: Option<ScriptUser>,
}
