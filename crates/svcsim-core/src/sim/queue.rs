//! The pending events, in (time, sequence number) order.
//!
//! Most events go into a binary heap. Events scheduled a fixed delay after
//! "now" come due in the order they were scheduled, since "now" never goes
//! back: each such delay gets a FIFO lane instead, where pushing and
//! popping cost O(1). Two kinds are: each request's deadline (its
//! client's timeout later) and each packet hop (the hop latency of its
//! kind). That keeps the heap small and its entries few: at 10,000
//! requests/s with 5 s timeouts, some 50,000 pending deadlines would
//! otherwise deepen every heap operation. The order events come out in is exactly the heap-only
//! order (every event carries the global sequence number), so traces do
//! not change.

use super::Ev;
use crate::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Most lanes kept; further delays go to the heap.
const MAX_LANES: usize = 8;

/// Something scheduled to happen.
#[derive(Clone, Debug)]
pub(crate) struct Scheduled {
    pub at: SimTime,
    pub seq: u64,
    pub ev: Ev,
}

impl Scheduled {
    fn key(&self) -> (SimTime, u64) {
        (self.at, self.seq)
    }
}
impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.key().cmp(&o.key())
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Reverse<Scheduled>>,
    /// (delay, events scheduled that long after their scheduling time).
    lanes: Vec<(SimDuration, VecDeque<Scheduled>)>,
}

impl EventQueue {
    pub fn push(&mut self, s: Scheduled) {
        self.heap.push(Reverse(s));
    }

    /// `s` was scheduled `delay` after the current time: its lane keeps it
    /// in order behind the earlier ones of the same delay.
    pub fn push_after(&mut self, delay: SimDuration, s: Scheduled) {
        let lane = match self.lanes.iter().position(|(d, _)| *d == delay) {
            Some(i) => i,
            None if self.lanes.len() < MAX_LANES => {
                self.lanes.push((delay, VecDeque::new()));
                self.lanes.len() - 1
            }
            None => return self.push(s),
        };
        let q = &mut self.lanes[lane].1;
        debug_assert!(q.back().is_none_or(|b| b.key() < s.key()));
        q.push_back(s);
    }

    /// Where the next event is: `None` for the heap, `Some(i)` for lane i.
    fn next_source(&self) -> Option<Option<usize>> {
        let mut best = self.heap.peek().map(|Reverse(s)| (s.key(), None));
        for (i, (_, q)) in self.lanes.iter().enumerate() {
            if let Some(s) = q.front() {
                if best.is_none_or(|(k, _)| s.key() < k) {
                    best = Some((s.key(), Some(i)));
                }
            }
        }
        best.map(|(_, src)| src)
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        let heap = self.heap.peek().map(|Reverse(s)| s.at);
        let lanes = self
            .lanes
            .iter()
            .filter_map(|(_, q)| q.front())
            .map(|s| s.at);
        heap.into_iter().chain(lanes).min()
    }

    pub fn pop(&mut self) -> Option<Scheduled> {
        match self.next_source()? {
            None => self.heap.pop().map(|Reverse(s)| s),
            Some(i) => self.lanes[i].1.pop_front(),
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(|(_, q)| q.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_and_heap_come_out_in_time_then_sequence_order() {
        let mut q = EventQueue::default();
        let mut heap_only = BinaryHeap::new();
        let mut now = SimTime::ZERO;
        // A deterministic mix: heap events at scattered times, lane events
        // at now + one of three delays, with ties on time.
        for i in 0..2000u64 {
            let seq = i;
            now = SimTime(now.0 + (i * 7919) % 3);
            let ev = Ev::Deadline(i);
            let s = if i % 3 == 0 {
                let d = SimDuration([5, 7, 5][(i / 3 % 3) as usize]);
                let s = Scheduled {
                    at: SimTime(now.0 + d.0),
                    seq,
                    ev,
                };
                q.push_after(d, s.clone());
                s
            } else {
                let s = Scheduled {
                    at: SimTime(now.0 + (i * 31) % 11),
                    seq,
                    ev,
                };
                q.push(s.clone());
                s
            };
            heap_only.push(Reverse(s));
        }
        assert_eq!(q.len(), heap_only.len());
        while let Some(Reverse(want)) = heap_only.pop() {
            assert_eq!(q.peek_time(), Some(want.at));
            assert_eq!(q.pop().map(|s| s.key()), Some(want.key()));
        }
        assert!(q.pop().is_none());
    }
}
