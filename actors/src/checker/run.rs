//! One probe round for one checker: turn the configured checker into port calls, bound each call
//! with the clock, and judge the answers (status ranges, digest, exit status) into an
//! [`Outcome`].

use crate::ports::clock::Clock;
use crate::ports::probe::{
    host_header, HttpGet, Probe, ScriptRun, TcpTarget, TlsOptions, SCRIPT_KILL_GRACE,
};
use futures_lite::FutureExt;
use holdfast_core::checker::{misc_outcome, CheckerPlan, Outcome, RealServerRef, ScriptExit};
use holdfast_core::config::model::{CheckerKind, Connection, HttpCheck};
use holdfast_core::time::Duration;
use std::future::Future;
use std::net::SocketAddr;

/// The clock's extra allowance over a network call's own timeout, so the port's answer (with
/// its reason) normally wins the race.
pub(crate) const CLOCK_SLACK: Duration = Duration::from_millis(200);

/// Runs `fut` until the clock reaches `budget` from now; `None` if it did first.
pub(crate) async fn bounded<C: Clock, T>(
    clock: &C,
    budget: Duration,
    fut: impl Future<Output = T>,
) -> Option<T> {
    let deadline = clock.now() + budget;
    async { Some(fut.await) }
        .or(async {
            clock.sleep_until(deadline).await;
            None
        })
        .await
}

/// Runs a script, bounded by its timeout plus the kill grace.
pub(crate) async fn run_script<P: Probe, C: Clock>(
    port: &P,
    clock: &C,
    run: &ScriptRun,
) -> ScriptExit {
    let budget = run.timeout + SCRIPT_KILL_GRACE + CLOCK_SLACK;
    bounded(clock, budget, port.run_script(run))
        .await
        .unwrap_or(ScriptExit::TimedOut)
}

fn target(conn: &Connection, rs: &RealServerRef, timeout: Duration) -> TcpTarget {
    let port = conn.connect_port.or(rs.port).unwrap_or(0);
    let bind = match (conn.bindto, conn.bind_port) {
        (Some(ip), p) => Some(SocketAddr::new(ip, p.unwrap_or(0))),
        (None, Some(p)) => Some(SocketAddr::new(unspecified_like(conn.connect_ip), p)),
        (None, None) => None,
    };
    TcpTarget {
        addr: SocketAddr::new(conn.connect_ip, port),
        bind,
        bind_if: conn.bind_if.clone(),
        fwmark: conn.fwmark,
        timeout,
    }
}

fn unspecified_like(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
        std::net::IpAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
    }
}

async fn http_round<P: Probe, C: Clock>(
    port: &P,
    clock: &C,
    h: &HttpCheck,
    rs: &RealServerRef,
    timeout: Duration,
) -> Outcome {
    let target = target(&h.connection, rs, timeout);
    for url in &h.urls {
        let vhost = url.virtualhost.as_ref().or(h.virtualhost.as_ref());
        let get = HttpGet {
            target: target.clone(),
            tls: h.tls.then(|| TlsOptions {
                sni: vhost.filter(|_| h.enable_sni).cloned(),
            }),
            path: url.path.clone(),
            host: vhost.cloned().unwrap_or_else(|| host_header(&target.addr)),
            protocol: h.http_protocol,
        };
        let answer = bounded(clock, timeout + CLOCK_SLACK, port.http_get(&get)).await;
        let passed = match answer {
            Some(Ok(resp)) => {
                url.accepts(resp.status) && url.digest.is_none_or(|d| d == resp.digest)
            }
            Some(Err(_)) | None => false,
        };
        if !passed {
            return Outcome::Failure;
        }
    }
    Outcome::Success
}

/// Runs one probe round of `plan` against real server `rs`.
pub(crate) async fn run_check<P: Probe, C: Clock>(
    port: &P,
    clock: &C,
    plan: &CheckerPlan,
    rs: &RealServerRef,
) -> Outcome {
    match &plan.kind {
        CheckerKind::Tcp(conn) => {
            let target = target(conn, rs, plan.timeout);
            match bounded(clock, plan.timeout + CLOCK_SLACK, port.tcp_connect(&target)).await {
                Some(Ok(())) => Outcome::Success,
                Some(Err(_)) | None => Outcome::Failure,
            }
        }
        CheckerKind::Http(h) => http_round(port, clock, h, rs, plan.timeout).await,
        CheckerKind::Misc(m) => {
            let run = ScriptRun {
                args: m.path.args.clone(),
                user: plan.user.clone(),
                timeout: plan.timeout,
            };
            misc_outcome(run_script(port, clock, &run).await, m.dynamic)
        }
    }
}
