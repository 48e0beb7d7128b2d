//! The RFC 5798 VRRP state machine, sans I/O, with keepalived's behaviour where it differs.
//!
//! An [`Instance`] is one `vrrp_instance`. The driver feeds it [`Input`]s with the current time
//! through [`Instance::handle`], performs the returned [`Action`]s in order, and arms one timer at
//! [`Instance::next_deadline`]. The machine never reads a clock, never allocates (actions come back
//! in a fixed-capacity [`Actions`]) and never panics. Received adverts arrive as the plain
//! [`Advert`], so this module does not depend on the wire format. Sync groups are pure functions
//! in [`sync_group`].
//!
//! # Transition table
//!
//! `MDI` is Master_Down_Interval, `Skew` is Skew_Time, `adv` the configured interval (see
//! [`interval`]). "Master duties off" means: stop advert, send a priority-0 advert, remove VIPs.
//!
//! | State | Event | Condition | Actions | Next | Ref |
//! |---|---|---|---|---|---|
//! | Initialize | Startup | a fault is present | remove stale VIPs | Fault | keepalived |
//! | Initialize | Startup | priority 255 (owner) | advert, add VIPs, GARP burst, Adver_Timer = adv | Master | §6.4.1 |
//! | Initialize | Startup | otherwise | remove stale VIPs, Master_Adver_Interval = adv, Master_Down_Timer = MDI | Backup | §6.4.1 |
//! | Backup | Shutdown | | cancel Master_Down_Timer | Initialize | §6.4.2 |
//! | Backup | Master_Down_Timer fires | | advert, add VIPs, GARP burst, Adver_Timer = adv | Master | §6.4.2 |
//! | Backup | advert | priority 0 | Master_Down_Timer = Skew | Backup | §6.4.2 |
//! | Backup | advert | nopreempt, or priority >= ours, or preempt_delay running | learn interval (v3), Master_Down_Timer = MDI | Backup | §6.4.2 |
//! | Backup | advert | lower priority, preempting | discard (Master_Down_Timer keeps running) | Backup | §6.4.2 |
//! | Master | Shutdown | | master duties off | Initialize | §6.4.3 |
//! | Master | Adver_Timer fires | | advert, Adver_Timer = adv | Master | §6.4.3 |
//! | Master | advert | priority 0 | advert, Adver_Timer = adv | Master | §6.4.3 |
//! | Master | advert | higher priority, or equal and greater primary address | remove VIPs, learn interval (v3), Master_Down_Timer = MDI | Backup | §6.4.3 |
//! | Master | advert | lower priority, or equal and smaller address | advert (unless `lower_prio_no_advert`) | Master | §6.4.3, keepalived |
//! | Master | GARP timers fire | | GARP burst | Master | keepalived |
//! | Backup, Master | interface down, weight-0 track fails, sync Fault | | (Master) master duties off | Fault | keepalived |
//! | Fault | last fault clears | | as Startup | Backup / Master | keepalived |
//! | Fault | Shutdown | | | Initialize | keepalived |
//! | Master | sync Backup | | remove VIPs, Master_Down_Timer = MDI | Backup | keepalived |
//! | Backup | sync Master | | as Master_Down_Timer fires | Master | keepalived |
//!
//! Every transition also returns `StateChanged` first and `Notify` last; entering a state stops
//! every timer of the previous one.
//!
//! # Where holdfast follows keepalived instead of the RFC text
//!
//! 1. **Start-up.** keepalived 2.2.7 starts in Backup even with `state MASTER` unless the priority
//!    is 255, and so waits one MDI before its first advert (FIELD-NOTES §4). There is no `state`
//!    input at all. Start-up into Backup or Fault also removes the VIPs, because a predecessor
//!    killed with SIGKILL leaves them behind.
//! 2. **Skew in VRRPv2** is `(256 - priority) / 256` seconds whatever the interval (RFC 3768 and
//!    keepalived), not scaled by the interval as in VRRPv3. VRRPv2 adverts with another interval
//!    are discarded (RFC 3768 §7.1); VRRPv3 Backups learn the Master's interval (§6.4.2).
//! 3. **Lower-priority advert while Master.** RFC: discard. keepalived (default) also sends an
//!    advert at once, so the other Master steps down without waiting for our next periodic one;
//!    `lower_prio_no_advert` turns that off.
//! 4. **preempt_delay** (not in the RFC): a preempting Backup keeps accepting a lower-priority
//!    Master until `preempt_delay` after the first such advert, then discards them and takes over
//!    when Master_Down_Timer fires. Seeing a priority >= ours again resets the delay.
//! 5. **GARP schedule.** On becoming Master: one burst of `garp_master_repeat` at once, another
//!    after `garp_master_delay`, then every `garp_master_refresh` if set. The RFC asks for one.
//! 6. **Fault** is keepalived's fourth state: interface down or a weight-0 tracked object failing.
//!    A Master entering it sends a priority-0 advert and removes its VIPs. Leaving it is a
//!    Startup.
//! 7. **Effective priority** = configured + sum of track weights, clamped to 1..=254; an owner
//!    (255) ignores weights. A change moves a running Master_Down_Timer by the change in MDI.
//! 8. **Sync groups** move together; see [`sync_group`] for the rules and one divergence from
//!    keepalived.
//! 9. **Shutdown from Fault** returns to Initialize (the RFC has no Fault). The Shutdown notify is
//!    keepalived's `STOP`.
//! 10. **Not modelled:** keepalived's handling of two routers both configured as address owner
//!     (it lowers its own priority to 254 after a while); here the RFC tie-break applies. Reload
//!     (changing a running instance's configuration) is a Shutdown plus a Startup.
//!
//! # Tests
//!
//! `tests/tests/vrrp_transitions.rs` has one row per line of the table above;
//! `vrrp_invariants.rs` feeds random inputs; `vrrp_sim.rs` runs the properties (election,
//! failover timing, partitions, preemption) over many seeds in the simulator in
//! `holdfast_tests::sim`; `vrrp_sync_group.rs` drives sync groups.

mod action;
mod config;
mod events;
mod input;
mod instance;
pub mod interval;
mod priority;
mod receive;
mod state;
pub mod sync_group;
mod timers;
mod transition;

pub use action::{Action, Actions, MAX_ACTIONS};
pub use config::{Config, ConfigError, GarpSchedule, Version};
pub use input::{Advert, Input, SyncInput, TrackStatus};
pub use instance::{Faults, Instance, Stats};
pub use interval::AdvertInterval;
pub use priority::{Priority, PRIORITY_STOP};
pub use state::{NotifyState, State};
pub use timers::{Timer, TimerTable};
