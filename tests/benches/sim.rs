//! Engine benchmarks (divan): events per second on the `mixed` built-in
//! driven at 10,000 requests/s, and building a 1,000-node, 30,000-pod,
//! 5,000-Service cluster. Run: `cargo bench -p svcsim-tests --bench sim`.
//! `cargo xtask bench-wasm` times the same `mixed` workload natively and in
//! wasm (Chromium, Node) for the native-to-wasm ratio.

use divan::counter::ItemsCount;
use svcsim_core::model::*;
use svcsim_core::scenario::{NodeSpec, ScenarioSpec};
use svcsim_core::{Sim, SimDuration};

fn main() {
    divan::main();
}

/// `mixed`, with every client's rate scaled so the total is 10,000 req/s,
/// trace off, warmed up past the clients' start: the one definition of the
/// workload, shared with `cargo xtask bench-wasm` (`svcsim_js::bench`).
fn mixed_10k() -> Sim {
    svcsim_js::bench::mixed_10k(None).expect("mixed builds")
}

/// One simulated second of `mixed` at 10k req/s, trace off (metrics only).
#[divan::bench(sample_count = 10)]
fn mixed_10k_rps_one_second(b: divan::Bencher) {
    let base = mixed_10k();
    let mut probe = base.clone();
    let before = probe.events_processed();
    probe.run_for(SimDuration::from_secs(1));
    let events = probe.events_processed() - before;
    b.counter(ItemsCount::new(events))
        .with_inputs(|| base.clone())
        .bench_local_values(|mut sim| {
            sim.run_for(SimDuration::from_secs(1));
            sim
        });
}

/// The same with the trace recorded (what the UI and `svcsim trace` pay).
#[divan::bench(sample_count = 10)]
fn mixed_10k_rps_one_second_traced(b: divan::Bencher) {
    let mut base = mixed_10k();
    base.set_tracing(true);
    let mut probe = base.clone();
    let before = probe.events_processed();
    probe.run_for(SimDuration::from_secs(1));
    let events = probe.events_processed() - before;
    b.counter(ItemsCount::new(events))
        .with_inputs(|| base.clone())
        .bench_local_values(|mut sim| {
            sim.run_for(SimDuration::from_secs(1));
            sim.drain_trace()
        });
}

fn big_cluster() -> (Vec<Object>, ScenarioSpec) {
    let mut spec = ScenarioSpec::default();
    spec.cluster.cluster_cidr = "10.0.0.0/8".into();
    spec.cluster.node_cidr = "172.16.0.0/16".into();
    for i in 0..1000 {
        spec.nodes.push(NodeSpec {
            name: format!("node-{i}"),
            ..Default::default()
        });
    }
    let mut objects = Vec::new();
    for s in 0..5000 {
        let name = format!("svc-{s}");
        let labels: Labels = [("app".to_string(), name.clone())].into_iter().collect();
        objects.push(Object::Deployment(Deployment {
            api_version: "apps/v1".into(),
            metadata: ObjectMeta {
                name: name.clone(),
                ..Default::default()
            },
            spec: DeploymentSpec {
                replicas: Some(6),
                selector: LabelSelector {
                    match_labels: Some(labels.clone()),
                    match_expressions: None,
                },
                template: PodTemplateSpec {
                    metadata: ObjectMeta {
                        labels: labels.clone(),
                        ..Default::default()
                    },
                    spec: PodSpec {
                        containers: vec![Container {
                            name: "app".into(),
                            image: Some("app:v1".into()),
                            ports: vec![ContainerPort {
                                container_port: 8080,
                                ..Default::default()
                            }],
                            readiness_probe: None,
                        }],
                        ..Default::default()
                    },
                },
                strategy: None,
                min_ready_seconds: None,
            },
        }));
        objects.push(Object::Service(Service {
            api_version: "v1".into(),
            metadata: ObjectMeta {
                name,
                ..Default::default()
            },
            spec: ServiceSpec {
                selector: Some(labels),
                ports: vec![ServicePort {
                    port: 80,
                    target_port: Some(IntOrString::Int(8080)),
                    ..Default::default()
                }],
                ..Default::default()
            },
            status: Default::default(),
        }));
    }
    (objects, spec)
}

/// Build a 1,000-node, 30,000-pod, 5,000-Service cluster (warm start:
/// pods placed and Ready, EndpointSlices written, kube-proxies synced).
#[divan::bench(sample_count = 3)]
fn build_1000_nodes_30000_pods_5000_services(b: divan::Bencher) {
    b.with_inputs(big_cluster)
        .bench_local_values(|(objects, spec)| Sim::new(objects, spec).expect("big cluster builds"));
}
