//! A reference driver for a keepalived sync group: feeds one input to a member, then the
//! [`sync_group`](holdfast_core::vrrp::sync_group) inputs its moves cause, until the group is
//! quiet. The vrrp actor follows the same call order.

use holdfast_core::time::Instant;
use holdfast_core::vrrp::sync_group::{self, MemberView, TooManyMembers};
use holdfast_core::vrrp::{Action, Input, Instance};
use std::collections::VecDeque;

/// Why driving the group stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupError {
    /// The group has more members than the core supports.
    TooManyMembers,
    /// Propagation did not settle within the budget (members chasing each other).
    NoFixpoint,
}

impl From<TooManyMembers> for GroupError {
    fn from(_: TooManyMembers) -> Self {
        GroupError::TooManyMembers
    }
}

/// Feeds `input` to member `first` at `now`, then propagates sync-group inputs until none are
/// left. Returns every member's actions, tagged with the member index, in the order produced.
pub fn drive(
    members: &mut [Instance],
    first: usize,
    input: Input,
    now: Instant,
) -> Result<Vec<(usize, Action)>, GroupError> {
    // Each member can be moved a handful of times per propagation at most; this is generous.
    let budget = 8 * members.len() + 8;
    let mut queue = VecDeque::from([(first, input)]);
    let mut all = Vec::new();
    let mut fed = 0;
    while let Some((i, input)) = queue.pop_front() {
        fed += 1;
        if fed > budget {
            return Err(GroupError::NoFixpoint);
        }
        let Some(member) = members.get_mut(i) else {
            continue;
        };
        let actions = member.handle(input, now);
        let views: Vec<MemberView> = members.iter().map(MemberView::from).collect();
        for action in &actions {
            all.push((i, *action));
            if let Action::StateChanged { from, to } = action {
                for (j, sync) in sync_group::follow(i, *from, *to, &views)? {
                    queue.push_back((j, Input::Sync(sync)));
                }
            }
        }
        if queue.is_empty() {
            for (j, sync) in sync_group::fault_inputs(&views)? {
                queue.push_back((j, Input::Sync(sync)));
            }
        }
    }
    Ok(all)
}
