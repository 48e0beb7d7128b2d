//! Link lookup and the `RTNLGRP_LINK` subscription in a network namespace: setting the veth
//! down, and the peer losing carrier, arrive as events, and a lookup agrees. Root only (see
//! `net_support`).

mod net_support;

use holdfast_actors::ports::vrrp_net::{LinkEvent, LinkEvents, LinkState, Links};
use holdfast_linux::net::LinuxLinkEvents;
use net_support::*;

/// The next `Changed` event for `name` that satisfies `want`, within [`WAIT`].
async fn wait_for(
    events: &mut LinuxLinkEvents,
    name: &str,
    want: impl Fn(&LinkState) -> bool,
) -> LinkState {
    timeout(async {
        loop {
            match events.next().await.expect("event") {
                LinkEvent::Changed(s) if s.interface.name == name && want(&s) => return s,
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|| panic!("no matching event for {name}"))
}

#[test]
fn link_down_and_carrier_loss_arrive_as_events() {
    let Some(pair) = Pair::new() else { return };
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&pair.a);
            smol::block_on(with_links(async |links| {
                let before = links.link(VA).await.expect("lookup");
                assert!(before.is_up(), "{before:?}");
                assert!(before.mac.is_some());
                let mut events = links.subscribe().expect("subscribe");

                pair.ip_in(&pair.a, &["link", "set", VA, "down"]);
                let down = wait_for(&mut events, VA, |s| !s.admin_up).await;
                assert!(!down.is_up());
                assert_eq!(down.interface, before.interface);
                assert_eq!(links.link(VA).await.expect("lookup"), down);

                pair.ip_in(&pair.a, &["link", "set", VA, "up"]);
                wait_for(&mut events, VA, |s| s.is_up()).await;

                // The peer going down takes the carrier away while VA stays admin up.
                pair.ip_in(&pair.b, &["link", "set", VB, "down"]);
                let no_carrier = wait_for(&mut events, VA, |s| !s.carrier).await;
                assert!(no_carrier.admin_up && !no_carrier.is_up());
            }));
        });
    });
}

#[test]
fn deleting_a_link_arrives_as_removed() {
    let Some(pair) = Pair::new() else { return };
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&pair.a);
            smol::block_on(with_links(async |links| {
                let va = interface(links, VA).await;
                let mut events = links.subscribe().expect("subscribe");
                pair.ip_in(&pair.a, &["link", "del", VA]);
                let removed = timeout(async {
                    loop {
                        if let LinkEvent::Removed(i) = events.next().await.expect("event") {
                            return i;
                        }
                    }
                })
                .await
                .expect("no Removed event");
                assert_eq!(removed, va);
            }));
        });
    });
}
