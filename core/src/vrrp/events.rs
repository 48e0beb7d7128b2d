//! The non-advert inputs: Startup and Shutdown (RFC 5798 §6.4), timer expiry, interface and track
//! changes (keepalived Fault and effective priority), and sync-group requests.

use super::action::Action;
use super::input::{SyncInput, TrackStatus};
use super::instance::{Instance, Out};
use super::state::State;
use super::timers::Timer;
use crate::time::{Duration, Instant};

impl Instance {
    /// §6.4.1 "If a Startup event is received". Ignored unless in Initialize.
    pub(super) fn on_startup(&mut self, now: Instant, out: &mut Out) {
        if self.state == State::Initialize {
            self.start(now, out);
        }
    }

    /// §6.4.2 / §6.4.3 "If a Shutdown event is received"; also leaves Fault.
    pub(super) fn on_shutdown(&mut self, out: &mut Out) {
        if self.state != State::Initialize {
            self.enter_initialize(out);
        }
    }

    /// Fires every expired timer, in [`Timer::ALL`] order.
    pub(super) fn on_timeout(&mut self, now: Instant, out: &mut Out) {
        for timer in Timer::ALL {
            if !self.timers.is_expired(timer, now) {
                continue;
            }
            self.timers.stop(timer);
            match (timer, self.state) {
                // §6.4.2 "If the Master_Down_Timer fires".
                (Timer::MasterDown, State::Backup) => self.enter_master(now, out),
                // §6.4.3 "If the Adver_Timer fires".
                (Timer::Advertisement, State::Master) => {
                    self.send_advert(self.effective.get(), out);
                    self.timers.set(
                        Timer::Advertisement,
                        now + self.config.advert_interval.duration(),
                    );
                }
                // keepalived garp_master_delay: the second burst.
                (Timer::GarpRepeat, State::Master) => out.push(Action::SendGratuitous {
                    repeat: self.config.garp.repeat,
                }),
                // keepalived garp_master_refresh.
                (Timer::GarpRefresh, State::Master) => {
                    out.push(Action::SendGratuitous {
                        repeat: self.config.garp.refresh_repeat,
                    });
                    self.timers
                        .set(Timer::GarpRefresh, now + self.config.garp.refresh);
                }
                // keepalived preempt_delay has run out: lower-priority adverts are now discarded.
                (Timer::PreemptDelay, State::Backup) => self.preempt_elapsed = true,
                // Each state entry stops every timer, so a timer never outlives its state; if one
                // did, dropping it is the safe reading.
                _ => {}
            }
        }
    }

    pub(super) fn on_interface(&mut self, down: bool, now: Instant, out: &mut Out) {
        self.faults.interface_down = down;
        self.reevaluate_faults(now, out);
    }

    /// New track weights and weight-0 failures. In Backup the running Master_Down_Timer moves by
    /// the change in Master_Down_Interval, as keepalived's `vrrp_set_effective_priority` does.
    pub(super) fn on_track(&mut self, status: TrackStatus, now: Instant, out: &mut Out) {
        let old_mdi = self.master_down_interval();
        self.effective = self.config.priority.with_weights(status.weight_sum);
        let new_mdi = self.master_down_interval();
        if let (State::Backup, Some(at)) = (self.state, self.timers.get(Timer::MasterDown)) {
            let moved = if new_mdi >= old_mdi {
                at + Duration::from_millis(new_mdi.total_millis() - old_mdi.total_millis())
            } else {
                Instant::from_millis(
                    at.total_millis()
                        .saturating_sub(old_mdi.total_millis() - new_mdi.total_millis()),
                )
            };
            self.timers.set(Timer::MasterDown, moved);
        }
        self.faults.track = status.fault;
        self.reevaluate_faults(now, out);
    }

    /// keepalived sync-group moves (`vrrp_sync_fault`, `vrrp_sync_backup`, `vrrp_sync_master`).
    pub(super) fn on_sync(&mut self, sync: SyncInput, now: Instant, out: &mut Out) {
        match sync {
            SyncInput::Fault => {
                self.faults.sync = true;
                self.reevaluate_faults(now, out);
            }
            SyncInput::FaultCleared => {
                self.faults.sync = false;
                self.reevaluate_faults(now, out);
            }
            SyncInput::Backup => {
                if self.state == State::Master {
                    self.enter_backup(now, None, out);
                }
            }
            SyncInput::Master => {
                if self.state == State::Backup {
                    self.enter_master(now, out);
                }
            }
        }
    }
}
