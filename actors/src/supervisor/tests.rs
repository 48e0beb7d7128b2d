//! Supervisor tests with fakes on virtual time: the IPVS gate (no actor before the loader's
//! proof), restart backoff, module changes and scheduler rechecks, reconfiguration, the stop
//! policy, and a "vrrp" child that keeps running while IPVS fails forever.

use super::*;
use crate::ipvs::fake::FakeKernel as FakeIpvs;
use crate::ipvs::{IpvsConfig, IpvsReport, ServiceStatus, StopPolicy};
use crate::module_loader::fake::FakeKernel as FakeModules;
use crate::module_loader::LoaderSettings;
use crate::ports::clock::FakeClock;
use crate::ports::kernel_modules::IndexFiles;
use async_channel::Receiver;
use holdfast_core::ipvs::{Destination, FwdMethod, Name, Protocol, Service, ServiceKey, Table};
use holdfast_core::modules::{Backoff, IpvsNeeds, ModuleName};
use holdfast_core::time::{Duration, Instant};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};

mod reload;

const RELEASE: &str = "6.1.0-28-amd64";
const DEP: &str = "\
kernel/net/netfilter/ipvs/ip_vs.ko:
kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko
kernel/net/netfilter/ipvs/ip_vs_wrr.ko: kernel/net/netfilter/ipvs/ip_vs.ko
";

fn index() -> IndexFiles {
    IndexFiles {
        dep: Some(DEP.into()),
        softdep: Some(String::new()),
        alias: Some(String::new()),
        builtin: Some(String::new()),
    }
}

fn key(last: u8) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)),
        port: 80,
    }
}

/// `192.0.2.1:80` with rr and `192.0.2.2:80` with wrr, one real server each.
fn table() -> Table {
    let mut t = Table::new();
    for (last, sched) in [(1, "rr"), (2, "wrr")] {
        let vs = t.insert(Service::new(key(last), Name::new(sched).expect("valid")));
        vs.insert_dest(Destination::new(
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)),
            80,
            FwdMethod::Masq,
            1,
        ));
    }
    t
}

fn wish() -> IpvsWish {
    IpvsWish {
        table: table(),
        needs: IpvsNeeds::new(["rr", "wrr"], []).expect("valid"),
        config: IpvsConfig::default(),
    }
}

/// Runs `ex` until it is idle and `events` is empty, handing each event to `seen` (the rigs'
/// `settle`).
fn settle_events(
    ex: &LocalExecutor<'_>,
    events: &Receiver<SupervisorEvent>,
    mut seen: impl FnMut(SupervisorEvent),
) {
    loop {
        while ex.try_tick() {}
        let mut got = false;
        while let Ok(e) = events.try_recv() {
            seen(e);
            got = true;
        }
        if !got {
            return;
        }
    }
}

/// Moves `clock` to `to`, stopping at every deadline on the way, and runs `settle` after each
/// move (the rigs' `run_until`).
fn advance_through_deadlines(clock: &FakeClock, to: Instant, mut settle: impl FnMut()) {
    while let Some(next) = clock.next_deadline().filter(|d| *d <= to) {
        clock.advance_to(next);
        settle();
    }
    clock.advance_to(to);
    settle();
}

struct Rig {
    ex: Rc<LocalExecutor<'static>>,
    clock: FakeClock,
    modules: FakeModules,
    ipvs: FakeIpvs,
    opens: Rc<Cell<u32>>,
    supervisor: Supervisor<FakeClock>,
    events_rx: Receiver<SupervisorEvent>,
    events: Vec<(Instant, SupervisorEvent)>,
    health: Health,
}

impl Rig {
    fn new() -> Rig {
        let ex = Rc::new(LocalExecutor::new());
        let clock = FakeClock::new();
        let (tx, events_rx) = async_channel::bounded(EVENT_CAPACITY);
        let supervisor = Supervisor::new(ex.clone(), clock.clone(), RestartPolicy::default(), tx);
        Rig {
            ex,
            clock,
            modules: FakeModules::new(RELEASE),
            ipvs: FakeIpvs::loaded(&["rr", "wrr"]),
            opens: Rc::new(Cell::new(0)),
            supervisor,
            events_rx,
            events: Vec::new(),
            health: Health::new(),
        }
    }

    /// Starts the IPVS branch; `port_works` says whether opening the port succeeds.
    fn start(&mut self, port_works: bool, loader: LoaderSettings) -> IpvsHandle {
        let ipvs = self.ipvs.clone();
        let opens = self.opens.clone();
        let parts = IpvsParts {
            kernel: self.modules.clone(),
            open_port: move || {
                opens.set(opens.get() + 1);
                if port_works {
                    Ok(ipvs.clone())
                } else {
                    Err(String::from("socket: EMFILE"))
                }
            },
            clock: self.clock.clone(),
            loader,
            restart: RestartPolicy::default(),
            stop_timeout: Duration::from_secs(5),
            index_recheck: Duration::from_secs(1),
        };
        let handle = self.supervisor.start_ipvs(parts, wish());
        self.settle();
        handle
    }

    fn settle(&mut self) {
        let (health, events, clock) = (&mut self.health, &mut self.events, &self.clock);
        settle_events(&self.ex, &self.events_rx, |e| {
            health.observe(&e);
            events.push((clock.now(), e));
        });
    }

    /// Moves time to `to`, stopping at every deadline on the way.
    fn run_until(&mut self, to: Instant) {
        let clock = self.clock.clone();
        advance_through_deadlines(&clock, to, || self.settle());
    }

    fn texts(&self) -> Vec<String> {
        self.events.iter().map(|(_, e)| e.to_string()).collect()
    }

    fn first_time(&self, pred: impl Fn(&SupervisorEvent) -> bool) -> Option<Instant> {
        self.events.iter().find(|(_, e)| pred(e)).map(|(t, _)| *t)
    }

    fn kernel_table(&self) -> Table {
        self.ipvs.state().table.clone()
    }
}

fn programmed(e: &SupervisorEvent, k: ServiceKey) -> bool {
    *e == SupervisorEvent::Ipvs(IpvsReport::Service {
        key: k,
        status: ServiceStatus::Programmed,
    })
}

#[test]
fn the_ipvs_actor_waits_for_the_loaders_proof_and_a_late_tree_is_used_within_a_second() {
    let mut r = Rig::new();
    let _ipvs = r.start(true, LoaderSettings::default());
    r.run_until(Instant::from_secs(3));
    assert_eq!(
        r.opens.get(),
        0,
        "no IPVS port before ip_vs is proven present"
    );
    assert_eq!(r.health.child(ChildName::Ipvs), Some(&ChildHealth::Waiting));
    assert!(r.ipvs.state().log.is_empty(), "nothing talked to IPVS");
    let texts = r.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("/lib/modules/6.1.0-28-amd64")),
        "{texts:?}"
    );
    // One report for the missing tree however often the loader looked.
    let loader_events = r
        .events
        .iter()
        .filter(|(_, e)| matches!(e, SupervisorEvent::Loader(_)))
        .count();
    assert_eq!(loader_events, 1, "{texts:?}");

    r.modules.set_index(Some(index()));
    let appeared = r.clock.now();
    r.run_until(Instant::from_secs(6));
    assert_eq!(r.opens.get(), 1);
    assert_eq!(r.kernel_table(), table());
    let done = r
        .first_time(|e| programmed(e, key(2)))
        .expect("wrr service programmed");
    assert!(
        done.saturating_since(appeared) <= Duration::from_secs(1),
        "programmed {} after the tree appeared",
        done.saturating_since(appeared)
    );
    assert_eq!(r.health.child(ChildName::Ipvs), Some(&ChildHealth::Running));
}

#[test]
fn a_port_that_cannot_be_opened_is_retried_with_bounded_backoff() {
    let mut r = Rig::new();
    r.modules.set_index(Some(index()));
    let _ipvs = r.start(false, LoaderSettings::default());
    r.run_until(Instant::from_secs(300));
    let failures: Vec<(u64, u64)> = r
        .events
        .iter()
        .filter_map(|(t, e)| match e {
            SupervisorEvent::Failed {
                child: ChildName::Ipvs,
                restart_in,
                ..
            } => Some((t.total_millis() / 1000, restart_in.total_millis() / 1000)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures.get(..8),
        Some(
            &[
                (0, 1),
                (1, 2),
                (3, 4),
                (7, 8),
                (15, 16),
                (31, 32),
                (63, 60),
                (123, 60)
            ][..]
        )
    );
    assert!(r.texts().contains(&String::from(
        "IPVS actor failed: cannot open the IPVS port: socket: EMFILE; restarting in 60.000s"
    )));
    assert!(!r.health.all_running());
    assert_eq!(r.health.failures(ChildName::Ipvs), failures.len() as u32);
}

#[test]
fn ipvs_failing_forever_never_stops_the_vrrp_child() {
    for port_opens in [false, true] {
        let mut r = Rig::new();
        r.modules.set_index(Some(index()));
        // With a port that opens, the kernel never registers the family.
        r.ipvs.state().family = None;
        let ticks = Rc::new(Cell::new(0u32));
        let (t, clock) = (ticks.clone(), r.clock.clone());
        r.supervisor.spawn_child("vrrp", move || {
            let (t, clock) = (t.clone(), clock.clone());
            async move {
                loop {
                    clock
                        .sleep_until(clock.now() + Duration::from_millis(100))
                        .await;
                    t.set(t.get() + 1);
                }
            }
        });
        let _ipvs = r.start(port_opens, LoaderSettings::default());
        r.run_until(Instant::from_secs(60));
        assert_eq!(ticks.get(), 600, "port opens: {port_opens}");
        assert_eq!(
            r.health.child(ChildName::Named("vrrp")),
            Some(&ChildHealth::Running)
        );
        assert!(r.kernel_table().is_empty());
        if port_opens {
            assert!(r.texts().iter().any(|t| t.starts_with("IPVS unavailable")));
        }
    }
}

#[test]
fn a_failing_child_is_restarted_with_backoff() {
    let mut r = Rig::new();
    let runs = Rc::new(Cell::new(0u32));
    let n = runs.clone();
    r.supervisor.spawn_child("flaky", move || {
        n.set(n.get() + 1);
        async { Err(String::from("socket closed")) }
    });
    r.settle();
    r.run_until(Instant::from_secs(20));
    // Started at 0, 1, 3, 7, 15.
    assert_eq!(runs.get(), 5);
    assert!(r.texts().contains(&String::from(
        "flaky failed: socket closed; restarting in 2.000s"
    )));
    assert_eq!(r.health.failures(ChildName::Named("flaky")), 5);
}

#[test]
fn later_proofs_reach_the_actor_as_module_changes() {
    let mut r = Rig::new();
    r.modules.set_index(Some(index()));
    let wrr = ModuleName::new("ip_vs_wrr").expect("valid");
    r.modules.fail_next(
        &wrr,
        [holdfast_core::modules::LoadError::MissingFile {
            path: "/lib/modules/6.1.0-28-amd64/kernel/net/netfilter/ipvs/ip_vs_wrr.ko".into(),
        }],
    );
    let _ipvs = r.start(true, LoaderSettings::default());
    // rr only at first: the wrr service waits for its module.
    assert_eq!(r.kernel_table().len(), 1);
    assert!(r.texts().iter().any(|t| t.contains("ip_vs_wrr")
        && t.contains("/lib/modules/6.1.0-28-amd64/kernel/net/netfilter/ipvs/ip_vs_wrr.ko")));
    r.run_until(Instant::from_secs(1));
    assert_eq!(r.kernel_table(), table());
    assert_eq!(r.opens.get(), 1, "the running actor got the new proof");
}

#[test]
fn a_scheduler_the_kernel_refuses_makes_the_loader_look_again() {
    let mut r = Rig::new();
    r.modules.set_index(Some(index()));
    // The loader says wrr is there, the kernel has no such scheduler; the passes before the
    // desired table arrives and the first one after it fail, so the refusal comes at 500 ms.
    r.ipvs = FakeIpvs::loaded(&["rr"]);
    r.ipvs.state().fail_resolves = 2;
    let quiet = LoaderSettings {
        backoff: Backoff::new(Duration::from_secs(3600), Duration::from_secs(3600)),
        modprobe_fallback: false,
    };
    let _ipvs = r.start(true, quiet);
    let loader_events = |r: &Rig| {
        r.events
            .iter()
            .filter(|(_, e)| matches!(e, SupervisorEvent::Loader(_)))
            .count()
    };
    assert_eq!(loader_events(&r), 1);
    // Only a recheck can make the loader notice the tree has gone.
    r.modules.set_index(None);
    r.run_until(Instant::from_secs(1));
    assert!(r
        .texts()
        .iter()
        .any(|t| t.contains("the kernel has no scheduler ip_vs_wrr")));
    assert_eq!(loader_events(&r), 2, "{:?}", r.texts());
}

#[test]
fn reconfiguring_sends_only_changes_and_shutdown_applies_the_stop_policy() {
    let mut r = Rig::new();
    r.modules.set_index(Some(index()));
    let ipvs = r.start(true, LoaderSettings::default());
    assert_eq!(r.kernel_table(), table());
    let before = r.ipvs.state().log.len();
    let ex = r.ex.clone();
    // Same wish: nothing reaches the kernel.
    smol::block_on(ex.run(ipvs.configure(wish())));
    r.settle();
    assert_eq!(r.ipvs.state().log.len(), before);

    let mut smaller = wish();
    smaller.table.remove(&key(2));
    smol::block_on(ex.run(ipvs.configure(smaller)));
    r.settle();
    assert_eq!(
        r.kernel_table().keys().copied().collect::<Vec<_>>(),
        [key(1)]
    );

    smol::block_on(ex.run(ipvs.shutdown()));
    r.settle();
    assert!(r.kernel_table().is_empty(), "RemoveOwned on stop");
    assert_eq!(r.health.child(ChildName::Ipvs), Some(&ChildHealth::Stopped));
    assert!(r
        .events
        .iter()
        .any(|(_, e)| *e == SupervisorEvent::Ipvs(IpvsReport::Stopped)));
    assert_eq!(StopPolicy::RemoveOwned, IpvsConfig::default().on_stop);
}
