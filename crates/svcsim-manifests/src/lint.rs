//! A best-practice linter for a loaded scenario: the advice of the seed
//! article's "Best Practices for Using Kubernetes Services", checked
//! against the objects and clients, each finding naming the object and
//! saying why it matters.
//!
//! Validation ([`crate::load`]) answers "would the API server take this?";
//! lint answers "is this a good idea?". Everything here is legal
//! Kubernetes. It is a pure function of the objects, so the CLI
//! (`svcsim lint`) and the UI's panel give the same answers.

use serde::Serialize;
use std::net::Ipv4Addr;
use svcsim_core::model::{Labels, Object, ServiceType};
use svcsim_core::scenario::{ClientKind, ScenarioSpec};
use svcsim_core::vecmap::VecMap;

/// One piece of advice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable rule name (`selector-matches-nothing`, …).
    pub rule: &'static str,
    /// `Service default/web`, `client frontend`, `namespace shop`.
    pub object: String,
    pub message: String,
}

/// Every rule, with a one-line description (for `--help` and the panel).
pub const RULES: &[(&str, &str)] = &[
    (
        "selector-matches-nothing",
        "a Service's selector matches no pod, so it has no endpoints",
    ),
    (
        "selector-too-broad",
        "a Service's selector catches pods of several versions (v1 and v2)",
    ),
    (
        "nodeport-for-external",
        "NodePort used for outside traffic where a LoadBalancer belongs",
    ),
    (
        "missing-labels",
        "a workload or Service without labels (nothing can select or track it)",
    ),
    (
        "hard-coded-ip",
        "a client calls an IP address instead of the Service's DNS name",
    ),
    (
        "no-network-policy",
        "no NetworkPolicy at all: every pod accepts traffic from every pod",
    ),
    (
        "namespace-wide-open",
        "a namespace where no NetworkPolicy selects any pod",
    ),
];

/// A pod-producing object: its namespace, a display name, its pod labels
/// and its images.
struct Workload<'a> {
    ns: &'a str,
    what: String,
    labels: &'a Labels,
    images: Vec<&'a str>,
}

fn workloads(objects: &[Object]) -> Vec<Workload<'_>> {
    let mut out = Vec::new();
    for o in objects {
        let (what, tpl_meta, spec) = match o {
            Object::Deployment(d) => (
                "Deployment",
                &d.spec.template.metadata,
                &d.spec.template.spec,
            ),
            Object::ReplicaSet(r) => (
                "ReplicaSet",
                &r.spec.template.metadata,
                &r.spec.template.spec,
            ),
            Object::Pod(p) => ("Pod", &p.metadata, &p.spec),
            _ => continue,
        };
        let m = o.meta();
        out.push(Workload {
            ns: m.ns(),
            what: format!("{what} {}/{}", m.ns(), m.name),
            labels: &tpl_meta.labels,
            images: spec
                .containers
                .iter()
                .filter_map(|c| c.image.as_deref())
                .collect(),
        });
    }
    out
}

/// What tells one version of an app from another: the `version` label
/// (or `app.kubernetes.io/version`), else the first image's tag.
fn version_of(w: &Workload) -> Option<String> {
    for k in ["version", "app.kubernetes.io/version"] {
        if let Some(v) = w.labels.get(k) {
            return Some(v.clone());
        }
    }
    w.images
        .first()
        .and_then(|i| i.rsplit_once(':'))
        .filter(|(_, tag)| !tag.contains('/'))
        .map(|(_, tag)| tag.to_string())
}

fn selector_text(sel: &Labels) -> String {
    sel.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `true` when the host part of `host:port` is an IPv4 literal.
fn is_ip_target(target: &str) -> bool {
    let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
    host.parse::<Ipv4Addr>().is_ok()
}

/// Lint a scenario's objects (as [`crate::Loaded::objects`] holds them)
/// and its clients. Findings come in rule order, then object order.
pub fn lint(objects: &[Object], scenario: &ScenarioSpec) -> Vec<Finding> {
    let mut out = Vec::new();
    let loads = workloads(objects);
    let services: Vec<_> = objects
        .iter()
        .filter_map(|o| match o {
            Object::Service(s) => Some(s),
            _ => None,
        })
        .collect();

    // Selectors.
    for s in &services {
        let Some(sel) = s.spec.selector.as_ref().filter(|m| !m.is_empty()) else {
            continue;
        };
        let ns = s.metadata.ns();
        let matched: Vec<&Workload> = loads
            .iter()
            .filter(|w| w.ns == ns && sel.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
            .collect();
        let name = format!("Service {ns}/{}", s.metadata.name);
        if matched.is_empty() {
            out.push(Finding {
                rule: "selector-matches-nothing",
                object: name,
                message: format!(
                    "selector {} matches no pod in namespace {ns}: the Service has no endpoints, \
                     and every request to it is refused. Check the labels in the pod template.",
                    selector_text(sel)
                ),
            });
            continue;
        }
        let versions: VecMap<String, &str> = svcsim_core::order::map_of(
            matched
                .iter()
                .filter_map(|w| version_of(w).map(|v| (v, w.what.as_str()))),
        );
        if versions.len() > 1 {
            let list = versions
                .iter()
                .map(|(v, w)| format!("{v} ({w})"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Finding {
                rule: "selector-too-broad",
                object: name,
                message: format!(
                    "selector {} catches pods of several versions: {list}. Requests are split \
                     across them; add a version label to the selector unless that split is the point.",
                    selector_text(sel)
                ),
            });
        }
    }

    // NodePort for outside traffic.
    for s in &services {
        if s.service_type() != ServiceType::NodePort {
            continue;
        }
        let ns = s.metadata.ns();
        let users: Vec<&str> = scenario
            .clients
            .iter()
            .filter(|c| {
                c.kind == ClientKind::External
                    && c.target.strip_prefix("nodeport:").is_some_and(|t| {
                        t == s.metadata.name || t == format!("{ns}/{}", s.metadata.name)
                    })
            })
            .map(|c| c.name.as_str())
            .collect();
        let who = if users.is_empty() {
            "It opens the same port on every node".to_string()
        } else {
            format!(
                "External client(s) {} reach it on node addresses directly",
                users.join(", ")
            )
        };
        out.push(Finding {
            rule: "nodeport-for-external",
            object: format!("Service {ns}/{}", s.metadata.name),
            message: format!(
                "type NodePort. {who}. NodePort suits development and one-off access; for \
                 production traffic from outside the cluster use type: LoadBalancer, which \
                 puts one stable address in front of the nodes."
            ),
        });
    }

    // Labels.
    for o in objects {
        let (kind, labels) = match o {
            Object::Deployment(d) => ("Deployment", &d.spec.template.metadata.labels),
            Object::ReplicaSet(r) => ("ReplicaSet", &r.spec.template.metadata.labels),
            Object::Pod(p) => ("Pod", &p.metadata.labels),
            Object::Service(s) => ("Service", &s.metadata.labels),
            _ => continue,
        };
        if labels.is_empty() {
            let m = o.meta();
            let whose = if kind == "Service" {
                "it has no labels, so tools and selectors cannot group or track it"
            } else {
                "its pods have no labels, so no Service or NetworkPolicy can select them"
            };
            out.push(Finding {
                rule: "missing-labels",
                object: format!("{kind} {}/{}", m.ns(), m.name),
                message: format!("{whose}. Label clearly, e.g. app: NAME and version: v1."),
            });
        }
    }

    // Clients with hard-coded addresses.
    for c in &scenario.clients {
        if c.kind == ClientKind::InCluster && is_ip_target(&c.target) {
            out.push(Finding {
                rule: "hard-coded-ip",
                object: format!("client {}", c.name),
                message: format!(
                    "calls {} directly. Pod IPs change whenever a pod is replaced; call the \
                     Service by its DNS name (SERVICE.NAMESPACE.svc.cluster.local) instead.",
                    c.target
                ),
            });
        }
    }

    // NetworkPolicy.
    let policies: Vec<_> = objects
        .iter()
        .filter_map(|o| match o {
            Object::NetworkPolicy(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut namespaces: Vec<&str> = loads.iter().map(|w| w.ns).collect();
    svcsim_core::order::sort(&mut namespaces);
    namespaces.dedup();
    if policies.is_empty() {
        if !loads.is_empty() {
            out.push(Finding {
                rule: "no-network-policy",
                object: "cluster".into(),
                message: "no NetworkPolicy: every pod accepts connections from every other pod \
                          in every namespace. Start with a default-deny policy per namespace and \
                          allow what each Service needs."
                    .into(),
            });
        }
    } else {
        for ns in namespaces {
            let isolated = loads.iter().filter(|w| w.ns == ns).any(|w| {
                policies.iter().any(|p| {
                    p.metadata.ns() == ns
                        && p.spec
                            .policy_types
                            .as_ref()
                            .is_none_or(|t| t.iter().any(|t| t == "Ingress"))
                        && p.spec.pod_selector.matches(w.labels)
                })
            });
            if !isolated {
                out.push(Finding {
                    rule: "namespace-wide-open",
                    object: format!("namespace {ns}"),
                    message: format!(
                        "no NetworkPolicy selects any pod in {ns}, so every pod there is \
                         reachable from everywhere in the cluster."
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<Finding> {
        let l = crate::load(text, "t.yaml").unwrap_or_else(|d| panic!("{}", crate::render(&d)));
        lint(&l.objects, &l.scenario)
    }

    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule).collect()
    }

    const DEP: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web, version: v1}}
  template:
    metadata: {labels: {app: web, version: v1}}
    spec: {containers: [{name: web, image: 'my-repo/web:v1'}]}
";

    fn svc(selector: &str, ty: &str) -> String {
        format!(
            "---
apiVersion: v1
kind: Service
metadata: {{name: web, labels: {{app: web}}}}
spec:
  type: {ty}
  selector: {selector}
  ports: [{{port: 80, targetPort: 8080}}]
"
        )
    }

    const DENY: &str = "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
";

    #[test]
    fn a_tidy_scenario_is_clean() {
        let f = run(&format!("{DEP}{}{DENY}", svc("{app: web}", "ClusterIP")));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn selector_matching_nothing() {
        let f = run(&format!("{DEP}{}{DENY}", svc("{app: wbe}", "ClusterIP")));
        assert_eq!(rules(&f), ["selector-matches-nothing"]);
        assert!(f[0].message.contains("app=wbe"), "{}", f[0].message);
    }

    #[test]
    fn selector_catching_two_versions() {
        let v2 = DEP
            .replace("name: web}", "name: web-v2}")
            .replace("version: v1", "version: v2")
            .replace("web:v1", "web:v2");
        let f = run(&format!(
            "{DEP}---\n{v2}{}{DENY}",
            svc("{app: web}", "ClusterIP")
        ));
        assert_eq!(rules(&f), ["selector-too-broad"]);
        assert!(f[0].message.contains("v1") && f[0].message.contains("v2"));
        // Narrowing the selector to one version fixes it.
        let f = run(&format!(
            "{DEP}---\n{v2}{}{DENY}",
            svc("{app: web, version: v2}", "ClusterIP")
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn nodeport_missing_labels_and_no_policy() {
        let unlabelled = "---
apiVersion: v1
kind: Service
metadata: {name: bare}
spec: {ports: [{port: 80}]}
";
        let f = run(&format!(
            "{DEP}{}{unlabelled}",
            svc("{app: web}", "NodePort")
        ));
        assert_eq!(
            rules(&f),
            [
                "nodeport-for-external",
                "missing-labels",
                "no-network-policy"
            ]
        );
    }

    #[test]
    fn hard_coded_ip_and_open_namespace() {
        let scenario = "---
apiVersion: svcsim.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  clients:
  - {name: fixed, target: '10.244.1.5:8080', rate: 1}
  - {name: good, target: 'web:80', rate: 1}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: other}
spec: {podSelector: {}, policyTypes: [Ingress]}
";
        let f = run(&format!(
            "{DEP}{}{scenario}",
            svc("{app: web}", "ClusterIP")
        ));
        assert_eq!(rules(&f), ["hard-coded-ip", "namespace-wide-open"], "{f:?}");
        assert_eq!(f[0].object, "client fixed");
        assert_eq!(f[1].object, "namespace default");
    }

    #[test]
    fn every_builtin_lints_without_panicking() {
        for name in crate::builtin::names() {
            let l = crate::builtin::load(name).unwrap().unwrap();
            let f = lint(&l.objects, &l.scenario);
            for x in &f {
                assert!(RULES.iter().any(|(r, _)| *r == x.rule), "{x:?}");
            }
        }
        // The teaching scenarios show what they are meant to show.
        let l = crate::builtin::load("nodeport").unwrap().unwrap();
        assert!(rules(&lint(&l.objects, &l.scenario)).contains(&"nodeport-for-external"));
        let l = crate::builtin::load("default-deny").unwrap().unwrap();
        assert!(!rules(&lint(&l.objects, &l.scenario)).contains(&"no-network-policy"));
    }
}
