//! Link notifications: a netlink socket of its own bound to `RTNLGRP_LINK`, whose connection
//! is polled inside [`LinkEvents::next`], so a subscription needs nothing spawned. A full
//! socket buffer (`ENOBUFS`) becomes [`LinkEvent::Overrun`].

use super::convert;
use futures_lite::{future, Stream, StreamExt};
use holdfast_actors::ports::vrrp_net::{LinkEvent, LinkEvents, NetError};
use netlink_sys::{SmolSocket, SocketAddr};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::proto::Connection;
use rtnetlink::MulticastGroup;
use std::io;
use std::pin::Pin;

type Messages = Pin<Box<dyn Stream<Item = (NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>>>;

/// A subscription to link notifications in the calling thread's network namespace.
pub struct LinuxLinkEvents {
    conn: Pin<Box<Connection<RouteNetlinkMessage, SmolSocket>>>,
    messages: Messages,
}

fn closed(source: io::Error) -> NetError {
    NetError::Link {
        call: "recv(RTNLGRP_LINK)",
        interface: String::new(),
        source,
    }
}

impl LinuxLinkEvents {
    /// Opens the socket and joins the group; events from then on are reported.
    pub fn open() -> Result<LinuxLinkEvents, NetError> {
        let (conn, _handle, messages) =
            rtnetlink::new_multicast_connection_with_socket::<SmolSocket>(&[MulticastGroup::Link])
                .map_err(|source| NetError::Link {
                    call: "bind(AF_NETLINK, RTNLGRP_LINK)",
                    interface: String::new(),
                    source,
                })?;
        Ok(LinuxLinkEvents {
            conn: Box::pin(conn),
            messages: Box::pin(messages),
        })
    }
}

impl LinkEvents for LinuxLinkEvents {
    async fn next(&mut self) -> Result<LinkEvent, NetError> {
        loop {
            let conn = &mut self.conn;
            let messages = &mut self.messages;
            // The connection reads the socket and queues notifications on `messages`; it only
            // finishes when the socket failed.
            let got = future::or(
                async {
                    conn.as_mut().await;
                    None
                },
                messages.next(),
            )
            .await;
            let Some((msg, _)) = got else {
                return Err(closed(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "netlink socket closed",
                )));
            };
            match msg.payload {
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => {
                    return Ok(LinkEvent::Changed(convert::link_state(&link)));
                }
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(link)) => {
                    return Ok(LinkEvent::Removed(convert::interface(&link)));
                }
                NetlinkPayload::Overrun(_) => return Ok(LinkEvent::Overrun),
                NetlinkPayload::Error(e) if e.code.is_some() => return Err(closed(e.to_io())),
                _ => {}
            }
        }
    }
}
