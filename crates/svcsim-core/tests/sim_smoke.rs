//! Smoke test of the engine on a hand-built scenario: a ClusterIP Service
//! in front of three pods, one in-cluster client.

mod common;

use common::{deployment, service};
use svcsim_core::model::Object;
use svcsim_core::scenario::{ClientSpec, ScenarioSpec};
use svcsim_core::{Sim, SimTime};

#[test]
fn clusterip_requests_succeed_and_spread() {
    let objects = vec![
        Object::Deployment(deployment("web", 3, 8080)),
        Object::Service(service("web", "web", "ClusterIP", 80, 8080)),
    ];
    let mut spec = ScenarioSpec::default();
    spec.clients.push(ClientSpec {
        name: "c".into(),
        target: "web:80".into(),
        rate: 200.0,
        ..Default::default()
    });
    let mut sim = Sim::new(objects, spec).expect("builds");
    sim.run_until(SimTime::from_secs(10));
    let m = sim.metrics();
    assert!(m.requests > 1500, "{}", m.requests);
    assert_eq!(
        m.outcomes.get("ok").copied().unwrap_or(0),
        m.requests,
        "{:?}",
        m.reasons
    );
    let web_pods = m
        .per_pod
        .keys()
        .filter(|k| k.starts_with("default/web-"))
        .count();
    assert_eq!(web_pods, 3, "{:?}", m.per_pod.keys().collect::<Vec<_>>());
    assert!(sim.drain_trace().len() > 10_000);
}
