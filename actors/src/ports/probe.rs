//! The probe port: what the checker and tracker actors ask of the OS. A TCP connect, one HTTP(S)
//! GET, one script run, and reading a `track_file`'s number. The Linux implementation is
//! `holdfast_linux::probe`; tests use [`ScriptedProbe`](crate::checker::ScriptedProbe).
//!
//! Guarantees every implementation gives:
//! - **Bounded time.** Each network call returns within its request's `timeout`. A script run
//!   returns within its `timeout` plus [`SCRIPT_KILL_GRACE`]. The actors bound every call with
//!   their clock too, so a port that breaks this costs a timeout, never a stalled actor.
//! - **Nothing left behind.** A finished or dropped call has closed its socket. A script's whole
//!   process group has been killed (SIGTERM at the timeout, SIGKILL [`SCRIPT_KILL_GRACE`] later,
//!   or SIGKILL at once when the future is dropped) and the child has been reaped, or handed to a
//!   reaper that will reap it.
//! - **No judgement.** The port reports what it saw (status code, body digest, exit status);
//!   the actors decide what passes.
//!
//! Futures are not `Send`: the daemon runs its actors on one `LocalExecutor`.

use holdfast_core::checker::ScriptExit;
use holdfast_core::config::model::{HttpProtocol, ScriptUser};
use holdfast_core::time::Duration;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};

/// How long a script gets between SIGTERM and SIGKILL (keepalived waits 2 s).
pub const SCRIPT_KILL_GRACE: Duration = Duration::from_secs(2);

/// Where and how to open a TCP connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpTarget {
    /// `connect_ip`:`connect_port`, else the real server's address and port.
    pub addr: SocketAddr,
    /// `bindto` with `bind_port` (port 0: any).
    pub bind: Option<SocketAddr>,
    /// `bind_if`: SO_BINDTODEVICE (needed for IPv6 link-local targets).
    pub bind_if: Option<String>,
    /// `fwmark`: SO_MARK.
    pub fwmark: Option<u32>,
    /// `connect_timeout`: for the connect, and for a whole GET on top of it.
    pub timeout: Duration,
}

/// One HTTP GET (`HTTP_GET` / `SSL_GET`, one `url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGet {
    pub target: TcpTarget,
    /// TLS settings for SSL_GET; `None` for plain HTTP.
    pub tls: Option<TlsOptions>,
    /// The request path.
    pub path: String,
    /// The `Host:` header (the `virtualhost`, else the target address).
    pub host: String,
    pub protocol: HttpProtocol,
}

/// TLS settings. The server's certificate is not verified, as keepalived's SSL_GET does not
/// verify it by default: the check is about the service answering, not about trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// Send this name in SNI (`enable_sni`); `None`: no SNI.
    pub sni: Option<String>,
}

/// What a GET returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status line's code.
    pub status: u16,
    /// MD5 of the body (every byte after the header, to the end of the stream or
    /// `Content-Length`).
    pub digest: [u8; 16],
}

/// One script to run (MISC_CHECK, vrrp_script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRun {
    /// Program and arguments; never run through a shell.
    pub args: Vec<String>,
    /// Run as this user and group; `None`: as the daemon.
    pub user: Option<ScriptUser>,
    /// SIGTERM after this long.
    pub timeout: Duration,
}

/// Why a network probe failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// No answer within the timeout (connect, TLS handshake, request or response).
    Timeout,
    /// The connection was refused or reset.
    Refused,
    /// The TLS handshake failed.
    Tls(String),
    /// The answer is not HTTP.
    BadResponse,
    /// Any other socket error, with the call that failed.
    Io { call: &'static str, errno: i32 },
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Timeout => f.write_str("timeout"),
            ProbeError::Refused => f.write_str("connection refused"),
            ProbeError::Tls(e) => write!(f, "TLS: {e}"),
            ProbeError::BadResponse => f.write_str("not an HTTP response"),
            ProbeError::Io { call, errno } => write!(f, "{call}: errno {errno}"),
        }
    }
}

impl std::error::Error for ProbeError {}

/// The probes an actor can run.
pub trait Probe {
    /// Opens a TCP connection to `target` and closes it again.
    fn tcp_connect(&self, target: &TcpTarget) -> impl Future<Output = Result<(), ProbeError>>;

    /// Sends one GET and reads the whole answer.
    fn http_get(&self, get: &HttpGet) -> impl Future<Output = Result<HttpResponse, ProbeError>>;

    /// Runs a script to its end or its timeout (see the module doc for the kill sequence).
    fn run_script(&self, run: &ScriptRun) -> impl Future<Output = ScriptExit>;

    /// The number in a `track_file`, read as keepalived reads it
    /// (`holdfast_core::checker::track_file_number`: `strtol` base 0 over the first 127 bytes,
    /// no digits read as 0); `None` when the file is missing or unreadable (keepalived then
    /// uses 0 too).
    fn read_number(&self, path: &str) -> impl Future<Output = Option<i64>>;
}

/// The address part of a target, for `Host:` when no virtualhost is set.
pub fn host_header(addr: &SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(a) => format!("[{a}]:{}", addr.port()),
        IpAddr::V4(a) => format!("{a}:{}", addr.port()),
    }
}
