//! kube-proxy's iptables mode: the full sync, as structured rules.
//!
//! [`generate`] follows `syncProxyRules` in pkg/proxy/iptables/proxier.go
//! (v1.31–v1.33): the fixed chains and rules, then per service port the
//! KUBE-SERVICES / KUBE-NODEPORTS entry rules, the filter REJECT/DROP rules
//! for missing endpoints, the KUBE-EXT / KUBE-FW / KUBE-SVC / KUBE-SVL /
//! KUBE-SEP chains. It writes what the unit tests' fake proxier writes (mark
//! `0x4000`, nfacct counters available, no `--random-fully` unless the node
//! facts ask), and stores chains and rules in the order the tests normalise
//! to (`sortIPTablesRules` in proxier_test.go), so rendering needs no sort.
//!
//! Built-in chains (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING) carry the
//! jump rules of `iptablesJumpChains` and `iptablesKubeletJumpChains`, so the
//! interpreter can start from the kernel hooks.

use super::hash::{endpoint_hash, port_proto_hash};
use super::rules::{
    format_probability, Addr, Chain, CtState, Match, RecentAction, Rule, Ruleset, Table, TableName,
    Target,
};
use super::{categorize, service_ports, NodeFacts, ServicePortInfo};
use crate::model::{EndpointSlice, Service};
use crate::net::{Cidr, Ipv4Addr};
use crate::vecmap::VecMap;

pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
pub const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
pub const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
pub const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
pub const KUBE_FORWARD: &str = "KUBE-FORWARD";
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
pub const KUBE_FIREWALL: &str = "KUBE-FIREWALL";

/// `largeClusterEndpointsThreshold` (proxier.go): above this many endpoints,
/// per-endpoint rules lose their comments to keep the restore input small.
pub const LARGE_CLUSTER_ENDPOINTS_THRESHOLD: usize = 1000;

/// nfacct counter names kube-proxy attaches (pkg/proxy/metrics).
const NFACCT_LOCALHOST_NODEPORTS: &str = "localhost_nps_accepted_pkts";
const NFACCT_INVALID_CT: &str = "ct_state_invalid_dropped_pkts";

/// The chain names of one service port (they share one hash suffix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceChains {
    pub svc: String,
    pub svl: String,
    pub ext: String,
    pub fw: String,
}

impl ServiceChains {
    pub fn for_port(sp: &ServicePortInfo) -> ServiceChains {
        let h = port_proto_hash(&sp.spn, sp.protocol.lower());
        ServiceChains {
            svc: format!("KUBE-SVC-{h}"),
            svl: format!("KUBE-SVL-{h}"),
            ext: format!("KUBE-EXT-{h}"),
            fw: format!("KUBE-FW-{h}"),
        }
    }
}

/// The KUBE-SEP chain of one endpoint of a service port.
pub fn sep_chain_name(sp: &ServicePortInfo, endpoint: &str) -> String {
    format!(
        "KUBE-SEP-{}",
        endpoint_hash(&sp.spn, sp.protocol.lower(), endpoint)
    )
}

/// Full sync for one node: kube-proxy's filter and nat tables.
pub fn generate(services: &[Service], slices: &[EndpointSlice], facts: &NodeFacts) -> Ruleset {
    generate_from_ports(&service_ports(services, slices, facts), facts)
}

/// Chains of one table while they are being written.
///
/// The fixed chains (KUBE-SERVICES, built-ins, ...) live in a small map.
/// Per-service chains (KUBE-SVC/SVL/EXT/FW/SEP) are unique to one service
/// port, so they are appended to a vector and looked up only within the
/// window of the service port being written ([`TableBuf::begin_service`]),
/// which keeps a 5,000-Service sync free of big-map lookups.
#[derive(Default)]
pub(super) struct TableBuf {
    fixed: VecMap<String, (bool, Vec<Rule>)>,
    service: Vec<Chain>,
    window: usize,
}

fn is_service_chain(name: &str) -> bool {
    [
        "KUBE-SVC-",
        "KUBE-SVL-",
        "KUBE-EXT-",
        "KUBE-FW-",
        "KUBE-SEP-",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

impl TableBuf {
    /// Start writing a new service port's chains.
    pub(super) fn begin_service(&mut self) {
        self.window = self.service.len();
    }
    fn service_chain(&mut self, name: &str) -> &mut Vec<Rule> {
        let found = self.service[self.window..]
            .iter()
            .rposition(|c| c.name == name)
            .map(|i| i + self.window);
        let i = match found {
            Some(i) => i,
            None => {
                self.service.push(Chain {
                    name: name.to_string(),
                    builtin: false,
                    rules: Vec::new(),
                });
                self.service.len() - 1
            }
        };
        &mut self.service[i].rules
    }
    pub(super) fn declare(&mut self, name: &str) {
        if is_service_chain(name) {
            self.service_chain(name);
        } else {
            self.fixed.entry(name.to_string()).or_default();
        }
    }
    pub(super) fn builtin(&mut self, name: &str) {
        self.fixed.entry(name.to_string()).or_default().0 = true;
    }
    pub(super) fn push(&mut self, chain: &str, rule: Rule) {
        if is_service_chain(chain) {
            self.service_chain(chain).push(rule);
        } else {
            match self.fixed.get_mut(chain) {
                Some(c) => c.1.push(rule),
                None => {
                    self.fixed.insert(chain.to_string(), (false, vec![rule]));
                }
            }
        }
    }

    /// Chains in `sortIPTablesRules` order: KUBE-NODEPORTS, KUBE-SERVICES,
    /// other KUBE-* alphabetically, then the rest alphabetically. The
    /// service-entry chains are stable-sorted by comment, the nat
    /// KUBE-SERVICES "must be the last rule" rule staying last.
    pub(super) fn finish(self, name: TableName) -> Table {
        self.finish_sorted(name, true)
    }

    /// `sort_entry_rules` false keeps every chain's rules as written (IPVS
    /// mode, whose KUBE-SERVICES order matters and has no per-service rules).
    pub(super) fn finish_sorted(self, name: TableName, sort_entry_rules: bool) -> Table {
        let rank = |n: &str| match n {
            KUBE_NODEPORTS => 0,
            KUBE_SERVICES => 1,
            _ if n.starts_with("KUBE-") => 2,
            _ => 3,
        };
        let order = |a: &Chain, b: &Chain| {
            rank(&a.name)
                .cmp(&rank(&b.name))
                .then_with(|| a.name.cmp(&b.name))
        };
        // The many per-service chains all rank as KUBE-*, so a plain name
        // sort orders them; the few fixed chains are sorted on their own, and
        // a stable sort of the two sorted runs is then a linear merge.
        let mut service = self.service;
        crate::order::sort_by(&mut service, |a, b| a.name.cmp(&b.name));
        let mut chains: Vec<Chain> = self
            .fixed
            .into_iter()
            .map(|(name, (builtin, rules))| Chain {
                name,
                builtin,
                rules,
            })
            .collect();
        crate::order::sort_by(&mut chains, order);
        chains.extend(service);
        crate::order::sort_by(&mut chains, order);
        for c in &mut chains {
            if sort_entry_rules && (c.name == KUBE_NODEPORTS || c.name == KUBE_SERVICES) {
                let key = |r: &Rule| {
                    let cm = r.comment().unwrap_or("");
                    (cm.contains("must be the last rule"), cm.to_string())
                };
                crate::order::sort_by_cached_key(&mut c.rules, key);
            }
        }
        Table::new(name, chains)
    }
}

/// The masquerade machinery both modes write (proxier.go `syncProxyRules`
/// in pkg/proxy/iptables and pkg/proxy/ipvs): KUBE-POSTROUTING returns
/// unless the packet carries the masquerade mark, clears the mark and
/// masquerades; KUBE-MARK-MASQ sets the mark.
pub(super) fn push_masquerade_rules(nat: &mut TableBuf, mark: u32, random_fully: bool) {
    nat.push(
        KUBE_POSTROUTING,
        Rule::new(
            vec![Match::Mark {
                value: mark,
                mask: mark,
                negated: true,
            }],
            Target::Return,
        ),
    );
    nat.push(KUBE_POSTROUTING, Rule::new(vec![], Target::MarkXor(mark)));
    nat.push(
        KUBE_POSTROUTING,
        Rule::new(
            vec![comment("kubernetes service traffic requiring SNAT")],
            Target::Masquerade { random_fully },
        ),
    );
    nat.push(KUBE_MARK_MASQ, Rule::new(vec![], Target::MarkOr(mark)));
}

fn comment(s: impl Into<String>) -> Match {
    Match::Comment(s.into())
}
fn proto(sp: &ServicePortInfo) -> Match {
    Match::Protocol {
        proto: sp.protocol,
        module: true,
    }
}
fn dst_ip(ip: Ipv4Addr) -> Match {
    Match::Destination {
        addr: Addr::Ip(ip),
        negated: false,
    }
}
fn jump(c: &str) -> Target {
    Target::Jump(c.to_string())
}
fn loopback_net() -> Cidr {
    Cidr {
        addr: Ipv4Addr::new(127, 0, 0, 0),
        prefix: 8,
    }
}

/// [`generate`] from already-extracted service ports (sorted by name).
pub fn generate_from_ports(ports: &[ServicePortInfo], facts: &NodeFacts) -> Ruleset {
    let mark = facts.masq_mark();
    let mut filter = TableBuf::default();
    let mut nat = TableBuf::default();

    write_jump_chains(&mut filter, &mut nat, facts);

    // Fixed filter content (written on every sync).
    for c in [
        KUBE_SERVICES,
        KUBE_EXTERNAL_SERVICES,
        KUBE_FORWARD,
        KUBE_NODEPORTS,
        KUBE_PROXY_FIREWALL,
    ] {
        filter.declare(c);
    }
    if facts.localhost_node_ports {
        filter.push(
            KUBE_FIREWALL,
            Rule::new(
                vec![
                    comment("block incoming localnet connections"),
                    Match::Destination {
                        addr: Addr::Net(loopback_net()),
                        negated: false,
                    },
                    Match::Source {
                        addr: Addr::Net(loopback_net()),
                        negated: true,
                    },
                    Match::ConnState {
                        states: vec![CtState::Related, CtState::Established, CtState::Dnat],
                        negated: true,
                    },
                ],
                Target::Drop,
            ),
        );
    }
    // KUBE-FORWARD; the INVALID drop is written because the fake (like a
    // default node) has nf_conntrack_tcp_be_liberal = 0.
    filter.push(
        KUBE_FORWARD,
        Rule::new(
            vec![
                Match::ConnState {
                    states: vec![CtState::Invalid],
                    negated: false,
                },
                Match::Nfacct(NFACCT_INVALID_CT.into()),
            ],
            Target::Drop,
        ),
    );
    filter.push(
        KUBE_FORWARD,
        Rule::new(
            vec![
                comment("kubernetes forwarding rules"),
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
                comment("kubernetes forwarding conntrack rule"),
                Match::ConnState {
                    states: vec![CtState::Related, CtState::Established],
                    negated: false,
                },
            ],
            Target::Accept,
        ),
    );

    // Fixed nat content.
    for c in [
        KUBE_SERVICES,
        KUBE_NODEPORTS,
        KUBE_POSTROUTING,
        KUBE_MARK_MASQ,
    ] {
        nat.declare(c);
    }
    push_masquerade_rules(&mut nat, mark, facts.random_fully);

    // Large-cluster mode counts every endpoint of every service port.
    let total_endpoints: usize = ports.iter().map(|p| p.endpoints.len()).sum();
    let large = total_endpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;

    for sp in ports {
        filter.begin_service();
        nat.begin_service();
        write_service_port(&mut filter, &mut nat, sp, facts, large);
    }

    // The last rule of nat KUBE-SERVICES.
    let mut last = vec![
        comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
        Match::AddrTypeLocal {
            source: false,
            negated: false,
        },
    ];
    if !facts.localhost_node_ports {
        last.push(Match::Destination {
            addr: Addr::Net(loopback_net()),
            negated: true,
        });
    }
    nat.push(KUBE_SERVICES, Rule::new(last, jump(KUBE_NODEPORTS)));

    Ruleset {
        tables: vec![filter.finish(TableName::Filter), nat.finish(TableName::Nat)],
        local_addrs: facts.node_ips.clone(),
        ipsets: Default::default(),
    }
}

/// `iptablesJumpChains` + `iptablesKubeletJumpChains` (proxier.go), each
/// installed with `EnsureRule(Prepend, ...)`: the last entry for a built-in
/// chain ends up first. Rule text: extra args, comment, `-j`.
fn write_jump_chains(filter: &mut TableBuf, nat: &mut TableBuf, facts: &NodeFacts) {
    let new = || Match::ConnState {
        states: vec![CtState::New],
        negated: false,
    };
    // (table is nat, dst, src, comment, ctstate NEW?)
    let mut list: Vec<(bool, &str, &str, &str, bool)> = vec![
        (
            false,
            KUBE_EXTERNAL_SERVICES,
            "INPUT",
            "kubernetes externally-visible service portals",
            true,
        ),
        (
            false,
            KUBE_EXTERNAL_SERVICES,
            "FORWARD",
            "kubernetes externally-visible service portals",
            true,
        ),
        (
            false,
            KUBE_NODEPORTS,
            "INPUT",
            "kubernetes health check service ports",
            false,
        ),
        (
            false,
            KUBE_SERVICES,
            "FORWARD",
            "kubernetes service portals",
            true,
        ),
        (
            false,
            KUBE_SERVICES,
            "OUTPUT",
            "kubernetes service portals",
            true,
        ),
        (
            false,
            KUBE_FORWARD,
            "FORWARD",
            "kubernetes forwarding rules",
            false,
        ),
        (
            false,
            KUBE_PROXY_FIREWALL,
            "INPUT",
            "kubernetes load balancer firewall",
            true,
        ),
        (
            false,
            KUBE_PROXY_FIREWALL,
            "OUTPUT",
            "kubernetes load balancer firewall",
            true,
        ),
        (
            false,
            KUBE_PROXY_FIREWALL,
            "FORWARD",
            "kubernetes load balancer firewall",
            true,
        ),
        (
            true,
            KUBE_SERVICES,
            "OUTPUT",
            "kubernetes service portals",
            false,
        ),
        (
            true,
            KUBE_SERVICES,
            "PREROUTING",
            "kubernetes service portals",
            false,
        ),
        (
            true,
            KUBE_POSTROUTING,
            "POSTROUTING",
            "kubernetes postrouting rules",
            false,
        ),
    ];
    if facts.localhost_node_ports {
        list.push((false, KUBE_FIREWALL, "INPUT", "", false));
        list.push((false, KUBE_FIREWALL, "OUTPUT", "", false));
    }
    for c in ["INPUT", "FORWARD", "OUTPUT"] {
        filter.builtin(c);
    }
    for c in ["PREROUTING", "OUTPUT", "POSTROUTING"] {
        nat.builtin(c);
    }
    for (is_nat, dst, src, text, ct_new) in list.into_iter().rev() {
        let mut m = Vec::new();
        if ct_new {
            m.push(new());
        }
        if !text.is_empty() {
            m.push(comment(text));
        }
        let t = if is_nat { &mut *nat } else { &mut *filter };
        t.push(src, Rule::new(m, jump(dst)));
    }
}

/// The per-service-port part of `syncProxyRules`.
fn write_service_port(
    filter: &mut TableBuf,
    nat: &mut TableBuf,
    sp: &ServicePortInfo,
    facts: &NodeFacts,
    large: bool,
) {
    let spn = sp.spn.as_str();
    let names = ServiceChains::for_port(sp);
    let cat = categorize(sp);
    let has_endpoints = cat.has_any;
    // SEP chain names, hashed once per reachable endpoint.
    let mut seps: Vec<String> = vec![String::new(); sp.endpoints.len()];
    for &i in &cat.all_reachable {
        seps[i] = sep_chain_name(sp, &sp.endpoints[i].text);
    }

    let uses_cluster_chain = !cat.cluster.is_empty() && sp.uses_cluster_endpoints();
    let uses_local_chain = !cat.local.is_empty() && sp.uses_local_endpoints();

    let mut internal_chain = names.svc.as_str();
    let mut has_internal = has_endpoints;
    if sp.internal_policy_local {
        internal_chain = names.svl.as_str();
        if cat.local.is_empty() {
            has_internal = false;
        }
    }
    let mut external_policy_chain = names.svc.as_str();
    let mut has_external = has_endpoints;
    if sp.external_policy_local {
        external_policy_chain = names.svl.as_str();
        if cat.local.is_empty() {
            has_external = false;
        }
    }
    let ext_chain = names.ext.as_str();
    let uses_ext_chain = has_endpoints && sp.externally_accessible();
    let uses_fw_chain = has_endpoints && !sp.lb_vips.is_empty() && !sp.lb_source_ranges.is_empty();
    let lb_chain = if uses_fw_chain {
        names.fw.as_str()
    } else {
        ext_chain
    };

    let (internal_filter, external_filter) = if !has_endpoints {
        let c = format!("{spn} has no endpoints");
        (Some((Target::Reject, c.clone())), Some((Target::Reject, c)))
    } else {
        let c = format!("{spn} has no local endpoints");
        (
            (!has_internal).then(|| (Target::Drop, c.clone())),
            (!has_external).then_some((Target::Drop, c)),
        )
    };

    let vip_matches = |text: String, ip: Ipv4Addr, port: u16| {
        vec![comment(text), proto(sp), dst_ip(ip), Match::DestPort(port)]
    };

    // ClusterIP.
    if has_internal {
        nat.push(
            KUBE_SERVICES,
            Rule::new(
                vip_matches(format!("{spn} cluster IP"), sp.cluster_ip, sp.port),
                jump(internal_chain),
            ),
        );
    } else if let Some((t, c)) = &internal_filter {
        filter.push(
            KUBE_SERVICES,
            Rule::new(vip_matches(c.clone(), sp.cluster_ip, sp.port), t.clone()),
        );
    }

    // externalIPs.
    for &eip in &sp.external_ips {
        if has_endpoints {
            nat.push(
                KUBE_SERVICES,
                Rule::new(
                    vip_matches(format!("{spn} external IP"), eip, sp.port),
                    jump(ext_chain),
                ),
            );
        }
        if let Some((t, c)) = &external_filter {
            filter.push(
                KUBE_EXTERNAL_SERVICES,
                Rule::new(vip_matches(c.clone(), eip, sp.port), t.clone()),
            );
        }
    }

    // LoadBalancer VIPs.
    for &lbip in &sp.lb_vips {
        if has_endpoints {
            nat.push(
                KUBE_SERVICES,
                Rule::new(
                    vip_matches(format!("{spn} loadbalancer IP"), lbip, sp.port),
                    jump(lb_chain),
                ),
            );
        }
        if uses_fw_chain {
            filter.push(
                KUBE_PROXY_FIREWALL,
                Rule::new(
                    vip_matches(
                        format!("{spn} traffic not accepted by {}", names.fw),
                        lbip,
                        sp.port,
                    ),
                    Target::Drop,
                ),
            );
        }
    }
    if let Some((t, c)) = &external_filter {
        for &lbip in &sp.lb_vips {
            filter.push(
                KUBE_EXTERNAL_SERVICES,
                Rule::new(vip_matches(c.clone(), lbip, sp.port), t.clone()),
            );
        }
    }

    // NodePort.
    if sp.node_port != 0 {
        if has_endpoints {
            if facts.localhost_node_ports {
                nat.push(
                    KUBE_NODEPORTS,
                    Rule::new(
                        vec![
                            comment(spn),
                            proto(sp),
                            Match::Destination {
                                addr: Addr::Net(loopback_net()),
                                negated: false,
                            },
                            Match::DestPort(sp.node_port),
                            Match::Nfacct(NFACCT_LOCALHOST_NODEPORTS.into()),
                        ],
                        jump(ext_chain),
                    ),
                );
            }
            nat.push(
                KUBE_NODEPORTS,
                Rule::new(
                    vec![comment(spn), proto(sp), Match::DestPort(sp.node_port)],
                    jump(ext_chain),
                ),
            );
        }
        if let Some((t, c)) = &external_filter {
            filter.push(
                KUBE_EXTERNAL_SERVICES,
                Rule::new(
                    vec![
                        comment(c.clone()),
                        Match::AddrTypeLocal {
                            source: false,
                            negated: false,
                        },
                        proto(sp),
                        Match::DestPort(sp.node_port),
                    ],
                    t.clone(),
                ),
            );
        }
    }

    // Health-check NodePort: accepted whether or not there are endpoints.
    if sp.health_check_node_port != 0 {
        filter.push(
            KUBE_NODEPORTS,
            Rule::new(
                vec![
                    comment(format!("{spn} health check node port")),
                    Match::Protocol {
                        proto: crate::net::Protocol::Tcp,
                        module: true,
                    },
                    Match::DestPort(sp.health_check_node_port),
                ],
                Target::Accept,
            ),
        );
    }

    // Internal traffic: masquerade off-cluster sources to the ClusterIP.
    if has_internal {
        let mut m = vip_matches(format!("{spn} cluster IP"), sp.cluster_ip, sp.port);
        let write = if facts.masquerade_all {
            true
        } else if let Some(cidr) = facts.cluster_cidr {
            m.push(Match::Source {
                addr: Addr::Net(cidr),
                negated: true,
            });
            true
        } else {
            false
        };
        if write {
            nat.push(internal_chain, Rule::new(m, jump(KUBE_MARK_MASQ)));
        }
    }

    // External traffic chain.
    if uses_ext_chain {
        nat.declare(ext_chain);
        if !sp.external_policy_local {
            nat.push(
                ext_chain,
                Rule::new(
                    vec![comment(format!(
                        "masquerade traffic for {spn} external destinations"
                    ))],
                    jump(KUBE_MARK_MASQ),
                ),
            );
        } else {
            if let Some(cidr) = facts.cluster_cidr {
                nat.push(
                    ext_chain,
                    Rule::new(
                        vec![
                            comment(format!("pod traffic for {spn} external destinations")),
                            Match::Source {
                                addr: Addr::Net(cidr),
                                negated: false,
                            },
                        ],
                        jump(&names.svc),
                    ),
                );
            }
            let src_local = Match::AddrTypeLocal {
                source: true,
                negated: false,
            };
            nat.push(
                ext_chain,
                Rule::new(
                    vec![
                        comment(format!(
                            "masquerade LOCAL traffic for {spn} external destinations"
                        )),
                        src_local.clone(),
                    ],
                    jump(KUBE_MARK_MASQ),
                ),
            );
            nat.push(
                ext_chain,
                Rule::new(
                    vec![
                        comment(format!(
                            "route LOCAL traffic for {spn} external destinations"
                        )),
                        src_local,
                    ],
                    jump(&names.svc),
                ),
            );
        }
        if has_external {
            nat.push(ext_chain, Rule::new(vec![], jump(external_policy_chain)));
        }
    }

    // Firewall chain for loadBalancerSourceRanges.
    if uses_fw_chain {
        nat.declare(&names.fw);
        let text = format!("{spn} loadbalancer IP");
        let mut allow_from_node = false;
        for cidr in &sp.lb_source_ranges {
            nat.push(
                &names.fw,
                Rule::new(
                    vec![
                        comment(text.clone()),
                        Match::Source {
                            addr: Addr::Net(*cidr),
                            negated: false,
                        },
                    ],
                    jump(ext_chain),
                ),
            );
            if facts.primary_ip().is_some_and(|ip| cidr.contains(ip)) {
                allow_from_node = true;
            }
        }
        // VIP-like load balancers loop node-originated traffic back with the
        // VIP as source; let it through.
        if allow_from_node {
            for &lbip in &sp.lb_vips {
                nat.push(
                    &names.fw,
                    Rule::new(
                        vec![
                            comment(text.clone()),
                            Match::Source {
                                addr: Addr::Ip(lbip),
                                negated: false,
                            },
                        ],
                        jump(ext_chain),
                    ),
                );
            }
        }
        nat.push(
            &names.fw,
            Rule {
                matches: vec![comment(format!(
                    "other traffic to {spn} will be dropped by KUBE-PROXY-FIREWALL"
                ))],
                target: None,
            },
        );
    }

    if uses_cluster_chain {
        nat.declare(&names.svc);
        write_endpoint_rules(nat, sp, &names.svc, &cat.cluster, &seps, large);
    }
    if uses_local_chain {
        nat.declare(&names.svl);
        write_endpoint_rules(nat, sp, &names.svl, &cat.local, &seps, large);
    }

    // KUBE-SEP chains.
    for &i in &cat.all_reachable {
        let ep = &sp.endpoints[i];
        let sep = seps[i].clone();
        nat.declare(&sep);
        let base = if large { vec![] } else { vec![comment(spn)] };
        let mut hairpin = base.clone();
        hairpin.push(Match::Source {
            addr: Addr::Ip(ep.addr.ip),
            negated: false,
        });
        nat.push(&sep, Rule::new(hairpin, jump(KUBE_MARK_MASQ)));
        let mut dnat = base;
        if sp.affinity_seconds.is_some() {
            dnat.push(Match::Recent {
                name: sep.clone(),
                action: RecentAction::Set,
            });
        }
        dnat.push(proto(sp));
        nat.push(&sep, Rule::new(dnat, Target::Dnat(ep.addr)));
    }
}

/// `writeServiceToEndpointRules` (proxier.go): affinity checks first, then
/// the statistic cascade with probability 1/(n-i), the last rule certain.
fn write_endpoint_rules(
    nat: &mut TableBuf,
    sp: &ServicePortInfo,
    chain: &str,
    eps: &[usize],
    seps: &[String],
    large: bool,
) {
    let comment_for = |i: usize| {
        if large {
            vec![]
        } else {
            vec![comment(format!("{} -> {}", sp.spn, sp.endpoints[i].text))]
        }
    };
    if let Some(seconds) = sp.affinity_seconds {
        for &i in eps {
            let sep = seps[i].clone();
            let mut m = comment_for(i);
            m.push(Match::Recent {
                name: sep.clone(),
                action: RecentAction::Rcheck {
                    seconds,
                    reap: true,
                },
            });
            nat.push(chain, Rule::new(m, Target::Jump(sep)));
        }
    }
    let n = eps.len();
    for (k, &i) in eps.iter().enumerate() {
        let sep = seps[i].clone();
        let mut m = comment_for(i);
        if k + 1 < n {
            m.push(Match::Statistic {
                probability: probability(n - k),
            });
        }
        nat.push(chain, Rule::new(m, Target::Jump(sep)));
    }
}

/// `computeProbability`: 1/n as kube-proxy writes it (`%0.10f`), returned
/// as the value of that text so the interpreter converts exactly what the
/// kernel would have been given.
pub fn probability(n: usize) -> f64 {
    let p = 1.0 / n as f64;
    // The text is always a valid float literal; fall back to p regardless.
    crate::decimal::parse(&format_probability(p)).unwrap_or(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::testutil::{facts, objects};

    fn text(services: &[Service], slices: &[EndpointSlice], facts: &NodeFacts) -> String {
        generate(services, slices, facts).render_save()
    }

    #[test]
    fn detector_and_masquerade_all_shape_the_cluster_ip_rule() {
        let (s, e) = objects(1, false);
        let masq = "-A KUBE-SVC-";
        let with = text(&s, &e, &facts());
        assert!(with
            .lines()
            .any(|l| l.starts_with(masq)
                && l.ends_with("--dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ")));
        let mut f = facts();
        f.cluster_cidr = None;
        let none = text(&s, &e, &f);
        assert!(!none.contains("! -s 10.0.0.0/8"));
        assert!(!none
            .lines()
            .any(|l| l.starts_with(masq) && l.contains("KUBE-MARK-MASQ")));
        f.masquerade_all = true;
        let all = text(&s, &e, &f);
        assert!(all
            .lines()
            .any(|l| l.starts_with(masq) && l.ends_with("--dport 80 -j KUBE-MARK-MASQ")));
    }

    #[test]
    fn headless_and_external_name_get_no_rules() {
        let (mut s, e) = objects(2, false);
        let empty = text(&[], &[], &facts());
        s[0].spec.cluster_ip = Some("None".into());
        assert_eq!(text(&s, &e, &facts()), empty);
        s[0].spec.cluster_ip = Some("10.96.0.10".into());
        s[0].spec.type_ = Some("ExternalName".into());
        assert_eq!(text(&s, &e, &facts()), empty);
    }

    #[test]
    fn internal_policy_local_without_local_endpoints_drops() {
        let (mut s, mut e) = objects(2, false);
        s[0].spec.type_ = Some("ClusterIP".into());
        s[0].spec.ports[0].node_port = None;
        s[0].spec.internal_traffic_policy = Some("Local".into());
        e[0].endpoints
            .iter_mut()
            .for_each(|ep| ep.node_name = Some("elsewhere".into()));
        let t = text(&s, &e, &facts());
        assert!(t.contains("-A KUBE-SERVICES -m comment --comment \"ns/web:http has no local endpoints\" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j DROP\n"), "{t}");
        assert!(!t.contains("KUBE-SVC-") && !t.contains("KUBE-SEP-"), "{t}");
    }

    #[test]
    fn large_cluster_mode_drops_endpoint_comments() {
        // 1001 endpoints across the cluster switch large-cluster mode on.
        let (s, mut e) = objects(3, false);
        let small = text(&s, &e, &facts());
        assert!(small.contains("-m comment --comment \"ns/web:http -> 10.244.0.1:8080\""));
        let template = e[0].endpoints[0].clone();
        e[0].endpoints = (0..1001u32)
            .map(|i| {
                let mut ep = template.clone();
                ep.addresses = vec![format!("10.245.{}.{}", i / 200, i % 200 + 1)];
                ep
            })
            .collect();
        let big = text(&s, &e, &facts());
        assert!(!big.contains(" -> 10.245."));
        assert!(big.contains("-m comment --comment \"ns/web:http cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ"));
        assert!(big.lines().any(|l| l.starts_with("-A KUBE-SEP-")
            && l.ends_with("-j DNAT --to-destination 10.245.0.1:8080")
            && !l.contains("comment")));
    }

    #[test]
    fn probability_cascade_values() {
        let (s, e) = objects(4, false);
        let t = text(&s, &e, &facts());
        let probs: Vec<&str> = t
            .lines()
            .filter_map(|l| l.split("--probability ").nth(1))
            .map(|r| r.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(probs, ["0.2500000000", "0.3333333333", "0.5000000000"]);
    }

    #[test]
    fn builtin_jumps_are_prepended_in_kube_proxy_order() {
        let (s, e) = objects(1, false);
        let t = generate(&s, &e, &facts()).render_with_builtins();
        let input: Vec<&str> = t.lines().filter(|l| l.starts_with("-A INPUT ")).collect();
        assert_eq!(
            input,
            [
                "-A INPUT -j KUBE-FIREWALL",
                "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
                "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS",
                "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
            ]
        );
        assert!(t.starts_with("*filter\n:FORWARD ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-NODEPORTS - [0:0]\n"));
        assert!(t.contains(
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        ));
    }
}
