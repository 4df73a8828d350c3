//! Manifests in and out: strict loading, API-server validation messages,
//! defaulting and allocation, limits, scenario files, export round trips.
//!
//! Most cases go through [`check`], which loads an input and compares the
//! rendered result (objects summary, warnings, or errors as
//! `file:line:col: path: message`) with a golden file under
//! `tests/data/manifests/`; `UPDATE_EXPECT=1` rewrites the goldens after a
//! reviewed change. Each invalid-input case also names the exact Kubernetes
//! message it must contain, and where Kubernetes defines it.

use svcsim_manifests::{builtin, export, load, load_with_limits, render, Loaded, LIMITS};
use svcsim_tests::check_golden;

/// Load `input` as `input.yaml` and render what happened.
fn run(input: &str) -> String {
    match load(input, "input.yaml") {
        Ok(l) => summary(&l),
        Err(d) => format!("errors:\n{}", render(&d)),
    }
}

fn summary(l: &Loaded) -> String {
    let mut out = format!("ok: {} objects\n", l.objects.len());
    for o in &l.objects {
        let ns = o.meta().namespace.as_deref().unwrap_or("-");
        out += &format!("  {} {ns}/{}", o.kind(), o.meta().name);
        if let svcsim_core::model::Object::Service(s) = o {
            out += &format!(
                " type={} clusterIP={} nodePorts={:?}",
                s.spec.type_.as_deref().unwrap_or(""),
                s.spec.cluster_ip.as_deref().unwrap_or(""),
                s.spec
                    .ports
                    .iter()
                    .filter_map(|p| p.node_port)
                    .collect::<Vec<_>>()
            );
            if let Some(h) = s.spec.health_check_node_port {
                out += &format!(" healthCheckNodePort={h}");
            }
        }
        out.push('\n');
    }
    for s in &l.skipped {
        out += &format!("skipped: {} {:?} (line {})\n", s.kind, s.name, s.line);
    }
    if !l.warnings.is_empty() {
        out += &format!("warnings:\n{}", render(&l.warnings));
    }
    out
}

/// Golden check: `tests/data/manifests/<name>.txt` holds the input and the
/// output, so each file reads on its own.
fn check(name: &str, input: &str) -> String {
    let out = run(input);
    check_golden(
        &format!("manifests/{name}.txt"),
        &format!("# input\n{input}# output\n{out}"),
    );
    out
}

/// An invalid input: golden check, plus the exact message it must carry.
fn invalid(name: &str, input: &str, message: &str) {
    let out = check(name, input);
    assert!(
        out.starts_with("errors:"),
        "{name}: expected errors, got\n{out}"
    );
    assert!(
        out.contains(message),
        "{name}: missing message\n  {message}\nin\n{out}"
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: microservice-one
spec:
  replicas: 3
  selector:
    matchLabels:
      app: microservice-one
  template:
    metadata:
      labels:
        app: microservice-one
    spec:
      containers:
      - name: ms-one
        image: my-repo/ms-one
        ports:
        - containerPort: 3000
      - name: log-collector
        image: my-repo/log-c
        ports:
        - containerPort: 9000
";

fn svc(spec: &str) -> String {
    format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n{spec}")
}

// ------------------------------------------------------------ the article

#[test]
fn article_manifests_load_once_indented() {
    let input = format!(
        "{DEPLOYMENT}---
apiVersion: v1
kind: Service
metadata:
  name: ms-service-nodeport
spec:
  type: NodePort
  selector:
    app: microservice-one
  ports:
  - protocol: TCP
    port: 3200
    targetPort: 3000
    nodePort: 30008
---
apiVersion: v1
kind: Service
metadata:
  name: ms-service-loadbalancer
spec:
  type: LoadBalancer
  selector:
    app: microservice-one
  ports:
  - protocol: TCP
    port: 3200
    targetPort: 3000
    nodePort: 30010
"
    );
    let out = check("article", &input);
    assert!(out.starts_with("ok: 3 objects"), "{out}");
    assert!(out.contains("nodePorts=[30008]") && out.contains("nodePorts=[30010]"));
}

#[test]
fn article_protocols_typo_is_an_unknown_field_with_a_suggestion() {
    // As the article prints it, but indented.
    let input = svc("  type: NodePort
  selector:
    app: microservice-one
  ports:
  - protocols: TCP
    port: 3200
    targetPort: 3000
    nodePort: 30008
");
    let out = check("article-protocols-typo", &input);
    assert_eq!(
        out,
        "errors:\ninput.yaml:10:5: spec.ports[0].protocols: unknown field; did you mean \"protocol\"?\n"
    );
}

#[test]
fn article_as_printed_points_at_the_indentation() {
    // The article's flattened Deployment, exactly as printed.
    let input = "apiVersion: apps/v1
kind: Deployment
metadata:
name: microservice-one
# ...
spec:
replicas: 3
";
    let out = check("article-flat-indentation", input);
    assert!(out.contains("input.yaml:4:1: name: unknown field; check the indentation: \"metadata\" on line 3 has no value"), "{out}");
}

// ------------------------------------------------------------ kubectl output

#[test]
fn kubectl_list_with_server_fields_loads() {
    let input = std::fs::read_to_string(svcsim_tests::data_path("manifests/kubectl-get-list.yaml"))
        .expect("fixture");
    let out = run(&input);
    check_golden("manifests/kubectl-get-list.out", &out);
    assert!(out.starts_with("ok: 5 objects"), "{out}");
    assert!(
        out.contains("skipped: ConfigMap \"kube-root-ca.crt\""),
        "{out}"
    );
}

#[test]
fn json_input_loads() {
    let input = r#"{"apiVersion": "v1", "kind": "Service",
 "metadata": {"name": "web", "uid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}"#;
    let out = check("json", &format!("{input}\n"));
    assert!(out.starts_with("ok: 1 objects"), "{out}");
    let bad = r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
 "spec": {"ports": [{"port": 80, "tagetPort": 8080}]}}"#;
    let out = run(bad);
    assert!(
        out.contains(
            "input.yaml:2:34: spec.ports[0].tagetPort: unknown field; did you mean \"targetPort\"?"
        ),
        "{out}"
    );
}

// ------------------------------------------------------------ defaulting

#[test]
fn defaults_and_allocation() {
    let input = format!(
        "{DEPLOYMENT}---
{}---
apiVersion: v1
kind: Service
metadata:
  name: lb-local
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: microservice-one
  ports:
  - name: dns
    port: 53
    protocol: UDP
  - name: dns-tcp
    port: 53
    protocol: TCP
",
        svc("  selector:\n    app: microservice-one\n  ports:\n  - port: 3000\n")
    );
    let l = load(&input, "input.yaml").expect("loads");
    let s = |i: usize| match &l.objects[i] {
        svcsim_core::model::Object::Service(s) => s.clone(),
        _ => panic!(),
    };
    let web = s(1);
    assert_eq!(web.spec.type_.as_deref(), Some("ClusterIP"));
    assert_eq!(web.spec.session_affinity.as_deref(), Some("None"));
    assert_eq!(web.spec.internal_traffic_policy.as_deref(), Some("Cluster"));
    assert_eq!(web.spec.external_traffic_policy, None);
    assert_eq!(web.spec.ports[0].protocol.as_deref(), Some("TCP"));
    assert_eq!(
        web.spec.ports[0].target_port,
        Some(svcsim_core::model::IntOrString::Int(3000))
    );
    assert_eq!(web.metadata.namespace.as_deref(), Some("default"));
    let ip = web.spec.cluster_ip.clone().unwrap();
    assert!(ip.starts_with("10."), "{ip}");
    assert_eq!(web.spec.cluster_ips, vec![ip]);
    let lb = s(2);
    assert_eq!(lb.spec.allocate_load_balancer_node_ports, Some(true));
    assert_eq!(lb.spec.external_traffic_policy.as_deref(), Some("Local"));
    // 53/UDP and 53/TCP share one nodePort (`initNodePorts`).
    assert_eq!(lb.spec.ports[0].node_port, lb.spec.ports[1].node_port);
    let np = lb.spec.ports[0].node_port.unwrap();
    assert!((30086..=32767).contains(&np), "{np}");
    assert!(lb.spec.health_check_node_port.is_some());
    assert_ne!(lb.spec.health_check_node_port, Some(np));
    // Deterministic: same input, same allocations.
    let again = load(&input, "input.yaml").unwrap();
    assert_eq!(again.objects, l.objects);
    check("defaults", &input);
}

#[test]
fn system_services_sit_at_first_and_tenth_address() {
    let spec = svcsim_core::scenario::ScenarioSpec::default();
    let sys = svcsim_manifests::system_services(&spec).unwrap();
    let ips: Vec<_> = sys
        .iter()
        .map(|o| match o {
            svcsim_core::model::Object::Service(s) => s.spec.cluster_ip.clone().unwrap(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(ips, ["10.96.0.1", "10.96.0.10"]);
}

// ------------------------------------------------------------ invalid inputs
//
// Each case cites where Kubernetes defines the message (kubernetes/kubernetes
// unless noted).

#[test]
fn invalid_nodeport_out_of_range_portallocator_err_not_in_range() {
    // pkg/registry/core/service/storage/alloc.go initNodePorts;
    // portallocator/allocator.go ErrNotInRange.
    invalid(
        "nodeport-out-of-range",
        &svc("  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 80\n"),
        "input.yaml:9:15: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767",
    );
}

#[test]
fn invalid_nodeport_already_allocated_portallocator_err_allocated() {
    // alloc.go initNodePorts; portallocator ErrAllocated.
    let one = svc("  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 30080\n");
    let two = one.replace("name: web", "name: web2");
    invalid(
        "nodeport-already-allocated",
        &format!("{one}---\n{two}"),
        "input.yaml:19:15: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated",
    );
}

#[test]
fn invalid_cluster_ip_outside_cidr_alloc_ips() {
    // alloc.go allocIPs; ipallocator/interfaces.go ErrNotInRange (v1.21+).
    invalid(
        "clusterip-outside-cidr",
        &svc("  clusterIP: 1.1.1.1\n  ports:\n  - port: 80\n"),
        "input.yaml:6:14: spec.clusterIPs: Invalid value: []string{\"1.1.1.1\"}: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12",
    );
}

#[test]
fn invalid_cluster_ip_taken_by_kube_dns_alloc_ips() {
    // alloc.go allocIPs; ipallocator ErrAllocated; kubeadm GetDNSIP.
    invalid(
        "clusterip-taken",
        &svc("  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n"),
        "spec.clusterIPs: Invalid value: []string{\"10.96.0.10\"}: failed to allocate IP 10.96.0.10: provided IP is already allocated",
    );
}

#[test]
fn invalid_headless_nodeport_validate_service() {
    // validation.go ValidateService, case ServiceTypeNodePort.
    invalid(
        "headless-nodeport",
        &svc("  type: NodePort\n  clusterIP: None\n  ports:\n  - port: 80\n"),
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
    );
}

#[test]
fn invalid_headless_loadbalancer_validate_service() {
    invalid(
        "headless-loadbalancer",
        &svc("  type: LoadBalancer\n  clusterIP: None\n  ports:\n  - port: 80\n"),
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services",
    );
}

#[test]
fn invalid_externalname_missing_validate_service() {
    // validation.go ValidateService, case ServiceTypeExternalName.
    invalid(
        "externalname-missing",
        &svc("  type: ExternalName\n"),
        "spec.externalName: Required value",
    );
}

#[test]
fn invalid_externalname_not_a_subdomain_validate_dns1123_subdomain() {
    invalid(
        "externalname-invalid",
        &svc("  type: ExternalName\n  externalName: My_Host\n"),
        "spec.externalName: Invalid value: \"My_Host\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
}

#[test]
fn invalid_externalname_with_cluster_ip_validate_service() {
    invalid(
        "externalname-clusterip",
        &svc("  type: ExternalName\n  externalName: example.com\n  clusterIP: None\n"),
        "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
    );
}

#[test]
fn invalid_duplicate_ports_validate_service() {
    // validation.go ValidateService, "Check for duplicate Ports".
    invalid(
        "duplicate-ports",
        &svc("  ports:\n  - name: a\n    port: 80\n  - name: b\n    port: 80\n"),
        "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
    );
}

#[test]
fn invalid_duplicate_port_names_validate_service_port() {
    invalid(
        "duplicate-port-names",
        &svc("  ports:\n  - name: http\n    port: 80\n  - name: http\n    port: 81\n"),
        "spec.ports[1].name: Duplicate value: \"http\"",
    );
}

#[test]
fn invalid_port_zero_is_valid_port_num() {
    // validation.go validateServicePort → IsValidPortNum (InclusiveRangeError);
    // targetPort is defaulted to 0 too.
    let out = run(&svc("  ports:\n  - port: 0\n"));
    invalid(
        "port-zero",
        &svc("  ports:\n  - port: 0\n"),
        "input.yaml:7:11: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
    );
    assert!(out.contains(
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"
    ));
}

#[test]
fn invalid_port_too_large_is_valid_port_num() {
    invalid(
        "port-70000",
        &svc("  ports:\n  - port: 70000\n    targetPort: 8080\n"),
        "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
    );
}

#[test]
fn invalid_target_port_name_is_valid_port_name() {
    // validation.go ValidatePortNumOrName → IsValidPortName.
    let out = run(&svc(
        "  ports:\n  - port: 80\n    targetPort: HTTP_PORT--\n",
    ));
    invalid(
        "targetport-name",
        &svc("  ports:\n  - port: 80\n    targetPort: HTTP_PORT--\n"),
        "spec.ports[0].targetPort: Invalid value: \"HTTP_PORT--\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
    );
    assert!(out.contains("Invalid value: \"HTTP_PORT--\": must contain at least one letter (a-z)"));
    assert!(out.contains("Invalid value: \"HTTP_PORT--\": must not contain consecutive hyphens"));
    assert!(out.contains("Invalid value: \"HTTP_PORT--\": must not begin or end with a hyphen"));
}

#[test]
fn invalid_target_port_number_validate_port_num_or_name() {
    invalid(
        "targetport-number",
        &svc("  ports:\n  - port: 80\n    targetPort: 70000\n"),
        "input.yaml:8:17: spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    );
}

#[test]
fn invalid_service_name_dns1035_label() {
    // validation.go ValidateServiceName = NameIsDNS1035Label.
    invalid(
        "service-name",
        &svc("  ports:\n  - port: 80\n").replace("name: web", "name: My-Svc"),
        "input.yaml:4:9: metadata.name: Invalid value: \"My-Svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
}

#[test]
fn invalid_selector_label_value_validate_labels() {
    // apimachinery meta/v1/validation ValidateLabels → IsValidLabelValue.
    invalid(
        "selector-label-value",
        &svc("  selector:\n    app: my app\n  ports:\n  - port: 80\n"),
        "spec.selector: Invalid value: \"my app\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
}

#[test]
fn invalid_label_key_is_qualified_name() {
    // ValidateLabels → ValidateLabelName → IsQualifiedName.
    invalid(
        "label-key",
        &svc("  ports:\n  - port: 80\n").replace("  name: web\n", "  name: web\n  labels:\n    \"my app\": x\n"),
        "metadata.labels: Invalid value: \"my app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
}

#[test]
fn invalid_protocol_supported_port_protocols() {
    // validation.go validateServicePort, supportedPortProtocols (sorted).
    invalid(
        "protocol-http",
        &svc("  ports:\n  - port: 80\n    protocol: HTTP\n"),
        "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
    );
}

#[test]
fn invalid_unnamed_port_among_several_validate_service_port() {
    invalid(
        "port-name-required",
        &svc("  ports:\n  - port: 80\n  - name: https\n    port: 443\n"),
        "input.yaml:7:5: spec.ports[0].name: Required value",
    );
}

#[test]
fn invalid_session_affinity_validate_service() {
    invalid(
        "session-affinity",
        &svc("  sessionAffinity: Sticky\n  ports:\n  - port: 80\n"),
        "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
    );
}

#[test]
fn invalid_affinity_timeout_validate_affinity_timeout() {
    invalid(
        "affinity-timeout",
        &svc("  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 86401\n  ports:\n  - port: 80\n"),
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400",
    );
}

#[test]
fn invalid_type_supported_service_type() {
    invalid(
        "type-foo",
        &svc("  type: Foo\n  ports:\n  - port: 80\n"),
        "spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
    );
}

#[test]
fn invalid_node_port_on_cluster_ip_validate_service() {
    invalid(
        "nodeport-on-clusterip",
        &svc("  ports:\n  - port: 80\n    nodePort: 30080\n"),
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    );
}

#[test]
fn invalid_etp_on_cluster_ip_validate_service_external_traffic_policy() {
    invalid(
        "etp-on-clusterip",
        &svc("  externalTrafficPolicy: Local\n  ports:\n  - port: 80\n"),
        "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services",
    );
}

#[test]
fn invalid_cluster_ip_syntax_is_valid_ip() {
    // ValidateServiceClusterIPsRelatedFields → IsValidIP; reported before
    // allocation (alloc.go initIPFamilyFields "loose pre-validation").
    invalid(
        "clusterip-syntax",
        &svc("  clusterIP: abc\n  ports:\n  - port: 80\n"),
        "input.yaml:6:14: spec.clusterIPs[0]: Invalid value: \"abc\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
    );
}

#[test]
fn invalid_lb_kubelet_port_validate_service() {
    invalid(
        "lb-kubelet-port",
        &svc("  type: LoadBalancer\n  ports:\n  - port: 10250\n"),
        "spec.ports[0]: Invalid value: 10250: may not expose port 10250 externally since it is used by kubelet",
    );
}

#[test]
fn invalid_deployment_selector_mismatch_validate_pod_template_spec_for_replica_set() {
    // pkg/apis/apps/validation ValidatePodTemplateSpecForReplicaSet.
    invalid(
        "deployment-selector-mismatch",
        &DEPLOYMENT.replacen("      app: microservice-one\n  template", "      app: other\n  template", 1),
        "input.yaml:13:9: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"microservice-one\"}: `selector` does not match template `labels`",
    );
}

#[test]
fn invalid_container_port_zero_validate_container_ports() {
    // validation.go validateContainerPorts: 0 is "Required".
    invalid(
        "container-port-zero",
        &DEPLOYMENT.replace("containerPort: 9000", "containerPort: 0"),
        "spec.template.spec.containers[1].ports[0].containerPort: Required value",
    );
}

#[test]
fn invalid_container_without_image_validate_containers() {
    invalid(
        "container-no-image",
        &DEPLOYMENT.replace("        image: my-repo/log-c\n", ""),
        "spec.template.spec.containers[1].image: Required value",
    );
}

#[test]
fn invalid_negative_replicas_validate_nonnegative_field() {
    invalid(
        "replicas-negative",
        &DEPLOYMENT.replace("replicas: 3", "replicas: -1"),
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    );
}

const NP: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: np
spec:
  podSelector:
    matchLabels:
      app: backend
";

#[test]
fn invalid_netpol_except_outside_cidr_validate_ip_block() {
    // pkg/apis/networking/validation ValidateIPBlock.
    invalid(
        "netpol-except-outside",
        &format!("{NP}  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n        except:\n        - 10.1.0.0/24\n"),
        "input.yaml:14:11: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr`",
    );
}

#[test]
fn invalid_netpol_except_equal_to_cidr_validate_ip_block() {
    invalid(
        "netpol-except-equal",
        &format!("{NP}  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n        except:\n        - 10.0.0.0/16\n"),
        "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/16\": must be a strict subset of `cidr`",
    );
}

#[test]
fn invalid_netpol_cidr_is_valid_cidr() {
    invalid(
        "netpol-bad-cidr",
        &format!("{NP}  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0/33\n"),
        "spec.egress[0].to[0].ipBlock.cidr: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
    );
}

#[test]
fn invalid_netpol_empty_peer_validate_network_policy_peer() {
    invalid(
        "netpol-empty-peer",
        &format!("{NP}  ingress:\n  - from:\n    - {{}}\n"),
        "input.yaml:11:7: spec.ingress[0].from[0]: Required value: must specify a peer",
    );
}

#[test]
fn invalid_netpol_ipblock_with_selector_validate_network_policy_peer() {
    invalid(
        "netpol-ipblock-and-selector",
        &format!("{NP}  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n      podSelector: {{}}\n"),
        "spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer",
    );
}

#[test]
fn invalid_netpol_protocol_validate_network_policy_port() {
    invalid(
        "netpol-protocol",
        &format!("{NP}  ingress:\n  - ports:\n    - protocol: ICMP\n      port: 80\n"),
        "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
    );
}

#[test]
fn invalid_netpol_end_port_below_port_validate_network_policy_port() {
    invalid(
        "netpol-endport",
        &format!("{NP}  ingress:\n  - ports:\n    - port: 8080\n      endPort: 80\n"),
        "spec.ingress[0].ports[0].endPort: Invalid value: 8080: must be greater than or equal to `port`",
    );
}

#[test]
fn invalid_netpol_selector_operator_validate_label_selector_requirement() {
    invalid(
        "netpol-operator",
        &NP.replace(
            "    matchLabels:\n      app: backend\n",
            "    matchExpressions:\n    - key: app\n      operator: Equals\n      values: [backend]\n",
        ),
        "spec.podSelector.matchExpressions[0].operator: Invalid value: \"Equals\": not a valid selector operator",
    );
}

#[test]
fn invalid_netpol_policy_type_validate_network_policy_spec() {
    invalid(
        "netpol-policy-type",
        &format!("{NP}  policyTypes: [Inbound]\n"),
        "spec.policyTypes[0]: Unsupported value: \"Inbound\": supported values: \"Ingress\", \"Egress\"",
    );
}

// Decoding errors (strict field validation, section 4 of validation.md).

#[test]
fn invalid_wrong_type_string_for_port() {
    invalid(
        "wrong-type-port",
        &svc("  ports:\n  - port: eighty\n"),
        "input.yaml:7:11: spec.ports[0].port: expected an integer, found string \"eighty\"",
    );
}

#[test]
fn invalid_unquoted_number_label_value() {
    invalid(
        "wrong-type-label",
        &svc("  selector:\n    version: 2\n  ports:\n  - port: 80\n"),
        "input.yaml:7:14: spec.selector[version]: expected a string, found integer 2; quote it: \"2\"",
    );
}

#[test]
fn invalid_duplicate_key() {
    invalid(
        "duplicate-key",
        &svc("  ports:\n  - port: 80\n    port: 81\n"),
        "input.yaml:8:5: spec.ports[0].port: duplicate field \"port\" (first given on line 7)",
    );
}

#[test]
fn invalid_bad_indentation_is_a_syntax_error_at_the_line() {
    invalid(
        "bad-indentation-syntax",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n spec:\n  ports: []\n",
        "input.yaml:5:",
    );
}

#[test]
fn invalid_api_version() {
    invalid(
        "api-version",
        &DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"),
        "input.yaml:1:13: apiVersion: no matches for kind \"Deployment\" in version \"extensions/v1beta1\"",
    );
}

#[test]
fn invalid_duplicate_object() {
    let one = svc("  ports:\n  - port: 80\n");
    invalid(
        "duplicate-object",
        &format!("{one}---\n{one}"),
        "input.yaml:12:9: metadata.name: Service \"web\" already exists in namespace \"default\" (line 1)",
    );
}

#[test]
fn invalid_scenario_field_typo() {
    invalid(
        "scenario-typo",
        "apiVersion: svcsim.dev/v1alpha1\nkind: Scenario\nspec:\n  sed: 3\n  clients:\n  - target: web:80\n    rat: 5\n",
        "input.yaml:4:3: spec.sed: unknown field; did you mean \"seed\"?",
    );
    let out = run("apiVersion: svcsim.dev/v1alpha1\nkind: Scenario\nspec:\n  clients:\n  - target: web:80\n    rat: 5\n");
    assert!(
        out.contains("input.yaml:6:5: spec.clients[0].rat: unknown field; did you mean \"rate\"?"),
        "{out}"
    );
}

#[test]
fn invalid_scenario_event_action() {
    invalid(
        "scenario-event-action",
        "apiVersion: svcsim.dev/v1alpha1\nkind: Scenario\nspec:\n  events:\n  - at: 5s\n    action: kilPod\n    pod: x\n  - at: 6s\n    action: scale\n    deployment: d\n    replica: 2\n",
        "input.yaml:6:13: spec.events[0].action: Unsupported value: \"kilPod\"",
    );
    let out = run("apiVersion: svcsim.dev/v1alpha1\nkind: Scenario\nspec:\n  events:\n  - at: 6s\n    action: scale\n    deployment: d\n    replica: 2\n");
    assert!(out.contains("spec.events[0].replica: unknown field for action \"scale\"; did you mean \"replicas\"?"), "{out}");
}

#[test]
fn invalid_scenario_duration() {
    invalid(
        "scenario-duration",
        "apiVersion: svcsim.dev/v1alpha1\nkind: Scenario\nspec:\n  duration: 90 seconds\n",
        "input.yaml:4:13: spec.duration: invalid duration \"90 seconds\"",
    );
}

#[test]
fn invalid_second_scenario_document() {
    let doc = "apiVersion: svcsim.dev/v1alpha1\nkind: Scenario\nspec:\n  seed: 2\n";
    invalid(
        "scenario-twice",
        &format!("{doc}---\n{doc}"),
        "input.yaml:6:1: only one Scenario document is allowed per file (the first is on line 1)",
    );
}

#[test]
fn invalid_yaml_syntax() {
    invalid(
        "yaml-syntax",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web\n",
        "input.yaml:",
    );
}

// ------------------------------------------------------------ warnings

#[test]
fn selector_matching_nothing_is_a_warning() {
    let out = check(
        "selector-matches-nothing",
        &format!(
            "{DEPLOYMENT}---\n{}",
            svc("  selector:\n    app: microservice-two\n  ports:\n  - port: 80\n    targetPort: 3000\n")
        ),
    );
    assert!(out.starts_with("ok:"), "{out}");
    assert!(out.contains("input.yaml:31:5: warning: spec.selector: selector app=microservice-two matches no pods or pod templates in namespace \"default\"; the Service will have no endpoints"), "{out}");
}

#[test]
fn policy_on_service_port_is_a_warning() {
    let l = builtin::load("wrong-port").unwrap().unwrap();
    let w = render(&l.warnings);
    assert!(
        w.contains("spec.ingress[0].ports[0].port: 80 is the port of Service \"backend\""),
        "{w}"
    );
}

#[test]
fn unknown_kinds_are_skipped_and_reported() {
    let out = check(
        "skipped-kinds",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n",
    );
    assert!(out.contains("skipped: ConfigMap \"cm\" (line 1)"), "{out}");
    assert!(
        out.contains("warning: StatefulSet \"db\" skipped: svcsim does not model this kind"),
        "{out}"
    );
}

// ------------------------------------------------------------ limits

#[test]
fn size_limit() {
    let big = format!("# {}\n", "x".repeat(LIMITS.max_bytes));
    let out = run(&big);
    assert_eq!(
        out,
        format!(
            "errors:\ninput.yaml:1:1: input is {} bytes, over the limit of 1048576 bytes (1024 KiB)\n",
            big.len()
        )
    );
}

#[test]
fn object_and_pod_limits() {
    let mut limits = LIMITS;
    limits.max_objects = 2;
    let one = svc("  ports:\n  - port: 80\n");
    let three = format!(
        "{one}---\n{}---\n{}",
        one.replace("web", "b"),
        one.replace("web", "c")
    );
    let d = load_with_limits(&three, "input.yaml", limits).unwrap_err();
    assert_eq!(
        render(&d),
        "input.yaml:17:1: too many objects: 3 (the limit is 2)\n"
    );
    let out = run(&DEPLOYMENT.replace("replicas: 3", "replicas: 5000"));
    assert!(
        out.contains("input.yaml:6:13: spec.replicas: too many pods: the objects ask for 5000 (the limit is 1000)"),
        "{out}"
    );
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='j' {
        y += &format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n");
        prev = c;
    }
    let t = std::time::Instant::now();
    let out = run(&y);
    assert!(
        out.contains("input too large: more than 200000 YAML nodes"),
        "{out}"
    );
    assert!(t.elapsed().as_secs() < 5);
}

#[test]
fn deep_nesting_is_refused() {
    let y = format!("a: {}{}\n", "[".repeat(500), "]".repeat(500));
    let out = run(&y);
    // saphyr-parser's own recursion limit may answer before ours.
    assert!(
        out.contains("input too deeply nested: more than 64 levels")
            || out.contains("recursion limit exceeded"),
        "{out}"
    );
    let y = format!("a: {}x{}\n", "[".repeat(65), "]".repeat(65));
    let out = run(&y);
    assert!(out.contains("input.yaml:1:"), "{out}");
    assert!(out.contains("nested") || out.contains("recursion"), "{out}");
}

// ------------------------------------------------------------ scenarios

#[test]
fn file_without_scenario_uses_defaults() {
    let l = load(DEPLOYMENT, "input.yaml").unwrap();
    assert_eq!(l.scenario, svcsim_core::scenario::ScenarioSpec::default());
}

#[test]
fn builtins_load_and_match_goldens() {
    for name in builtin::names() {
        let l = builtin::load(name)
            .unwrap()
            .unwrap_or_else(|d| panic!("{}", render(&d)));
        check_golden(&format!("manifests/builtin-{name}.out"), &summary(&l));
    }
}

#[test]
fn rollout_crash_targets_a_pod_that_exists() {
    // The crash event names a pod whose suffix comes from the seed; if the
    // simulation's naming changes, this fails and the scenario needs the
    // new name.
    let l = builtin::load("rollout").unwrap().unwrap();
    let target = l
        .scenario
        .events
        .iter()
        .find_map(|e| match &e.command {
            svcsim_core::sim::Command::CrashPod { pod } => Some((e.at, pod.clone())),
            _ => None,
        })
        .unwrap();
    let mut sim = svcsim_core::sim::Sim::new(l.objects, l.scenario).unwrap();
    sim.run_for(svcsim_core::SimDuration::from_nanos(
        target.0.as_nanos() - 1,
    ));
    let view = serde_json::to_value(sim.view()).unwrap();
    let names: Vec<&str> = view["pods"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    // A trailing `*` names the first live pod with that prefix.
    let prefix = target.1.strip_suffix('*').unwrap_or(&target.1);
    assert!(
        names.iter().any(|n| n.starts_with(prefix)),
        "{} not in {names:?}",
        target.1
    );
}

// ------------------------------------------------------------ export

fn round_trip(text: &str, name: &str) {
    let a = load(text, name).unwrap_or_else(|d| panic!("{}", render(&d)));
    let yaml = export::to_yaml(&a.manifests);
    let b =
        load(&yaml, "exported.yaml").unwrap_or_else(|d| panic!("{name}:\n{}\n{yaml}", render(&d)));
    let stripped: Vec<_> = a.manifests.iter().map(export::strip_status).collect();
    assert_eq!(
        b.manifests, stripped,
        "{name}: manifests differ after export\n{yaml}"
    );
    // Same names, so the same allocations: the defaulted objects agree too
    // (the Scenario's cluster settings are the defaults in every built-in).
    assert_eq!(b.objects.len(), a.objects.len());
    assert!(!yaml.contains("kind: Scenario"));
    assert!(!yaml.contains("status:"));
}

#[test]
fn export_round_trips_every_builtin() {
    for name in builtin::names() {
        round_trip(builtin::get(name).unwrap(), name);
    }
    let yaml = export::to_yaml(&builtin::load("mixed").unwrap().unwrap().manifests);
    check_golden("manifests/export-mixed.yaml", &yaml);
}

#[test]
fn export_round_trips_kubectl_output() {
    let input = std::fs::read_to_string(svcsim_tests::data_path("manifests/kubectl-get-list.yaml"))
        .expect("fixture");
    round_trip(&input, "kubectl-get-list.yaml");
}

#[test]
fn export_quotes_what_would_change_type() {
    let input = svc("  selector:\n    version: \"2\"\n    enabled: \"true\"\n    empty: \"\"\n  ports:\n  - port: 80\n    targetPort: \"8080x\"\n");
    let l = load(&input, "input.yaml").unwrap();
    let yaml = export::to_yaml(&l.manifests);
    assert!(yaml.contains("version: \"2\""), "{yaml}");
    assert!(yaml.contains("enabled: \"true\""), "{yaml}");
    round_trip(&input, "quotes");
}

#[test]
fn client_targets_are_checked() {
    let input = format!(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  clients:
  - target: ms-servce:3200
  - target: ms-service:3000
  - target: nodeport:ms-service
---
{DEPLOYMENT}---
apiVersion: v1
kind: Service
metadata:
  name: ms-service
spec:
  selector:
    app: microservice-one
  ports:
  - port: 3200
    targetPort: 3000
"
    );
    let out = check("client-targets", &input);
    assert!(out.contains("input.yaml:5:13: warning: spec.clients[0].target: no Service \"ms-servce\" in namespace \"default\"; the name will not resolve; did you mean \"ms-service\"?"), "{out}");
    assert!(
        out.contains(
            "spec.clients[1].target: Service \"ms-service\" has no port 3000 (its ports: 3200)"
        ),
        "{out}"
    );
    assert!(
        out.contains("spec.clients[2].target: Service \"ms-service\" is of type ClusterIP"),
        "{out}"
    );
}
