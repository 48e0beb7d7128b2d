//! What the checkers say about each real server, kept between events: [`HealthMap`] folds the
//! checker actor's [`CheckerEvent`]s into per-real-server health and answers
//! [`from_config::Health`](holdfast_core::ipvs::from_config::Health) for the desired IPVS table.
//! [`HealthLink`] puts it together with the configuration and the quorum states: one event in,
//! the new desired table, the scripts to run and the lines to log out.
//!
//! Real servers are known by their virtual server's key and protocol and their own address and
//! port, so a reload that keeps a server keeps its health (the index of a virtual server may
//! move). Servers without checkers are not in the map and are always alive.

mod link;

#[cfg(test)]
mod tests;

pub use link::{HealthLink, LinkOutput, Note};

use holdfast_core::checker::{checker_plan, CheckerEvent, RealServerRef, ServerPlan};
use holdfast_core::config::model::{Config, RealServer, VirtualServer, VirtualServiceKey};
use holdfast_core::ipvs::from_config::{Health, RealServerHealth};

/// One checked real server.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    index: u32,
    key: VirtualServiceKey,
    protocol: Option<u8>,
    rs: RealServerRef,
    alive: bool,
    weight: Option<u32>,
    /// Health carried over a reload: the first event after it is not news.
    carried: bool,
}

impl Entry {
    fn same_server(&self, other: &Entry) -> bool {
        self.key == other.key && self.protocol == other.protocol && self.rs == other.rs
    }
}

/// What one event did to the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The server's liveness changed.
    pub alive_changed: bool,
    /// Its `misc_dynamic` weight changed.
    pub weight_changed: bool,
    /// Its health had been carried over a reload and this is the first event since.
    pub carried: bool,
}

/// Per-real-server health from the checkers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthMap {
    entries: Vec<Entry>,
}

impl HealthMap {
    /// Every real server of `config` with a checker, up unless one of its checkers is `alpha`
    /// (the state the checker actor's first snapshot will report).
    pub fn new(config: &Config) -> Self {
        let entries = checker_plan(config)
            .into_iter()
            .filter(|p| !p.checkers.is_empty())
            .map(|p| Entry {
                protocol: protocol_of(config, p.virtual_server.index),
                index: p.virtual_server.index,
                key: p.virtual_server.key,
                rs: p.real_server,
                alive: !p.checkers.iter().any(|c| c.alpha),
                weight: None,
                carried: false,
            })
            .collect();
        HealthMap { entries }
    }

    /// The map for a reloaded `config`: servers it keeps keep their health, new ones start as
    /// [`HealthMap::new`] says.
    pub fn reload(&self, config: &Config) -> Self {
        let mut next = HealthMap::new(config);
        for entry in &mut next.entries {
            if let Some(old) = self.entries.iter().find(|o| o.same_server(entry)) {
                entry.alive = old.alive;
                entry.weight = old.weight;
                entry.carried = true;
            }
        }
        next
    }

    /// Takes one event. `None`: the event names no server of this map (a stale or foreign
    /// event), which changes nothing.
    pub fn apply(&mut self, event: &CheckerEvent) -> Option<Applied> {
        let entry = self.entries.iter_mut().find(|e| {
            e.index == event.virtual_server.index
                && e.key == event.virtual_server.key
                && e.rs == event.real_server
        })?;
        let applied = Applied {
            alive_changed: entry.alive != event.up,
            weight_changed: entry.weight != event.weight,
            carried: entry.carried,
        };
        entry.alive = event.up;
        entry.weight = event.weight;
        entry.carried = false;
        Some(applied)
    }

    /// Whether the server is alive (`None`: not in the map).
    pub fn is_alive(&self, index: u32, rs: &RealServerRef) -> Option<bool> {
        self.entries
            .iter()
            .find(|e| e.index == index && e.rs == *rs)
            .map(|e| e.alive)
    }

    /// `plan` made to start where the map stands: a carried server known down starts its
    /// checkers down (as `alpha` does) and one known up starts them up, so a restarted checker
    /// actor reports the next real change and not a reset.
    pub fn seed(&self, plan: &mut [ServerPlan]) {
        for server in plan.iter_mut() {
            let known = self.entries.iter().find(|e| {
                e.carried && e.index == server.virtual_server.index && e.rs == server.real_server
            });
            if let Some(e) = known {
                for c in &mut server.checkers {
                    c.alpha = !e.alive;
                }
            }
        }
    }
}

impl Health for HealthMap {
    fn real_server(&self, vs: &VirtualServer, rs: &RealServer) -> RealServerHealth {
        let protocol = vs.protocol.map(|p| p.number());
        let found = self.entries.iter().find(|e| {
            e.key == vs.key
                && e.protocol == protocol
                && e.rs.addr == rs.addr
                && e.rs.port == rs.port
        });
        match found {
            Some(e) => RealServerHealth {
                alive: e.alive,
                weight: e.weight,
            },
            None => RealServerHealth {
                alive: true,
                weight: None,
            },
        }
    }
}

fn protocol_of(config: &Config, index: u32) -> Option<u8> {
    let index = usize::try_from(index).ok()?;
    config
        .virtual_servers
        .get(index)?
        .protocol
        .map(|p| p.number())
}
