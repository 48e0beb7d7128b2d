//! The ipvs actor against the fake kernel and virtual time: backoff on a family that is not
//! there yet, re-resolve on a stale id, drift repair, missing schedulers, error isolation, bad
//! replies, ownership and the stop policies.

use super::fake::{FakeKernel, JumpClock};
use super::*;
use crate::ports::ipvs::IpvsError;
use async_channel::Receiver;
use futures_lite::future::block_on;
use holdfast_core::ipvs::codec::Errno;
use holdfast_core::ipvs::{
    Destination, FamilyId, FwdMethod, Name, OpKind, Protocol, Service, ServiceKey,
};
use holdfast_core::time::Instant;
use std::net::{IpAddr, Ipv4Addr};

fn key(last: u8) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)),
        port: 80,
    }
}

fn dest(last: u8, weight: u32) -> Destination {
    Destination::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)),
        8080,
        FwdMethod::Masq,
        weight,
    )
}

/// Services `192.0.2.<s>` with scheduler and real servers `198.51.100.<d>` of weight `w`.
type Spec<'a> = (u8, &'a str, &'a [(u8, u32)]);

fn table(spec: &[Spec<'_>]) -> Table {
    let mut t = Table::new();
    for (s, sched, dests) in spec {
        let vs = t.insert(Service::new(key(*s), Name::new(sched).expect("valid")));
        for (d, w) in *dests {
            vs.insert_dest(dest(*d, *w));
        }
    }
    t
}

struct Rig {
    actor: IpvsActor<FakeKernel, JumpClock>,
    kernel: FakeKernel,
    clock: JumpClock,
    reports: Receiver<IpvsReport>,
}

fn rig(gate: &[&str], kernel: FakeKernel, config: IpvsConfig) -> Rig {
    rig_with_capacity(gate, kernel, config, 64)
}

fn rig_with_capacity(gate: &[&str], kernel: FakeKernel, config: IpvsConfig, cap: usize) -> Rig {
    let clock = JumpClock::default();
    let (tx, reports) = async_channel::bounded(cap);
    let actor = IpvsActor::new(
        ModulesReady::for_tests(gate),
        kernel.clone(),
        clock.clone(),
        config,
        tx,
    );
    Rig {
        actor,
        kernel,
        clock,
        reports,
    }
}

impl Rig {
    fn send(&mut self, msg: IpvsMsg) -> Flow {
        block_on(self.actor.handle(msg))
    }

    fn step_at(&mut self, millis: u64) {
        self.clock.set(Instant::from_millis(millis));
        block_on(self.actor.step());
    }

    fn drain(&self) -> Vec<String> {
        std::iter::from_fn(|| self.reports.try_recv().ok())
            .map(|r| r.to_string())
            .collect()
    }

    fn kernel_table(&self) -> Table {
        self.kernel.state().table.clone()
    }

    fn deadline(&self) -> u64 {
        self.actor.next_deadline().total_millis()
    }
}

#[test]
fn family_not_there_twice_then_programmed_with_backoff() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().fail_resolves = 2;
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    let want = table(&[(1, "rr", &[(10, 1)])]);
    r.send(IpvsMsg::DesiredState(want.clone()));

    r.step_at(0);
    assert_eq!(r.actor.family(), None);
    assert_eq!(r.deadline(), 250);
    r.step_at(100); // not due: nothing happens
    assert_eq!(r.kernel.state().log.len(), 1);
    r.step_at(250);
    assert_eq!(r.deadline(), 750, "the delay doubles");
    r.step_at(750);
    assert_eq!(r.actor.family(), FamilyId::new(36));
    assert_eq!(r.kernel_table(), want);
    assert_eq!(r.deadline(), 5750, "back to the re-dump interval");
    assert_eq!(
        r.drain(),
        [
            "IPVS unavailable: IPVS generic-netlink family not registered (ip_vs not loaded); retrying in 0.250s",
            "IPVS ready: family 36, version 1.2.1, connection table 4096",
            "virtual server TCP 192.0.2.1:80: programmed",
        ]
    );
    assert_eq!(r.actor.counters().resolve_failures, 2);
    // Nothing else was sent to the kernel before the family resolved.
    let log = r.kernel.state().log.clone();
    assert_eq!(&log[..4], ["resolve", "resolve", "resolve", "info 36"]);
}

#[test]
fn backoff_is_bounded() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().family = None;
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    let mut at = 0;
    let mut delays = Vec::new();
    for _ in 0..10 {
        r.step_at(at);
        delays.push(r.deadline() - at);
        at = r.deadline();
    }
    assert_eq!(
        delays,
        [250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000]
    );
    // One report for the whole outage, not one per attempt.
    assert_eq!(r.drain().len(), 1);
}

#[test]
fn enoent_mid_pass_after_a_reload_re_resolves_and_restores() {
    let mut r = rig(&["rr"], FakeKernel::loaded(&["rr"]), IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])));
    r.step_at(0);
    r.drain();

    // ip_vs is reloaded between the dump and the first op of the next pass.
    r.kernel.state().reload_before_next_op = true;
    let want = table(&[(1, "rr", &[(10, 5)]), (2, "rr", &[(11, 1)])]);
    r.send(IpvsMsg::DesiredState(want.clone()));
    r.step_at(1000);
    assert_eq!(r.actor.counters().stale_family, 1);
    assert_eq!(r.actor.family(), None);
    assert_eq!(r.deadline(), 1250);
    r.step_at(1250);
    assert_eq!(r.actor.family(), FamilyId::new(37));
    assert_eq!(r.kernel_table(), want);
    let reports = r.drain();
    assert_eq!(
        reports,
        [
            "IPVS ready: family 37, version 1.2.1, connection table 4096",
            "virtual server TCP 192.0.2.2:80: programmed",
        ]
    );
}

#[test]
fn enoent_on_dump_means_ipvs_went_away() {
    let mut r = rig(&["rr"], FakeKernel::loaded(&["rr"]), IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[])])));
    r.step_at(0);
    r.drain();
    r.kernel.state().family = None; // rmmod ip_vs
    r.step_at(5000);
    assert_eq!(r.actor.family(), None);
    assert_eq!(
        r.drain(),
        ["IPVS unavailable: IPVS generic-netlink family not registered (ip_vs not loaded); retrying in 0.250s"]
    );
    r.kernel.state().reload();
    r.step_at(5250);
    assert_eq!(r.kernel_table(), table(&[(1, "rr", &[])]));
}

#[test]
fn ipvsadm_clear_is_restored_within_the_interval() {
    let mut r = rig(&["rr"], FakeKernel::loaded(&["rr"]), IpvsConfig::default());
    let want = table(&[(1, "rr", &[(10, 1), (11, 2)]), (2, "rr", &[(12, 1)])]);
    r.send(IpvsMsg::DesiredState(want.clone()));
    r.step_at(0);
    r.drain();

    r.kernel.state().table = Table::new(); // ipvsadm -C
    r.step_at(4999);
    assert!(r.kernel_table().is_empty(), "not before the interval");
    r.step_at(5000);
    assert_eq!(r.kernel_table(), want);
    assert_eq!(
        r.drain(),
        ["IPVS table drifted from the configuration; 5 changes restored it"]
    );
    assert_eq!(r.actor.counters().drift_repairs, 1);
    // A pass with nothing to do is not drift.
    r.step_at(10000);
    assert_eq!(r.actor.counters().drift_repairs, 1);
    assert!(r.drain().is_empty());
}

#[test]
fn missing_scheduler_skips_one_service_until_its_module_loads() {
    let kernel = FakeKernel::loaded(&["rr"]);
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[
        (1, "rr", &[(10, 1)]),
        (2, "wrr", &[(11, 1)]),
    ])));
    r.step_at(0);
    assert_eq!(r.kernel_table(), table(&[(1, "rr", &[(10, 1)])]));
    let reports = r.drain();
    assert_eq!(
        &reports[1..],
        [
            "virtual server TCP 192.0.2.1:80: programmed",
            "virtual server TCP 192.0.2.2:80: not programmed: scheduler module ip_vs_wrr not loaded",
        ]
    );

    // The loader loads ip_vs_wrr and sends a new proof.
    r.kernel.state().schedulers.insert("wrr".into());
    r.send(IpvsMsg::ModulesChanged(ModulesReady::for_tests(&[
        "rr", "wrr",
    ])));
    assert_eq!(
        r.actor.family(),
        None,
        "a module load means looking the family up again"
    );
    r.step_at(10);
    assert_eq!(r.kernel_table().len(), 2);
    assert_eq!(
        &r.drain()[1..],
        ["virtual server TCP 192.0.2.2:80: programmed"]
    );
}

#[test]
fn a_reload_swapping_schedulers_takes_its_table_and_proof_together() {
    let kernel = FakeKernel::loaded(&["rr", "wrr"]);
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])));
    r.step_at(0);
    r.drain();

    // rr out, wrr in: with either half alone a pass would call one of the services "not loaded".
    let want = table(&[(2, "wrr", &[(11, 1)])]);
    r.send(IpvsMsg::Reloaded {
        table: want.clone(),
        ready: ModulesReady::for_tests(&["wrr"]),
    });
    assert_eq!(r.actor.family(), None, "a new proof means looking up again");
    r.step_at(10);
    assert_eq!(r.kernel_table(), want);
    assert_eq!(
        &r.drain()[1..],
        [
            "virtual server TCP 192.0.2.1:80: removed",
            "virtual server TCP 192.0.2.2:80: programmed",
        ]
    );

    // The same proof again changes only the table, and keeps the family.
    let family = r.actor.family();
    let want = table(&[(2, "wrr", &[(11, 4)])]);
    r.send(IpvsMsg::Reloaded {
        table: want.clone(),
        ready: ModulesReady::for_tests(&["wrr"]),
    });
    assert_eq!(r.actor.family(), family);
    r.step_at(20);
    assert_eq!(r.kernel_table(), want);
    assert_eq!(r.drain(), Vec::<String>::new());
}

#[test]
fn kernel_without_the_scheduler_fails_that_service_only() {
    // The gate says mh is there, the kernel disagrees: ENOENT on NEW_SERVICE, same family id.
    let mut r = rig(
        &["rr", "mh"],
        FakeKernel::loaded(&["rr"]),
        IpvsConfig::default(),
    );
    r.send(IpvsMsg::DesiredState(table(&[
        (1, "mh", &[(10, 1)]),
        (2, "rr", &[(11, 1)]),
    ])));
    r.step_at(0);
    assert_eq!(r.kernel_table(), table(&[(2, "rr", &[(11, 1)])]));
    assert_eq!(r.actor.counters().stale_family, 0);
    assert_eq!(r.actor.family(), FamilyId::new(36));
    let reports = r.drain();
    assert!(reports.contains(
        &"virtual server TCP 192.0.2.1:80: not programmed: the kernel has no scheduler ip_vs_mh"
            .to_string()
    ));
    assert!(reports.contains(&"virtual server TCP 192.0.2.2:80: programmed".to_string()));
    // Its real servers were not attempted.
    let log = r.kernel.state().log.clone();
    assert!(!log
        .iter()
        .any(|l| l.starts_with("add real server TCP 192.0.2.1:80")));
}

#[test]
fn one_failing_service_does_not_stop_the_others() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().fail_service = Some((key(1), Errno::EINVAL));
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[
        (1, "rr", &[(10, 1)]),
        (2, "rr", &[(11, 1)]),
        (3, "rr", &[(12, 1)]),
    ])));
    r.step_at(0);
    assert_eq!(r.kernel_table().len(), 2);
    let reports = r.drain();
    assert!(reports.contains(&"virtual server TCP 192.0.2.1:80: add service failed: EINVAL (22): invalid argument (a real server needs `lo` up, FIELD-NOTES §2)".to_string()), "{reports:?}");
    assert_eq!(r.actor.counters().op_errors, 1);

    // Fixed (lo brought up): the next pass programs it and reports the change once.
    r.kernel.state().fail_service = None;
    r.step_at(5000);
    assert_eq!(r.kernel_table().len(), 3);
    assert_eq!(
        r.drain(),
        [
            "IPVS table drifted from the configuration; 2 changes restored it",
            "virtual server TCP 192.0.2.1:80: programmed"
        ]
    );
}

#[test]
fn weight_change_edits_in_place() {
    let mut r = rig(&["rr"], FakeKernel::loaded(&["rr"]), IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(
        1,
        "rr",
        &[(10, 1), (11, 1)],
    )])));
    r.step_at(0);
    r.kernel.state().log.clear();
    r.send(IpvsMsg::DesiredState(table(&[(
        1,
        "rr",
        &[(10, 0), (11, 1)],
    )])));
    r.step_at(1);
    assert_eq!(
        r.kernel.state().log,
        [
            "dump 36",
            "edit real server TCP 192.0.2.1:80 -> 198.51.100.10:8080 weight 0"
        ]
    );
}

#[test]
fn bad_replies_are_reported_and_retried() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().bad_dumps = 1;
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[])])));
    r.step_at(0);
    assert!(r.kernel_table().is_empty());
    let reports = r.drain();
    assert_eq!(
        reports.last().map(String::as_str),
        Some("IPVS unavailable: bad reply from the kernel: truncated reply; retrying in 0.250s")
    );
    r.step_at(250);
    assert_eq!(r.kernel_table().len(), 1);
}

#[test]
fn op_timeout_aborts_the_pass_and_retries() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().op_timeouts = 1;
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])));
    r.step_at(0);
    assert!(r.kernel_table().is_empty());
    assert_eq!(r.deadline(), 250);
    r.step_at(250);
    assert_eq!(r.kernel_table(), table(&[(1, "rr", &[(10, 1)])]));
}

#[test]
fn foreign_services_are_left_alone_and_unwanted_ones_removed() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().table = table(&[(9, "rr", &[(99, 1)])]); // someone else's
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[
        (1, "rr", &[(10, 1)]),
        (2, "rr", &[]),
    ])));
    r.step_at(0);
    assert_eq!(r.kernel_table().len(), 3);
    r.drain();
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])));
    r.step_at(1);
    assert_eq!(
        r.kernel_table(),
        table(&[(1, "rr", &[(10, 1)]), (9, "rr", &[(99, 1)])])
    );
    assert_eq!(r.drain(), ["virtual server TCP 192.0.2.2:80: removed"]);
}

#[test]
fn full_report_channel_defers_statuses_to_a_later_pass() {
    let mut r = rig_with_capacity(
        &["rr"],
        FakeKernel::loaded(&["rr"]),
        IpvsConfig::default(),
        2,
    );
    r.send(IpvsMsg::DesiredState(table(&[
        (1, "rr", &[]),
        (2, "rr", &[]),
    ])));
    r.step_at(0);
    assert_eq!(r.drain().len(), 2, "ready + first status");
    assert_eq!(r.actor.counters().reports_deferred, 1);
    r.send(IpvsMsg::Tick);
    r.step_at(1);
    assert_eq!(r.drain(), ["virtual server TCP 192.0.2.2:80: programmed"]);
}

#[test]
fn flush_at_start_and_remove_owned_on_stop() {
    let kernel = FakeKernel::loaded(&["rr"]);
    kernel.state().table = table(&[(9, "rr", &[])]);
    let config = IpvsConfig {
        flush_at_start: true,
        ..IpvsConfig::default()
    };
    let mut r = rig(&["rr"], kernel, config);
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])));
    r.step_at(0);
    assert_eq!(r.kernel_table(), table(&[(1, "rr", &[(10, 1)])]));
    // A later (foreign) service survives the stop; ours does not.
    r.kernel
        .state()
        .table
        .insert_virtual(table(&[(9, "rr", &[])]).remove(&key(9)).expect("vs"));
    assert_eq!(r.send(IpvsMsg::Shutdown), Flow::Stop);
    assert_eq!(r.kernel_table(), table(&[(9, "rr", &[])]));
    assert_eq!(
        r.drain().last().map(String::as_str),
        Some("IPVS stop policy applied")
    );
    assert_eq!(
        r.kernel
            .state()
            .log
            .iter()
            .filter(|l| *l == "flush")
            .count(),
        1
    );
}

#[test]
fn run_loop_programs_then_flushes_on_stop() {
    let kernel = FakeKernel::loaded(&["rr"]);
    let config = IpvsConfig {
        on_stop: StopPolicy::FlushAll,
        ..IpvsConfig::default()
    };
    let r = rig(&["rr"], kernel, config);
    let (tx, inbox) = async_channel::bounded(INBOX_CAPACITY);
    let kernel = r.kernel.clone();
    let driver = async {
        tx.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])))
            .await
            .expect("inbox open");
        // Let the actor run a few turns of its loop (each sleep yields once).
        for _ in 0..4 {
            futures_lite::future::yield_now().await;
        }
        assert_eq!(kernel.state().table.len(), 1, "programmed while running");
        tx.send(IpvsMsg::Shutdown).await.expect("inbox open");
    };
    block_on(futures_lite::future::zip(r.actor.run(inbox), driver));
    let log = kernel.state().log.clone();
    assert!(
        log.contains(&"add service TCP 192.0.2.1:80 sched rr".to_string()),
        "{log:?}"
    );
    assert_eq!(log.last().map(String::as_str), Some("flush"));
    assert!(kernel.state().table.is_empty());
}

#[test]
fn run_loop_ends_when_every_sender_is_gone() {
    let r = rig(&["rr"], FakeKernel::loaded(&["rr"]), IpvsConfig::default());
    let (tx, inbox) = async_channel::bounded::<IpvsMsg>(INBOX_CAPACITY);
    drop(tx);
    let reports = r.reports.clone();
    block_on(r.actor.run(inbox));
    let last = std::iter::from_fn(|| reports.try_recv().ok()).last();
    assert_eq!(last, Some(IpvsReport::Stopped));
}

#[test]
fn failed_ops_keep_their_kind_in_the_status() {
    let kernel = FakeKernel::loaded(&["rr"]);
    let mut r = rig(&["rr"], kernel, IpvsConfig::default());
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 1)])])));
    r.step_at(0);
    r.kernel.state().fail_service = Some((key(1), Errno::ENOMEM));
    r.send(IpvsMsg::DesiredState(table(&[(1, "rr", &[(10, 2)])])));
    r.step_at(1);
    let reports: Vec<IpvsReport> = std::iter::from_fn(|| r.reports.try_recv().ok()).collect();
    assert_eq!(
        reports.last(),
        Some(&IpvsReport::Service {
            key: key(1),
            status: ServiceStatus::Failed {
                op: OpKind::EditDest,
                error: IpvsError::Other(Errno::ENOMEM)
            }
        })
    );
}
