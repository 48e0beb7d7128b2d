//! Checker soak: the checker actor with the Linux probe against N real local servers, every
//! server checked every second, for a set time; prints the process's RSS, open descriptors and
//! child processes at the start and the end, and the CPU seconds used.
//!
//! `checker_soak serve N` is the server side (run as a child process so its sockets and memory
//! are not counted): N listeners on 127.0.0.1 ephemeral ports answering HTTP/1.0, one line of
//! ports on stdout. The checker side uses half the ports for TCP_CHECK and half for HTTP_GET
//! (with a digest), plus `--misc M` MISC_CHECK scripts (`/bin/true`).
//!
//! Usage: checker_soak [--servers N] [--seconds S] [--misc M]

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use holdfast_actors::checker::{CheckerActor, CheckerMsg, WarmupRng};
use holdfast_core::checker::{
    Anchor, CheckerPlan, RealServerRef, ServerPlan, Timing, VirtualServerRef,
};
use holdfast_core::config::model::{
    CheckerKind, Command, Connection, HttpCheck, HttpProtocol, MiscCheck, StatusRange, Url,
    VirtualServiceKey,
};
use holdfast_core::time::Duration;
use holdfast_linux::probe::{LinuxProbe, SystemClock};
use md5::Digest;
use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command as Proc, Stdio};

const BODY: &[u8] = b"soak body\n";

/// Counts the bytes allocated and not yet freed, so a leak (live heap growing) can be told from
/// allocator fragmentation (RSS growing while the live heap does not).
struct Counting;

static LIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_kib() -> usize {
    LIVE.load(std::sync::atomic::Ordering::Relaxed) / 1024
}

fn serve(n: usize) -> Result<(), String> {
    let ex = smol::LocalExecutor::new();
    let mut ports = Vec::new();
    for _ in 0..n {
        let l = smol::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .now_or_never_ok()
            .ok_or("bind")?;
        ports.push(l.local_addr().map_err(|e| e.to_string())?.port());
        ex.spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    continue;
                };
                smol::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = s.read(&mut buf).await;
                    let mut out = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
                    out.extend_from_slice(BODY);
                    let _ = s.write_all(&out).await;
                })
                .detach();
            }
        })
        .detach();
    }
    let line: Vec<String> = ports.iter().map(u16::to_string).collect();
    println!("{}", line.join(" "));
    smol::block_on(ex.run(std::future::pending::<()>()));
    Ok(())
}

trait NowOrNever<T> {
    fn now_or_never_ok(self) -> Option<T>;
}

impl<F: std::future::Future<Output = std::io::Result<T>>, T> NowOrNever<T> for F {
    fn now_or_never_ok(self) -> Option<T> {
        smol::block_on(self).ok()
    }
}

fn conn(port: u16) -> Connection {
    Connection {
        connect_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        connect_port: Some(port),
        bindto: None,
        bind_port: None,
        bind_if: None,
        connect_timeout: Duration::from_secs(2),
        fwmark: None,
    }
}

fn server(i: usize, port: u16, kind: CheckerKind) -> ServerPlan {
    let anchor = match kind {
        CheckerKind::Misc(_) => Anchor::Start,
        _ => Anchor::End,
    };
    ServerPlan {
        virtual_server: VirtualServerRef {
            index: u32::try_from(i / 100).unwrap_or(0),
            key: VirtualServiceKey::Address {
                addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                port: 80,
            },
        },
        real_server: RealServerRef {
            addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: Some(port),
        },
        weight: 1,
        omega: false,
        checkers: vec![CheckerPlan {
            kind,
            timing: Timing {
                delay_loop: Duration::from_secs(1),
                delay_before_retry: Duration::from_secs(1),
                retry: 1,
                anchor,
            },
            alpha: false,
            warmup: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            user: None,
        }],
    }
}

struct Sample {
    rss_kib: u64,
    fds: usize,
    children: usize,
    cpu_s: f64,
}

fn sample(exclude: u32) -> Sample {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss_kib = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0);
    let me = std::process::id().to_string();
    let children = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy() != exclude.to_string())
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|s| {
            s.rsplit_once(") ")
                .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(|p| p == me))
                .unwrap_or(false)
        })
        .count();
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let ticks: f64 = stat
        .rsplit_once(") ")
        .map(|(_, rest)| {
            let f: Vec<&str> = rest.split_whitespace().collect();
            // utime, stime, cutime, cstime are fields 14..=17, i.e. 11..=14 after the comm.
            (11..=14)
                .filter_map(|i| f.get(i).and_then(|v| v.parse::<f64>().ok()))
                .sum()
        })
        .unwrap_or(0.0);
    let hz = 100.0; // USER_HZ on every Linux architecture holdfast targets
    Sample {
        rss_kib,
        fds,
        children,
        cpu_s: ticks / hz,
    }
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut servers, mut seconds, mut misc) = (500usize, 120u64, 10usize);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{what} needs a number"))
        };
        match a.as_str() {
            "serve" => return serve(usize::try_from(num("serve")?).map_err(|e| e.to_string())?),
            "--servers" => {
                servers = usize::try_from(num("--servers")?).map_err(|e| e.to_string())?
            }
            "--seconds" => seconds = num("--seconds")?,
            "--misc" => misc = usize::try_from(num("--misc")?).map_err(|e| e.to_string())?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Proc::new(exe)
        .args(["serve", &servers.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let server_pid = child.id();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let ports: Vec<u16> = line
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let digest: [u8; 16] = md5::Md5::digest(BODY).into();
    let mut plans = Vec::new();
    for (i, &port) in ports.iter().enumerate() {
        let kind = if i % 2 == 0 {
            CheckerKind::Tcp(conn(port))
        } else {
            CheckerKind::Http(HttpCheck {
                connection: conn(port),
                tls: false,
                urls: vec![Url {
                    path: "/".into(),
                    digest: Some(digest),
                    status_codes: vec![StatusRange { min: 200, max: 299 }],
                    virtualhost: None,
                }],
                virtualhost: None,
                http_protocol: HttpProtocol::Http10,
                enable_sni: false,
                fast_recovery: false,
            })
        };
        plans.push(server(i, port, kind));
    }
    let unused = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9);
    for i in 0..misc {
        let kind = CheckerKind::Misc(MiscCheck {
            path: Command {
                args: vec!["/bin/true".into()],
            },
            timeout: Duration::from_secs(2),
            dynamic: false,
            user: None,
        });
        let port = unused.port().saturating_add(u16::try_from(i).unwrap_or(0));
        plans.push(server(ports.len() + i, port, kind));
    }
    let total = plans.len();
    let (etx, erx) = smol::channel::bounded(1024);
    let (itx, irx) = smol::channel::bounded(8);
    let probe = LinuxProbe::new().map_err(|e| e.to_string())?;
    let actor = CheckerActor::new(
        plans,
        probe,
        SystemClock::new(),
        &mut WarmupRng::new(42),
        etx,
    );
    let ex = smol::LocalExecutor::new();
    let down = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let result = smol::block_on(ex.run(async {
        let task = ex.spawn(actor.run(irx));
        let seen = down.clone();
        let drain = ex.spawn(async move {
            while let Ok(e) = erx.recv().await {
                if !e.up {
                    seen.set(seen.get() + 1);
                }
            }
        });
        // Warm-up: every checker has run and buffers have grown to their working size.
        smol::Timer::after(std::time::Duration::from_secs(5)).await;
        let start = sample(server_pid);
        let mut series = Vec::new();
        let mut heap = vec![live_kib().to_string()];
        let mut left = seconds;
        while left > 0 {
            let step = left.min(10);
            smol::Timer::after(std::time::Duration::from_secs(step)).await;
            left -= step;
            series.push(sample(server_pid).rss_kib.to_string());
            heap.push(live_kib().to_string());
        }
        println!("rss_series_kib  {}", series.join(" "));
        println!("heap_live_kib   {}", heap.join(" "));
        let end = sample(server_pid);
        let _ = itx.send(CheckerMsg::Shutdown).await;
        let counters = task.await;
        drain.await;
        (start, end, counters)
    }));
    let _ = child.kill();
    let _ = child.wait();
    let (start, end, counters) = result;
    let down = down.get();
    println!("checkers        {total} ({} TCP, {} HTTP, {misc} MISC), delay_loop 1 s, {seconds} s measured", ports.len().div_ceil(2), ports.len() / 2);
    println!(
        "probes          {} ({:.0}/s), failures {}, down events {down}",
        counters.probes,
        counters.probes as f64 / (seconds as f64 + 5.0),
        counters.failures
    );
    println!(
        "rss_kib         start {} end {}",
        start.rss_kib, end.rss_kib
    );
    println!("fds             start {} end {}", start.fds, end.fds);
    println!(
        "children        start {} end {}",
        start.children, end.children
    );
    println!(
        "cpu_seconds     {:.2} over {seconds} s ({:.1} %)",
        end.cpu_s - start.cpu_s,
        100.0 * (end.cpu_s - start.cpu_s) / seconds as f64
    );
    Ok(())
}
