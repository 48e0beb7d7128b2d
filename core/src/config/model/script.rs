//! Tracking objects defined at the top level: `vrrp_script NAME { … }` and `track_file NAME { … }`.

use super::{Command, ScriptUser};
use crate::config::diag::Location;
use crate::time::Duration;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// `vrrp_script NAME { … }`: a command run every `interval` whose exit status moves priorities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpScript {
    pub name: String,
    /// Where it was defined, for diagnostics.
    #[serde(default)]
    pub location: Option<Location>,
    /// `script`.
    pub script: Command,
    /// `interval` (default 1 s, whole seconds).
    pub interval: Duration,
    /// `timeout` (default 0: the script may run for a whole `interval`).
    pub timeout: Duration,
    /// `weight N [reverse]` -253..=253 (default 0: failure puts trackers into FAULT).
    pub weight: i16,
    pub weight_reverse: bool,
    /// `rise` (default 1): successes needed to count as up.
    pub rise: u32,
    /// `fall` (default 1): failures needed to count as down.
    pub fall: u32,
    /// `user USER [GROUP]` (default: the default script user).
    pub user: Option<ScriptUser>,
    /// `init_fail`: start in the failed state instead of up.
    pub init_fail: bool,
}

impl VrrpScript {
    /// A script with keepalived's defaults.
    pub fn new(name: String, script: Command) -> Self {
        VrrpScript {
            location: None,
            name,
            script,
            interval: Duration::from_secs(1),
            timeout: Duration::ZERO,
            weight: 0,
            weight_reverse: false,
            rise: 1,
            fall: 1,
            user: None,
            init_fail: false,
        }
    }
}

/// `track_file NAME { file PATH; weight N [reverse]; init_file [VALUE] [overwrite] }`: a file holding
/// a number that moves priorities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFile {
    pub name: String,
    /// Where it was defined, for diagnostics.
    #[serde(default)]
    pub location: Option<Location>,
    pub file: String,
    /// -254..=254 (default 1): the file's value is multiplied by it.
    pub weight: i32,
    pub weight_reverse: bool,
    /// `init_file`: create the file (with this value) if missing.
    pub init: Option<TrackFileInit>,
}

/// `init_file [VALUE] [overwrite]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFileInit {
    pub value: i32,
    /// Write the value even when the file exists.
    pub overwrite: bool,
}
