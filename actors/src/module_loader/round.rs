//! One loading round against the port: read the index, plan, and make each planned module live
//! in order. All decisions are `holdfast_core::modules::Round`'s; this file only does the I/O.

use crate::ports::kernel_modules::{KernelModules, Liveness, Loaded};
use holdfast_core::modules::{LoadError, LoadReport, ModuleDb, ModuleName, Outcome, Round};

/// Runs one round for `wanted` and returns its report.
pub(super) async fn run<K: KernelModules>(
    kernel: &K,
    wanted: &[ModuleName],
    modprobe_fallback: bool,
    previous: Option<&LoadReport>,
) -> LoadReport {
    let release = match kernel.release() {
        Ok(release) => release,
        Err(error) => return LoadReport::unavailable(None, wanted, error),
    };
    let files = match kernel.read_index(&release).await {
        Ok(files) => files,
        Err(error) => return LoadReport::unavailable(Some(release), wanted, error),
    };
    let db = ModuleDb::parse(files.texts());
    drop(files);
    let plan = db.closure(wanted);
    let mut round = Round::new(&plan, previous, |m| kernel.liveness(m) == Liveness::Live);
    while let Some(attempt) = round.next_attempt() {
        let outcome = make_live(
            kernel,
            &release,
            attempt.module,
            attempt.path,
            modprobe_fallback,
        )
        .await;
        round.record(attempt, outcome);
    }
    round.finish(release, wanted, db.diagnostics())
}

async fn make_live<K: KernelModules>(
    kernel: &K,
    release: &str,
    module: &ModuleName,
    path: &str,
    modprobe_fallback: bool,
) -> Outcome {
    let error = match kernel.load(release, module, path).await {
        Ok(Loaded::Inserted) => return Outcome::Inserted,
        Ok(Loaded::AlreadyLoaded) => return Outcome::Live,
        Err(error) => error,
    };
    if modprobe_fallback && modprobe_may_help(&error) {
        // modprobe's exit status says less than the kernel's errno, so a failed fallback keeps
        // the first error.
        if kernel.modprobe(module).await.is_ok() && kernel.liveness(module) == Liveness::Live {
            return Outcome::Inserted;
        }
    }
    Outcome::Failed(error)
}

/// Failures a distribution `modprobe` can get past (it knows compression formats and module
/// parameters from `/etc/modprobe.d`); it cannot help without the file, the permission or the
/// hardware.
fn modprobe_may_help(error: &LoadError) -> bool {
    matches!(
        error,
        LoadError::BadFormat { .. }
            | LoadError::CompressionUnsupported { .. }
            | LoadError::UnknownSymbol
            | LoadError::Os { .. }
    )
}
