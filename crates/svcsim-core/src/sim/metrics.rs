//! Run metrics: request counts per Service and per pod, outcomes by reason,
//! and latency percentiles. Everything here is derived from the same facts
//! the trace records, at the moment the trace records them, so the two agree.

use super::trace::Outcome;
use crate::vecmap::VecMap;
use serde::{Deserialize, Serialize};

/// A log-linear latency histogram: 64 power-of-two ranges, each split into
/// 16 linear sub-buckets, over microseconds. Percentiles are exact to within
/// 1/16 of their power of two, and the histogram is small enough to clone
/// with every checkpoint.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Histogram {
    counts: VecMap<u32, u64>,
    total: u64,
}

const SUB: u64 = 16;

fn bucket_of(v: u64) -> u32 {
    if v < SUB {
        return v as u32;
    }
    let msb = 63 - v.leading_zeros() as u64; // >= 4
    let shift = msb - 4;
    let sub = (v >> shift) - SUB; // 0..16
    ((msb - 3) * SUB + sub) as u32
}

fn bucket_low(b: u32) -> u64 {
    let b = b as u64;
    if b < SUB {
        return b;
    }
    let msb = b / SUB + 3;
    let sub = b % SUB;
    (SUB + sub) << (msb - 4)
}

impl Histogram {
    pub fn record(&mut self, v: u64) {
        *self.counts.entry(bucket_of(v)).or_insert(0) += 1;
        self.total += 1;
    }
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Add another histogram's counts to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (b, c) in &other.counts {
            *self.counts.entry(*b).or_insert(0) += c;
        }
        self.total += other.total;
    }
    /// The value at quantile `q` in per-mille (500 = p50, 990 = p99): the
    /// lower bound of the bucket holding that rank.
    pub fn quantile_permille(&self, q: u64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = (self.total * q).div_ceil(1000).max(1);
        let mut seen = 0;
        for (b, c) in &self.counts {
            seen += c;
            if seen >= rank {
                return bucket_low(*b);
            }
        }
        0
    }
}

/// Counters for one Service or pod.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Counts {
    pub requests: u64,
    pub ok: u64,
}

/// Everything `svcsim run` prints.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Metrics {
    pub requests: u64,
    pub outcomes: VecMap<String, u64>,
    /// `outcome: reason` → count.
    pub reasons: VecMap<String, u64>,
    pub per_service: VecMap<String, Counts>,
    /// Requests that reached each pod (by pod name).
    pub per_pod: VecMap<String, Counts>,
    pub latency_us: Histogram,
    /// Latency of successful requests only.
    pub ok_latency_us: Histogram,
}

impl Metrics {
    pub fn record(
        &mut self,
        outcome: Outcome,
        reason: &str,
        service: Option<&str>,
        pod: Option<&str>,
        latency_us: u64,
    ) {
        self.requests += 1;
        let ok = outcome == Outcome::Ok;
        count(&mut self.outcomes, outcome.as_str());
        // Reasons are keyed "outcome: reason"; find before formatting, so
        // the hot path does not allocate.
        let o = outcome.as_str();
        let found = self.reasons.iter_mut().find(|(k, _)| {
            k.len() == o.len() + 2 + reason.len() && k.starts_with(o) && k.ends_with(reason)
        });
        match found {
            Some((_, n)) => *n += 1,
            None => {
                self.reasons.insert(format!("{o}: {reason}"), 1);
            }
        }
        if let Some(s) = service {
            tally(&mut self.per_service, s, ok);
        }
        if let Some(p) = pod {
            tally(&mut self.per_pod, p, ok);
        }
        self.latency_us.record(latency_us);
        if ok {
            self.ok_latency_us.record(latency_us);
        }
    }
}

fn count(map: &mut VecMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_string(), 1);
        }
    }
}

fn tally(map: &mut VecMap<String, Counts>, key: &str, ok: bool) {
    if !map.contains_key(key) {
        map.insert(key.to_string(), Counts::default());
    }
    if let Some(c) = map.get_mut(key) {
        c.requests += 1;
        c.ok += ok as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_roundtrip_and_quantiles() {
        for v in [0u64, 1, 15, 16, 17, 100, 1000, 123_456, 9_999_999] {
            let low = bucket_low(bucket_of(v));
            assert!(low <= v && v - low <= v / 16 + 1, "v={v} low={low}");
        }
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v);
        }
        let p50 = h.quantile_permille(500);
        assert!((470..=500).contains(&p50), "p50={p50}");
        let p99 = h.quantile_permille(990);
        assert!((928..=990).contains(&p99), "p99={p99}");
    }
}
