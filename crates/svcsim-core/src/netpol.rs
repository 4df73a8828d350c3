//! NetworkPolicy (`networking.k8s.io/v1`) evaluation on the simulated data
//! path: given a connection's source, its post-DNAT destination pod, the
//! destination (target) port and the protocol, decide whether the policies in
//! force allow it, and say why.
//!
//! The semantics follow the API field docs (`k8s.io/api/networking/v1`
//! `types.go`), the API server's defaulting (`pkg/apis/networking/v1/
//! defaults.go`, `SetDefaults_NetworkPolicy` and `SetDefaults_NetworkPolicyPort`)
//! and the concept page "Network Policies" on kubernetes.io. The reference
//! checklist the project works from is `reference/netpol-semantics.md`; its
//! section numbers are cited below as "§n.m".
//!
//! # Model
//!
//! A connection is allowed iff the source pod's **egress** side allows it and
//! the destination pod's **ingress** side allows it (§3.4). Each side is
//! judged on its own: a pod is isolated in a direction iff some policy in its
//! namespace selects it and lists that direction in (defaulted) `policyTypes`
//! (§3.2); an isolated side allows the connection iff at least one rule of at
//! least one of those policies matches it (§3.3). Non-pod ends (external
//! clients, nodes) have no policies of their own (§1.3).
//!
//! Enforcement is **after DNAT** (§8.6): the caller passes the backend pod
//! kube-proxy picked and the Service's `targetPort`, never the ClusterIP or
//! the Service port. [`service_target_port`] does that translation for callers
//! that start from a Service. Only the packet that opens a connection is
//! judged; replies ride on conntrack (§3.6), which is the engine's business.
//!
//! # Choices where Kubernetes leaves the behaviour open
//!
//! * Traffic from a pod to itself is always allowed (§3.8: "a pod cannot block
//!   access to itself").
//! * Traffic into a pod from the node it runs on is always allowed (§3.7). The
//!   exception is applied to ingress only, as in the evaluation algorithm of
//!   §10; egress from a pod to its own node is judged by the pod's policies.
//! * `hostNetwork` pods are not modelled here; the engine should present one
//!   as [`Peer::Node`], which is what most plugins do (§9.1, option b).
//! * Invalid policy fields that the API server would have refused (a bad
//!   CIDR, an unknown protocol, a port out of range, a peer with no selector
//!   and no ipBlock) match nothing, and the index records a warning for each.
//!   CIDRs with host bits set are accepted and masked, as the API server did
//!   before `StrictIPCIDRValidation` (§2.5). IPv6 blocks never match: svcsim's
//!   clusters are IPv4 only (see `net.rs`).
//!
//! Every collection that reaches output is a `VecMap` or a sorted `Vec`, so
//! verdicts are deterministic.

use crate::model::{
    IntOrString, LabelSelector, Labels, Namespace, NetworkPolicy, NetworkPolicyPeer,
    NetworkPolicyPort, Object, Pod, Service,
};
use crate::net::{Cidr, Ipv4Addr, Protocol};
use crate::vecmap::VecMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The label the control plane puts on every namespace, set to its name
/// (kubernetes.io docs, "Targeting a Namespace by its name"; §1.5).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Which side of a connection a policy governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    /// The API spelling used in `policyTypes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }
}

/// One end of a connection, as the data path sees it after DNAT.
#[derive(Clone, Copy, Debug)]
pub enum Peer<'a> {
    /// A pod on the pod network. Its current labels, IP (`status.podIP`),
    /// node (`spec.nodeName`) and container ports are read from the object.
    Pod(&'a Pod),
    /// A node (or a `hostNetwork` pod on it): matchable only by `ipBlock`,
    /// and always allowed into pods running on that node.
    Node { name: &'a str, ip: Ipv4Addr },
    /// Anything outside the cluster: matchable only by `ipBlock`.
    External(Ipv4Addr),
}

impl Peer<'_> {
    /// The peer's IP, if it has one that parses.
    pub fn ip(&self) -> Option<Ipv4Addr> {
        match self {
            Peer::Pod(p) => p.status.pod_ip.as_deref().and_then(|s| s.parse().ok()),
            Peer::Node { ip, .. } | Peer::External(ip) => Some(*ip),
        }
    }

    /// A short human name: `ns/pod`, `node/NAME (IP)` or the bare IP.
    pub fn describe(&self) -> String {
        match self {
            Peer::Pod(p) => pod_key(p),
            Peer::Node { name, ip } => format!("node/{name} ({ip})"),
            Peer::External(ip) => ip.to_string(),
        }
    }
}

/// The outcome of [`PolicyIndex::evaluate`]: allowed iff both sides allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub allowed: bool,
    /// The source's side.
    pub egress: DirectionVerdict,
    /// The destination's side.
    pub ingress: DirectionVerdict,
}

/// What one direction decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectionVerdict {
    pub allowed: bool,
    /// The pod whose policies were consulted (`ns/name`); `None` when this
    /// side is not a pod.
    pub subject: Option<String>,
    /// True when at least one policy selects `subject` for this direction.
    pub isolated: bool,
    /// Those policies, as `ns/name`, sorted.
    pub policies: Vec<String>,
    pub reason: Reason,
}

/// Why a direction allowed or denied the connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// This side is a node or an external address: no policy applies (§1.3).
    NotAPod,
    /// Source and destination are the same pod (§3.8).
    Loopback,
    /// No policy selects the pod for this direction (§3.1).
    NotIsolated,
    /// Ingress from the node the pod runs on (§3.7).
    LocalNode,
    /// The first matching rule, in policy-name then rule order. `rule` is the
    /// index into the policy's `ingress` or `egress` list.
    AllowedByRule { policy: String, rule: usize },
    /// The pod is isolated and no rule matched; `misses` says, for every rule
    /// consulted, which half failed.
    NoRuleMatched { misses: Vec<RuleMiss> },
}

/// One rule that did not match: a rule matches only if both its peers and its
/// ports do (§4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMiss {
    pub policy: String,
    pub rule: usize,
    pub peer_matched: bool,
    pub port_matched: bool,
}

impl RuleMiss {
    /// Which half of the rule failed, in words.
    pub fn what(&self) -> &'static str {
        match (self.peer_matched, self.port_matched) {
            (false, false) => "neither peer nor port matches",
            (false, true) => "port matches, peer does not",
            (true, false) => "peer matches, port does not",
            // A rule with both halves matching would have allowed it.
            (true, true) => "matches",
        }
    }
}

/// One policy as [`PolicyIndex::summaries`] describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    /// `ns/name`.
    pub id: String,
    /// The (defaulted) `policyTypes`: the directions it isolates its pods for.
    pub ingress: bool,
    pub egress: bool,
    /// The pods its `podSelector` selects (`ns/name`, sorted).
    pub pods: Vec<String>,
}

/// Policies compiled for evaluation, with the namespace labels and pods they
/// are judged against.
#[derive(Clone, Debug, Default)]
pub struct PolicyIndex {
    /// Namespace name -> labels, with [`NAMESPACE_NAME_LABEL`] always present.
    namespaces: VecMap<String, Labels>,
    /// Policies by namespace, each list sorted by name.
    policies: VecMap<String, Vec<CompiledPolicy>>,
    /// Pods by `(namespace, name)`, for look-ups by callers.
    pods: VecMap<(String, String), Pod>,
    /// Node name -> InternalIP, for [`PolicyIndex::peer_for_ip`].
    nodes: VecMap<String, Ipv4Addr>,
    warnings: Vec<String>,
}

#[derive(Clone, Debug)]
struct CompiledPolicy {
    /// `ns/name`.
    id: String,
    pod_selector: LabelSelector,
    /// `Some` iff the direction is in the defaulted `policyTypes`.
    ingress: Option<Vec<CompiledRule>>,
    egress: Option<Vec<CompiledRule>>,
}

#[derive(Clone, Debug)]
struct CompiledRule {
    /// Empty means every peer (§4.2).
    peers: Vec<CompiledPeer>,
    /// Empty means every port of every protocol (§4.3).
    ports: Vec<CompiledPort>,
}

#[derive(Clone, Debug)]
enum CompiledPeer {
    Selectors {
        /// `None`: the policy's own namespace (null namespaceSelector, §5.4).
        namespaces: Option<LabelSelector>,
        /// `None`: every pod there.
        pods: Option<LabelSelector>,
        /// The policy's namespace, for the `None` case above.
        own_namespace: String,
    },
    IpBlock {
        cidr: Cidr,
        except: Vec<Cidr>,
    },
    /// Invalid or of another address family: matches nothing.
    Nothing,
}

#[derive(Clone, Debug)]
struct CompiledPort {
    /// `None` for a protocol the API would refuse: matches nothing.
    protocol: Option<Protocol>,
    port: PortMatch,
}

#[derive(Clone, Debug)]
enum PortMatch {
    /// No `port`: every port of the protocol (§8.2).
    Any,
    /// `port`..=`endPort` (§8.3), or a single port.
    Range(u16, u16),
    /// Resolved on the destination pod (§8.4).
    Named(String),
    Nothing,
}

fn pod_key(p: &Pod) -> String {
    format!("{}/{}", p.metadata.ns(), p.metadata.name)
}

/// Labels of a namespace as the API server stores them: the given labels
/// plus the immutable name label, which the control plane always sets.
fn namespace_labels(name: &str, given: &Labels) -> Labels {
    let mut labels = given.clone();
    labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.to_string());
    labels
}

fn parse_protocol(p: Option<&str>) -> Option<Protocol> {
    // The API default is TCP (SetDefaults_NetworkPolicyPort, §2.3). The API
    // spelling is case-sensitive, so `tcp` is not accepted.
    match p.unwrap_or("TCP") {
        "TCP" => Some(Protocol::Tcp),
        "UDP" => Some(Protocol::Udp),
        "SCTP" => Some(Protocol::Sctp),
        _ => None,
    }
}

/// The result of parsing one CIDR of an ipBlock.
enum ParsedCidr {
    V4(Cidr),
    /// An IPv6 block: valid, but never matches an IPv4 address (§7.1).
    OtherFamily,
    Invalid,
}

fn parse_cidr(s: &str) -> ParsedCidr {
    let s = s.trim();
    if s.contains(':') {
        return ParsedCidr::OtherFamily;
    }
    // ipBlock CIDRs need an explicit prefix; Cidr::parse would take a bare
    // address as /32, which the API server refuses.
    if !s.contains('/') {
        return ParsedCidr::Invalid;
    }
    match Cidr::parse(s) {
        // Masked, as ParseCIDRSloppy does (§2.5).
        Some(c) => ParsedCidr::V4(Cidr {
            addr: c.network(),
            prefix: c.prefix,
        }),
        None => ParsedCidr::Invalid,
    }
}

impl PolicyIndex {
    /// Compile `policies` against the given namespaces and pods. Namespaces
    /// that pods or policies live in but that are not listed exist implicitly,
    /// labelled only with their name.
    pub fn new(namespaces: &[Namespace], pods: &[Pod], policies: &[NetworkPolicy]) -> PolicyIndex {
        let mut index = PolicyIndex::default();
        for ns in namespaces {
            let name = ns.metadata.name.clone();
            let labels = namespace_labels(&name, &ns.metadata.labels);
            index.namespaces.insert(name, labels);
        }
        for pod in pods {
            let ns = pod.metadata.ns().to_string();
            index.ensure_namespace(&ns);
            index
                .pods
                .insert((ns, pod.metadata.name.clone()), pod.clone());
        }
        for policy in policies {
            let ns = policy.metadata.ns().to_string();
            index.ensure_namespace(&ns);
            let compiled = index.compile(policy);
            index.policies.entry(ns).or_default().push(compiled);
        }
        for list in index.policies.values_mut() {
            crate::order::sort_by(list, |a, b| a.id.cmp(&b.id));
        }
        index
    }

    /// Build an index from a plain list of objects (Namespaces, Nodes, Pods,
    /// NetworkPolicies; other kinds are ignored).
    pub fn from_objects(objects: &[Object]) -> PolicyIndex {
        let mut namespaces = Vec::new();
        let mut pods = Vec::new();
        let mut policies = Vec::new();
        let mut nodes = VecMap::new();
        for o in objects {
            match o {
                Object::Namespace(n) => namespaces.push(n.clone()),
                Object::Pod(p) => pods.push(p.clone()),
                Object::NetworkPolicy(p) => policies.push(p.clone()),
                Object::Node(n) => {
                    if let Some(ip) = n.internal_ip().and_then(|s| s.parse().ok()) {
                        nodes.insert(n.metadata.name.clone(), ip);
                    }
                }
                _ => {}
            }
        }
        let mut index = PolicyIndex::new(&namespaces, &pods, &policies);
        index.nodes = nodes;
        index
    }

    fn ensure_namespace(&mut self, ns: &str) {
        if !self.namespaces.contains_key(ns) {
            self.namespaces
                .insert(ns.to_string(), namespace_labels(ns, &Labels::new()));
        }
    }

    /// Problems found while compiling policies (fields the API server would
    /// have refused). Each offending field matches nothing.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// A pod by namespace and name.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<&Pod> {
        self.pods.get(&(namespace.to_string(), name.to_string()))
    }

    /// Every pod in the index, in `(namespace, name)` order.
    pub fn pods(&self) -> impl Iterator<Item = &Pod> {
        self.pods.values()
    }

    /// The labels of a namespace, including the name label.
    pub fn namespace_labels(&self, namespace: &str) -> Option<&Labels> {
        self.namespaces.get(namespace)
    }

    /// The number of compiled policies.
    pub fn policy_count(&self) -> usize {
        self.policies.values().map(Vec::len).sum()
    }

    /// Every policy as compiled: the directions it isolates for and the pods
    /// its `podSelector` selects, in `ns/name` order. This is what a picture
    /// of "which policy applies where" needs; it uses the same defaulting
    /// (`policyTypes`, §2.1) and selector matching as [`PolicyIndex::evaluate`].
    pub fn summaries(&self) -> Vec<PolicySummary> {
        self.policies
            .iter()
            .flat_map(|(ns, list)| list.iter().map(move |p| (ns, p)))
            .map(|(ns, p)| PolicySummary {
                id: p.id.clone(),
                ingress: p.ingress.is_some(),
                egress: p.egress.is_some(),
                pods: self
                    .pods
                    .iter()
                    .filter(|((pod_ns, _), pod)| {
                        pod_ns == ns && p.pod_selector.matches(&pod.metadata.labels)
                    })
                    .map(|((pod_ns, name), _)| format!("{pod_ns}/{name}"))
                    .collect(),
            })
            .collect()
    }

    /// What an address is to the data path: a pod with that `podIP`, a node
    /// with that InternalIP (or that is some pod's `hostIP`), or external.
    pub fn peer_for_ip(&self, ip: Ipv4Addr) -> Peer<'_> {
        let text = ip.to_string();
        if let Some(p) = self
            .pods
            .values()
            .find(|p| p.status.pod_ip.as_deref() == Some(text.as_str()))
        {
            return Peer::Pod(p);
        }
        if let Some((name, ip)) = self.nodes.iter().find(|(_, n)| **n == ip) {
            return Peer::Node { name, ip: *ip };
        }
        let on_host = self.pods.values().find_map(|p| {
            let host = p.status.host_ip.as_deref()?;
            (host == text).then_some(p.spec.node_name.as_deref()?)
        });
        match on_host {
            Some(name) => Peer::Node { name, ip },
            None => Peer::External(ip),
        }
    }

    fn warn(&mut self, policy: &str, msg: String) {
        self.warnings.push(format!("NetworkPolicy {policy}: {msg}"));
    }

    fn compile(&mut self, policy: &NetworkPolicy) -> CompiledPolicy {
        let ns = policy.metadata.ns().to_string();
        let id = format!("{ns}/{}", policy.metadata.name);
        let spec = &policy.spec;
        // policyTypes defaulting (SetDefaults_NetworkPolicy, §2.1): Ingress
        // always, Egress only when there is at least one egress rule. An
        // empty list counts as absent (§2.4).
        let (mut has_ingress, mut has_egress) = (false, false);
        match spec.policy_types.as_deref() {
            Some(types) if !types.is_empty() => {
                for t in types {
                    match t.as_str() {
                        "Ingress" => has_ingress = true,
                        "Egress" => has_egress = true,
                        other => self.warn(&id, format!("unknown policyType {other:?} ignored")),
                    }
                }
            }
            _ => {
                has_ingress = true;
                has_egress = spec.egress.as_ref().is_some_and(|e| !e.is_empty());
            }
        }
        // The direction, not the presence of rules, decides isolation
        // (§2.2): a listed direction with no rules allows nothing.
        let ingress = has_ingress.then(|| {
            let rules = spec.ingress.as_deref().unwrap_or(&[]);
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    self.compile_rule(
                        &id,
                        &ns,
                        "ingress",
                        i,
                        r.from.as_deref(),
                        r.ports.as_deref(),
                    )
                })
                .collect()
        });
        let egress = has_egress.then(|| {
            let rules = spec.egress.as_deref().unwrap_or(&[]);
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    self.compile_rule(&id, &ns, "egress", i, r.to.as_deref(), r.ports.as_deref())
                })
                .collect()
        });
        CompiledPolicy {
            id,
            // An absent podSelector is the empty selector (§1.2); the model
            // already decodes it that way.
            pod_selector: spec.pod_selector.clone(),
            ingress,
            egress,
        }
    }

    fn compile_rule(
        &mut self,
        id: &str,
        ns: &str,
        dir: &str,
        index: usize,
        peers: Option<&[NetworkPolicyPeer]>,
        ports: Option<&[NetworkPolicyPort]>,
    ) -> CompiledRule {
        let peers = peers
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(j, p)| self.compile_peer(id, ns, &format!("{dir}[{index}] peer {j}"), p))
            .collect();
        let ports = ports
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(j, p)| self.compile_port(id, &format!("{dir}[{index}].ports[{j}]"), p))
            .collect();
        CompiledRule { peers, ports }
    }

    fn compile_peer(
        &mut self,
        id: &str,
        ns: &str,
        at: &str,
        peer: &NetworkPolicyPeer,
    ) -> CompiledPeer {
        let has_selector = peer.pod_selector.is_some() || peer.namespace_selector.is_some();
        match (&peer.ip_block, has_selector) {
            (Some(_), true) => {
                // ValidateNetworkPolicyPeer refuses this combination.
                self.warn(
                    id,
                    format!("{at}: ipBlock combined with a selector; matches nothing"),
                );
                CompiledPeer::Nothing
            }
            (None, false) => {
                self.warn(id, format!("{at}: empty peer; matches nothing"));
                CompiledPeer::Nothing
            }
            (None, true) => CompiledPeer::Selectors {
                namespaces: peer.namespace_selector.clone(),
                pods: peer.pod_selector.clone(),
                own_namespace: ns.to_string(),
            },
            (Some(block), false) => {
                let cidr = match parse_cidr(&block.cidr) {
                    ParsedCidr::V4(c) => c,
                    ParsedCidr::OtherFamily => return CompiledPeer::Nothing,
                    ParsedCidr::Invalid => {
                        self.warn(
                            id,
                            format!("{at}: bad ipBlock.cidr {:?}; matches nothing", block.cidr),
                        );
                        return CompiledPeer::Nothing;
                    }
                };
                let mut except = Vec::new();
                for e in block.except.iter().flatten() {
                    match parse_cidr(e) {
                        ParsedCidr::V4(c) => except.push(c),
                        // Validation would refuse a mixed-family except;
                        // it could never exclude an IPv4 address anyway.
                        ParsedCidr::OtherFamily => {}
                        ParsedCidr::Invalid => {
                            self.warn(
                                id,
                                format!("{at}: bad ipBlock.except {e:?}; block matches nothing"),
                            );
                            return CompiledPeer::Nothing;
                        }
                    }
                }
                CompiledPeer::IpBlock { cidr, except }
            }
        }
    }

    fn compile_port(&mut self, id: &str, at: &str, p: &NetworkPolicyPort) -> CompiledPort {
        let protocol = parse_protocol(p.protocol.as_deref());
        if protocol.is_none() {
            self.warn(
                id,
                format!("{at}: unknown protocol {:?}; matches nothing", p.protocol),
            );
        }
        let port = match (&p.port, p.end_port) {
            (None, None) => PortMatch::Any,
            (None, Some(_)) => {
                self.warn(id, format!("{at}: endPort without port; matches nothing"));
                PortMatch::Nothing
            }
            (Some(IntOrString::Str(name)), None) => PortMatch::Named(name.clone()),
            (Some(IntOrString::Str(_)), Some(_)) => {
                self.warn(
                    id,
                    format!("{at}: endPort with a named port; matches nothing"),
                );
                PortMatch::Nothing
            }
            (Some(IntOrString::Int(n)), end) => {
                let end = end.unwrap_or(*n);
                match (u16::try_from(*n), u16::try_from(end)) {
                    (Ok(lo), Ok(hi)) if lo >= 1 && hi >= lo => PortMatch::Range(lo, hi),
                    _ => {
                        self.warn(
                            id,
                            format!("{at}: bad port range {n}..{end}; matches nothing"),
                        );
                        PortMatch::Nothing
                    }
                }
            }
        };
        CompiledPort { protocol, port }
    }

    /// Decide whether a new connection from `src` to `dst` on `port`/`proto`
    /// is allowed. `dst` and `port` are post-DNAT: the backend pod and the
    /// Service's target port (§8.6).
    pub fn evaluate(&self, src: Peer<'_>, dst: Peer<'_>, port: u16, proto: Protocol) -> Reach {
        let loopback = match (&src, &dst) {
            (Peer::Pod(a), Peer::Pod(b)) => {
                a.metadata.ns() == b.metadata.ns() && a.metadata.name == b.metadata.name
            }
            _ => false,
        };
        let conn = Conn {
            dst: &dst,
            port,
            proto,
        };
        let egress = match src {
            Peer::Pod(pod) => self.judge(pod, Direction::Egress, &dst, &conn, loopback),
            _ => not_a_pod(),
        };
        let ingress = match dst {
            Peer::Pod(pod) => self.judge(pod, Direction::Ingress, &src, &conn, loopback),
            _ => not_a_pod(),
        };
        Reach {
            allowed: egress.allowed && ingress.allowed,
            egress,
            ingress,
        }
    }

    /// Judge one side: `subject` is the pod whose policies apply, `remote`
    /// the other end.
    fn judge(
        &self,
        subject: &Pod,
        dir: Direction,
        remote: &Peer<'_>,
        conn: &Conn<'_, '_>,
        loopback: bool,
    ) -> DirectionVerdict {
        let ns = subject.metadata.ns();
        let selecting: Vec<(&CompiledPolicy, &[CompiledRule])> = self
            .policies
            .get(ns)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let rules = match dir {
                    Direction::Ingress => p.ingress.as_deref(),
                    Direction::Egress => p.egress.as_deref(),
                }?;
                p.pod_selector
                    .matches(&subject.metadata.labels)
                    .then_some((p, rules))
            })
            .collect();
        let policies: Vec<String> = selecting.iter().map(|(p, _)| p.id.clone()).collect();
        let isolated = !selecting.is_empty();
        let verdict = |allowed: bool, reason: Reason| DirectionVerdict {
            allowed,
            subject: Some(pod_key(subject)),
            isolated,
            policies: policies.clone(),
            reason,
        };
        if loopback {
            return verdict(true, Reason::Loopback);
        }
        if !isolated {
            return verdict(true, Reason::NotIsolated);
        }
        if dir == Direction::Ingress {
            if let (Peer::Node { name, .. }, Some(own)) =
                (remote, subject.spec.node_name.as_deref())
            {
                if *name == own {
                    return verdict(true, Reason::LocalNode);
                }
            }
        }
        let mut misses = Vec::new();
        for (policy, rules) in &selecting {
            for (i, rule) in rules.iter().enumerate() {
                let peer_matched = rule.peers.is_empty()
                    || rule.peers.iter().any(|p| self.peer_matches(p, remote));
                let port_matched =
                    rule.ports.is_empty() || rule.ports.iter().any(|p| port_matches(p, conn));
                if peer_matched && port_matched {
                    return verdict(
                        true,
                        Reason::AllowedByRule {
                            policy: policy.id.clone(),
                            rule: i,
                        },
                    );
                }
                misses.push(RuleMiss {
                    policy: policy.id.clone(),
                    rule: i,
                    peer_matched,
                    port_matched,
                });
            }
        }
        verdict(false, Reason::NoRuleMatched { misses })
    }

    fn peer_matches(&self, peer: &CompiledPeer, remote: &Peer<'_>) -> bool {
        match peer {
            CompiledPeer::Nothing => false,
            // ipBlock matches any address, pod IPs included (§7.2).
            CompiledPeer::IpBlock { cidr, except } => remote
                .ip()
                .is_some_and(|ip| cidr.contains(ip) && !except.iter().any(|e| e.contains(ip))),
            CompiledPeer::Selectors {
                namespaces,
                pods,
                own_namespace,
            } => {
                // Selectors match pods only, never nodes or external IPs (§5.5).
                let Peer::Pod(pod) = remote else {
                    return false;
                };
                let pod_ns = pod.metadata.ns();
                let ns_ok = match namespaces {
                    None => pod_ns == own_namespace,
                    Some(sel) => sel.matches(&self.labels_of_namespace(pod_ns)),
                };
                ns_ok
                    && pods
                        .as_ref()
                        .is_none_or(|sel| sel.matches(&pod.metadata.labels))
            }
        }
    }

    fn labels_of_namespace(&self, ns: &str) -> Cow<'_, Labels> {
        match self.namespaces.get(ns) {
            Some(l) => Cow::Borrowed(l),
            // A pod the index was not built with, in a namespace it has
            // never seen: the namespace still carries its name label.
            None => Cow::Owned(namespace_labels(ns, &Labels::new())),
        }
    }
}

/// The connection being judged, as both sides see it.
struct Conn<'a, 'b> {
    dst: &'a Peer<'b>,
    port: u16,
    proto: Protocol,
}

fn not_a_pod() -> DirectionVerdict {
    DirectionVerdict {
        allowed: true,
        subject: None,
        isolated: false,
        policies: Vec::new(),
        reason: Reason::NotAPod,
    }
}

/// Only the destination port and protocol count (§8.1). A named port is
/// looked up on the destination pod, in both directions (§8.4).
fn port_matches(p: &CompiledPort, conn: &Conn<'_, '_>) -> bool {
    if p.protocol != Some(conn.proto) {
        return false;
    }
    match &p.port {
        PortMatch::Any => true,
        PortMatch::Range(lo, hi) => (*lo..=*hi).contains(&conn.port),
        PortMatch::Named(name) => match conn.dst {
            Peer::Pod(pod) => pod
                .spec
                .find_named_port(name, conn.proto.as_str())
                .is_some_and(|n| n == i32::from(conn.port)),
            _ => false,
        },
        PortMatch::Nothing => false,
    }
}

/// The destination port a connection to `svc`'s `port`/`proto` has after
/// kube-proxy's DNAT to `backend`: the Service port's `targetPort`, with a
/// named targetPort resolved on the backend's containers
/// (pkg/api/v1/pod/util.go, `FindPort`). An absent targetPort equals the
/// port (SetDefaults_Service). `None` when the Service has no such port or
/// the name does not resolve on this backend.
pub fn service_target_port(
    svc: &Service,
    port: u16,
    proto: Protocol,
    backend: &Pod,
) -> Option<u16> {
    let sp = svc
        .spec
        .ports
        .iter()
        .find(|sp| sp.port == i32::from(port) && sp.protocol() == proto.as_str())?;
    let target = match &sp.target_port {
        None => sp.port,
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::Str(name)) => backend.spec.find_named_port(name, proto.as_str())?,
    };
    u16::try_from(target).ok().filter(|n| *n != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Container, ContainerPort, IpBlock, NetworkPolicyEgressRule, NetworkPolicyIngressRule,
        NetworkPolicySpec, ObjectMeta, PodSpec, PodStatus,
    };

    fn pod(ns: &str, name: &str, app: &str, ip: &str) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: name.into(),
                namespace: Some(ns.into()),
                labels: [("app".to_string(), app.to_string())].into(),
                ..Default::default()
            },
            spec: PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    ports: vec![ContainerPort {
                        name: Some("http".into()),
                        container_port: 8080,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                node_name: Some("n1".into()),
                ..Default::default()
            },
            status: PodStatus {
                pod_ip: Some(ip.into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn policy(ns: &str, name: &str, spec: NetworkPolicySpec) -> NetworkPolicy {
        NetworkPolicy {
            metadata: ObjectMeta {
                name: name.into(),
                namespace: Some(ns.into()),
                ..Default::default()
            },
            spec,
            ..Default::default()
        }
    }

    #[test]
    fn policy_types_default_to_ingress_only_without_egress_rules() {
        let a = pod("x", "a", "a", "10.0.0.1");
        let b = pod("x", "b", "b", "10.0.0.2");
        let idx = PolicyIndex::new(
            &[],
            &[a.clone(), b.clone()],
            &[policy("x", "p", Default::default())],
        );
        let r = idx.evaluate(Peer::Pod(&a), Peer::Pod(&b), 80, Protocol::Tcp);
        assert!(!r.allowed);
        assert!(r.egress.allowed && !r.egress.isolated);
        assert!(r.ingress.isolated);
    }

    #[test]
    fn egress_rules_imply_egress_and_ingress_isolation() {
        let a = pod("x", "a", "a", "10.0.0.1");
        let b = pod("x", "b", "b", "10.0.0.2");
        let spec = NetworkPolicySpec {
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![NetworkPolicyPeer {
                    ip_block: Some(IpBlock {
                        cidr: "10.0.0.0/24".into(),
                        except: Some(vec!["10.0.0.2/32".into()]),
                    }),
                    ..Default::default()
                }]),
                ports: None,
            }]),
            ..Default::default()
        };
        let idx = PolicyIndex::new(&[], &[a.clone(), b.clone()], &[policy("x", "p", spec)]);
        let r = idx.evaluate(Peer::Pod(&a), Peer::Pod(&b), 80, Protocol::Tcp);
        assert!(r.egress.isolated && !r.egress.allowed);
        let ext: Ipv4Addr = "10.0.0.9".parse().unwrap();
        assert!(
            idx.evaluate(Peer::Pod(&a), Peer::External(ext), 80, Protocol::Tcp)
                .allowed
        );
        assert!(
            !idx.evaluate(Peer::External(ext), Peer::Pod(&a), 80, Protocol::Tcp)
                .allowed
        );
        assert_eq!(
            idx.evaluate(
                Peer::Node {
                    name: "n1",
                    ip: ext
                },
                Peer::Pod(&a),
                80,
                Protocol::Tcp
            )
            .ingress
            .reason,
            Reason::LocalNode
        );
    }

    #[test]
    fn named_port_needs_the_right_protocol_and_number() {
        let a = pod("x", "a", "a", "10.0.0.1");
        let b = pod("x", "b", "b", "10.0.0.2");
        let spec = NetworkPolicySpec {
            ingress: Some(vec![NetworkPolicyIngressRule {
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(IntOrString::Str("http".into())),
                    ..Default::default()
                }]),
                from: None,
            }]),
            ..Default::default()
        };
        let idx = PolicyIndex::new(&[], &[a.clone(), b.clone()], &[policy("x", "p", spec)]);
        assert!(
            idx.evaluate(Peer::Pod(&a), Peer::Pod(&b), 8080, Protocol::Tcp)
                .allowed
        );
        assert!(
            !idx.evaluate(Peer::Pod(&a), Peer::Pod(&b), 8080, Protocol::Udp)
                .allowed
        );
        assert!(
            !idx.evaluate(Peer::Pod(&a), Peer::Pod(&b), 80, Protocol::Tcp)
                .allowed
        );
        assert!(
            idx.evaluate(Peer::Pod(&b), Peer::Pod(&b), 80, Protocol::Tcp)
                .allowed
        );
    }

    #[test]
    fn cidr_with_host_bits_is_masked() {
        // The pinned e2e revision sends `<pod IP>/4`; before
        // StrictIPCIDRValidation the API server accepted it as 0.0.0.0/4.
        let spec = NetworkPolicySpec {
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    ip_block: Some(IpBlock {
                        cidr: "10.244.1.11/4".into(),
                        except: Some(vec!["10.0.0.2/32".into()]),
                    }),
                    ..Default::default()
                }]),
                ports: None,
            }]),
            ..Default::default()
        };
        let a = pod("x", "a", "a", "10.0.0.1");
        let b = pod("x", "b", "b", "10.0.0.2");
        let idx = PolicyIndex::new(&[], &[a.clone(), b.clone()], &[policy("x", "p", spec)]);
        assert!(idx.warnings().is_empty());
        let far: Ipv4Addr = "15.1.2.3".parse().unwrap();
        let out: Ipv4Addr = "16.0.0.1".parse().unwrap();
        assert!(
            idx.evaluate(Peer::External(far), Peer::Pod(&a), 80, Protocol::Tcp)
                .allowed
        );
        assert!(
            !idx.evaluate(Peer::External(out), Peer::Pod(&a), 80, Protocol::Tcp)
                .allowed
        );
        assert!(
            !idx.evaluate(Peer::Pod(&b), Peer::Pod(&a), 80, Protocol::Tcp)
                .allowed
        );
    }

    #[test]
    fn listed_policy_types_win_over_rules() {
        // Egress only: the ingress rules are ignored, so ingress stays open,
        // and an empty `from` list in a rule means every source.
        let spec = NetworkPolicySpec {
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![]),
                ports: Some(vec![NetworkPolicyPort {
                    port: Some(IntOrString::Int(1)),
                    ..Default::default()
                }]),
            }]),
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![]),
                ports: None,
            }]),
            policy_types: Some(vec!["Egress".into()]),
            ..Default::default()
        };
        let a = pod("x", "a", "a", "10.0.0.1");
        let b = pod("x", "b", "b", "10.0.0.2");
        let idx = PolicyIndex::new(&[], &[a.clone(), b.clone()], &[policy("x", "p", spec)]);
        let r = idx.evaluate(Peer::Pod(&a), Peer::Pod(&b), 80, Protocol::Udp);
        assert!(r.allowed);
        assert!(r.egress.isolated && !r.ingress.isolated);
    }

    #[test]
    fn bad_cidr_warns_and_matches_nothing() {
        let spec = NetworkPolicySpec {
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    ip_block: Some(IpBlock {
                        cidr: "nonsense".into(),
                        except: None,
                    }),
                    ..Default::default()
                }]),
                ports: None,
            }]),
            ..Default::default()
        };
        let a = pod("x", "a", "a", "10.0.0.1");
        let idx = PolicyIndex::new(&[], std::slice::from_ref(&a), &[policy("x", "p", spec)]);
        assert_eq!(idx.warnings().len(), 1);
        let ext: Ipv4Addr = "10.0.0.9".parse().unwrap();
        assert!(
            !idx.evaluate(Peer::External(ext), Peer::Pod(&a), 80, Protocol::Tcp)
                .allowed
        );
    }

    #[test]
    fn summaries_list_selected_pods_and_defaulted_types() {
        let a = pod("x", "a", "web", "10.0.0.1");
        let b = pod("x", "b", "db", "10.0.0.2");
        let c = pod("y", "c", "web", "10.0.1.1");
        let web_only = NetworkPolicySpec {
            pod_selector: LabelSelector {
                match_labels: Some([("app".to_string(), "web".to_string())].into()),
                ..Default::default()
            },
            egress: Some(vec![NetworkPolicyEgressRule::default()]),
            ..Default::default()
        };
        let idx = PolicyIndex::new(
            &[],
            &[a, b, c],
            &[
                policy("x", "web-only", web_only),
                policy("x", "deny-all", Default::default()),
            ],
        );
        let got = idx.summaries();
        let ids: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["x/deny-all", "x/web-only"]);
        // The empty selector takes every pod of its own namespace only.
        assert_eq!(got[0].pods, ["x/a", "x/b"]);
        assert!(got[0].ingress && !got[0].egress);
        // Egress is implied by the egress rule; y/c carries the label but
        // lives in another namespace.
        assert_eq!(got[1].pods, ["x/a"]);
        assert!(got[1].ingress && got[1].egress);
    }
}
