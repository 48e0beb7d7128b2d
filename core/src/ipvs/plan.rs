//! The diff from the kernel's IPVS table to the desired one: a list of [`Op`]s in an order the
//! kernel accepts and that keeps traffic flowing.
//!
//! Order of a plan, each group in key order:
//! 1. add or edit services (a service must exist before its real servers);
//! 2. add or edit real servers (new servers come up before old ones go, so a swap never leaves a
//!    service empty);
//! 3. delete real servers, including those of services about to go (dests before their service);
//! 4. delete services.
//!
//! A service or real server whose identity is unchanged is edited in place (SET_SERVICE,
//! SET_DEST), never deleted and re-added, so established connections survive a weight or
//! scheduler change. A desired service whose scheduler module is not present is left out of the
//! plan entirely (its kernel twin, if any, is not touched either) and reported in
//! [`Plan::excluded`], so one missing scheduler never blocks the other services.

use super::{DestKey, Destination, Name, Service, ServiceKey, Table, VirtualService};
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

/// One change to the kernel's IPVS table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// NEW_SERVICE.
    AddService(Service),
    /// SET_SERVICE: same key, other parameters.
    EditService(Service),
    /// DEL_SERVICE (the kernel drops any real servers left with it).
    DelService(ServiceKey),
    /// NEW_DEST in the service.
    AddDest(ServiceKey, Destination),
    /// SET_DEST: same key, other parameters.
    EditDest(ServiceKey, Destination),
    /// DEL_DEST from the service.
    DelDest(ServiceKey, DestKey),
}

impl Op {
    /// The service the operation is about.
    pub fn service(&self) -> &ServiceKey {
        match self {
            Op::AddService(s) | Op::EditService(s) => &s.key,
            Op::DelService(k) | Op::AddDest(k, _) | Op::EditDest(k, _) | Op::DelDest(k, _) => k,
        }
    }

    /// The operation's kind, for reports.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::AddService(_) => OpKind::AddService,
            Op::EditService(_) => OpKind::EditService,
            Op::DelService(_) => OpKind::DelService,
            Op::AddDest(..) => OpKind::AddDest,
            Op::EditDest(..) => OpKind::EditDest,
            Op::DelDest(..) => OpKind::DelDest,
        }
    }
}

/// The kind of an [`Op`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum OpKind {
    /// NEW_SERVICE.
    AddService,
    /// SET_SERVICE.
    EditService,
    /// DEL_SERVICE.
    DelService,
    /// NEW_DEST.
    AddDest,
    /// SET_DEST.
    EditDest,
    /// DEL_DEST.
    DelDest,
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpKind::AddService => "add service",
            OpKind::EditService => "edit service",
            OpKind::DelService => "delete service",
            OpKind::AddDest => "add real server",
            OpKind::EditDest => "edit real server",
            OpKind::DelDest => "delete real server",
        })
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::AddService(s) | Op::EditService(s) => {
                write!(f, "{} {} sched {}", self.kind(), s.key, s.scheduler)
            }
            Op::DelService(k) => write!(f, "{} {k}", self.kind()),
            Op::AddDest(k, d) | Op::EditDest(k, d) => {
                write!(f, "{} {k} -> {} weight {}", self.kind(), d.key, d.weight)
            }
            Op::DelDest(k, d) => write!(f, "{} {k} -> {d}", self.kind()),
        }
    }
}

/// A desired service left out of a plan because its scheduler is not present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// The service.
    pub key: ServiceKey,
    /// The scheduler whose module `ip_vs_<scheduler>` is missing.
    pub scheduler: Name,
}

/// What [`plan`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The operations, in the order to apply them.
    pub ops: Vec<Op>,
    /// Desired services not programmed because their scheduler is missing.
    pub excluded: Vec<Excluded>,
}

/// The operations that turn `current` into `desired`, skipping (and reporting) desired services
/// whose scheduler `scheduler_present` says is not loaded.
///
/// Every service in `current` that is not in `desired` is deleted: a caller that must leave other
/// tools' services alone removes them from `current` first.
pub fn plan(current: &Table, desired: &Table, scheduler_present: impl Fn(&str) -> bool) -> Plan {
    let mut out = Plan::default();
    let mut programmed: Vec<&VirtualService> = Vec::new();
    for want in desired.services() {
        if scheduler_present(want.service.scheduler.as_str()) {
            programmed.push(want);
        } else {
            out.excluded.push(Excluded {
                key: want.service.key,
                scheduler: want.service.scheduler.clone(),
            });
        }
    }

    for want in &programmed {
        match current.get(&want.service.key) {
            None => out.ops.push(Op::AddService(want.service.clone())),
            Some(have) if have.service != want.service => {
                out.ops.push(Op::EditService(want.service.clone()))
            }
            Some(_) => {}
        }
    }

    for want in &programmed {
        let key = want.service.key;
        let have = current.get(&key);
        for d in want.dests() {
            match have.and_then(|h| h.dest(&d.key)) {
                None => out.ops.push(Op::AddDest(key, *d)),
                Some(old) if old != d => out.ops.push(Op::EditDest(key, *d)),
                Some(_) => {}
            }
        }
    }

    for have in current.services() {
        let key = have.service.key;
        let want = desired.get(&key);
        let excluded = want.is_some() && !programmed.iter().any(|p| p.service.key == key);
        if excluded {
            continue;
        }
        for d in have.dests() {
            if want.and_then(|w| w.dest(&d.key)).is_none() {
                out.ops.push(Op::DelDest(key, d.key));
            }
        }
    }

    for have in current.services() {
        if !desired.contains(&have.service.key) {
            out.ops.push(Op::DelService(have.service.key));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{FwdMethod, Protocol, ServiceFlags};
    use core::net::{IpAddr, Ipv4Addr};

    fn name(s: &str) -> Name {
        Name::new(s).expect("valid test name")
    }

    fn key(last: u8) -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, last)),
            port: 80,
        }
    }

    fn dest(last: u8, weight: u32) -> Destination {
        Destination::new(
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)),
            8080,
            FwdMethod::Masq,
            weight,
        )
    }

    /// Service `192.0.2.<s>` using a scheduler, with real servers `(last, weight)`.
    type Spec<'a> = (u8, &'a str, &'a [(u8, u32)]);

    fn table(services: &[Spec<'_>]) -> Table {
        let mut t = Table::new();
        for (s, sched, dests) in services {
            let vs = t.insert(Service::new(key(*s), name(sched)));
            for (d, w) in *dests {
                vs.insert_dest(dest(*d, *w));
            }
        }
        t
    }

    fn all_present(_: &str) -> bool {
        true
    }

    /// Checks the plan from `current` to `desired` against `expect`, written in `Op`'s Display.
    fn check(current: &Table, desired: &Table, present: &[&str], expect: &[&str]) -> Plan {
        let p = plan(current, desired, |s| present.contains(&s));
        let got: Vec<alloc::string::String> = p
            .ops
            .iter()
            .map(alloc::string::ToString::to_string)
            .collect();
        assert_eq!(got, expect);
        p
    }

    #[test]
    fn empty_to_empty_is_nothing() {
        let p = plan(&Table::new(), &Table::new(), all_present);
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn add_puts_services_before_their_dests() {
        let desired = table(&[(1, "rr", &[(10, 1), (11, 2)]), (2, "wrr", &[(12, 3)])]);
        check(
            &Table::new(),
            &desired,
            &["rr", "wrr"],
            &[
                "add service TCP 192.0.2.1:80 sched rr",
                "add service TCP 192.0.2.2:80 sched wrr",
                "add real server TCP 192.0.2.1:80 -> 198.51.100.10:8080 weight 1",
                "add real server TCP 192.0.2.1:80 -> 198.51.100.11:8080 weight 2",
                "add real server TCP 192.0.2.2:80 -> 198.51.100.12:8080 weight 3",
            ],
        );
    }

    #[test]
    fn identical_tables_need_nothing() {
        let t = table(&[(1, "rr", &[(10, 1)])]);
        check(&t, &t.clone(), &["rr"], &[]);
    }

    #[test]
    fn weight_change_is_an_edit_in_place() {
        let current = table(&[(1, "rr", &[(10, 1), (11, 1)])]);
        let desired = table(&[(1, "rr", &[(10, 5), (11, 1)])]);
        check(
            &current,
            &desired,
            &["rr"],
            &["edit real server TCP 192.0.2.1:80 -> 198.51.100.10:8080 weight 5"],
        );
    }

    #[test]
    fn scheduler_and_persistence_changes_edit_the_service() {
        let current = table(&[(1, "rr", &[(10, 1)])]);
        let mut desired = table(&[(1, "wrr", &[(10, 1)])]);
        if let Some(vs) = desired.get_mut(&key(1)) {
            vs.service.flags = ServiceFlags::PERSISTENT;
            vs.service.timeout = 300;
        }
        let p = check(
            &current,
            &desired,
            &["rr", "wrr"],
            &["edit service TCP 192.0.2.1:80 sched wrr"],
        );
        assert!(matches!(&p.ops[..], [Op::EditService(s)] if s.timeout == 300));
    }

    #[test]
    fn removal_deletes_dests_before_services_and_adds_first() {
        let current = table(&[(1, "rr", &[(10, 1), (11, 1)]), (2, "rr", &[(12, 1)])]);
        let desired = table(&[(1, "rr", &[(10, 1), (13, 1)])]);
        check(
            &current,
            &desired,
            &["rr"],
            &[
                "add real server TCP 192.0.2.1:80 -> 198.51.100.13:8080 weight 1",
                "delete real server TCP 192.0.2.1:80 -> 198.51.100.11:8080",
                "delete real server TCP 192.0.2.2:80 -> 198.51.100.12:8080",
                "delete service TCP 192.0.2.2:80",
            ],
        );
    }

    #[test]
    fn missing_scheduler_excludes_only_that_service() {
        let desired = table(&[(1, "rr", &[(10, 1)]), (2, "mh", &[(11, 1)])]);
        let p = check(
            &Table::new(),
            &desired,
            &["rr"],
            &[
                "add service TCP 192.0.2.1:80 sched rr",
                "add real server TCP 192.0.2.1:80 -> 198.51.100.10:8080 weight 1",
            ],
        );
        assert_eq!(
            p.excluded,
            [Excluded {
                key: key(2),
                scheduler: name("mh")
            }]
        );
    }

    #[test]
    fn excluded_service_already_in_the_kernel_is_left_alone() {
        // Running with rr; the new configuration wants mh, which is not loaded: keep serving
        // with the old scheduler and the old real servers rather than delete the service.
        let current = table(&[(1, "rr", &[(10, 1)])]);
        let desired = table(&[(1, "mh", &[(11, 1)])]);
        let p = check(&current, &desired, &["rr"], &[]);
        assert_eq!(p.excluded.len(), 1);
    }

    #[test]
    fn drift_after_ipvsadm_clear_is_restored_in_full() {
        let desired = table(&[(1, "rr", &[(10, 1)]), (2, "rr", &[])]);
        let p = plan(&Table::new(), &desired, all_present);
        assert_eq!(p.ops.len(), 3);
        // Applying the plan to the cleared table gives back the desired table.
        let mut kernel = Table::new();
        for op in &p.ops {
            apply_to(&mut kernel, op);
        }
        assert_eq!(kernel, desired);
        assert!(plan(&kernel, &desired, all_present).ops.is_empty());
    }

    #[test]
    fn a_dest_moving_to_another_port_is_add_then_delete() {
        let current = table(&[(1, "rr", &[(10, 1)])]);
        let mut desired = table(&[(1, "rr", &[])]);
        if let Some(vs) = desired.get_mut(&key(1)) {
            let mut d = dest(10, 1);
            d.key.port = 8081;
            vs.insert_dest(d);
        }
        check(
            &current,
            &desired,
            &["rr"],
            &[
                "add real server TCP 192.0.2.1:80 -> 198.51.100.10:8081 weight 1",
                "delete real server TCP 192.0.2.1:80 -> 198.51.100.10:8080",
            ],
        );
    }

    /// What the kernel does with an op, for round-trip checks.
    fn apply_to(t: &mut Table, op: &Op) {
        match op {
            Op::AddService(s) => {
                t.insert(s.clone());
            }
            Op::EditService(s) => {
                if let Some(vs) = t.get_mut(&s.key) {
                    vs.service = s.clone();
                }
            }
            Op::DelService(k) => {
                t.remove(k);
            }
            Op::AddDest(k, d) | Op::EditDest(k, d) => {
                if let Some(vs) = t.get_mut(k) {
                    vs.insert_dest(*d);
                }
            }
            Op::DelDest(k, d) => {
                if let Some(vs) = t.get_mut(k) {
                    vs.remove_dest(d);
                }
            }
        }
    }
}
