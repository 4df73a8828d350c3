//! kube-proxy's IPVS mode: virtual servers, real servers, the kube-ipvs0
//! dummy addresses, the ipsets, and the constant iptables rules around them.
//!
//! Built from pkg/proxy/ipvs/proxier.go (`syncProxyRules`, `syncService`,
//! `syncEndpoint`, `writeIptablesRules`, `acceptIPVSTraffic`) as summarised
//! in the project's reference/ipvs.md. Load balancing is the kernel's
//! scheduler, not iptables `statistic`: [`IpvsState::schedule`] implements
//! `rr`, `lc` and `sh` deterministically.
//!
//! A TCP real server whose endpoint went away is deleted gracefully, as
//! pkg/proxy/ipvs/graceful_termination.go does: while it still has active
//! or inactive connections it stays with weight 0 (no new connections),
//! and the manager's check every minute (`rsCheckDeleteInterval`) deletes
//! it once both counts are zero. UDP and SCTP real servers go at once
//! (`IsRsGracefulTerminationNeeded`).
//!
//! Not modelled: the `mh` scheduler, and the KUBE-IPVS-OUT-FILTER rules
//! (they need the `-m ipvs` match, which svcsim does not have).

use super::iptables::{
    TableBuf, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL, KUBE_SERVICES,
};
use super::rules::{Addr, CtState, IpSetMembers, Match, Rule, Ruleset, TableName, Target};
use super::{categorize, service_ports, NodeFacts, ServicePortInfo};
use crate::model::{EndpointSlice, Service};
use crate::net::{Cidr, Endpoint4, Ipv4Addr, Protocol};
use crate::time::{SimDuration, SimTime};
use crate::vecmap::{VecMap, VecSet};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The dummy interface every service VIP is bound to (`defaultDummyDevice`).
pub const DUMMY_DEVICE: &str = "kube-ipvs0";

/// IPVS schedulers svcsim implements. kube-proxy uses one for all virtual
/// servers (`--ipvs-scheduler`, default `rr`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scheduler {
    /// Round robin: real servers in turn.
    #[default]
    Rr,
    /// Least connection: the real server with the fewest active connections
    /// (inactive ones weigh 1/256, as in the kernel's ip_vs_lc); ties go to
    /// the first in order.
    Lc,
    /// Source hashing: a fixed table of 256 buckets filled with the real
    /// servers in turn; the bucket is `hash_32(src, 8)`, the kernel's
    /// multiplicative hash (`src * 0x61C88647 >> 24`) of the client IP as a
    /// host-order integer, as in ip_vs_sh.c without the port flag.
    Sh,
}

impl Scheduler {
    pub fn parse(s: &str) -> Option<Scheduler> {
        match s {
            "rr" => Some(Scheduler::Rr),
            "lc" => Some(Scheduler::Lc),
            "sh" => Some(Scheduler::Sh),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scheduler::Rr => "rr",
            Scheduler::Lc => "lc",
            Scheduler::Sh => "sh",
        }
    }
}

/// What address of the Service a virtual server stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frontend {
    ClusterIp,
    ExternalIp,
    LoadBalancer,
    NodePort,
}

/// A real server (one endpoint) of a virtual server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealServer {
    pub addr: Endpoint4,
    /// kube-proxy always uses weight 1.
    pub weight: u32,
    /// Established TCP connections (`ipvsadm`'s ActiveConn).
    pub active_conns: u32,
    /// Connections the kernel still has an entry for but that are not
    /// established (InActConn): closed TCP connections in TIME_WAIT and
    /// every UDP flow, each until its entry times out. As (expiry, count),
    /// one bucket per whole second, oldest first.
    pub inactive: std::collections::VecDeque<(SimTime, u32)>,
}

/// Where `addr` stands (or would) in a virtual server's real servers,
/// which are in kube-proxy's endpoint order, sorted as `ip:port` text.
fn sorted_position(servers: &[RealServer], addr: Endpoint4) -> usize {
    let key = addr.to_string();
    servers
        .iter()
        .position(|r| r.addr.to_string() > key)
        .unwrap_or(servers.len())
}

/// How long the kernel keeps an IPVS connection entry that no longer
/// counts as active: a closed TCP connection stays in TIME_WAIT for
/// 2 minutes (net/netfilter/ipvs/ip_vs_proto_tcp.c, `tcp_timeouts`,
/// `IP_VS_TCP_S_TIME_WAIT`), a UDP flow for 5 minutes after its last packet
/// (ip_vs_proto_udp.c, `udp_timeouts`, `IP_VS_UDP_S_NORMAL`). kube-proxy
/// leaves both alone unless `--ipvs-tcpfin-timeout` / `--ipvs-udp-timeout`
/// are set.
fn inactive_timeout(proto: Protocol) -> SimDuration {
    match proto {
        Protocol::Udp => SimDuration::from_secs(300),
        _ => SimDuration::from_secs(120),
    }
}

impl RealServer {
    /// InActConn at `now`.
    pub fn inactive_conns(&self, now: SimTime) -> u32 {
        self.inactive
            .iter()
            .filter(|(t, _)| *t > now)
            .map(|(_, n)| n)
            .sum()
    }

    /// One more inactive entry, gone at `until` (rounded up to the second).
    fn add_inactive(&mut self, until: SimTime) {
        let sec = SimTime::from_secs(until.0.div_ceil(1_000_000_000));
        match self.inactive.back_mut() {
            Some((t, n)) if *t == sec => *n += 1,
            _ => self.inactive.push_back((sec, 1)),
        }
    }

    /// Drop the entries that timed out by `now`.
    fn expire(&mut self, now: SimTime) {
        while self.inactive.front().is_some_and(|(t, _)| *t <= now) {
            self.inactive.pop_front();
        }
    }

    /// A gracefully deleted (weight 0) real server is gone by `now`: the
    /// graceful-termination manager checks every minute from kube-proxy's
    /// start, and deletes it at the first check that finds no active and
    /// no inactive connection. (Its counts only fall: weight 0 takes no
    /// new connections, and a closing one stays inactive for its timeout,
    /// so that check is the first minute mark after the last entry
    /// expires.)
    pub fn drained(&self, now: SimTime) -> bool {
        const CHECK: u64 = 60_000_000_000;
        self.weight == 0
            && self.active_conns == 0
            && self
                .inactive
                .back()
                .is_none_or(|(t, _)| SimTime(t.0.div_ceil(CHECK) * CHECK) <= now)
    }

    /// `ip_vs_lc`'s overhead: active connections weigh 256 inactive ones
    /// (ip_vs_dest_conn_overhead in include/net/ip_vs.h).
    fn overhead(&self) -> u64 {
        (u64::from(self.active_conns) << 8)
            + self
                .inactive
                .iter()
                .map(|(_, n)| u64::from(*n))
                .sum::<u64>()
    }
}

/// One IPVS virtual server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualServer {
    pub proto: Protocol,
    pub addr: Ipv4Addr,
    pub port: u16,
    pub frontend: Frontend,
    /// The service port it belongs to (`ns/name:port`).
    pub spn: String,
    pub scheduler: Scheduler,
    /// `Some(seconds)` with ClientIP session affinity (`FlagPersistent`).
    pub persistent_secs: Option<u32>,
    pub real_servers: Vec<RealServer>,
}

/// An ipset kube-proxy fills in IPVS mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    pub name: &'static str,
    pub set_type: &'static str,
    pub comment: &'static str,
    /// Entries as `ipset` prints them, e.g. `172.30.0.41,tcp:80`.
    pub entries: VecSet<String>,
}

/// A node's IPVS program: virtual servers (sorted by protocol, address,
/// port), dummy-interface addresses, ipsets and iptables rules, plus the
/// scheduler state that [`IpvsState::schedule`] moves on.
#[derive(Clone, Debug, PartialEq)]
pub struct IpvsState {
    pub virtual_servers: Vec<VirtualServer>,
    /// Addresses bound to kube-ipvs0, sorted.
    pub dummy_addrs: Vec<Ipv4Addr>,
    pub ipsets: Vec<IpSet>,
    /// The constant iptables rules of IPVS mode. `local_addrs` includes the
    /// kube-ipvs0 addresses, which the kernel treats as local.
    pub rules: Ruleset,
    /// Per virtual server, the real server `rr` picked last: the kernel's
    /// `sched_data` pointer (net/netfilter/ipvs/ip_vs_rr.c), kept as an
    /// address so that a re-sync, which rebuilds this program, continues
    /// from it (see [`IpvsState::carry_over`]).
    rr_last: Vec<Option<Endpoint4>>,
    persistence: BTreeMap<(usize, Ipv4Addr), (Endpoint4, SimTime)>,
}

/// Per-set facts: (name, type, comment). Order is the one kube-proxy lists
/// them in (pkg/proxy/ipvs/ipset.go).
const SETS: &[(&str, &str, &str)] = &[
    (
        "KUBE-LOOP-BACK",
        "hash:ip,port,ip",
        "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
    ),
    (
        "KUBE-CLUSTER-IP",
        "hash:ip,port",
        "Kubernetes service cluster ip + port for masquerade purpose",
    ),
    (
        "KUBE-EXTERNAL-IP",
        "hash:ip,port",
        "Kubernetes service external ip + port for masquerade and filter purpose",
    ),
    (
        "KUBE-EXTERNAL-IP-LOCAL",
        "hash:ip,port",
        "Kubernetes service external ip + port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-LOAD-BALANCER",
        "hash:ip,port",
        "Kubernetes service lb portal",
    ),
    (
        "KUBE-LOAD-BALANCER-LOCAL",
        "hash:ip,port",
        "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-LOAD-BALANCER-FW",
        "hash:ip,port",
        "Kubernetes service load balancer ip + port for load balancer with sourceRange",
    ),
    (
        "KUBE-LOAD-BALANCER-SOURCE-CIDR",
        "hash:ip,port,net",
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose",
    ),
    (
        "KUBE-LOAD-BALANCER-SOURCE-IP",
        "hash:ip,port,ip",
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose",
    ),
    (
        "KUBE-NODE-PORT-TCP",
        "bitmap:port",
        "Kubernetes nodeport TCP port for masquerade purpose",
    ),
    (
        "KUBE-NODE-PORT-LOCAL-TCP",
        "bitmap:port",
        "Kubernetes nodeport TCP port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-NODE-PORT-UDP",
        "bitmap:port",
        "Kubernetes nodeport UDP port for masquerade purpose",
    ),
    (
        "KUBE-NODE-PORT-LOCAL-UDP",
        "bitmap:port",
        "Kubernetes nodeport UDP port with externalTrafficPolicy=local",
    ),
    (
        "KUBE-NODE-PORT-SCTP-HASH",
        "hash:ip,port",
        "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'",
    ),
    (
        "KUBE-NODE-PORT-LOCAL-SCTP-HASH",
        "hash:ip,port",
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
    ),
    (
        "KUBE-HEALTH-CHECK-NODE-PORT",
        "bitmap:port",
        "Kubernetes health check node port",
    ),
    (
        "KUBE-IPVS-IPS",
        "hash:ip",
        "Addresses on the ipvs interface",
    ),
];

struct Sets(VecMap<&'static str, VecSet<String>>);

impl Sets {
    fn add(&mut self, name: &'static str, entry: String) {
        self.0.entry(name).or_default().insert(entry);
    }
    fn non_empty(&self, name: &str) -> bool {
        self.0.get(name).is_some_and(|s| !s.is_empty())
    }
}

/// Build the IPVS program for one node.
pub fn generate(
    services: &[Service],
    slices: &[EndpointSlice],
    facts: &NodeFacts,
    scheduler: Scheduler,
) -> IpvsState {
    let ports = service_ports(services, slices, facts);
    let mut vss = Vec::new();
    let mut dummy = VecSet::new();
    let mut sets = Sets(VecMap::new());
    for sp in &ports {
        add_service_port(sp, facts, scheduler, &mut vss, &mut dummy, &mut sets);
    }
    crate::order::sort_by_key(&mut vss, |v: &VirtualServer| (v.proto, v.addr, v.port));
    let dummy_addrs: Vec<Ipv4Addr> = dummy.into_iter().collect();
    for a in &dummy_addrs {
        sets.add("KUBE-IPVS-IPS", a.to_string());
    }
    let rules = iptables_rules(&sets, facts, &dummy_addrs);
    let ipsets = SETS
        .iter()
        .map(|&(name, set_type, comment)| IpSet {
            name,
            set_type,
            comment,
            entries: sets.0.get(name).cloned().unwrap_or_default(),
        })
        .collect();
    let n = vss.len();
    IpvsState {
        virtual_servers: vss,
        dummy_addrs,
        ipsets,
        rules,
        rr_last: vec![None; n],
        persistence: BTreeMap::new(),
    }
}

fn add_service_port(
    sp: &ServicePortInfo,
    facts: &NodeFacts,
    scheduler: Scheduler,
    vss: &mut Vec<VirtualServer>,
    dummy: &mut VecSet<Ipv4Addr>,
    sets: &mut Sets,
) {
    let cat = categorize(sp);
    let proto = sp.protocol.lower();
    let ip_port = |ip: Ipv4Addr, port: u16| format!("{ip},{proto}:{port}");
    // syncEndpoint: local-only when the policy says so and local endpoints
    // exist; otherwise (including the PR #97081 fallback) the cluster set.
    let pick = |local_only: bool| -> Vec<RealServer> {
        let idx = if local_only && !cat.local.is_empty() {
            &cat.local
        } else {
            &cat.cluster
        };
        idx.iter()
            .map(|&i| RealServer {
                addr: sp.endpoints[i].addr,
                weight: 1,
                active_conns: 0,
                inactive: Default::default(),
            })
            .collect()
    };
    let internal = pick(sp.internal_policy_local);
    let external = pick(sp.external_policy_local);
    let mut vs = |addr: Ipv4Addr, port: u16, frontend: Frontend, rs: &Vec<RealServer>| {
        vss.push(VirtualServer {
            proto: sp.protocol,
            addr,
            port,
            frontend,
            spn: sp.spn.clone(),
            scheduler,
            persistent_secs: sp.affinity_seconds,
            real_servers: rs.clone(),
        })
    };

    for e in &sp.endpoints {
        if e.is_local {
            sets.add(
                "KUBE-LOOP-BACK",
                format!("{},{proto}:{},{}", e.addr.ip, e.addr.port, e.addr.ip),
            );
        }
    }

    vs(sp.cluster_ip, sp.port, Frontend::ClusterIp, &internal);
    dummy.insert(sp.cluster_ip);
    sets.add("KUBE-CLUSTER-IP", ip_port(sp.cluster_ip, sp.port));

    for &eip in &sp.external_ips {
        vs(eip, sp.port, Frontend::ExternalIp, &external);
        // Newer kube-proxy binds an externalIP only if no other interface has it.
        if !facts.node_ips.contains(&eip) {
            dummy.insert(eip);
        }
        let set = if sp.external_policy_local {
            "KUBE-EXTERNAL-IP-LOCAL"
        } else {
            "KUBE-EXTERNAL-IP"
        };
        sets.add(set, ip_port(eip, sp.port));
    }

    for &lb in &sp.lb_vips {
        vs(lb, sp.port, Frontend::LoadBalancer, &external);
        if !facts.node_ips.contains(&lb) {
            dummy.insert(lb);
        }
        sets.add("KUBE-LOAD-BALANCER", ip_port(lb, sp.port));
        if sp.external_policy_local {
            sets.add("KUBE-LOAD-BALANCER-LOCAL", ip_port(lb, sp.port));
        }
        if !sp.lb_source_ranges.is_empty() {
            sets.add("KUBE-LOAD-BALANCER-FW", ip_port(lb, sp.port));
            let mut allow_node = false;
            for c in &sp.lb_source_ranges {
                sets.add(
                    "KUBE-LOAD-BALANCER-SOURCE-CIDR",
                    format!("{},{c}", ip_port(lb, sp.port)),
                );
                allow_node |= facts.primary_ip().is_some_and(|ip| c.contains(ip));
            }
            if allow_node {
                sets.add(
                    "KUBE-LOAD-BALANCER-SOURCE-IP",
                    format!("{},{lb}", ip_port(lb, sp.port)),
                );
            }
        }
    }

    if sp.node_port != 0 {
        // One VS per node IP; node IPs are not bound to kube-ipvs0.
        for &nip in &facts.node_ips {
            vs(nip, sp.node_port, Frontend::NodePort, &external);
        }
        let (all, local) = match sp.protocol {
            Protocol::Tcp => ("KUBE-NODE-PORT-TCP", "KUBE-NODE-PORT-LOCAL-TCP"),
            Protocol::Udp => ("KUBE-NODE-PORT-UDP", "KUBE-NODE-PORT-LOCAL-UDP"),
            Protocol::Sctp => ("KUBE-NODE-PORT-SCTP-HASH", "KUBE-NODE-PORT-LOCAL-SCTP-HASH"),
        };
        let entries: Vec<String> = if sp.protocol == Protocol::Sctp {
            facts
                .node_ips
                .iter()
                .map(|&ip| ip_port(ip, sp.node_port))
                .collect()
        } else {
            vec![sp.node_port.to_string()]
        };
        for e in entries {
            sets.add(all, e.clone());
            if sp.external_policy_local {
                sets.add(local, e);
            }
        }
    }
    if sp.health_check_node_port != 0 {
        sets.add(
            "KUBE-HEALTH-CHECK-NODE-PORT",
            sp.health_check_node_port.to_string(),
        );
    }
}

const KUBE_NODE_PORT: &str = "KUBE-NODE-PORT";
const KUBE_LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
const KUBE_SOURCE_RANGES_FIREWALL: &str = "KUBE-SOURCE-RANGES-FIREWALL";
const KUBE_IPVS_FILTER: &str = "KUBE-IPVS-FILTER";
const KUBE_IPVS_OUT_FILTER: &str = "KUBE-IPVS-OUT-FILTER";

fn set_match(name: &str, flags: &str) -> Match {
    Match::Set {
        name: name.to_string(),
        flags: flags.to_string(),
        negated: false,
    }
}

fn comment_of(name: &str) -> Match {
    let c = SETS
        .iter()
        .find(|s| s.0 == name)
        .map(|s| s.2)
        .unwrap_or_default();
    Match::Comment(c.to_string())
}

/// One `ipsetWithIptablesChain` entry: (set, is nat, from chain, to, match
/// type, protocol).
type SetRule = (
    &'static str,
    bool,
    &'static str,
    &'static str,
    &'static str,
    Option<Protocol>,
);

/// `writeIptablesRules` and `acceptIPVSTraffic` (pkg/proxy/ipvs/proxier.go).
fn iptables_rules(sets: &Sets, facts: &NodeFacts, dummy: &[Ipv4Addr]) -> Ruleset {
    let mark = facts.masq_mark();
    let mut filter = TableBuf::default();
    let mut nat = TableBuf::default();
    for c in ["INPUT", "FORWARD", "OUTPUT"] {
        filter.builtin(c);
    }
    for c in ["PREROUTING", "OUTPUT", "POSTROUTING"] {
        nat.builtin(c);
    }
    // iptablesJumpChain, each prepended: listed in reverse here.
    let jumps: [(bool, &str, &str, &str); 9] = [
        (true, "OUTPUT", KUBE_SERVICES, "kubernetes service portals"),
        (
            true,
            "PREROUTING",
            KUBE_SERVICES,
            "kubernetes service portals",
        ),
        (
            true,
            "POSTROUTING",
            KUBE_POSTROUTING,
            "kubernetes postrouting rules",
        ),
        (
            false,
            "FORWARD",
            KUBE_FORWARD,
            "kubernetes forwarding rules",
        ),
        (
            false,
            "INPUT",
            KUBE_NODE_PORT,
            "kubernetes health check rules",
        ),
        (
            false,
            "INPUT",
            KUBE_PROXY_FIREWALL,
            "kube-proxy firewall rules",
        ),
        (
            false,
            "FORWARD",
            KUBE_PROXY_FIREWALL,
            "kube-proxy firewall rules",
        ),
        (
            false,
            "INPUT",
            KUBE_IPVS_FILTER,
            "kubernetes ipvs access filter",
        ),
        (
            false,
            "OUTPUT",
            KUBE_IPVS_OUT_FILTER,
            "kubernetes ipvs access filter",
        ),
    ];
    for (is_nat, src, dst, text) in jumps.into_iter().rev() {
        let t = if is_nat { &mut nat } else { &mut filter };
        t.push(
            src,
            Rule::new(vec![Match::Comment(text.into())], Target::Jump(dst.into())),
        );
    }
    for c in [
        KUBE_SERVICES,
        KUBE_POSTROUTING,
        KUBE_NODE_PORT,
        KUBE_LOAD_BALANCER,
        KUBE_MARK_MASQ,
    ] {
        nat.declare(c);
    }
    for c in [
        KUBE_FORWARD,
        KUBE_NODE_PORT,
        KUBE_PROXY_FIREWALL,
        KUBE_SOURCE_RANGES_FIREWALL,
        KUBE_IPVS_FILTER,
        KUBE_IPVS_OUT_FILTER,
    ] {
        filter.declare(c);
    }
    let lo = Cidr {
        addr: Ipv4Addr::new(127, 0, 0, 0),
        prefix: 8,
    };
    // Ignore localhost clients.
    nat.push(
        KUBE_SERVICES,
        Rule::new(
            vec![Match::Source {
                addr: Addr::Net(lo),
                negated: false,
            }],
            Target::Return,
        ),
    );

    // ipsetWithIptablesChain: (set, is_nat, from, to, match type, protocol).
    let masq = KUBE_MARK_MASQ;
    let table: [SetRule; 12] = [
        (
            "KUBE-LOOP-BACK",
            true,
            KUBE_POSTROUTING,
            "MASQUERADE",
            "dst,dst,src",
            None,
        ),
        (
            "KUBE-LOAD-BALANCER",
            true,
            KUBE_SERVICES,
            KUBE_LOAD_BALANCER,
            "dst,dst",
            None,
        ),
        (
            "KUBE-LOAD-BALANCER-LOCAL",
            true,
            KUBE_LOAD_BALANCER,
            "RETURN",
            "dst,dst",
            None,
        ),
        (
            "KUBE-NODE-PORT-LOCAL-TCP",
            true,
            KUBE_NODE_PORT,
            "RETURN",
            "dst",
            Some(Protocol::Tcp),
        ),
        (
            "KUBE-NODE-PORT-TCP",
            true,
            KUBE_NODE_PORT,
            masq,
            "dst",
            Some(Protocol::Tcp),
        ),
        (
            "KUBE-NODE-PORT-LOCAL-UDP",
            true,
            KUBE_NODE_PORT,
            "RETURN",
            "dst",
            Some(Protocol::Udp),
        ),
        (
            "KUBE-NODE-PORT-UDP",
            true,
            KUBE_NODE_PORT,
            masq,
            "dst",
            Some(Protocol::Udp),
        ),
        (
            "KUBE-NODE-PORT-LOCAL-SCTP-HASH",
            true,
            KUBE_NODE_PORT,
            "RETURN",
            "dst,dst",
            Some(Protocol::Sctp),
        ),
        (
            "KUBE-NODE-PORT-SCTP-HASH",
            true,
            KUBE_NODE_PORT,
            masq,
            "dst,dst",
            Some(Protocol::Sctp),
        ),
        (
            "KUBE-LOAD-BALANCER-FW",
            false,
            KUBE_PROXY_FIREWALL,
            KUBE_SOURCE_RANGES_FIREWALL,
            "dst,dst",
            None,
        ),
        (
            "KUBE-LOAD-BALANCER-SOURCE-CIDR",
            false,
            KUBE_SOURCE_RANGES_FIREWALL,
            "RETURN",
            "dst,dst,src",
            None,
        ),
        (
            "KUBE-LOAD-BALANCER-SOURCE-IP",
            false,
            KUBE_SOURCE_RANGES_FIREWALL,
            "RETURN",
            "dst,dst,src",
            None,
        ),
    ];
    for (set, is_nat, from, to, mt, proto) in table {
        if !sets.non_empty(set) {
            continue;
        }
        let mut m = Vec::new();
        if let Some(p) = proto {
            m.push(Match::Protocol {
                proto: p,
                module: false,
            });
        }
        m.push(comment_of(set));
        m.push(set_match(set, mt));
        let target = match to {
            "MASQUERADE" => Target::Masquerade {
                random_fully: facts.random_fully,
            },
            "RETURN" => Target::Return,
            c => Target::Jump(c.to_string()),
        };
        let t = if is_nat { &mut nat } else { &mut filter };
        t.push(from, Rule::new(m, target));
    }

    if sets.non_empty("KUBE-CLUSTER-IP") {
        let mut m = vec![comment_of("KUBE-CLUSTER-IP")];
        if facts.masquerade_all {
            m.push(set_match("KUBE-CLUSTER-IP", "dst,dst"));
        } else if let Some(c) = facts.cluster_cidr {
            m.push(set_match("KUBE-CLUSTER-IP", "dst,dst"));
            m.push(Match::Source {
                addr: Addr::Net(c),
                negated: true,
            });
        } else {
            m.push(set_match("KUBE-CLUSTER-IP", "src,dst"));
        }
        nat.push(KUBE_SERVICES, Rule::new(m, Target::Jump(masq.into())));
    }
    let external_ip_rules = |nat: &mut TableBuf, base: Vec<Match>| {
        let mut a = base.clone();
        a.push(Match::Fixed {
            text: "-m physdev ! --physdev-is-in".into(),
            result: true,
        });
        a.push(Match::AddrTypeLocal {
            source: true,
            negated: true,
        });
        nat.push(KUBE_SERVICES, Rule::new(a, Target::Accept));
        let mut b = base;
        b.push(Match::AddrTypeLocal {
            source: false,
            negated: false,
        });
        nat.push(KUBE_SERVICES, Rule::new(b, Target::Accept));
    };
    if sets.non_empty("KUBE-EXTERNAL-IP") {
        let base = vec![
            comment_of("KUBE-EXTERNAL-IP"),
            set_match("KUBE-EXTERNAL-IP", "dst,dst"),
        ];
        nat.push(
            KUBE_SERVICES,
            Rule::new(base.clone(), Target::Jump(masq.into())),
        );
        external_ip_rules(&mut nat, base);
    }
    if sets.non_empty("KUBE-EXTERNAL-IP-LOCAL") {
        let base = vec![
            comment_of("KUBE-EXTERNAL-IP-LOCAL"),
            set_match("KUBE-EXTERNAL-IP-LOCAL", "dst,dst"),
        ];
        external_ip_rules(&mut nat, base);
    }
    nat.push(
        KUBE_SERVICES,
        Rule::new(
            vec![Match::AddrTypeLocal {
                source: false,
                negated: false,
            }],
            Target::Jump(KUBE_NODE_PORT.into()),
        ),
    );
    nat.push(
        KUBE_LOAD_BALANCER,
        Rule::new(vec![], Target::Jump(masq.into())),
    );
    filter.push(KUBE_SOURCE_RANGES_FIREWALL, Rule::new(vec![], Target::Drop));
    for set in ["KUBE-CLUSTER-IP", "KUBE-LOAD-BALANCER"] {
        if sets.non_empty(set) {
            nat.push(
                KUBE_SERVICES,
                Rule::new(vec![set_match(set, "dst,dst")], Target::Accept),
            );
        }
    }
    filter.push(
        KUBE_FORWARD,
        Rule::new(
            vec![
                Match::Comment("kubernetes forwarding rules".into()),
                Match::Mark {
                    value: mark,
                    mask: mark,
                    negated: false,
                },
            ],
            Target::Accept,
        ),
    );
    filter.push(
        KUBE_FORWARD,
        Rule::new(
            vec![
                Match::Comment("kubernetes forwarding conntrack rule".into()),
                Match::ConnState {
                    states: vec![CtState::Related, CtState::Established],
                    negated: false,
                },
            ],
            Target::Accept,
        ),
    );
    filter.push(
        KUBE_NODE_PORT,
        Rule::new(
            vec![
                comment_of("KUBE-HEALTH-CHECK-NODE-PORT"),
                set_match("KUBE-HEALTH-CHECK-NODE-PORT", "dst"),
            ],
            Target::Accept,
        ),
    );
    for (set, mt) in [
        ("KUBE-LOAD-BALANCER", "dst,dst"),
        ("KUBE-CLUSTER-IP", "dst,dst"),
        ("KUBE-EXTERNAL-IP", "dst,dst"),
        ("KUBE-EXTERNAL-IP-LOCAL", "dst,dst"),
        ("KUBE-HEALTH-CHECK-NODE-PORT", "dst"),
    ] {
        filter.push(
            KUBE_IPVS_FILTER,
            Rule::new(vec![set_match(set, mt)], Target::Return),
        );
    }
    filter.push(
        KUBE_IPVS_FILTER,
        Rule::new(
            vec![
                Match::ConnState {
                    states: vec![CtState::New],
                    negated: false,
                },
                set_match("KUBE-IPVS-IPS", "dst"),
            ],
            Target::Reject,
        ),
    );
    super::iptables::push_masquerade_rules(&mut nat, mark, facts.random_fully);

    let mut local_addrs = facts.node_ips.clone();
    local_addrs.extend(
        dummy
            .iter()
            .copied()
            .filter(|a| !facts.node_ips.contains(a)),
    );
    let ipsets = SETS
        .iter()
        .filter_map(|(name, kind, _)| {
            let entries = sets.0.get(name)?.clone();
            Some((
                name.to_string(),
                IpSetMembers {
                    kind: kind.to_string(),
                    entries,
                },
            ))
        })
        .collect();
    Ruleset {
        tables: vec![
            filter.finish_sorted(TableName::Filter, false),
            nat.finish_sorted(TableName::Nat, false),
        ],
        local_addrs,
        ipsets,
    }
}

/// `hash_32(val, bits)` from the Linux kernel (include/linux/hash.h).
fn hash_32(val: u32, bits: u32) -> u32 {
    val.wrapping_mul(0x61C8_8647) >> (32 - bits)
}

impl IpvsState {
    /// The virtual server for a destination, if any.
    pub fn find(&self, proto: Protocol, addr: Ipv4Addr, port: u16) -> Option<usize> {
        self.virtual_servers
            .binary_search_by_key(&(proto, addr, port), |v| (v.proto, v.addr, v.port))
            .ok()
    }

    /// Pick a real server for a new connection from `src` to virtual server
    /// `vs`, as the kernel's scheduler would, and count it as active.
    /// `None` when the virtual server has no usable real server (the kernel
    /// then refuses the connection). With ClientIP affinity (persistence), a
    /// client seen within the timeout gets its previous real server again.
    pub fn schedule(&mut self, vs: usize, src: Ipv4Addr, now: SimTime) -> Option<Endpoint4> {
        for r in &mut self.virtual_servers.get_mut(vs)?.real_servers {
            r.expire(now);
        }
        let v = &self.virtual_servers[vs];
        let usable: Vec<usize> = (0..v.real_servers.len())
            .filter(|&i| v.real_servers[i].weight > 0)
            .collect();
        if usable.is_empty() {
            return None;
        }
        let timeout = v
            .persistent_secs
            .map(|s| SimDuration::from_secs(u64::from(s)));
        if let Some(t) = timeout {
            if let Some(&(ep, last)) = self.persistence.get(&(vs, src)) {
                let still_there = usable.iter().any(|&i| v.real_servers[i].addr == ep);
                if still_there && now.since(last) <= t {
                    self.persistence.insert((vs, src), (ep, now));
                    self.count(vs, ep, now);
                    return Some(ep);
                }
            }
        }
        let pick = match v.scheduler {
            Scheduler::Rr => {
                // The next usable server after the one picked last, in list
                // order. If that one has gone, the kernel's `del_dest` moved
                // the pointer back one, so the pick is the server now in its
                // place: the first listed after it (the list is kube-proxy's
                // endpoint order, sorted as `ip:port` strings).
                let servers = &v.real_servers;
                let after = self.rr_last[vs].map_or(0, |last| {
                    match servers.iter().position(|r| r.addr == last) {
                        Some(p) => p + 1,
                        None => sorted_position(servers, last),
                    }
                });
                let k = usable.iter().position(|&i| i >= after).unwrap_or(0);
                self.rr_last[vs] = Some(servers[usable[k]].addr);
                usable[k]
            }
            Scheduler::Lc => {
                // min_by_key keeps the first of equal loads.
                usable
                    .iter()
                    .copied()
                    .min_by_key(|&i| v.real_servers[i].overhead())
                    .unwrap_or(usable[0])
            }
            Scheduler::Sh => {
                let bucket = hash_32(u32::from(src), 8) as usize;
                usable[bucket % usable.len()]
            }
        };
        let ep = v.real_servers[pick].addr;
        if timeout.is_some() {
            self.persistence.insert((vs, src), (ep, now));
        }
        self.count(vs, ep, now);
        Some(ep)
    }

    /// Take over the scheduler state of the program this one replaces. A
    /// re-sync edits the kernel's IPVS services and destinations in place
    /// (pkg/proxy/ipvs/proxier.go, `syncService` and `syncEndpoint` add,
    /// update and delete; nothing is rebuilt), so for every virtual server
    /// still there the rr position, the persistence templates of ClientIP
    /// affinity and each remaining destination's connection counters
    /// survive. A TCP destination whose endpoint left at `removed_at` (the
    /// sync) stays, with weight 0, while it has connections; see the
    /// module notes.
    pub fn carry_over(&mut self, old: IpvsState, removed_at: SimTime, now: SimTime) {
        let key = |v: &VirtualServer| (v.proto, v.addr, v.port);
        let new_index: Vec<Option<usize>> = old
            .virtual_servers
            .iter()
            .map(|ov| {
                self.virtual_servers
                    .binary_search_by(|v| key(v).cmp(&key(ov)))
                    .ok()
            })
            .collect();
        for (j, ov) in old.virtual_servers.iter().enumerate() {
            let Some(i) = new_index[j] else { continue };
            self.rr_last[i] = old.rr_last[j];
            let v = &mut self.virtual_servers[i];
            for r in &mut v.real_servers {
                if let Some(or) = ov.real_servers.iter().find(|o| o.addr == r.addr) {
                    r.active_conns = or.active_conns;
                    r.inactive = or.inactive.clone();
                }
            }
            if !matches!(v.proto, Protocol::Tcp) {
                continue;
            }
            for or in &ov.real_servers {
                let busy = or.active_conns > 0 || or.inactive_conns(removed_at) > 0;
                if v.real_servers.iter().any(|r| r.addr == or.addr)
                    || or.drained(now)
                    || (or.weight > 0 && !busy)
                {
                    continue;
                }
                let at = sorted_position(&v.real_servers, or.addr);
                v.real_servers.insert(
                    at,
                    RealServer {
                        weight: 0,
                        ..or.clone()
                    },
                );
            }
        }
        for ((j, src), entry) in old.persistence {
            if let Some(i) = new_index[j] {
                self.persistence.insert((i, src), entry);
            }
        }
    }

    /// A new connection to `ep`. A TCP one counts as active (the kernel
    /// counts it inactive until the handshake completes,
    /// ip_vs_proto_tcp.c `set_tcp_state`; svcsim skips that millisecond).
    /// A UDP flow never becomes active: every IPVS connection starts
    /// inactive (ip_vs_ctl.c `__ip_vs_update_dest` sets
    /// `IP_VS_CONN_F_INACTIVE` on the destination's connections) and only
    /// TCP's state machine moves it, so a UDP flow counts in InActConn
    /// until it times out.
    fn count(&mut self, vs: usize, ep: Endpoint4, now: SimTime) {
        let proto = self.virtual_servers[vs].proto;
        if let Some(r) = self.virtual_servers[vs]
            .real_servers
            .iter_mut()
            .find(|r| r.addr == ep)
        {
            match proto {
                Protocol::Udp => r.add_inactive(now + inactive_timeout(proto)),
                _ => r.active_conns += 1,
            }
        }
    }

    /// A TCP connection to `ep` through `vs` closed at `now`: it leaves
    /// ActiveConn for InActConn until its TIME_WAIT entry times out
    /// (`set_tcp_state` moves it when the state leaves ESTABLISHED). A UDP
    /// flow's entry simply times out.
    pub fn release(&mut self, vs: usize, ep: Endpoint4, now: SimTime) {
        let Some(v) = self.virtual_servers.get_mut(vs) else {
            return;
        };
        let proto = v.proto;
        if proto == Protocol::Udp {
            return;
        }
        if let Some(r) = v.real_servers.iter_mut().find(|r| r.addr == ep) {
            if r.active_conns > 0 {
                r.active_conns -= 1;
                r.add_inactive(now + inactive_timeout(proto));
            }
        }
    }

    /// `ipvsadm -Ln` text. Virtual servers are sorted by protocol, address
    /// and port (the kernel lists them in hash order; svcsim picks a stable
    /// one).
    pub fn render_ipvsadm(&self, now: SimTime) -> String {
        let mut out = String::new();
        out.push_str("IP Virtual Server version 1.2.1 (size=4096)\n");
        out.push_str("Prot LocalAddress:Port Scheduler Flags\n");
        out.push_str("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        for v in &self.virtual_servers {
            let _ = write!(
                out,
                "{}  {}:{} {}",
                v.proto.as_str(),
                v.addr,
                v.port,
                v.scheduler.as_str()
            );
            if let Some(p) = v.persistent_secs {
                let _ = write!(out, " persistent {p}");
            }
            out.push('\n');
            for r in v.real_servers.iter().filter(|r| !r.drained(now)) {
                let _ = writeln!(
                    out,
                    "  -> {:<28} {:<7} {:<6} {:<10} {:<10}",
                    r.addr.to_string(),
                    "Masq",
                    r.weight,
                    r.active_conns,
                    r.inactive_conns(now)
                );
            }
        }
        out
    }

    /// `ip addr show kube-ipvs0`-style listing of the dummy addresses.
    pub fn render_dummy(&self) -> String {
        let mut out = format!("{DUMMY_DEVICE}: <BROADCAST,NOARP> mtu 1500 state DOWN\n");
        for a in &self.dummy_addrs {
            let _ = writeln!(out, "    inet {a}/32 scope global {DUMMY_DEVICE}");
        }
        out
    }

    /// The ipsets in `ipset save` style (non-empty sets only).
    pub fn render_ipsets(&self) -> String {
        let mut out = String::new();
        for s in self.ipsets.iter().filter(|s| !s.entries.is_empty()) {
            let _ = writeln!(
                out,
                "create {} {} comment \"{}\"",
                s.name, s.set_type, s.comment
            );
            for e in &s.entries {
                let _ = writeln!(out, "add {} {e}", s.name);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::{facts, objects};

    #[test]
    fn rr_cycles_in_real_server_order() {
        let (s, e) = objects(3, false);
        let mut st = generate(&s, &e, &facts(), Scheduler::Rr);
        let vs = st
            .find(Protocol::Tcp, Ipv4Addr::new(10, 96, 0, 10), 80)
            .unwrap();
        let src = Ipv4Addr::new(10, 0, 0, 9);
        let picks: Vec<String> = (0..6)
            .map(|_| st.schedule(vs, src, SimTime::ZERO).unwrap().to_string())
            .collect();
        assert_eq!(
            picks,
            [
                "10.244.0.1:8080",
                "10.244.0.2:8080",
                "10.244.0.3:8080",
                "10.244.0.1:8080",
                "10.244.0.2:8080",
                "10.244.0.3:8080"
            ]
        );
        // NodePort VS on the node IP, ClusterIP on kube-ipvs0 only.
        assert!(st
            .find(Protocol::Tcp, Ipv4Addr::new(192, 168, 0, 2), 30080)
            .is_some());
        assert_eq!(st.dummy_addrs, vec![Ipv4Addr::new(10, 96, 0, 10)]);
    }

    #[test]
    fn lc_prefers_least_loaded_and_sh_is_sticky() {
        let (s, e) = objects(3, false);
        let mut st = generate(&s, &e, &facts(), Scheduler::Lc);
        let vs = st
            .find(Protocol::Tcp, Ipv4Addr::new(10, 96, 0, 10), 80)
            .unwrap();
        let src = Ipv4Addr::new(10, 0, 0, 9);
        let t = SimTime::ZERO;
        let a = st.schedule(vs, src, t).unwrap();
        let b = st.schedule(vs, src, t).unwrap();
        let c = st.schedule(vs, src, t).unwrap();
        assert_eq!([a, b, c].iter().collect::<VecSet<_>>().len(), 3);
        // a closes: one inactive entry (1) against b's and c's active one
        // (256 each), so a is least loaded...
        st.release(vs, a, t);
        assert_eq!(st.schedule(vs, src, t), Some(a));
        // ...and now carries 257 against 256: b is next, the first of
        // the equal ones.
        assert_eq!(st.schedule(vs, src, t), Some(b));
        let rs = |st: &IpvsState, now| {
            st.virtual_servers[vs]
                .real_servers
                .iter()
                .map(|r| (r.active_conns, r.inactive_conns(now)))
                .collect::<Vec<_>>()
        };
        assert_eq!(rs(&st, t), [(1, 1), (2, 0), (1, 0)]);
        // The TIME_WAIT entry lasts 120 s.
        assert_eq!(rs(&st, SimTime::from_secs(119)), [(1, 1), (2, 0), (1, 0)]);
        assert_eq!(rs(&st, SimTime::from_secs(120)), [(1, 0), (2, 0), (1, 0)]);
        assert!(st.render_ipvsadm(t).contains(&format!(
            "  -> {:<28} Masq    1      1          1",
            a.to_string()
        )));

        let mut sh = generate(&s, &e, &facts(), Scheduler::Sh);
        let first = sh.schedule(vs, src, SimTime::ZERO);
        for _ in 0..5 {
            assert_eq!(sh.schedule(vs, src, SimTime::ZERO), first);
        }
        let spread: VecSet<Endpoint4> = (0..64u8)
            .filter_map(|i| sh.schedule(vs, Ipv4Addr::new(10, 1, 2, i), SimTime::ZERO))
            .collect();
        assert_eq!(spread.len(), 3, "sh should use every real server");
    }

    #[test]
    fn persistence_holds_within_timeout() {
        let (s, e) = objects(3, true);
        let mut st = generate(&s, &e, &facts(), Scheduler::Rr);
        let vs = st
            .find(Protocol::Tcp, Ipv4Addr::new(10, 96, 0, 10), 80)
            .unwrap();
        let c = Ipv4Addr::new(10, 0, 0, 9);
        let first = st.schedule(vs, c, SimTime::ZERO);
        assert_eq!(st.schedule(vs, c, SimTime::from_secs(10_000)), first);
        // 10800 s after the last use, the template is gone: rr moves on.
        assert_ne!(
            st.schedule(vs, c, SimTime::from_secs(10_000 + 10_801)),
            first
        );
    }

    #[test]
    fn a_resync_keeps_the_rr_position_the_affinity_templates_and_the_counters() {
        // The kernel keeps its IPVS objects across kube-proxy syncs, which
        // only edit them: rr goes on where it was, a removed destination's
        // successor takes its turn, and ClientIP templates survive.
        let vip = Ipv4Addr::new(10, 96, 0, 10);
        let src = Ipv4Addr::new(10, 0, 0, 9);
        let (s, e) = objects(3, false);
        let mut st = generate(&s, &e, &facts(), Scheduler::Rr);
        let vs = st.find(Protocol::Tcp, vip, 80).unwrap();
        st.schedule(vs, src, SimTime::ZERO);
        st.schedule(vs, src, SimTime::ZERO);
        let mut again = generate(&s, &e, &facts(), Scheduler::Rr);
        again.carry_over(st.clone(), SimTime::ZERO, SimTime::ZERO);
        let next = again.schedule(vs, src, SimTime::ZERO).unwrap();
        assert_eq!(next.to_string(), "10.244.0.3:8080");
        let rs = &again.virtual_servers[vs].real_servers;
        assert_eq!(
            rs.iter().map(|r| r.active_conns).collect::<Vec<_>>(),
            [1, 1, 1]
        );

        // The server picked last (10.244.0.2) leaves: its successor is next.
        let (s2, mut e2) = objects(3, false);
        e2[0].endpoints.retain(|ep| ep.addresses[0] != "10.244.0.2");
        let mut fewer = generate(&s2, &e2, &facts(), Scheduler::Rr);
        fewer.carry_over(st, SimTime::ZERO, SimTime::ZERO);
        let vs2 = fewer.find(Protocol::Tcp, vip, 80).unwrap();
        assert_eq!(
            fewer.schedule(vs2, src, SimTime::ZERO).unwrap().to_string(),
            "10.244.0.3:8080"
        );

        let (s, e) = objects(3, true);
        let mut sticky = generate(&s, &e, &facts(), Scheduler::Rr);
        let vs = sticky.find(Protocol::Tcp, vip, 80).unwrap();
        let c = Ipv4Addr::new(10, 0, 0, 7);
        let first = sticky.schedule(vs, c, SimTime::ZERO);
        let mut resynced = generate(&s, &e, &facts(), Scheduler::Rr);
        resynced.carry_over(sticky, SimTime::ZERO, SimTime::ZERO);
        for t in [10, 20, 30] {
            assert_eq!(resynced.schedule(vs, c, SimTime::from_secs(t)), first);
        }
    }

    #[test]
    fn a_removed_tcp_real_server_drains_at_weight_zero() {
        // graceful_termination.go: weight 0 while it has connections,
        // deleted at the first one-minute check that finds none.
        let vip = Ipv4Addr::new(10, 96, 0, 10);
        let src = Ipv4Addr::new(10, 0, 0, 9);
        let (s, e) = objects(3, false);
        let mut st = generate(&s, &e, &facts(), Scheduler::Rr);
        let vs = st.find(Protocol::Tcp, vip, 80).unwrap();
        let picks: Vec<Endpoint4> = (0..3)
            .map(|_| st.schedule(vs, src, SimTime::ZERO).unwrap())
            .collect();
        let gone = picks[1]; // 10.244.0.2, one open connection
        st.release(vs, picks[2], SimTime::ZERO); // 10.244.0.3: inactive
        let (s2, mut e2) = objects(3, false);
        e2[0].endpoints.retain(|ep| ep.addresses[0] != "10.244.0.2");
        let t = SimTime::from_secs(10);
        let mut next = generate(&s2, &e2, &facts(), Scheduler::Rr);
        next.carry_over(st, t, t);
        let vs = next.find(Protocol::Tcp, vip, 80).unwrap();
        let row = |st: &IpvsState, now| {
            st.render_ipvsadm(now)
                .lines()
                .filter(|l| l.contains("10.244.0.2:8080"))
                .map(|l| l.split_whitespace().skip(3).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
        };
        // Still listed, weight 0, its connection active; never picked.
        assert_eq!(row(&next, t), ["0 1 0"]);
        for _ in 0..6 {
            assert_ne!(next.schedule(vs, src, t), Some(gone));
        }
        // The connection closes at 30 s: inactive until 150 s, then the
        // check at 180 s deletes it.
        next.release(vs, gone, SimTime::from_secs(30));
        assert_eq!(row(&next, SimTime::from_secs(31)), ["0 0 1"]);
        assert_eq!(row(&next, SimTime::from_secs(179)), ["0 0 0"]);
        assert!(row(&next, SimTime::from_secs(180)).is_empty());
        // A real server with no connection left goes at once.
        let mut idle = generate(&s, &e, &facts(), Scheduler::Rr);
        let mut again = generate(&s2, &e2, &facts(), Scheduler::Rr);
        idle.release(vs, gone, t);
        again.carry_over(idle, t, t);
        assert!(row(&again, t).is_empty());
    }

    #[test]
    fn ipvsadm_rendering() {
        let (s, e) = objects(1, true);
        let st = generate(&s, &e, &facts(), Scheduler::Rr);
        let text = st.render_ipvsadm(SimTime::ZERO);
        assert!(text.contains("TCP  10.96.0.10:80 rr persistent 10800\n  -> 10.244.0.1:8080              Masq    1      0          0         \n"), "{text}");
        assert!(text.contains("TCP  192.168.0.2:30080 rr persistent 10800\n"));
        let rules = st.rules.render_save();
        assert!(rules.contains("-A KUBE-SERVICES -m comment --comment \"Kubernetes service cluster ip + port for masquerade purpose\" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"), "{rules}");
        assert!(rules.contains("-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port for masquerade purpose\" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ\n"));
    }
}
