//! Stable sorting and ordered collections with one copy of the sort code.
//!
//! `slice::sort_by` is generic over the element and the comparator, and so
//! is `collect()` into a `BTreeMap` or `BTreeSet` (it sorts the pairs
//! before building the tree). Each call site therefore links its own merge
//! sort, about 3.5 KB of wasm apiece, into the module the browser
//! downloads. Here one merge sort orders *indices* through a `dyn`
//! comparator, and a few lines of generic code apply the permutation. The
//! sort is stable, like `sort_by`, so every result is the one the standard
//! library gives.
//!
//! `map_of` and `set_of` build this program's ordered collections
//! ([`VecMap`], [`VecSet`]), whose `collect()` sorts with this sort.

use crate::vecmap::{VecMap, VecSet};
use std::cmp::Ordering;

/// Sort `v` stably by `cmp` (as `slice::sort_by`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let idx = stable_order(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    permute(v, idx);
}

/// Sort `v` stably by a key (as `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sort `v` stably by a key computed once per element (as
/// `slice::sort_by_cached_key`).
pub fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl FnMut(&T) -> K) {
    let keys: Vec<K> = v.iter().map(key).collect();
    let idx = stable_order(v.len(), &mut |a, b| keys[a].cmp(&keys[b]));
    permute(v, idx);
}

/// Sort `v` stably in its natural order (as `slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// A map of the pairs; a later pair replaces an earlier one with an equal
/// key, as `collect()` does.
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> VecMap<K, V> {
    pairs.into_iter().collect()
}

/// A set of the items (as `collect()`).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> VecSet<T> {
    items.into_iter().collect()
}

/// The positions `0..n` in stable sorted order: a bottom-up merge sort,
/// taking from the left run on ties, that skips merging two runs already
/// in order.
fn stable_order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    let mut b = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            // Runs already in order (common: callers often sort lists
            // that are nearly sorted) are copied without comparing each.
            if mid == hi || cmp(a[mid - 1], a[mid]) != Ordering::Greater {
                b[lo..hi].copy_from_slice(&a[lo..hi]);
                lo = hi;
                continue;
            }
            let (mut i, mut j) = (lo, mid);
            for slot in &mut b[lo..hi] {
                let take_left = j >= hi || (i < mid && cmp(a[i], a[j]) != Ordering::Greater);
                if take_left {
                    *slot = a[i];
                    i += 1;
                } else {
                    *slot = a[j];
                    j += 1;
                }
            }
            lo = hi;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Rearrange `v` so that position `i` holds what was at `idx[i]`, by
/// following each cycle of the permutation with swaps.
fn permute<T>(v: &mut [T], mut idx: Vec<usize>) {
    for start in 0..idx.len() {
        let mut at = start;
        // `usize::MAX` marks a position already filled.
        while idx[at] != usize::MAX {
            let from = idx[at];
            idx[at] = usize::MAX;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pseudo-random pairs (key, original position) from a fixed LCG.
    fn pairs(n: usize, keys: u64) -> Vec<(u64, usize)> {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        (0..n)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) % keys, i)
            })
            .collect()
    }

    #[test]
    fn sort_by_matches_the_standard_stable_sort() {
        for n in [0, 1, 2, 3, 7, 8, 9, 31, 64, 100, 1000] {
            for keys in [1, 3, 50, 1 << 30] {
                let mut ours = pairs(n, keys);
                let mut std = ours.clone();
                sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
                std.sort_by_key(|a| a.0);
                assert_eq!(ours, std, "n={n} keys={keys}");
            }
        }
    }

    #[test]
    fn cached_key_and_natural_order_agree_with_std() {
        let mut a = pairs(257, 10);
        let mut b = a.clone();
        sort_by_cached_key(&mut a, |p| std::cmp::Reverse(p.0));
        b.sort_by_cached_key(|p| std::cmp::Reverse(p.0));
        assert_eq!(a, b);
        let mut c = pairs(100, 7);
        let mut d = c.clone();
        sort(&mut c);
        d.sort();
        assert_eq!(c, d);
    }

    #[test]
    fn map_of_keeps_the_last_value_like_collect() {
        let pairs = [("b", 1), ("a", 2), ("b", 3)];
        let collected: std::collections::BTreeMap<_, _> = pairs.into_iter().collect();
        assert!(map_of(pairs).iter().eq(collected.iter()));
        assert_eq!(set_of([3, 1, 3]).as_slice(), &[1, 3]);
    }
}
