//! Link notifications: a netlink socket of its own bound to `RTNLGRP_LINK`, whose connection
//! is polled inside [`LinkEvents::next`], so a subscription needs nothing spawned, and only when
//! woken for it ([`Quiet`]: a caller that polls `next` on every wake-up of its task costs no
//! system call). A full socket buffer (`ENOBUFS`) becomes [`LinkEvent::Overrun`].
//!
//! The daemon opens one, the source of its [`LinkHub`](super::link_hub::LinkHub), which the
//! vrrp actor and the tracker share.

use super::convert;
use super::quiet::Quiet;
use futures_lite::{future, Stream};
use holdfast_actors::ports::vrrp_net::{LinkEvent, LinkEvents, NetError};
use netlink_sys::{SmolSocket, SocketAddr};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::proto::Connection;
use rtnetlink::MulticastGroup;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::Poll;

type Messages = Pin<Box<dyn Stream<Item = (NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>>>;

/// A subscription to link notifications in the calling thread's network namespace.
pub struct LinuxLinkEvents {
    conn: Pin<Box<Connection<RouteNetlinkMessage, SmolSocket>>>,
    messages: Messages,
    quiet: Quiet,
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
            quiet: Quiet::new(),
        })
    }
}

impl LinkEvents for LinuxLinkEvents {
    async fn next(&mut self) -> Result<LinkEvent, NetError> {
        let LinuxLinkEvents {
            conn,
            messages,
            quiet,
        } = self;
        future::poll_fn(|cx| {
            quiet.poll_with(cx, |cx| loop {
                // The connection reads the socket and queues notifications on `messages`; it
                // only finishes when the socket failed.
                if conn.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(broken()));
                }
                let msg = match messages.as_mut().poll_next(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => return Poll::Ready(Err(broken())),
                    Poll::Ready(Some((msg, _))) => msg,
                };
                match msg.payload {
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => {
                        return Poll::Ready(Ok(LinkEvent::Changed(convert::link_state(&link))));
                    }
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(link)) => {
                        return Poll::Ready(Ok(LinkEvent::Removed(convert::interface(&link))));
                    }
                    NetlinkPayload::Overrun(_) => return Poll::Ready(Ok(LinkEvent::Overrun)),
                    NetlinkPayload::Error(e) if e.code.is_some() => {
                        return Poll::Ready(Err(closed(e.to_io())))
                    }
                    _ => {}
                }
            })
        })
        .await
    }
}

fn broken() -> NetError {
    closed(io::Error::new(
        io::ErrorKind::BrokenPipe,
        "netlink socket closed",
    ))
}
