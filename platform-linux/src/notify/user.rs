//! Who a script runs as: the job's `user [group]`, else keepalived's default script user when
//! that account exists, else the daemon's own user (no change).

use crate::system_facts::LinuxFacts;
use holdfast_actors::ports::notify::ScriptError;
use holdfast_core::config::model::ScriptUser;
use holdfast_core::config::validate::SystemFacts;

/// The account keepalived runs scripts as when `script_user` is not set.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// Numeric ids to switch to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
}

/// The ids for `user`; `None` means "stay as we are".
pub fn resolve(facts: &LinuxFacts, user: Option<&ScriptUser>) -> Result<Option<Ids>, ScriptError> {
    let Some(user) = user else {
        return Ok(facts.user(DEFAULT_SCRIPT_USER).map(|ids| Ids {
            uid: ids.uid,
            gid: ids.gid,
        }));
    };
    let ids = facts
        .user(&user.user)
        .ok_or_else(|| ScriptError::UnknownUser(user.user.clone()))?;
    let gid = match &user.group {
        None => ids.gid,
        Some(group) => facts
            .group(group)
            .ok_or_else(|| ScriptError::UnknownGroup(group.clone()))?,
    };
    Ok(Some(Ids { uid: ids.uid, gid }))
}
