//! What happened during a simulation, in order, and the questions the property tests ask of it
//! (who was Master when, when did the segment settle, how long were there two Masters).

use holdfast_core::time::Instant;
use holdfast_core::vrrp::State;
use std::fmt;

/// One thing that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The router's daemon started (Startup fed).
    Started,
    /// The router's daemon stopped gracefully (Shutdown fed).
    Stopped,
    /// The router's daemon died without a word; its state is lost.
    Crashed,
    /// The router's instance changed state.
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
    /// The router sent an advert.
    AdvertSent {
        /// Its priority field.
        priority: u8,
    },
    /// The router's interface went down.
    InterfaceDown,
    /// The router's interface came up.
    InterfaceUp,
    /// The segment was split or healed (no router).
    PartitionChanged,
}

/// One timeline entry; `router` is `None` for segment-wide events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// When.
    pub at: Instant,
    /// Which router.
    pub router: Option<usize>,
    /// What.
    pub event: Event,
}

/// Every record of a run, in time order.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    routers: usize,
    records: Vec<Record>,
}

impl Timeline {
    pub(super) fn new(routers: usize) -> Timeline {
        Timeline {
            routers,
            records: Vec::new(),
        }
    }

    pub(super) fn set_routers(&mut self, routers: usize) {
        self.routers = routers;
    }

    pub(super) fn push(&mut self, at: Instant, router: Option<usize>, event: Event) {
        self.records.push(Record { at, router, event });
    }

    /// All records.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The routers' states after each instant at which one changed: `(instant, states)`, one entry
    /// per instant (changes within one instant are collapsed to their end result).
    pub fn state_steps(&self) -> Vec<(Instant, Vec<State>)> {
        let mut states = vec![State::Initialize; self.routers];
        let mut steps: Vec<(Instant, Vec<State>)> = Vec::new();
        for r in &self.records {
            let new = match (r.event, r.router) {
                (Event::StateChanged { to, .. }, Some(i)) => Some((i, to)),
                (Event::Crashed, Some(i)) => Some((i, State::Initialize)),
                _ => None,
            };
            let Some((i, to)) = new else { continue };
            if let Some(s) = states.get_mut(i) {
                *s = to;
            }
            match steps.last_mut() {
                Some((at, snapshot)) if *at == r.at => snapshot.clone_from(&states),
                _ => steps.push((r.at, states.clone())),
            }
        }
        steps
    }

    /// The routers' states once everything at or before `t` has happened.
    pub fn states_at(&self, t: Instant) -> Vec<State> {
        self.state_steps()
            .into_iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map(|(_, s)| s)
            .unwrap_or_else(|| vec![State::Initialize; self.routers])
    }

    /// The Masters at `t`.
    pub fn masters_at(&self, t: Instant) -> Vec<usize> {
        masters(&self.states_at(t))
    }

    /// The earliest instant in `[from, end]` from which the Masters are exactly `[expected]` until
    /// `end`; `None` if that never holds up to `end`.
    pub fn settled_on(&self, expected: usize, from: Instant, end: Instant) -> Option<Instant> {
        let mut since = (self.masters_at(from) == [expected]).then_some(from);
        for (at, states) in self.state_steps() {
            if at <= from || at > end {
                continue;
            }
            if masters(&states) == [expected] {
                since = since.or(Some(at));
            } else {
                since = None;
            }
        }
        since
    }

    /// When `router` next entered Master at or after `after`.
    pub fn became_master(&self, router: usize, after: Instant) -> Option<Instant> {
        self.records
            .iter()
            .find(|r| {
                r.at >= after
                    && r.router == Some(router)
                    && matches!(
                        r.event,
                        Event::StateChanged {
                            to: State::Master,
                            ..
                        }
                    )
            })
            .map(|r| r.at)
    }

    /// The periods within `[from, end]` during which two or more routers were Master.
    pub fn multi_master_periods(&self, from: Instant, end: Instant) -> Vec<(Instant, Instant)> {
        let mut periods = Vec::new();
        let mut open = (masters(&self.states_at(from)).len() > 1).then_some(from);
        for (at, states) in self.state_steps() {
            if at <= from || at > end {
                continue;
            }
            let many = masters(&states).len() > 1;
            match (open, many) {
                (None, true) => open = Some(at),
                (Some(start), false) => {
                    periods.push((start, at));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            periods.push((start, end));
        }
        periods
    }

    /// Number of state changes within `[from, end]`.
    pub fn transitions(&self, from: Instant, end: Instant) -> usize {
        self.records
            .iter()
            .filter(|r| r.at >= from && r.at <= end)
            .filter(|r| matches!(r.event, Event::StateChanged { .. }))
            .count()
    }
}

fn masters(states: &[State]) -> Vec<usize> {
    states
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == State::Master)
        .map(|(i, _)| i)
        .collect()
}

impl fmt::Display for Timeline {
    /// The timeline without adverts, one record a line, for assertion messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.records {
            if matches!(r.event, Event::AdvertSent { priority } if priority != 0) {
                continue;
            }
            match r.router {
                Some(i) => writeln!(f, "{} r{}: {:?}", r.at, i, r.event)?,
                None => writeln!(f, "{} --: {:?}", r.at, r.event)?,
            }
        }
        Ok(())
    }
}
