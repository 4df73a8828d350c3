//! NetworkPolicy as the page shows it: which policies select which pods
//! (the dashed halos and the legend), the "who can reach this pod?" matrix,
//! and the words for a policy drop on the canvas and in the log.
//!
//! Nothing here decides anything about policy. Selection and verdicts come
//! from the core's [`PolicyIndex`] (the same `evaluate` that `svcsim reach`
//! and the simulated data path call), built from the cluster's objects as
//! the API server holds them at the displayed time ([`Sim::objects`]). Drops
//! are read from the trace's reason text, which the core writes in
//! `sim/kproxy.rs` (`netpol_verdict`); a test below runs a built-in scenario
//! to keep the parser and that text in step.
//!
//! [`Sim::objects`]: svcsim_core::sim::Sim::objects

use svcsim_core::model::{
    IntOrString, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Object,
};
use svcsim_core::net::Protocol;
use svcsim_core::netpol::{DirectionVerdict, Peer, PolicyIndex, PolicySummary, Reason};
use svcsim_core::vecmap::VecMap;

/// The policies in force at one moment, ready to draw and to query.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    index: PolicyIndex,
    /// Every policy in `ns/name` order. A policy's colour is its position
    /// here, so colours stay put while pods come and go.
    pub list: Vec<PolicySummary>,
    /// Pod `ns/name` → positions in `list` of the policies selecting it.
    pub by_pod: VecMap<String, Vec<usize>>,
}

/// A port a pod declares (`containers[].ports[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodPort {
    pub port: u16,
    pub proto: Protocol,
    pub name: Option<String>,
}

/// One direction of one row of the matrix, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub allowed: bool,
    /// What decided, in a few words: `not isolated`, `allow-web ingress[0]`,
    /// `no rule allows`. Policy names go without their namespace: a policy
    /// only ever selects pods of its own namespace, so it is the pod's.
    pub decided_by: String,
    /// The policies isolating this side (names only), empty when none do.
    pub isolated_by: Vec<String>,
    /// The whole explanation, as `svcsim reach` prints it (a tooltip).
    pub why: String,
}

/// Can `from` open a connection to the pod in question?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReachRow {
    /// `ns/name` of the source pod.
    pub from: String,
    pub namespace: String,
    pub name: String,
    pub allowed: bool,
    /// Judged at the source.
    pub egress: Side,
    /// Judged at the destination.
    pub ingress: Side,
}

impl Policies {
    /// Compile the policies among `objects` against its Namespaces and Pods.
    pub fn from_objects(objects: &[Object]) -> Policies {
        let index = PolicyIndex::from_objects(objects);
        let list = index.summaries();
        let mut by_pod: VecMap<String, Vec<usize>> = VecMap::new();
        for (i, p) in list.iter().enumerate() {
            for pod in &p.pods {
                by_pod.entry(pod.clone()).or_default().push(i);
            }
        }
        Policies {
            index,
            list,
            by_pod,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The position of policy `id` (`ns/name`) in [`Policies::list`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.list.iter().position(|p| p.id == id)
    }

    fn pod(&self, key: &str) -> Option<&svcsim_core::model::Pod> {
        let (ns, name) = key.split_once('/')?;
        self.index.pod(ns, name)
    }

    /// The ports pod `key` declares, in declaration order (ports with a
    /// number outside 1..=65535 or an unknown protocol are left out).
    pub fn ports(&self, key: &str) -> Vec<PodPort> {
        let Some(pod) = self.pod(key) else {
            return Vec::new();
        };
        pod.spec
            .containers
            .iter()
            .flat_map(|c| c.ports.iter())
            .filter_map(|cp| {
                Some(PodPort {
                    port: u16::try_from(cp.container_port).ok().filter(|p| *p != 0)?,
                    proto: Protocol::parse(cp.protocol())?,
                    name: cp.name.clone(),
                })
            })
            .collect()
    }

    /// Every other pod as a source of a new connection to pod `key` on
    /// `port`/`proto` (post-DNAT: the pod's own port, not a Service port),
    /// in `(namespace, name)` order. `None` when there is no such pod.
    pub fn who_can_reach(&self, key: &str, port: u16, proto: Protocol) -> Option<Vec<ReachRow>> {
        let dst = self.pod(key)?;
        let rows = self
            .index
            .pods()
            .filter(|src| {
                !(src.metadata.ns() == dst.metadata.ns() && src.metadata.name == dst.metadata.name)
            })
            .map(|src| {
                let r = self
                    .index
                    .evaluate(Peer::Pod(src), Peer::Pod(dst), port, proto);
                let namespace = src.metadata.ns().to_string();
                ReachRow {
                    from: format!("{namespace}/{}", src.metadata.name),
                    name: src.metadata.name.clone(),
                    namespace,
                    allowed: r.allowed,
                    egress: side(&r.egress, "egress"),
                    ingress: side(&r.ingress, "ingress"),
                }
            })
            .collect();
        Some(rows)
    }
}

/// One direction's verdict in words (`dir` is `egress` or `ingress`).
pub fn side(v: &DirectionVerdict, dir: &str) -> Side {
    let subject = v.subject.as_deref().unwrap_or("this end");
    let isolated_by = v.policies.join(", ");
    let (decided_by, why) = match &v.reason {
        Reason::NotAPod => (
            "no policy (not a pod)".to_string(),
            format!("{dir}: not a pod, so no NetworkPolicy applies on this side"),
        ),
        Reason::Loopback => (
            "itself".to_string(),
            "a pod can always reach itself".to_string(),
        ),
        Reason::NotIsolated => (
            "not isolated".to_string(),
            format!("no NetworkPolicy selects {subject} for {dir}, so it is not isolated"),
        ),
        Reason::LocalNode => (
            "own node".to_string(),
            format!(
                "traffic from the pod's own node is always allowed in (selected by {isolated_by})"
            ),
        ),
        Reason::AllowedByRule { policy, rule } => (
            format!("{} {dir}[{rule}]", name_of(policy)),
            format!(
                "{dir} of {subject}: isolated by {isolated_by}; allowed by {policy} {dir}[{rule}]"
            ),
        ),
        Reason::NoRuleMatched { misses } => {
            let mut why = format!(
                "{dir} of {subject}: isolated by {isolated_by}; no rule allows this connection"
            );
            for p in &v.policies {
                if !misses.iter().any(|m| &m.policy == p) {
                    why.push_str(&format!("\n  {p}: has no {dir} rules"));
                }
            }
            for m in misses {
                why.push_str(&format!("\n  {} {dir}[{}]: {}", m.policy, m.rule, m.what()));
            }
            ("no rule allows".to_string(), why)
        }
    };
    Side {
        allowed: v.allowed,
        decided_by,
        isolated_by: v.policies.iter().map(|p| name_of(p).to_string()).collect(),
        why,
    }
}

/// `name` of `ns/name`.
fn name_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(_, n)| n)
}

/// A connection attempt the data path dropped for NetworkPolicy, as read
/// from a request's reason in the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDrop {
    /// `ingress` or `egress`: the side that denied it.
    pub direction: String,
    /// The policies isolating that side (`ns/name`); none of their rules
    /// allows the connection.
    pub policies: Vec<String>,
    /// Protocol and port as judged (after DNAT): `TCP 8080`.
    pub what: String,
}

/// Read a policy drop out of a request's reason. The core writes
/// `NetworkPolicy: ingress denied (isolated by a, b; no rule allows TCP 8080)`.
pub fn parse_drop(reason: &str) -> Option<PolicyDrop> {
    let rest = reason.trim().strip_prefix("NetworkPolicy: ")?;
    let (direction, rest) = rest.split_once(" denied (isolated by ")?;
    let rest = rest.strip_suffix(')')?;
    let (policies, what) = rest.rsplit_once("; no rule allows ")?;
    Some(PolicyDrop {
        direction: direction.to_string(),
        policies: policies
            .split(", ")
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        what: what.to_string(),
    })
}

/// The words drawn on the canvas where a policy dropped a connection:
/// `DROP: NetworkPolicy deny-all`, naming the policies that isolate the pod
/// (without the namespace, which is the pod's). The full story is in the
/// log ([`drop_line`]). `None` when the reason is not a policy drop.
pub fn drop_label(reason: &str) -> Option<String> {
    let d = parse_drop(reason)?;
    let names: Vec<&str> = d.policies.iter().map(|p| name_of(p)).collect();
    Some(format!("DROP: NetworkPolicy {}", names.join(", ")))
}

/// The log's words for a policy drop:
/// `DROP: NetworkPolicy default/deny-all — no ingress rule allows TCP 8080`.
/// `None` when the reason is not a policy drop.
pub fn drop_line(reason: &str) -> Option<String> {
    let d = parse_drop(reason)?;
    Some(format!(
        "DROP: NetworkPolicy {} — no {} rule allows {}",
        d.policies.join(", "),
        d.direction,
        d.what
    ))
}

/// Outline colours for policies, by position: distinct from the packet
/// colours' reds and greens (which mean reset and response) and from the
/// selection's orange.
const COLOURS_LIGHT: [&str; 6] = [
    "#3a5fcd", "#8e44ad", "#0f8b8d", "#b8338a", "#7d6608", "#4a4e9c",
];
const COLOURS_DARK: [&str; 6] = [
    "#7ea2ff", "#c39bd3", "#4fd1d3", "#f07cc7", "#e0c04f", "#a5a9f5",
];

/// The colour of the policy at `position` in [`Policies::list`].
pub fn colour(position: usize, dark: bool) -> &'static str {
    let table = if dark { &COLOURS_DARK } else { &COLOURS_LIGHT };
    table[position % table.len()]
}

/// A label selector as `kubectl describe` prints one: `app=web,tier in
/// (a,b)`, or the given word for the empty selector.
pub fn selector(s: &LabelSelector, empty: &str) -> String {
    if s.is_empty() {
        return empty.to_string();
    }
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in s.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or(&[]).join(",");
        parts.push(match e.operator.as_str() {
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {} ({values})", e.key, op.to_ascii_lowercase()),
        });
    }
    parts.join(",")
}

fn peer(p: &NetworkPolicyPeer) -> String {
    if let Some(b) = &p.ip_block {
        let except = b.except.as_deref().unwrap_or(&[]);
        return if except.is_empty() {
            format!("ipBlock {}", b.cidr)
        } else {
            format!("ipBlock {} except {}", b.cidr, except.join(", "))
        };
    }
    let pods = p.pod_selector.as_ref().map(|s| selector(s, "all pods"));
    let nss = p
        .namespace_selector
        .as_ref()
        .map(|s| selector(s, "all namespaces"));
    match (nss, pods) {
        (None, Some(pods)) => format!("pods {pods} in this namespace"),
        (Some(nss), None) => format!("all pods in namespaces {nss}"),
        (Some(nss), Some(pods)) => format!("pods {pods} in namespaces {nss}"),
        (None, None) => "nothing (an empty peer)".to_string(),
    }
}

fn port(p: &NetworkPolicyPort) -> String {
    let proto = p.protocol.as_deref().unwrap_or("TCP");
    match (&p.port, p.end_port) {
        (None, _) => format!("{proto} any port"),
        (Some(IntOrString::Int(n)), Some(end)) => format!("{proto} {n}-{end}"),
        (Some(IntOrString::Int(n)), None) => format!("{proto} {n}"),
        (Some(IntOrString::Str(name)), _) => format!("{proto} {name} (named)"),
    }
}

fn rule(
    dir: &str,
    i: usize,
    peers: Option<&[NetworkPolicyPeer]>,
    ports: Option<&[NetworkPolicyPort]>,
) -> String {
    let (word, everyone) = if dir == "ingress" {
        ("from", "from anywhere")
    } else {
        ("to", "to anywhere")
    };
    let peers = match peers {
        None | Some([]) => everyone.to_string(),
        Some(ps) => format!(
            "{word} {}",
            ps.iter().map(peer).collect::<Vec<_>>().join(" or ")
        ),
    };
    let ports = match ports {
        None | Some([]) => "on every port".to_string(),
        Some(ps) => format!("on {}", ps.iter().map(port).collect::<Vec<_>>().join(", ")),
    };
    format!("{dir}[{i}]: allow {peers} {ports}")
}

/// The rules of a policy, one line each, in the spec's order. A direction
/// that is isolated with no rules says so, since that is the "deny all"
/// idiom a learner must recognise.
pub fn rule_lines(np: &NetworkPolicy, summary: &PolicySummary) -> Vec<String> {
    let mut out = Vec::new();
    let ingress = np.spec.ingress.as_deref().unwrap_or(&[]);
    let egress = np.spec.egress.as_deref().unwrap_or(&[]);
    if summary.ingress {
        if ingress.is_empty() {
            out.push("ingress: no rules, so all ingress to the selected pods is denied".into());
        }
        for (i, r) in ingress.iter().enumerate() {
            out.push(rule("ingress", i, r.from.as_deref(), r.ports.as_deref()));
        }
    }
    if summary.egress {
        if egress.is_empty() {
            out.push("egress: no rules, so all egress from the selected pods is denied".into());
        }
        for (i, r) in egress.iter().enumerate() {
            out.push(rule("egress", i, r.to.as_deref(), r.ports.as_deref()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engine::Engine;
    use svcsim_core::time::SimTime;

    fn policies_of(name: &str) -> Policies {
        let e = Engine::builtin(name, None).expect("builtin loads");
        Policies::from_objects(&e.objects())
    }

    fn first_pod(p: &Policies, prefix: &str) -> String {
        p.by_pod
            .keys()
            .chain(p.list.iter().flat_map(|s| s.pods.iter()))
            .find(|k| k.starts_with(prefix))
            .cloned()
            .unwrap_or_else(|| panic!("a pod {prefix}*"))
    }

    #[test]
    fn default_deny_draws_both_policies_around_the_right_pods() {
        let p = policies_of("default-deny");
        let ids: Vec<&str> = p.list.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "default/allow-frontend-to-backend",
                "default/default-deny-ingress"
            ]
        );
        let backend = first_pod(&p, "default/backend-");
        let frontend = first_pod(&p, "default/frontend-");
        // Backends are selected by both, frontends by the namespace-wide one.
        assert_eq!(p.by_pod[&backend], [0, 1]);
        assert_eq!(p.by_pod[&frontend], [1]);
        // Nothing in kube-system is selected.
        assert!(p.by_pod.keys().all(|k| k.starts_with("default/")));
    }

    #[test]
    fn who_can_reach_a_backend_in_default_deny() {
        let p = policies_of("default-deny");
        let backend = first_pod(&p, "default/backend-");
        let ports = p.ports(&backend);
        assert_eq!(ports[0].port, 8080);
        assert_eq!(ports[0].proto, Protocol::Tcp);
        let rows = p
            .who_can_reach(&backend, 8080, Protocol::Tcp)
            .expect("the pod exists");
        assert!(rows.iter().all(|r| r.from != backend), "not itself");
        let get = |prefix: &str| {
            rows.iter()
                .find(|r| r.from.starts_with(prefix))
                .unwrap_or_else(|| panic!("a row for {prefix}"))
        };
        let fe = get("default/frontend-");
        assert!(fe.allowed);
        assert_eq!(fe.egress.decided_by, "not isolated");
        assert_eq!(
            fe.ingress.decided_by,
            "allow-frontend-to-backend ingress[0]"
        );
        // The frontend client pod carries the frontend's labels; the stray
        // one does not.
        assert!(get("default/client-frontend").allowed);
        let stray = get("default/client-stray");
        assert!(!stray.allowed && stray.egress.allowed && !stray.ingress.allowed);
        assert_eq!(stray.ingress.decided_by, "no rule allows");
        assert_eq!(
            stray.ingress.isolated_by,
            ["allow-frontend-to-backend", "default-deny-ingress"]
        );
        assert!(stray.egress.isolated_by.is_empty());
        assert!(stray
            .ingress
            .why
            .contains("allow-frontend-to-backend ingress[0]: port matches, peer does not"));
        assert!(!get("kube-system/coredns").allowed);
        // Grouped by namespace: rows come in namespace order.
        let nss: Vec<&str> = rows.iter().map(|r| r.namespace.as_str()).collect();
        let mut sorted = nss.clone();
        sorted.sort();
        assert_eq!(nss, sorted);
        assert!(p.who_can_reach("default/nope", 80, Protocol::Tcp).is_none());
    }

    #[test]
    fn wrong_port_allows_only_the_service_port_nobody_uses() {
        let p = policies_of("wrong-port");
        let backend = first_pod(&p, "default/backend-");
        let on = |port| {
            p.who_can_reach(&backend, port, Protocol::Tcp)
                .expect("the pod exists")
                .into_iter()
                .find(|r| r.from.starts_with("default/frontend-"))
                .expect("a frontend row")
        };
        let target = on(8080);
        assert!(!target.allowed);
        assert!(target.ingress.why.contains("peer matches, port does not"));
        assert!(on(80).allowed);
        // The same rule on UDP does not match: the port's protocol is TCP.
        let udp = p
            .who_can_reach(&backend, 80, Protocol::Udp)
            .expect("the pod exists");
        assert!(udp.iter().all(|r| !r.allowed));
    }

    #[test]
    fn no_policies_means_nothing_to_draw() {
        let p = policies_of("clusterip");
        assert!(p.is_empty() && p.by_pod.is_empty());
    }

    #[test]
    fn drops_in_the_trace_read_as_policy_labels() {
        // Step the built-in past the stray client's first connect timeout
        // (5 s): the request's reason, as the core wrote it, parses, and the
        // log line and the canvas label both carry the policy's name.
        let mut e = Engine::builtin("default-deny", None).expect("loads");
        while e.now() < SimTime::from_millis(6_000) {
            e.step();
        }
        let reason = e
            .metrics()
            .reasons
            .keys()
            .find(|k| k.contains("NetworkPolicy"))
            .expect("a policy drop within 6 s");
        let reason = reason.split_once(": ").map_or(reason.as_str(), |(_, r)| r);
        let d = parse_drop(reason).unwrap_or_else(|| panic!("parses: {reason}"));
        assert_eq!(d.direction, "ingress");
        assert_eq!(
            d.policies,
            [
                "default/allow-frontend-to-backend",
                "default/default-deny-ingress"
            ]
        );
        assert_eq!(d.what, "TCP 8080");
        let want = "DROP: NetworkPolicy default/allow-frontend-to-backend, \
                    default/default-deny-ingress — no ingress rule allows TCP 8080";
        assert!(
            e.log.entries.iter().any(|l| l.text.contains(want)),
            "a log line says {want}"
        );
        let label = "DROP: NetworkPolicy allow-frontend-to-backend, default-deny-ingress";
        assert!(
            e.labels.items.iter().any(|l| l.text == label),
            "a canvas label says {label}: {:?}",
            e.labels.items
        );
    }

    #[test]
    fn drop_labels_name_the_policy() {
        let r = "NetworkPolicy: egress denied (isolated by team/deny-all; no rule allows UDP 53)";
        assert_eq!(
            drop_line(r).as_deref(),
            Some("DROP: NetworkPolicy team/deny-all — no egress rule allows UDP 53")
        );
        assert_eq!(
            drop_label(r).as_deref(),
            Some("DROP: NetworkPolicy deny-all")
        );
        assert_eq!(drop_label("connect timeout"), None);
        assert_eq!(drop_line("connect timeout"), None);
        assert_eq!(drop_label("NetworkPolicy: nonsense"), None);
    }

    #[test]
    fn rules_read_in_words() {
        let e = Engine::builtin("wrong-port", None).expect("loads");
        let p = Policies::from_objects(&e.objects());
        let v = e.view();
        let line = |id: &str| {
            let np = v
                .policies
                .iter()
                .find(|np| format!("{}/{}", np.metadata.ns(), np.metadata.name) == id)
                .expect("policy in the view");
            rule_lines(np, &p.list[p.position(id).expect("listed")])
        };
        assert_eq!(
            line("default/allow-frontend-to-backend"),
            ["ingress[0]: allow from pods app=frontend in this namespace on TCP 80"]
        );
        assert_eq!(
            line("default/default-deny-ingress"),
            ["ingress: no rules, so all ingress to the selected pods is denied"]
        );
        assert_eq!(selector(&LabelSelector::default(), "all pods"), "all pods");
    }
}
