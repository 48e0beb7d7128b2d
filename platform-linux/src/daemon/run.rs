//! The daemon's main task: starts the supervised actors for an admitted configuration, then
//! loops over signals and supervisor events until TERM or INT.
//!
//! - Every supervisor event and every vrrp event is logged once (the actors report changes, not
//!   retries); supervisor events are folded into [`State`].
//! - HUP: the configuration is loaded and admitted again; a refused one is logged and the
//!   running one kept; an unchanged one changes nothing; a changed one goes to the IPVS branch
//!   (started now if the old configuration had no virtual servers) and to the VRRP branch
//!   (started, reloaded or stopped; the actor keeps unchanged instances as they are).
//! - Health checks: when IPVS runs and a real server has a checker, the checker branch
//!   ([`CheckerBranch`]) sends the IPVS tables from then on, reloads included, and stops after
//!   VRRP but before IPVS at TERM/INT so `omega` scripts run while IPVS is still up.
//! - USR1: the state dump to [`DUMP_PATH`](super::state::DUMP_PATH), with each VRRP instance's
//!   state asked of the actor; SIGRTMIN+2: the JSON dump ([`json_dump`](super::json_dump)).
//! - TERM/INT: VRRP stops first (priority-0 adverts so a backup takes over within Skew_Time, VIPs
//!   removed), waited for at most [`VRRP_STOP_TIMEOUT`]; then the IPVS branch applies its stop
//!   policy while events are still read (the branch waits on a full event channel), then the
//!   supervisor and its children are dropped.
//!
//! Signals arrive through `async-signal` on smol's reactor: a self-pipe with a registered
//! handler, read as a stream in this task, so no handler ever runs daemon code.

use super::admit::{admit, Admitted};
use super::appliance;
use super::checker_branch::CheckerBranch;
use super::log::Log;
use super::state::{write_dump, State, DUMP_PATH};
use super::vrrp_branch::{self, VrrpBranch};
use super::{json_dump, residency, sys};
use crate::cli::Options;
use crate::clock::MonotonicClock;
use crate::ipvs::{LinuxIpvs, DEFAULT_TIMEOUT};
use crate::kmod::LinuxKernelModules;
use crate::load::load;
use async_signal::{Signal, Signals};
use futures_lite::{future, StreamExt};
use holdfast_actors::module_loader::LoaderSettings;
use holdfast_actors::supervisor::{
    ChildName, IpvsHandle, IpvsParts, IpvsWish, RestartPolicy, Severity, Supervisor,
    SupervisorEvent, EVENT_CAPACITY,
};
use holdfast_actors::vrrp::{VrrpEvent, VrrpSetup};
use holdfast_core::ipvs::from_config::{QuorumChange, QuorumStates};
use holdfast_core::time::Duration;
use smol::channel::Receiver;
use smol::LocalExecutor;
use std::io::Read as _;
use std::path::Path;
use std::rc::Rc;

/// Longest wait for the IPVS actor's stop policy at shutdown.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Extra loader rounds while the module tree is missing (boot-time mounts).
const INDEX_RECHECK: Duration = Duration::from_secs(1);
/// Longest wait for the vrrp actor's orderly stop (priority-0 adverts, VIPs removed, STOP
/// scripts) at shutdown or when a reload removes every instance.
const VRRP_STOP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

enum Wake {
    Signal(Option<std::io::Result<Signal>>),
    /// SIGRTMIN+2 (its own pipe: async-signal has no real-time signals).
    JsonDump,
    Event(Result<SupervisorEvent, smol::channel::RecvError>),
    Vrrp(VrrpEvent),
}

/// The running VRRP child and the setup it was last given.
struct Vrrp {
    branch: VrrpBranch,
    setup: VrrpSetup,
}

/// Runs the daemon until TERM/INT; returns the exit code.
pub async fn run(
    executor: Rc<LocalExecutor<'static>>,
    options: &Options,
    log: &Log,
    admitted: Admitted,
    mut quorum: QuorumStates,
) -> i32 {
    let mut signals = match Signals::new([Signal::Term, Signal::Int, Signal::Hup, Signal::Usr1]) {
        Ok(s) => s,
        Err(e) => {
            log.error(format_args!("cannot catch signals: {e}"));
            return 1;
        }
    };
    let json_signal =
        match sys::catch_rt_signal(json_dump::JSON_SIGNAL_OFFSET).and_then(smol::Async::new) {
            Ok(pipe) => Some(pipe),
            Err(e) => {
                log.warning(format_args!("SIGRTMIN+2 (JSON dump) not available: {e}"));
                None
            }
        };
    let clock = MonotonicClock::new();
    let (events_tx, events) = smol::channel::bounded(EVENT_CAPACITY);
    let mut supervisor =
        Supervisor::new(executor.clone(), clock, RestartPolicy::default(), events_tx);
    let (vrrp_events_tx, vrrp_events) = smol::channel::bounded(vrrp_branch::EVENT_CAPACITY);
    let watchdog = appliance::start_watchdog(options, log, &mut supervisor, clock);
    let mut state = State::with_tap(log.tap().cloned());
    log_quorum(log, &admitted.quorum_changes);
    let mut wish = admitted.ipvs;
    let mut ipvs: Option<IpvsHandle> = None;
    if let Some(w) = wish.as_ref().filter(|w| !w.table.is_empty()) {
        ipvs = Some(start_ipvs(&supervisor, clock, w.clone()));
    }
    let mut vrrp = admitted.vrrp.map(|setup| Vrrp {
        branch: VrrpBranch::start(
            &mut supervisor,
            clock,
            setup.clone(),
            vrrp_events_tx.clone(),
        ),
        setup,
    });
    // Health checks: from here on the checker branch sends the IPVS tables.
    let mut checkers = CheckerBranch::start(
        &executor,
        options,
        log,
        &admitted.config,
        &quorum,
        ipvs.as_ref(),
        wish.as_ref(),
    );
    // The checker branch took its copy; a reload parses the files again.
    drop(admitted.config);
    // Start-up code out of the resident set once steady (see `residency`).
    let releaser = residency::Releaser::spawn(&executor, residency::STEADY_AFTER);
    releaser.activity();
    log.info(format_args!(
        "running: {} virtual services wanted, {} VRRP instances",
        wish.as_ref().map_or(0, |w| w.table.len()),
        vrrp.as_ref().map_or(0, |v| v.setup.instances.len())
    ));

    let mut events_open = true;
    loop {
        let signal = async { Wake::Signal(signals.next().await) };
        let event = async {
            if events_open {
                Wake::Event(events.recv().await)
            } else {
                future::pending().await
            }
        };
        let vrrp_event = async {
            match vrrp_events.recv().await {
                Ok(e) => Wake::Vrrp(e),
                // The daemon holds a sender: not reached.
                Err(_) => future::pending().await,
            }
        };
        let json = async {
            match &json_signal {
                Some(pipe) => {
                    // Every byte is one delivery; one dump answers all that are pending.
                    let mut bytes = [0u8; 64];
                    let _ = pipe.read_with(|p| (&*p).read(&mut bytes)).await;
                    Wake::JsonDump
                }
                None => future::pending().await,
            }
        };
        match future::or(future::or(signal, json), future::or(event, vrrp_event)).await {
            Wake::JsonDump => {
                let status = match &vrrp {
                    Some(v) => v.branch.status().await,
                    None => None,
                };
                let dumps = json_dump::render(vrrp.as_ref().map(|v| &v.setup), status.as_ref());
                let files = [
                    (json_dump::JSON_PATH, dumps.keepalived),
                    (json_dump::HOLDFAST_JSON_PATH, Some(dumps.holdfast)),
                ];
                for (path, text) in files {
                    let path = Path::new(path);
                    match text.map(|text| json_dump::write(path, &text)) {
                        Some(Ok(())) => {
                            log.info(format_args!("state written to {}", path.display()))
                        }
                        Some(Err(e)) => {
                            log.error(format_args!("cannot write {}: {e}", path.display()))
                        }
                        None => log.warning(format_args!(
                            "{} not written: the vrrp actor did not answer",
                            path.display()
                        )),
                    }
                }
            }
            Wake::Event(Ok(e)) => {
                log.line(e.severity(), &e);
                state.observe(&e);
            }
            Wake::Vrrp(e) => {
                releaser.activity();
                log.line(vrrp_branch::severity(&e), &e);
                state.observe_vrrp(&e);
            }
            // The supervisor holds a sender until the end: not reached while it lives.
            Wake::Event(Err(_)) => events_open = false,
            Wake::Signal(Some(Ok(Signal::Term | Signal::Int))) => break,
            Wake::Signal(Some(Ok(Signal::Hup))) => {
                log.info("SIGHUP: reloading the configuration");
                let loaded = load(options);
                match admit(&loaded, options.subsystems, &mut quorum) {
                    Err(reasons) => {
                        for r in &reasons {
                            log.error(r);
                        }
                        state.reload_refused(&reasons);
                        log.error("reload refused; the running configuration stays");
                    }
                    Ok(new) => {
                        state.configured(&loaded.config, new.vrrp.as_ref(), new.ipvs.as_ref());
                        for line in loaded.rendered_diagnostics() {
                            log.warning(line);
                        }
                        log_quorum(log, &new.quorum_changes);
                        let vrrp_changed = vrrp.as_ref().map(|v| &v.setup) != new.vrrp.as_ref();
                        if new.ipvs == wish && !vrrp_changed {
                            log.info("configuration unchanged");
                        } else {
                            if vrrp_changed {
                                vrrp = reload_vrrp(
                                    &mut supervisor,
                                    clock,
                                    vrrp,
                                    new.vrrp,
                                    &vrrp_events_tx,
                                    (&events, &vrrp_events),
                                    log,
                                    &mut state,
                                )
                                .await;
                            }
                            let settings =
                                |w: &Option<IpvsWish>| w.as_ref().map(|w| w.config.clone());
                            if ipvs.is_some() && settings(&new.ipvs) != settings(&wish) {
                                log.warning(
                                    "lvs_flush/lvs_flush_on_stop changed: they apply when the IPVS actor next starts",
                                );
                            }
                            if let Some(w) = &new.ipvs {
                                match &ipvs {
                                    Some(_) if checkers.is_some() => {
                                        if let Some(c) = &checkers {
                                            let work = c.reload(&loaded.config, w.clone());
                                            draining(&events, log, &mut state, work).await
                                        }
                                    }
                                    Some(h) => {
                                        draining(&events, log, &mut state, h.configure(w.clone()))
                                            .await
                                    }
                                    None if !w.table.is_empty() => {
                                        ipvs = Some(start_ipvs(&supervisor, clock, w.clone()))
                                    }
                                    None => {}
                                }
                            }
                            wish = new.ipvs;
                            if checkers.is_none() {
                                checkers = CheckerBranch::start(
                                    &executor,
                                    options,
                                    log,
                                    &loaded.config,
                                    &quorum,
                                    ipvs.as_ref(),
                                    wish.as_ref(),
                                );
                            }
                            log.info("configuration reloaded");
                            releaser.activity();
                        }
                    }
                }
            }
            Wake::Signal(Some(Ok(Signal::Usr1))) => {
                let mut text = state.render(&options.config_file, wish.as_ref());
                if let Some(v) = &vrrp {
                    let status = v.branch.status().await;
                    text.push_str(&vrrp_branch::render_status(status.as_ref()));
                }
                match write_dump(Path::new(DUMP_PATH), &text) {
                    Ok(()) => log.info(format_args!("state written to {DUMP_PATH}")),
                    Err(e) => log.error(format_args!("cannot write {DUMP_PATH}: {e}")),
                }
            }
            Wake::Signal(Some(Ok(other))) => log.debug(format_args!("ignoring {other:?}")),
            Wake::Signal(Some(Err(e))) => log.warning(format_args!("reading signals: {e}")),
            Wake::Signal(None) => {
                log.error("the signal stream ended; stopping");
                break;
            }
        }
    }

    log.info("stopping");
    if let Some(v) = vrrp {
        stop_vrrp(v, (&events, &vrrp_events), log, &mut state).await;
    }
    // Checks stop first: omega's notify and quorum scripts run while IPVS is still up.
    if let Some(c) = checkers.take() {
        draining(&events, log, &mut state, c.shutdown()).await;
    }
    if let Some(h) = ipvs {
        draining(&events, log, &mut state, h.shutdown()).await;
    }
    drop(supervisor);
    while let Ok(e) = events.try_recv() {
        log.line(e.severity(), &e);
    }
    while let Ok(e) = vrrp_events.try_recv() {
        log.line(vrrp_branch::severity(&e), &e);
    }
    if let Some(w) = watchdog {
        w.stop(log);
    }
    log.info("stopped");
    0
}

fn start_ipvs(
    supervisor: &Supervisor<MonotonicClock>,
    clock: MonotonicClock,
    wish: IpvsWish,
) -> IpvsHandle {
    let parts = IpvsParts {
        // The system's modprobe only where the kernel rejected holdfast's own load of a file
        // (format, compression, symbols); holdfast's loader does everything else itself.
        kernel: LinuxKernelModules::default(),
        open_port: || LinuxIpvs::open(DEFAULT_TIMEOUT).map_err(|e| e.to_string()),
        clock,
        loader: LoaderSettings {
            modprobe_fallback: true,
            ..LoaderSettings::default()
        },
        restart: RestartPolicy::default(),
        stop_timeout: STOP_TIMEOUT,
        index_recheck: INDEX_RECHECK,
    };
    supervisor.start_ipvs(parts, wish)
}

/// Runs `work` while logging the events that arrive meanwhile (the branch may wait on a full
/// event channel before it can take `work`'s message).
async fn draining(
    events: &Receiver<SupervisorEvent>,
    log: &Log,
    state: &mut State,
    work: impl std::future::Future<Output = ()>,
) {
    let drain = async {
        while let Ok(e) = events.recv().await {
            log.line(e.severity(), &e);
            state.observe(&e);
        }
        future::pending::<()>().await
    };
    future::or(work, drain).await;
}

/// The event channels the daemon reads: the supervisor's and the vrrp actor's.
type EventChannels<'a> = (&'a Receiver<SupervisorEvent>, &'a Receiver<VrrpEvent>);

/// Applies a changed VRRP setup: starts the child, reloads it, or stops it when no instance is
/// left. Returns what runs afterwards.
#[allow(clippy::too_many_arguments)]
async fn reload_vrrp(
    supervisor: &mut Supervisor<MonotonicClock>,
    clock: MonotonicClock,
    running: Option<Vrrp>,
    new: Option<VrrpSetup>,
    vrrp_events_tx: &smol::channel::Sender<VrrpEvent>,
    channels: EventChannels<'_>,
    log: &Log,
    state: &mut State,
) -> Option<Vrrp> {
    match (running, new) {
        (Some(mut v), Some(setup)) => {
            v.branch.reload(supervisor, setup.clone()).await;
            Some(Vrrp {
                branch: v.branch,
                setup,
            })
        }
        (None, Some(setup)) => Some(Vrrp {
            branch: VrrpBranch::start(supervisor, clock, setup.clone(), vrrp_events_tx.clone()),
            setup,
        }),
        (Some(v), None) => {
            stop_vrrp(v, channels, log, state).await;
            None
        }
        (None, None) => None,
    }
}

/// Stops the VRRP child and waits (at most [`VRRP_STOP_TIMEOUT`]) for its `Stopped` event,
/// logging every event meanwhile.
async fn stop_vrrp(vrrp: Vrrp, channels: EventChannels<'_>, log: &Log, state: &mut State) {
    let (events, vrrp_events) = channels;
    let child = ChildName::Named(vrrp_branch::CHILD);
    let stopped = async {
        vrrp.branch.shutdown().await;
        loop {
            let sup = async { events.recv().await.map(Ok) };
            let vr = async { vrrp_events.recv().await.map(Err) };
            match future::or(sup, vr).await {
                Ok(Ok(e)) => {
                    log.line(e.severity(), &e);
                    state.observe(&e);
                    if e == (SupervisorEvent::Stopped { child }) {
                        // The actor's last events were sent before the child ended.
                        while let Ok(e) = vrrp_events.try_recv() {
                            log.line(vrrp_branch::severity(&e), &e);
                        }
                        return true;
                    }
                }
                Ok(Err(e)) => log.line(vrrp_branch::severity(&e), &e),
                Err(_) => return false,
            }
        }
    };
    let timeout = async {
        smol::Timer::after(VRRP_STOP_TIMEOUT).await;
        false
    };
    if !future::or(stopped, timeout).await {
        log.warning(format_args!(
            "VRRP did not stop within {} ms",
            VRRP_STOP_TIMEOUT.as_millis()
        ));
    }
}

fn log_quorum(log: &Log, changes: &[QuorumChange]) {
    for c in changes {
        let what = match (c.initial, c.up) {
            (true, true) => "starting with quorum up",
            (true, false) => "starting with quorum down",
            (false, true) => "gained quorum",
            (false, false) => "lost quorum",
        };
        let severity = if c.up {
            Severity::Info
        } else {
            Severity::Warning
        };
        log.line(
            severity,
            format_args!(
                "virtual server {}: {what} (live weight {}, threshold {})",
                c.virtual_server, c.weight_sum, c.threshold
            ),
        );
    }
}
