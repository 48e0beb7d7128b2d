//! The four protocol states of RFC 5798 §6.4 and the state names keepalived passes to notify
//! scripts.

use core::fmt;
use serde::{Deserialize, Serialize};

/// Where a virtual router instance is in the RFC 5798 §6.4 state machine.
///
/// `Fault` is not in the RFC: it is keepalived's state for an instance whose interface is down or
/// whose weight-0 tracked object failed. It behaves like `Initialize` (no adverts, no VIPs) but
/// leaves by itself when the fault clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum State {
    /// §6.4.1: waiting for a Startup event.
    Initialize,
    /// §6.4.2: monitoring the Master; Master_Down_Timer running.
    Backup,
    /// §6.4.3: forwarding for the VIPs; Adver_Timer running.
    Master,
    /// keepalived's FAULT: interface down, or a weight-0 tracked object failed.
    Fault,
}

impl State {
    /// The word keepalived passes as the third notify argument when this state is entered.
    pub const fn notify(self) -> NotifyState {
        match self {
            State::Initialize => NotifyState::Stop,
            State::Backup => NotifyState::Backup,
            State::Master => NotifyState::Master,
            State::Fault => NotifyState::Fault,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Initialize => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        })
    }
}

/// The state argument of a keepalived notify script (`GROUP|INSTANCE name STATE priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NotifyState {
    /// `MASTER`
    Master,
    /// `BACKUP`
    Backup,
    /// `FAULT`
    Fault,
    /// `STOP`: the instance was shut down.
    Stop,
}

impl fmt::Display for NotifyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotifyState::Master => "MASTER",
            NotifyState::Backup => "BACKUP",
            NotifyState::Fault => "FAULT",
            NotifyState::Stop => "STOP",
        })
    }
}
