//! `LinuxProbe` against real local servers: TCP connects (IPv4 and IPv6, bindto, closed port,
//! a connect that never completes), HTTP GETs (status, digest, request bytes, Content-Length,
//! slow server, killed server), and the checker actor end to end over real sockets.

mod probe_support;

use holdfast_actors::ports::probe::{Probe, ProbeError};
use holdfast_linux::probe::LinuxProbe;
use probe_support::*;
use smol::block_on;
use std::net::SocketAddr;
use std::time::Instant;

fn probe() -> LinuxProbe {
    LinuxProbe::new().expect("TLS configurations")
}

#[test]
fn tcp_connects_and_refusals() {
    let p = probe();
    let server = start("127.0.0.1:0", None);
    assert_eq!(block_on(p.tcp_connect(&target(server.addr, 1000))), Ok(()));
    let closed = closed_port("127.0.0.1");
    assert_eq!(
        block_on(p.tcp_connect(&target(closed, 1000))),
        Err(ProbeError::Refused)
    );
    if has_ipv6_loopback() {
        let v6 = start("[::1]:0", None);
        assert_eq!(block_on(p.tcp_connect(&target(v6.addr, 1000))), Ok(()));
        let closed = closed_port("::1");
        assert_eq!(
            block_on(p.tcp_connect(&target(closed, 1000))),
            Err(ProbeError::Refused)
        );
    }
}

#[test]
fn tcp_bindto_sets_the_source() {
    let p = probe();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let free = closed_port("127.0.0.1");
    let mut t = target(listener.local_addr().expect("address"), 1000);
    t.bind = Some(free);
    assert_eq!(block_on(p.tcp_connect(&t)), Ok(()));
    let (_conn, peer) = listener.accept().expect("accepted");
    assert_eq!(peer, free);
}

#[test]
fn a_connect_that_never_completes_costs_its_timeout() {
    // A listener with a full accept queue drops further SYNs: the connect hangs.
    use rustix::net::{AddressFamily, SocketType};
    let fd = rustix::net::socket(AddressFamily::INET, SocketType::STREAM, None).expect("socket");
    let any: SocketAddr = "127.0.0.1:0".parse().expect("address");
    rustix::net::bind(&fd, &any).expect("bind");
    rustix::net::listen(&fd, 0).expect("listen");
    let addr =
        SocketAddr::try_from(rustix::net::getsockname(&fd).expect("name")).expect("inet address");
    // Fill the queue (backlog 0 admits one, sometimes two).
    let _fill: Vec<_> = (0..3)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200)).ok()
        })
        .collect();
    let p = probe();
    let started = Instant::now();
    assert_eq!(
        block_on(p.tcp_connect(&target(addr, 400))),
        Err(ProbeError::Timeout)
    );
    let took = started.elapsed().as_millis();
    assert!((390..1500).contains(&took), "took {took} ms");
}

#[test]
fn http_status_digest_and_request() {
    let p = probe();
    let server = start("127.0.0.1:0", None);
    let r = block_on(p.http_get(&get(server.addr, "/health", None, 2000))).expect("answer");
    assert_eq!(r.status, 200);
    assert_eq!(r.digest, md5(b"hello from the real server\n"));
    server.set(|a| {
        a.status = 503;
        a.body = b"busy".to_vec();
    });
    let r = block_on(p.http_get(&get(server.addr, "/health", None, 2000))).expect("answer");
    assert_eq!((r.status, r.digest), (503, md5(b"busy")));
    let heads = server.requests();
    assert_eq!(
        heads.first().map(|h| h.0.clone()),
        Some(format!(
            "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:{}\r\n\r\n",
            server.addr.port()
        ))
    );
}

#[test]
fn content_length_ends_the_body_on_a_connection_left_open() {
    let p = probe();
    let server = start("127.0.0.1:0", None);
    server.set(|a| a.keep_open = true);
    let started = Instant::now();
    let r = block_on(p.http_get(&get(server.addr, "/", None, 3000))).expect("answer");
    assert_eq!(r.digest, md5(b"hello from the real server\n"));
    assert!(
        started.elapsed().as_millis() < 1000,
        "did not wait for the close"
    );
}

#[test]
fn slow_killed_and_closed_servers() {
    let p = probe();
    let mut server = start("127.0.0.1:0", None);
    server.set(|a| a.delay = std::time::Duration::from_millis(1500));
    let started = Instant::now();
    assert_eq!(
        block_on(p.http_get(&get(server.addr, "/", None, 500))),
        Err(ProbeError::Timeout)
    );
    let took = started.elapsed().as_millis();
    assert!((490..1400).contains(&took), "took {took} ms");
    server.kill();
    assert_eq!(
        block_on(p.http_get(&get(server.addr, "/", None, 500))),
        Err(ProbeError::Refused)
    );
    // Not HTTP at all.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let t = std::thread::spawn(move || {
        use std::io::Write;
        if let Ok((mut c, _)) = listener.accept() {
            let _ = c.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\r\n");
        }
    });
    assert_eq!(
        block_on(p.http_get(&get(addr, "/", None, 1000))),
        Err(ProbeError::BadResponse)
    );
    let _ = t.join();
}
