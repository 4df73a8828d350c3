//! NetworkPolicy golden cases: every `tests/data/netpol/<case>/stepN.yaml`
//! is loaded, and every `{from, to, port, protocol, allowed}` entry of the
//! matching `stepN.expected.json` is checked against
//! `svcsim_core::netpol::PolicyIndex::evaluate`. Also checks that policies
//! see a Service's targetPort, not its port (post-DNAT enforcement).
//!
//! The cases are the full reachability matrices of Kubernetes' netpol e2e
//! suite plus svcsim's own (see `tests/data/netpol/README.md`).

use serde::Deserialize;
use svcsim_core::model::{Object, Pod, Service};
use svcsim_core::net::Protocol;
use svcsim_core::netpol::{service_target_port, Peer, PolicyIndex, Reason};
use svcsim_manifests::lenient::parse_objects;
use svcsim_tests::data_path;

#[derive(Deserialize)]
struct Expected {
    case: String,
    expected: Vec<Probe>,
}

#[derive(Deserialize)]
struct Probe {
    from: String,
    to: String,
    port: u16,
    protocol: String,
    allowed: bool,
}

/// Load a YAML stream with the lenient loader (objects as given).
fn parse(text: &str) -> Vec<Object> {
    parse_objects(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .objects
}

fn load(path: &std::path::Path) -> Vec<Object> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&text)
}

fn find_pod<'a>(index: &'a PolicyIndex, key: &str) -> &'a Pod {
    let (ns, name) = key
        .split_once('/')
        .unwrap_or_else(|| panic!("bad pod key {key}"));
    index
        .pod(ns, name)
        .unwrap_or_else(|| panic!("no pod {key}"))
}

/// Every step of every case, as `(case dir name, step yaml, expected json)`.
fn steps() -> Vec<(String, std::path::PathBuf, std::path::PathBuf)> {
    let root = data_path("netpol");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let case = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for n in 1.. {
            let yaml = dir.join(format!("step{n}.yaml"));
            if !yaml.exists() {
                break;
            }
            out.push((
                case.clone(),
                yaml,
                dir.join(format!("step{n}.expected.json")),
            ));
        }
    }
    out
}

#[test]
fn reachability_matrices() {
    let steps = steps();
    assert!(
        steps.len() >= 10,
        "expected the e2e and own cases, found {}",
        steps.len()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for (case, yaml, json) in &steps {
        let index = PolicyIndex::from_objects(&load(yaml));
        assert!(
            index.warnings().is_empty(),
            "{case}: {:?}",
            index.warnings()
        );
        let text =
            std::fs::read_to_string(json).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
        let expected: Expected =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", json.display()));

        // The matrix must be complete: every ordered pair of distinct pods
        // for every probed (port, protocol).
        let pods = index.pods().count();
        let mut probes: Vec<(u16, &str)> = expected
            .expected
            .iter()
            .map(|p| (p.port, p.protocol.as_str()))
            .collect();
        probes.sort();
        probes.dedup();
        assert_eq!(
            expected.expected.len(),
            pods * (pods - 1) * probes.len(),
            "{case}: incomplete matrix in {}",
            json.display()
        );

        for p in &expected.expected {
            let proto = Protocol::parse(&p.protocol)
                .unwrap_or_else(|| panic!("bad protocol {}", p.protocol));
            let src = find_pod(&index, &p.from);
            let dst = find_pod(&index, &p.to);
            let reach = index.evaluate(Peer::Pod(src), Peer::Pod(dst), p.port, proto);
            checked += 1;
            if reach.allowed != p.allowed {
                failures.push(format!(
                    "{case} {}: {} -> {} {}/{}: expected {}, got {} ({})",
                    yaml.file_name().unwrap_or_default().to_string_lossy(),
                    p.from,
                    p.to,
                    p.protocol,
                    p.port,
                    p.allowed,
                    reach.allowed,
                    serde_json::to_string(&reach).unwrap_or_default()
                ));
            }
        }
        let _ = &expected.case;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} probes wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const SERVICE_CASE: &str = r#"
apiVersion: v1
kind: Pod
metadata: {namespace: shop, name: client, labels: {app: client}}
spec: {containers: [{name: c}]}
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {namespace: shop, name: web-1, labels: {app: web}}
spec:
  containers:
  - name: web
    ports: [{containerPort: 8080, name: http}]
status: {podIP: 10.244.2.7}
---
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web}
spec:
  clusterIP: 10.96.0.50
  selector: {app: web}
  ports:
  - {name: by-number, port: 80, targetPort: 8080}
  - {name: by-name, port: 81, targetPort: http}
"#;

fn policy_on_port(port: &str) -> String {
    format!(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{namespace: shop, name: web-port}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  ingress:\n  - ports: [{{port: {port}}}]\n"
    )
}

/// Connect from `client` to the Service `web` on `svc_port`: kube-proxy DNATs
/// to web-1 and the Service's targetPort, and only then is policy applied.
fn through_service(extra: &str, svc_port: u16) -> bool {
    let objects = parse(&format!("{SERVICE_CASE}{extra}"));
    let svc: &Service = objects
        .iter()
        .find_map(|o| match o {
            Object::Service(s) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Service"));
    let index = PolicyIndex::from_objects(&objects);
    let client = find_pod(&index, "shop/client");
    let backend = find_pod(&index, "shop/web-1");
    let target = service_target_port(svc, svc_port, Protocol::Tcp, backend)
        .unwrap_or_else(|| panic!("no target port for {svc_port}"));
    assert_eq!(target, 8080);
    index
        .evaluate(Peer::Pod(client), Peer::Pod(backend), target, Protocol::Tcp)
        .allowed
}

#[test]
fn service_traffic_is_judged_on_the_target_port() {
    // A policy on the container port (8080, or its name) lets traffic to the
    // Service in, for a numeric and for a named targetPort.
    assert!(through_service(&policy_on_port("8080"), 80));
    assert!(through_service(&policy_on_port("8080"), 81));
    assert!(through_service(&policy_on_port("http"), 80));
    // A policy on the Service port (80) does not.
    assert!(!through_service(&policy_on_port("80"), 80));
    // Without any policy everything is open.
    assert!(through_service("", 80));
}

#[test]
fn verdicts_name_the_rule_and_serialize() {
    let objects = parse(&format!("{SERVICE_CASE}{}", policy_on_port("8080")));
    let index = PolicyIndex::from_objects(&objects);
    let client = find_pod(&index, "shop/client");
    let backend = find_pod(&index, "shop/web-1");
    let ok = index.evaluate(Peer::Pod(client), Peer::Pod(backend), 8080, Protocol::Tcp);
    assert_eq!(
        ok.ingress.reason,
        Reason::AllowedByRule {
            policy: "shop/web-port".into(),
            rule: 0
        }
    );
    assert_eq!(ok.egress.reason, Reason::NotIsolated);
    let denied = index.evaluate(Peer::Pod(client), Peer::Pod(backend), 80, Protocol::Tcp);
    let json = serde_json::to_value(&denied).unwrap_or_default();
    assert_eq!(json["allowed"], false);
    assert_eq!(json["ingress"]["policies"][0], "shop/web-port");
    assert_eq!(json["ingress"]["reason"]["kind"], "no-rule-matched");
    assert_eq!(
        json["ingress"]["reason"]["misses"][0]["port_matched"],
        false
    );
    // Namespaces that only pods mention exist, with their name label.
    assert_eq!(
        index
            .namespace_labels("shop")
            .and_then(|l| l.get("kubernetes.io/metadata.name"))
            .map(String::as_str),
        Some("shop")
    );
}
