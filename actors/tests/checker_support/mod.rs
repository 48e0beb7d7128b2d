//! Shared rig for the checker actor tests: builds plans, runs an actor on a local executor under
//! a `FakeClock`, moves time deadline by deadline, and collects events with the time they came.

#![allow(dead_code)] // each test file uses a different part

use async_channel::{Receiver, Sender};
use holdfast_actors::checker::{
    CheckerActor, CheckerCounters, CheckerMsg, ScriptedProbe, TrackActor, TrackCounters, TrackMsg,
    WarmupRng,
};
use holdfast_actors::ports::clock::{Clock, FakeClock};
use holdfast_core::checker::{
    Anchor, CheckerEvent, CheckerPlan, RealServerRef, ServerPlan, Timing, TrackEvent, TrackPlan,
    VirtualServerRef,
};
use holdfast_core::config::model::{CheckerKind, Connection, VirtualServiceKey};
use holdfast_core::time::{Duration, Instant};
use smol::{LocalExecutor, Task};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, last))
}

pub fn addr(last: u8, port: u16) -> SocketAddr {
    SocketAddr::new(ip(last), port)
}

pub fn conn(last: u8, timeout_ms: u64) -> Connection {
    Connection {
        connect_ip: ip(last),
        connect_port: None,
        bindto: None,
        bind_port: None,
        bind_if: None,
        connect_timeout: Duration::from_millis(timeout_ms),
        fwmark: None,
    }
}

/// delay_loop 5 s, delay_before_retry 1 s, `retry`, no warmup.
pub fn timing(retry: u32, anchor: Anchor) -> Timing {
    Timing {
        delay_loop: Duration::from_secs(5),
        delay_before_retry: Duration::from_secs(1),
        retry,
        anchor,
    }
}

pub fn checker(kind: CheckerKind, retry: u32, timeout_ms: u64, alpha: bool) -> CheckerPlan {
    let anchor = match kind {
        CheckerKind::Misc(_) => Anchor::Start,
        _ => Anchor::End,
    };
    CheckerPlan {
        kind,
        timing: timing(retry, anchor),
        alpha,
        warmup: Duration::ZERO,
        timeout: Duration::from_millis(timeout_ms),
        user: None,
    }
}

/// Real server 198.51.100.`last`:80 of virtual server 192.0.2.1:80 (index 0).
pub fn server(last: u8, checkers: Vec<CheckerPlan>, omega: bool) -> ServerPlan {
    ServerPlan {
        virtual_server: VirtualServerRef {
            index: 0,
            key: VirtualServiceKey::Address {
                addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                port: 80,
            },
        },
        real_server: RealServerRef {
            addr: ip(last),
            port: Some(80),
        },
        weight: 5,
        omega,
        checkers,
    }
}

/// An event as the tests compare them: (ms, server last byte, up, weight, notify).
pub type Seen = (u64, u8, bool, Option<u32>, bool);

pub struct Rig<E, M, R> {
    pub ex: LocalExecutor<'static>,
    pub clock: FakeClock,
    pub probe: ScriptedProbe,
    pub events: Receiver<E>,
    pub inbox: Sender<M>,
    pub task: Task<R>,
    pub seen: Vec<(u64, E)>,
}

pub fn checker_rig(plan: Vec<ServerPlan>) -> Rig<CheckerEvent, CheckerMsg, CheckerCounters> {
    let ex = LocalExecutor::new();
    let clock = FakeClock::new();
    let probe = ScriptedProbe::new();
    let (etx, erx) = async_channel::bounded(1024);
    let (itx, irx) = async_channel::bounded(8);
    let actor = CheckerActor::new(
        plan,
        probe.clone(),
        clock.clone(),
        &mut WarmupRng::new(1),
        etx,
    );
    let task = ex.spawn(actor.run(irx));
    let mut rig = Rig {
        ex,
        clock,
        probe,
        events: erx,
        inbox: itx,
        task,
        seen: Vec::new(),
    };
    rig.settle();
    rig
}

pub fn track_rig(
    plan: TrackPlan,
    probe: ScriptedProbe,
) -> Rig<TrackEvent, TrackMsg, TrackCounters> {
    track_rig_with(plan, probe, |actor| actor)
}

/// [`track_rig`], with the actor set up further by `configure` (notes, resumed states).
pub fn track_rig_with(
    plan: TrackPlan,
    probe: ScriptedProbe,
    configure: impl FnOnce(TrackActor<ScriptedProbe, FakeClock>) -> TrackActor<ScriptedProbe, FakeClock>,
) -> Rig<TrackEvent, TrackMsg, TrackCounters> {
    let ex = LocalExecutor::new();
    let clock = FakeClock::new();
    let (etx, erx) = async_channel::bounded(1024);
    let (itx, irx) = async_channel::bounded(8);
    let actor = configure(TrackActor::new(plan, probe.clone(), clock.clone(), etx));
    let task = ex.spawn(actor.run(irx));
    let mut rig = Rig {
        ex,
        clock,
        probe,
        events: erx,
        inbox: itx,
        task,
        seen: Vec::new(),
    };
    rig.settle();
    rig
}

impl<E, M, R> Rig<E, M, R> {
    /// Runs every ready task until nothing moves, and collects the events.
    pub fn settle(&mut self) {
        for _ in 0..100_000 {
            if !self.ex.try_tick() {
                break;
            }
        }
        let now = self.clock.now().total_millis();
        while let Ok(e) = self.events.try_recv() {
            self.seen.push((now, e));
        }
    }

    /// Moves time to `ms`, stopping at every deadline on the way.
    pub fn run_until(&mut self, ms: u64) {
        let end = Instant::from_millis(ms);
        while let Some(d) = self.clock.next_deadline().filter(|d| *d <= end) {
            self.clock.advance_to(d);
            self.settle();
        }
        self.clock.advance_to(end);
        self.settle();
    }

    /// Sends a message and lets the actor take it.
    pub fn send(&mut self, msg: M) {
        assert!(self.inbox.try_send(msg).is_ok(), "inbox has room");
        self.settle();
    }

    /// Takes the events collected so far.
    pub fn take(&mut self) -> Vec<(u64, E)> {
        std::mem::take(&mut self.seen)
    }
}

/// Checker events in the compact form.
pub fn compact(events: Vec<(u64, CheckerEvent)>) -> Vec<Seen> {
    events
        .into_iter()
        .map(|(t, e)| {
            let last = match e.real_server.addr {
                IpAddr::V4(a) => a.octets()[3],
                IpAddr::V6(a) => a.octets()[15],
            };
            (t, last, e.up, e.weight, e.notify)
        })
        .collect()
}
