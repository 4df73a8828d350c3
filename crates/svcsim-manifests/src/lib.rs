//! Kubernetes manifests in and out.
//!
//! Two ways in:
//! - [`load`], the strict path: a YAML or JSON stream of Kubernetes objects
//!   (and at most one svcsim `kind: Scenario` document) is decoded strictly,
//!   defaulted, given ClusterIPs and NodePorts, and validated, answering the
//!   way kube-apiserver does, with each problem placed at its line and
//!   column. This is what scenario files, `svcsim validate` and the UI use.
//! - [`lenient`]: objects taken as kube-proxy (or any controller) receives
//!   them, already admitted, with no defaulting or validation. Used by replay
//!   tools such as `svcsim rules` and `svcsim route` on kube-proxy's own test
//!   cases.
//!
//! And one way out: [`export`] writes objects as YAML for `kubectl apply`.
//! [`builtin`] holds the built-in scenarios, which are ordinary scenario
//! files loaded through [`load`].
//!
//! The crate does no I/O (it builds for `wasm32-unknown-unknown`); callers
//! read files.

mod alloc;
pub mod builtin;
mod de;
mod decoders;
mod defaults;
mod diag;
pub mod export;
pub mod lenient;
pub mod lint;
mod load;
pub mod names;
mod tree;
mod validate;

pub use diag::{render, Diagnostic, Severity};
pub use load::{ACTIONS, KINDS};

use svcsim_core::model::Object;
use svcsim_core::scenario::ScenarioSpec;

/// What a successful [`load`] produced.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The objects as the API server would store them: defaulted, with
    /// ClusterIPs and NodePorts allocated, namespaces filled in. This is
    /// what the simulation starts from.
    pub objects: Vec<Object>,
    /// The same objects as written in the file (strictly decoded, nothing
    /// added), for [`export`].
    pub manifests: Vec<Object>,
    /// The Scenario document's spec, or the defaults when there is none.
    pub scenario: ScenarioSpec,
    /// Warnings (the load succeeded).
    pub warnings: Vec<Diagnostic>,
    /// Objects of kinds svcsim does not model, in file order.
    pub skipped: Vec<Skipped>,
}

/// An object of a kind svcsim does not model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub kind: String,
    pub name: String,
    pub line: usize,
}

/// Input limits. Everything svcsim loads runs in a browser tab, so a
/// scenario must stay small enough to simulate interactively, and hostile
/// input must be refused quickly rather than hang the page.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Size of the input text in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of YAML collections.
    pub max_depth: usize,
    /// YAML nodes after alias expansion (the alias-bomb guard).
    pub max_yaml_nodes: usize,
    /// Kubernetes objects in the file (after flattening Lists).
    pub max_objects: usize,
    /// Nodes: Node objects plus `spec.nodes` of the Scenario.
    pub max_nodes: usize,
    /// Pods: Pod objects plus the replicas of Deployments and ReplicaSets
    /// (and any `scale` event's replicas).
    pub max_pods: usize,
    /// `spec.clients` entries.
    pub max_clients: usize,
    /// `spec.events` entries.
    pub max_events: usize,
    /// Sum of the clients' open-loop rates, requests per second.
    pub max_total_rate: f64,
    /// One closed-loop client's concurrency.
    pub max_concurrency: usize,
    /// `spec.duration`, in seconds.
    pub max_duration_secs: u64,
}

/// The limits [`load`] applies.
pub const LIMITS: Limits = Limits {
    max_bytes: 1024 * 1024,
    max_depth: 64,
    max_yaml_nodes: 200_000,
    max_objects: 2_000,
    max_nodes: 100,
    max_pods: 1_000,
    max_clients: 100,
    max_events: 1_000,
    max_total_rate: 10_000.0,
    max_concurrency: 1_000,
    max_duration_secs: 24 * 3600,
};

/// Load a scenario file or a plain manifest stream. `file_name` is only
/// used in the diagnostics. On failure every error found is returned
/// (with the warnings), in file order within each stage.
pub fn load(text: &str, file_name: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load::load(text, file_name, LIMITS)
}

/// [`load`] with other limits (tests, or a CLI flag).
pub fn load_with_limits(
    text: &str,
    file_name: &str,
    limits: Limits,
) -> Result<Loaded, Vec<Diagnostic>> {
    load::load(text, file_name, limits)
}

/// The two Services every kubeadm cluster has before any user object:
/// `default/kubernetes` (the API server, first address of the service
/// range, port `https` 443 → 6443, no selector) and `kube-system/kube-dns`
/// (CoreDNS, tenth address, `dns` 53/UDP, `dns-tcp` 53/TCP, `metrics`
/// 9153/TCP). [`load`] reserves their addresses; the simulation decides
/// whether to model them as objects. `None` for an invalid service CIDR.
pub fn system_services(scenario: &ScenarioSpec) -> Option<Vec<Object>> {
    use svcsim_core::model::{IntOrString, ObjectMeta, Service, ServicePort, ServiceSpec};
    let a = alloc::Allocators::new(
        &scenario.cluster.service_cidr,
        &scenario.cluster.node_port_range,
    )?;
    let port = |name: &str, proto: &str, port: i32, target: i32| ServicePort {
        name: Some(name.into()),
        protocol: Some(proto.into()),
        port,
        target_port: Some(IntOrString::Int(target)),
        ..Default::default()
    };
    let svc = |ns: &str, name: &str, ip: String, selector, ports, labels: &[(&str, &str)]| {
        let mut s = Service {
            api_version: "v1".into(),
            metadata: ObjectMeta {
                name: name.into(),
                namespace: Some(ns.into()),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
            spec: ServiceSpec {
                selector,
                ports,
                cluster_ip: Some(ip.clone()),
                cluster_ips: vec![ip],
                ..Default::default()
            },
            ..Default::default()
        };
        defaults::service(&mut s);
        s.spec.ip_families = vec!["IPv4".into()];
        s.spec.ip_family_policy = Some("SingleStack".into());
        Object::Service(s)
    };
    Some(vec![
        svc(
            "default",
            "kubernetes",
            a.kubernetes_ip(),
            None,
            vec![port("https", "TCP", 443, 6443)],
            &[("component", "apiserver"), ("provider", "kubernetes")],
        ),
        svc(
            "kube-system",
            "kube-dns",
            a.kube_dns_ip(),
            Some(svcsim_core::order::map_of([(
                "k8s-app".to_string(),
                "kube-dns".to_string(),
            )])),
            vec![
                port("dns", "UDP", 53, 53),
                port("dns-tcp", "TCP", 53, 53),
                port("metrics", "TCP", 9153, 9153),
            ],
            &[("k8s-app", "kube-dns"), ("kubernetes.io/name", "CoreDNS")],
        ),
    ])
}

/// One fuzzing iteration, shared by the cargo-fuzz target
/// (`fuzz/fuzz_targets/parse.rs`) and the corpus-replay test that runs
/// under plain `cargo test`: load arbitrary bytes (as UTF-8, lossily), and
/// if they load, export and reload them, which must succeed. Panics only
/// when a property fails.
pub fn fuzz_one(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = lenient::parse_objects(&text);
    if let Ok(loaded) = load(&text, "fuzz.yaml") {
        // Whatever loads must also build and run: a short, bounded run so
        // a fuzz iteration stays fast.
        if let Ok(mut sim) = svcsim_core::Sim::new(loaded.objects.clone(), loaded.scenario.clone())
        {
            sim.set_tracing(false);
            sim.run_until(svcsim_core::SimTime::from_millis(200));
            if let Err(e) = sim.check_invariants() {
                panic!("invariant broken: {e}");
            }
        }
        let yaml = export::to_yaml(&loaded.manifests);
        match load(&yaml, "exported.yaml") {
            Ok(again) => {
                let stripped: Vec<Object> =
                    loaded.manifests.iter().map(export::strip_status).collect();
                assert_eq!(
                    again.manifests, stripped,
                    "export changed the objects:\n{yaml}"
                );
            }
            // The reload may only fail on cross-object checks that the
            // Scenario document influenced (it is not exported): its
            // cluster settings decide allocation ranges.
            Err(d) => assert!(
                loaded.scenario != svcsim_core::scenario::ScenarioSpec::default(),
                "export does not reload:\n{}\n{yaml}",
                render(&d)
            ),
        }
    }
}
