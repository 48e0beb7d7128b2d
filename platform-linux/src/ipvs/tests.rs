//! The Linux port against the running kernel. This build machine's kernel has no IPVS (and no
//! module loading), so what is checked here is the transport and framing against a real kernel:
//! a family that exists resolves, "IPVS" is ENOENT, and requests to an id no family holds get
//! ENOENT mapped per request, answered within the timeout. The IPVS round trip itself runs in
//! QEMU (`tests/vm/vm-ipvs-port.sh`).

use super::*;
use holdfast_core::ipvs::{Name, Protocol, Service, ServiceKey};
use smol::block_on;
use std::net::{IpAddr, Ipv4Addr};

fn port() -> LinuxIpvs {
    LinuxIpvs::open(Duration::from_secs(2)).expect("a NETLINK_GENERIC socket")
}

/// An id no family holds: ids are handed out upwards from 0x10.
fn unregistered_id() -> FamilyId {
    FamilyId::new(0xfff0).expect("valid id")
}

#[test]
fn a_registered_family_resolves_through_the_codec() {
    let mut p = port();
    // At least one of these is built into any kernel recent enough for holdfast.
    let found: Vec<_> = [
        "ethtool",
        "devlink",
        "TASKSTATS",
        "thermal",
        "netdev",
        "nlctrl",
    ]
    .iter()
    .map(|n| (n, block_on(p.resolve_named(n))))
    .collect();
    assert!(
        found.iter().any(|(_, r)| r.is_ok()),
        "no family resolved: {found:?}"
    );
    // nlctrl is the controller itself, id 0x10: not a family id holdfast would ever use.
    let nlctrl = found
        .iter()
        .find(|(n, _)| **n == "nlctrl")
        .map(|(_, r)| r.clone());
    assert_eq!(
        nlctrl,
        Some(Err(IpvsError::BadReply(DecodeError::BadFamilyId(0x10))))
    );
}

#[test]
fn ipvs_resolves_or_is_not_registered() {
    let mut p = port();
    match block_on(p.resolve_family()) {
        // A kernel with ip_vs loaded (or autoloadable): the id must work.
        Ok(family) => {
            let info = block_on(p.info(family)).expect("GET_INFO with the fresh id");
            assert!(info.version.0 > 0);
        }
        Err(e) => assert_eq!(e, IpvsError::FamilyNotRegistered),
    }
}

#[test]
fn requests_to_a_stale_id_get_enoent_mapped_per_request() {
    let mut p = port();
    let family = unregistered_id();
    assert_eq!(
        block_on(p.info(family)),
        Err(IpvsError::FamilyNotRegistered)
    );
    assert_eq!(
        block_on(p.dump(family)),
        Err(IpvsError::FamilyNotRegistered)
    );
    assert_eq!(
        block_on(p.flush(family)),
        Err(IpvsError::FamilyNotRegistered)
    );
    let rr = Name::new("rr").expect("valid");
    let key = ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        port: 80,
    };
    // ENOENT on NEW_SERVICE reads as a missing scheduler: the ambiguity the actor resolves by
    // looking the family up again.
    assert_eq!(
        block_on(p.apply(family, &Op::AddService(Service::new(key, rr.clone())))),
        Err(IpvsError::SchedulerMissing { scheduler: rr })
    );
    // The socket is still in step after errors: the next request gets its own answer.
    assert!(block_on(p.resolve_named("nlctrl")).is_err());
    assert_eq!(
        block_on(p.info(family)),
        Err(IpvsError::FamilyNotRegistered)
    );
}

#[test]
fn answers_come_well_within_the_timeout() {
    let mut p = LinuxIpvs::open(Duration::from_millis(500)).expect("socket");
    let start = std::time::Instant::now();
    for _ in 0..100 {
        let _ = block_on(p.info(unregistered_id()));
    }
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
}
