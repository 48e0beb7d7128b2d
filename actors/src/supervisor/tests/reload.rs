//! Reloads through the IPVS branch that change which scheduler modules are needed. A table whose
//! scheduler module the loader has not yet been asked for must not reach the IPVS actor: it
//! would be planned against the old proof and reported "scheduler module ip_vs_wrr not loaded"
//! (the error once logged after a SIGHUP that re-added a wrr service). The two fakes write to one
//! timeline, so the order of the loader's and the IPVS port's calls is asserted, and the port
//! refuses a scheduler whose module the module fake has not made live, as a kernel without
//! autoload does.

use super::{advance_through_deadlines, index, key, settle_events, table, wish, RELEASE};
use crate::ipvs::fake::FakeKernel as FakeIpvs;
use crate::ipvs::{IpvsReport, ServiceStatus};
use crate::module_loader::fake::FakeKernel as FakeModules;
use crate::module_loader::LoaderSettings;
use crate::ports::clock::FakeClock;
use crate::ports::ipvs::{Call, Ipvs, IpvsError};
use crate::ports::kernel_modules::{IndexFiles, KernelModules, Liveness, Loaded};
use crate::supervisor::*;
use async_channel::Receiver;
use holdfast_core::ipvs::codec::{Errno, Info};
use holdfast_core::ipvs::{Destination, FamilyId, FwdMethod, Op, ServiceKey, Table};
use holdfast_core::modules::{IndexError, IpvsNeeds, LoadError, ModuleName};
use holdfast_core::time::{Duration, Instant};
use smol::LocalExecutor;
use std::cell::RefCell;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;

/// The loader's and the IPVS port's calls, in the order they happened.
#[derive(Debug, Clone, Default)]
struct Timeline(Rc<RefCell<Vec<String>>>);

impl Timeline {
    fn push(&self, line: String) {
        self.0.borrow_mut().push(line);
    }

    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// The lines from position `from` on.
    fn since(&self, from: usize) -> Vec<String> {
        self.0.borrow().get(from..).unwrap_or_default().to_vec()
    }
}

/// The module fake, recording the loader's liveness checks and loads of scheduler modules.
#[derive(Clone)]
struct Modules {
    inner: FakeModules,
    timeline: Timeline,
}

fn is_scheduler(name: &ModuleName) -> bool {
    name.as_str().starts_with("ip_vs_")
}

impl KernelModules for Modules {
    fn release(&self) -> Result<String, IndexError> {
        self.inner.release()
    }

    fn read_index(&self, release: &str) -> impl Future<Output = Result<IndexFiles, IndexError>> {
        self.inner.read_index(release)
    }

    fn liveness(&self, name: &ModuleName) -> Liveness {
        if is_scheduler(name) {
            self.timeline.push(format!("loader: is {name} live"));
        }
        self.inner.liveness(name)
    }

    fn load(
        &self,
        release: &str,
        name: &ModuleName,
        path: &str,
    ) -> impl Future<Output = Result<Loaded, LoadError>> {
        if is_scheduler(name) {
            self.timeline.push(format!("loader: load {name}"));
        }
        self.inner.load(release, name, path)
    }

    fn modprobe(&self, name: &ModuleName) -> impl Future<Output = Result<(), LoadError>> {
        self.inner.modprobe(name)
    }
}

/// The IPVS fake, recording every change, and refusing (ENOENT, as Linux does) a service whose
/// scheduler module is not live in the module fake.
struct Port {
    inner: FakeIpvs,
    modules: FakeModules,
    timeline: Timeline,
}

impl Ipvs for Port {
    async fn resolve_family(&mut self) -> Result<FamilyId, IpvsError> {
        self.inner.resolve_family().await
    }

    async fn info(&mut self, family: FamilyId) -> Result<Info, IpvsError> {
        self.inner.info(family).await
    }

    async fn dump(&mut self, family: FamilyId) -> Result<Table, IpvsError> {
        self.inner.dump(family).await
    }

    async fn apply(&mut self, family: FamilyId, op: &Op) -> Result<(), IpvsError> {
        if let Op::AddService(s) | Op::EditService(s) = op {
            let module = ModuleName::new(&format!("ip_vs_{}", s.scheduler)).expect("valid");
            if !self.modules.live().contains(&module) {
                self.timeline.push(format!("ipvs: refused {op}"));
                return Err(IpvsError::from_errno(Errno::ENOENT, Call::Apply(op)));
            }
        }
        self.timeline.push(format!("ipvs: {op}"));
        self.inner.apply(family, op).await
    }

    async fn flush(&mut self, family: FamilyId) -> Result<(), IpvsError> {
        self.inner.flush(family).await
    }
}

struct Rig {
    ex: Rc<LocalExecutor<'static>>,
    clock: FakeClock,
    modules: FakeModules,
    ipvs: FakeIpvs,
    timeline: Timeline,
    _supervisor: Supervisor<FakeClock>,
    handle: IpvsHandle,
    events_rx: Receiver<SupervisorEvent>,
    events: Vec<(Instant, SupervisorEvent)>,
}

impl Rig {
    /// A running branch for `first`, with every module file in the tree and nothing loaded.
    fn start(first: IpvsWish) -> Rig {
        let ex = Rc::new(LocalExecutor::new());
        let clock = FakeClock::new();
        let (tx, events_rx) = async_channel::bounded(EVENT_CAPACITY);
        let supervisor = Supervisor::new(ex.clone(), clock.clone(), RestartPolicy::default(), tx);
        let modules = FakeModules::new(RELEASE);
        modules.set_index(Some(index()));
        // The kernel knows every scheduler; the port refuses the ones not loaded.
        let ipvs = FakeIpvs::loaded(&["rr", "wrr"]);
        let timeline = Timeline::default();
        let port = (ipvs.clone(), modules.clone(), timeline.clone());
        let parts = IpvsParts {
            kernel: Modules {
                inner: modules.clone(),
                timeline: timeline.clone(),
            },
            open_port: move || {
                Ok::<_, String>(Port {
                    inner: port.0.clone(),
                    modules: port.1.clone(),
                    timeline: port.2.clone(),
                })
            },
            clock: clock.clone(),
            loader: LoaderSettings::default(),
            restart: RestartPolicy::default(),
            stop_timeout: Duration::from_secs(5),
            index_recheck: Duration::from_secs(1),
        };
        let handle = supervisor.start_ipvs(parts, first);
        let mut rig = Rig {
            ex,
            clock,
            modules,
            ipvs,
            timeline,
            _supervisor: supervisor,
            handle,
            events_rx,
            events: Vec::new(),
        };
        rig.settle();
        rig
    }

    fn settle(&mut self) {
        let (events, clock) = (&mut self.events, &self.clock);
        settle_events(&self.ex, &self.events_rx, |e| events.push((clock.now(), e)));
    }

    /// Moves time to `to`, stopping at every deadline on the way.
    fn run_until(&mut self, to: Instant) {
        let clock = self.clock.clone();
        advance_through_deadlines(&clock, to, || self.settle());
    }

    /// Reloads with `next` (as the daemon does on SIGHUP) and runs for a second.
    fn reload(&mut self, next: IpvsWish) {
        let ex = self.ex.clone();
        smol::block_on(ex.run(self.handle.configure(next)));
        self.settle();
        let until = self.clock.now() + Duration::from_secs(1);
        self.run_until(until);
    }

    fn kernel_table(&self) -> Table {
        self.ipvs.state().table.clone()
    }

    /// Every event logged at error or warning level, as text.
    fn complaints(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|(_, e)| e.severity() <= Severity::Warning)
            .map(|(_, e)| e.to_string())
            .collect()
    }

    fn programmed_at(&self, k: ServiceKey, after: usize) -> Option<Instant> {
        let want = SupervisorEvent::Ipvs(IpvsReport::Service {
            key: k,
            status: ServiceStatus::Programmed,
        });
        self.events
            .get(after..)
            .unwrap_or_default()
            .iter()
            .find(|(_, e)| *e == want)
            .map(|(t, _)| *t)
    }
}

/// The wish with only the rr service `192.0.2.1:80`.
fn rr_only() -> IpvsWish {
    let mut w = wish();
    w.table.remove(&key(2));
    w.needs = IpvsNeeds::new(["rr"], []).expect("valid");
    w
}

/// The wish with only the wrr service `192.0.2.2:80` (rr no longer needed).
fn wrr_only() -> IpvsWish {
    let mut w = wish();
    w.table.remove(&key(1));
    w.needs = IpvsNeeds::new(["wrr"], []).expect("valid");
    w
}

fn position(lines: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    lines.iter().position(|l| pred(l))
}

fn touches_wrr_service(line: &str) -> bool {
    line.starts_with("ipvs: ") && line.contains("192.0.2.2:80")
}

#[test]
fn a_reload_adding_a_wrr_service_loads_ip_vs_wrr_before_the_actor_programs_it() {
    let mut r = Rig::start(rr_only());
    assert_eq!(
        r.kernel_table().keys().copied().collect::<Vec<_>>(),
        [key(1)]
    );
    let wrr = ModuleName::new("ip_vs_wrr").expect("valid");
    assert!(!r.modules.live().contains(&wrr), "wrr not needed yet");

    let (mark, events_mark) = (r.timeline.len(), r.events.len());
    let reloaded_at = r.clock.now();
    r.reload(wish());

    let after = r.timeline.since(mark);
    let load = position(&after, |l| l == "loader: load ip_vs_wrr").expect("ip_vs_wrr loaded");
    let first_op = position(&after, touches_wrr_service).expect("the wrr service programmed");
    assert!(load < first_op, "{after:#?}");
    assert!(!after.iter().any(|l| l.contains("refused")), "{after:#?}");
    assert_eq!(r.complaints(), Vec::<String>::new());
    assert_eq!(r.kernel_table(), table());
    // The fake loads at once, so the service is missing no longer than the reload takes.
    assert_eq!(r.programmed_at(key(2), events_mark), Some(reloaded_at));
}

#[test]
fn removing_then_re_adding_a_wrr_service_never_reports_it_unloaded() {
    // vm-cold-boot scenario a: HUP without the wrr service, then with it again. ip_vs_wrr stays
    // loaded in between, but the proof the actor holds no longer names it.
    let mut r = Rig::start(wish());
    assert_eq!(r.kernel_table(), table());

    r.reload(rr_only());
    assert_eq!(
        r.kernel_table().keys().copied().collect::<Vec<_>>(),
        [key(1)]
    );

    let (mark, events_mark) = (r.timeline.len(), r.events.len());
    let reloaded_at = r.clock.now();
    r.reload(wish());
    let after = r.timeline.since(mark);
    let checked =
        position(&after, |l| l == "loader: is ip_vs_wrr live").expect("the loader looked");
    let first_op = position(&after, touches_wrr_service).expect("the wrr service programmed");
    assert!(checked < first_op, "{after:#?}");
    assert_eq!(r.complaints(), Vec::<String>::new());
    assert_eq!(r.kernel_table(), table());
    assert_eq!(r.programmed_at(key(2), events_mark), Some(reloaded_at));
}

#[test]
fn back_to_back_reloads_settle_on_the_last_without_complaints() {
    let mut r = Rig::start(wish());
    // Each reload lands before the loader answered the one before it.
    let ex = r.ex.clone();
    let handle = &r.handle;
    smol::block_on(ex.run(async {
        for next in [rr_only(), wrr_only(), wish()] {
            handle.configure(next).await;
        }
    }));
    r.settle();
    r.run_until(Instant::from_secs(2));
    assert_eq!(r.kernel_table(), table());
    assert_eq!(r.complaints(), Vec::<String>::new());
    assert!(!r.timeline.since(0).iter().any(|l| l.contains("refused")));
}

#[test]
fn a_reload_swapping_rr_for_wrr_gives_no_pass_a_table_without_its_proof() {
    let mut r = Rig::start(rr_only());
    let mark = r.timeline.len();
    r.reload(wrr_only());
    let after = r.timeline.since(mark);
    let load = position(&after, |l| l == "loader: load ip_vs_wrr").expect("ip_vs_wrr loaded");
    let first_op = position(&after, touches_wrr_service).expect("the wrr service programmed");
    assert!(load < first_op, "{after:#?}");
    assert_eq!(r.complaints(), Vec::<String>::new());
    assert_eq!(
        r.kernel_table().keys().copied().collect::<Vec<_>>(),
        [key(2)]
    );
}

#[test]
fn a_reload_whose_new_module_is_missing_still_applies_the_rest_at_once() {
    let mut r = Rig::start(rr_only());
    let wrr = ModuleName::new("ip_vs_wrr").expect("valid");
    r.modules.fail_always(
        &wrr,
        LoadError::MissingFile {
            path: "/lib/modules/6.1.0-28-amd64/kernel/net/netfilter/ipvs/ip_vs_wrr.ko".into(),
        },
    );
    // The reload also reweights the rr service's real server: that change must not wait for a
    // module that will not come.
    let mut next = wish();
    let rr = next.table.get_mut(&key(1)).expect("rr service");
    rr.insert_dest(Destination::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        80,
        FwdMethod::Masq,
        5,
    ));
    let (mark, reloaded_at) = (r.events.len(), r.clock.now());
    r.reload(next.clone());

    let mut expected = next.table.clone();
    expected.remove(&key(2));
    assert_eq!(r.kernel_table(), expected);
    let reweighted = r
        .timeline
        .since(0)
        .iter()
        .any(|l| l.starts_with("ipvs: ") && l.contains("198.51.100.1:80 weight 5"));
    assert!(reweighted, "{:#?}", r.timeline.since(0));
    // The one error is the true one, told once: the file is missing, the service not programmed.
    let complaints = r.complaints();
    assert!(
        complaints
            .iter()
            .any(|c| c.contains("ip_vs_wrr") && c.contains("ipvs/ip_vs_wrr.ko")),
        "{complaints:#?}"
    );
    let unloaded = SupervisorEvent::Ipvs(IpvsReport::Service {
        key: key(2),
        status: ServiceStatus::SchedulerNotLoaded {
            scheduler: holdfast_core::ipvs::Name::new("wrr").expect("valid"),
        },
    });
    let told: Vec<Instant> = r
        .events
        .get(mark..)
        .unwrap_or_default()
        .iter()
        .filter(|(_, e)| *e == unloaded)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(told, [reloaded_at]);
    assert!(!r.timeline.since(0).iter().any(|l| l.contains("refused")));
}
