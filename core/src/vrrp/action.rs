//! What the state machine asks the driver to do, as plain data, in the order to do it.

use super::state::{NotifyState, State};
use serde::{Deserialize, Serialize};

/// One side effect for the driver (the vrrp actor) to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Action {
    /// Send one advertisement with this priority (0 = stopping) and Max Adver Int (centiseconds;
    /// the VRRPv2 encoder divides by 100).
    SendAdvert {
        /// Priority field.
        priority: u8,
        /// Max Adver Int field, in centiseconds.
        max_adver_int_cs: u16,
    },
    /// Send `repeat` gratuitous ARP requests (IPv4) or unsolicited neighbour adverts (IPv6) for
    /// every VIP of the instance.
    SendGratuitous {
        /// Messages per VIP in this burst.
        repeat: u8,
    },
    /// Add the instance's VIPs; `accept` is RFC 5798 Accept_Mode (whether the router may accept
    /// packets addressed to them when it is not the owner).
    AddVips {
        /// Accept_Mode.
        accept: bool,
    },
    /// Remove the instance's VIPs. Removing an absent VIP is not an error.
    RemoveVips,
    /// The instance changed state (for logs and the event record).
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
    /// Run the notify scripts for this state.
    Notify(NotifyState),
}

/// Upper bound on the actions one `handle` call returns.
///
/// The longest sequences are a transition into Master (state change, advert, add VIPs,
/// gratuitous burst, notify: 5) and a Master entering Fault (state change, stop advert, remove
/// VIPs, notify: 4). One `Timeout` can also fire the GARP repeat and refresh timers after the
/// advert timer (advert, burst, burst: 3). Twice the longest leaves room.
pub const MAX_ACTIONS: usize = 10;

/// The actions of one `handle` call; allocation-free.
pub type Actions = heapless::Vec<Action, MAX_ACTIONS>;
