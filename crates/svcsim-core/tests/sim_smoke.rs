//! Smoke tests of the engine on hand-built scenarios.

use svcsim_core::model::*;
use svcsim_core::scenario::{ClientSpec, ScenarioSpec};
use svcsim_core::{Sim, SimDuration, SimTime};

fn deployment(name: &str, replicas: i32, port: i32) -> Object {
    let labels: Labels = [("app".to_string(), name.to_string())]
        .into_iter()
        .collect();
    Object::Deployment(Deployment {
        api_version: "apps/v1".into(),
        metadata: ObjectMeta {
            name: name.into(),
            ..Default::default()
        },
        spec: DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                match_expressions: None,
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels,
                    ..Default::default()
                },
                spec: PodSpec {
                    containers: vec![Container {
                        name: "app".into(),
                        image: Some("demo:v1".into()),
                        ports: vec![ContainerPort {
                            container_port: port,
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
    })
}

fn service(name: &str, app: &str, port: i32, target: i32) -> Object {
    Object::Service(Service {
        api_version: "v1".into(),
        metadata: ObjectMeta {
            name: name.into(),
            ..Default::default()
        },
        spec: ServiceSpec {
            selector: Some([("app".to_string(), app.to_string())].into_iter().collect()),
            ports: vec![ServicePort {
                port,
                target_port: Some(IntOrString::Int(target)),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: Default::default(),
    })
}

#[test]
fn clusterip_requests_succeed_and_spread() {
    let objects = vec![deployment("web", 3, 8080), service("web", "web", 80, 8080)];
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
    eprintln!("{:#?}", m.outcomes);
    eprintln!("{:#?}", m.reasons);
    assert!(m.requests > 1500, "{}", m.requests);
    assert_eq!(m.outcomes.get("ok").copied().unwrap_or(0), m.requests);
    let web_pods: Vec<_> = m
        .per_pod
        .iter()
        .filter(|(k, _)| k.starts_with("default/web-"))
        .collect();
    assert_eq!(
        web_pods.len(),
        3,
        "{:?}",
        m.per_pod.keys().collect::<Vec<_>>()
    );
    let trace = sim.drain_trace();
    assert!(trace.len() > 10_000);
    let _ = SimDuration::ZERO;
}
