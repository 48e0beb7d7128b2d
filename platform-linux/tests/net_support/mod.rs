//! Shared by the `net_*` tests: two network namespaces joined by a veth pair, entered from a
//! dedicated thread with `setns`, removed by a Drop guard even when a test fails; a packet
//! capture on an interface; timeouts. Without root (or without `ip`) a test prints why it is
//! skipped and passes, except under `CI=true`, where it fails.
//!
//! Each test binary uses part of this module.
#![allow(dead_code)]

use holdfast_actors::ports::vrrp_net::{Interface, Links};
use holdfast_linux::net::LinuxLinks;
use std::future::Future;
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Addresses of the two ends (documentation ranges only).
pub const A_V4: [u8; 4] = [192, 0, 2, 1];
pub const B_V4: [u8; 4] = [192, 0, 2, 2];
pub const A_V6: &str = "2001:db8::1";
pub const B_V6: &str = "2001:db8::2";
/// Interface names inside the namespaces.
pub const VA: &str = "hfva";
pub const VB: &str = "hfvb";

/// How long a test waits for something that should take milliseconds.
pub const WAIT: Duration = Duration::from_secs(5);

static NEXT: AtomicU32 = AtomicU32::new(0);

/// `None` (skip) outside CI when the test cannot run here; panics under `CI=true`.
fn skip(reason: &str) -> Option<Pair> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("cannot run a network namespace test under CI=true: {reason}");
    }
    eprintln!("skipped: {reason}");
    None
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ip {args:?}: {e}"));
    assert!(
        out.status.success(),
        "ip {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Two namespaces `a` and `b`, `a`'s [`VA`] cabled to `b`'s [`VB`], both up with
/// 192.0.2.1/24 + 2001:db8::1/64 (a) and .2 / ::2 (b), IPv6 without DAD, `lo` up.
pub struct Pair {
    pub a: String,
    pub b: String,
}

impl Drop for Pair {
    fn drop(&mut self) {
        // Deleting a namespace deletes the veth end in it, and with it the other end.
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

impl Pair {
    /// Builds the pair, or returns `None` after printing why the test is skipped.
    pub fn new() -> Option<Pair> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return skip("needs root for network namespaces");
        }
        if Command::new("ip").arg("-V").output().is_err() {
            return skip("needs iproute2's `ip`");
        }
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        // The guard exists before the first namespace, so a failure below still cleans up.
        let pair = Pair {
            a: format!("hf-t-{pid}-{n}a"),
            b: format!("hf-t-{pid}-{n}b"),
        };
        ip(&["netns", "add", &pair.a]);
        ip(&["netns", "add", &pair.b]);
        ip(&[
            "link", "add", VA, "netns", &pair.a, "type", "veth", "peer", "name", VB, "netns",
            &pair.b,
        ]);
        for (ns, dev, v4, v6) in [
            (&pair.a, VA, "192.0.2.1/24", "2001:db8::1/64"),
            (&pair.b, VB, "192.0.2.2/24", "2001:db8::2/64"),
        ] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "addr", "add", v4, "dev", dev]);
            ip(&["-n", ns, "addr", "add", v6, "dev", dev, "nodad"]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        Some(pair)
    }

    /// Runs `ip -n <ns> args...`.
    pub fn ip_in(&self, ns: &str, args: &[&str]) {
        let mut all = vec!["-n", ns];
        all.extend_from_slice(args);
        ip(&all);
    }
}

/// Moves the calling thread into namespace `ns`; call it first thing in a dedicated thread.
/// Sockets opened afterwards by this thread belong to `ns`.
pub fn enter(ns: &str) {
    let file = std::fs::File::open(format!("/run/netns/{ns}"))
        .or_else(|_| std::fs::File::open(format!("/var/run/netns/{ns}")))
        .unwrap_or_else(|e| panic!("open netns {ns}: {e}"));
    // SAFETY: setns only changes this thread's network namespace; the descriptor is live.
    let ret = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(ret, 0, "setns {ns}: {}", io::Error::last_os_error());
}

/// `fut`, or `None` after [`WAIT`].
pub async fn timeout<T>(fut: impl Future<Output = T>) -> Option<T> {
    timeout_after(WAIT, fut).await
}

/// `fut`, or `None` after `d`.
pub async fn timeout_after<T>(d: Duration, fut: impl Future<Output = T>) -> Option<T> {
    futures_lite::future::or(async { Some(fut.await) }, async {
        smol::Timer::after(d).await;
        None
    })
    .await
}

/// Runs `work` with a [`LinuxLinks`] of the current thread's namespace, driving its netlink
/// connection alongside.
pub async fn with_links<T>(work: impl AsyncFnOnce(&LinuxLinks) -> T) -> T {
    let (links, driver) = LinuxLinks::open().expect("netlink connection");
    futures_lite::future::or(
        async {
            driver.await;
            panic!("netlink driver ended");
        },
        work(&links),
    )
    .await
}

/// The interface `name` in the current thread's namespace.
pub async fn interface(links: &LinuxLinks, name: &str) -> Interface {
    links.link(name).await.expect("link lookup").interface
}

/// A packet socket receiving every frame of EtherType `ethertype` (`ETH_P_ALL` for all) on one
/// interface of the current namespace.
pub struct Capture(OwnedFd);

impl Capture {
    pub fn open(ifindex: u32, ethertype: u16) -> Capture {
        let proto = libc::c_int::from(ethertype.to_be());
        // SAFETY: plain socket(2); the result is checked before it is owned.
        let fd =
            unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, proto) };
        assert!(fd >= 0, "capture socket: {}", io::Error::last_os_error());
        // SAFETY: `fd` is a new descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = ethertype.to_be();
        addr.sll_ifindex = ifindex as i32;
        // SAFETY: `addr` is live and its size is passed.
        let ret = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                std::ptr::from_ref(&addr).cast(),
                size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        assert_eq!(ret, 0, "bind capture: {}", io::Error::last_os_error());
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 200_000,
        };
        // SAFETY: `tv` is live and its size is passed.
        let ret = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                std::ptr::from_ref(&tv).cast(),
                size_of::<libc::timeval>() as u32,
            )
        };
        assert_eq!(ret, 0, "SO_RCVTIMEO: {}", io::Error::last_os_error());
        Capture(fd)
    }

    /// The first frame for which `want` is true, within [`WAIT`].
    pub fn find(&self, want: impl Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
        let deadline = Instant::now() + WAIT;
        let mut buf = [0u8; 2048];
        while Instant::now() < deadline {
            // SAFETY: `buf` is live and its length is passed.
            let n =
                unsafe { libc::recv(self.0.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if let Ok(n) = usize::try_from(n) {
                let frame = &buf[..n];
                if want(frame) {
                    return Some(frame.to_vec());
                }
            }
        }
        None
    }
}
