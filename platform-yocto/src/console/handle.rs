//! The daemon's side of the console: [`ConsoleHandle`] publishes snapshots and records events.
//! Nothing the daemon calls here waits on the console device: a snapshot is swapped in under a
//! short lock, an event goes into the ring under a short lock and into a bounded live queue with
//! `try_send`, and a full queue only bumps the drop counter.

use crate::events::{Event, EventRing, Level, RING_CAPACITY};
use crate::snapshot::Snapshot;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Live events waiting for the console device; beyond this they are dropped and counted.
pub const LIVE_QUEUE: usize = 64;

struct Shared {
    start: Instant,
    snapshot: Mutex<Arc<Snapshot>>,
    ring: Mutex<EventRing>,
    live_tx: SyncSender<Event>,
    /// Taken by the one console that serves live events.
    live_rx: Mutex<Option<Receiver<Event>>>,
    dropped: AtomicU64,
}

/// Cheap to clone; every actor or the daemon's reporter may hold one.
#[derive(Clone)]
pub struct ConsoleHandle {
    shared: Arc<Shared>,
}

impl fmt::Debug for ConsoleHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleHandle")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl Default for ConsoleHandle {
    fn default() -> Self {
        Self::new()
    }
}

// Poisoning cannot carry a broken invariant here (every critical section is one assignment or
// one push), and the release profile aborts on panic anyway.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ConsoleHandle {
    /// Starts the clock events and snapshots are stamped with (milliseconds since this call).
    pub fn new() -> Self {
        let (live_tx, live_rx) = sync_channel(LIVE_QUEUE);
        ConsoleHandle {
            shared: Arc::new(Shared {
                start: Instant::now(),
                snapshot: Mutex::new(Arc::new(Snapshot::default())),
                ring: Mutex::new(EventRing::new()),
                live_tx,
                live_rx: Mutex::new(Some(live_rx)),
                dropped: AtomicU64::new(0),
            }),
        }
    }

    /// Milliseconds since [`ConsoleHandle::new`]; use it for [`Snapshot::taken_at_ms`].
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.shared.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Replaces the snapshot the console shows.
    pub fn publish(&self, snapshot: Snapshot) {
        *lock(&self.shared.snapshot) = Arc::new(snapshot);
    }

    /// Records an event: into the ring for `log`/`status`, and onto the live queue (dropped and
    /// counted if the console is behind). Formats into a fixed-size record; never allocates,
    /// never waits for the device.
    pub fn event(&self, level: Level, source: &'static str, args: fmt::Arguments<'_>) {
        let event = Event::new(self.now_ms(), level, source, args);
        lock(&self.shared.ring).push(event.clone());
        match self.shared.live_tx.try_send(event) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Live events dropped because the console could not keep up.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// The snapshot as last published.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&lock(&self.shared.snapshot))
    }

    /// Copies the ring into `into` (cleared first; no allocation once it has
    /// [`RING_CAPACITY`] room) and returns how many events were ever recorded. The lock is held
    /// only for the copy, never while writing to a device.
    pub fn copy_events(&self, into: &mut Vec<Event>) -> u64 {
        into.clear();
        let ring = lock(&self.shared.ring);
        into.extend(ring.iter().cloned());
        ring.total()
    }

    /// The live-event receiver; the first console to ask gets it.
    pub(crate) fn take_live(&self) -> Option<Receiver<Event>> {
        lock(&self.shared.live_rx).take()
    }

    /// A scratch buffer sized for [`ConsoleHandle::copy_events`].
    pub(crate) fn event_scratch() -> Vec<Event> {
        Vec::with_capacity(RING_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_live_queue_drops_and_counts_but_the_ring_keeps_recording() {
        let h = ConsoleHandle::new();
        let start = Instant::now();
        for i in 0..1000 {
            h.event(Level::Info, "t", format_args!("{i}"));
        }
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(h.dropped(), 1000 - LIVE_QUEUE as u64);
        let mut scratch = ConsoleHandle::event_scratch();
        assert_eq!(h.copy_events(&mut scratch), 1000);
        assert_eq!(scratch.len(), RING_CAPACITY);
        assert_eq!(scratch.last().map(|e| e.text.as_str()), Some("999"));
    }

    #[test]
    fn publish_replaces_the_snapshot() {
        let h = ConsoleHandle::new();
        h.publish(Snapshot {
            router_id: "lb1".into(),
            ..Snapshot::default()
        });
        assert_eq!(h.snapshot().router_id, "lb1");
    }
}
