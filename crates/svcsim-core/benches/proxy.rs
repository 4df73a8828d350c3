//! kube-proxy benchmarks: a full iptables sync for one node of a
//! 5,000-Service cluster (about 3 endpoints each), and its rendering to
//! `iptables-restore` text; plus one packet through the interpreter.
//! Run with `cargo bench -p svcsim-core --bench proxy`.

use divan::Bencher;
use svcsim_core::model::{
    Endpoint, EndpointPort, EndpointSlice, ObjectMeta, Service, ServicePort, ServiceSpec,
};
use svcsim_core::net::{Cidr, Ipv4Addr, Protocol};
use svcsim_core::proxy::netfilter::{evaluate, EvalCtx, Hook, Packet, RecentTable};
use svcsim_core::proxy::{iptables, NodeFacts};
use svcsim_core::rng::Stream;
use svcsim_core::SimTime;

fn main() {
    divan::main();
}

const SERVICES: u32 = 5_000;

/// A synthetic cluster: 100 nodes; every 10th Service is a NodePort and
/// every 25th a LoadBalancer; endpoints spread over the nodes, 2-4 each
/// (3 on average).
fn cluster() -> (Vec<Service>, Vec<EndpointSlice>) {
    let mut services = Vec::new();
    let mut slices = Vec::new();
    for i in 0..SERVICES {
        let ns = format!("ns{}", i % 50);
        let name = format!("svc{i}");
        let type_ = if i % 25 == 0 {
            "LoadBalancer"
        } else if i % 10 == 0 {
            "NodePort"
        } else {
            "ClusterIP"
        };
        let mut svc = Service {
            metadata: ObjectMeta {
                name: name.clone(),
                namespace: Some(ns.clone()),
                ..Default::default()
            },
            spec: ServiceSpec {
                type_: Some(type_.into()),
                cluster_ip: Some(format!("10.96.{}.{}", i / 250, i % 250 + 1)),
                ports: vec![ServicePort {
                    name: Some("http".into()),
                    protocol: Some("TCP".into()),
                    port: 80,
                    node_port: (type_ != "ClusterIP").then_some(30000 + (i % 2000) as i32),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        };
        if type_ == "LoadBalancer" {
            svc.status.load_balancer = Some(svcsim_core::model::LoadBalancerStatus {
                ingress: vec![svcsim_core::model::LoadBalancerIngress {
                    ip: Some(format!("203.0.{}.{}", i / 250, i % 250 + 1)),
                    ..Default::default()
                }],
            });
        }
        services.push(svc);
        let mut sl = EndpointSlice {
            metadata: ObjectMeta {
                name: format!("{name}-1"),
                namespace: Some(ns),
                ..Default::default()
            },
            address_type: "IPv4".into(),
            ports: vec![EndpointPort {
                name: Some("http".into()),
                port: Some(8080),
                protocol: Some("TCP".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        sl.metadata
            .labels
            .insert("kubernetes.io/service-name".into(), name);
        for k in 0..(2 + i % 3) {
            let n = i * 3 + k;
            sl.endpoints.push(Endpoint {
                addresses: vec![format!(
                    "10.{}.{}.{}",
                    100 + n / 62_500,
                    (n / 250) % 250,
                    n % 250 + 1
                )],
                node_name: Some(format!("node-{}", n % 100)),
                ..Default::default()
            });
        }
        slices.push(sl);
    }
    (services, slices)
}

fn facts() -> NodeFacts {
    let mut f = NodeFacts::new("node-0", vec![Ipv4Addr::new(192, 168, 0, 2)]);
    f.cluster_cidr = Cidr::parse("10.0.0.0/8");
    f
}

#[divan::bench(sample_count = 10)]
fn full_sync_5000_services(b: Bencher) {
    let (services, slices) = cluster();
    let facts = facts();
    b.bench(|| iptables::generate(divan::black_box(&services), &slices, &facts));
}

#[divan::bench(sample_count = 10)]
fn full_sync_and_render_5000_services(b: Bencher) {
    let (services, slices) = cluster();
    let facts = facts();
    b.bench(|| iptables::generate(divan::black_box(&services), &slices, &facts).render_save());
}

#[divan::bench]
fn evaluate_one_packet_5000_services(b: Bencher) {
    let (services, slices) = cluster();
    let rules = iptables::generate(&services, &slices, &facts());
    let mut rng = Stream::derive(1, "bench");
    let mut recent = RecentTable::new();
    let pkt = Packet {
        src: Ipv4Addr::new(10, 1, 0, 5),
        sport: 40000,
        dst: Ipv4Addr::new(10, 96, 19, 250),
        dport: 80,
        proto: Protocol::Tcp,
    };
    b.bench_local(|| {
        let mut ctx = EvalCtx {
            rng: &mut rng,
            recent: &mut recent,
            now: SimTime::ZERO,
        };
        evaluate(&rules, divan::black_box(&pkt), Hook::Prerouting, &mut ctx)
    });
}
