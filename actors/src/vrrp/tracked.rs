//! The tracker's per-instance status in: each [`TrackEvent`] is remembered by instance name and
//! fed to the state machine as `Input::Track` (the core clamps the priority and handles weight-0
//! Fault; sync groups follow through `feed`). A tracked instance is held in Initialize until the
//! tracker's first settled status, so it never starts with weights it does not know yet.

use super::actor::VrrpActor;
use super::events::VrrpEvent;
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{Links, PacketIo};
use holdfast_core::checker::TrackEvent;
use holdfast_core::vrrp::Input;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    /// Takes one status from the tracker.
    pub(super) async fn on_track(&mut self, event: TrackEvent) {
        let name = event.instance.clone();
        if self.tracking.get(&name) == Some(&event) {
            return;
        }
        self.tracking.insert(name.clone(), event);
        let Some(i) = self
            .instances
            .iter()
            .position(|r| r.setup.tracked && r.setup.name == name)
        else {
            return;
        };
        let held = self.instances.get(i).is_some_and(|r| r.awaiting_track);
        if held {
            if self.track_and_start(i).await {
                self.feed(i, Input::Startup).await;
            }
        } else {
            self.apply_track(i).await;
        }
    }

    /// Before `Startup`: feeds instance `i` its tracked status. Returns whether it may start
    /// now; if not, it is held until [`on_track`](Self::on_track) brings a settled status.
    pub(super) async fn track_and_start(&mut self, i: usize) -> bool {
        let Some(run) = self.instances.get_mut(i) else {
            return false;
        };
        if !run.setup.tracked {
            return true;
        }
        let settled = self
            .tracking
            .get(&run.setup.name)
            .is_some_and(|e| !e.initialising);
        run.awaiting_track = !settled;
        if settled {
            self.apply_track(i).await;
        }
        settled
    }

    /// Feeds instance `i` its last known status and reports a changed priority.
    async fn apply_track(&mut self, i: usize) {
        let Some(run) = self.instances.get(i) else {
            return;
        };
        let Some(status) = self.tracking.get(&run.setup.name).map(|e| e.status) else {
            return;
        };
        let before = run.core.effective_priority().get();
        self.feed(i, Input::Track(status)).await;
        if let Some(run) = self.instances.get(i) {
            let after = run.core.effective_priority().get();
            if after != before {
                let instance = run.setup.name.clone();
                self.emit(VrrpEvent::PriorityChanged {
                    instance,
                    from: before,
                    to: after,
                });
            }
        }
    }
}
