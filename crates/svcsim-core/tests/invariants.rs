//! Seeded property test: random scenarios with faults, invariants checked
//! after every event (TigerBeetle's VOPR habit). The number of scenarios is
//! `SVCSIM_PROP_CASES` (default 1000); `SVCSIM_PROP_SEED=N` replays one.

mod common;

use common::*;
use svcsim_core::model::Object;
use svcsim_core::rng::Stream;
use svcsim_core::scenario::{ClientKind, ClientSpec, NodeSpec, ScenarioSpec, TimedCommand};
use svcsim_core::sim::TraceKind;
use svcsim_core::{Command, Sim, SimDuration, SimTime};

/// A random but valid scenario for `seed`.
fn scenario(seed: u64) -> (Vec<Object>, ScenarioSpec) {
    let mut r = Stream::derive(seed, "property/scenario");
    let mut spec = ScenarioSpec {
        seed,
        ..Default::default()
    };
    let nodes = 1 + r.below(4) as usize;
    for i in 0..nodes {
        spec.nodes.push(NodeSpec {
            name: format!("n{i}"),
            ..Default::default()
        });
    }
    let mut objects = Vec::new();
    let apps = 1 + r.below(3) as usize;
    let types = ["ClusterIP", "NodePort", "LoadBalancer"];
    for a in 0..apps {
        let name = format!("app{a}");
        let mut d = deployment(&name, r.below(5) as i32, 8080);
        // Short grace periods so deletions finish within the run and the
        // "terminating pods go away" invariant is exercised.
        d.spec.template.spec.termination_grace_period_seconds = Some(r.below(4) as i64);
        objects.push(Object::Deployment(d));
        let ty = types[r.below(3) as usize];
        let mut svc = service(&name, &name, ty, 80, 8080);
        if r.chance(1, 3) {
            svc.spec.external_traffic_policy = Some("Local".into());
        }
        if r.chance(1, 4) {
            svc.spec.session_affinity = Some("ClientIP".into());
        }
        if r.chance(1, 6) {
            svc.spec.cluster_ip = Some("None".into());
            svc.spec.type_ = Some("ClusterIP".into());
        }
        let external = ty != "ClusterIP" && svc.spec.cluster_ip.is_none();
        objects.push(Object::Service(svc));
        spec.clients.push(ClientSpec {
            name: format!("in{a}"),
            target: format!("{name}:80"),
            rate: 5.0 + r.below(20) as f64,
            keep_alive: r.chance(1, 3),
            timeout: SimDuration::from_secs(2),
            ..Default::default()
        });
        if external {
            let target = if ty == "LoadBalancer" && r.chance(1, 2) {
                format!("lb:{name}")
            } else {
                format!("nodeport:{name}")
            };
            spec.clients.push(ClientSpec {
                name: format!("ext{a}"),
                kind: ClientKind::External,
                target,
                rate: 5.0 + r.below(10) as f64,
                timeout: SimDuration::from_secs(2),
                ..Default::default()
            });
        }
    }
    spec.churn.pod_crashes_per_hour = (r.below(4) * 60) as f64;
    spec.churn.node_failures_per_hour = (r.below(3) * 20) as f64;
    spec.workloads = (0..apps)
        .map(|a| svcsim_core::scenario::WorkloadSpec {
            deployment: format!("app{a}"),
            shutdown_delay: SimDuration::from_millis(r.below(3000)),
            ..Default::default()
        })
        .collect();
    spec.churn.node_recovery = SimDuration::from_secs(5 + r.below(20));
    spec.timing.node_monitor_grace_period = SimDuration::from_secs(2 + r.below(5));
    spec.timing.eviction_timeout = SimDuration::from_secs(3 + r.below(5));
    spec.timing.crash_backoff_initial = SimDuration::from_secs(1);
    spec.cluster.cloud_load_balancer = r.chance(3, 4);
    for _ in 0..r.below(6) {
        let at = SimDuration::from_millis(r.below(8_000));
        let app = format!("app{}", r.below(apps as u64));
        let node = format!("n{}", r.below(nodes as u64));
        let command = match r.below(11) {
            9 => Command::KillPod {
                pod: format!("{app}-*"),
            },
            10 => Command::CrashPod {
                pod: format!("{app}-*"),
            },
            0 => Command::FailNode { node },
            1 => Command::RecoverNode { node },
            2 => Command::CordonNode { node },
            3 => Command::DrainNode { node, force: false },
            4 => Command::Scale {
                deployment: app,
                replicas: r.below(6) as i32,
            },
            5 => Command::Rollout {
                deployment: app,
                image: format!("img:v{}", 2 + r.below(3)),
            },
            6 => Command::SetExternalTrafficPolicy {
                service: app,
                policy: if r.chance(1, 2) { "Local" } else { "Cluster" }.into(),
            },
            7 => Command::SetCloudLoadBalancer {
                present: r.chance(1, 2),
            },
            _ => Command::SetSessionAffinity {
                service: app,
                affinity: "ClientIP".into(),
            },
        };
        spec.events.push(TimedCommand { at, command });
    }
    (objects, spec)
}

fn run_case(seed: u64) -> Result<(), String> {
    let (objects, spec) = scenario(seed);
    let mut sim = Sim::new(objects, spec).map_err(|e| format!("build: {e}"))?;
    let end = SimTime::from_secs(15);
    let mut last = SimTime::ZERO;
    let mut ended = std::collections::BTreeSet::new();
    while sim.next_event_time().is_some_and(|t| t <= end) {
        sim.step();
        if sim.now() < last {
            return Err(format!("time went backwards: {} < {}", sim.now(), last));
        }
        last = sim.now();
        sim.check_invariants()?;
        for ev in sim.drain_trace() {
            if let TraceKind::End(e) = &ev.kind {
                if !ended.insert(e.request) {
                    return Err(format!("request {} ended twice", e.request));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn random_scenarios_keep_invariants() {
    let cases: u64 = std::env::var("SVCSIM_PROP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seeds: Vec<u64> = match std::env::var("SVCSIM_PROP_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(s) => vec![s],
        None => (1..=cases).collect(),
    };
    for seed in seeds {
        if let Err(e) = run_case(seed) {
            panic!(
                "seed {seed}: {e}\nreplay: SVCSIM_PROP_SEED={seed} cargo test -p svcsim-core --test invariants"
            );
        }
    }
}
