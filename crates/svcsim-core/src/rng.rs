//! Seeded randomness. One seed drives a run; each independent component gets
//! its own stream derived from `(seed, stream key)`, so adding a client does
//! not shift when pods crash. Draws are integers so native and wasm agree bit
//! for bit; the one transcendental function we need (`ln`, for exponential
//! inter-arrival times) comes from `libm`, a pure-Rust implementation that
//! gives the same answer on every target.

use rand::RngCore;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

/// A deterministic random stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stream {
    rng: Pcg64Mcg,
}

/// SplitMix64 finaliser: spreads a seed and a key into well-mixed state.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stable 64-bit FNV-1a of a stream key, so keys can be readable strings.
pub fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Stream {
    /// The stream for `key` under `seed`.
    pub fn derive(seed: u64, key: &str) -> Stream {
        let a = mix(seed ^ key_hash(key));
        let b = mix(a ^ 0x5851_F42D_4C95_7F2D);
        let state = ((a as u128) << 64) | (b as u128);
        Stream {
            rng: Pcg64Mcg::new(state | 1),
        }
    }

    pub fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }

    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform integer in `0..n` (n > 0), unbiased by rejection.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// Uniform float in (0, 1], built from 53 random bits (exact on every target).
    pub fn unit_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponentially distributed duration with the given mean, in ns,
    /// rounded down to whole nanoseconds.
    pub fn exp_nanos(&mut self, mean_ns: u64) -> u64 {
        let u = self.unit_open0();
        let x = -libm::log(u) * mean_ns as f64;
        x as u64
    }

    /// True with probability `num/den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        den > 0 && self.below(den) < num
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let mut a = Stream::derive(7, "client/0");
        let mut b = Stream::derive(7, "client/0");
        let mut c = Stream::derive(7, "client/1");
        let va: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let vb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let vc: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va, vc);
    }
}
