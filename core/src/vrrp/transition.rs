//! Entering each state: the side effects RFC 5798 §6.4 lists for every transition, plus
//! keepalived's Fault state. Every entry stops all timers first and arms only its own, so no
//! timer of a previous state can fire in the new one.

use super::action::Action;
use super::instance::{Instance, Out};
use super::interval::AdvertInterval;
use super::priority::PRIORITY_STOP;
use super::state::State;
use super::timers::Timer;
use crate::time::{Duration, Instant};

impl Instance {
    fn change_state(&mut self, to: State, out: &mut Out) -> State {
        let from = self.state;
        self.timers.stop_all();
        self.preempt_elapsed = false;
        self.state = to;
        out.push(Action::StateChanged { from, to });
        from
    }

    /// §6.4.1 (Startup of the owner) and §6.4.2 (Master_Down_Timer fires): send an advert,
    /// announce the VIPs, arm Adver_Timer, become Master. keepalived sends the advert before
    /// adding the VIPs so the old Master drops them before the gratuitous burst.
    pub(super) fn enter_master(&mut self, now: Instant, out: &mut Out) {
        self.change_state(State::Master, out);
        self.master_adver_int = self.config.advert_interval;
        self.send_advert(self.effective.get(), out);
        out.push(Action::AddVips {
            accept: self.config.accept,
        });
        let garp = self.config.garp;
        if garp.repeat > 0 {
            out.push(Action::SendGratuitous {
                repeat: garp.repeat,
            });
            if garp.delay > Duration::ZERO {
                self.timers.set(Timer::GarpRepeat, now + garp.delay);
            }
        }
        if garp.refresh > Duration::ZERO && garp.refresh_repeat > 0 {
            self.timers
                .set(Timer::GarpRefresh, now + garp.delay + garp.refresh);
        }
        self.timers.set(
            Timer::Advertisement,
            now + self.config.advert_interval.duration(),
        );
        self.stats.became_master = self.stats.became_master.saturating_add(1);
        out.push(Action::Notify(State::Master.notify()));
    }

    /// §6.4.1 (Startup, not owner) and §6.4.3 (higher-priority advert while Master): set
    /// Master_Adver_Interval (the Master's, when learned from a VRRPv3 advert), arm
    /// Master_Down_Timer to Master_Down_Interval, become Backup.
    ///
    /// Leaving Master removes the VIPs. Coming from Initialize also removes them: a predecessor
    /// killed with SIGKILL leaves its VIPs on the interface (FIELD-NOTES §4).
    pub(super) fn enter_backup(
        &mut self,
        now: Instant,
        learned: Option<AdvertInterval>,
        out: &mut Out,
    ) {
        let from = self.change_state(State::Backup, out);
        self.master_adver_int = learned.unwrap_or(self.config.advert_interval);
        if matches!(from, State::Master | State::Initialize) {
            out.push(Action::RemoveVips);
        }
        self.timers
            .set(Timer::MasterDown, now + self.master_down_interval());
        out.push(Action::Notify(State::Backup.notify()));
    }

    /// keepalived FAULT: a Master sends a priority-0 advert (if the link allows) and removes its
    /// VIPs; every timer stops.
    pub(super) fn enter_fault(&mut self, out: &mut Out) {
        let from = self.change_state(State::Fault, out);
        self.leave_master_duties(from, out);
        out.push(Action::Notify(State::Fault.notify()));
    }

    /// §6.4.2 / §6.4.3 Shutdown: cancel the timers; a Master sends a priority-0 advert and
    /// removes its VIPs; back to Initialize. keepalived runs the STOP notify.
    pub(super) fn enter_initialize(&mut self, out: &mut Out) {
        let from = self.change_state(State::Initialize, out);
        self.leave_master_duties(from, out);
        out.push(Action::Notify(State::Initialize.notify()));
    }

    fn leave_master_duties(&mut self, from: State, out: &mut Out) {
        match from {
            State::Master => {
                self.send_advert(PRIORITY_STOP, out);
                out.push(Action::RemoveVips);
            }
            State::Initialize => out.push(Action::RemoveVips),
            State::Backup | State::Fault => {}
        }
    }

    /// §6.4.1 Startup, also used when a Fault clears: Fault if any fault remains, Master for the
    /// address owner, Backup otherwise (keepalived ignores `state MASTER` here).
    pub(super) fn start(&mut self, now: Instant, out: &mut Out) {
        if self.faults.any() {
            self.enter_fault(out);
        } else if self.config.priority.is_owner() {
            self.enter_master(now, out);
        } else {
            self.enter_backup(now, None, out);
        }
    }

    /// Moves into or out of Fault after a fault reason changed.
    pub(super) fn reevaluate_faults(&mut self, now: Instant, out: &mut Out) {
        match self.state {
            State::Initialize => {}
            State::Fault => {
                if !self.faults.any() {
                    self.start(now, out);
                }
            }
            State::Backup | State::Master => {
                if self.faults.any() {
                    self.enter_fault(out);
                }
            }
        }
    }
}
