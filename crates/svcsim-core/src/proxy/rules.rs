//! The rule program as data: tables of chains of rules, each rule a list of
//! matches and an optional target.
//!
//! This one structure is both what the netfilter interpreter walks
//! ([`super::netfilter`]) and what the printer renders as kube-proxy's
//! `iptables-restore` text ([`Ruleset::render_save`]). Matches render in the
//! order they are stored, which is the order kube-proxy writes their
//! arguments (pkg/proxy/iptables/proxier.go `syncProxyRules`), so the text is
//! byte for byte what kube-proxy's unit tests expect.

use crate::net::{Cidr, Endpoint4, Ipv4Addr, Protocol};
use std::fmt::Write;

/// The two tables kube-proxy writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableName {
    Filter,
    Nat,
}

impl TableName {
    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Filter => "filter",
            TableName::Nat => "nat",
        }
    }
}

/// An address operand of `-s` / `-d`: a bare IP (printed without a prefix,
/// as kube-proxy writes endpoint and VIP addresses) or a CIDR (printed with
/// its prefix, as Go's `IPNet.String()` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    Ip(Ipv4Addr),
    Net(Cidr),
}

impl Addr {
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        match self {
            Addr::Ip(a) => *a == ip,
            Addr::Net(c) => c.contains(ip),
        }
    }
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Addr::Ip(a) => write!(f, "{a}"),
            Addr::Net(c) => write!(f, "{c}"),
        }
    }
}

/// Conntrack states for `-m conntrack --ctstate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CtState {
    New,
    Established,
    Related,
    Invalid,
    Dnat,
}

impl CtState {
    pub fn as_str(self) -> &'static str {
        match self {
            CtState::New => "NEW",
            CtState::Established => "ESTABLISHED",
            CtState::Related => "RELATED",
            CtState::Invalid => "INVALID",
            CtState::Dnat => "DNAT",
        }
    }
}

/// What `-m recent` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecentAction {
    /// `--set`: record the source address now; always matches.
    Set,
    /// `--rcheck --seconds N [--reap]`: match when the source was recorded
    /// within the last N seconds.
    Rcheck { seconds: u32, reap: bool },
}

/// One match of a rule. Each variant renders its own iptables arguments.
#[derive(Clone, Debug, PartialEq)]
pub enum Match {
    /// `-m comment --comment TEXT` (quoted when it contains a space).
    Comment(String),
    /// `-m tcp -p tcp` (kube-proxy's form) or `-p tcp` when `module` is false.
    Protocol { proto: Protocol, module: bool },
    /// `[!] -s ADDR`
    Source { addr: Addr, negated: bool },
    /// `[!] -d ADDR`
    Destination { addr: Addr, negated: bool },
    /// `--dport N` (needs a preceding protocol match).
    DestPort(u16),
    /// `-m addrtype [!] --src-type LOCAL` / `--dst-type LOCAL`.
    AddrTypeLocal { source: bool, negated: bool },
    /// `-m mark [!] --mark VALUE/MASK`.
    Mark {
        value: u32,
        mask: u32,
        negated: bool,
    },
    /// `-m statistic --mode random --probability P`. `probability` holds the
    /// value as written (10 decimals), which is what the kernel converts.
    Statistic { probability: f64 },
    /// `-m recent --name NAME --set` / `--rcheck --seconds N --reap`.
    Recent { name: String, action: RecentAction },
    /// `-m conntrack [!] --ctstate A,B`.
    ConnState { states: Vec<CtState>, negated: bool },
    /// `-m nfacct --nfacct-name NAME` (a counter; always matches).
    Nfacct(String),
    /// `-m set [!] --match-set NAME FLAGS` (IPVS mode's ipsets).
    Set {
        name: String,
        flags: String,
        negated: bool,
    },
    /// A match svcsim does not model, printed verbatim (`text` starts with
    /// `-m`), with the fixed answer the interpreter gives it. IPVS mode's
    /// `-m physdev ! --physdev-is-in` is one: svcsim has no bridge ports, so
    /// it always holds.
    Fixed { text: String, result: bool },
}

/// What a matching rule does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `-j CHAIN`
    Jump(String),
    /// `-g CHAIN`
    Goto(String),
    Return,
    Accept,
    Drop,
    Reject,
    /// `-j DNAT --to-destination IP:PORT`
    Dnat(Endpoint4),
    /// `-j MASQUERADE [--random-fully]`
    Masquerade {
        random_fully: bool,
    },
    /// `-j MARK --or-mark V`
    MarkOr(u32),
    /// `-j MARK --xor-mark V`
    MarkXor(u32),
}

/// A rule: matches ANDed in order, then an optional target (a rule with no
/// target only counts packets, like KUBE-FW's last rule).
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub matches: Vec<Match>,
    pub target: Option<Target>,
}

impl Rule {
    pub fn new(matches: Vec<Match>, target: Target) -> Rule {
        Rule {
            matches,
            target: Some(target),
        }
    }

    /// The rule's comment, if it has one.
    pub fn comment(&self) -> Option<&str> {
        self.matches.iter().find_map(|m| match m {
            Match::Comment(c) => Some(c.as_str()),
            _ => None,
        })
    }

    /// True when the rule carries a `statistic` match.
    pub fn has_probability(&self) -> bool {
        self.matches
            .iter()
            .any(|m| matches!(m, Match::Statistic { .. }))
    }

    /// Render the rule's arguments (everything after `-A CHAIN`).
    pub fn render_args(&self, out: &mut String) {
        for m in &self.matches {
            render_match(m, out);
        }
        if let Some(t) = &self.target {
            render_target(t, out);
        }
    }
}

/// Append `s`, in double quotes when it is empty or has a space (the
/// comments kube-proxy writes with `"%s ..."`).
fn push_quoted(out: &mut String, s: &str) {
    if s.is_empty() || s.contains(' ') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// `%0.10f`, kube-proxy's `computeProbability` formatting.
pub fn format_probability(p: f64) -> String {
    crate::decimal::Fixed(p, 10).to_string()
}

/// The kernel's threshold for a `statistic` random match:
/// `lround(p * 2^31)` (libxt_statistic parses the text the rule carries).
pub fn statistic_threshold(p: f64) -> u32 {
    let t = (p * 2_147_483_648.0).round();
    if t <= 0.0 {
        0
    } else if t >= 2_147_483_648.0 {
        0x8000_0000
    } else {
        t as u32
    }
}

fn render_match(m: &Match, out: &mut String) {
    // Writing to a String cannot fail; the results are ignored on purpose.
    match m {
        Match::Comment(c) => {
            out.push_str(" -m comment --comment ");
            push_quoted(out, c);
        }
        Match::Protocol { proto, module } => {
            if *module {
                let _ = write!(out, " -m {0} -p {0}", proto.lower());
            } else {
                let _ = write!(out, " -p {}", proto.lower());
            }
        }
        Match::Source { addr, negated } => {
            let _ = write!(out, " {}-s {addr}", if *negated { "! " } else { "" });
        }
        Match::Destination { addr, negated } => {
            let _ = write!(out, " {}-d {addr}", if *negated { "! " } else { "" });
        }
        Match::DestPort(p) => {
            let _ = write!(out, " --dport {p}");
        }
        Match::AddrTypeLocal { source, negated } => {
            let _ = write!(
                out,
                " -m addrtype {}--{}-type LOCAL",
                if *negated { "! " } else { "" },
                if *source { "src" } else { "dst" }
            );
        }
        Match::Mark {
            value,
            mask,
            negated,
        } => {
            let _ = write!(
                out,
                " -m mark {}--mark {value:#x}/{mask:#x}",
                if *negated { "! " } else { "" }
            );
        }
        Match::Statistic { probability } => {
            let _ = write!(
                out,
                " -m statistic --mode random --probability {}",
                crate::decimal::Fixed(*probability, 10)
            );
        }
        Match::Recent { name, action } => match action {
            RecentAction::Set => {
                let _ = write!(out, " -m recent --name {name} --set");
            }
            RecentAction::Rcheck { seconds, reap } => {
                let _ = write!(
                    out,
                    " -m recent --name {name} --rcheck --seconds {seconds}{}",
                    if *reap { " --reap" } else { "" }
                );
            }
        },
        Match::ConnState { states, negated } => {
            let list: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
            let _ = write!(
                out,
                " -m conntrack {}--ctstate {}",
                if *negated { "! " } else { "" },
                list.join(",")
            );
        }
        Match::Nfacct(n) => {
            let _ = write!(out, " -m nfacct --nfacct-name {n}");
        }
        Match::Set {
            name,
            flags,
            negated,
        } => {
            let _ = write!(
                out,
                " -m set {}--match-set {name} {flags}",
                if *negated { "! " } else { "" }
            );
        }
        Match::Fixed { text, .. } => {
            let _ = write!(out, " {text}");
        }
    }
}

fn render_target(t: &Target, out: &mut String) {
    let _ = match t {
        Target::Jump(c) => write!(out, " -j {c}"),
        Target::Goto(c) => write!(out, " -g {c}"),
        Target::Return => write!(out, " -j RETURN"),
        Target::Accept => write!(out, " -j ACCEPT"),
        Target::Drop => write!(out, " -j DROP"),
        Target::Reject => write!(out, " -j REJECT"),
        Target::Dnat(ep) => write!(out, " -j DNAT --to-destination {ep}"),
        Target::Masquerade { random_fully } => write!(
            out,
            " -j MASQUERADE{}",
            if *random_fully { " --random-fully" } else { "" }
        ),
        Target::MarkOr(v) => write!(out, " -j MARK --or-mark {v:#x}"),
        Target::MarkXor(v) => write!(out, " -j MARK --xor-mark {v:#x}"),
    };
}

/// A chain. Built-in chains (PREROUTING, INPUT, ...) hold the jump rules
/// kube-proxy installs with `EnsureRule`; they are not part of its restore
/// payload, so [`Ruleset::render_save`] leaves them out.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub name: String,
    pub builtin: bool,
    pub rules: Vec<Rule>,
}

/// One table with its chains in output order and a name index.
///
/// Long chains (KUBE-SERVICES on a big cluster) also get a [`ChainIndex`],
/// built by [`Table::new`]. `chains` stays public for reading; code that
/// edits it must rebuild the table with [`Table::new`] so the indexes follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub name: TableName,
    pub chains: Vec<Chain>,
    /// Positions in `chains`, sorted by chain name, for binary search.
    by_name: Vec<u32>,
    /// Per chain (same positions as `chains`), the destination index.
    indexes: Vec<Option<ChainIndex>>,
    /// Per chain, per rule: the position of the chain its `-j`/`-g` target
    /// names ([`NO_CHAIN`] for other targets or a missing chain), so the
    /// interpreter follows jumps without looking names up per packet.
    jumps: Vec<Vec<u32>>,
    /// Positions of the [`ENTRY_CHAINS`] ([`NO_CHAIN`] when absent), so the
    /// interpreter enters a hook without a lookup by name.
    entries: [u32; ENTRY_CHAINS.len()],
}

/// [`Table::jump_target`]'s "no chain" in the resolved jump table.
const NO_CHAIN: u32 = u32::MAX;

/// The built-in chains the kernel's hooks enter, resolved once per table
/// ([`Table::entry_chain`] takes an index into this list).
pub const ENTRY_CHAINS: [&str; 5] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/// Chains shorter than this are walked rule by rule without an index.
const INDEX_MIN_RULES: usize = 32;

/// An index of one chain by `(destination IP, destination port, protocol)`.
///
/// A rule whose matches include an exact, non-negated `-d IP`, a
/// `--dport` and a protocol can only match packets with that key, so for a
/// given packet only the rules filed under its key plus the rules that have
/// no such key (`generic`) need to be tried, in their original order. The
/// walk over those candidates visits the same matching rules, in the same
/// order, as the linear walk, and the skipped rules could not have matched
/// (their stateless checks fail, so their `statistic` / `recent` matches are
/// never reached either). `tests::index_walk_equals_linear_walk` and the
/// interpreter tests check the equivalence.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChainIndex {
    keyed: crate::vecmap::VecMap<(Ipv4Addr, u16, Protocol), Vec<u32>>,
    generic: Vec<u32>,
}

impl ChainIndex {
    fn build(rules: &[Rule]) -> ChainIndex {
        let mut ix = ChainIndex::default();
        for (i, r) in rules.iter().enumerate() {
            match rule_key(r) {
                Some(k) => ix.keyed.entry(k).or_default().push(i as u32),
                None => ix.generic.push(i as u32),
            }
        }
        ix
    }

    /// Rule positions that can match a packet with this key, ascending.
    pub fn candidates(&self, dst: Ipv4Addr, dport: u16, proto: Protocol) -> Vec<usize> {
        self.candidates_iter(dst, dport, proto).collect()
    }

    /// [`ChainIndex::candidates`] without allocating: the keyed and the
    /// generic positions merged on the fly.
    pub fn candidates_iter(&self, dst: Ipv4Addr, dport: u16, proto: Protocol) -> Candidates<'_> {
        let keyed: &[u32] = self
            .keyed
            .get(&(dst, dport, proto))
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        Candidates {
            keyed,
            generic: &self.generic,
        }
    }
}

/// The merge of two ascending position lists ([`ChainIndex::candidates_iter`]).
#[derive(Clone, Debug)]
pub struct Candidates<'a> {
    keyed: &'a [u32],
    generic: &'a [u32],
}

impl Iterator for Candidates<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        let take_keyed = match (self.keyed.first(), self.generic.first()) {
            (Some(k), Some(g)) => k < g,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_keyed {
            &mut self.keyed
        } else {
            &mut self.generic
        };
        let (first, rest) = list.split_first()?;
        *list = rest;
        Some(*first as usize)
    }
}

/// The exact `(dst, dport, proto)` a rule requires, if it requires one.
fn rule_key(r: &Rule) -> Option<(Ipv4Addr, u16, Protocol)> {
    let mut dst = None;
    let mut port = None;
    let mut proto = None;
    for m in &r.matches {
        match m {
            Match::Destination {
                addr: Addr::Ip(ip),
                negated: false,
            } => dst = Some(*ip),
            Match::DestPort(p) => port = Some(*p),
            Match::Protocol { proto: p, .. } => proto = Some(*p),
            _ => {}
        }
    }
    Some((dst?, port?, proto?))
}

impl Table {
    pub fn new(name: TableName, chains: Vec<Chain>) -> Table {
        let mut by_name: Vec<u32> = (0..chains.len() as u32).collect();
        crate::order::sort_by(&mut by_name, |&a, &b| {
            chains[a as usize].name.cmp(&chains[b as usize].name)
        });
        let indexes = chains
            .iter()
            .map(|c| (c.rules.len() >= INDEX_MIN_RULES).then(|| ChainIndex::build(&c.rules)))
            .collect();
        let mut t = Table {
            name,
            chains,
            by_name,
            indexes,
            jumps: Vec::new(),
            entries: [NO_CHAIN; ENTRY_CHAINS.len()],
        };
        t.entries = ENTRY_CHAINS.map(|name| t.chain_index(name).map_or(NO_CHAIN, |i| i as u32));
        t.jumps = t
            .chains
            .iter()
            .map(|c| {
                c.rules
                    .iter()
                    .map(|r| match &r.target {
                        Some(Target::Jump(next) | Target::Goto(next)) => {
                            t.chain_index(next).map_or(NO_CHAIN, |i| i as u32)
                        }
                        _ => NO_CHAIN,
                    })
                    .collect()
            })
            .collect();
        t
    }

    /// The position of the entry chain `ENTRY_CHAINS[entry]`, if the table
    /// has it; the same as `chain_index(ENTRY_CHAINS[entry])`.
    pub fn entry_chain(&self, entry: usize) -> Option<usize> {
        match self.entries.get(entry) {
            Some(&NO_CHAIN) | None => None,
            Some(&i) => Some(i as usize),
        }
    }

    /// The position of the chain that rule `index` of the chain at `pos`
    /// jumps or goes to, if it does and that chain exists.
    pub fn jump_target(&self, pos: usize, index: usize) -> Option<usize> {
        match self.jumps.get(pos)?.get(index) {
            Some(&NO_CHAIN) | None => None,
            Some(&i) => Some(i as usize),
        }
    }

    /// Position of a chain by name.
    pub fn chain_index(&self, name: &str) -> Option<usize> {
        self.by_name
            .binary_search_by(|&i| self.chains[i as usize].name.as_str().cmp(name))
            .ok()
            .map(|k| self.by_name[k] as usize)
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chain_index(name).map(|i| &self.chains[i])
    }

    /// The destination index of the chain at `pos`, if it is long enough to
    /// have one.
    pub fn index_of(&self, pos: usize) -> Option<&ChainIndex> {
        self.indexes.get(pos).and_then(|i| i.as_ref())
    }
}

/// A node's whole rule program: kube-proxy's tables plus the addresses the
/// kernel treats as local (for `addrtype LOCAL`).
#[derive(Clone, Debug, PartialEq)]
pub struct Ruleset {
    pub tables: Vec<Table>,
    /// Node IPs (and, in IPVS mode, kube-ipvs0 addresses). Loopback is
    /// always local and is not listed.
    pub local_addrs: Vec<Ipv4Addr>,
    /// The ipsets `-m set` matches look in (IPVS mode's; none in
    /// iptables mode), by name.
    pub ipsets: crate::vecmap::VecMap<String, IpSetMembers>,
}

/// An ipset's type and entries, as `ipset list` prints them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpSetMembers {
    /// `hash:ip`, `bitmap:port`, `hash:ip,port`, `hash:ip,port,ip` or
    /// `hash:ip,port,net`.
    pub kind: String,
    /// `10.96.0.10,udp:53`, `30008`, `10.0.0.1,tcp:80,10.0.0.0/8`…
    pub entries: crate::vecmap::VecSet<String>,
}

impl IpSetMembers {
    /// `-m set --match-set NAME FLAGS` for a packet: the flags (`dst`,
    /// `dst,dst`, `dst,dst,src`…) say which of its addresses and ports fill
    /// each dimension of the set's type, as the kernel's ipset types read
    /// them (net/netfilter/ipset/ip_set_hash_ipport.c and friends).
    pub fn matches(
        &self,
        flags: &str,
        proto: Protocol,
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
    ) -> bool {
        let dims: Vec<(Ipv4Addr, u16)> = flags
            .split(',')
            .map(|f| if f == "src" { src } else { dst })
            .collect();
        let ip = |i: usize| dims.get(i).map(|d| d.0);
        let port = |i: usize| dims.get(i).map(|d| d.1);
        let p = proto.lower();
        let key = match (self.kind.as_str(), ip(0), port(1), ip(2)) {
            ("hash:ip", Some(a), _, _) => a.to_string(),
            ("bitmap:port", _, _, _) => match port(0) {
                Some(n) => n.to_string(),
                None => return false,
            },
            ("hash:ip,port", Some(a), Some(n), _) => format!("{a},{p}:{n}"),
            ("hash:ip,port,ip", Some(a), Some(n), Some(b)) => format!("{a},{p}:{n},{b}"),
            ("hash:ip,port,net", Some(a), Some(n), Some(b)) => {
                let head = format!("{a},{p}:{n},");
                return self.entries.iter().any(|e| {
                    e.strip_prefix(&head)
                        .and_then(Cidr::parse)
                        .is_some_and(|c| c.contains(b))
                });
            }
            _ => return false,
        };
        self.entries.contains(&key)
    }
}

impl Ruleset {
    pub fn table(&self, name: TableName) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// True for an address `addrtype LOCAL` matches.
    pub fn is_local(&self, ip: Ipv4Addr) -> bool {
        ip.is_loopback() || self.local_addrs.contains(&ip)
    }

    /// kube-proxy's `iptables-restore` payload: `*filter` then `*nat`, chain
    /// declarations then rules grouped per chain, `COMMIT`. The order is the
    /// one kube-proxy's tests normalise to (`sortIPTablesRules`), which the
    /// generator already stores. Built-in chains are omitted, as kube-proxy
    /// does not write them in its restore input.
    pub fn render_save(&self) -> String {
        self.render(false)
    }

    /// Like [`Ruleset::render_save`] but also prints the built-in chains with
    /// policy ACCEPT and the jump rules kube-proxy installs in them, the way
    /// `iptables-save` shows a whole table.
    pub fn render_with_builtins(&self) -> String {
        self.render(true)
    }

    fn render(&self, builtins: bool) -> String {
        // Reserve roughly what the text needs (rules average well under
        // 160 bytes) so a big ruleset is not copied on every doubling.
        let rules: usize = self
            .tables
            .iter()
            .flat_map(|t| t.chains.iter())
            .map(|c| c.rules.len() + 1)
            .sum();
        let mut out = String::with_capacity(rules * 160);
        for t in &self.tables {
            let _ = writeln!(out, "*{}", t.name.as_str());
            // iptables-save lists the built-in chains first.
            let shown = || {
                let first = t.chains.iter().filter(move |c| builtins && c.builtin);
                first.chain(t.chains.iter().filter(|c| !c.builtin))
            };
            for c in shown() {
                if c.builtin {
                    let _ = writeln!(out, ":{} ACCEPT [0:0]", c.name);
                } else {
                    let _ = writeln!(out, ":{} - [0:0]", c.name);
                }
            }
            for c in shown() {
                for r in &c.rules {
                    out.push_str("-A ");
                    out.push_str(&c.name);
                    r.render_args(&mut out);
                    out.push('\n');
                }
            }
            out.push_str("COMMIT\n");
        }
        out
    }

    /// The text of one rule, as `-A CHAIN ...`.
    pub fn rule_text(&self, table: TableName, chain: &str, index: usize) -> Option<String> {
        let r = self.table(table)?.chain(chain)?.rules.get(index)?;
        let mut s = format!("-A {chain}");
        r.render_args(&mut s);
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_formatting_is_go_percent_0_10f() {
        let expect = [
            (2, "0.5000000000"),
            (3, "0.3333333333"),
            (4, "0.2500000000"),
            (5, "0.2000000000"),
            (6, "0.1666666667"),
            (7, "0.1428571429"),
            (8, "0.1250000000"),
            (9, "0.1111111111"),
            (10, "0.1000000000"),
        ];
        for (n, text) in expect {
            assert_eq!(format_probability(1.0 / f64::from(n)), text, "n={n}");
        }
    }

    #[test]
    fn kernel_threshold_is_lround_p_times_2_pow_31() {
        assert_eq!(statistic_threshold(0.5), 1 << 30);
        // 0.3333333333 * 2^31 = 715827882.59...
        assert_eq!(statistic_threshold(0.3333333333), 715_827_883);
        assert_eq!(statistic_threshold(1.0), 0x8000_0000);
        assert_eq!(statistic_threshold(0.0), 0);
    }

    #[test]
    fn renders_kube_proxy_argument_order() {
        let r = Rule::new(
            vec![
                Match::Comment("ns1/svc1:p80 cluster IP".into()),
                Match::Protocol {
                    proto: Protocol::Tcp,
                    module: true,
                },
                Match::Destination {
                    addr: Addr::Ip(Ipv4Addr::new(172, 30, 0, 41)),
                    negated: false,
                },
                Match::DestPort(80),
                Match::Source {
                    addr: Addr::Net(Cidr::parse("10.0.0.0/8").unwrap()),
                    negated: true,
                },
            ],
            Target::Jump("KUBE-MARK-MASQ".into()),
        );
        let mut s = String::new();
        r.render_args(&mut s);
        assert_eq!(
            s,
            " -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ"
        );
    }

    #[test]
    fn ipset_matches_read_the_packet_as_the_set_type_and_flags_say() {
        let set = |kind: &str, entries: &[&str]| IpSetMembers {
            kind: kind.into(),
            entries: entries.iter().map(|e| e.to_string()).collect(),
        };
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let (client, node) = ((ip("198.51.100.7"), 40000), (ip("192.168.49.10"), 30008));
        let tcp = Protocol::Tcp;
        let ports = set("bitmap:port", &["30008"]);
        assert!(ports.matches("dst", tcp, client, node));
        assert!(!ports.matches("src", tcp, client, node));
        let vips = set("hash:ip,port", &["10.96.0.10,udp:53"]);
        let dns = (ip("10.96.0.10"), 53);
        assert!(vips.matches("dst,dst", Protocol::Udp, client, dns));
        assert!(!vips.matches("dst,dst", tcp, client, dns));
        // Hairpin: a pod reaching itself through its Service.
        let pod = (ip("10.244.0.3"), 3000);
        let loopback = set("hash:ip,port,ip", &["10.244.0.3,tcp:3000,10.244.0.3"]);
        assert!(loopback.matches("dst,dst,src", tcp, pod, pod));
        assert!(!loopback.matches("dst,dst,src", tcp, client, pod));
        let ranges = set("hash:ip,port,net", &["203.0.113.10,tcp:80,198.51.100.0/24"]);
        let lb = (ip("203.0.113.10"), 80);
        assert!(ranges.matches("dst,dst,src", tcp, client, lb));
        assert!(!ranges.matches("dst,dst,src", tcp, (ip("10.0.0.1"), 1), lb));
    }
}
