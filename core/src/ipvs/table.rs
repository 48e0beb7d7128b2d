//! A whole IPVS table: virtual services, each with its real servers. The same type describes what
//! holdfast wants (built from the configuration and checker results) and what the kernel has (a
//! dump), so [`plan`](super::plan) can compare them.

use super::{DestKey, Destination, Service, ServiceKey};
use alloc::collections::btree_map::{BTreeMap, Entry};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A virtual service and its real servers, keyed by [`DestKey`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "VirtualServiceRepr", into = "VirtualServiceRepr")]
pub struct VirtualService {
    /// The service's parameters.
    pub service: Service,
    dests: BTreeMap<DestKey, Destination>,
}

impl VirtualService {
    /// A service without real servers.
    pub fn new(service: Service) -> VirtualService {
        VirtualService {
            service,
            dests: BTreeMap::new(),
        }
    }

    /// Adds or replaces the real server with `dest.key`.
    pub fn insert_dest(&mut self, dest: Destination) {
        self.dests.insert(dest.key, dest);
    }

    /// Removes a real server, returning it.
    pub fn remove_dest(&mut self, key: &DestKey) -> Option<Destination> {
        self.dests.remove(key)
    }

    /// The real server with `key`.
    pub fn dest(&self, key: &DestKey) -> Option<&Destination> {
        self.dests.get(key)
    }

    /// The real servers in key order.
    pub fn dests(&self) -> impl Iterator<Item = &Destination> {
        self.dests.values()
    }

    /// Number of real servers.
    pub fn dest_count(&self) -> usize {
        self.dests.len()
    }
}

/// Services keyed by [`ServiceKey`], iterated in key order so plans are deterministic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Vec<VirtualService>", into = "Vec<VirtualService>")]
pub struct Table {
    services: BTreeMap<ServiceKey, VirtualService>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Adds `service` (replacing any service with the same key, real servers included) and
    /// returns it so real servers can be added.
    pub fn insert(&mut self, service: Service) -> &mut VirtualService {
        let vs = VirtualService::new(service);
        match self.services.entry(vs.service.key) {
            Entry::Occupied(mut e) => {
                e.insert(vs);
                e.into_mut()
            }
            Entry::Vacant(e) => e.insert(vs),
        }
    }

    /// Adds or replaces a whole virtual service.
    pub fn insert_virtual(&mut self, vs: VirtualService) {
        self.services.insert(vs.service.key, vs);
    }

    /// Removes a service with its real servers.
    pub fn remove(&mut self, key: &ServiceKey) -> Option<VirtualService> {
        self.services.remove(key)
    }

    /// The service with `key`.
    pub fn get(&self, key: &ServiceKey) -> Option<&VirtualService> {
        self.services.get(key)
    }

    /// The service with `key`, mutably.
    pub fn get_mut(&mut self, key: &ServiceKey) -> Option<&mut VirtualService> {
        self.services.get_mut(key)
    }

    /// Whether a service with `key` is present.
    pub fn contains(&self, key: &ServiceKey) -> bool {
        self.services.contains_key(key)
    }

    /// The services in key order.
    pub fn services(&self) -> impl Iterator<Item = &VirtualService> {
        self.services.values()
    }

    /// The service keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &ServiceKey> {
        self.services.keys()
    }

    /// Number of services.
    pub fn len(&self) -> usize {
        self.services.len()
    }

    /// Whether there are no services.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// Keeps only the services for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&ServiceKey) -> bool) {
        self.services.retain(|k, _| keep(k));
    }
}

impl FromIterator<VirtualService> for Table {
    fn from_iter<I: IntoIterator<Item = VirtualService>>(iter: I) -> Table {
        let mut t = Table::new();
        for vs in iter {
            t.insert_virtual(vs);
        }
        t
    }
}

impl From<Vec<VirtualService>> for Table {
    fn from(v: Vec<VirtualService>) -> Table {
        v.into_iter().collect()
    }
}

impl From<Table> for Vec<VirtualService> {
    fn from(t: Table) -> Vec<VirtualService> {
        t.services.into_values().collect()
    }
}

#[derive(Serialize, Deserialize)]
struct VirtualServiceRepr {
    service: Service,
    dests: Vec<Destination>,
}

impl From<VirtualServiceRepr> for VirtualService {
    fn from(r: VirtualServiceRepr) -> VirtualService {
        let mut vs = VirtualService::new(r.service);
        for d in r.dests {
            vs.insert_dest(d);
        }
        vs
    }
}

impl From<VirtualService> for VirtualServiceRepr {
    fn from(vs: VirtualService) -> VirtualServiceRepr {
        VirtualServiceRepr {
            service: vs.service,
            dests: vs.dests.into_values().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::{FwdMethod, Name, Protocol};
    use core::net::{IpAddr, Ipv6Addr};

    #[test]
    fn tables_survive_serialisation() {
        let key = ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
            port: 3868,
        };
        let mut t = Table::new();
        let vs = t.insert(Service::new(key, Name::new("sh").expect("valid")));
        vs.insert_dest(Destination::new(
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)),
            3868,
            FwdMethod::Route,
            3,
        ));
        let bytes = postcard::to_allocvec(&t).expect("serialise");
        let back: Table = postcard::from_bytes(&bytes).expect("deserialise");
        assert_eq!(back, t);
        assert_eq!(back.get(&key).map(VirtualService::dest_count), Some(1));
    }

    #[test]
    fn a_scheduler_name_too_long_is_refused_on_deserialisation() {
        // A 16-byte name in a serialised service: the heapless string refuses it.
        let mut bytes = postcard::to_allocvec(&Name::new("rr").expect("valid")).expect("ser");
        bytes[0] = 16;
        bytes.extend_from_slice(&[b'x'; 14]);
        assert!(postcard::from_bytes::<Name>(&bytes).is_err());
        let spaced = [3u8, b'r', b' ', b'r'];
        assert!(postcard::from_bytes::<Name>(&spaced).is_err());
    }
}
