//! The watchdog feeder against the fake device: it feeds while every actor is alive, stops
//! feeding when one hangs (so the watchdog would fire), and disarms with the magic close only on
//! a clean stop.

use holdfast_yocto::watchdog::{
    spawn_feeder, FakeWatchdog, FeedEvent, Feeder, Heartbeats, Stalled, Tick,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn feeds_only_while_the_liveness_check_passes() {
    let dev = FakeWatchdog::open(60);
    let log = dev.log();
    let alive = Arc::new(AtomicBool::new(true));
    let probe = Arc::clone(&alive);
    let liveness = move |_now: Instant| {
        if probe.load(Ordering::Relaxed) {
            Ok(())
        } else {
            Err(Stalled {
                actor: "vrrp".into(),
                silent_for: Duration::from_secs(9),
            })
        }
    };
    let mut feeder = Feeder::new(dev, liveness, 120).expect("fake takes a timeout");
    assert_eq!(
        feeder.timeout_s(),
        60,
        "the device clamps, the feeder uses its value"
    );
    assert_eq!(feeder.interval(), Duration::from_secs(20));

    let now = Instant::now();
    assert_eq!(feeder.tick(now).expect("feeds"), Tick::Fed);
    assert_eq!(feeder.tick(now).expect("feeds"), Tick::Fed);
    alive.store(false, Ordering::Relaxed);
    match feeder.tick(now).expect("no device error") {
        Tick::Withheld(s) => assert_eq!(s.actor, "vrrp"),
        Tick::Fed => panic!("fed while an actor was silent"),
    }
    assert_eq!(log.lock().expect("lock").feeds.len(), 2);
    alive.store(true, Ordering::Relaxed);
    assert_eq!(feeder.tick(now).expect("feeds"), Tick::Fed);

    let stats = feeder.close().expect("magic close");
    assert_eq!((stats.feeds, stats.withheld), (3, 1));
    let log = log.lock().expect("lock");
    assert!(log.magic_closed && !log.dropped_armed);
    assert_eq!(log.timeout_s, Some(60));
}

#[test]
fn a_hung_actor_stops_the_feeding_thread_and_the_watchdog_would_fire() {
    let dev = FakeWatchdog::open(60);
    let log = dev.log();
    let heartbeats = Arc::new(Heartbeats::new(Duration::from_millis(300)));
    let hang = Arc::new(AtomicBool::new(false));

    // A healthy actor that beats until told to hang (it stays registered, it just stops).
    let vrrp = heartbeats.register("vrrp");
    let hang_flag = Arc::clone(&hang);
    let (release, released) = channel::<()>();
    let actor = std::thread::spawn(move || {
        while !hang_flag.load(Ordering::Relaxed) {
            vrrp.beat();
            std::thread::sleep(Duration::from_millis(20));
        }
        // Hung: keep the heartbeat (a hang is not a clean exit) without beating.
        let _ = released.recv();
        drop(vrrp);
    });

    let feeder = Feeder::new(dev, Arc::clone(&heartbeats), 1).expect("timeout");
    assert_eq!(feeder.interval().as_millis(), 333);
    let (tx, events) = channel();
    let thread = spawn_feeder(feeder, move |e| {
        let _ = tx.send(e);
    })
    .expect("thread starts");

    assert!(matches!(
        events.recv_timeout(Duration::from_secs(2)),
        Ok(FeedEvent::Armed { timeout_s: 1 })
    ));
    std::thread::sleep(Duration::from_millis(1200));
    let fed_while_alive = log.lock().expect("lock").feeds.len();
    assert!(
        fed_while_alive >= 3,
        "only {fed_while_alive} feeds in 1.2 s"
    );
    assert!(!log.lock().expect("lock").would_fire(Instant::now()));

    let hung_at = Instant::now();
    hang.store(true, Ordering::Relaxed);
    match events.recv_timeout(Duration::from_secs(3)) {
        Ok(FeedEvent::Withheld(s)) => {
            assert_eq!(s.actor, "vrrp");
            assert!(s.silent_for >= Duration::from_millis(300));
        }
        other => panic!("expected Withheld, got {other:?}"),
    }
    let noticed = hung_at.elapsed();
    // max_silence plus one feed interval, plus scheduling slack.
    assert!(
        noticed < Duration::from_millis(300 + 333 + 400),
        "{noticed:?}"
    );
    let feeds_at_notice = log.lock().expect("lock").feeds.len();
    std::thread::sleep(Duration::from_millis(1500));
    {
        let log = log.lock().expect("lock");
        assert_eq!(log.feeds.len(), feeds_at_notice, "fed while an actor hung");
        let last_feed = log.feeds.last().copied().unwrap_or(hung_at);
        assert!(
            last_feed.saturating_duration_since(hung_at) < Duration::from_millis(700),
            "last feed long after the hang"
        );
        assert!(
            log.would_fire(Instant::now()),
            "a real watchdog would have fired"
        );
    }

    let stats = thread.stop().expect("clean stop");
    assert!(stats.withheld >= 3, "{stats:?}");
    assert!(log.lock().expect("lock").magic_closed);
    let _ = release.send(());
    actor.join().expect("actor thread");
}

#[test]
fn a_clean_stop_disarms_and_an_abandoned_feeder_leaves_it_armed() {
    let heartbeats = Arc::new(Heartbeats::new(Duration::from_secs(10)));

    let dev = FakeWatchdog::open(60);
    let log = dev.log();
    let feeder = Feeder::new(dev, Arc::clone(&heartbeats), 30).expect("timeout");
    let thread = spawn_feeder(feeder, |_| {}).expect("thread");
    std::thread::sleep(Duration::from_millis(50));
    let stats = thread.stop().expect("clean stop");
    assert_eq!(stats.feeds, 1);
    let l = log.lock().expect("lock");
    assert!(l.magic_closed && !l.dropped_armed);
    drop(l);

    // Without stop() (a crash path), the device is closed without 'V'.
    let dev = FakeWatchdog::open(60);
    let log = dev.log();
    let feeder = Feeder::new(dev, heartbeats, 30).expect("timeout");
    let thread = spawn_feeder(feeder, |_| {}).expect("thread");
    drop(thread);
    let start = Instant::now();
    while !log.lock().expect("lock").dropped_armed {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "feeder thread never ended"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!log.lock().expect("lock").magic_closed);
}

#[test]
fn a_refused_keepalive_is_reported_once_and_recovery_is_reported() {
    let dev = FakeWatchdog::open(3);
    let log = dev.log();
    log.lock().expect("lock").fail_keepalive = Some(EIO);
    let feeder = Feeder::new(dev, |_: Instant| Ok(()), 3).expect("timeout");
    let (tx, events) = channel();
    let thread = spawn_feeder(feeder, move |e| {
        let _ = tx.send(e);
    })
    .expect("thread");
    assert!(matches!(
        events.recv_timeout(Duration::from_secs(2)),
        Ok(FeedEvent::Armed { timeout_s: 3 })
    ));
    match events.recv_timeout(Duration::from_secs(2)) {
        Ok(FeedEvent::Error(e)) => assert!(e.to_string().contains("keepalive"), "{e}"),
        other => panic!("expected Error, got {other:?}"),
    }
    // Two more failing ticks (interval 1 s) give no second report.
    assert!(events.recv_timeout(Duration::from_millis(2100)).is_err());
    log.lock().expect("lock").fail_keepalive = None;
    assert!(matches!(
        events.recv_timeout(Duration::from_secs(2)),
        Ok(FeedEvent::Resumed)
    ));
    let stats = thread.stop().expect("clean stop");
    assert!(stats.errors >= 2 && stats.feeds >= 1, "{stats:?}");
}

/// errno EIO on Linux.
const EIO: i32 = 5;
