//! Loader actor tests against [`FakeKernel`] and [`FakeClock`]: time moves only when the harness
//! jumps it to the earliest pending deadline, so backoff timing is asserted exactly and nothing
//! sleeps.

use super::fake::{Call, FakeKernel};
use super::*;
use crate::ports::clock::FakeClock;
use crate::ports::kernel_modules::IndexFiles;
use holdfast_core::modules::{IndexError, LoadError, ModuleName, ModuleStatus, OsErrno, Summary};
use holdfast_core::time::{Duration, Instant};
use smol::{LocalExecutor, Task};

const RELEASE: &str = "6.1.0-28-amd64";

/// The IPVS part of Debian 12's 6.1 index (FIELD-NOTES §2).
const DEP: &str = "\
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/crypto/crc32c_generic.ko:
kernel/lib/libcrc32c.ko:
kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko:
kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko:
kernel/net/netfilter/nf_conntrack.ko: kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs.ko: kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs_rr.ko: kernel/net/netfilter/ipvs/ip_vs.ko kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
kernel/net/netfilter/ipvs/ip_vs_wrr.ko: kernel/net/netfilter/ipvs/ip_vs.ko kernel/net/netfilter/nf_conntrack.ko kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko kernel/net/ipv4/netfilter/nf_defrag_ipv4.ko kernel/lib/libcrc32c.ko
";
const SOFTDEP: &str = "softdep libcrc32c pre: crc32c\n";
const ALIAS: &str = "alias crc32c crc32c_intel\nalias crc32c crc32c_generic\n";

fn debian_index() -> IndexFiles {
    IndexFiles {
        dep: Some(String::from(DEP)),
        softdep: Some(String::from(SOFTDEP)),
        alias: Some(String::from(ALIAS)),
        builtin: Some(String::new()),
    }
}

fn n(s: &str) -> ModuleName {
    ModuleName::new(s).unwrap()
}

fn rr_wrr() -> IpvsNeeds {
    IpvsNeeds::new(["rr", "wrr"], []).unwrap()
}

struct Harness {
    ex: LocalExecutor<'static>,
    clock: FakeClock,
    kernel: FakeKernel,
    inputs: Option<Sender<LoaderInput>>,
    updates: Option<Receiver<LoaderUpdate>>,
    task: Task<LoaderExit>,
    /// Every update received, with the fake time it was received at.
    seen: Vec<(Instant, LoaderUpdate)>,
}

impl Harness {
    fn start(kernel: &FakeKernel, needs: IpvsNeeds, settings: LoaderSettings) -> Self {
        let clock = FakeClock::new();
        let (inputs, inbox) = async_channel::bounded(INBOX_CAPACITY);
        let (updates_tx, updates) = async_channel::bounded(UPDATE_CAPACITY);
        let loader = ModuleLoader::new(kernel.clone(), clock.clone(), settings, needs);
        let ex = LocalExecutor::new();
        let task = ex.spawn(loader.run(inbox, updates_tx));
        let mut h = Harness {
            ex,
            clock,
            kernel: kernel.clone(),
            inputs: Some(inputs),
            updates: Some(updates),
            task,
            seen: Vec::new(),
        };
        h.settle();
        h
    }

    /// Runs the actor until it waits, collecting its updates.
    fn settle(&mut self) {
        while self.ex.try_tick() {}
        if let Some(updates) = &self.updates {
            while let Ok(update) = updates.try_recv() {
                self.seen.push((self.clock.now(), update));
            }
        }
    }

    /// Jumps to the next deadline and settles; returns the new time.
    fn step(&mut self) -> Instant {
        let deadline = self
            .clock
            .next_deadline()
            .expect("the loader waits for a timer");
        self.clock.advance_to(deadline);
        self.settle();
        deadline
    }

    fn send(&mut self, input: LoaderInput) {
        self.inputs.as_ref().unwrap().try_send(input).unwrap();
        self.settle();
    }

    fn last(&self) -> &LoaderUpdate {
        &self.seen.last().expect("an update").1
    }

    fn loads_of(&self, module: &str) -> usize {
        let call = Call::Load(String::from(module));
        self.kernel.calls().iter().filter(|c| **c == call).count()
    }
}

#[test]
fn cold_kernel_loads_the_closure_in_order() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    let h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    let loads: Vec<String> = kernel
        .calls()
        .into_iter()
        .map(|c| match c {
            Call::Load(m) | Call::Modprobe(m) => m,
        })
        .collect();
    assert_eq!(
        loads,
        [
            "crc32c_intel",
            "libcrc32c",
            "nf_defrag_ipv4",
            "nf_defrag_ipv6",
            "nf_conntrack",
            "ip_vs",
            "ip_vs_rr",
            "ip_vs_wrr"
        ]
    );
    assert_eq!(h.seen.len(), 1);
    let update = h.last();
    assert!(update.report.is_ready());
    let ready = update.ready.as_ref().expect("ip_vs present");
    assert_eq!(ready.schedulers().collect::<Vec<_>>(), ["rr", "wrr"]);
    assert_eq!(
        update.report.status(&n("ip_vs")),
        Some(&ModuleStatus::Loaded)
    );
    assert_eq!(
        update.report.status(&n("crc32c_generic")),
        Some(&ModuleStatus::NotNeeded)
    );
    assert_eq!(h.clock.next_deadline(), None, "nothing to retry once ready");
}

#[test]
fn crc32c_intel_enodev_then_crc32c_generic() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    kernel.fail_always(&n("crc32c_intel"), LoadError::NoDevice);
    let h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    let calls = kernel.calls();
    assert_eq!(
        calls.get(..3),
        Some(
            &[
                Call::Load(String::from("crc32c_intel")),
                Call::Load(String::from("crc32c_generic")),
                Call::Load(String::from("libcrc32c")),
            ][..]
        )
    );
    let report = &h.last().report;
    assert!(report.is_ready());
    assert_eq!(
        report.status(&n("crc32c_intel")),
        Some(&ModuleStatus::Failed {
            error: LoadError::NoDevice
        })
    );
    assert_eq!(
        h.clock.next_deadline(),
        None,
        "a failed alternative is not retried"
    );
}

#[test]
fn missing_scheduler_file_leaves_ip_vs_ready_and_is_retried_with_backoff() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    let wrr_path = format!("/lib/modules/{RELEASE}/kernel/net/netfilter/ipvs/ip_vs_wrr.ko");
    kernel.fail_always(
        &n("ip_vs_wrr"),
        LoadError::MissingFile {
            path: wrr_path.clone(),
        },
    );
    let mut h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    let update = h.last().clone();
    assert!(!update.report.is_ready());
    assert_eq!(update.report.summary(), Summary::IpvsReady { missing: 1 });
    let ready = update.ready.expect("ip_vs ready without wrr");
    assert!(ready.scheduler_present("rr"));
    assert!(!ready.scheduler_present("wrr"));
    assert_eq!(
        update.report.to_string(),
        format!("kernel {RELEASE}: ip_vs ready; ip_vs_wrr module file {wrr_path} missing")
    );

    let retries: Vec<u64> = (0..9).map(|_| h.step().total_millis()).collect();
    assert_eq!(
        retries,
        [250, 750, 1750, 3750, 7750, 15750, 31750, 61750, 91750]
    );
    assert_eq!(h.loads_of("ip_vs_wrr"), 10);
    assert_eq!(h.loads_of("ip_vs"), 1, "live modules are not loaded again");
    assert_eq!(h.seen.len(), 1, "unchanged reports are not published again");

    kernel.heal(&n("ip_vs_wrr"));
    let at = h.step();
    assert_eq!(at.total_millis(), 121_750);
    assert_eq!(h.seen.len(), 2);
    assert!(h.last().report.is_ready());
    assert!(h.last().ready.as_ref().unwrap().scheduler_present("wrr"));
    assert_eq!(h.clock.next_deadline(), None);
}

#[test]
fn absent_tree_is_reported_then_loaded_after_it_appears() {
    let kernel = FakeKernel::new(RELEASE);
    let mut h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    assert_eq!(
        h.last().report.index_error(),
        Some(&IndexError::TreeMissing {
            path: format!("/lib/modules/{RELEASE}")
        })
    );
    assert_eq!(
        h.last().report.to_string(),
        format!("kernel {RELEASE}: module tree /lib/modules/{RELEASE} missing")
    );
    assert!(h.last().ready.is_none());
    assert_eq!(h.step().total_millis(), 250);
    assert_eq!(h.step().total_millis(), 750);
    kernel.set_index(Some(debian_index()));
    assert_eq!(h.step().total_millis(), 1750);
    assert_eq!(h.seen.len(), 2);
    let (at, update) = h.seen.last().unwrap();
    assert_eq!(at.total_millis(), 1750);
    assert!(update.report.is_ready());
    assert!(update.ready.is_some());
}

#[test]
fn permission_denied_is_reported_and_retried() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    let eperm = LoadError::PermissionDenied {
        errno: OsErrno {
            number: 1,
            name: String::from("EPERM"),
        },
    };
    for m in DEP.lines().filter_map(|l| l.split(':').next()) {
        kernel.fail_always(&ModuleName::from_path(m).unwrap(), eperm.clone());
    }
    let mut h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    let report = &h.last().report;
    assert!(h.last().ready.is_none());
    assert_eq!(
        report.status(&n("libcrc32c")),
        Some(&ModuleStatus::Failed {
            error: eperm.clone()
        })
    );
    assert!(matches!(
        report.summary(),
        Summary::IpvsMissing(ModuleStatus::Blocked { .. })
    ));
    assert!(report.to_string().contains(
        "libcrc32c failed: permission denied (EPERM): needs CAP_SYS_MODULE and module loading enabled"
    ));
    assert_eq!(h.step().total_millis(), 250);
    assert_eq!(h.loads_of("libcrc32c"), 2);
}

#[test]
fn kernel_without_ipvs_is_said_plainly() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(IndexFiles {
        dep: Some(String::from("kernel/lib/libcrc32c.ko:\n")),
        ..IndexFiles::default()
    }));
    let h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    assert_eq!(h.last().report.summary(), Summary::KernelWithoutIpvs);
    assert_eq!(
        h.last().report.to_string(),
        format!("kernel {RELEASE}: kernel built without IPVS (CONFIG_IP_VS)")
    );
    assert!(kernel.calls().is_empty());
}

#[test]
fn modules_live_before_start_are_left_alone() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    for m in [
        "crc32c_generic",
        "libcrc32c",
        "nf_defrag_ipv4",
        "nf_defrag_ipv6",
        "nf_conntrack",
        "ip_vs",
    ] {
        kernel.make_live(&n(m));
    }
    let h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    assert_eq!(
        kernel.calls(),
        [
            Call::Load(String::from("ip_vs_rr")),
            Call::Load(String::from("ip_vs_wrr"))
        ]
    );
    let report = &h.last().report;
    assert_eq!(
        report.status(&n("ip_vs")),
        Some(&ModuleStatus::AlreadyLoaded)
    );
    assert_eq!(
        report.status(&n("crc32c_intel")),
        Some(&ModuleStatus::NotNeeded)
    );
}

#[test]
fn new_needs_and_rechecks_start_a_round_at_once() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    let needs = IpvsNeeds::new(["rr"], []).unwrap();
    let mut h = Harness::start(&kernel, needs, LoaderSettings::default());
    assert!(h.last().report.is_ready());
    assert_eq!(h.loads_of("ip_vs_wrr"), 0);

    h.send(LoaderInput::Want(rr_wrr()));
    assert_eq!(h.clock.now(), Instant::ZERO);
    assert_eq!(h.loads_of("ip_vs_wrr"), 1);
    assert_eq!(h.seen.len(), 2);
    assert!(h.last().ready.as_ref().unwrap().scheduler_present("wrr"));

    h.send(LoaderInput::Recheck);
    assert_eq!(h.seen.len(), 2, "same state, no new update");
    assert_eq!(h.loads_of("ip_vs_wrr"), 1, "live modules are only checked");
}

#[test]
fn every_want_is_answered_by_an_update_naming_its_needs() {
    // The IPVS branch holds a reloaded table until the update for its needs: one must come even
    // when nothing else about the round changed. Here the tree is missing, so every round gives
    // the same report, and the two needs differ only in a name that maps to the same module.
    let kernel = FakeKernel::new(RELEASE);
    let dashed = IpvsNeeds::new(["my-sched"], []).unwrap();
    let underscored = IpvsNeeds::new(["my_sched"], []).unwrap();
    assert_ne!(dashed, underscored);
    assert_eq!(dashed.modules(), underscored.modules());
    let quiet = LoaderSettings {
        backoff: Backoff::new(Duration::from_secs(3600), Duration::from_secs(3600)),
        modprobe_fallback: false,
    };
    let mut h = Harness::start(&kernel, dashed.clone(), quiet);
    assert_eq!(h.last().needs, dashed);
    let report = h.last().report.clone();

    h.send(LoaderInput::Want(underscored.clone()));
    assert_eq!(h.seen.len(), 2);
    assert_eq!(h.last().needs, underscored);
    assert_eq!(h.last().report, report);
    assert_eq!(h.clock.now(), Instant::ZERO, "answered at once");
}

#[test]
fn modprobe_fallback_only_when_enabled_and_useful() {
    let bad = LoadError::BadFormat {
        errno: OsErrno {
            number: 8,
            name: String::from("ENOEXEC"),
        },
    };
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    kernel.fail_always(&n("ip_vs_rr"), bad.clone());
    kernel.set_modprobe_works(true);
    let h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    assert!(!kernel
        .calls()
        .contains(&Call::Modprobe(String::from("ip_vs_rr"))));
    assert!(!h.last().report.is_ready());

    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    kernel.fail_always(&n("ip_vs_rr"), bad);
    kernel.fail_always(&n("ip_vs_wrr"), LoadError::NoDevice);
    kernel.set_modprobe_works(true);
    let settings = LoaderSettings {
        modprobe_fallback: true,
        ..LoaderSettings::default()
    };
    let h = Harness::start(&kernel, rr_wrr(), settings);
    let calls = kernel.calls();
    assert!(calls.contains(&Call::Modprobe(String::from("ip_vs_rr"))));
    assert!(!calls.contains(&Call::Modprobe(String::from("ip_vs_wrr"))));
    assert_eq!(
        h.last().report.status(&n("ip_vs_rr")),
        Some(&ModuleStatus::Loaded)
    );
}

#[test]
fn the_actor_stops_when_its_channels_close() {
    let kernel = FakeKernel::new(RELEASE);
    kernel.set_index(Some(debian_index()));
    let mut h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    h.inputs = None;
    h.settle();
    assert_eq!(
        futures_lite::future::block_on(h.task),
        LoaderExit::InboxClosed
    );

    let kernel = FakeKernel::new(RELEASE);
    let mut h = Harness::start(&kernel, rr_wrr(), LoaderSettings::default());
    h.updates = None;
    h.step();
    assert_eq!(
        futures_lite::future::block_on(h.task),
        LoaderExit::UpdatesClosed
    );
}
