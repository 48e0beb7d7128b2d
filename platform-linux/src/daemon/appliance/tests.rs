//! The watchdog wiring end to end on a fake device: the daemon's supervisor on the real clock,
//! a child that never returns from one poll, and the feeder that must stop feeding.

use super::*;
use holdfast_actors::supervisor::RestartPolicy;
use holdfast_yocto::watchdog::{FakeWatchdog, Tick};
use smol::LocalExecutor;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Context, Poll};

/// One poll that blocks the executor thread until released: an actor stuck in a loop.
struct Stuck {
    entered: mpsc::Sender<()>,
    release: mpsc::Receiver<()>,
}

impl Future for Stuck {
    type Output = Result<(), String>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        let _ = self.entered.send(());
        let _ = self.release.recv();
        Poll::Ready(Ok(()))
    }
}

#[test]
fn limits_follow_the_timeout() {
    assert_eq!(stall_limit(10), Duration::from_secs(5));
    assert_eq!(stall_limit(1), MIN_STALL_LIMIT);
    assert_eq!(
        pulse_interval(Duration::from_secs(5)),
        Duration::from_millis(1250)
    );
    assert_eq!(
        pulse_interval(Duration::from_millis(200)),
        Duration::from_millis(100)
    );
}

#[test]
fn a_hung_actor_stops_the_feeding_and_a_clean_stop_disarms() {
    let clock = MonotonicClock::new();
    let limit = stall_limit(1);
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let (watch_tx, watch_rx) = mpsc::channel();
    let (go_tx, go) = mpsc::channel::<()>();
    let daemon = std::thread::spawn(move || {
        let executor = Rc::new(LocalExecutor::new());
        let (events, _keep) = smol::channel::bounded(64);
        let mut sup = Supervisor::new(executor.clone(), clock, RestartPolicy::default(), events);
        watch_tx
            .send(sup.watch(pulse_interval(limit)))
            .expect("send");
        let mut stuck = Some(Stuck {
            entered: entered_tx,
            release: release_rx,
        });
        sup.spawn_child("vrrp", move || {
            let s = stuck.take();
            let go = go.recv();
            async move {
                // First a healthy actor (the pulse runs), then the hang.
                smol::Timer::after(std::time::Duration::from_millis(300)).await;
                match (go, s) {
                    (Ok(()), Some(s)) => s.await,
                    _ => Ok(()),
                }
            }
        });
        smol::block_on(executor.run(smol::Timer::after(std::time::Duration::from_secs(3))));
    });
    let watch = watch_rx.recv().expect("watch");
    let device = FakeWatchdog::open(60);
    let log = device.log();
    let mut feeder = Feeder::new(device, liveness(watch, clock, limit), 1).expect("feeder");
    assert_eq!(
        feeder.tick(std::time::Instant::now()).expect("tick"),
        Tick::Fed
    );
    go_tx.send(()).expect("go");
    entered.recv().expect("the child hangs");
    std::thread::sleep(std::time::Duration::from_millis(1300));
    match feeder.tick(std::time::Instant::now()).expect("tick") {
        Tick::Withheld(stalled) => assert_eq!(stalled.actor, "vrrp", "{stalled}"),
        Tick::Fed => panic!("fed while the vrrp child hangs"),
    }
    release.send(()).expect("release");
    daemon.join().expect("daemon thread");
    let stats = feeder.close().expect("magic close");
    assert_eq!((stats.feeds, stats.withheld), (1, 1));
    let log = log.lock().expect("log");
    assert!(log.magic_closed && !log.dropped_armed);
    assert_eq!(log.timeout_s, Some(1));
}
