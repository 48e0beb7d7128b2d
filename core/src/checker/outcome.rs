//! What one probe found, and how a MISC_CHECK's exit status maps onto it (`check_misc.c`).

use serde::{Deserialize, Serialize};

/// The result of one probe, as the checker logic sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// The check passed; a `misc_dynamic` checker's weight goes back to the configured one.
    Success,
    /// A `misc_dynamic` script passed with exit status 2..=255: weight `status - 2`.
    SuccessWeight(u32),
    /// The check failed (refused, timed out, wrong status or digest, non-zero exit...).
    Failure,
}

impl Outcome {
    /// Whether the check passed.
    pub const fn is_success(self) -> bool {
        !matches!(self, Outcome::Failure)
    }
}

/// How a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ScriptExit {
    /// It exited with this status.
    Exited(u8),
    /// A signal ended it (not one holdfast sent for a timeout).
    Signalled(i32),
    /// It ran past its timeout and was killed.
    TimedOut,
    /// It could not be started (missing program, unknown user, fork failure).
    SpawnFailed,
}

impl ScriptExit {
    /// Exit status 0: the only success for `vrrp_script` and a plain MISC_CHECK.
    pub const fn is_zero(self) -> bool {
        matches!(self, ScriptExit::Exited(0))
    }
}

/// A MISC_CHECK's outcome: 0 passes; with `misc_dynamic`, 2..=255 pass too and set the weight to
/// `status - 2` (so 0..=253); 1, other statuses, signals and timeouts fail.
pub const fn misc_outcome(exit: ScriptExit, dynamic: bool) -> Outcome {
    match exit {
        ScriptExit::Exited(0) => Outcome::Success,
        ScriptExit::Exited(status) if dynamic && status >= 2 => {
            Outcome::SuccessWeight(status as u32 - 2)
        }
        _ => Outcome::Failure,
    }
}
