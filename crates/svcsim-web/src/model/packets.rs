//! Packets in flight, and what one frame shows of them.
//!
//! Each trace `Hop` becomes a [`Flight`]: it leaves `from` at `t` and reaches
//! `to` at `arrive`. A frame covers a *window* of simulated time (from the
//! previous frame's displayed time to this one's); every hop that overlaps
//! the window is drawn, at its position at the window's end, with a tail
//! back to where it was at the window's start. Hops inside a node take tens
//! of microseconds, far shorter than a frame at most speeds: drawing the
//! window rather than the instant means no hop is ever skipped, and the tail
//! shows how far it went.
//!
//! Hops that arrived a moment ago leave a fading *glow* along their edge
//! for a fixed stretch of wall-clock time, so a request's path stays
//! visible after its packets have passed even when each hop lasts only a
//! few frames. The glow is history, drawn behind the packets; a packet's own
//! position is always exactly where the simulated clock puts it.
//!
//! When more hops overlap the window than can be drawn one by one
//! ([`AGGREGATE_ABOVE`]), the frame is composed of per-edge [`Flow`]s with a
//! count instead, so high speeds stay smooth rather than dropping frames.

use super::layout::Layout;
use std::collections::VecDeque;
use svcsim_core::sim::trace::{Hop, PacketKind, Place};
use svcsim_core::time::{SimDuration, SimTime};
use svcsim_core::vecmap::VecMap;

/// Above this many hops in one frame, draw flows instead of dots.
pub const AGGREGATE_ABOVE: usize = 1500;
/// How long a failure label stays up, in wall-clock milliseconds.
pub const LABEL_MS: f64 = 1800.0;
/// At most this many failure labels at once (the rest fold into counts).
const MAX_LABELS: usize = 24;

/// One hop of one packet.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    /// Index of the hop in the trace (0-based), a stable identity.
    pub seq: u64,
    pub t: SimTime,
    pub hop: Hop,
}

/// The hops that may still be drawn, in departure order.
#[derive(Clone, Debug, Default)]
pub struct Packets {
    flights: VecDeque<Flight>,
}

impl Packets {
    pub fn push(&mut self, seq: u64, t: SimTime, hop: Hop) {
        self.flights.push_back(Flight { seq, t, hop });
    }
    /// Forget hops that arrived before `t`.
    pub fn prune(&mut self, t: SimTime) {
        self.flights.retain(|f| f.hop.arrive >= t);
    }
    pub fn clear(&mut self) {
        self.flights.clear();
    }
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.flights.is_empty()
    }
    pub fn get(&self, i: usize) -> Option<&Flight> {
        self.flights.get(i)
    }
    /// Indices of hops overlapping `[start, end]`.
    pub fn overlapping(&self, start: SimTime, end: SimTime) -> impl Iterator<Item = usize> + '_ {
        self.flights
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.t <= end && f.hop.arrive >= start)
            .map(|(i, _)| i)
    }
}

/// How far along its hop a packet is at `at`, 0.0 (at `from`) to 1.0.
pub fn progress(t: SimTime, arrive: SimTime, at: SimTime) -> f64 {
    if arrive <= t {
        return 1.0;
    }
    let p = (at.0.saturating_sub(t.0)) as f64 / (arrive.0 - t.0) as f64;
    p.clamp(0.0, 1.0)
}

/// Reduced motion: a packet sits at one end or the other, never between.
pub fn stepped(p: f64) -> f64 {
    if p < 0.5 {
        0.0
    } else {
        1.0
    }
}

/// Replies travel on a lane beside requests so the two directions of one
/// connection do not draw on top of each other.
pub fn is_reply(k: PacketKind) -> bool {
    matches!(
        k,
        PacketKind::DnsReply | PacketKind::SynAck | PacketKind::Response | PacketKind::Reset
    )
}

fn lerp(a: (f64, f64), b: (f64, f64), p: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * p, a.1 + (b.1 - a.1) * p)
}

/// Shift a segment sideways by `d` (for the reply lane).
fn offset(a: (f64, f64), b: (f64, f64), d: f64) -> ((f64, f64), (f64, f64)) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-6 {
        return (a, b);
    }
    let (nx, ny) = (-dy / len * d, dx / len * d);
    ((a.0 + nx, a.1 + ny), (b.0 + nx, b.1 + ny))
}

/// At most this many glowing edges per frame (the most recent ones).
const MAX_GLOWS: usize = 800;

/// A hop that arrived recently, drawn as a fading line.
#[derive(Clone, Debug, PartialEq)]
pub struct Glow {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub kind: PacketKind,
    /// 1.0 just arrived, fading to 0.0.
    pub alpha: f64,
    /// The hop it is, as an index into [`Packets`] (valid until the next
    /// prune): a click on a glow picks it.
    pub flight: usize,
}

/// One packet as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub tail: (f64, f64),
    pub kind: PacketKind,
    /// Index into [`Packets`] (valid until the next prune).
    pub flight: usize,
    pub seq: u64,
}

/// Many packets on one edge, drawn as a line with a count.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub count: u32,
    /// The most common kind on the edge, for colour.
    pub kind: PacketKind,
    /// The newest packet on the edge (index into [`Packets`]): what a click
    /// on the flow opens, since one packet stands for the crowd.
    pub flight: usize,
}

/// What one frame draws.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameShapes {
    pub dots: Vec<Dot>,
    pub flows: Vec<Flow>,
    pub glows: Vec<Glow>,
    /// Hops overlapping the window (drawn as dots or folded into flows).
    pub in_window: usize,
}

fn kind_rank(k: PacketKind) -> u8 {
    match k {
        PacketKind::DnsQuery => 0,
        PacketKind::DnsReply => 1,
        PacketKind::Syn => 2,
        PacketKind::SynAck => 3,
        PacketKind::Request => 4,
        PacketKind::Response => 5,
        PacketKind::Reset => 6,
    }
}

/// A place reduced to an orderable key (kind, index).
type PlaceKey = (u8, u32);
/// One edge's endpoints, its packet count, counts per packet kind, and its
/// newest packet (sequence number, index).
type EdgeTally = (Place, Place, u32, [u32; 7], (u64, usize));

fn place_key(p: &Place) -> PlaceKey {
    match p {
        Place::External { client, .. } => (0, *client),
        Place::LoadBalancer { service, .. } => (1, *service),
        Place::Node { node, .. } => (2, *node),
        Place::Pod { pod, .. } => (3, *pod),
        Place::Nowhere { .. } => (4, 0),
    }
}

/// Compose the frame for the window `[start, end]`; hops that arrived
/// within `glow` before `start` are drawn as glows.
pub fn compose(
    packets: &Packets,
    layout: &Layout,
    start: SimTime,
    end: SimTime,
    glow: SimDuration,
    reduced_motion: bool,
) -> FrameShapes {
    let idx: Vec<usize> = packets.overlapping(start, end).collect();
    let mut out = FrameShapes {
        in_window: idx.len(),
        ..FrameShapes::default()
    };
    if idx.len() > AGGREGATE_ABOVE {
        // (from, to) → (count, per-kind counts)
        let mut edges: VecMap<(PlaceKey, PlaceKey), EdgeTally> = VecMap::new();
        for i in idx {
            let Some(f) = packets.get(i) else { continue };
            let e = edges
                .entry((place_key(&f.hop.from), place_key(&f.hop.to)))
                .or_insert_with(|| (f.hop.from.clone(), f.hop.to.clone(), 0, [0; 7], (f.seq, i)));
            e.2 += 1;
            e.3[kind_rank(f.hop.packet) as usize] += 1;
            e.4 = e.4.max((f.seq, i));
        }
        const KINDS: [PacketKind; 7] = [
            PacketKind::DnsQuery,
            PacketKind::DnsReply,
            PacketKind::Syn,
            PacketKind::SynAck,
            PacketKind::Request,
            PacketKind::Response,
            PacketKind::Reset,
        ];
        for (_, (from, to, count, kinds, (_, newest))) in edges {
            let best = (0..7).max_by_key(|&k| (kinds[k], k)).unwrap_or(4);
            let kind = KINDS[best];
            let (a, b) = (layout.anchor(&from), layout.anchor(&to));
            let lane = if is_reply(kind) { 3.0 } else { -3.0 };
            let (a, b) = offset(a, b, lane);
            out.flows.push(Flow {
                from: a,
                to: b,
                count,
                kind,
                flight: newest,
            });
        }
        return out;
    }
    if glow.0 > 0 {
        let since = SimTime(start.0.saturating_sub(glow.0));
        let recent: Vec<(usize, &Flight)> = packets
            .flights
            .iter()
            .enumerate()
            .filter(|(_, f)| f.hop.arrive < start && f.hop.arrive >= since)
            .collect();
        for &(i, f) in recent.iter().rev().take(MAX_GLOWS) {
            let (a, b) = (layout.anchor(&f.hop.from), layout.anchor(&f.hop.to));
            let lane = if is_reply(f.hop.packet) { 3.0 } else { -3.0 };
            let (a, b) = offset(a, b, lane);
            let age = start.0.saturating_sub(f.hop.arrive.0) as f64 / glow.0 as f64;
            out.glows.push(Glow {
                from: a,
                to: b,
                kind: f.hop.packet,
                alpha: (1.0 - age).clamp(0.0, 1.0),
                flight: i,
            });
        }
    }
    for i in idx {
        let Some(f) = packets.get(i) else { continue };
        let (a, b) = (layout.anchor(&f.hop.from), layout.anchor(&f.hop.to));
        let lane = if is_reply(f.hop.packet) { 3.0 } else { -3.0 };
        let (a, b) = offset(a, b, lane);
        let mut p1 = progress(f.t, f.hop.arrive, end);
        let mut p0 = progress(f.t, f.hop.arrive, start);
        if reduced_motion {
            p1 = stepped(p1);
            p0 = p1;
        }
        let (x, y) = lerp(a, b, p1);
        out.dots.push(Dot {
            x,
            y,
            tail: lerp(a, b, p0),
            kind: f.hop.packet,
            flight: i,
            seq: f.seq,
        });
    }
    out
}

/// The packet under `(x, y)`: the nearest dot within `radius`, else the
/// nearest flow line within `radius` (its newest packet), else the nearest
/// glow within half of it (the hop that crossed that edge last). Paused, a
/// frame often shows only glows, so they can be picked too. Returns an
/// index into [`Packets`].
pub fn nearest(shapes: &FrameShapes, x: f64, y: f64, radius: f64) -> Option<usize> {
    let r2 = radius * radius;
    let closest = |it: &mut dyn Iterator<Item = (f64, usize)>| {
        it.filter(|(d2, _)| *d2 <= r2)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, i)| i)
    };
    closest(
        &mut shapes
            .dots
            .iter()
            .map(|d| ((d.x - x).powi(2) + (d.y - y).powi(2), d.flight)),
    )
    .or_else(|| {
        closest(
            &mut shapes
                .flows
                .iter()
                .map(|f| (segment_dist2(f.from, f.to, (x, y)), f.flight)),
        )
    })
    .or_else(|| {
        // Glows of one edge lie on one line: the brightest (newest) wins.
        let r2 = r2 / 4.0;
        shapes
            .glows
            .iter()
            .map(|g| (segment_dist2(g.from, g.to, (x, y)), g))
            .filter(|(d2, _)| *d2 <= r2)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(b.1.alpha.total_cmp(&a.1.alpha)))
            .map(|(_, g)| g.flight)
    })
}

/// Squared distance from `p` to the segment `a`–`b`.
fn segment_dist2(a: (f64, f64), b: (f64, f64), p: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    (p.0 - cx).powi(2) + (p.1 - cy).powi(2)
}

/// A short note where a request failed ("REJECT: no endpoints").
#[derive(Clone, Debug, PartialEq)]
pub struct FailLabel {
    pub at: Place,
    pub text: String,
    pub count: u32,
    /// Wall-clock time (ms) it disappears.
    pub until_ms: f64,
}

/// The failure labels on screen.
#[derive(Clone, Debug, Default)]
pub struct Labels {
    pub items: Vec<FailLabel>,
}

impl Labels {
    /// Show (or refresh) a label. Repeats of the same failure at the same
    /// place fold into one label with a count.
    pub fn add(&mut self, at: Place, text: String, now_ms: f64) {
        let until_ms = now_ms + LABEL_MS;
        if let Some(l) = self
            .items
            .iter_mut()
            .find(|l| place_key(&l.at) == place_key(&at) && l.text == text)
        {
            l.count += 1;
            l.until_ms = until_ms;
            return;
        }
        if self.items.len() >= MAX_LABELS {
            self.items.remove(0);
        }
        self.items.push(FailLabel {
            at,
            text,
            count: 1,
            until_ms,
        });
    }
    pub fn expire(&mut self, now_ms: f64) {
        self.items.retain(|l| l.until_ms > now_ms);
    }
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcsim_core::net::{Endpoint4, Protocol};
    use svcsim_core::sim::trace::Decision;

    fn hop(t: u64, arrive: u64, kind: PacketKind) -> (SimTime, Hop) {
        let ep = Endpoint4 {
            ip: "10.0.0.1".parse().expect("literal address"),
            port: 80,
        };
        (
            SimTime(t),
            Hop {
                request: 1,
                packet: kind,
                proto: Protocol::Tcp,
                from: Place::Nowhere { ip: "a".into() },
                to: Place::Nowhere { ip: "b".into() },
                src: ep,
                dst: ep,
                src_after: ep,
                dst_after: ep,
                arrive: SimTime(arrive),
                decision: Decision::default(),
            },
        )
    }

    #[test]
    fn progress_interpolates_and_clamps() {
        assert_eq!(progress(SimTime(100), SimTime(200), SimTime(150)), 0.5);
        assert_eq!(progress(SimTime(100), SimTime(200), SimTime(50)), 0.0);
        assert_eq!(progress(SimTime(100), SimTime(200), SimTime(250)), 1.0);
        assert_eq!(progress(SimTime(100), SimTime(100), SimTime(100)), 1.0);
        assert_eq!(stepped(0.4), 0.0);
        assert_eq!(stepped(0.6), 1.0);
    }

    #[test]
    fn a_short_hop_inside_the_window_is_still_drawn() {
        let mut p = Packets::default();
        let (t, h) = hop(1_000, 1_050, PacketKind::Syn);
        p.push(0, t, h);
        let l = Layout::default();
        // Frame window 0..16ms wholly contains the 50ns hop.
        let f = compose(
            &p,
            &l,
            SimTime(0),
            SimTime(16_000_000),
            SimDuration::ZERO,
            false,
        );
        assert_eq!(f.dots.len(), 1);
        let f = compose(
            &p,
            &l,
            SimTime(2_000),
            SimTime(3_000),
            SimDuration::ZERO,
            false,
        );
        assert!(f.dots.is_empty());
        // Just after it arrived it glows; much later it is gone.
        let f = compose(
            &p,
            &l,
            SimTime(2_000),
            SimTime(3_000),
            SimDuration(5_000),
            false,
        );
        assert_eq!(f.glows.len(), 1);
        assert!(f.glows[0].alpha > 0.5);
        p.prune(SimTime(2_000));
        assert!(p.is_empty());
    }

    #[test]
    fn many_hops_fold_into_flows() {
        let mut p = Packets::default();
        for i in 0..(AGGREGATE_ABOVE as u64 + 10) {
            let (t, h) = hop(i, i + 100, PacketKind::Request);
            p.push(i, t, h);
        }
        let f = compose(
            &p,
            &Layout::default(),
            SimTime(0),
            SimTime(10_000),
            SimDuration::ZERO,
            false,
        );
        assert!(f.dots.is_empty());
        assert_eq!(f.flows.len(), 1);
        assert_eq!(f.flows[0].count as usize, AGGREGATE_ABOVE + 10);
    }

    #[test]
    fn nearest_picks_the_closest_dot_in_range() {
        let mk = |x: f64, seq: u64| Dot {
            x,
            y: 0.0,
            tail: (x, 0.0),
            kind: PacketKind::Syn,
            flight: seq as usize,
            seq,
        };
        let shapes = FrameShapes {
            dots: vec![mk(0.0, 1), mk(10.0, 2), mk(30.0, 3)],
            flows: vec![],
            glows: vec![],
            in_window: 3,
        };
        assert_eq!(nearest(&shapes, 8.0, 1.0, 5.0), Some(2));
        assert_eq!(nearest(&shapes, 20.0, 0.0, 5.0), None);
    }

    #[test]
    fn nearest_falls_back_to_the_flow_line_under_the_pointer() {
        let flow = |y: f64, flight: usize| Flow {
            from: (0.0, y),
            to: (100.0, y),
            count: 40,
            kind: PacketKind::Request,
            flight,
        };
        let shapes = FrameShapes {
            dots: vec![],
            flows: vec![flow(0.0, 7), flow(20.0, 9)],
            glows: vec![],
            in_window: 80,
        };
        // Mid-line, nearer the second flow: its newest packet.
        assert_eq!(nearest(&shapes, 50.0, 17.0, 5.0), Some(9));
        // Past the end of both lines, out of range.
        assert_eq!(nearest(&shapes, 120.0, 0.0, 5.0), None);
    }

    #[test]
    fn with_no_packet_near_a_glow_picks_the_newest_hop_on_its_edge() {
        let glow = |y: f64, alpha: f64, flight: usize| Glow {
            from: (0.0, y),
            to: (100.0, y),
            kind: PacketKind::Response,
            alpha,
            flight,
        };
        let dot = Dot {
            x: 90.0,
            y: 0.0,
            tail: (90.0, 0.0),
            kind: PacketKind::Syn,
            flight: 1,
            seq: 1,
        };
        let shapes = FrameShapes {
            dots: vec![dot],
            flows: vec![],
            glows: vec![glow(0.0, 0.2, 4), glow(0.0, 0.9, 5), glow(20.0, 1.0, 6)],
            in_window: 1,
        };
        // On the first edge, away from the dot: its newest glow.
        assert_eq!(nearest(&shapes, 30.0, 1.0, 6.0), Some(5));
        // A dot in range still comes first.
        assert_eq!(nearest(&shapes, 88.0, 1.0, 6.0), Some(1));
        // Glows are thin: only half the radius picks one.
        assert_eq!(nearest(&shapes, 30.0, 4.0, 6.0), None);
        assert_eq!(nearest(&shapes, 30.0, 18.0, 6.0), Some(6));
    }

    #[test]
    fn labels_fold_repeats_and_expire() {
        let mut l = Labels::default();
        let at = Place::Nowhere { ip: "x".into() };
        l.add(at.clone(), "REJECT: no endpoints".into(), 0.0);
        l.add(at, "REJECT: no endpoints".into(), 100.0);
        assert_eq!(l.items.len(), 1);
        assert_eq!(l.items[0].count, 2);
        l.expire(100.0 + LABEL_MS + 1.0);
        assert!(l.items.is_empty());
    }
}
