//! Links and addresses over rtnetlink on smol: link lookup, VIP add/remove/list, and the
//! `RTNLGRP_LINK` subscription ([`LinuxLinkEvents`], a socket per [`Links::subscribe`]; the
//! daemon uses [`HubLinks`](super::link_hub::HubLinks) instead, whose subscriptions share one).
//!
//! One netlink connection carries every request. Its I/O runs in a [`NetlinkDriver`] future
//! that the daemon spawns on its executor; without it no request gets an answer.

use super::convert;
use super::events::LinuxLinkEvents;
use super::quiet::Quiet;
use holdfast_actors::ports::vrrp_net::{
    AddressOp, AddressSpec, Interface, InterfaceAddress, LinkState, Links, NetError,
};
use netlink_sys::SmolSocket;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::proto::Connection;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

/// The I/O of the netlink connection behind a [`LinuxLinks`]; spawn it. It ends only when the
/// socket fails (requests then fail too); dropping it, or the task running it, closes the
/// connection. Polled next to the vrrp actor, it reads its socket only when woken for it
/// ([`Quiet`]).
#[must_use = "netlink requests get no answer unless the driver is spawned"]
pub struct NetlinkDriver {
    conn: Pin<Box<Connection<RouteNetlinkMessage, SmolSocket>>>,
    quiet: Quiet,
}

impl Future for NetlinkDriver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let conn = &mut this.conn;
        this.quiet.poll_with(cx, |cx| conn.as_mut().poll(cx))
    }
}

/// The [`Links`] port over rtnetlink. Clones share the connection.
#[derive(Clone, Debug)]
pub struct LinuxLinks {
    handle: rtnetlink::Handle,
}

impl LinuxLinks {
    /// Opens the netlink connection, in the calling thread's network namespace.
    pub fn open() -> Result<(LinuxLinks, NetlinkDriver), NetError> {
        let (conn, handle, _unsolicited) = rtnetlink::new_connection_with_socket::<SmolSocket>()
            .map_err(|source| NetError::Link {
                call: "socket(AF_NETLINK, NETLINK_ROUTE)",
                interface: String::new(),
                source,
            })?;
        let driver = NetlinkDriver {
            conn: Box::pin(conn),
            quiet: Quiet::new(),
        };
        Ok((LinuxLinks { handle }, driver))
    }
}

fn address_error(
    op: AddressOp,
    spec_interface: &Interface,
    address: Option<std::net::IpAddr>,
) -> impl Fn(io::Error) -> NetError + '_ {
    move |source| NetError::Address {
        op,
        interface: spec_interface.name.clone(),
        address,
        source,
    }
}

impl Links for LinuxLinks {
    type Events = LinuxLinkEvents;

    async fn link(&self, name: &str) -> Result<LinkState, NetError> {
        let err = |source| NetError::Link {
            call: "RTM_GETLINK",
            interface: name.to_owned(),
            source,
        };
        let not_found = || io::Error::new(io::ErrorKind::NotFound, format!("no link named {name}"));
        let mut replies = pin!(self
            .handle
            .link()
            .get()
            .match_name(name.to_owned())
            .execute());
        match futures_lite::StreamExt::next(&mut replies).await {
            Some(Ok(msg)) => Ok(convert::link_state(&msg)),
            Some(Err(e)) => {
                let e = convert::io_error(e);
                // The kernel answers ENODEV for an unknown name; the port promises NotFound.
                Err(err(if e.raw_os_error() == Some(libc::ENODEV) {
                    not_found()
                } else {
                    e
                }))
            }
            None => Err(err(not_found())),
        }
    }

    async fn addresses(&self, interface: &Interface) -> Result<Vec<InterfaceAddress>, NetError> {
        let err = address_error(AddressOp::List, interface, None);
        let mut replies = pin!(self
            .handle
            .address()
            .get()
            .set_link_index_filter(interface.ifindex)
            .execute());
        let mut out = Vec::new();
        while let Some(reply) = futures_lite::StreamExt::next(&mut replies).await {
            let msg = reply.map_err(convert::io_error).map_err(&err)?;
            out.extend(convert::interface_address(&msg));
        }
        Ok(out)
    }

    async fn add_address(&self, spec: &AddressSpec) -> Result<(), NetError> {
        let err = address_error(AddressOp::Add, &spec.interface, Some(spec.address));
        let mut request =
            self.handle
                .address()
                .add(spec.interface.ifindex, spec.address, spec.prefix_len);
        *request.message_mut() = convert::add_message(spec);
        match request.execute().await.map_err(convert::io_error) {
            Ok(()) => Ok(()),
            // Already there: the port promises success without a change.
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    async fn remove_address(&self, spec: &AddressSpec) -> Result<(), NetError> {
        let err = address_error(AddressOp::Remove, &spec.interface, Some(spec.address));
        let request = self.handle.address().del(convert::remove_message(spec));
        match request.execute().await.map_err(convert::io_error) {
            Ok(()) => Ok(()),
            // Not there (any more): the port promises success.
            Err(e) if e.raw_os_error() == Some(libc::EADDRNOTAVAIL) => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    fn subscribe(&self) -> Result<LinuxLinkEvents, NetError> {
        LinuxLinkEvents::open()
    }
}
