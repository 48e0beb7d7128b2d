//! keepalived `vrrp_sync_group`: members move together. Pure functions over the members' states
//! that say which [`SyncInput`] each member must be fed; the driver owns the members.
//!
//! Call order for a driver, after every `handle` on a member `i`:
//! 1. for each `StateChanged { from, to }` in its actions, feed [`follow`]`(i, from, to, ..)`'s
//!    inputs to the named members;
//! 2. feed [`fault_inputs`]`(..)`'s inputs;
//! 3. repeat with the actions those inputs produced until nothing is left. Each member moves at
//!    most once per round and the fault hold is level-triggered, so this settles in a few rounds.
//!
//! The rules, from keepalived's `vrrp_sync.c`:
//! * a member in its own Fault (interface down, weight-0 track) holds every member in Fault
//!   (`vrrp_sync_fault`); the hold is released when no member has a fault of its own;
//! * a member that leaves Master for Backup takes the other Masters with it (`vrrp_sync_backup`);
//! * a member that becomes Master takes the other Backups with it (`vrrp_sync_master`).
//!
//! Divergence: keepalived also makes a member wait in Backup until *every* member's
//! Master_Down_Timer has fired (`vrrp_sync_can_goto_master`); here the first to fire leads.

use super::input::SyncInput;
use super::instance::Instance;
use super::state::State;

/// The most members a group may have.
pub const MAX_SYNC_MEMBERS: usize = 32;

/// The inputs a group step produces: `(member index, input)`.
pub type SyncInputs = heapless::Vec<(usize, SyncInput), MAX_SYNC_MEMBERS>;

/// What the group needs to know about one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberView {
    /// The member's state.
    pub state: State,
    /// The member has a fault of its own (not inherited from the group).
    pub own_fault: bool,
    /// The member is currently held in Fault by the group.
    pub held: bool,
}

impl From<&Instance> for MemberView {
    fn from(instance: &Instance) -> Self {
        let faults = instance.faults();
        MemberView {
            state: instance.state(),
            own_fault: faults.own(),
            held: faults.sync,
        }
    }
}

/// A group larger than [`MAX_SYNC_MEMBERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TooManyMembers;

/// Level-triggered fault propagation: every member whose hold differs from "some member has its
/// own fault" gets `Fault` or `FaultCleared`.
pub fn fault_inputs(members: &[MemberView]) -> Result<SyncInputs, TooManyMembers> {
    let group_fault = members.iter().any(|m| m.own_fault);
    collect(members, |_, m| match (group_fault, m.held) {
        (true, false) => Some(SyncInput::Fault),
        (false, true) => Some(SyncInput::FaultCleared),
        _ => None,
    })
}

/// Edge-triggered Master/Backup propagation after member `changed` went `from` -> `to`.
pub fn follow(
    changed: usize,
    from: State,
    to: State,
    members: &[MemberView],
) -> Result<SyncInputs, TooManyMembers> {
    collect(members, |i, m| {
        if i == changed {
            return None;
        }
        match (from, to, m.state) {
            (State::Master, State::Backup, State::Master) => Some(SyncInput::Backup),
            (_, State::Master, State::Backup) => Some(SyncInput::Master),
            _ => None,
        }
    })
}

fn collect(
    members: &[MemberView],
    pick: impl Fn(usize, &MemberView) -> Option<SyncInput>,
) -> Result<SyncInputs, TooManyMembers> {
    if members.len() > MAX_SYNC_MEMBERS {
        return Err(TooManyMembers);
    }
    let mut inputs = SyncInputs::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(input) = pick(i, m) {
            // Capacity equals the member limit checked above.
            inputs.push((i, input)).map_err(|_| TooManyMembers)?;
        }
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn m(state: State, own_fault: bool, held: bool) -> MemberView {
        MemberView {
            state,
            own_fault,
            held,
        }
    }

    #[test]
    fn one_own_fault_holds_everyone_and_release_waits_for_the_last() {
        let members = [m(State::Fault, true, false), m(State::Master, false, false)];
        let got = fault_inputs(&members).unwrap_or_default();
        assert_eq!(
            got.as_slice(),
            &[(0, SyncInput::Fault), (1, SyncInput::Fault)]
        );
        let members = [m(State::Fault, true, true), m(State::Fault, true, true)];
        assert!(fault_inputs(&members).unwrap_or_default().is_empty());
        let members = [m(State::Fault, false, true), m(State::Fault, false, true)];
        assert_eq!(
            fault_inputs(&members).unwrap_or_default().as_slice(),
            &[(0, SyncInput::FaultCleared), (1, SyncInput::FaultCleared)]
        );
    }

    #[test]
    fn master_and_backup_moves_pull_the_others() {
        let members = [
            m(State::Master, false, false),
            m(State::Backup, false, false),
            m(State::Fault, false, true),
        ];
        assert_eq!(
            follow(0, State::Backup, State::Master, &members)
                .unwrap_or_default()
                .as_slice(),
            &[(1, SyncInput::Master)]
        );
        let members = [
            m(State::Backup, false, false),
            m(State::Master, false, false),
        ];
        assert_eq!(
            follow(0, State::Master, State::Backup, &members)
                .unwrap_or_default()
                .as_slice(),
            &[(1, SyncInput::Backup)]
        );
        assert!(follow(0, State::Fault, State::Backup, &members)
            .unwrap_or_default()
            .is_empty());
    }

    #[test]
    fn oversized_groups_are_an_error() {
        let members = [m(State::Backup, false, false); MAX_SYNC_MEMBERS + 1];
        assert_eq!(fault_inputs(&members), Err(TooManyMembers));
    }
}
