//! A supervised child that needs nothing from the others (the VRRP actor is one): started by a
//! factory, restarted after [`RestartPolicy`](super::RestartPolicy)'s backoff when it fails, and
//! cancelled when its task is dropped. It runs in its own task, so nothing another child does
//! (an IPVS port that fails forever included) can stop it.

use super::event::{ChildName, SupervisorEvent};
use super::restart::{RestartPolicy, Restarts};
use crate::ports::clock::Clock;
use async_channel::Sender;
use std::future::Future;

/// How a child's run ended.
pub type ChildResult = Result<(), String>;

/// Runs `start()` until one run ends with `Ok` (the child stopped on purpose), restarting every
/// run that ends with `Err(reason)` after the backoff delay. Each change goes to `events`.
pub async fn supervise<C, F, Fut>(
    child: ChildName,
    clock: C,
    policy: RestartPolicy,
    events: Sender<SupervisorEvent>,
    mut start: F,
) where
    C: Clock,
    F: FnMut() -> Fut,
    Fut: Future<Output = ChildResult>,
{
    let mut restarts = Restarts::new(policy);
    loop {
        let started = clock.now();
        // The events channel closes only when the daemon has gone: keep running regardless.
        let _ = events.send(SupervisorEvent::Started { child }).await;
        match start().await {
            Ok(()) => {
                let _ = events.send(SupervisorEvent::Stopped { child }).await;
                return;
            }
            Err(reason) => {
                let now = clock.now();
                let restart_in = restarts.failed(now, Some(started));
                let _ = events
                    .send(SupervisorEvent::Failed {
                        child,
                        reason,
                        restart_in,
                    })
                    .await;
                clock.sleep_until(now + restart_in).await;
            }
        }
    }
}
