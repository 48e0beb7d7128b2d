//! [`Quiet`]: polls a future or stream only when its own waker fired.
//!
//! A future raced against others (`or`, `zip`, an executor's `run`) is polled whenever any of
//! them is woken. For a netlink connection or the signal pipe that poll is a `recvfrom` that
//! fails with `EAGAIN` and an `epoll_ctl` to re-arm the descriptor: with a busy VRRP socket
//! next to it, several wasted system calls per received advert. `Quiet` gives the inner
//! future a waker of its own, remembers whether it fired, and skips the inner poll otherwise.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// The inner waker: notes the wake-up and passes it on to the outer task.
#[derive(Debug)]
struct Flag {
    woken: AtomicBool,
    outer: Mutex<Option<Waker>>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        // A poisoned lock only means a panic elsewhere; the waker inside is still good.
        let outer = self.outer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = outer.as_ref() {
            w.wake_by_ref();
        }
    }
}

/// The wake-up filter; see the module doc.
#[derive(Debug)]
pub struct Quiet {
    flag: Arc<Flag>,
}

impl Default for Quiet {
    fn default() -> Self {
        Quiet::new()
    }
}

impl Quiet {
    /// A filter whose first poll goes through.
    pub fn new() -> Quiet {
        Quiet {
            flag: Arc::new(Flag {
                woken: AtomicBool::new(true),
                outer: Mutex::new(None),
            }),
        }
    }

    /// Runs `poll` with the inner waker if that waker fired since the last pending poll (or
    /// this is the first poll); otherwise returns `Pending` at once. The outer task is woken
    /// whenever the inner waker fires.
    pub fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        {
            let mut outer = self.flag.outer.lock().unwrap_or_else(|e| e.into_inner());
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        // Cleared before the poll, so a wake-up during it is not lost.
        if !self.flag.woken.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        let waker = Waker::from(self.flag.clone());
        let result = poll(&mut Context::from_waker(&waker));
        if result.is_ready() {
            // A ready stream may hold more items without waking anyone: poll it next time.
            self.flag.woken.store(true, Ordering::SeqCst);
        }
        result
    }
}

/// A future polled through a [`Quiet`].
pub struct QuietFuture<F> {
    quiet: Quiet,
    inner: Pin<Box<F>>,
}

impl<F: Future> QuietFuture<F> {
    pub fn new(inner: F) -> QuietFuture<F> {
        QuietFuture {
            quiet: Quiet::new(),
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for QuietFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        this.quiet.poll_with(cx, |cx| inner.as_mut().poll(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Counts its polls; ready once `ready` is set, woken through the stored waker.
    struct Probe {
        polls: Rc<Cell<u32>>,
        ready: Rc<Cell<bool>>,
        waker: Rc<std::cell::RefCell<Option<Waker>>>,
    }

    impl Future for Probe {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            *self.waker.borrow_mut() = Some(cx.waker().clone());
            if self.ready.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    #[derive(Default)]
    struct CountWake(AtomicBool);
    impl Wake for CountWake {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn polls_the_inner_future_only_after_its_own_wake_up() {
        let polls = Rc::new(Cell::new(0));
        let ready = Rc::new(Cell::new(false));
        let waker = Rc::new(std::cell::RefCell::new(None));
        let mut f = QuietFuture::new(Probe {
            polls: polls.clone(),
            ready: ready.clone(),
            waker: waker.clone(),
        });
        let outer = Arc::new(CountWake::default());
        let outer_waker = Waker::from(outer.clone());
        let mut cx = Context::from_waker(&outer_waker);
        assert!(Pin::new(&mut f).poll(&mut cx).is_pending());
        assert_eq!(polls.get(), 1);
        // Woken by something else: the inner future is not polled.
        assert!(Pin::new(&mut f).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut f).poll(&mut cx).is_pending());
        assert_eq!(polls.get(), 1);
        // Its own wake-up reaches the outer task and lets the next poll through.
        ready.set(true);
        let inner = waker
            .borrow_mut()
            .take()
            .expect("the inner future left a waker");
        inner.wake();
        assert!(outer.0.load(Ordering::SeqCst));
        assert!(Pin::new(&mut f).poll(&mut cx).is_ready());
        assert_eq!(polls.get(), 2);
    }
}
