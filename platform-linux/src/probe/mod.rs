//! The probe port on Linux: TCP connects, HTTP/HTTPS GETs and script runs for the checker and
//! tracker actors ([`holdfast_actors::ports::probe`]).
//!
//! Every call is asynchronous on smol's reactor, so a slow server or script costs its own
//! timeout and never stalls the executor. Sockets are non-blocking and closed when the call
//! ends or is dropped. Scripts run in their own process group, as their configured user, with
//! stdin/stdout/stderr on `/dev/null`; at the timeout the group gets SIGTERM, and SIGKILL 2 s
//! later (keepalived's sequence). Every child is reaped, by this module or, for a dropped call,
//! by `async-process`'s reaper after the group was killed.
//!
//! SSL_GET does not verify the server's certificate, as keepalived's SSL_GET does not by default
//! (see [`tls`]); it checks that the service answers, not who it is.

mod http;
mod script;
mod sys;
mod tcp;
pub mod tls;

use holdfast_actors::ports::probe::{
    HttpGet, HttpResponse, Probe, ProbeError, ScriptRun, TcpTarget,
};
use holdfast_core::checker::ScriptExit;
use std::os::unix::fs::OpenOptionsExt as _;
use std::sync::Arc;

/// The Linux probe. Cheap to clone; clones share the TLS configurations.
#[derive(Debug, Clone)]
pub struct LinuxProbe {
    tls: Arc<tls::TlsConfigs>,
}

impl LinuxProbe {
    /// A probe with its TLS client configurations built once (see [`tls::TlsConfigs::new`]).
    pub fn new() -> Result<Self, rustls::Error> {
        Ok(LinuxProbe {
            tls: Arc::new(tls::TlsConfigs::new()?),
        })
    }
}

impl Probe for LinuxProbe {
    async fn tcp_connect(&self, target: &TcpTarget) -> Result<(), ProbeError> {
        tcp::with_timeout(target.timeout, tcp::connect(target))
            .await
            .map(drop)
    }

    async fn http_get(&self, get: &HttpGet) -> Result<HttpResponse, ProbeError> {
        tcp::with_timeout(get.target.timeout, http::get(get, &self.tls)).await
    }

    async fn run_script(&self, run: &ScriptRun) -> ScriptExit {
        script::run(run).await
    }

    async fn read_number(&self, path: &str) -> Option<i64> {
        use std::io::Read as _;
        // A track_file is a few bytes, usually on tmpfs: read it in place, as keepalived does
        // (non-blocking open, one read of at most 127 bytes; a FIFO never stalls the tracker).
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(path)
            .ok()?;
        let mut buf = [0u8; holdfast_core::checker::TRACK_FILE_READ];
        let len = file.read(&mut buf).ok()?;
        Some(holdfast_core::checker::track_file_number(
            buf.get(..len).unwrap_or_default(),
        ))
    }
}
