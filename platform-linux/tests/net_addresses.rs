//! VIPs over rtnetlink in a network namespace: add with label, scope and broadcast, list,
//! remove, both idempotent; an IPv6 VIP is usable at once (nodad) while a plain one is
//! tentative; failures name the interface and address. Root only (see `net_support`).

mod net_support;

use holdfast_actors::ports::vrrp_net::{
    AddressOp, AddressScope, AddressSpec, Family, Interface, Links, NetError, PacketIo, VrrpSocket,
    VrrpSocketSpec, VRRP_GROUP_V6,
};
use holdfast_linux::net::{LinuxLinks, LinuxPacketIo};
use net_support::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;

fn vip4() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))
}

fn vip6() -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10))
}

/// Runs `work` in namespace A with its links and the [`VA`] interface.
fn in_a<T: Send>(pair: &Pair, work: impl AsyncFnOnce(&LinuxLinks, Interface) -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&pair.a);
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                work(links, va).await
            }))
        })
        .join()
        .expect("thread in A")
    })
}

#[test]
fn ipv4_vip_with_label_is_listed_then_removed() {
    let Some(pair) = Pair::new() else { return };
    in_a(&pair, async |links, va| {
        let mut spec = AddressSpec::new(va.clone(), vip4(), 24);
        spec.label = Some(format!("{VA}:vip"));
        spec.broadcast = Some(Ipv4Addr::new(192, 0, 2, 255));
        links.add_address(&spec).await.expect("add");
        links
            .add_address(&spec)
            .await
            .expect("adding twice is not an error");

        let listed = links.addresses(&va).await.expect("list");
        let found: Vec<_> = listed.iter().filter(|a| a.address == vip4()).collect();
        assert_eq!(found.len(), 1, "{listed:?}");
        assert_eq!(found[0].prefix_len, 24);
        assert_eq!(found[0].label.as_deref(), Some("hfva:vip"));
        assert_eq!(found[0].broadcast, spec.broadcast);
        assert_eq!(found[0].scope, AddressScope::Global);
        assert!(found[0].secondary, "192.0.2.1/24 is the subnet's primary");
        // The primary address is listed too: adverts go out from it.
        let primary = listed
            .iter()
            .find(|a| a.address == IpAddr::V4(Ipv4Addr::from(A_V4)))
            .expect("primary listed");
        assert!(!primary.secondary);

        links.remove_address(&spec).await.expect("remove");
        links
            .remove_address(&spec)
            .await
            .expect("removing an absent address is not an error");
        let listed = links.addresses(&va).await.expect("list");
        assert!(listed.iter().all(|a| a.address != vip4()), "{listed:?}");
    });
}

#[test]
fn scope_is_applied() {
    let Some(pair) = Pair::new() else { return };
    in_a(&pair, async |links, va| {
        let mut spec = AddressSpec::new(va.clone(), vip4(), 32);
        spec.scope = AddressScope::Host;
        links.add_address(&spec).await.expect("add");
        let listed = links.addresses(&va).await.expect("list");
        let found = listed.iter().find(|a| a.address == vip4()).expect("listed");
        assert_eq!(found.scope, AddressScope::Host);
        assert_eq!(found.broadcast, None, "no brd unless given");
        assert!(!found.secondary, "a /32 is a subnet of its own");
    });
}

#[test]
fn ipv6_vip_is_usable_at_once_while_a_plain_address_is_tentative() {
    let Some(pair) = Pair::new() else { return };
    // The control: the same kind of address added without nodad waits for DAD.
    pair.ip_in(&pair.a, &["addr", "add", "2001:db8::99/64", "dev", VA]);
    let pair = &pair;
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let b = s.spawn(|| {
            enter(&pair.b);
            smol::block_on(with_links(async |links| {
                let vb = interface(links, VB).await;
                let spec = VrrpSocketSpec {
                    interface: vb,
                    family: Family::Ipv6,
                    join_group: true,
                };
                let sock = LinuxPacketIo.open_vrrp(&spec).expect("open in B");
                ready_tx.send(()).expect("A waits");
                let mut buf = [0u8; 1500];
                timeout(sock.recv(&mut buf))
                    .await
                    .expect("nothing from the VIP")
                    .expect("recv")
                    .source
            }))
        });
        s.spawn(move || {
            enter(&pair.a);
            ready_rx.recv().expect("B ready");
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                let spec = AddressSpec::new(va.clone(), vip6(), 64);
                links.add_address(&spec).await.expect("add");
                let listed = links.addresses(&va).await.expect("list");
                let vip = listed.iter().find(|a| a.address == vip6()).expect("listed");
                assert!(!vip.tentative && !vip.dad_failed, "{vip:?}");
                let plain: IpAddr = "2001:db8::99".parse().expect("literal");
                let plain = listed.iter().find(|a| a.address == plain).expect("listed");
                assert!(plain.tentative, "control address should still be in DAD");

                // Usable: the kernel accepts it as a source right away.
                let sock = LinuxPacketIo
                    .open_vrrp(&VrrpSocketSpec {
                        interface: va,
                        family: Family::Ipv6,
                        join_group: true,
                    })
                    .expect("open in A");
                sock.send(
                    &[0x31, 1, 100, 0, 0, 100, 0, 0],
                    vip6(),
                    IpAddr::V6(VRRP_GROUP_V6),
                )
                .await
                .expect("send from the new VIP");
            }));
        });
        assert_eq!(b.join().expect("B thread"), vip6());
    });
}

#[test]
fn failures_name_the_operation_interface_and_address() {
    let Some(pair) = Pair::new() else { return };
    in_a(&pair, async |links, _va| {
        let gone = Interface {
            name: "hfgone".into(),
            ifindex: 999,
        };
        let err = links
            .add_address(&AddressSpec::new(gone.clone(), vip4(), 24))
            .await
            .expect_err("no such interface");
        assert!(
            matches!(
                &err,
                NetError::Address { op: AddressOp::Add, interface, address: Some(a), .. }
                    if interface == "hfgone" && *a == vip4()
            ),
            "{err:?}"
        );
        assert_eq!(err.io().raw_os_error(), Some(libc::ENODEV));
        assert_eq!(err.to_string(), "adding 192.0.2.10 to hfgone failed");

        let err = links.link("hfgone").await.expect_err("no such link");
        assert_eq!(err.io().kind(), std::io::ErrorKind::NotFound);
        assert!(matches!(err, NetError::Link { .. }));
    });
}
