//! The warmup share: keepalived delays each checker's first probe by `random() * warmup`, so
//! checkers of one server do not all start together. A small xorshift generator is enough; the
//! spawner seeds it (tests use a fixed seed, the daemon the time).

use holdfast_core::time::Duration;

/// xorshift64* over a non-zero state.
#[derive(Debug, Clone)]
pub struct WarmupRng {
    state: u64,
}

impl WarmupRng {
    /// A generator from `seed` (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        WarmupRng {
            state: if seed == 0 {
                0x9e37_79b9_7f4a_7c15
            } else {
                seed
            },
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A share of `warmup` in `0..=warmup`, to the millisecond.
    pub fn share(&mut self, warmup: Duration) -> Duration {
        let ms = warmup.total_millis();
        match ms.checked_add(1) {
            Some(span) => Duration::from_millis(self.next() % span),
            None => Duration::from_millis(self.next()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_stay_within_warmup_and_spread() {
        let mut r = WarmupRng::new(7);
        let w = Duration::from_secs(10);
        let shares: Vec<u64> = (0..1000).map(|_| r.share(w).total_millis()).collect();
        assert!(shares.iter().all(|&s| s <= 10_000));
        assert!(shares.iter().any(|&s| s < 2_000) && shares.iter().any(|&s| s > 8_000));
        assert_eq!(WarmupRng::new(1).share(Duration::ZERO), Duration::ZERO);
    }
}
