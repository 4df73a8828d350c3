//! NetworkPolicy evaluation cost on a 1,000-pod, 200-policy cluster.
//!
//! The simulation engine calls `PolicyIndex::evaluate` for every new
//! connection, so its cost bounds how many connections a run can open. The
//! cluster is built deterministically (no RNG): 20 namespaces of 50 pods,
//! ten policies per namespace mixing the shapes real clusters use (default
//! deny, pod-selector and namespace-selector peers, AND peers, ipBlock with
//! except, numeric, ranged and named ports, egress rules). The main bench
//! judges a fixed sample of 10,000 ordered pod pairs.
//!
//! Run: `CARGO_TARGET_DIR=... cargo bench -p svcsim-core --bench netpol`.

use std::hint::black_box;
use svcsim_core::model::{
    Container, ContainerPort, IntOrString, IpBlock, LabelSelector, LabelSelectorRequirement,
    Labels, Namespace, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule,
    NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec, ObjectMeta, Pod, PodSpec, PodStatus,
};
use svcsim_core::net::Protocol;
use svcsim_core::netpol::{Peer, PolicyIndex};

const NAMESPACES: usize = 20;
const PODS_PER_NS: usize = 50;
const POLICIES_PER_NS: usize = 10;
const SAMPLE: usize = 10_000;

fn main() {
    divan::main();
}

fn labels(pairs: &[(&str, String)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn select(pairs: &[(&str, String)]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels(pairs)),
        match_expressions: None,
    }
}

fn meta(ns: &str, name: String, l: Labels) -> ObjectMeta {
    ObjectMeta {
        name,
        namespace: Some(ns.to_string()),
        labels: l,
        ..Default::default()
    }
}

fn port(proto: Option<&str>, p: Option<IntOrString>, end: Option<i32>) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: proto.map(str::to_string),
        port: p,
        end_port: end,
    }
}

struct Cluster {
    namespaces: Vec<Namespace>,
    pods: Vec<Pod>,
    policies: Vec<NetworkPolicy>,
}

fn cluster() -> Cluster {
    let mut namespaces = Vec::new();
    let mut pods = Vec::new();
    let mut policies = Vec::new();
    for n in 0..NAMESPACES {
        let ns = format!("ns{n}");
        namespaces.push(Namespace {
            metadata: ObjectMeta {
                name: ns.clone(),
                labels: labels(&[
                    ("team", format!("t{}", n % 4)),
                    ("env", format!("e{}", n % 2)),
                ]),
                ..Default::default()
            },
            ..Default::default()
        });
        for p in 0..PODS_PER_NS {
            pods.push(Pod {
                metadata: meta(
                    &ns,
                    format!("pod{p}"),
                    labels(&[
                        ("app", format!("app{}", p % 10)),
                        ("tier", format!("tier{}", p % 3)),
                    ]),
                ),
                spec: PodSpec {
                    containers: vec![Container {
                        name: "main".into(),
                        ports: vec![
                            ContainerPort {
                                name: Some("http".into()),
                                container_port: 8080 + (p % 2) as i32,
                                ..Default::default()
                            },
                            ContainerPort {
                                name: Some("metrics".into()),
                                container_port: 9090,
                                ..Default::default()
                            },
                        ],
                        ..Default::default()
                    }],
                    node_name: Some(format!("node{}", p % 8)),
                    ..Default::default()
                },
                status: PodStatus {
                    pod_ip: Some(format!("10.{}.{}.{}", 64 + n, p / 200, 10 + p % 200)),
                    ..Default::default()
                },
                ..Default::default()
            });
        }
        for k in 0..POLICIES_PER_NS {
            let app = format!("app{k}");
            let spec = match k % 5 {
                // Default-deny ingress for one app.
                0 => NetworkPolicySpec {
                    pod_selector: select(&[("app", app)]),
                    policy_types: Some(vec!["Ingress".into()]),
                    ..Default::default()
                },
                // From the same tier in namespaces of one team, on a named port.
                1 => NetworkPolicySpec {
                    pod_selector: select(&[("app", app)]),
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from: Some(vec![NetworkPolicyPeer {
                            namespace_selector: Some(select(&[("team", format!("t{}", k % 4))])),
                            pod_selector: Some(select(&[("tier", format!("tier{}", k % 3))])),
                            ..Default::default()
                        }]),
                        ports: Some(vec![port(
                            None,
                            Some(IntOrString::Str("http".into())),
                            None,
                        )]),
                    }]),
                    ..Default::default()
                },
                // OR of two peers, with a port range and an explicit protocol.
                2 => NetworkPolicySpec {
                    pod_selector: LabelSelector {
                        match_labels: None,
                        match_expressions: Some(vec![LabelSelectorRequirement {
                            key: "tier".into(),
                            operator: "In".into(),
                            values: Some(vec!["tier0".into(), "tier1".into()]),
                        }]),
                    },
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from: Some(vec![
                            NetworkPolicyPeer {
                                pod_selector: Some(select(&[(
                                    "app",
                                    format!("app{}", (k + 1) % 10),
                                )])),
                                ..Default::default()
                            },
                            NetworkPolicyPeer {
                                namespace_selector: Some(select(&[("env", "e0".to_string())])),
                                ..Default::default()
                            },
                        ]),
                        ports: Some(vec![port(
                            Some("TCP"),
                            Some(IntOrString::Int(8000)),
                            Some(8100),
                        )]),
                    }]),
                    ..Default::default()
                },
                // Ingress from an ipBlock with except, on two numeric ports.
                3 => NetworkPolicySpec {
                    pod_selector: select(&[("app", app)]),
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from: Some(vec![NetworkPolicyPeer {
                            ip_block: Some(IpBlock {
                                cidr: "10.64.0.0/11".into(),
                                except: Some(vec!["10.70.0.0/16".into(), "10.71.0.0/16".into()]),
                            }),
                            ..Default::default()
                        }]),
                        ports: Some(vec![
                            port(None, Some(IntOrString::Int(8080)), None),
                            port(None, Some(IntOrString::Int(9090)), None),
                        ]),
                    }]),
                    policy_types: Some(vec!["Ingress".into()]),
                    ..Default::default()
                },
                // Egress restricted to the namespace plus everything on 9090.
                _ => NetworkPolicySpec {
                    pod_selector: select(&[("app", app)]),
                    egress: Some(vec![
                        NetworkPolicyEgressRule {
                            to: Some(vec![NetworkPolicyPeer {
                                pod_selector: Some(LabelSelector::default()),
                                ..Default::default()
                            }]),
                            ports: None,
                        },
                        NetworkPolicyEgressRule {
                            to: None,
                            ports: Some(vec![port(
                                None,
                                Some(IntOrString::Str("metrics".into())),
                                None,
                            )]),
                        },
                    ]),
                    policy_types: Some(vec!["Egress".into()]),
                    ..Default::default()
                },
            };
            policies.push(NetworkPolicy {
                metadata: meta(&ns, format!("policy{k}"), Labels::new()),
                spec,
                ..Default::default()
            });
        }
    }
    Cluster {
        namespaces,
        pods,
        policies,
    }
}

/// A fixed spread of (src, dst, port) over all pod pairs: a multiplicative
/// stride visits pairs across every namespace without an RNG.
fn sample(pods: usize) -> Vec<(usize, usize, u16)> {
    (0..SAMPLE)
        .map(|i| {
            let src = (i * 7919) % pods;
            let dst = (i * 104_729 + 13) % pods;
            let port = [8080, 8081, 9090, 443][i % 4];
            (src, dst, port)
        })
        .collect()
}

#[divan::bench]
fn build_index(bencher: divan::Bencher) {
    let c = cluster();
    bencher.bench(|| PolicyIndex::new(&c.namespaces, &c.pods, &c.policies));
}

#[divan::bench]
fn evaluate_10k_pairs(bencher: divan::Bencher) {
    let c = cluster();
    let index = PolicyIndex::new(&c.namespaces, &c.pods, &c.policies);
    assert_eq!(index.policy_count(), NAMESPACES * POLICIES_PER_NS);
    let pairs = sample(c.pods.len());
    let allowed = pairs
        .iter()
        .filter(|(s, d, p)| {
            index
                .evaluate(
                    Peer::Pod(&c.pods[*s]),
                    Peer::Pod(&c.pods[*d]),
                    *p,
                    Protocol::Tcp,
                )
                .allowed
        })
        .count();
    // The mix matters: a sample that is all allowed (or all denied) would
    // measure only the short paths. This cluster allows 2,830 of the 10,000.
    assert!(allowed > 0 && allowed < pairs.len());
    bencher
        .counter(divan::counter::ItemsCount::new(pairs.len()))
        .bench(|| {
            let mut n = 0usize;
            for (s, d, p) in &pairs {
                let r = index.evaluate(
                    Peer::Pod(&c.pods[*s]),
                    Peer::Pod(&c.pods[*d]),
                    *p,
                    Protocol::Tcp,
                );
                n += usize::from(r.allowed);
            }
            black_box(n)
        });
}
