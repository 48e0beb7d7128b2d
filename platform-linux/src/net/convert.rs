//! Translation between rtnetlink messages and the port's plain types: link messages to
//! [`LinkState`], address messages to [`InterfaceAddress`] and back from [`AddressSpec`], and
//! rtnetlink errors to `io::Error` (the kernel's errno where there is one).

use holdfast_actors::ports::vrrp_net::{
    AddressScope, AddressSpec, Interface, InterfaceAddress, LinkState,
};
use rtnetlink::packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope as RtScope,
};
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use rtnetlink::packet_route::AddressFamily;
use std::io;
use std::net::IpAddr;

/// The kernel's errno for a netlink error reply, or `Other` with the text for anything else
/// (a message that could not be decoded, a closed connection).
pub fn io_error(e: rtnetlink::Error) -> io::Error {
    match e {
        rtnetlink::Error::NetlinkError(msg) => msg.to_io(),
        other => io::Error::other(other.to_string()),
    }
}

/// The interface a link message describes (name empty when the message has none).
pub fn interface(msg: &LinkMessage) -> Interface {
    let name = msg
        .attributes
        .iter()
        .find_map(|a| match a {
            LinkAttribute::IfName(n) => Some(n.clone()),
            _ => None,
        })
        .unwrap_or_default();
    Interface {
        name,
        ifindex: msg.header.index,
    }
}

/// A link message as a [`LinkState`].
pub fn link_state(msg: &LinkMessage) -> LinkState {
    let mac = msg.attributes.iter().find_map(|a| match a {
        LinkAttribute::Address(bytes) => <[u8; 6]>::try_from(bytes.as_slice()).ok(),
        _ => None,
    });
    LinkState {
        interface: interface(msg),
        mac,
        admin_up: msg.header.flags.contains(LinkFlags::Up),
        carrier: msg.header.flags.contains(LinkFlags::Running),
    }
}

fn scope_from(s: RtScope) -> AddressScope {
    match s {
        RtScope::Universe => AddressScope::Global,
        RtScope::Site => AddressScope::Site,
        RtScope::Link => AddressScope::Link,
        RtScope::Host => AddressScope::Host,
        RtScope::Nowhere => AddressScope::Nowhere,
        RtScope::Other(n) => AddressScope::Other(n),
        // The enum is non-exhaustive; a future named scope keeps its number.
        other => AddressScope::Other(u8::from(other)),
    }
}

fn scope_to(s: AddressScope) -> RtScope {
    match s {
        AddressScope::Global => RtScope::Universe,
        AddressScope::Site => RtScope::Site,
        AddressScope::Link => RtScope::Link,
        AddressScope::Host => RtScope::Host,
        AddressScope::Nowhere => RtScope::Nowhere,
        AddressScope::Other(n) => RtScope::from(n),
    }
}

/// An address message as an [`InterfaceAddress`]; `None` for one without a unicast address.
/// The local address (`IFA_LOCAL`) is preferred: on point-to-point links `IFA_ADDRESS` is the
/// peer's.
pub fn interface_address(msg: &AddressMessage) -> Option<InterfaceAddress> {
    let mut local = None;
    let mut address = None;
    let mut label = None;
    let mut broadcast = None;
    // IFA_FLAGS carries all 32 bits when present; the header only the low 8.
    let mut flags = AddressFlags::from_bits_retain(u32::from(msg.header.flags.bits()));
    for attr in &msg.attributes {
        match attr {
            AddressAttribute::Local(a) => local = Some(*a),
            AddressAttribute::Address(a) => address = Some(*a),
            AddressAttribute::Label(l) => label = Some(l.clone()),
            AddressAttribute::Broadcast(b) => broadcast = Some(*b),
            AddressAttribute::Flags(f) => flags = *f,
            _ => {}
        }
    }
    Some(InterfaceAddress {
        address: local.or(address)?,
        prefix_len: msg.header.prefix_len,
        label,
        scope: scope_from(msg.header.scope),
        broadcast,
        tentative: flags.contains(AddressFlags::Tentative),
        dad_failed: flags.contains(AddressFlags::Dadfailed),
        secondary: flags.contains(AddressFlags::Secondary),
    })
}

fn base_message(spec: &AddressSpec) -> AddressMessage {
    let mut msg = AddressMessage::default();
    msg.header.family = match spec.address {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    };
    msg.header.prefix_len = spec.prefix_len;
    msg.header.index = spec.interface.ifindex;
    msg.attributes.push(AddressAttribute::Local(spec.address));
    msg.attributes.push(AddressAttribute::Address(spec.address));
    msg
}

/// The `RTM_NEWADDR` body for `spec`: label and broadcast for IPv4 only (IPv6 has neither),
/// and `IFA_F_NODAD` for IPv6 so the address is usable at once.
pub fn add_message(spec: &AddressSpec) -> AddressMessage {
    let mut msg = base_message(spec);
    msg.header.scope = scope_to(spec.scope);
    match spec.address {
        IpAddr::V4(_) => {
            if let Some(label) = &spec.label {
                msg.attributes.push(AddressAttribute::Label(label.clone()));
            }
            if let Some(brd) = spec.broadcast {
                msg.attributes.push(AddressAttribute::Broadcast(brd));
            }
        }
        IpAddr::V6(_) => {
            msg.header.flags = AddressHeaderFlags::Nodad;
            msg.attributes
                .push(AddressAttribute::Flags(AddressFlags::Nodad));
        }
    }
    msg
}

/// The `RTM_DELADDR` body for `spec`: address, prefix length and interface only, so it matches
/// whatever label, scope and broadcast the address was added with.
pub fn remove_message(spec: &AddressSpec) -> AddressMessage {
    base_message(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::link::LinkHeader;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn eth0() -> Interface {
        Interface {
            name: "eth0".into(),
            ifindex: 7,
        }
    }

    #[test]
    fn link_flags_and_mac() {
        let mut msg = LinkMessage::default();
        msg.header = LinkHeader {
            index: 7,
            flags: LinkFlags::Up | LinkFlags::Broadcast,
            ..LinkHeader::default()
        };
        msg.attributes.push(LinkAttribute::IfName("eth0".into()));
        msg.attributes
            .push(LinkAttribute::Address(vec![2, 0, 0, 0, 0, 1]));
        assert_eq!(
            link_state(&msg),
            LinkState {
                interface: eth0(),
                mac: Some([2, 0, 0, 0, 0, 1]),
                admin_up: true,
                carrier: false,
            }
        );
        msg.header.flags |= LinkFlags::Running;
        assert!(link_state(&msg).is_up());
        // A link without a 6-byte address (a tunnel) has no MAC.
        msg.attributes
            .push(LinkAttribute::Address(vec![192, 0, 2, 1]));
        msg.attributes.remove(1);
        assert_eq!(link_state(&msg).mac, None);
    }

    #[test]
    fn ipv4_vip_round_trips_with_label_scope_and_broadcast() {
        let mut spec = AddressSpec::new(eth0(), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)), 24);
        spec.label = Some("eth0:vip".into());
        spec.scope = AddressScope::Link;
        spec.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
        let msg = add_message(&spec);
        assert_eq!(msg.header.family, AddressFamily::Inet);
        assert_eq!(msg.header.index, 7);
        assert_eq!(msg.header.flags, AddressHeaderFlags::empty());
        let listed = interface_address(&msg).unwrap();
        assert_eq!(
            listed,
            InterfaceAddress {
                address: spec.address,
                prefix_len: 24,
                label: Some("eth0:vip".into()),
                scope: AddressScope::Link,
                broadcast: spec.broadcast,
                tentative: false,
                dad_failed: false,
                secondary: false,
            }
        );
    }

    #[test]
    fn ipv6_vip_is_nodad_without_label() {
        let mut spec = AddressSpec::new(
            eth0(),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 10)),
            64,
        );
        spec.label = Some("ignored".into());
        let msg = add_message(&spec);
        assert_eq!(msg.header.family, AddressFamily::Inet6);
        assert!(msg.header.flags.contains(AddressHeaderFlags::Nodad));
        assert!(msg
            .attributes
            .contains(&AddressAttribute::Flags(AddressFlags::Nodad)));
        assert!(!msg
            .attributes
            .iter()
            .any(|a| matches!(a, AddressAttribute::Label(_))));
    }

    #[test]
    fn removal_matches_on_address_and_prefix_only() {
        let mut spec = AddressSpec::new(eth0(), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)), 24);
        spec.label = Some("eth0:vip".into());
        let msg = remove_message(&spec);
        assert_eq!(msg.attributes.len(), 2);
        assert_eq!(msg.header.prefix_len, 24);
    }

    #[test]
    fn listing_prefers_local_and_reads_extended_flags() {
        let mut msg = AddressMessage::default();
        msg.header.prefix_len = 32;
        msg.attributes
            .push(AddressAttribute::Address(IpAddr::V4(Ipv4Addr::new(
                192, 0, 2, 99,
            ))));
        msg.attributes
            .push(AddressAttribute::Local(IpAddr::V4(Ipv4Addr::new(
                192, 0, 2, 1,
            ))));
        msg.attributes.push(AddressAttribute::Flags(
            AddressFlags::Tentative | AddressFlags::Dadfailed,
        ));
        let a = interface_address(&msg).unwrap();
        assert_eq!(a.address, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert!(a.tentative && a.dad_failed);
        assert_eq!(interface_address(&AddressMessage::default()), None);
    }

    #[test]
    fn netlink_errors_keep_the_errno() {
        let mut msg = rtnetlink::packet_core::ErrorMessage::default();
        msg.code = std::num::NonZeroI32::new(-libc::EEXIST);
        let e = io_error(rtnetlink::Error::NetlinkError(msg));
        assert_eq!(e.raw_os_error(), Some(libc::EEXIST));
        let e = io_error(rtnetlink::Error::RequestFailed);
        assert_eq!(e.kind(), io::ErrorKind::Other);
    }
}
