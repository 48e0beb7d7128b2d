//! A lab for vrrp actor tests: routers (one fake host, one vrrp actor, one notify worker each)
//! on one fake Ethernet segment, all on one executor and one fake clock. Time moves only by
//! jumping to the earliest deadline and then running every task until idle (quinn's `Pair`),
//! with a bound on the steps so a flapping scenario fails instead of hanging.
#![allow(dead_code)]

use async_channel::{Receiver, Sender};
use holdfast_actors::ports::clock::{Clock, FakeClock};
use holdfast_actors::ports::fake_net::{FakeNet, FakeSegment, VipChange};
use holdfast_actors::ports::notify::FakeScripts;
use holdfast_actors::ports::vrrp_net::{AddressSpec, Interface, InterfaceAddress, Links};
use holdfast_actors::vrrp::{
    notify_queue, InstanceStatus, NotifyWorker, VrrpActor, VrrpCounters, VrrpEvent, VrrpMsg,
    VrrpSettings, VrrpSetup, VrrpStatus, NOTIFY_QUEUE_CAPACITY,
};
use holdfast_core::checker::TrackEvent;
use holdfast_core::config::model::Config;
use holdfast_core::config::{diag::Class, parse, reader, source::MemoryLoader};
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::State;
use smol::{LocalExecutor, Task};
use std::net::{IpAddr, Ipv4Addr};

/// Steps one `run_until` may take before the test fails as flapping.
const MAX_STEPS: usize = 100_000;

/// `192.0.2.<last>`.
pub fn v4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

/// Parses keepalived.conf text; fails the test on anything worse than a warning.
pub fn config(text: &str) -> Config {
    let mut loader = MemoryLoader::new().with_file("/etc/keepalived/keepalived.conf", text);
    let read = reader::read(
        "/etc/keepalived/keepalived.conf",
        &mut loader,
        &reader::ReaderOptions::default(),
    );
    let (config, diags) = parse::parse(&read.statements);
    let bad: Vec<_> = read
        .diagnostics
        .iter()
        .chain(&diags)
        .filter(|d| d.class != Class::Warning)
        .map(|d| d.message.clone())
        .collect();
    assert!(bad.is_empty(), "configuration problems: {bad:?}");
    config
}

/// Maps keepalived.conf text to the actor's setup.
pub fn setup(text: &str) -> VrrpSetup {
    VrrpSetup::from_config(&config(text)).expect("setup")
}

/// One instance `VI_1` on eth0, VRID 51, VIP 192.0.2.100/24, with `extra` lines inside it.
pub fn instance(priority: u8, extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{
            interface eth0
            virtual_router_id 51
            priority {priority}
            advert_int 1
            virtual_ipaddress {{
                192.0.2.100/24
            }}
            {extra}
        }}"
    )
}

pub struct Router {
    pub net: FakeNet,
    pub eth0: Interface,
    pub address: IpAddr,
    pub inbox: Sender<VrrpMsg>,
    pub events: Receiver<VrrpEvent>,
    pub scripts: FakeScripts,
    task: Option<Task<VrrpCounters>>,
    _worker: Task<()>,
}

impl Router {
    /// Whether the VIP is on the host's eth0 now.
    pub fn has(&self, address: IpAddr) -> bool {
        self.addresses().iter().any(|a| a.address == address)
    }

    pub fn addresses(&self) -> Vec<InterfaceAddress> {
        futures_lite::future::block_on(self.net.addresses(&self.eth0)).expect("addresses")
    }

    /// Every event so far, drained.
    pub fn drain_events(&self) -> Vec<VrrpEvent> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }

    pub fn vip_changes(&self) -> Vec<VipChange> {
        self.net.vip_changes()
    }

    pub fn scripts(&self) -> Vec<String> {
        self.scripts
            .commands()
            .iter()
            .map(|c| c.join(" "))
            .collect()
    }
}

pub struct Lab {
    pub ex: LocalExecutor<'static>,
    pub clock: FakeClock,
    pub segment: FakeSegment,
    pub routers: Vec<Router>,
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Lab {
    pub fn new() -> Lab {
        Lab {
            ex: LocalExecutor::new(),
            clock: FakeClock::new(),
            segment: FakeSegment::new(),
            routers: Vec::new(),
        }
    }

    /// A host `192.0.2.<last>/24` on eth0 (MAC 02:00:00:00:00:<last>), not yet running.
    pub fn host(&self, last: u8) -> (FakeNet, Interface) {
        let net = FakeNet::new();
        let eth0 = net.add_link("eth0", [2, 0, 0, 0, 0, last], Some(&self.segment));
        net.add_existing_address(&AddressSpec::new(eth0.clone(), v4(last), 24));
        (net, eth0)
    }

    /// Starts a router on a prepared host; returns its index.
    pub fn start_on(&mut self, net: FakeNet, eth0: Interface, last: u8, setup: VrrpSetup) -> usize {
        self.start_with(net, eth0, last, setup, Vec::new())
    }

    /// A new host and router whose actor starts knowing these tracker statuses (as after a
    /// restart of the vrrp child).
    pub fn start_seeded(&mut self, last: u8, setup: VrrpSetup, known: Vec<TrackEvent>) -> usize {
        let (net, eth0) = self.host(last);
        self.start_with(net, eth0, last, setup, known)
    }

    fn start_with(
        &mut self,
        net: FakeNet,
        eth0: Interface,
        last: u8,
        setup: VrrpSetup,
        known: Vec<TrackEvent>,
    ) -> usize {
        let (inbox, inbox_rx) = async_channel::bounded(holdfast_actors::vrrp::INBOX_CAPACITY);
        let (events_tx, events) = async_channel::bounded(1024);
        let (queue, jobs) = notify_queue(NOTIFY_QUEUE_CAPACITY);
        let scripts = FakeScripts::new();
        let actor = VrrpActor::new(
            setup,
            net.clone(),
            net.clone(),
            self.clock.clone(),
            VrrpSettings::default(),
            queue,
            events_tx.clone(),
        )
        .with_tracking(known);
        let worker = NotifyWorker::new(jobs, scripts.clone(), 4, Some(events_tx));
        let task = self.ex.spawn(actor.run(inbox_rx));
        let worker = self.ex.spawn(worker.run());
        self.routers.push(Router {
            net,
            eth0,
            address: v4(last),
            inbox,
            events,
            scripts,
            task: Some(task),
            _worker: worker,
        });
        self.settle();
        self.routers.len() - 1
    }

    /// A new host and router.
    pub fn start(&mut self, last: u8, setup: VrrpSetup) -> usize {
        let (net, eth0) = self.host(last);
        self.start_on(net, eth0, last, setup)
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Runs every task until none can make progress.
    pub fn settle(&self) {
        let mut steps = 0;
        while self.ex.try_tick() {
            steps += 1;
            assert!(steps < MAX_STEPS, "tasks never settle");
        }
    }

    /// Moves time to `until`, stopping at every deadline on the way.
    pub fn run_until(&self, until: Instant) {
        let mut steps = 0;
        loop {
            self.settle();
            match self.clock.next_deadline() {
                Some(at) if at <= until => self.clock.advance_to(at),
                _ => break,
            }
            steps += 1;
            assert!(steps < MAX_STEPS, "flapping: too many timer steps");
        }
        self.clock.advance_to(until);
        self.settle();
    }

    pub fn run_for(&self, d: Duration) {
        self.run_until(self.now() + d);
    }

    pub fn send(&self, r: usize, msg: VrrpMsg) {
        self.routers[r].inbox.try_send(msg).expect("inbox");
        self.settle();
    }

    pub fn status(&self, r: usize) -> VrrpStatus {
        let (tx, rx) = async_channel::bounded(1);
        self.send(r, VrrpMsg::Status(tx));
        rx.try_recv().expect("status reply")
    }

    pub fn instance(&self, r: usize) -> InstanceStatus {
        self.status(r).instances[0].clone()
    }

    pub fn state(&self, r: usize) -> State {
        self.instance(r).state
    }

    /// SIGTERM: the actor stops gracefully; returns its counters.
    pub fn stop(&mut self, r: usize) -> VrrpCounters {
        self.send(r, VrrpMsg::Shutdown);
        let task = self.routers[r].task.take().expect("running");
        assert!(task.is_finished(), "the actor ends after Shutdown");
        futures_lite::future::block_on(task)
    }

    /// SIGKILL: the actor's task is dropped; nothing more is sent or removed.
    pub fn crash(&mut self, r: usize) {
        drop(self.routers[r].task.take());
        self.settle();
    }
}
