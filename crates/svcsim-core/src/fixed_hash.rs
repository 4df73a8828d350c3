//! A hash map with a fixed hash function, for lookup tables on the hot path
//! that are never iterated.
//!
//! std's `HashMap` seeds its hasher from OS entropy (`RandomState`), which
//! the core must not draw; and a `BTreeMap` pays a chain of key comparisons
//! per lookup. This hasher is a multiply-rotate in the style of the Fx hash
//! rustc uses: fast on small integer keys, not resistant to chosen inputs,
//! which a simulation of its own packets does not need. Iteration order of
//! such a map depends on the hash, so code that iterates must use a
//! `BTreeMap` or `vecmap` instead (the trace's byte-for-byte determinism
//! depends on it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` hashed with [`FixedHasher`]: the same layout on every run.
pub type FixedMap<K, V> = HashMap<K, V, BuildHasherDefault<FixedHasher>>;

/// Multiply-rotate hashing of each written word.
#[derive(Clone, Copy, Debug, Default)]
pub struct FixedHasher {
    hash: u64,
}

/// An odd constant with well-spread bits (2^64 divided by the golden ratio).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

impl FixedHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FixedHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The high bits are the best mixed; hashbrown takes its control
        // byte from the top seven and its bucket from the low ones.
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<T: Hash>(t: &T) -> u64 {
        BuildHasherDefault::<FixedHasher>::default().hash_one(t)
    }

    #[test]
    fn the_same_key_hashes_the_same_everywhere() {
        assert_eq!(hash(&42u32), hash(&42u32));
        assert_ne!(hash(&(1u32, 2u16)), hash(&(2u32, 1u16)));
        let mut m = FixedMap::default();
        for i in 0..1000u32 {
            m.insert((i, i as u16), i);
        }
        assert!((0..1000u32).all(|i| m[&(i, i as u16)] == i));
    }
}
