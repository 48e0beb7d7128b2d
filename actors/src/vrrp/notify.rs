//! Notify scripts: the jobs keepalived runs on a state change, and the bounded queue and worker
//! that run them without ever blocking the vrrp actor.
//!
//! For an instance entering a state keepalived runs (`vrrp_notify.c`, `send_instance_notifies`)
//! the state's own script (`notify_master|backup|fault|stop`) with no added arguments, then the
//! generic `notify` script with `INSTANCE name MASTER|BACKUP|FAULT|STOP priority` (the effective
//! priority). A sync group does the same with `GROUP name STATE 0`: keepalived passes 0 as a
//! group's priority.
//!
//! Queue policy: [`NotifyQueue::push`] never waits. When [`NOTIFY_QUEUE_CAPACITY`] jobs are
//! already waiting, the oldest waiting one is dropped (and reported) to make room: the newest
//! state is the one an operator's script must see. The worker runs up to
//! [`NOTIFY_CONCURRENCY`] scripts at once, started in queue order, so one hung script delays
//! nothing until the limit is reached, and each is killed after its timeout.

use super::events::VrrpEvent;
use crate::ports::notify::{ScriptJob, ScriptRunner};
use async_channel::{Receiver, Sender, TrySendError};
use futures_lite::future;
use holdfast_core::config::model::{self, NotifyScript, ScriptUser};
use holdfast_core::time::Duration;
use holdfast_core::vrrp::NotifyState;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Jobs waiting to run before the oldest is dropped.
pub const NOTIFY_QUEUE_CAPACITY: usize = 32;
/// Scripts running at once.
pub const NOTIFY_CONCURRENCY: usize = 4;
/// Default time a notify script may run before its process group is killed. keepalived sets
/// none for notify scripts (it waits 1 s for `notify_stop` at shutdown); a limit keeps a hung
/// script from holding a worker slot forever.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);

/// Whose scripts: an instance's or a sync group's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notifier {
    Instance,
    Group,
}

/// The jobs for `name` entering `state`, in keepalived's order.
pub fn jobs(
    notify: &model::Notify,
    who: Notifier,
    name: &str,
    state: NotifyState,
    priority: u8,
    default_user: Option<&ScriptUser>,
    timeout: Duration,
) -> Vec<ScriptJob> {
    let specific = match state {
        NotifyState::Master => &notify.master,
        NotifyState::Backup => &notify.backup,
        NotifyState::Fault => &notify.fault,
        NotifyState::Stop => &notify.stop,
    };
    let job = |script: &NotifyScript, extra: Vec<String>| {
        let mut args = script.command.args.clone();
        args.extend(extra);
        ScriptJob {
            args,
            user: script.user.clone().or_else(|| default_user.cloned()),
            timeout,
        }
    };
    let mut out = Vec::new();
    if let Some(script) = specific {
        out.push(job(script, Vec::new()));
    }
    if let Some(script) = &notify.any {
        let (kind, priority) = match who {
            Notifier::Instance => ("INSTANCE", priority),
            Notifier::Group => ("GROUP", 0),
        };
        out.push(job(
            script,
            vec![
                kind.to_owned(),
                name.to_owned(),
                state.to_string(),
                priority.to_string(),
            ],
        ));
    }
    out
}

/// A new queue and the worker side it feeds.
pub fn notify_queue(capacity: usize) -> (NotifyQueue, NotifyJobs) {
    let (tx, rx) = async_channel::bounded(capacity.max(1));
    (
        NotifyQueue {
            tx,
            oldest: rx.clone(),
        },
        NotifyJobs { rx },
    )
}

/// The sending side, held by the vrrp actor. Dropping it lets the worker finish the jobs
/// still queued and end.
#[derive(Debug)]
pub struct NotifyQueue {
    tx: Sender<ScriptJob>,
    /// A receiver used only to take the oldest job out when the queue is full.
    oldest: Receiver<ScriptJob>,
}

impl NotifyQueue {
    /// Queues a job without waiting. Returns the job dropped to make room, if any.
    pub fn push(&self, job: ScriptJob) -> Option<ScriptJob> {
        match self.tx.try_send(job) {
            Ok(()) => None,
            Err(TrySendError::Full(job)) => {
                let dropped = self.oldest.try_recv().ok();
                match self.tx.try_send(job) {
                    Ok(()) => dropped,
                    // Still full (cannot happen with one sender on one thread): drop the new one.
                    Err(e) => Some(e.into_inner()),
                }
            }
            Err(TrySendError::Closed(job)) => Some(job),
        }
    }
}

/// The receiving side, for [`NotifyWorker::new`].
#[derive(Debug)]
pub struct NotifyJobs {
    rx: Receiver<ScriptJob>,
}

/// Runs queued scripts through a [`ScriptRunner`]. Spawn [`NotifyWorker::run`] beside the vrrp
/// actor; it ends once the actor dropped its [`NotifyQueue`] and every queued job has run.
#[must_use = "the worker runs nothing until `run` is awaited"]
pub struct NotifyWorker<R: ScriptRunner> {
    jobs: NotifyJobs,
    runner: R,
    concurrency: usize,
    events: Option<Sender<VrrpEvent>>,
}

impl<R: ScriptRunner> NotifyWorker<R> {
    /// A worker running up to `concurrency` scripts at once, reporting failures on `events`
    /// (with `try_send`: a full channel loses the report, never the script).
    pub fn new(
        jobs: NotifyJobs,
        runner: R,
        concurrency: usize,
        events: Option<Sender<VrrpEvent>>,
    ) -> Self {
        NotifyWorker {
            jobs,
            runner,
            concurrency: concurrency.max(1),
            events,
        }
    }

    /// Runs jobs until the queue is closed and empty.
    pub async fn run(self) {
        let lanes: Vec<Pin<Box<dyn Future<Output = ()> + '_>>> = (0..self.concurrency)
            .map(|_| Box::pin(self.lane()) as Pin<Box<dyn Future<Output = ()> + '_>>)
            .collect();
        join_all(lanes).await;
    }

    async fn lane(&self) {
        while let Ok(job) = self.jobs.rx.recv().await {
            let event = match self.runner.run(&job).await {
                Ok(outcome) => VrrpEvent::script_outcome(job.to_string(), &outcome),
                Err(error) => Some(VrrpEvent::ScriptFailed {
                    script: job.to_string(),
                    outcome: error.to_string(),
                }),
            };
            if let (Some(event), Some(events)) = (event, &self.events) {
                // A full report channel loses the line, not the script.
                let _ = events.try_send(event);
            }
        }
    }
}

async fn join_all(mut lanes: Vec<Pin<Box<dyn Future<Output = ()> + '_>>>) {
    future::poll_fn(|cx| {
        lanes.retain_mut(|lane| lane.as_mut().poll(cx).is_pending());
        if lanes.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::notify::FakeScripts;
    use holdfast_core::config::model::Command;

    fn script(args: &[&str]) -> Option<NotifyScript> {
        Some(NotifyScript {
            command: Command {
                args: args.iter().map(|s| s.to_string()).collect(),
            },
            user: None,
        })
    }

    #[test]
    fn keepalived_arguments_and_order() {
        let notify = model::Notify {
            any: script(&["/etc/notify.sh", "x"]),
            master: script(&["/etc/master.sh"]),
            ..model::Notify::default()
        };
        let user = ScriptUser {
            user: "nobody".into(),
            group: None,
        };
        let t = NOTIFY_TIMEOUT;
        let j = jobs(
            &notify,
            Notifier::Instance,
            "VI_1",
            NotifyState::Master,
            150,
            Some(&user),
            t,
        );
        let args: Vec<_> = j.iter().map(|j| j.args.join(" ")).collect();
        assert_eq!(
            args,
            [
                "/etc/master.sh",
                "/etc/notify.sh x INSTANCE VI_1 MASTER 150"
            ]
        );
        assert_eq!(j[0].user.as_ref(), Some(&user));
        let j = jobs(
            &notify,
            Notifier::Group,
            "G",
            NotifyState::Stop,
            150,
            None,
            t,
        );
        let args: Vec<_> = j.iter().map(|j| j.args.join(" ")).collect();
        assert_eq!(args, ["/etc/notify.sh x GROUP G STOP 0"]);
    }

    #[test]
    fn full_queue_drops_the_oldest_and_the_worker_drains_the_rest() {
        let (queue, rx) = notify_queue(2);
        let job = |n: &str| ScriptJob {
            args: vec![n.to_owned()],
            user: None,
            timeout: NOTIFY_TIMEOUT,
        };
        assert_eq!(queue.push(job("a")), None);
        assert_eq!(queue.push(job("b")), None);
        assert_eq!(queue.push(job("c")), Some(job("a")));
        drop(queue);
        let fake = FakeScripts::new();
        future::block_on(NotifyWorker::new(rx, fake.clone(), 2, None).run());
        assert_eq!(
            fake.commands(),
            [vec!["b".to_owned()], vec!["c".to_owned()]]
        );
    }
}
