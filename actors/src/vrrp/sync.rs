//! Feeding inputs to the state machines, with sync groups: after every `handle` on a member, the
//! inputs `holdfast_core::vrrp::sync_group` derives (follow the Master/Backup move, hold or
//! release the group Fault) are fed to the other members, until nothing is left, in the call
//! order that module documents. Group notifies run once every member shares a new state.

use super::actor::VrrpActor;
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{Links, PacketIo};
use holdfast_core::time::{Duration, Instant};
use holdfast_core::vrrp::sync_group::{self, MemberView, MAX_SYNC_MEMBERS};
use holdfast_core::vrrp::{Action, Input, State};
use std::collections::VecDeque;

/// Bound on the inputs one event can cause across a group: each member moves at most a few
/// times per round (see `sync_group`), so this is never reached unless something flaps.
const MAX_STEPS: usize = 4 * MAX_SYNC_MEMBERS + 1;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    /// Feeds `input` to instance `i` at the current time, performs the actions and lets its
    /// sync group follow.
    pub(super) async fn feed(&mut self, i: usize, input: Input) {
        self.drive(i, input, Duration::ZERO, true).await;
    }

    /// Feeds instance `i` an input that happened `ago` (a received advert that waited in its
    /// socket): its timers count from then. Never earlier than an input already fed, as the
    /// core asks.
    pub(super) async fn feed_arrived(&mut self, i: usize, input: Input, ago: Duration) {
        self.drive(i, input, ago, true).await;
    }

    /// Feeds `input` to instance `i` alone (stopping an instance must not move its group).
    pub(super) async fn feed_local(&mut self, i: usize, input: Input) {
        self.drive(i, input, Duration::ZERO, false).await;
    }

    async fn drive(&mut self, first: usize, input: Input, ago: Duration, propagate: bool) {
        let mut work = VecDeque::from([(first, input)]);
        let mut steps = 0;
        while let Some((i, input)) = work.pop_front() {
            steps += 1;
            if steps > MAX_STEPS {
                break;
            }
            let clock_now = self.clock.now();
            let at = if steps == 1 {
                Instant::from_millis(clock_now.total_millis().saturating_sub(ago.total_millis()))
            } else {
                clock_now
            };
            let now = at.max(self.last_fed);
            self.last_fed = now;
            let Some(run) = self.instances.get_mut(i) else {
                continue;
            };
            let actions = run.core.handle(input, now);
            let mut changes = Vec::new();
            let mut stale = false;
            for action in actions {
                if let Action::StateChanged { from, to } = action {
                    changes.push((from, to));
                    stale = from == State::Initialize;
                }
                self.perform(i, action, stale).await;
            }
            if propagate {
                work.extend(self.group_inputs(i, &changes));
            }
        }
        self.notify_groups();
    }

    /// What instance `i`'s sync group must be fed after `i` made `changes`.
    fn group_inputs(&self, i: usize, changes: &[(State, State)]) -> Vec<(usize, Input)> {
        let Some(group) = self
            .instances
            .get(i)
            .and_then(|r| r.group)
            .and_then(|g| self.groups.get(g))
        else {
            return Vec::new();
        };
        let views: Vec<MemberView> = group
            .members
            .iter()
            .filter_map(|&m| self.instances.get(m).map(|r| MemberView::from(&r.core)))
            .collect();
        let Some(position) = group.members.iter().position(|&m| m == i) else {
            return Vec::new();
        };
        let mut inputs = Vec::new();
        for &(from, to) in changes {
            if let Ok(follow) = sync_group::follow(position, from, to, &views) {
                inputs.extend(follow);
            }
        }
        if let Ok(faults) = sync_group::fault_inputs(&views) {
            inputs.extend(faults);
        }
        inputs
            .into_iter()
            .filter_map(|(pos, sync)| group.members.get(pos).map(|&m| (m, Input::Sync(sync))))
            .collect()
    }
}
