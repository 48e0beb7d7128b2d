//! SSL_GET against a real local TLS server with a certificate generated in the test: any
//! certificate is accepted (as keepalived does), SNI only with `enable_sni`, and a peer that
//! does not speak TLS fails the handshake.

mod probe_support;

use holdfast_actors::ports::probe::{Probe, ProbeError, TlsOptions};
use holdfast_linux::probe::LinuxProbe;
use probe_support::*;
use smol::block_on;

fn probe() -> LinuxProbe {
    LinuxProbe::new().expect("TLS configurations")
}

#[test]
fn self_signed_servers_answer_with_status_and_digest() {
    let p = probe();
    let server = start("127.0.0.1:0", Some(tls_config()));
    server.set(|a| {
        a.status = 201;
        a.body = b"over tls".to_vec();
    });
    let tls = Some(TlsOptions { sni: None });
    let r = block_on(p.http_get(&get(server.addr, "/tls", tls, 3000))).expect("answer");
    assert_eq!((r.status, r.digest), (201, md5(b"over tls")));
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].0.starts_with("GET /tls HTTP/1.0\r\n"));
    assert_eq!(seen[0].1, None, "no SNI without enable_sni");
    if has_ipv6_loopback() {
        let v6 = start("[::1]:0", Some(tls_config()));
        let r = block_on(p.http_get(&get(v6.addr, "/", Some(TlsOptions { sni: None }), 3000)));
        assert_eq!(r.map(|r| r.status), Ok(200));
    }
}

#[test]
fn sni_is_sent_when_enabled() {
    let p = probe();
    let server = start("127.0.0.1:0", Some(tls_config()));
    let tls = Some(TlsOptions {
        sni: Some("www.example.com".into()),
    });
    let mut g = get(server.addr, "/", tls, 3000);
    g.host = "www.example.com".into();
    assert_eq!(block_on(p.http_get(&g)).map(|r| r.status), Ok(200));
    let seen = server.requests();
    assert_eq!(seen[0].1.as_deref(), Some("www.example.com"));
    assert!(seen[0].0.contains("\r\nHost: www.example.com\r\n"));
}

#[test]
fn handshake_failures() {
    let p = probe();
    // A plain HTTP server on the SSL_GET port, answering the ClientHello with a 400.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let t = std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut c, _)) = listener.accept() {
            let mut hello = [0u8; 512];
            let _ = c.read(&mut hello);
            let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        }
    });
    let r = block_on(p.http_get(&get(addr, "/", Some(TlsOptions { sni: None }), 2000)));
    assert!(matches!(r, Err(ProbeError::Tls(_))), "{r:?}");
    let _ = t.join();
    // A server that accepts and closes at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let t = std::thread::spawn(move || {
        if let Ok((c, _)) = listener.accept() {
            drop(c);
        }
    });
    let r = block_on(p.http_get(&get(addr, "/", Some(TlsOptions { sni: None }), 2000)));
    assert!(r.is_err(), "{r:?}");
    let _ = t.join();
    // A TLS server that is too slow to answer the handshake costs the timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let t = std::thread::spawn(move || {
        if let Ok((c, _)) = listener.accept() {
            std::thread::sleep(std::time::Duration::from_millis(1200));
            drop(c);
        }
    });
    let started = std::time::Instant::now();
    let r = block_on(p.http_get(&get(addr, "/", Some(TlsOptions { sni: None }), 400)));
    assert_eq!(r, Err(ProbeError::Timeout));
    assert!(started.elapsed().as_millis() < 1100);
    let _ = t.join();
}
