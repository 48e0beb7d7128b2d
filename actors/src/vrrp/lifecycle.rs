//! Start-up, reload and shutdown.
//!
//! * Start-up subscribes to link events first, then looks the links up (so no change is
//!   missed), resolves each instance's source address, opens the sockets and feeds each
//!   instance its interface and track facts, then `Startup`. A tracked instance whose status
//!   the tracker has not settled yet stays in Initialize until it has (keepalived holds an
//!   instance in INIT until its weight-0 scripts have run once). Entering Backup or Fault from
//!   Initialize removes the instance's VIPs that are already on the interface: a predecessor
//!   killed with SIGKILL left them there.
//! * Reload keeps every instance whose [`InstanceSetup`] is unchanged as it is (same state,
//!   timers, VIPs; nothing sent, no notify). A changed instance is stopped (priority-0 advert
//!   if Master, VIPs removed, STOP notify) and started again; a removed one is stopped.
//! * Shutdown stops every instance the same way, then the group STOP notifies run.

use super::actor::{GroupRun, Running, VrrpActor};
use super::events::VrrpEvent;
use super::setup::{InstanceSetup, VrrpSetup};
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{Links, PacketIo};
use holdfast_core::vrrp::{self, Input, State};
use std::net::IpAddr;
use std::sync::Arc;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    pub(super) async fn start(&mut self) {
        match self.links.subscribe() {
            Ok(events) => self.link_events = Some(events),
            Err(e) => self.fail(super::events::Op::LinkEvents, None, &e),
        }
        for name in self.watched() {
            self.refresh_link(&name).await;
        }
        let setups = self.setup.instances.clone();
        for setup in setups {
            if let Some(run) = self.make_running(setup).await {
                self.instances.push(run);
            }
        }
        self.groups = self.build_groups(&[]);
        self.sync_sockets();
        let count = self.instances.len();
        self.emit(VrrpEvent::Started { instances: count });
        for i in 0..count {
            self.begin(i).await;
        }
    }

    /// A new instance in Initialize, with its source address resolved if possible.
    async fn make_running(&mut self, setup: Arc<InstanceSetup>) -> Option<Running> {
        let source = self.resolve_source(&setup).await;
        let core = self.new_core(&setup, source)?;
        Some(Running {
            setup,
            core,
            source,
            socket: None,
            group: None,
            awaiting_track: false,
        })
    }

    fn new_core(
        &mut self,
        setup: &InstanceSetup,
        source: Option<IpAddr>,
    ) -> Option<vrrp::Instance> {
        let mut config = setup.protocol;
        if let Some(source) = source {
            config.primary_address = source;
        }
        match vrrp::Instance::new(config) {
            Ok(core) => Some(core),
            Err(e) => {
                // `VrrpSetup::from_config` already ran this check; a hand-built setup may not have.
                self.emit(VrrpEvent::InstanceRefused {
                    instance: setup.name.clone(),
                    reason: e.to_string(),
                });
                None
            }
        }
    }

    /// Feeds instance `i` its facts, then `Startup` (held while its tracking is unsettled).
    async fn begin(&mut self, i: usize) {
        let Some(run) = self.instances.get(i) else {
            return;
        };
        let missing = run.source.is_none().then(|| VrrpEvent::NoSourceAddress {
            instance: run.setup.name.clone(),
            interface: run.setup.interface.clone(),
        });
        if let Some(event) = missing {
            self.schedule_retry();
            self.emit(event);
        }
        if !self.interface_ok(i) {
            self.feed(i, Input::InterfaceDown).await;
        }
        if self.track_and_start(i).await {
            self.feed(i, Input::Startup).await;
        }
    }

    /// The interface of instance `i` (re)appeared: resolve its source address again and, if it
    /// changed, replace the instance's state machine (it is in Fault or Initialize then, since
    /// it had no usable interface).
    pub(super) async fn readdress(&mut self, i: usize) {
        let Some(run) = self.instances.get(i) else {
            return;
        };
        let setup = run.setup.clone();
        let old = run.source;
        let source = self.resolve_source(&setup).await;
        if source.is_none() {
            // The link is up but has no usable address yet: look again later.
            self.schedule_retry();
            return;
        }
        if source == old {
            return;
        }
        let Some(core) = self.new_core(&setup, source) else {
            return;
        };
        let Some(run) = self.instances.get_mut(i) else {
            return;
        };
        let was = run.core.state();
        run.core = core;
        run.source = source;
        if was != State::Initialize {
            self.begin(i).await;
        }
    }

    pub(super) async fn reload(&mut self, new: VrrpSetup) {
        let unchanged = |run: &Running| new.instances.contains(&run.setup);
        // Stop what changes or goes, while the old groups and sockets still exist.
        for i in 0..self.instances.len() {
            if self.instances.get(i).is_some_and(|r| !unchanged(r)) {
                self.feed_local(i, Input::Shutdown).await;
            }
        }
        let old_groups = std::mem::take(&mut self.groups);
        let mut old: Vec<Option<Running>> = std::mem::take(&mut self.instances)
            .into_iter()
            .map(Some)
            .collect();
        let old_names: Vec<String> = old.iter().flatten().map(|r| r.setup.name.clone()).collect();
        // A status of an instance no longer tracked must not apply if it is tracked again.
        self.tracking
            .retain(|name, _| new.instances.iter().any(|s| s.tracked && &s.name == name));
        self.setup = new;
        for name in self.watched() {
            if !self.known_links.contains_key(&name) {
                self.refresh_link(&name).await;
            }
        }
        let (mut kept, mut restarted, mut added) = (0, 0, 0);
        let mut fresh = Vec::new();
        for setup in self.setup.instances.clone() {
            let same = old
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|r| r.setup == setup));
            if let Some(run) = same.and_then(Option::take) {
                self.instances.push(run);
                kept += 1;
                continue;
            }
            if old_names.contains(&setup.name) {
                restarted += 1;
            } else {
                added += 1;
            }
            if let Some(run) = self.make_running(setup).await {
                fresh.push(self.instances.len());
                self.instances.push(run);
            }
        }
        let removed = old_names.len().saturating_sub(kept + restarted);
        self.groups = self.build_groups(&old_groups);
        self.sync_sockets();
        self.emit(VrrpEvent::Reloaded {
            kept,
            restarted,
            added,
            removed,
        });
        for i in fresh {
            self.begin(i).await;
        }
        self.notify_groups();
    }

    pub(super) async fn shutdown(&mut self) {
        for i in 0..self.instances.len() {
            self.feed_local(i, Input::Shutdown).await;
        }
        self.notify_groups();
        self.emit(VrrpEvent::Stopped);
    }

    /// The sync groups of the current setup over the current instances; a group that existed
    /// before with the same members keeps the state it last notified.
    fn build_groups(&mut self, old: &[GroupRun]) -> Vec<GroupRun> {
        let mut groups = Vec::new();
        for run in &mut self.instances {
            run.group = None;
        }
        for setup in &self.setup.sync_groups {
            let members: Vec<usize> = setup
                .members
                .iter()
                .filter_map(|m| self.instances.iter().position(|r| &r.setup.name == m))
                .collect();
            let notified = old
                .iter()
                .find(|g| g.setup == *setup)
                .map_or(State::Initialize, |g| g.notified);
            for &m in &members {
                if let Some(run) = self.instances.get_mut(m) {
                    run.group = Some(groups.len());
                }
            }
            groups.push(GroupRun {
                setup: setup.clone(),
                members,
                notified,
            });
        }
        groups
    }
}
