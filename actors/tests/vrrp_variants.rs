//! Variants of the election: VRRPv3 over IPv6 (link-local source, unsolicited NAs) and unicast
//! peers. Tracked objects are in `vrrp_track.rs`.

mod vrrp_support;

use holdfast_actors::ports::vrrp_net::{AddressSpec, VRRP_GROUP_V6};
use holdfast_core::time::Instant;
use holdfast_core::vrrp::State;
use holdfast_core::wire::{self, Ipv6Packet, NdiscPacket, NdiscRepr};
use std::net::{IpAddr, Ipv6Addr};
use vrrp_support::{instance, setup, v4, Lab};

fn link_local(last: u8) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(last)))
}

fn vip6() -> Ipv6Addr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100)
}

fn v6_instance(priority: u8) -> String {
    format!(
        "vrrp_instance V6 {{
            interface eth0
            virtual_router_id 61
            priority {priority}
            advert_int 0.1
            virtual_ipaddress {{
                2001:db8::100/64
            }}
        }}"
    )
}

#[test]
fn vrrpv3_over_ipv6_sends_from_link_local_and_announces_with_neighbour_adverts() {
    let mut lab = Lab::new();
    for (last, priority) in [(1, 100), (2, 150)] {
        let (net, eth0) = lab.host(last);
        net.add_existing_address(&AddressSpec::new(eth0.clone(), link_local(last), 64));
        lab.start_on(net, eth0, last, setup(&v6_instance(priority)));
    }
    // VRRPv3 scales the skew: 3 × 100 ms + (256 − 150) × 100 ms / 256 = 341 ms.
    lab.run_until(Instant::from_millis(340));
    assert_eq!(lab.state(1), State::Backup);
    lab.run_until(Instant::from_millis(341));
    assert_eq!(lab.state(1), State::Master);
    lab.run_until(Instant::from_secs(2));
    assert_eq!(lab.state(0), State::Backup);
    assert_eq!(lab.instance(1).source, Some(link_local(2)));
    assert!(lab.routers[1].has(IpAddr::V6(vip6())));
    let adverts = lab.segment.packets();
    assert!(adverts
        .iter()
        .all(|p| p.source == link_local(2) && p.destination == IpAddr::V6(VRRP_GROUP_V6)));
    assert!((16..=17).contains(&adverts.len()), "{}", adverts.len());
    let nas: Vec<NdiscRepr> = lab.routers[1]
        .net
        .frames()
        .iter()
        .filter_map(|f| {
            let ip = Ipv6Packet::new_checked(f.frame.get(wire::ethernet::HEADER_LEN..)?).ok()?;
            NdiscRepr::parse(&NdiscPacket::new_checked(ip.payload()).ok()?).ok()
        })
        .collect();
    assert_eq!(nas.len(), 5);
    assert!(nas
        .iter()
        .all(|na| na.target_addr == vip6() && na.override_ && !na.solicited));
}

#[test]
fn unicast_peers_get_their_own_adverts() {
    let mut lab = Lab::new();
    let peer = |me: u8, other: u8, priority: u8| {
        instance(
            priority,
            &format!("unicast_src_ip 192.0.2.{me}\n unicast_peer {{\n 192.0.2.{other}\n }}"),
        )
    };
    lab.start(1, setup(&peer(1, 2, 100)));
    lab.start(2, setup(&peer(2, 1, 150)));
    lab.run_until(Instant::from_secs(6));
    assert_eq!([lab.state(0), lab.state(1)], [State::Backup, State::Master]);
    let packets = lab.segment.packets();
    assert!(!packets.is_empty());
    assert!(packets
        .iter()
        .all(|p| p.source == v4(2) && p.destination == v4(1)));
}
