//! A deterministic multi-router VRRP simulator over holdfast-core's [`Instance`].
//!
//! N routers, each one core `Instance`, share a fake segment ([`LinkModel`]: loss, delay,
//! duplication; [`Partition`]s). Virtual time jumps straight to the next thing that can happen:
//! a scripted [`Command`], a packet delivery or a router's next deadline. Ties go script, then
//! packets, then timers, lowest router first, so a run is a pure function of its seed and script.
//! Every run is bounded by a step budget, which catches flapping (a run that never goes quiet
//! exhausts it). Everything observable lands in a [`Timeline`] for the tests to question.
//!
//! This is the quinn-proto `tests/util.rs` shape (`Pair`: drive until idle, jump to the earliest
//! timer), widened to a broadcast segment.

pub mod group;
mod link;
mod rng;
pub mod scenario;
mod timeline;

pub use link::{LinkModel, Partition};
pub use rng::Rng;
pub use timeline::{Event, Record, Timeline};

use holdfast_core::time::Instant;
use holdfast_core::vrrp::{Action, Advert, Config, ConfigError, Input, Instance, TrackStatus};
use std::collections::BTreeMap;
use std::fmt;

/// Something the test script makes happen at a given time.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start the router's daemon (feed Startup).
    Start(usize),
    /// Stop it gracefully (feed Shutdown: a Master sends a priority-0 advert).
    Stop(usize),
    /// Kill it: no more adverts, state lost (packets already in flight still arrive).
    Crash(usize),
    /// Take the router's interface down.
    InterfaceDown(usize),
    /// Bring it back up.
    InterfaceUp(usize),
    /// New track status for the router.
    Track(usize, TrackStatus),
    /// Split or heal the segment.
    Partition(Partition),
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// The step budget ran out: something kept the routers busy (flapping?).
    StepLimit {
        /// Virtual time when it ran out.
        at: Instant,
    },
    /// A router's `handle` returned more actions than fit (the core's `MAX_ACTIONS` is wrong).
    ActionsDropped {
        /// Which router.
        router: usize,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::StepLimit { at } => write!(f, "step budget exhausted at {at}"),
            SimError::ActionsDropped { router } => write!(f, "router {router} dropped actions"),
        }
    }
}

struct Router {
    config: Config,
    instance: Instance,
    running: bool,
    link_up: bool,
}

/// The simulated segment and its routers.
pub struct Sim {
    now: Instant,
    routers: Vec<Router>,
    link: LinkModel,
    partition: Partition,
    rng: Rng,
    timeline: Timeline,
    /// Adverts in flight: `(arrival, sequence) -> (receiver, advert)`.
    packets: BTreeMap<(Instant, u64), (usize, Advert)>,
    script: BTreeMap<(Instant, u64), Command>,
    seq: u64,
    steps: u64,
    max_steps: u64,
}

impl Sim {
    /// The default step budget: plenty for minutes of 0.1 s adverts among a handful of routers.
    pub const DEFAULT_MAX_STEPS: u64 = 2_000_000;

    /// An empty segment whose randomness comes from `seed`.
    pub fn new(seed: u64, link: LinkModel) -> Sim {
        Sim {
            now: Instant::ZERO,
            routers: Vec::new(),
            link,
            partition: Partition::healed(),
            rng: Rng::new(seed),
            timeline: Timeline::new(0),
            packets: BTreeMap::new(),
            script: BTreeMap::new(),
            seq: 0,
            steps: 0,
            max_steps: Sim::DEFAULT_MAX_STEPS,
        }
    }

    /// Replaces the step budget.
    pub fn with_max_steps(mut self, max_steps: u64) -> Sim {
        self.max_steps = max_steps;
        self
    }

    /// Adds a router (not started) and returns its index.
    pub fn add_router(&mut self, config: Config) -> Result<usize, ConfigError> {
        let instance = Instance::new(config)?;
        self.routers.push(Router {
            config,
            instance,
            running: false,
            link_up: true,
        });
        self.timeline.set_routers(self.routers.len());
        Ok(self.routers.len() - 1)
    }

    /// Schedules `command` at `at`.
    pub fn at(&mut self, at: Instant, command: Command) {
        self.seq += 1;
        self.script.insert((at, self.seq), command);
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The record of the run so far.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Router `i`'s instance.
    pub fn instance(&self, i: usize) -> Option<&Instance> {
        self.routers.get(i).map(|r| &r.instance)
    }

    /// The seeded generator, for scripts that want the same reproducible stream.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Runs until nothing is left to happen before `end`, then sets the clock to `end`.
    pub fn run_until(&mut self, end: Instant) -> Result<(), SimError> {
        while let Some((at, next)) = self.next_event() {
            if at > end {
                break;
            }
            self.steps += 1;
            if self.steps > self.max_steps {
                return Err(SimError::StepLimit { at });
            }
            self.now = self.now.max(at);
            match next {
                Next::Script(key) => {
                    if let Some(command) = self.script.remove(&key) {
                        self.run_command(command)?;
                    }
                }
                Next::Packet(key) => {
                    if let Some((to, advert)) = self.packets.remove(&key) {
                        let receives = self.routers.get(to).is_some_and(|r| r.running && r.link_up);
                        if receives {
                            self.feed(to, Input::Advert(advert))?;
                        }
                    }
                }
                Next::Timer(i) => self.feed(i, Input::Timeout)?,
            }
        }
        self.now = self.now.max(end);
        Ok(())
    }

    fn next_event(&self) -> Option<(Instant, Next)> {
        let script = self.script.keys().next().map(|k| (k.0, Next::Script(*k)));
        let packet = self.packets.keys().next().map(|k| (k.0, Next::Packet(*k)));
        let timer = self
            .routers
            .iter()
            .enumerate()
            .filter(|(_, r)| r.running)
            .filter_map(|(i, r)| r.instance.next_deadline().map(|at| (at, Next::Timer(i))))
            .min_by_key(|(at, _)| *at);
        // `min_by_key` keeps the first of equal keys: script, then packet, then timer.
        [script, packet, timer]
            .into_iter()
            .flatten()
            .min_by_key(|(at, _)| *at)
    }

    fn run_command(&mut self, command: Command) -> Result<(), SimError> {
        let now = self.now;
        match command {
            Command::Start(i) => {
                let Some(r) = self.routers.get_mut(i) else {
                    return Ok(());
                };
                if r.running {
                    return Ok(());
                }
                r.running = true;
                let link_up = r.link_up;
                self.timeline.push(now, Some(i), Event::Started);
                if !link_up {
                    self.feed(i, Input::InterfaceDown)?;
                }
                self.feed(i, Input::Startup)?;
            }
            Command::Stop(i) => {
                if self.routers.get(i).is_some_and(|r| r.running) {
                    self.timeline.push(now, Some(i), Event::Stopped);
                    self.feed(i, Input::Shutdown)?;
                    if let Some(r) = self.routers.get_mut(i) {
                        r.running = false;
                    }
                }
            }
            Command::Crash(i) => {
                if let Some(r) = self.routers.get_mut(i) {
                    if r.running {
                        r.running = false;
                        if let Ok(fresh) = Instance::new(r.config) {
                            r.instance = fresh;
                        }
                        self.timeline.push(now, Some(i), Event::Crashed);
                    }
                }
            }
            Command::InterfaceDown(i) | Command::InterfaceUp(i) => {
                let up = matches!(command, Command::InterfaceUp(_));
                if let Some(r) = self.routers.get_mut(i) {
                    r.link_up = up;
                    let running = r.running;
                    let event = if up {
                        Event::InterfaceUp
                    } else {
                        Event::InterfaceDown
                    };
                    self.timeline.push(now, Some(i), event);
                    if running {
                        let input = if up {
                            Input::InterfaceUp
                        } else {
                            Input::InterfaceDown
                        };
                        self.feed(i, input)?;
                    }
                }
            }
            Command::Track(i, status) => {
                if self.routers.get(i).is_some_and(|r| r.running) {
                    self.feed(i, Input::Track(status))?;
                }
            }
            Command::Partition(p) => {
                self.partition = p;
                self.timeline.push(now, None, Event::PartitionChanged);
            }
        }
        Ok(())
    }

    fn feed(&mut self, i: usize, input: Input) -> Result<(), SimError> {
        let now = self.now;
        let Some(r) = self.routers.get_mut(i) else {
            return Ok(());
        };
        let actions = r.instance.handle(input, now);
        if r.instance.stats().actions_dropped != 0 {
            return Err(SimError::ActionsDropped { router: i });
        }
        for action in actions {
            self.perform(i, action);
        }
        Ok(())
    }

    fn perform(&mut self, i: usize, action: Action) {
        let now = self.now;
        match action {
            Action::SendAdvert {
                priority,
                max_adver_int_cs,
            } => {
                self.timeline
                    .push(now, Some(i), Event::AdvertSent { priority });
                let Some(sender) = self.routers.get(i) else {
                    return;
                };
                if !sender.link_up {
                    return;
                }
                let advert = Advert {
                    version: sender.config.version,
                    priority,
                    max_adver_int_cs,
                    source: sender.config.primary_address,
                };
                for to in 0..self.routers.len() {
                    if to == i || !self.partition.connected(i, to) {
                        continue;
                    }
                    for delay in self.link.deliveries(&mut self.rng) {
                        self.seq += 1;
                        self.packets.insert((now + delay, self.seq), (to, advert));
                    }
                }
            }
            Action::StateChanged { from, to } => {
                self.timeline
                    .push(now, Some(i), Event::StateChanged { from, to });
            }
            // VIPs, gratuitous ARP and notify scripts have no effect on the segment model.
            Action::AddVips { .. }
            | Action::RemoveVips
            | Action::SendGratuitous { .. }
            | Action::Notify(_) => {}
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Next {
    Script((Instant, u64)),
    Packet((Instant, u64)),
    Timer(usize),
}
