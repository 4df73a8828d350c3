//! The netfilter interpreter: packets walk the [`Ruleset`] kube-proxy wrote.
//!
//! Two walkers share the rule structure:
//!
//! * [`evaluate`] models the kernel for a new connection's first packet: the
//!   nat and filter hooks in order, real matches (including `statistic`
//!   draws from a seeded [`Stream`] with the kernel's integer threshold, and
//!   `recent` lists timed in [`SimTime`]), DNAT changing the destination seen
//!   by later hooks, MARK and MASQUERADE. It is what the simulation routes
//!   with.
//! * [`trace_route`] reproduces the packet tracer of kube-proxy's unit tests
//!   (`tracePacket` / `iptablesTracer` in pkg/proxy/iptables/proxier_test.go):
//!   it lists every DNAT destination the statistic cascade can reach, so it
//!   answers "where can this packet go", and it is what the goldens check.

use super::rules::{
    Addr, Candidates, CtState, Match, RecentAction, Rule, Ruleset, Table, TableName, Target,
    ENTRY_CHAINS,
};
use crate::net::{Endpoint4, Ipv4Addr, Protocol};
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// The first packet of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub src: Ipv4Addr,
    pub sport: u16,
    pub dst: Ipv4Addr,
    pub dport: u16,
    pub proto: Protocol,
}

/// Where the packet enters the node's netfilter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// Arriving on an interface (from a pod on this node or from the
    /// network): nat PREROUTING, then filter INPUT or FORWARD.
    Prerouting,
    /// Sent by a process on the node itself: nat OUTPUT, filter OUTPUT.
    Output,
}

/// `-m recent` lists: per list name, per source address, the last `--set`.
/// A `BTreeMap` so that snapshots and debugging output are ordered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecentTable {
    entries: BTreeMap<(String, Ipv4Addr), SimTime>,
}

impl RecentTable {
    pub fn new() -> RecentTable {
        RecentTable::default()
    }
    /// `--set`: remember `src` in list `name` at `now`.
    pub fn set(&mut self, name: &str, src: Ipv4Addr, now: SimTime) {
        self.entries.insert((name.to_string(), src), now);
    }
    /// `--rcheck --seconds N [--reap]`: was `src` set within the last N
    /// seconds (inclusive, as the kernel's `time_after_eq`)? With `reap`,
    /// a stale entry is removed.
    pub fn rcheck(
        &mut self,
        name: &str,
        src: Ipv4Addr,
        seconds: u32,
        reap: bool,
        now: SimTime,
    ) -> bool {
        let key = (name.to_string(), src);
        let Some(&t) = self.entries.get(&key) else {
            return false;
        };
        let fresh = now.since(t) <= SimDuration::from_secs(u64::from(seconds));
        if !fresh && reap {
            self.entries.remove(&key);
        }
        fresh
    }
    /// Number of remembered (list, source) pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Mutable context of an evaluation: the random stream for `statistic`, the
/// `recent` lists, and the current simulated time.
#[derive(Debug)]
pub struct EvalCtx<'a> {
    pub rng: &'a mut Stream,
    pub recent: &'a mut RecentTable,
    pub now: SimTime,
}

/// The fate of the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Let through. `dnat` is the new destination when a DNAT rule fired.
    Accept { dnat: Option<Endpoint4> },
    /// Refused (ICMP port unreachable / TCP RST).
    Reject,
    /// Silently dropped.
    Drop,
    /// No kube-proxy rule decided anything: the packet goes on untouched by
    /// the default ACCEPT policies.
    NotHandled,
}

/// One rule that matched: table, chain, index of the rule in the chain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleHit {
    pub table: TableName,
    pub chain: String,
    pub index: usize,
}

/// The result of [`evaluate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub verdict: Verdict,
    /// POSTROUTING's MASQUERADE fired: the source becomes the node's address.
    pub masquerade: bool,
    /// The packet's mark when it left.
    pub mark: u32,
    /// Every rule that matched, in evaluation order.
    pub hits: Vec<RuleHit>,
}

/// A rule that matched, by position: table, the chain's position in
/// [`Table::chains`], and the rule's index in the chain. What the walk
/// records; [`HitAt::rule_hit`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HitAt {
    pub table: TableName,
    pub chain: usize,
    pub index: usize,
}

impl HitAt {
    /// The named form, as in [`Evaluation::hits`].
    pub fn rule_hit(&self, rs: &Ruleset) -> RuleHit {
        RuleHit {
            table: self.table,
            chain: rs
                .table(self.table)
                .map(|t| t.chains[self.chain].name.clone())
                .unwrap_or_default(),
            index: self.index,
        }
    }

    /// The rule itself.
    pub fn rule<'r>(&self, rs: &'r Ruleset) -> Option<&'r Rule> {
        rs.table(self.table)?
            .chains
            .get(self.chain)?
            .rules
            .get(self.index)
    }
}

/// [`Evaluation`] with the hits by position: what the simulation's data
/// path uses, because it needs the chain names only when it records a
/// trace ([`evaluate_at`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationAt {
    pub verdict: Verdict,
    pub masquerade: bool,
    pub mark: u32,
    pub hits: Vec<HitAt>,
}

/// The rule positions one chain walk tries, in order.
enum Order<'a> {
    All(std::ops::Range<usize>),
    Indexed(Candidates<'a>),
}

impl Iterator for Order<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        match self {
            Order::All(r) => r.next(),
            Order::Indexed(c) => c.next(),
        }
    }
}

/// How a chain walk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    /// Fell off the end or RETURNed: the caller goes on.
    Continue,
    Accept,
    Drop,
    Reject,
}

/// Jump-depth guard against a (malformed) loop of chains. kube-proxy's
/// programs are at most five levels deep.
const MAX_DEPTH: usize = 32;

struct Walk<'r, 'c, 'x> {
    rs: &'r Ruleset,
    ctx: &'c mut EvalCtx<'x>,
    pkt: Packet,
    mark: u32,
    dnat: Option<Endpoint4>,
    masquerade: bool,
    accepted_explicitly: bool,
    hits: Vec<HitAt>,
    use_index: bool,
}

impl<'r, 'c, 'x> Walk<'r, 'c, 'x> {
    /// A walk of `pkt`, carrying `mark`, that has matched nothing yet.
    fn new(
        rs: &'r Ruleset,
        ctx: &'c mut EvalCtx<'x>,
        pkt: &Packet,
        mark: u32,
        use_index: bool,
    ) -> Self {
        Walk {
            rs,
            ctx,
            pkt: *pkt,
            mark,
            dnat: None,
            masquerade: false,
            accepted_explicitly: false,
            hits: Vec::new(),
            use_index,
        }
    }
}

impl Walk<'_, '_, '_> {
    fn ctstates(&self) -> [Option<CtState>; 2] {
        // A first packet is NEW; once DNATed, conntrack also reports DNAT.
        [Some(CtState::New), self.dnat.map(|_| CtState::Dnat)]
    }

    /// Stateless matches; stateful ones (statistic, recent) are left to
    /// [`Walk::stateful_matches`] so that they only run, and only draw or
    /// record, when everything else matched, as in the kernel where the IP
    /// header checks come first and matches run in order until one fails.
    fn stateless_matches(&self, rule: &Rule) -> bool {
        let p = &self.pkt;
        rule.matches.iter().all(|m| match m {
            Match::Comment(_) | Match::Nfacct(_) => true,
            Match::Protocol { proto, .. } => *proto == p.proto,
            Match::Source { addr, negated } => addr.contains(p.src) != *negated,
            Match::Destination { addr, negated } => addr.contains(p.dst) != *negated,
            Match::DestPort(port) => *port == p.dport,
            Match::AddrTypeLocal { source, negated } => {
                let ip = if *source { p.src } else { p.dst };
                self.rs.is_local(ip) != *negated
            }
            Match::Mark {
                value,
                mask,
                negated,
            } => ((self.mark & mask) == *value) != *negated,
            Match::ConnState { states, negated } => {
                let have = self.ctstates();
                let any = states.iter().any(|s| have.contains(&Some(*s)));
                any != *negated
            }
            Match::Set {
                name,
                flags,
                negated,
            } => {
                let has =
                    self.rs.ipsets.get(name.as_str()).is_some_and(|s| {
                        s.matches(flags, p.proto, (p.src, p.sport), (p.dst, p.dport))
                    });
                has != *negated
            }
            Match::Fixed { result, .. } => *result,
            Match::Statistic { .. } | Match::Recent { .. } => true,
        })
    }

    fn stateful_matches(&mut self, rule: &Rule) -> bool {
        for m in &rule.matches {
            let ok = match m {
                Match::Statistic { probability } => {
                    let threshold = super::rules::statistic_threshold(*probability);
                    (self.ctx.rng.next_u32() & 0x7fff_ffff) < threshold
                }
                Match::Recent { name, action } => match action {
                    RecentAction::Set => {
                        self.ctx.recent.set(name, self.pkt.src, self.ctx.now);
                        true
                    }
                    RecentAction::Rcheck { seconds, reap } => {
                        let now = self.ctx.now;
                        self.ctx
                            .recent
                            .rcheck(name, self.pkt.src, *seconds, *reap, now)
                    }
                },
                _ => true,
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Walk the built-in chain `ENTRY_CHAINS[entry]` of `table`.
    fn run_entry(&mut self, table: TableName, entry: usize) -> Flow {
        let rs = self.rs;
        let Some(t) = rs.table(table) else {
            return Flow::Continue;
        };
        let Some(pos) = t.entry_chain(entry) else {
            return Flow::Continue;
        };
        self.run_chain(t, pos, 0)
    }

    /// Walk the chain at position `pos` of `t`. Jumps follow the table's
    /// resolved jump targets ([`Table::jump_target`]), so no chain is looked
    /// up by name per packet.
    fn run_chain(&mut self, t: &Table, pos: usize, depth: usize) -> Flow {
        if depth > MAX_DEPTH {
            return Flow::Continue;
        }
        let c = &t.chains[pos];
        // Long chains are walked through their destination index; the
        // candidates are exactly the rules that could match, in order.
        let order = match t.index_of(pos) {
            Some(ix) if self.use_index => {
                Order::Indexed(ix.candidates_iter(self.pkt.dst, self.pkt.dport, self.pkt.proto))
            }
            _ => Order::All(0..c.rules.len()),
        };
        for index in order {
            let rule = &c.rules[index];
            if !self.stateless_matches(rule) || !self.stateful_matches(rule) {
                continue;
            }
            self.hits.push(HitAt {
                table: t.name,
                chain: pos,
                index,
            });
            let Some(target) = &rule.target else { continue };
            match target {
                Target::Jump(_) => {
                    let Some(next) = t.jump_target(pos, index) else {
                        continue;
                    };
                    let f = self.run_chain(t, next, depth + 1);
                    if f != Flow::Continue {
                        return f;
                    }
                }
                Target::Goto(_) => {
                    return match t.jump_target(pos, index) {
                        Some(next) => self.run_chain(t, next, depth + 1),
                        None => Flow::Continue,
                    };
                }
                Target::Return => return Flow::Continue,
                Target::Accept => {
                    self.accepted_explicitly = true;
                    return Flow::Accept;
                }
                Target::Drop => return Flow::Drop,
                Target::Reject => return Flow::Reject,
                Target::Dnat(ep) => {
                    self.dnat = Some(*ep);
                    self.pkt.dst = ep.ip;
                    self.pkt.dport = ep.port;
                    return Flow::Accept;
                }
                Target::Masquerade { .. } => {
                    self.masquerade = true;
                    return Flow::Accept;
                }
                Target::MarkOr(v) => self.mark |= v,
                Target::MarkXor(v) => self.mark ^= v,
            }
        }
        Flow::Continue
    }
}

/// Run a new connection's first packet through the node's netfilter hooks,
/// as the kernel would with kube-proxy's rules:
///
/// * [`Hook::Prerouting`]: nat PREROUTING; then, by the (possibly DNATed)
///   destination, filter INPUT when it is a local address, else filter
///   FORWARD followed by nat POSTROUTING.
/// * [`Hook::Output`]: nat OUTPUT, filter OUTPUT, nat POSTROUTING.
///
/// Built-in chains have policy ACCEPT. `statistic` draws come from
/// `ctx.rng`, one `u32` per statistic match reached.
pub fn evaluate(rs: &Ruleset, pkt: &Packet, hook: Hook, ctx: &mut EvalCtx<'_>) -> Evaluation {
    named(rs, evaluate_with(rs, pkt, hook, ctx, true))
}

/// [`evaluate`] with the matched rules by position rather than by name, so
/// a caller that does not show them allocates nothing for them. The walk,
/// the draws and the verdict are the same.
pub fn evaluate_at(rs: &Ruleset, pkt: &Packet, hook: Hook, ctx: &mut EvalCtx<'_>) -> EvaluationAt {
    evaluate_with(rs, pkt, hook, ctx, true)
}

/// nat POSTROUTING alone, for a packet IPVS took from INPUT and sent on to
/// a real server (`pkt` carries that destination, `mark` what PREROUTING
/// set): in IPVS mode this is where KUBE-POSTROUTING masquerades marked
/// and hairpin traffic, since the packet never passes FORWARD.
pub fn postrouting_at(
    rs: &Ruleset,
    pkt: &Packet,
    mark: u32,
    ctx: &mut EvalCtx<'_>,
) -> EvaluationAt {
    let mut w = Walk::new(rs, ctx, pkt, mark, true);
    debug_assert_eq!(ENTRY_CHAINS[4], "POSTROUTING");
    w.run_entry(TableName::Nat, 4);
    EvaluationAt {
        verdict: Verdict::NotHandled,
        masquerade: w.masquerade,
        mark: w.mark,
        hits: w.hits,
    }
}

/// [`evaluate`] without the chain indexes: every rule of every chain is
/// tried in order. The reference the indexed walk is tested against.
pub fn evaluate_linear(
    rs: &Ruleset,
    pkt: &Packet,
    hook: Hook,
    ctx: &mut EvalCtx<'_>,
) -> Evaluation {
    named(rs, evaluate_with(rs, pkt, hook, ctx, false))
}

fn named(rs: &Ruleset, e: EvaluationAt) -> Evaluation {
    Evaluation {
        verdict: e.verdict,
        masquerade: e.masquerade,
        mark: e.mark,
        hits: e.hits.iter().map(|h| h.rule_hit(rs)).collect(),
    }
}

fn evaluate_with(
    rs: &Ruleset,
    pkt: &Packet,
    hook: Hook,
    ctx: &mut EvalCtx<'_>,
    use_index: bool,
) -> EvaluationAt {
    let mut w = Walk::new(rs, ctx, pkt, 0, use_index);
    // Positions in `ENTRY_CHAINS`.
    const PREROUTING: usize = 0;
    const INPUT: usize = 1;
    const FORWARD: usize = 2;
    const OUTPUT: usize = 3;
    const POSTROUTING: usize = 4;
    debug_assert_eq!(ENTRY_CHAINS[PREROUTING], "PREROUTING");
    debug_assert_eq!(ENTRY_CHAINS[INPUT], "INPUT");
    debug_assert_eq!(ENTRY_CHAINS[FORWARD], "FORWARD");
    debug_assert_eq!(ENTRY_CHAINS[OUTPUT], "OUTPUT");
    debug_assert_eq!(ENTRY_CHAINS[POSTROUTING], "POSTROUTING");
    let stages: &[(TableName, usize)] = match hook {
        Hook::Prerouting => &[(TableName::Nat, PREROUTING)],
        Hook::Output => &[(TableName::Nat, OUTPUT), (TableName::Filter, OUTPUT)],
    };
    let mut fate = Flow::Continue;
    for &(t, c) in stages {
        fate = worst(fate, w.run_entry(t, c));
        if matches!(fate, Flow::Drop | Flow::Reject) {
            break;
        }
    }
    if hook == Hook::Prerouting && !matches!(fate, Flow::Drop | Flow::Reject) {
        let chain = if rs.is_local(w.pkt.dst) {
            INPUT
        } else {
            FORWARD
        };
        fate = worst(fate, w.run_entry(TableName::Filter, chain));
        if chain == FORWARD && !matches!(fate, Flow::Drop | Flow::Reject) {
            w.run_entry(TableName::Nat, POSTROUTING);
        }
    } else if hook == Hook::Output && !matches!(fate, Flow::Drop | Flow::Reject) {
        w.run_entry(TableName::Nat, POSTROUTING);
    }
    let verdict = match fate {
        Flow::Drop => Verdict::Drop,
        Flow::Reject => Verdict::Reject,
        _ if w.dnat.is_some() => Verdict::Accept { dnat: w.dnat },
        _ if w.accepted_explicitly => Verdict::Accept { dnat: None },
        _ => Verdict::NotHandled,
    };
    EvaluationAt {
        verdict,
        masquerade: w.masquerade,
        mark: w.mark,
        hits: w.hits,
    }
}

fn worst(a: Flow, b: Flow) -> Flow {
    match (a, b) {
        (Flow::Drop, _) | (_, Flow::Drop) => Flow::Drop,
        (Flow::Reject, _) | (_, Flow::Reject) => Flow::Reject,
        (Flow::Accept, _) | (_, Flow::Accept) => Flow::Accept,
        _ => Flow::Continue,
    }
}

/// The answer of [`trace_route`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTrace {
    /// Every reachable DNAT destination, in rule order, joined by `", "`;
    /// or `REJECT`, `DROP`, `ACCEPT`; or `""` when kube-proxy does not
    /// handle the packet.
    pub output: String,
    /// A jump to KUBE-MARK-MASQ matched.
    pub masq: bool,
    /// Every matched rule, in walk order.
    pub hits: Vec<RuleHit>,
}

struct Tracer<'r> {
    rs: &'r Ruleset,
    outputs: Vec<String>,
    masq: bool,
    hits: Vec<RuleHit>,
}

impl Tracer<'_> {
    /// `iptablesTracer`'s notion of LOCAL: exactly 127.0.0.1 and the node IPs.
    fn local(&self, ip: Ipv4Addr) -> bool {
        ip == Ipv4Addr::LOCALHOST || self.rs.local_addrs.contains(&ip)
    }

    /// `ruleMatches`: source, source type, protocol, destination,
    /// destination type, port; history checks (recent --rcheck, mark,
    /// conntrack state) never match; anything else (comment, statistic,
    /// recent --set, nfacct) is assumed to match.
    fn matches(&self, r: &Rule, src: Ipv4Addr, proto: Protocol, dst: Ipv4Addr, dport: u16) -> bool {
        r.matches.iter().all(|m| match m {
            Match::Source { addr, negated } => addr_match(addr, src) != *negated,
            Match::Destination { addr, negated } => addr_match(addr, dst) != *negated,
            Match::AddrTypeLocal { source, negated } => {
                let ip = if *source { src } else { dst };
                self.local(ip) != *negated
            }
            Match::Protocol { proto: p, .. } => *p == proto,
            Match::DestPort(p) => *p == dport,
            Match::Recent {
                action: RecentAction::Rcheck { .. },
                ..
            }
            | Match::Mark { .. }
            | Match::ConnState { .. } => false,
            _ => true,
        })
    }

    /// `runChain`: returns true when the chain hit a terminal action.
    fn run_chain(
        &mut self,
        table: TableName,
        chain: &str,
        pkt: (Ipv4Addr, Protocol, Ipv4Addr, u16),
        depth: usize,
    ) -> bool {
        let (src, proto, dst, dport) = pkt;
        let rs = self.rs;
        let Some(c) = rs.table(table).and_then(|t| t.chain(chain)) else {
            return false;
        };
        if depth > MAX_DEPTH {
            return false;
        }
        for (index, rule) in c.rules.iter().enumerate() {
            let Some(target) = &rule.target else { continue };
            if !self.matches(rule, src, proto, dst, dport) {
                continue;
            }
            self.hits.push(RuleHit {
                table,
                chain: c.name.clone(),
                index,
            });
            match target {
                Target::Jump(next) if next == super::iptables::KUBE_MARK_MASQ => {
                    self.masq = true;
                }
                Target::Accept => {
                    self.outputs.push("ACCEPT".into());
                    return true;
                }
                Target::Reject => {
                    self.outputs.push("REJECT".into());
                    return true;
                }
                Target::Drop => {
                    self.outputs.push("DROP".into());
                    return true;
                }
                Target::Dnat(ep) => {
                    self.outputs.push(ep.to_string());
                    return true;
                }
                Target::Jump(next) | Target::Goto(next) => {
                    let terminated = self.run_chain(table, next, pkt, depth + 1);
                    // A terminal sub-chain ends this chain too, unless the
                    // jump was one branch of a probability cascade.
                    if terminated && !rule.has_probability() {
                        return true;
                    }
                }
                // RETURN, MARK and MASQUERADE name no chain the test tracer
                // knows, so it carries on past them.
                Target::Return
                | Target::Masquerade { .. }
                | Target::MarkOr(_)
                | Target::MarkXor(_) => {}
            }
        }
        false
    }
}

fn addr_match(a: &Addr, ip: Ipv4Addr) -> bool {
    a.contains(ip)
}

/// kube-proxy's unit-test packet tracer (`tracePacket` in
/// pkg/proxy/iptables/proxier_test.go) over a ruleset:
///
/// 1. walk nat KUBE-SERVICES (what PREROUTING jumps to);
/// 2. if a DNAT happened, later checks see the first DNAT target's IP (the
///    port is left as it was, as in the test);
/// 3. walk filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and
///    KUBE-PROXY-FIREWALL.
pub fn trace_route(
    rs: &Ruleset,
    src: Ipv4Addr,
    proto: Protocol,
    dst: Ipv4Addr,
    dport: u16,
) -> RouteTrace {
    use super::iptables::{
        KUBE_EXTERNAL_SERVICES, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES,
    };
    let mut t = Tracer {
        rs,
        outputs: Vec::new(),
        masq: false,
        hits: Vec::new(),
    };
    t.run_chain(TableName::Nat, KUBE_SERVICES, (src, proto, dst, dport), 0);
    let mut dst = dst;
    if let Some(first) = t.outputs.first() {
        if let Some(ep) = Endpoint4::parse(first) {
            dst = ep.ip;
        }
    }
    for chain in [
        KUBE_SERVICES,
        KUBE_EXTERNAL_SERVICES,
        KUBE_NODEPORTS,
        KUBE_PROXY_FIREWALL,
    ] {
        t.run_chain(TableName::Filter, chain, (src, proto, dst, dport), 0);
    }
    RouteTrace {
        output: t.outputs.join(", "),
        masq: t.masq,
        hits: t.hits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::iptables;
    use crate::proxy::testutil::{facts, objects};

    fn to_cluster_ip(src: Ipv4Addr) -> Packet {
        Packet {
            src,
            sport: 40000,
            dst: Ipv4Addr::new(10, 96, 0, 10),
            dport: 80,
            proto: Protocol::Tcp,
        }
    }

    /// Counts of DNAT destinations over `n` seeded evaluations.
    fn spread(n_eps: u8, draws: u32, seed: u64) -> Vec<u32> {
        let (s, e) = objects(n_eps, false);
        let rs = iptables::generate(&s, &e, &facts());
        let mut rng = Stream::derive(seed, "chi-square");
        let mut recent = RecentTable::new();
        let mut counts = vec![0u32; usize::from(n_eps)];
        for _ in 0..draws {
            let mut ctx = EvalCtx {
                rng: &mut rng,
                recent: &mut recent,
                now: SimTime::ZERO,
            };
            let ev = evaluate(
                &rs,
                &to_cluster_ip(Ipv4Addr::new(10, 1, 0, 5)),
                Hook::Prerouting,
                &mut ctx,
            );
            let Verdict::Accept { dnat: Some(ep) } = ev.verdict else {
                panic!("no DNAT: {ev:?}");
            };
            let i = usize::from(ep.ip.octets()[3]) - 1;
            counts[i] += 1;
        }
        counts
    }

    fn chi_square(counts: &[u32]) -> f64 {
        let total: u32 = counts.iter().sum();
        let expected = f64::from(total) / counts.len() as f64;
        counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum()
    }

    #[test]
    fn statistic_cascade_is_uniform_chi_square() {
        // Critical values at p = 0.001: df=2 13.82, df=3 16.27. The streams
        // are seeded, so the statistic is a fixed number and cannot flake;
        // a broken cascade (say 1/n on every rule) lands far above it.
        for (n, critical) in [(3u8, 13.82), (4u8, 16.27)] {
            let counts = spread(n, 40_000, 7);
            let chi = chi_square(&counts);
            assert!(chi < critical, "n={n}: counts {counts:?} chi-square {chi}");
            assert!(counts.iter().all(|&c| c > 0));
        }
    }

    #[test]
    fn chi_square_detects_a_skewed_split() {
        // The check above can fail: a 1/n-on-every-rule cascade is skewed.
        assert!(chi_square(&[16_000, 10_667, 13_333]) > 13.82);
    }

    #[test]
    fn client_ip_affinity_sticks_until_timeout() {
        let (s, e) = objects(4, true);
        let rs = iptables::generate(&s, &e, &facts());
        let svc =
            iptables::ServiceChains::for_port(&crate::proxy::service_ports(&s, &e, &facts())[0])
                .svc;
        let client = Ipv4Addr::new(10, 1, 0, 5);
        // (destination, index of the SVC rule that sent it there)
        let run = |now: SimTime, rng: &mut Stream, recent: &mut RecentTable| {
            let mut ctx = EvalCtx { rng, recent, now };
            let ev = evaluate(&rs, &to_cluster_ip(client), Hook::Prerouting, &mut ctx);
            let Verdict::Accept { dnat: Some(ep) } = ev.verdict else {
                panic!("{ev:?}");
            };
            let jumped = ev
                .hits
                .iter()
                .filter(|h| h.chain == svc)
                .map(|h| h.index)
                .max();
            (ep, jumped.unwrap_or(0))
        };
        // SVC rules: 0 masquerade, 1-4 affinity checks, 5-8 the cascade.
        let mut rng = Stream::derive(1, "affinity");
        let mut recent = RecentTable::new();
        let (first, rule) = run(SimTime::ZERO, &mut rng, &mut recent);
        assert!(rule >= 5, "a new client goes through the cascade");
        // Each new connection within 10800 s hits an affinity rule, and
        // refreshes the --set timestamp, so the client stays put.
        let mut t = 0;
        for _ in 0..20 {
            t += 10_000;
            let (ep, rule) = run(SimTime::from_secs(t), &mut rng, &mut recent);
            assert_eq!(ep, first);
            assert!(
                (1..=4).contains(&rule),
                "affinity rule expected, got {rule}"
            );
        }
        // After a quiet spell longer than the timeout the cascade decides
        // again: across seeds, the first pick is no longer always `first`.
        let later = SimTime::from_secs(t + 10_801);
        let mut moved = false;
        for seed in 0..8 {
            let mut r = recent.clone();
            let mut g = Stream::derive(seed, "after-timeout");
            let (ep, rule) = run(later, &mut g, &mut r);
            assert!(rule >= 5, "expired affinity must not match");
            moved |= ep != first;
        }
        assert!(moved);
    }

    #[test]
    fn hairpin_and_off_cluster_sources_masquerade() {
        let (s, e) = objects(1, false);
        let rs = iptables::generate(&s, &e, &facts());
        let mut rng = Stream::derive(1, "masq");
        let mut recent = RecentTable::new();
        let mut ctx = EvalCtx {
            rng: &mut rng,
            recent: &mut recent,
            now: SimTime::ZERO,
        };
        let pod = evaluate(
            &rs,
            &to_cluster_ip(Ipv4Addr::new(10, 1, 0, 5)),
            Hook::Prerouting,
            &mut ctx,
        );
        assert!(!pod.masquerade);
        let hairpin = evaluate(
            &rs,
            &to_cluster_ip(Ipv4Addr::new(10, 244, 0, 1)),
            Hook::Prerouting,
            &mut ctx,
        );
        assert!(hairpin.masquerade);
        let node = evaluate(
            &rs,
            &to_cluster_ip(Ipv4Addr::new(192, 168, 0, 2)),
            Hook::Output,
            &mut ctx,
        );
        assert!(node.masquerade);
        assert_eq!(
            node.mark, 0,
            "KUBE-POSTROUTING clears the mark with --xor-mark"
        );
    }

    #[test]
    fn recent_table_affinity_within_and_after_timeout() {
        let mut r = RecentTable::new();
        let ip = Ipv4Addr::new(10, 0, 0, 2);
        assert!(!r.rcheck("KUBE-SEP-X", ip, 10, true, SimTime::from_secs(0)));
        r.set("KUBE-SEP-X", ip, SimTime::from_secs(100));
        assert!(r.rcheck("KUBE-SEP-X", ip, 10, true, SimTime::from_secs(105)));
        assert!(r.rcheck("KUBE-SEP-X", ip, 10, true, SimTime::from_secs(110)));
        assert!(!r.rcheck("KUBE-SEP-Y", ip, 10, true, SimTime::from_secs(105)));
        assert!(!r.rcheck("KUBE-SEP-X", ip, 10, true, SimTime::from_secs(111)));
        // Reaped: gone even for a longer window now.
        assert!(r.is_empty());
        assert!(!r.rcheck("KUBE-SEP-X", ip, 1000, true, SimTime::from_secs(111)));
    }

    #[test]
    fn index_walk_equals_linear_walk() {
        // 60 services, mixed ports/protocols, so KUBE-SERVICES is indexed.
        use crate::model::{Service, ServicePort};
        let (mut svcs, mut slices) = objects(3, true);
        let base_svc: Service = svcs[0].clone();
        let base_slice = slices[0].clone();
        for i in 1..60u8 {
            let mut s = base_svc.clone();
            s.metadata.name = format!("web{i}");
            s.spec.cluster_ip = Some(format!("10.96.1.{i}"));
            s.spec.session_affinity = (i % 3 == 0).then(|| "ClientIP".to_string());
            s.spec.ports.push(ServicePort {
                name: Some("dns".into()),
                protocol: Some(if i % 2 == 0 { "UDP" } else { "TCP" }.into()),
                port: 53,
                ..Default::default()
            });
            s.spec.ports[0].node_port = Some(30100 + i32::from(i));
            svcs.push(s);
            let mut sl = base_slice.clone();
            sl.metadata.name = format!("web{i}-1");
            sl.metadata
                .labels
                .insert("kubernetes.io/service-name".into(), format!("web{i}"));
            sl.ports.push(crate::model::EndpointPort {
                name: Some("dns".into()),
                port: Some(5353),
                protocol: Some(if i % 2 == 0 { "UDP" } else { "TCP" }.into()),
                ..Default::default()
            });
            slices.push(sl);
        }
        let rs = iptables::generate(&svcs, &slices, &facts());
        let nat = rs.table(crate::proxy::rules::TableName::Nat).unwrap();
        let pos = nat.chain_index("KUBE-SERVICES").unwrap();
        assert!(
            nat.index_of(pos).is_some(),
            "KUBE-SERVICES should be indexed"
        );

        let srcs = [
            Ipv4Addr::new(10, 1, 0, 5),
            Ipv4Addr::new(10, 244, 0, 2),
            Ipv4Addr::new(203, 0, 113, 9),
            Ipv4Addr::new(192, 168, 0, 2),
        ];
        let dsts = [
            (Ipv4Addr::new(10, 96, 0, 10), 80),
            (Ipv4Addr::new(10, 96, 1, 7), 80),
            (Ipv4Addr::new(10, 96, 1, 8), 53),
            (Ipv4Addr::new(10, 96, 1, 9), 53),
            (Ipv4Addr::new(10, 96, 1, 9), 54),
            (Ipv4Addr::new(192, 168, 0, 2), 30107),
            (Ipv4Addr::new(127, 0, 0, 1), 30108),
            (Ipv4Addr::new(8, 8, 8, 8), 53),
        ];
        let mut compared = 0;
        for (k, (&src, &(dst, dport))) in srcs
            .iter()
            .flat_map(|s| dsts.iter().map(move |d| (s, d)))
            .enumerate()
        {
            for proto in [Protocol::Tcp, Protocol::Udp] {
                let pkt = Packet {
                    src,
                    sport: 40000,
                    dst,
                    dport,
                    proto,
                };
                let hook = if facts().is_local(src) {
                    Hook::Output
                } else {
                    Hook::Prerouting
                };
                let (mut r1, mut r2) = (RecentTable::new(), RecentTable::new());
                let (mut g1, mut g2) = (
                    Stream::derive(k as u64, "ix"),
                    Stream::derive(k as u64, "ix"),
                );
                for step in 0..5u64 {
                    let now = SimTime::from_secs(step * 4000);
                    let a = evaluate(
                        &rs,
                        &pkt,
                        hook,
                        &mut EvalCtx {
                            rng: &mut g1,
                            recent: &mut r1,
                            now,
                        },
                    );
                    let b = evaluate_linear(
                        &rs,
                        &pkt,
                        hook,
                        &mut EvalCtx {
                            rng: &mut g2,
                            recent: &mut r2,
                            now,
                        },
                    );
                    assert_eq!(a, b, "{pkt:?} step {step}");
                    assert_eq!(r1, r2);
                    compared += 1;
                }
                // Both walks drew the same number of random values.
                assert_eq!(g1.next_u64(), g2.next_u64());
            }
        }
        assert_eq!(compared, 4 * 8 * 2 * 5);
    }
}
