//! The checker actor end to end on Linux: `LinuxProbe` and `SystemClock` against real local
//! servers started by the test (HTTP with a status the test flips, a TCP listener the test
//! kills) and a real MISC_CHECK script with `misc_dynamic`; each server's exact event sequence.

mod probe_support;

use futures_lite::FutureExt;
use holdfast_actors::checker::{CheckerActor, CheckerMsg, WarmupRng};
use holdfast_core::checker::{
    Anchor, CheckerEvent, CheckerPlan, EventCause, RealServerRef, ServerPlan, Timing,
    VirtualServerRef,
};
use holdfast_core::config::model::{
    CheckerKind, Command, Connection, HttpCheck, HttpProtocol, MiscCheck, StatusRange, Url,
    VirtualServiceKey,
};
use holdfast_core::time::Duration;
use holdfast_linux::probe::{LinuxProbe, SystemClock};
use probe_support::*;
use smol::LocalExecutor;
use std::net::SocketAddr;

fn conn(addr: SocketAddr) -> Connection {
    Connection {
        connect_ip: addr.ip(),
        connect_port: Some(addr.port()),
        bindto: None,
        bind_port: None,
        bind_if: None,
        connect_timeout: Duration::from_millis(500),
        fwmark: None,
    }
}

fn plan(addr: SocketAddr, kind: CheckerKind, anchor: Anchor) -> ServerPlan {
    ServerPlan {
        virtual_server: VirtualServerRef {
            index: 0,
            key: VirtualServiceKey::Address {
                addr: "192.0.2.1".parse().expect("address"),
                port: 80,
            },
        },
        real_server: RealServerRef {
            addr: addr.ip(),
            port: Some(addr.port()),
        },
        weight: 1,
        omega: false,
        checkers: vec![CheckerPlan {
            kind,
            timing: Timing {
                delay_loop: Duration::from_millis(200),
                delay_before_retry: Duration::from_millis(100),
                retry: 0,
                anchor,
            },
            alpha: false,
            warmup: Duration::ZERO,
            timeout: Duration::from_millis(500),
            user: None,
        }],
    }
}

/// (port, up, weight, notify, cause) per event.
type Seen = (u16, bool, Option<u32>, bool, EventCause);

fn seen(e: &CheckerEvent) -> Seen {
    (
        e.real_server.port.unwrap_or(0),
        e.up,
        e.weight,
        e.notify,
        e.cause,
    )
}

#[test]
fn real_servers_produce_exact_event_sequences() {
    let http = start("127.0.0.1:0", None);
    let mut tcp = start("127.0.0.1:0", None);
    let misc_port = closed_port("127.0.0.1");
    let http_kind = CheckerKind::Http(HttpCheck {
        connection: conn(http.addr),
        tls: false,
        urls: vec![Url {
            path: "/".into(),
            digest: Some(md5(b"hello from the real server\n")),
            status_codes: vec![StatusRange { min: 200, max: 200 }],
            virtualhost: None,
        }],
        virtualhost: None,
        http_protocol: HttpProtocol::Http10,
        enable_sni: false,
        fast_recovery: false,
    });
    let misc_kind = CheckerKind::Misc(MiscCheck {
        path: Command {
            args: vec!["/bin/sh".into(), "-c".into(), "exit 12".into()],
        },
        timeout: Duration::from_millis(500),
        dynamic: true,
        user: None,
    });
    let plans = vec![
        plan(http.addr, http_kind, Anchor::End),
        plan(tcp.addr, CheckerKind::Tcp(conn(tcp.addr)), Anchor::End),
        plan(misc_port, misc_kind, Anchor::Start),
    ];
    let (etx, erx) = smol::channel::bounded(64);
    let (itx, irx) = smol::channel::bounded(8);
    let probe = LinuxProbe::new().expect("TLS configurations");
    let actor = CheckerActor::new(
        plans,
        probe,
        SystemClock::new(),
        &mut WarmupRng::new(3),
        etx,
    );
    let ex = LocalExecutor::new();
    let wait = |ms| smol::Timer::after(std::time::Duration::from_millis(ms));
    let events: Vec<CheckerEvent> = smol::block_on(ex.run(async {
        let task = ex.spawn(actor.run(irx));
        // first probes at 1 s (BOOTSTRAP_DELAY)
        wait(1_500).await;
        http.set(|a| a.status = 503);
        wait(700).await;
        http.set(|a| a.status = 200);
        wait(700).await;
        http.set(|a| a.body = b"changed".to_vec());
        wait(700).await;
        http.set(|a| a.body = b"hello from the real server\n".to_vec());
        wait(700).await;
        tcp.kill();
        wait(700).await;
        itx.send(CheckerMsg::Shutdown).await.expect("inbox open");
        let counters = task.or(async {
            wait(3_000).await;
            panic!("the actor did not stop")
        });
        let counters = counters.await;
        assert!(counters.probes >= 3 * 5, "{counters:?}");
        let mut out = Vec::new();
        while let Ok(e) = erx.try_recv() {
            out.push(e);
        }
        out
    }));
    let per =
        |port: u16| -> Vec<Seen> { events.iter().map(seen).filter(|s| s.0 == port).collect() };
    use EventCause::{Checked, Initial};
    let h = http.addr.port();
    assert_eq!(
        per(h),
        vec![
            (h, true, None, false, Initial),
            // wrong status
            (h, false, None, true, Checked),
            (h, true, None, true, Checked),
            // wrong digest
            (h, false, None, true, Checked),
            (h, true, None, true, Checked),
        ]
    );
    let t = tcp.addr.port();
    assert_eq!(
        per(t),
        vec![
            (t, true, None, false, Initial),
            (t, false, None, true, Checked)
        ]
    );
    let m = misc_port.port();
    assert_eq!(
        per(m),
        vec![
            (m, true, None, false, Initial),
            // exit 12 with misc_dynamic: weight 10, health unchanged so no notify
            (m, true, Some(10), false, Checked),
        ]
    );
}
