//! The recent requests, hop by hop, for the packet inspector.
//!
//! The packet buffer (`packets.rs`) forgets a hop as soon as it has been
//! drawn; the inspector needs the whole story of one request after the fact:
//! every hop with its addresses before and after NAT, the rules each hop
//! matched, and how the request ended. This book keeps that for the last
//! [`MAX_REQUESTS`] requests, fed from the same trace the animation reads.

use std::collections::BTreeMap;
use svcsim_core::net::Protocol;
use svcsim_core::proxy::conntrack::Tuple;
use svcsim_core::sim::trace::{Hop, PacketKind, Place, RequestEnd, RequestId};
use svcsim_core::sim::{TraceEvent, TraceKind};
use svcsim_core::time::SimTime;

/// Requests remembered at once (the oldest are forgotten first).
pub const MAX_REQUESTS: usize = 2_000;
/// Hops kept per request; a request is a handful, a keep-alive connection's
/// longer story is cut here.
pub const MAX_HOPS: usize = 64;

/// One hop as the trace recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct HopRecord {
    /// Trace sequence number.
    pub seq: u64,
    /// When the hop left.
    pub t: SimTime,
    pub hop: Hop,
}

/// Everything known about one request.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RequestRecord {
    pub request: RequestId,
    pub hops: Vec<HopRecord>,
    /// Trace sequence number and time of the end, and the end itself.
    pub end: Option<(u64, SimTime, RequestEnd)>,
}

impl RequestRecord {
    /// The hops rewritten by NAT on a node by a decision (rules or IPVS)
    /// rather than by an existing conntrack entry: each created one
    /// conntrack entry. A request usually has two: its DNS query to the
    /// kube-dns Service, and its connection to the Service it calls.
    pub fn nat_hops(&self) -> impl Iterator<Item = &HopRecord> {
        self.hops.iter().filter(|h| {
            matches!(h.hop.from, Place::Node { .. })
                && (h.hop.dst != h.hop.dst_after || h.hop.src != h.hop.src_after)
                && !h.hop.decision.conntrack
        })
    }

    /// The NAT of the request's own connection (not its DNS query), or the
    /// DNS query's when the connection had none.
    pub fn nat_hop(&self) -> Option<&HopRecord> {
        self.nat_hops()
            .find(|h| h.hop.packet != PacketKind::DnsQuery)
            .or_else(|| self.nat_hops().next())
    }

    /// The conntrack tuple pair of a hop's NAT, in `conntrack -L` words:
    /// the original direction as sent, the reply direction as the backend
    /// answers (to the SNAT address when the packet was masqueraded).
    pub fn conntrack_tuples(h: &Hop) -> (String, String) {
        let orig = format!(
            "src={} dst={} sport={} dport={}",
            h.src.ip, h.dst.ip, h.src.port, h.dst.port
        );
        let reply = format!(
            "src={} dst={} sport={} dport={}",
            h.dst_after.ip, h.src_after.ip, h.dst_after.port, h.src_after.port
        );
        (orig, reply)
    }

    /// The original tuple of the conntrack entry a hop's NAT created.
    pub fn conntrack_tuple(h: &Hop) -> Tuple {
        Tuple {
            proto: h.proto,
            src: h.src,
            dst: h.dst,
        }
    }

    /// A `conntrack -L`-style line for the entry a hop's NAT created, built
    /// from the hop (the entry itself may have expired since).
    pub fn conntrack_line(h: &Hop) -> String {
        let proto = match h.proto {
            Protocol::Tcp => "tcp      6",
            Protocol::Udp => "udp      17",
            Protocol::Sctp => "sctp     132",
        };
        let (o, r) = Self::conntrack_tuples(h);
        format!("{proto} {o} {r}")
    }

    /// The node whose rules decided the request, if any did.
    pub fn rules_node(&self) -> Option<&str> {
        self.hops.iter().find_map(|h| match &h.hop.from {
            Place::Node { name, .. } if !h.hop.decision.rules.is_empty() => Some(name.as_str()),
            _ => None,
        })
    }
}

/// The book of recent requests.
#[derive(Clone, Debug, Default)]
pub struct RequestBook {
    by_id: BTreeMap<RequestId, RequestRecord>,
}

impl RequestBook {
    /// Record a trace event (hops and request ends; the rest is ignored).
    pub fn add(&mut self, seq: u64, ev: &TraceEvent) {
        match &ev.kind {
            TraceKind::Hop(h) => {
                let r = self.entry(h.request);
                if r.hops.len() < MAX_HOPS && r.hops.last().is_none_or(|l| l.seq < seq) {
                    r.hops.push(HopRecord {
                        seq,
                        t: ev.t,
                        hop: h.clone(),
                    });
                }
            }
            TraceKind::End(e) => {
                self.entry(e.request).end = Some((seq, ev.t, e.clone()));
            }
            _ => {}
        }
    }

    fn entry(&mut self, id: RequestId) -> &mut RequestRecord {
        if !self.by_id.contains_key(&id) && self.by_id.len() >= MAX_REQUESTS {
            self.by_id.pop_first();
        }
        self.by_id.entry(id).or_insert_with(|| RequestRecord {
            request: id,
            ..Default::default()
        })
    }

    pub fn get(&self, id: RequestId) -> Option<&RequestRecord> {
        self.by_id.get(&id)
    }

    /// The request whose end (or one of whose hops) is trace event `seq`:
    /// a log line knows only its trace sequence number.
    pub fn by_seq(&self, seq: u64) -> Option<RequestId> {
        self.by_id
            .values()
            .rev()
            .find(|r| {
                r.end.as_ref().is_some_and(|(s, _, _)| *s == seq)
                    || r.hops.iter().any(|h| h.seq == seq)
            })
            .map(|r| r.request)
    }

    /// Forget what happened after `t` (going back in time replays it).
    pub fn truncate_after(&mut self, t: SimTime) {
        self.by_id.retain(|_, r| {
            r.hops.retain(|h| h.t <= t);
            if r.end.as_ref().is_some_and(|(_, et, _)| *et > t) {
                r.end = None;
            }
            !r.hops.is_empty() || r.end.is_some()
        });
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcsim_core::{Sim, SimTime};

    fn book(name: &str, secs: u64) -> RequestBook {
        let l = svcsim_manifests::builtin::load(name)
            .expect("exists")
            .expect("loads");
        let mut s = Sim::new(l.objects, l.scenario).expect("builds");
        s.run_until(SimTime::from_secs(secs));
        let mut b = RequestBook::default();
        for (i, ev) in s.drain_trace().iter().enumerate() {
            b.add(i as u64, ev);
        }
        b
    }

    #[test]
    fn a_clusterip_request_shows_its_dnat_and_conntrack_tuple() {
        let b = book("clusterip", 2);
        let r = b
            .by_id
            .values()
            .find(|r| r.end.is_some() && r.nat_hop().is_some())
            .expect("a finished request through the Service");
        let nat = r.nat_hop().expect("nat hop");
        assert_ne!(nat.hop.dst, nat.hop.dst_after);
        assert!(r.rules_node().is_some());
        assert_ne!(nat.hop.packet, PacketKind::DnsQuery);
        assert_eq!(r.nat_hops().count(), 2, "the DNS query and the connection");
        let line = RequestRecord::conntrack_line(&nat.hop);
        assert!(line.starts_with("tcp      6 src="), "{line}");
        assert!(line.contains(&format!("dst={}", nat.hop.dst.ip)), "{line}");
        assert!(
            line.contains(&format!("src={}", nat.hop.dst_after.ip)),
            "{line}"
        );
        // A log line names the end's sequence number.
        let (seq, _, _) = r.end.as_ref().expect("end");
        assert_eq!(b.by_seq(*seq), Some(r.request));
    }

    #[test]
    fn truncation_forgets_the_future() {
        let mut b = book("clusterip", 2);
        let n = b.len();
        b.truncate_after(SimTime::from_secs(1));
        assert!(b.len() < n);
        assert!(b
            .by_id
            .values()
            .all(|r| r.hops.iter().all(|h| h.t <= SimTime::from_secs(1))));
    }

    #[test]
    fn the_book_stays_bounded() {
        let mut b = RequestBook::default();
        let end = |request| TraceEvent {
            t: SimTime::ZERO,
            kind: TraceKind::End(RequestEnd {
                request,
                client: 0,
                outcome: svcsim_core::sim::Outcome::Ok,
                reason: String::new(),
                at: Place::Nowhere { ip: "x".into() },
                service: None,
                pod: None,
                latency_us: 0,
                seen_src: None,
            }),
        };
        for i in 0..(MAX_REQUESTS as u64 + 10) {
            b.add(i, &end(i));
        }
        assert_eq!(b.len(), MAX_REQUESTS);
        assert!(b.get(0).is_none());
    }
}
