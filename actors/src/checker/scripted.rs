//! [`ScriptedProbe`]: an in-memory [`Probe`] whose answers the test sets per target, including
//! answers that never come (a hung server or script), and which records every call. Like
//! `FakeClock` it is part of the public API so tests in other crates can drive the actors.

use crate::ports::probe::{HttpGet, HttpResponse, Probe, ProbeError, ScriptRun, TcpTarget};
use holdfast_core::checker::ScriptExit;
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;

/// How a TCP target answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetBehaviour {
    Accept,
    Refuse,
    /// Never answers (the caller's timeout must end the call).
    Hang,
}

/// How an HTTP target answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpBehaviour {
    Respond(HttpResponse),
    Fail(ProbeError),
    Hang,
}

/// How a script ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptBehaviour {
    Exit(ScriptExit),
    Hang,
}

/// One call the probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeCall {
    Tcp(SocketAddr),
    Http(SocketAddr, String),
    Script(Vec<String>),
    Read(String),
}

#[derive(Debug, Default)]
struct Inner {
    tcp: HashMap<SocketAddr, NetBehaviour>,
    http: HashMap<(SocketAddr, String), HttpBehaviour>,
    scripts: HashMap<String, ScriptBehaviour>,
    files: HashMap<String, i64>,
    calls: Vec<ProbeCall>,
}

/// A probe answering as told. Clones share one set of answers. Unset targets refuse, unset
/// scripts fail to spawn, unset files are missing.
#[derive(Debug, Clone, Default)]
pub struct ScriptedProbe {
    inner: Rc<RefCell<Inner>>,
}

impl ScriptedProbe {
    /// A probe with no answers set.
    pub fn new() -> Self {
        ScriptedProbe::default()
    }

    /// Sets how `addr` answers TCP connects.
    pub fn set_tcp(&self, addr: SocketAddr, b: NetBehaviour) {
        self.inner.borrow_mut().tcp.insert(addr, b);
    }

    /// Sets how `addr` answers GETs of `path`.
    pub fn set_http(&self, addr: SocketAddr, path: &str, b: HttpBehaviour) {
        self.inner
            .borrow_mut()
            .http
            .insert((addr, path.to_string()), b);
    }

    /// Sets how the script whose arguments joined by spaces are `command` ends.
    pub fn set_script(&self, command: &str, b: ScriptBehaviour) {
        self.inner
            .borrow_mut()
            .scripts
            .insert(command.to_string(), b);
    }

    /// Sets the number in file `path` (`None`: missing).
    pub fn set_file(&self, path: &str, value: Option<i64>) {
        let mut inner = self.inner.borrow_mut();
        match value {
            Some(v) => inner.files.insert(path.to_string(), v),
            None => inner.files.remove(path),
        };
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<ProbeCall> {
        self.inner.borrow().calls.clone()
    }

    /// Forgets the calls so far.
    pub fn clear_calls(&self) {
        self.inner.borrow_mut().calls.clear();
    }
}

impl Probe for ScriptedProbe {
    async fn tcp_connect(&self, target: &TcpTarget) -> Result<(), ProbeError> {
        let b = {
            let mut inner = self.inner.borrow_mut();
            inner.calls.push(ProbeCall::Tcp(target.addr));
            inner.tcp.get(&target.addr).cloned()
        };
        match b {
            Some(NetBehaviour::Accept) => Ok(()),
            Some(NetBehaviour::Hang) => std::future::pending().await,
            Some(NetBehaviour::Refuse) | None => Err(ProbeError::Refused),
        }
    }

    async fn http_get(&self, get: &HttpGet) -> Result<HttpResponse, ProbeError> {
        let key = (get.target.addr, get.path.clone());
        let b = {
            let mut inner = self.inner.borrow_mut();
            inner.calls.push(ProbeCall::Http(key.0, key.1.clone()));
            inner.http.get(&key).cloned()
        };
        match b {
            Some(HttpBehaviour::Respond(r)) => Ok(r),
            Some(HttpBehaviour::Fail(e)) => Err(e),
            Some(HttpBehaviour::Hang) => std::future::pending().await,
            None => Err(ProbeError::Refused),
        }
    }

    async fn run_script(&self, run: &ScriptRun) -> ScriptExit {
        let b = {
            let mut inner = self.inner.borrow_mut();
            inner.calls.push(ProbeCall::Script(run.args.clone()));
            inner.scripts.get(&run.args.join(" ")).copied()
        };
        match b {
            Some(ScriptBehaviour::Exit(e)) => e,
            Some(ScriptBehaviour::Hang) => std::future::pending().await,
            None => ScriptExit::SpawnFailed,
        }
    }

    async fn read_number(&self, path: &str) -> Option<i64> {
        let mut inner = self.inner.borrow_mut();
        inner.calls.push(ProbeCall::Read(path.to_string()));
        inner.files.get(path).copied()
    }
}
