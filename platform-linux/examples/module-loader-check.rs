//! `module-loader-check`: runs the module-loader actor over the Linux kernel-module port on a real
//! kernel, for the QEMU scenario `tests/vm/vm-module-loader.sh` (the build machine's own kernel
//! has no loadable modules). Subcommands:
//!
//! - `cold <sched>...`: the module tree appears only after start-up; the loader must report it
//!   missing, retry, then make `ip_vs` and every `ip_vs_<sched>` live (one of them from a
//!   `.ko.xz` the kernel cannot decompress itself) with a crc32c provider for libcrc32c;
//! - `again <sched>...`: everything is live already: one round inserts nothing, and loading
//!   `ip_vs` by hand gives `EEXIST`, i.e. `AlreadyLoaded`;
//! - `missing <sched>`: the scheduler's file was deleted: `ip_vs` is ready, the scheduler is
//!   `MissingFile`, and the proof leaves it out;
//! - `denied <sched>`: module loading is disabled (`kernel.modules_disabled=1`): the scheduler
//!   is `Failed` with `PermissionDenied` (`EPERM`), `ip_vs` still ready;
//! - `crc32c <module>`: the crc32c provider that got loaded is `<module>`.
//!
//! Prints `UPDATE`/`CHECK ok` lines and `RESULT ok|FAIL <why>`; exits non-zero on failure.

use holdfast_actors::module_loader::{LoaderSettings, LoaderUpdate, ModuleLoader};
use holdfast_actors::ports::clock::Clock;
use holdfast_actors::ports::kernel_modules::{KernelModules, Loaded};
use holdfast_core::modules::{IndexError, IpvsNeeds, LoadError, ModuleName, ModuleStatus};
use holdfast_core::time::Instant;
use holdfast_linux::kmod::LinuxKernelModules;
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

type Check = Result<(), String>;

/// Wall-clock time since start, for the loader's timers.
struct StdClock(std::time::Instant);

impl Clock for StdClock {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        let at = self.0 + Duration::from_millis(deadline.total_millis());
        async move {
            smol::Timer::at(at).await;
        }
    }
}

fn ensure(cond: bool, what: &str, detail: impl std::fmt::Debug) -> Check {
    if cond {
        println!("CHECK ok {what}");
        Ok(())
    } else {
        Err(format!("{what}: {detail:?}"))
    }
}

fn name(s: &str) -> ModuleName {
    ModuleName::new(s).expect("literal module name")
}

/// Runs the loader until `done` says so or `limit` passes; returns every update.
fn run_loader(
    schedulers: &[String],
    limit: Duration,
    done: impl Fn(&LoaderUpdate) -> bool,
) -> Result<Vec<LoaderUpdate>, String> {
    let needs = IpvsNeeds::new(schedulers.iter().map(String::as_str), [])
        .map_err(|e| format!("needs: {e:?}"))?;
    let start = std::time::Instant::now();
    let loader = ModuleLoader::new(
        LinuxKernelModules::default(),
        StdClock(start),
        LoaderSettings::default(),
        needs,
    );
    let (_inputs, inbox) = smol::channel::bounded(4);
    let (updates_tx, updates) = smol::channel::bounded(4);
    let ex = smol::LocalExecutor::new();
    let _task = ex.spawn(loader.run(inbox, updates_tx));
    let mut seen = Vec::new();
    smol::block_on(ex.run(async {
        let deadline = smol::Timer::after(limit);
        let mut deadline = std::pin::pin!(deadline);
        loop {
            let next = futures_lite_or(updates.recv(), &mut deadline).await;
            let Some(Ok(update)) = next else { break };
            println!(
                "UPDATE t={}ms {}",
                start.elapsed().as_millis(),
                update.report
            );
            for m in update.report.modules() {
                println!("UPDATE   {} {}", m.module, m.status);
            }
            let finished = done(&update);
            seen.push(update);
            if finished {
                break;
            }
        }
    }));
    Ok(seen)
}

/// The first of an update and the deadline (`None` when the deadline won).
async fn futures_lite_or<T>(
    recv: impl Future<Output = T>,
    deadline: &mut std::pin::Pin<&mut smol::Timer>,
) -> Option<T> {
    let recv = async { Some(recv.await) };
    let timer = async {
        deadline.as_mut().await;
        None
    };
    smol::future::or(recv, timer).await
}

fn proc_modules() -> String {
    std::fs::read_to_string("/proc/modules").unwrap_or_default()
}

fn is_listed(module: &str) -> bool {
    proc_modules()
        .lines()
        .any(|l| l.split_whitespace().next() == Some(module))
}

fn cold(schedulers: &[String]) -> Check {
    let updates = run_loader(schedulers, Duration::from_secs(30), |u| u.report.is_ready())?;
    let first = updates.first().ok_or("no update")?;
    ensure(
        matches!(
            first.report.index_error(),
            Some(IndexError::TreeMissing { .. })
        ),
        "first report: module tree missing",
        first.report.index_error(),
    )?;
    let last = updates.last().ok_or("no update")?;
    ensure(
        last.report.is_ready(),
        "ready after the tree appeared",
        last.report.to_string(),
    )?;
    let proof = last.ready.as_ref().ok_or("no ModulesReady proof")?;
    for s in schedulers {
        ensure(
            proof.scheduler_present(s),
            &format!("proof names {s}"),
            proof,
        )?;
        ensure(
            is_listed(&format!("ip_vs_{s}")),
            &format!("ip_vs_{s} live"),
            proc_modules(),
        )?;
    }
    ensure(is_listed("ip_vs"), "ip_vs live", proc_modules())?;
    ensure(is_listed("libcrc32c"), "libcrc32c live", proc_modules())?;
    ensure(
        is_listed("crc32c_intel") || is_listed("crc32c_generic"),
        "a crc32c provider live",
        proc_modules(),
    )
}

fn again(schedulers: &[String]) -> Check {
    let updates = run_loader(schedulers, Duration::from_secs(10), |_| true)?;
    let report = &updates.first().ok_or("no update")?.report;
    ensure(report.is_ready(), "ready at once", report.to_string())?;
    let inserted: Vec<_> = report
        .modules()
        .iter()
        .filter(|m| m.status == ModuleStatus::Loaded)
        .map(|m| m.module.to_string())
        .collect();
    ensure(inserted.is_empty(), "nothing inserted again", &inserted)?;
    let port = LinuxKernelModules::default();
    let release = port.release().map_err(|e| e.to_string())?;
    let result = smol::block_on(port.load(
        &release,
        &name("ip_vs"),
        "kernel/net/netfilter/ipvs/ip_vs.ko",
    ));
    ensure(
        result == Ok(Loaded::AlreadyLoaded),
        "EEXIST is AlreadyLoaded",
        result,
    )
}

fn missing(scheduler: &str) -> Check {
    let updates = run_loader(&[String::from(scheduler)], Duration::from_secs(10), |_| {
        true
    })?;
    let update = updates.first().ok_or("no update")?;
    let module = format!("ip_vs_{scheduler}");
    ensure(
        update.report.ipvs_present(),
        "ip_vs ready",
        update.report.to_string(),
    )?;
    ensure(
        !update.report.is_ready(),
        "not ready",
        update.report.to_string(),
    )?;
    let status = update.report.status(&name(&module));
    ensure(
        matches!(status, Some(ModuleStatus::MissingFile { .. })),
        &format!("{module} MissingFile"),
        status,
    )?;
    let proof = update.ready.as_ref().ok_or("no proof")?;
    ensure(
        !proof.scheduler_present(scheduler),
        "proof leaves it out",
        proof,
    )
}

fn denied(scheduler: &str) -> Check {
    let updates = run_loader(&[String::from(scheduler)], Duration::from_secs(10), |_| {
        true
    })?;
    let update = updates.first().ok_or("no update")?;
    let module = format!("ip_vs_{scheduler}");
    ensure(
        update.report.ipvs_present(),
        "ip_vs ready",
        update.report.to_string(),
    )?;
    let status = update.report.status(&name(&module));
    ensure(
        matches!(
            status,
            Some(ModuleStatus::Failed {
                error: LoadError::PermissionDenied { errno }
            }) if errno.name == "EPERM"
        ),
        &format!("{module} PermissionDenied (EPERM)"),
        status,
    )
}

fn crc32c(expected: &str) -> Check {
    let other = if expected == "crc32c_intel" {
        "crc32c_generic"
    } else {
        "crc32c_intel"
    };
    ensure(
        is_listed(expected),
        &format!("{expected} live"),
        proc_modules(),
    )?;
    ensure(
        !is_listed(other),
        &format!("{other} not loaded"),
        proc_modules(),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("cold") => cold(rest),
        Some("again") => again(rest),
        Some("missing") if rest.len() == 1 => missing(&rest[0]),
        Some("denied") if rest.len() == 1 => denied(&rest[0]),
        Some("crc32c") if rest.len() == 1 => crc32c(&rest[0]),
        _ => Err(String::from(
            "usage: module-loader-check cold|again SCHED... | missing|denied SCHED | crc32c MODULE",
        )),
    };
    match result {
        Ok(()) => {
            println!("RESULT ok");
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("RESULT FAIL {why}");
            ExitCode::FAILURE
        }
    }
}
