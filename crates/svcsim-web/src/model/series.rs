//! Success rate and latency over simulated time, for the charts.
//!
//! Requests are tallied into one-second buckets by the simulated time they
//! ended, from the same `End` trace events the counters come from. The
//! engine feeds every end, live or replayed, and cuts the series back when
//! it restores a checkpoint, so after scrubbing the series is exactly what
//! an unbroken run would have built.

use svcsim_core::sim::metrics::Histogram;
use svcsim_core::sim::trace::{Outcome, RequestEnd};
use svcsim_core::time::SimTime;

/// Bucket width in nanoseconds of simulated time.
pub const BUCKET_NS: u64 = 1_000_000_000;

#[derive(Clone, Debug, Default)]
struct Bucket {
    ok: u64,
    failed: u64,
    latency_us: Histogram,
}

/// See [`Series::mark`].
#[derive(Clone, Debug, Default)]
pub struct Mark {
    len: usize,
    last: Option<Bucket>,
}

/// Per-second tallies from the start of the run.
#[derive(Clone, Debug, Default)]
pub struct Series {
    buckets: Vec<Bucket>,
}

/// One plotted point: a span of simulated time and what ended in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Start of the span.
    pub t: SimTime,
    pub requests: u64,
    /// Percent of the span's requests that succeeded (`None` without any).
    pub success_pct: Option<f64>,
    pub p50_us: u64,
    pub p99_us: u64,
}

impl Series {
    /// Tally one finished request that ended at `t`.
    pub fn record(&mut self, t: SimTime, e: &RequestEnd) {
        let i = (t.0 / BUCKET_NS) as usize;
        if self.buckets.len() <= i {
            self.buckets.resize_with(i + 1, Bucket::default);
        }
        let b = &mut self.buckets[i];
        if e.outcome == Outcome::Ok {
            b.ok += 1;
        } else {
            b.failed += 1;
        }
        b.latency_us.record(e.latency_us);
    }

    /// What a checkpoint keeps so the series can be cut back to it: the
    /// number of buckets and the (partly filled) last one.
    pub fn mark(&self) -> Mark {
        Mark {
            len: self.buckets.len(),
            last: self.buckets.last().cloned(),
        }
    }

    /// Go back to how the series was when `mark` was taken (a checkpoint is
    /// about to be replayed from): later buckets are dropped and the last
    /// one is restored, so no request is lost or counted twice.
    pub fn restore(&mut self, mark: &Mark) {
        self.buckets.truncate(mark.len);
        if let (Some(b), Some(last)) = (mark.last.as_ref(), self.buckets.last_mut()) {
            *last = b.clone();
        }
    }

    /// At most `max_points` points up to `until`, each merging as many whole
    /// buckets as it takes.
    pub fn points(&self, until: SimTime, max_points: usize) -> Vec<Point> {
        let n = (until.0.div_ceil(BUCKET_NS) as usize).min(self.buckets.len());
        if n == 0 || max_points == 0 {
            return Vec::new();
        }
        let per = n.div_ceil(max_points);
        self.buckets[..n]
            .chunks(per)
            .enumerate()
            .map(|(k, chunk)| {
                let mut h = Histogram::default();
                let (mut ok, mut failed) = (0, 0);
                for b in chunk {
                    ok += b.ok;
                    failed += b.failed;
                    h.merge(&b.latency_us);
                }
                let requests = ok + failed;
                Point {
                    t: SimTime((k * per) as u64 * BUCKET_NS),
                    requests,
                    success_pct: (requests > 0).then(|| ok as f64 * 100.0 / requests as f64),
                    p50_us: h.quantile_permille(500),
                    p99_us: h.quantile_permille(990),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcsim_core::sim::trace::Place;

    fn end(outcome: Outcome, latency_us: u64) -> RequestEnd {
        RequestEnd {
            request: 0,
            client: 0,
            outcome,
            reason: String::new(),
            at: Place::Nowhere { ip: "x".into() },
            service: None,
            pod: None,
            latency_us,
            seen_src: None,
        }
    }

    fn secs(s: f64) -> SimTime {
        SimTime((s * 1e9) as u64)
    }

    #[test]
    fn buckets_by_second_and_merges_into_points() {
        let mut s = Series::default();
        s.record(secs(0.2), &end(Outcome::Ok, 100));
        s.record(secs(0.7), &end(Outcome::Refused, 5));
        s.record(secs(1.5), &end(Outcome::Ok, 300));
        s.record(secs(3.1), &end(Outcome::Ok, 1000));
        let p = s.points(secs(4.0), 10);
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].requests, 2);
        assert_eq!(p[0].success_pct, Some(50.0));
        assert_eq!(p[2].success_pct, None);
        assert_eq!(p[3].p99_us, 992, "log-linear bucket floor of 1000 µs");
        // Two points: seconds 0-1 and 2-3.
        let p = s.points(secs(4.0), 2);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].requests, p[1].requests), (3, 1));
        assert_eq!(p[1].t, secs(2.0));
        // Only what ended before `until`.
        assert_eq!(s.points(secs(1.0), 10).len(), 1);
    }

    #[test]
    fn restoring_a_mark_forgets_exactly_what_came_after() {
        let mut s = Series::default();
        for i in 0..10 {
            s.record(secs(i as f64 * 0.5), &end(Outcome::Ok, 10));
        }
        // A mark in the middle of second 2 (after 2.0, before 2.5).
        let mut marked = Series::default();
        for i in 0..5 {
            marked.record(secs(i as f64 * 0.5), &end(Outcome::Ok, 10));
        }
        let m = marked.mark();
        s.restore(&m);
        let p = s.points(secs(10.0), 100);
        assert_eq!(
            p.iter().map(|p| p.requests).collect::<Vec<_>>(),
            vec![2, 2, 1]
        );
        s.record(secs(2.5), &end(Outcome::Timeout, 10));
        assert_eq!(s.points(secs(10.0), 100)[2].success_pct, Some(50.0));
    }
}
