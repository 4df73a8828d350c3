//! The conntrack table: what keeps an established connection on the
//! endpoint it was DNATed to, whatever kube-proxy rewrites later.
//!
//! Each entry holds the original tuple (as the client sent it) and the reply
//! tuple (as the endpoint answers, after NAT), so a packet can be found in
//! either direction and the reply un-NATed. Timeouts follow the kernel's
//! nf_conntrack defaults, with the TCP values kube-proxy sets
//! (`conntrack.tcpEstablishedTimeout` 24 h and `tcpCloseWaitTimeout` 1 h in
//! KubeProxyConfiguration). Expiry is evaluated at a [`SimTime`] the caller
//! passes; nothing reads a clock.
//!
//! [`Table::clean_stale_udp`] is kube-proxy's `CleanStaleEntries`
//! (pkg/proxy/conntrack/cleanup.go). Entries live in a `BTreeMap` by id, so
//! listing order is creation order; the two tuple indexes, only ever looked
//! up, are [`FixedMap`]s.

use super::{service_ports, NodeFacts};
use crate::fixed_hash::FixedMap;
use crate::model::{EndpointSlice, Service};
use crate::net::{Endpoint4, Ipv4Addr, Protocol};
use crate::time::{SimDuration, SimTime};
use crate::vecmap::VecSet;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;

/// One direction of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tuple {
    pub proto: Protocol,
    pub src: Endpoint4,
    pub dst: Endpoint4,
}

impl Tuple {
    /// The same flow seen from the other end.
    pub fn reversed(&self) -> Tuple {
        Tuple {
            proto: self.proto,
            src: self.dst,
            dst: self.src,
        }
    }
}

/// Connection state, enough to pick the kernel's timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConnState {
    /// TCP SYN seen, no answer yet (nf_conntrack_tcp_timeout_syn_sent, 120 s).
    TcpSynSent,
    /// TCP established (kube-proxy sets 86400 s).
    TcpEstablished,
    /// TCP close-wait (kube-proxy sets 3600 s).
    TcpCloseWait,
    /// TCP time-wait (kernel 120 s).
    TcpTimeWait,
    /// TCP reset by either side (nf_conntrack_tcp_timeout_close, 10 s).
    TcpClose,
    /// UDP, no reply seen yet (nf_conntrack_udp_timeout, 30 s).
    UdpUnreplied,
    /// UDP, a reply seen within two seconds of the first packet, as a DNS
    /// query and its answer: still the 30 s timeout and not `[ASSURED]`
    /// (net/netfilter/nf_conntrack_proto_udp.c, `udp_packet`, which extends
    /// the timeout only for traffic after `stream_ts`, two seconds in).
    UdpReplied,
    /// UDP, replies seen and traffic still flowing two seconds after the
    /// first packet: a stream, `[ASSURED]` (nf_conntrack_udp_timeout_stream,
    /// 120 s).
    UdpStream,
}

impl ConnState {
    /// The timeout that applies after a packet in this state.
    pub fn timeout(self) -> SimDuration {
        SimDuration::from_secs(match self {
            ConnState::TcpSynSent => 120,
            ConnState::TcpEstablished => 86_400,
            ConnState::TcpCloseWait => 3_600,
            ConnState::TcpTimeWait => 120,
            ConnState::TcpClose => 10,
            ConnState::UdpUnreplied | ConnState::UdpReplied => 30,
            ConnState::UdpStream => 120,
        })
    }

    /// The state word `conntrack -L` prints (none for UDP).
    pub fn label(self) -> Option<&'static str> {
        match self {
            ConnState::TcpSynSent => Some("SYN_SENT"),
            ConnState::TcpEstablished => Some("ESTABLISHED"),
            ConnState::TcpCloseWait => Some("CLOSE_WAIT"),
            ConnState::TcpTimeWait => Some("TIME_WAIT"),
            ConnState::TcpClose => Some("CLOSE"),
            ConnState::UdpUnreplied | ConnState::UdpReplied | ConnState::UdpStream => None,
        }
    }

    fn initial(proto: Protocol) -> ConnState {
        match proto {
            Protocol::Udp => ConnState::UdpUnreplied,
            _ => ConnState::TcpSynSent,
        }
    }
}

/// How a TCP connection ended ([`Table::close`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// Both sides sent FIN.
    Fin,
    /// Either side sent RST.
    Reset,
}

/// A tracked connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: u64,
    pub original: Tuple,
    pub reply: Tuple,
    pub state: ConnState,
    /// A reply has been seen.
    pub seen_reply: bool,
    /// The connection was established (TCP) or became a stream (UDP):
    /// `[ASSURED]`, which a reset does not take back.
    pub assured: bool,
    /// When the first packet was seen.
    pub created: SimTime,
    /// The entry disappears at this time unless refreshed.
    pub expires: SimTime,
    /// The packet mark when the entry was created.
    pub mark: u32,
}

impl Entry {
    /// The client-visible destination was rewritten (DNAT).
    pub fn is_dnat(&self) -> bool {
        self.reply.src != self.original.dst
    }
    /// The source was rewritten (SNAT/MASQUERADE).
    pub fn is_snat(&self) -> bool {
        self.reply.dst != self.original.src
    }
}

/// The connection-tracking table of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    entries: BTreeMap<u64, Entry>,
    by_original: FixedMap<Tuple, u64>,
    by_reply: FixedMap<Tuple, u64>,
    /// Closed TCP connections waiting out TIME_WAIT, oldest first. Closes
    /// come in time order and all wait 120 s, so this is expiry order too.
    /// They are listed but not indexed, which keeps a busy node's two
    /// minutes of them cheap to hold and to checkpoint: no packet in the
    /// simulation looks one up (a SYN of the same tuple opens a new
    /// connection anyway, `nf_conntrack_tcp_packet`, and the new entry
    /// supersedes the waiting one).
    time_wait: VecDeque<Entry>,
    /// Reset connections in CLOSE, likewise, for their 10 s.
    reset: VecDeque<Entry>,
    next_id: u64,
    /// When [`Table::insert`] next sweeps out expired entries.
    sweep_at: SimTime,
}

/// How often inserts sweep expired entries out (the kernel's conntrack
/// garbage collector also runs in the background; lookups never see an
/// expired entry either way, so this only bounds the table's memory).
const SWEEP_EVERY: SimDuration = SimDuration(1_000_000_000);

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// Entries held, expired ones not yet swept out included.
    pub fn len(&self) -> usize {
        self.entries.len() + self.time_wait.len() + self.reset.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries packets can find (all but TIME_WAIT), in creation order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// Track a new connection. `reply` is the tuple replies will carry: its
    /// source is the DNAT destination (or the original destination) and its
    /// destination the (possibly masqueraded) client address. If either
    /// tuple is already tracked the old entry is replaced, as the kernel
    /// would refuse to confirm a clashing one; returns the new entry's id.
    pub fn insert(&mut self, original: Tuple, reply: Tuple, mark: u32, now: SimTime) -> u64 {
        if now >= self.sweep_at {
            self.sweep_at = now + SWEEP_EVERY;
            self.expire(now);
        }
        for old in [
            self.by_original.get(&original).copied(),
            self.by_reply.get(&reply).copied(),
        ]
        .into_iter()
        .flatten()
        {
            self.remove(old);
        }
        let id = self.next_id;
        self.next_id += 1;
        let state = ConnState::initial(original.proto);
        self.entries.insert(
            id,
            Entry {
                id,
                original,
                reply,
                state,
                seen_reply: false,
                assured: false,
                created: now,
                expires: now + state.timeout(),
                mark,
            },
        );
        self.by_original.insert(original, id);
        self.by_reply.insert(reply, id);
        id
    }

    /// The live entry whose original direction is `t`.
    pub fn lookup_original(&self, t: &Tuple, now: SimTime) -> Option<&Entry> {
        let e = self.entries.get(self.by_original.get(t)?)?;
        (e.expires > now).then_some(e)
    }

    /// The live entry whose reply direction is `t` (for reverse NAT: a reply
    /// from the endpoint finds the client and the service address to restore).
    pub fn lookup_reply(&self, t: &Tuple, now: SimTime) -> Option<&Entry> {
        let e = self.entries.get(self.by_reply.get(t)?)?;
        (e.expires > now).then_some(e)
    }

    /// A packet of entry `id` was seen (`reply` tells the direction); moves
    /// the state on and restarts the timeout. TCP `fin` moves an established
    /// connection to close-wait, a second one to time-wait.
    pub fn touch(&mut self, id: u64, reply: bool, fin: bool, now: SimTime) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        if reply {
            e.seen_reply = true;
        }
        e.state = match (e.state, reply, fin) {
            (ConnState::TcpSynSent, true, false) => ConnState::TcpEstablished,
            (ConnState::TcpEstablished, _, true) => ConnState::TcpCloseWait,
            (ConnState::TcpCloseWait, _, true) => ConnState::TcpTimeWait,
            (ConnState::UdpUnreplied, true, _) => ConnState::UdpReplied,
            (ConnState::UdpReplied, _, _) if now > e.created + SimDuration::from_secs(2) => {
                ConnState::UdpStream
            }
            (s, _, _) => s,
        };
        e.assured |= matches!(e.state, ConnState::TcpEstablished | ConnState::UdpStream);
        e.expires = now + e.state.timeout();
    }

    /// A reset came back for entry `id`: a reply, which moves nothing on
    /// until the connection is closed with [`Close::Reset`].
    pub fn saw_reset(&mut self, id: u64) {
        if let Some(e) = self.entries.get_mut(&id) {
            e.seen_reply = true;
        }
    }

    /// Entry `id`'s connection ended `how`, as `tcp_conntracks` in
    /// net/netfilter/nf_conntrack_proto_tcp.c moves it: closed with FINs,
    /// it stays in TIME_WAIT for 120 s; reset, in CLOSE for 10 s. Either
    /// way it is listed but no longer found by lookups. A UDP entry has no
    /// close and keeps its own timeout. (A connection that never got an
    /// answer is closed with FINs here too, a simplification: the kernel
    /// would keep its SYN_SENT entry for its 120 s.)
    pub fn close(&mut self, id: u64, how: Close, now: SimTime) {
        if self
            .entries
            .get(&id)
            .is_none_or(|e| e.original.proto == Protocol::Udp)
        {
            return;
        }
        if let Some(mut e) = self.remove(id) {
            let (state, queue) = match how {
                Close::Fin => (ConnState::TcpTimeWait, &mut self.time_wait),
                Close::Reset => (ConnState::TcpClose, &mut self.reset),
            };
            e.state = state;
            e.expires = now + state.timeout();
            queue.push_back(e);
        }
    }

    /// Remove an entry.
    pub fn remove(&mut self, id: u64) -> Option<Entry> {
        let e = self.entries.remove(&id)?;
        self.by_original.remove(&e.original);
        self.by_reply.remove(&e.reply);
        Some(e)
    }

    /// Drop every entry whose timeout has passed at `now`; returns them,
    /// those packets could find in id order, then the TIME_WAIT ones.
    pub fn expire(&mut self, now: SimTime) -> Vec<Entry> {
        let dead: Vec<u64> = self
            .entries
            .values()
            .filter(|e| e.expires <= now)
            .map(|e| e.id)
            .collect();
        let mut out: Vec<Entry> = dead.into_iter().filter_map(|id| self.remove(id)).collect();
        for queue in [&mut self.time_wait, &mut self.reset] {
            while queue.front().is_some_and(|e| e.expires <= now) {
                out.extend(queue.pop_front());
            }
        }
        out
    }

    /// kube-proxy's `CleanStaleEntries` (pkg/proxy/conntrack/cleanup.go),
    /// run after a sync: for each UDP service port with at least one serving
    /// endpoint, delete the UDP entries whose original destination is one of
    /// its service addresses (ClusterIP, LoadBalancer VIPs, externalIPs) with
    /// its port, or whose original destination port is its nodePort, and
    /// whose reply source is not a serving endpoint. TCP is never flushed;
    /// a service port with no serving endpoint is skipped. Returns the
    /// removed entries in id order.
    pub fn clean_stale_udp(
        &mut self,
        services: &[Service],
        slices: &[EndpointSlice],
        facts: &NodeFacts,
    ) -> Vec<Entry> {
        let mut doomed = VecSet::new();
        for sp in service_ports(services, slices, facts) {
            if sp.protocol != Protocol::Udp {
                continue;
            }
            let serving: VecSet<Endpoint4> = sp
                .endpoints
                .iter()
                .filter(|e| e.serving)
                .map(|e| e.addr)
                .collect();
            if serving.is_empty() {
                continue;
            }
            let vips: VecSet<Ipv4Addr> = crate::order::set_of(
                std::iter::once(sp.cluster_ip)
                    .chain(sp.lb_vips.iter().copied())
                    .chain(sp.external_ips.iter().copied()),
            );
            for e in self.entries.values() {
                if e.original.proto != Protocol::Udp || serving.contains(&e.reply.src) {
                    continue;
                }
                let to_vip = vips.contains(&e.original.dst.ip) && e.original.dst.port == sp.port;
                let to_node_port = sp.node_port != 0 && e.original.dst.port == sp.node_port;
                if to_vip || to_node_port {
                    doomed.insert(e.id);
                }
            }
        }
        doomed
            .into_iter()
            .filter_map(|id| self.remove(id))
            .collect()
    }

    /// `conntrack -L` text, one line per live entry, in id order:
    /// `tcp      6 86399 ESTABLISHED src=… dst=… sport=… dport=… src=… … [ASSURED] mark=0 use=1`.
    pub fn render(&self, now: SimTime) -> String {
        self.render_some(now, usize::MAX, |_| false).text
    }

    /// `conntrack -L` cut short, for a busy table: the entries whose
    /// original tuple `keep` picks and the `newest` others, in id order,
    /// with a count of every live entry by state.
    pub fn render_some(
        &self,
        now: SimTime,
        newest: usize,
        keep: impl Fn(&Tuple) -> bool,
    ) -> Listing {
        // A waiting connection whose tuple a newer one took over is gone
        // (the kernel replaced it), and so is one that timed out.
        let mut ended: Vec<&Entry> = self
            .time_wait
            .iter()
            .chain(&self.reset)
            .filter(|e| e.expires > now && !self.by_original.contains_key(&e.original))
            .collect();
        crate::order::sort_by_key(&mut ended, |e| std::cmp::Reverse(e.id));
        let mut newer: FixedMap<Tuple, ()> = FixedMap::default();
        let mut live: Vec<&Entry> = Vec::with_capacity(self.len());
        live.extend(
            ended
                .into_iter()
                .filter(|e| newer.insert(e.original, ()).is_none()),
        );
        live.extend(self.entries.values().filter(|e| e.expires > now));
        crate::order::sort_by_key(&mut live, |e| e.id);
        let mut by_state = Vec::new();
        for word in STATE_WORDS {
            let n = live
                .iter()
                .filter(|e| e.state.label().unwrap_or("UDP") == word)
                .count();
            if n > 0 {
                by_state.push((word, n));
            }
        }
        let first_newest = live.len().saturating_sub(newest);
        let mut text = String::new();
        let mut listed = 0;
        for (i, e) in live.iter().enumerate() {
            if i >= first_newest || keep(&e.original) {
                write_entry(&mut text, e, now);
                listed += 1;
            }
        }
        Listing {
            text,
            total: live.len(),
            listed,
            by_state,
        }
    }
}

/// The state words `conntrack -L` prints, in the order a connection passes
/// them, and "UDP" for UDP entries (which print none).
const STATE_WORDS: [&str; 6] = [
    "SYN_SENT",
    "ESTABLISHED",
    "CLOSE_WAIT",
    "TIME_WAIT",
    "CLOSE",
    "UDP",
];

/// A table listed in part ([`Table::render_some`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The listed entries' lines.
    pub text: String,
    /// Live entries in the table.
    pub total: usize,
    /// Lines in `text`.
    pub listed: usize,
    /// Live entries per state word (UDP as "UDP"), in the order a
    /// connection passes them; states with none left out.
    pub by_state: Vec<(&'static str, usize)>,
}

/// One `conntrack -L` line.
fn write_entry(out: &mut String, e: &Entry, now: SimTime) {
    let (name, num) = match e.original.proto {
        Protocol::Tcp => ("tcp", 6),
        Protocol::Udp => ("udp", 17),
        Protocol::Sctp => ("sctp", 132),
    };
    let left = e.expires.since(now).as_secs();
    let _ = write!(out, "{name:<8} {num} {left} ");
    if let Some(l) = e.state.label() {
        let _ = write!(out, "{l} ");
    }
    let tuple = |out: &mut String, t: &Tuple| {
        let _ = write!(
            out,
            "src={} dst={} sport={} dport={}",
            t.src.ip, t.dst.ip, t.src.port, t.dst.port
        );
    };
    tuple(out, &e.original);
    if !e.seen_reply {
        out.push_str(" [UNREPLIED]");
    }
    out.push(' ');
    tuple(out, &e.reply);
    if e.assured {
        out.push_str(" [ASSURED]");
    }
    let _ = writeln!(out, " mark={} use=1", e.mark);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Endpoint4 {
        Endpoint4::parse(s).unwrap()
    }

    fn conn(proto: Protocol) -> (Tuple, Tuple) {
        let orig = Tuple {
            proto,
            src: ep("10.0.0.2:40000"),
            dst: ep("172.30.0.41:80"),
        };
        let reply = Tuple {
            proto,
            src: ep("10.180.0.1:80"),
            dst: ep("10.0.0.2:40000"),
        };
        (orig, reply)
    }

    #[test]
    fn lookup_both_directions_and_expiry() {
        let mut t = Table::new();
        let (o, r) = conn(Protocol::Tcp);
        let id = t.insert(o, r, 0, SimTime::from_secs(10));
        assert_eq!(
            t.lookup_original(&o, SimTime::from_secs(11)).map(|e| e.id),
            Some(id)
        );
        assert!(t
            .lookup_reply(&r, SimTime::from_secs(11))
            .unwrap()
            .is_dnat());
        // SYN_SENT lasts 120 s.
        assert!(t.lookup_original(&o, SimTime::from_secs(130)).is_none());
        t.touch(id, true, false, SimTime::from_secs(11));
        assert_eq!(t.entries().next().unwrap().state, ConnState::TcpEstablished);
        let deadline = SimTime::from_secs(11 + 86_400);
        assert!(t.lookup_original(&o, SimTime(deadline.0 - 1)).is_some());
        assert!(t.expire(SimTime(deadline.0 - 1)).is_empty());
        assert_eq!(t.expire(deadline).len(), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn udp_timeouts_and_render() {
        let mut t = Table::new();
        let (o, r) = conn(Protocol::Udp);
        let id = t.insert(o, r, 0, SimTime::ZERO);
        assert_eq!(
            t.render(SimTime::from_secs(1)),
            "udp      17 29 src=10.0.0.2 dst=172.30.0.41 sport=40000 dport=80 [UNREPLIED] src=10.180.0.1 dst=10.0.0.2 sport=80 dport=40000 mark=0 use=1\n"
        );
        // A DNS-style answer within two seconds: the unreplied mark goes,
        // the timeout stays 30 s and the entry is not assured.
        t.touch(id, true, false, SimTime::from_secs(1));
        let once = t.render(SimTime::from_secs(1));
        assert!(once.starts_with("udp      17 30 src="), "{once}");
        assert!(
            !once.contains("[UNREPLIED]") && !once.contains("[ASSURED]"),
            "{once}"
        );
        // Traffic after two seconds makes it a stream: 120 s, assured.
        t.touch(id, false, false, SimTime::from_secs(3));
        let stream = t.render(SimTime::from_secs(3));
        assert!(stream.starts_with("udp      17 120 src="), "{stream}");
        assert!(stream.contains("[ASSURED]"), "{stream}");
        assert_eq!(t.expire(SimTime::from_secs(123)).len(), 1);
    }

    #[test]
    fn a_closed_connection_waits_120_s_and_inserts_sweep_it_out() {
        let mut t = Table::new();
        let (o, r) = conn(Protocol::Tcp);
        let id = t.insert(o, r, 0, SimTime::ZERO);
        t.touch(id, true, false, SimTime::from_secs(1));
        t.close(id, Close::Fin, SimTime::from_secs(2));
        let text = t.render(SimTime::from_secs(2));
        assert!(
            text.starts_with("tcp      6 120 TIME_WAIT src=10.0.0.2 ")
                && text.contains("[ASSURED]"),
            "{text}"
        );
        // Listed until it times out, but no packet finds it: a SYN of the
        // same tuple is a new connection.
        assert!(t.lookup_original(&o, SimTime::from_secs(3)).is_none());
        assert!(t.render(SimTime::from_secs(121)).contains(" 1 TIME_WAIT "));
        assert_eq!(t.render(SimTime::from_secs(122)), "");
        // Expired, it still takes memory until an insert a second or more
        // after the last sweep clears it.
        assert_eq!(t.len(), 1);
        let (mut o2, mut r2) = conn(Protocol::Tcp);
        o2.src.port += 1;
        r2.dst.port += 1;
        t.insert(o2, r2, 0, SimTime::from_secs(122));
        assert_eq!(t.len(), 1);
        assert_eq!(t.entries().next().map(|e| e.original), Some(o2));
        // A new connection on a waiting tuple supersedes the waiting entry.
        let again = t.insert(o, r, 0, SimTime::from_secs(122));
        t.touch(again, true, false, SimTime::from_secs(122));
        t.close(again, Close::Fin, SimTime::from_secs(123));
        let newer = t.insert(o, r, 0, SimTime::from_secs(124));
        let text = t.render(SimTime::from_secs(124));
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.contains(" 120 SYN_SENT src=10.0.0.2 dst=172.30.0.41 sport=40000 "),
            "{text}"
        );
        // And when that one closes too, only the newest waits.
        t.touch(newer, true, false, SimTime::from_secs(125));
        t.close(newer, Close::Fin, SimTime::from_secs(125));
        let text = t.render(SimTime::from_secs(125));
        assert_eq!(
            text.lines().filter(|l| l.contains("sport=40000 ")).count(),
            1,
            "{text}"
        );
        assert!(
            text.contains(" 120 TIME_WAIT src=10.0.0.2 dst=172.30.0.41 sport=40000 "),
            "{text}"
        );
        // UDP has no close: the entry keeps its own timeout.
        let (ou, ru) = conn(Protocol::Udp);
        let u = t.insert(ou, ru, 0, SimTime::from_secs(122));
        t.touch(u, true, false, SimTime::from_secs(122));
        t.close(u, Close::Fin, SimTime::from_secs(122));
        let udp = t
            .lookup_original(&ou, SimTime::from_secs(122))
            .map(|e| (e.state, e.expires));
        assert_eq!(udp, Some((ConnState::UdpReplied, SimTime::from_secs(152))));
    }

    #[test]
    fn a_reset_connection_stays_10_s_in_close() {
        let mut t = Table::new();
        let now = SimTime::from_secs(1);
        let port = |i: u16| {
            let (mut o, mut r) = conn(Protocol::Tcp);
            o.src.port += i;
            r.dst.port += i;
            (o, r)
        };
        // Refused: SYN, then RST back.
        let (o, r) = port(0);
        let refused = t.insert(o, r, 0, now);
        t.saw_reset(refused);
        t.close(refused, Close::Reset, now);
        // Reset mid-request: established first, so it stays assured.
        let (o, r) = port(1);
        let broken = t.insert(o, r, 0, now);
        t.touch(broken, true, false, now);
        t.close(broken, Close::Reset, now);
        // Closed without an answer.
        let (o, r) = port(2);
        let silent = t.insert(o, r, 0, now);
        t.close(silent, Close::Fin, now);
        let text = t.render(now);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("tcp      6 10 CLOSE src=10.0.0.2 ")
                && !lines[0].contains("UNREPLIED")
                && !lines[0].contains("ASSURED"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("tcp      6 10 CLOSE ")
                && lines[1].ends_with("[ASSURED] mark=0 use=1"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("tcp      6 120 TIME_WAIT ") && lines[2].contains("[UNREPLIED]"),
            "{text}"
        );
        assert_eq!(t.render(SimTime::from_secs(11)).lines().count(), 1);
        assert_eq!(t.expire(SimTime::from_secs(11)).len(), 2);
    }

    #[test]
    fn a_busy_table_lists_the_newest_and_the_kept_entries_with_counts() {
        let mut t = Table::new();
        let now = SimTime::from_secs(10);
        let mut originals = Vec::new();
        for i in 0..10u16 {
            let (mut o, mut r) = conn(if i % 2 == 0 {
                Protocol::Udp
            } else {
                Protocol::Tcp
            });
            o.src.port += i;
            r.dst.port += i;
            let id = t.insert(o, r, 0, now);
            t.touch(id, true, false, now);
            if i % 4 == 1 {
                t.close(id, Close::Fin, now);
            }
            originals.push(o);
        }
        let l = t.render_some(now, 3, |o| *o == originals[1]);
        assert_eq!(
            (l.total, l.listed, l.by_state.clone()),
            (
                10,
                4,
                vec![("ESTABLISHED", 2), ("TIME_WAIT", 3), ("UDP", 5)]
            )
        );
        let ports: Vec<&str> = l
            .text
            .lines()
            .filter_map(|x| x.split("sport=").nth(1)?.split(' ').next())
            .collect();
        // In the table's order: the kept one (closed, waiting), then the
        // newest three.
        assert_eq!(ports, ["40001", "40007", "40008", "40009"]);
        assert!(l.text.lines().next().unwrap().contains(" TIME_WAIT "));
        // Whole, it is `render`.
        assert_eq!(
            t.render_some(now, usize::MAX, |_| false).text,
            t.render(now)
        );
    }

    #[test]
    fn clean_stale_udp_removes_only_udp_to_gone_endpoints() {
        let (mut svcs, mut slices) = crate::proxy::testutil::objects(2, false);
        svcs[0].spec.ports[0].protocol = Some("UDP".into());
        slices[0].ports[0].protocol = Some("UDP".into());
        let facts = crate::proxy::testutil::facts();
        let mut t = Table::new();
        let mk = |proto, dst: &str, reply_src: &str| {
            (
                Tuple {
                    proto,
                    src: ep("10.0.0.2:5000"),
                    dst: ep(dst),
                },
                Tuple {
                    proto,
                    src: ep(reply_src),
                    dst: ep("10.0.0.2:5000"),
                },
            )
        };
        let cases = [
            (Protocol::Udp, "10.96.0.10:80", "10.244.0.1:8080", false),
            (Protocol::Udp, "10.96.0.10:80", "10.244.0.9:8080", true),
            (Protocol::Udp, "192.168.0.2:30080", "10.244.0.9:8080", true),
            (Protocol::Udp, "10.96.0.10:81", "10.244.0.9:8080", false),
            (Protocol::Tcp, "10.96.0.10:80", "10.244.0.9:8080", false),
        ];
        let mut ids = Vec::new();
        for (i, (p, d, r, _)) in cases.iter().enumerate() {
            let (mut o, mut rep) = mk(*p, d, r);
            // Distinct client ports keep the tuples apart.
            o.src.port += i as u16;
            rep.dst.port += i as u16;
            ids.push(t.insert(o, rep, 0, SimTime::ZERO));
        }
        let removed: Vec<u64> = t
            .clean_stale_udp(&svcs, &slices, &facts)
            .iter()
            .map(|e| e.id)
            .collect();
        let expected: Vec<u64> = cases
            .iter()
            .zip(&ids)
            .filter(|(c, _)| c.3)
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(removed, expected);
        assert_eq!(t.len(), 3);
        // With no serving endpoint at all the service is skipped.
        slices[0]
            .endpoints
            .iter_mut()
            .for_each(|e| e.conditions.serving = Some(false));
        assert!(t.clean_stale_udp(&svcs, &slices, &facts).is_empty());
    }
}
