//! Builders for hand-made test scenarios (the core cannot depend on the
//! manifests crate, so its own tests build objects in code).

#![allow(dead_code)]

use svcsim_core::model::*;

pub fn labels(app: &str) -> Labels {
    [("app".to_string(), app.to_string())].into_iter().collect()
}

pub fn deployment(name: &str, replicas: i32, port: i32) -> Deployment {
    Deployment {
        api_version: "apps/v1".into(),
        metadata: ObjectMeta {
            name: name.into(),
            ..Default::default()
        },
        spec: DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(labels(name)),
                match_expressions: None,
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: labels(name),
                    ..Default::default()
                },
                spec: PodSpec {
                    containers: vec![Container {
                        name: "app".into(),
                        image: Some(format!("{name}:v1")),
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
    }
}

pub fn service(name: &str, app: &str, type_: &str, port: i32, target: i32) -> Service {
    Service {
        api_version: "v1".into(),
        metadata: ObjectMeta {
            name: name.into(),
            ..Default::default()
        },
        spec: ServiceSpec {
            type_: Some(type_.into()),
            selector: Some(labels(app)),
            ports: vec![ServicePort {
                port,
                target_port: Some(IntOrString::Int(target)),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: Default::default(),
    }
}
