//! The VRRP sockets: one per interface and family the instances use, opened and closed as
//! instances come and go, each with its receive buffer; waiting on all of them at once; and the
//! retry timer for sockets that failed to open and source addresses not found yet.

use super::actor::{SocketSlot, VrrpActor};
use super::events::Op;
use super::RECV_BUFFER;
use crate::ports::clock::Clock;
use crate::ports::vrrp_net::{
    Family, Interface, LinkState, Links, NetError, PacketIo, Received, VrrpSocket, VrrpSocketSpec,
};
use futures_lite::future;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

impl<P: PacketIo, L: Links, C: Clock> VrrpActor<P, L, C> {
    /// Opens the sockets the instances need and closes the others, then points each instance
    /// at its socket. A socket that fails to open is retried after `retry`.
    pub(super) fn sync_sockets(&mut self) {
        let mut wanted: Vec<(Interface, Family, bool)> = Vec::new();
        for run in &self.instances {
            let Some(link) = self.known_links.get(&run.setup.interface) else {
                continue;
            };
            let multicast = !run.setup.is_unicast();
            match wanted
                .iter_mut()
                .find(|(i, f, _)| *i == link.interface && *f == run.setup.family)
            {
                Some((_, _, join)) => *join |= multicast,
                None => wanted.push((link.interface.clone(), run.setup.family, multicast)),
            }
        }
        let mut old = std::mem::take(&mut self.sockets);
        for (interface, family, join_group) in wanted {
            let same = |s: &SocketSlot<P::Vrrp>| {
                s.interface == interface && s.family == family && s.join_group == join_group
            };
            if let Some(pos) = old.iter().position(same) {
                self.sockets.push(old.swap_remove(pos));
                continue;
            }
            let spec = VrrpSocketSpec {
                interface: interface.clone(),
                family,
                join_group,
            };
            match self.io.open_vrrp(&spec) {
                Ok(socket) => self.sockets.push(SocketSlot {
                    interface,
                    family,
                    join_group,
                    socket,
                    buf: Vec::new(),
                }),
                Err(e) => {
                    self.fail(Op::OpenSocket, None, &e);
                    self.schedule_retry();
                }
            }
        }
        for run in &mut self.instances {
            run.socket = self.sockets.iter().position(|s| {
                s.interface.name == run.setup.interface && s.family == run.setup.family
            });
        }
    }

    /// Closes a socket that failed; it is opened again after `retry`.
    pub(super) fn drop_socket(&mut self, slot: usize) {
        if slot < self.sockets.len() {
            self.sockets.remove(slot);
        }
        for run in &mut self.instances {
            run.socket = self.sockets.iter().position(|s| {
                s.interface.name == run.setup.interface && s.family == run.setup.family
            });
        }
        self.schedule_retry();
    }

    /// Arms the retry timer unless it is armed already.
    pub(super) fn schedule_retry(&mut self) {
        if self.retry_at.is_none() {
            self.retry_at = Some(self.clock.now() + self.settings.retry);
        }
    }

    /// Opens missing sockets, looks for missing source addresses on links that are up, and
    /// feeds every instance the interface state that results.
    pub(super) async fn retry(&mut self) {
        self.sync_sockets();
        for i in 0..self.instances.len() {
            let wants_address = self.instances.get(i).is_some_and(|r| {
                r.source.is_none()
                    && self
                        .known_links
                        .get(&r.setup.interface)
                        .is_some_and(LinkState::is_up)
            });
            if wants_address {
                self.readdress(i).await;
            }
        }
        for i in 0..self.instances.len() {
            self.update_interface(i).await;
        }
    }
}

/// Waits for a packet on any socket: `(socket index, result)`. Each socket receives into its
/// own buffer. Pending forever without sockets. Dropping the future loses nothing
/// ([`VrrpSocket::recv`] is cancel-safe).
pub(super) async fn recv_any<S: VrrpSocket>(
    slots: &mut [SocketSlot<S>],
) -> (usize, Result<Received, NetError>) {
    type Recv<'a> = Pin<Box<dyn Future<Output = (usize, Result<Received, NetError>)> + 'a>>;
    let mut receives: Vec<Recv<'_>> = slots
        .iter_mut()
        .enumerate()
        .map(|(i, slot)| {
            if slot.buf.len() < RECV_BUFFER {
                slot.buf.resize(RECV_BUFFER, 0);
            }
            let SocketSlot { socket, buf, .. } = slot;
            Box::pin(async move { (i, socket.recv(buf).await) }) as Recv<'_>
        })
        .collect();
    future::poll_fn(|cx| {
        for receive in receives.iter_mut() {
            if let Poll::Ready((i, result)) = receive.as_mut().poll(cx) {
                return Poll::Ready((i, result));
            }
        }
        Poll::Pending
    })
    .await
}
