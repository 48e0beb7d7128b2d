//! The time the ipvs actor needs: the current instant and a timer. Kept local to this actor until
//! the shared clock port (`ports::clock`) lands; any clock with `now` and `sleep_until` fits.

use holdfast_core::time::Instant;

/// A monotonic clock with a timer.
#[allow(async_fn_in_trait)] // one local executor: the future need not be Send
pub trait IpvsClock {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Completes at or after `deadline` (at once if it has passed).
    async fn sleep_until(&self, deadline: Instant);
}
