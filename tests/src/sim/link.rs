//! The fake segment: what happens to one advert between two routers (loss, delay, duplication),
//! and which routers can hear each other (partitions).

use super::rng::Rng;
use holdfast_core::time::Duration;

/// Per-delivery impairments, applied independently to every receiver of every advert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkModel {
    /// Probability that a copy is lost.
    pub loss: f64,
    /// Smallest one-way delay.
    pub delay_min: Duration,
    /// Largest one-way delay.
    pub delay_max: Duration,
    /// Probability that a delivered copy arrives twice (the second after its own delay).
    pub duplicate: f64,
}

impl LinkModel {
    /// A perfect segment with a fixed 1 ms delay.
    pub const fn ideal() -> LinkModel {
        LinkModel {
            loss: 0.0,
            delay_min: Duration::from_millis(1),
            delay_max: Duration::from_millis(1),
            duplicate: 0.0,
        }
    }

    /// The delays at which copies of one advert arrive at one receiver: none if lost, two if
    /// duplicated.
    pub fn deliveries(&self, rng: &mut Rng) -> Vec<Duration> {
        if rng.chance(self.loss) {
            return Vec::new();
        }
        let mut delays = vec![self.delay(rng)];
        if rng.chance(self.duplicate) {
            delays.push(self.delay(rng));
        }
        delays
    }

    fn delay(&self, rng: &mut Rng) -> Duration {
        Duration::from_millis(
            rng.range(self.delay_min.total_millis(), self.delay_max.total_millis()),
        )
    }
}

/// Which side of a partition each router is on; routers hear each other only on the same side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partition {
    sides: Vec<u8>,
}

impl Partition {
    /// Everyone hears everyone.
    pub fn healed() -> Partition {
        Partition::default()
    }

    /// Router `i` is on side `sides[i]`; routers beyond the list are on side 0.
    pub fn split(sides: Vec<u8>) -> Partition {
        Partition { sides }
    }

    /// Whether `a` and `b` can hear each other.
    pub fn connected(&self, a: usize, b: usize) -> bool {
        let side = |i: usize| self.sides.get(i).copied().unwrap_or(0);
        side(a) == side(b)
    }
}
