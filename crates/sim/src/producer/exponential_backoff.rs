//! KIP-580 retry backoff: `min(max, ⌊U[0.8,1.2) × initial × 2^min(n, expMax)⌋)` with
//! `expMax = log2(max/initial)`; a constant `min(initial, max)` without jitter when
//! `max ≤ initial`. Source: apache/kafka `ExponentialBackoff`, `CommonClientConfigs`
//! (base 2, jitter 0.2).
//!
//! Model simplification: the jitter factor is drawn in whole parts per million and the
//! power is computed in integers, so native and wasm builds agree bit for bit.

use crate::rng::SimRng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExponentialBackoff {
    pub initial_ms: u64,
    pub max_ms: u64,
}

impl ExponentialBackoff {
    /// Backoff in ms before retry attempt `attempts + 1`. Kafka draws a fresh jitter on every
    /// evaluation (errata E), so callers call this each time they check.
    pub fn backoff(&self, attempts: u32, rng: &mut SimRng) -> u64 {
        let initial = self.initial_ms.min(self.max_ms);
        if self.max_ms <= self.initial_ms {
            return initial;
        }
        let term = (0..attempts.min(63))
            .try_fold(initial, |t, _| {
                t.checked_mul(2).filter(|&d| d < self.max_ms)
            })
            .unwrap_or(self.max_ms);
        let factor_ppm = rng.ppm_between(800_000, 1_200_000);
        (term.saturating_mul(factor_ppm) / 1_000_000).min(self.max_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn defaults_grow_then_clip_at_max() {
        let b = ExponentialBackoff {
            initial_ms: 100,
            max_ms: 1000,
        };
        let mut rng = SimRng::new(7, Stream::Backoff);
        for (attempts, lo, hi) in [
            (0, 80, 119),
            (1, 160, 239),
            (2, 320, 479),
            (3, 640, 959),
            (4, 800, 1000),
            (9, 800, 1000),
        ] {
            for _ in 0..200 {
                let v = b.backoff(attempts, &mut rng);
                assert!(
                    (lo..=hi).contains(&v),
                    "attempt {attempts}: {v} not in {lo}..={hi}"
                );
            }
        }
        let at_max = (0..1000).filter(|_| b.backoff(6, &mut rng) == 1000).count();
        assert!(
            (400..600).contains(&at_max),
            "about half clip at 1000, got {at_max}"
        );
    }

    #[test]
    fn constant_when_max_not_above_initial() {
        let b = ExponentialBackoff {
            initial_ms: 500,
            max_ms: 200,
        };
        let mut rng = SimRng::new(7, Stream::Backoff);
        assert_eq!(b.backoff(3, &mut rng), 200);
    }
}
