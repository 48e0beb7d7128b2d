//! The daemon's own `block_on`: the executor thread waits in `epoll_wait` itself, on its own
//! epoll set holding the VRRP sockets, instead of sleeping on a futex until smol's `async-io`
//! thread has seen a socket become readable and woken it.
//!
//! Why: a backup with 100 instances at 0.1 s receives about 1,000 adverts a second, in about 200
//! bursts. Through smol's reactor each burst cost an `epoll_wait` on the `async-io` thread with
//! its timerfd and eventfd re-armed (`timerfd_settime`, two `epoll_ctl`, a `read`), a futex
//! wake of the executor thread and its futex wait, and an `epoll_ctl` re-arming the socket
//! (async-io registers one-shot): about ten system calls and two context switches before the
//! first `recvmsg`. Here a burst costs one `epoll_wait` and the `recvmsg`s: the sockets are
//! registered once, edge-triggered, and read until `EAGAIN`.
//!
//! Everything else (timers, netlink, the signal pipe, the blocking pool) stays on smol's
//! reactor: when it wakes a task of this thread, the waker writes an eventfd that is in the same
//! epoll set, and only while this thread sleeps (the wake-up state is an atomic; a wake-up
//! while the future is being polled costs no system call).
//!
//! Bursts are also spaced: once a socket has been read dry, the sockets' next edges are left
//! queued in the epoll set for [`DRAIN_SPACING`] while this thread waits on the eventfd alone
//! (a second epoll set), and are read together after it. A backup with 100 instances at 0.1 s
//! then wakes about 90 times a second instead of about 210, each wake reading more adverts;
//! the context switch and `epoll_wait` of each wake were the larger part of its CPU time. An
//! advert is read at most [`DRAIN_SPACING`] late, and its arrival time comes from the kernel
//! (`SO_TIMESTAMPNS`, see `vrrp_socket`), so the Master_Down timer still counts from the
//! arrival. Any other wake-up (a timer, a message) first collects the queued socket edges, so
//! an advert that has arrived is always read before a timeout is handled.
//!
//! A socket polled outside [`block_on`] (tests under `smol::block_on`) uses smol's reactor as
//! before ([`active`] tells which).

use super::sys;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// How long after a socket was read dry the next burst is left queued (see the module doc).
/// Small against the shortest advert interval that matters in practice (0.1 s), large against
/// the spacing of a busy segment's adverts (about 1 ms with 1,000 a second).
pub const DRAIN_SPACING: Duration = Duration::from_millis(10);

/// The eventfd's token; a socket's token is its descriptor number (never negative).
const WAKE_TOKEN: u64 = u64::MAX;

/// The executor thread is running (or about to run) the future.
const RUNNING: u8 = 0;
/// Woken while running: poll again before sleeping.
const NOTIFIED: u8 = 1;
/// Sleeping in `epoll_wait`: a wake-up must write the eventfd.
const SLEEPING: u8 = 2;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Reactor>>> = const { RefCell::new(None) };
}

/// The waker of the future [`block_on`] runs.
struct Signal {
    state: AtomicU8,
    eventfd: OwnedFd,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.state.swap(NOTIFIED, Ordering::SeqCst) == SLEEPING {
            sys::eventfd_signal(self.eventfd.as_fd());
        }
    }
}

/// One registered socket.
struct Source {
    fd: RawFd,
    /// Readable as far as known: set by an edge, cleared by `EAGAIN`.
    ready: bool,
    waker: Option<Waker>,
}

struct Reactor {
    /// The sockets (edge-triggered) and the eventfd.
    epoll: OwnedFd,
    /// The eventfd alone: waited on while socket edges are held.
    quiet: OwnedFd,
    signal: Arc<Signal>,
    sources: RefCell<Vec<Source>>,
    /// Until when socket edges stay queued: set when a socket is read dry.
    hold_until: Cell<Option<Instant>>,
    /// [`DRAIN_SPACING`] (tests use a longer one).
    spacing: Duration,
}

impl Reactor {
    fn new(spacing: Duration) -> io::Result<Reactor> {
        let epoll = sys::epoll_create()?;
        let quiet = sys::epoll_create()?;
        let eventfd = sys::eventfd()?;
        // Level-triggered in both sets: it stays readable until drained.
        for set in [&epoll, &quiet] {
            sys::epoll_add(
                set.as_fd(),
                eventfd.as_fd(),
                libc::EPOLLIN as u32,
                WAKE_TOKEN,
            )?;
        }
        Ok(Reactor {
            epoll,
            quiet,
            signal: Arc::new(Signal {
                state: AtomicU8::new(RUNNING),
                eventfd,
            }),
            sources: RefCell::new(Vec::new()),
            hold_until: Cell::new(None),
            spacing,
        })
    }

    /// `epoll_wait` on `set`, again after `EINTR`. Any other failure (not reached with our own
    /// descriptors and buffer) returns nothing after a millisecond rather than spin.
    fn epoll_wait(set: BorrowedFd<'_>, tokens: &mut [u64], timeout_ms: libc::c_int) -> usize {
        loop {
            match sys::epoll_wait(set, tokens, timeout_ms) {
                Ok(n) => return n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(1));
                    return 0;
                }
            }
        }
    }

    /// Sleeps until there is news: while socket edges are held, on the eventfd alone until the
    /// hold ends (a wake-up in between collects the socket edges queued so far, without
    /// sleeping); then on everything.
    fn sleep(&self, tokens: &mut [u64]) -> usize {
        if let Some(until) = self.hold_until.take() {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                // Rounded up: waking a millisecond early would only wait again.
                let ms = left.as_micros().div_ceil(1000);
                let ms = libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX);
                if Self::epoll_wait(self.quiet.as_fd(), tokens, ms) > 0 {
                    sys::eventfd_drain(self.signal.eventfd.as_fd());
                    // The future is polled after any return, also with no token.
                    return Self::epoll_wait(self.epoll.as_fd(), tokens, 0);
                }
            }
        }
        Self::epoll_wait(self.epoll.as_fd(), tokens, -1)
    }

    /// Sleeps until a registered socket has news or the future was woken.
    fn wait(&self) {
        let state = &self.signal.state;
        if state
            .compare_exchange(RUNNING, SLEEPING, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            // Woken while it was polled: poll again at once.
            state.store(RUNNING, Ordering::SeqCst);
            return;
        }
        let mut tokens = [0u64; 32];
        let n = self.sleep(&mut tokens);
        // Wake-ups from here on need no eventfd write: the future is polled next.
        state.store(RUNNING, Ordering::SeqCst);
        for &token in tokens.iter().take(n) {
            if token == WAKE_TOKEN {
                sys::eventfd_drain(self.signal.eventfd.as_fd());
                continue;
            }
            let waker = {
                let mut sources = self.sources.borrow_mut();
                sources
                    .iter_mut()
                    .find(|s| u64::try_from(s.fd).ok() == Some(token))
                    .and_then(|s| {
                        s.ready = true;
                        s.waker.take()
                    })
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

/// Runs `future` to completion on this thread, with this thread waiting on the sockets that
/// use [`poll_readable`]. Falls back to `futures_lite::future::block_on` when no epoll set or
/// eventfd can be made.
pub fn block_on<T>(future: impl Future<Output = T>) -> T {
    block_on_spaced(DRAIN_SPACING, future)
}

/// [`block_on`] with bursts spaced by `spacing`.
fn block_on_spaced<T>(spacing: Duration, future: impl Future<Output = T>) -> T {
    let reactor = match Reactor::new(spacing) {
        Ok(r) => Rc::new(r),
        Err(_) => return futures_lite::future::block_on(future),
    };
    let previous = CURRENT.with(|c| c.replace(Some(reactor.clone())));
    /// Puts the thread's previous reactor back, also when the future panics.
    struct Restore(Option<Option<Rc<Reactor>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take().flatten();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(Some(previous));
    let waker = Waker::from(reactor.signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        reactor.wait();
    }
}

/// Whether this thread runs [`block_on`] (sockets then use [`poll_readable`]).
pub fn active() -> bool {
    CURRENT.with(|c| c.borrow().is_some())
}

/// `Ready(Ok(()))` when `fd` may be readable (try the read; on `EAGAIN` call
/// [`not_readable`]); `Pending` with the waker kept until an edge otherwise. The first call
/// registers `fd` (edge-triggered). Outside [`block_on`], an error.
pub fn poll_readable(fd: BorrowedFd<'_>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    CURRENT.with(|c| {
        let current = c.borrow();
        let Some(reactor) = current.as_ref() else {
            return Poll::Ready(Err(io::Error::other("no local reactor on this thread")));
        };
        let raw = fd.as_raw_fd();
        let mut sources = reactor.sources.borrow_mut();
        let pos = match sources.iter().position(|s| s.fd == raw) {
            Some(p) => p,
            None => {
                let token = u64::try_from(raw).map_err(io::Error::other);
                let events = (libc::EPOLLIN | libc::EPOLLET) as u32;
                if let Err(e) =
                    token.and_then(|t| sys::epoll_add(reactor.epoll.as_fd(), fd, events, t))
                {
                    return Poll::Ready(Err(e));
                }
                sources.push(Source {
                    fd: raw,
                    ready: true,
                    waker: None,
                });
                sources.len() - 1
            }
        };
        let Some(source) = sources.get_mut(pos) else {
            return Poll::Ready(Err(io::Error::other("source vanished")));
        };
        if source.ready {
            Poll::Ready(Ok(()))
        } else {
            match &mut source.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
            Poll::Pending
        }
    })
}

/// A read on `fd` found nothing (`EAGAIN`): the next [`poll_readable`] waits for an edge.
pub fn not_readable(fd: BorrowedFd<'_>) {
    with_source(fd, |s| s.ready = false);
    CURRENT.with(|c| {
        if let Some(reactor) = c.borrow().as_ref() {
            reactor
                .hold_until
                .set(Instant::now().checked_add(reactor.spacing));
        }
    });
}

/// Removes `fd` from this thread's reactor, if it was registered; call before closing it.
pub fn forget(fd: BorrowedFd<'_>) {
    CURRENT.with(|c| {
        if let Some(reactor) = c.borrow().as_ref() {
            let mut sources = reactor.sources.borrow_mut();
            if let Some(pos) = sources.iter().position(|s| s.fd == fd.as_raw_fd()) {
                sources.swap_remove(pos);
                // Closing would remove it as well, unless the descriptor was duplicated.
                let _ = sys::epoll_del(reactor.epoll.as_fd(), fd);
            }
        }
    });
}

fn with_source(fd: BorrowedFd<'_>, f: impl FnOnce(&mut Source)) {
    CURRENT.with(|c| {
        if let Some(reactor) = c.borrow().as_ref() {
            let mut sources = reactor.sources.borrow_mut();
            if let Some(s) = sources.iter_mut().find(|s| s.fd == fd.as_raw_fd()) {
                f(s);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;
    use std::time::Duration;

    /// Reads one datagram through the local reactor, waiting for it like the VRRP socket does.
    async fn read_one(socket: &UnixDatagram) -> io::Result<Vec<u8>> {
        let mut buf = [0u8; 64];
        futures_lite::future::poll_fn(|cx| loop {
            match poll_readable(socket.as_fd(), cx) {
                Poll::Ready(Ok(())) => {}
                other => return other.map(|r| r.map(|()| Vec::new())),
            }
            match socket.recv(&mut buf) {
                Ok(n) => return Poll::Ready(Ok(buf.get(..n).unwrap_or_default().to_vec())),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => not_readable(socket.as_fd()),
                Err(e) => return Poll::Ready(Err(e)),
            }
        })
        .await
    }

    #[test]
    fn wakes_on_a_socket_edge_and_on_other_threads_wakers() {
        let (a, b) = UnixDatagram::pair().expect("socketpair");
        b.set_nonblocking(true).expect("non-blocking");
        let got = block_on(async {
            assert!(active());
            // Written from another thread while this one sleeps in epoll_wait.
            let writer = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                a.send(b"one").expect("send");
                std::thread::sleep(Duration::from_millis(30));
                a.send(b"two").expect("send");
            });
            let first = read_one(&b).await.expect("first");
            let second = read_one(&b).await.expect("second");
            // A timer on smol's reactor wakes this thread through the eventfd.
            smol::Timer::after(Duration::from_millis(20)).await;
            writer.join().expect("writer");
            forget(b.as_fd());
            (first, second)
        });
        assert_eq!(got, (b"one".to_vec(), b"two".to_vec()));
        assert!(!active());
    }

    /// A long spacing, so the timings below hold on a loaded machine.
    const SPACING: Duration = Duration::from_millis(300);

    /// Reads "one", then finds the socket dry (the hold starts); "two" is sent 5 ms later.
    /// Returns when the hold started.
    async fn drain_then_send_two(a: UnixDatagram, b: &UnixDatagram) -> std::time::Instant {
        a.send(b"one").expect("send");
        assert_eq!(read_one(b).await.expect("one"), b"one");
        let mut buf = [0u8; 8];
        let dry = std::time::Instant::now();
        match b.recv(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => not_readable(b.as_fd()),
            other => panic!("the socket is not dry: {other:?}"),
        }
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            a.send(b"two").expect("send");
        });
        dry
    }

    #[test]
    fn after_a_socket_is_read_dry_the_next_burst_waits_for_the_spacing() {
        let (a, b) = UnixDatagram::pair().expect("socketpair");
        b.set_nonblocking(true).expect("non-blocking");
        let (two, held) = block_on_spaced(SPACING, async {
            let dry = drain_then_send_two(a, &b).await;
            let two = read_one(&b).await.expect("two");
            forget(b.as_fd());
            (two, dry.elapsed())
        });
        assert_eq!(two, b"two");
        assert!(
            held >= SPACING - Duration::from_millis(1),
            "read after {held:?}"
        );
    }

    #[test]
    fn a_wake_up_during_the_hold_collects_the_adverts_that_arrived() {
        let (a, b) = UnixDatagram::pair().expect("socketpair");
        b.set_nonblocking(true).expect("non-blocking");
        let (two, took) = block_on_spaced(SPACING, async {
            let dry = drain_then_send_two(a, &b).await;
            // A timer (smol's reactor, through the eventfd) fires during the hold, after "two"
            // arrived. The VRRP actor then polls its sockets before its timer: the socket must
            // be readable on that first poll, or a timeout would be handled before an advert
            // that has arrived.
            smol::Timer::after(Duration::from_millis(40)).await;
            let first_poll =
                futures_lite::future::poll_fn(|cx| Poll::Ready(poll_readable(b.as_fd(), cx))).await;
            assert!(matches!(first_poll, Poll::Ready(Ok(()))), "{first_poll:?}");
            let two = read_one(&b).await.expect("two");
            forget(b.as_fd());
            (two, dry.elapsed())
        });
        assert_eq!(two, b"two");
        assert!(took < SPACING, "read only after {took:?}");
    }

    #[test]
    fn outside_block_on_polling_is_an_error_not_a_hang() {
        let (_a, b) = UnixDatagram::pair().expect("socketpair");
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(matches!(
            poll_readable(b.as_fd(), &mut cx),
            Poll::Ready(Err(_))
        ));
    }
}
