//! API-server validation of each object, with Kubernetes' own field paths
//! and messages, after defaulting (as the API server validates defaulted
//! objects; see `reference/validation.md` §1.4).
//!
//! Sources, kubernetes/kubernetes:
//! - `pkg/apis/core/validation/validation.go`: `ValidateService`,
//!   `validateServicePort`, `ValidatePortNumOrName`,
//!   `ValidateServiceClusterIPsRelatedFields`, `validateClientIPAffinityConfig`,
//!   `validateServiceExternalTrafficPolicy`,
//!   `validateServiceInternalTrafficFieldsValue`, `ValidateObjectMeta`,
//!   `ValidatePodSpec`, `validateContainers`, `validateContainerPorts`,
//!   `ValidatePodTemplateSpec`, `ValidateNamespace`, `ValidateNode`.
//! - `pkg/apis/apps/validation/validation.go`: `ValidateDeploymentSpec`,
//!   `ValidateReplicaSetSpec`, `ValidatePodTemplateSpecForReplicaSet`,
//!   `ValidateDeploymentStrategy`, `ValidateRollingUpdateDeployment`.
//! - `pkg/apis/networking/validation/validation.go`:
//!   `ValidateNetworkPolicySpec`, `ValidateNetworkPolicyPort`,
//!   `ValidateNetworkPolicyPeer`, `ValidateIPBlock`.
//! - `pkg/apis/discovery/validation/validation.go`: `ValidateEndpointSlice`.
//! - `k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`:
//!   `ValidateLabelSelector`, `ValidateLabelSelectorRequirement`,
//!   `ValidateLabels`.
//!
//! Values inside messages are rendered as apimachinery ≤ v1.33 does
//! (`field.Error`'s `ErrorBody`): integers plainly, strings Go-quoted, other
//! types in Go syntax (`[]string{"1.1.1.1"}`, `map[string]string{...}`).

use crate::names::{self, go_quote};
use svcsim_core::model::*;
use svcsim_core::vecmap::{VecMap, VecSet};

/// One field error or warning, before it gets a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldErr {
    pub path: String,
    pub message: String,
}

/// A value as `field.Invalid` renders it.
pub enum Val<'a> {
    Int(i64),
    Str(&'a str),
    /// Already rendered in Go syntax.
    Go(String),
}

impl Val<'_> {
    fn render(&self) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Str(s) => go_quote(s),
            Val::Go(s) => s.clone(),
        }
    }
}

/// An error list with `field.Invalid`, `field.Required`, … constructors
/// (`k8s.io/apimachinery/pkg/util/validation/field/errors.go`).
#[derive(Default, Debug)]
pub struct Errs(pub Vec<FieldErr>);

impl Errs {
    fn push(&mut self, path: &str, message: String) {
        let e = FieldErr {
            path: path.to_string(),
            message,
        };
        // `ToAggregate` de-duplicates.
        if !self.0.contains(&e) {
            self.0.push(e);
        }
    }
    pub fn invalid(&mut self, path: &str, value: Val, detail: &str) {
        self.push(path, format!("Invalid value: {}: {detail}", value.render()));
    }
    pub fn required(&mut self, path: &str, detail: &str) {
        if detail.is_empty() {
            self.push(path, "Required value".into());
        } else {
            self.push(path, format!("Required value: {detail}"));
        }
    }
    pub fn forbidden(&mut self, path: &str, detail: &str) {
        self.push(path, format!("Forbidden: {detail}"));
    }
    pub fn not_supported(&mut self, path: &str, value: &str, supported: &[&str]) {
        let list: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
        self.push(
            path,
            format!(
                "Unsupported value: {}: supported values: {}",
                go_quote(value),
                list.join(", ")
            ),
        );
    }
    pub fn duplicate(&mut self, path: &str, value: Val) {
        self.push(path, format!("Duplicate value: {}", value.render()));
    }
    pub fn internal(&mut self, path: &str, detail: &str) {
        self.push(path, format!("Internal error occurred: {detail}"));
    }
    fn each(&mut self, path: &str, value: Val, msgs: Vec<String>) {
        for m in msgs {
            let v = match &value {
                Val::Int(i) => Val::Int(*i),
                Val::Str(s) => Val::Str(s),
                Val::Go(g) => Val::Go(g.clone()),
            };
            self.invalid(path, v, &m);
        }
    }
}

fn idx(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Go `%#v` of a `[]string`.
pub fn go_string_slice(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[]string{{{}}}", inner.join(", "))
}

/// Go `%#v` of a `map[string]string` (fmt prints maps with sorted keys).
fn go_string_map(m: &Labels) -> String {
    let inner: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v)))
        .collect();
    format!("map[string]string{{{}}}", inner.join(", "))
}

/// Which name rule an object kind uses (`ValidateObjectMeta`'s `nameFn`).
#[derive(Clone, Copy)]
enum NameRule {
    Dns1035Label,
    Dns1123Label,
    Dns1123Subdomain,
}

/// `ValidateObjectMeta`.
fn object_meta(e: &mut Errs, meta: &ObjectMeta, namespaced: bool, rule: NameRule, path: &str) {
    let name_path = format!("{path}.name");
    if meta.name.is_empty() {
        e.required(&name_path, "name or generateName is required");
    } else {
        let msgs = match rule {
            NameRule::Dns1035Label => names::dns1035_label(&meta.name),
            NameRule::Dns1123Label => names::dns1123_label(&meta.name),
            NameRule::Dns1123Subdomain => names::dns1123_subdomain(&meta.name),
        };
        e.each(&name_path, Val::Str(&meta.name), msgs);
    }
    let ns_path = format!("{path}.namespace");
    match (&meta.namespace, namespaced) {
        (Some(ns), true) if !ns.is_empty() => {
            e.each(&ns_path, Val::Str(ns), names::dns1123_label(ns));
        }
        (Some(ns), false) if !ns.is_empty() => e.forbidden(&ns_path, "not allowed on this type"),
        _ => {}
    }
    labels(e, &meta.labels, &format!("{path}.labels"));
    let ann = format!("{path}.annotations");
    for k in meta.annotations.keys() {
        e.each(&ann, Val::Str(k), names::qualified_name(k));
    }
}

/// `ValidateLabels`: keys are qualified names, values label values; the
/// path has no key index.
fn labels(e: &mut Errs, m: &Labels, path: &str) {
    for (k, v) in m {
        e.each(path, Val::Str(k), names::qualified_name(k));
        e.each(path, Val::Str(v), names::label_value(v));
    }
}

/// `ValidateLabelSelector`.
fn label_selector(e: &mut Errs, s: &LabelSelector, path: &str) {
    if let Some(m) = &s.match_labels {
        labels(e, m, &format!("{path}.matchLabels"));
    }
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let rp = idx(&format!("{path}.matchExpressions"), i);
        let values = r.values.as_deref().unwrap_or(&[]);
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if values.is_empty() {
                    e.required(
                        &format!("{rp}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    );
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    e.forbidden(
                        &format!("{rp}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    );
                }
            }
            op => e.invalid(
                &format!("{rp}.operator"),
                Val::Str(op),
                "not a valid selector operator",
            ),
        }
        e.each(
            &format!("{rp}.key"),
            Val::Str(&r.key),
            names::qualified_name(&r.key),
        );
        for (j, v) in values.iter().enumerate() {
            e.each(
                &idx(&format!("{rp}.values"), j),
                Val::Str(v),
                names::label_value(v),
            );
        }
    }
}

const PORT_PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

// ---------------------------------------------------------------- Service

/// `ValidateServiceClusterIPsRelatedFields`, the part that runs as "loose
/// pre-validation" before allocation (`initIPFamilyFields` in
/// `pkg/registry/core/service/storage/alloc.go`). svcsim clusters are
/// IPv4 single-stack.
pub fn service_cluster_ips(svc: &Service) -> Errs {
    let mut e = Errs::default();
    let spec = &svc.spec;
    let ips = &spec.cluster_ips;
    let cip = spec.cluster_ip.as_deref().unwrap_or("");
    if ips.is_empty() {
        return e;
    }
    if cip.is_empty() {
        e.invalid(
            "spec.clusterIPs",
            Val::Go(go_string_slice(ips)),
            "must be empty when `clusterIP` is not specified",
        );
    }
    if !cip.is_empty() && cip != ips[0] {
        e.invalid(
            "spec.clusterIPs",
            Val::Go(go_string_slice(ips)),
            "first value must match `clusterIP`",
        );
    }
    if ips.len() > 2 {
        e.invalid(
            "spec.clusterIPs",
            Val::Go(go_string_slice(ips)),
            "may only hold up to 2 values",
        );
    }
    for (i, ip) in ips.iter().enumerate() {
        if ip == "None" {
            if i > 0 || ips.len() > 1 {
                e.invalid(
                    "spec.clusterIPs",
                    Val::Go(go_string_slice(ips)),
                    "'None' must be the first and only value",
                );
            }
            continue;
        }
        let p = idx("spec.clusterIPs", i);
        let has_leading_zero = ip.split('.').any(|o| o.len() > 1 && o.starts_with('0'))
            && ip.split('.').count() == 4
            && ip.bytes().all(|c| c.is_ascii_digit() || c == b'.');
        if has_leading_zero {
            // `parseIP` with StrictIPCIDRValidation.
            e.invalid(&p, Val::Str(ip), "must not have leading 0s");
        } else {
            e.each(&p, Val::Str(ip), names::ip(ip));
        }
    }
    e
}

fn externally_accessible(svc: &Service, ty: &str) -> bool {
    ty == "LoadBalancer"
        || ty == "NodePort"
        || (ty == "ClusterIP" && !svc.spec.external_ips.is_empty())
}

/// `ValidateService` (create), on a defaulted Service.
pub fn service(svc: &Service) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &svc.metadata,
        true,
        NameRule::Dns1035Label,
        "metadata",
    );
    let spec = &svc.spec;
    let ty = spec.type_.as_deref().unwrap_or("");
    let headless = svc.is_headless();
    if spec.ports.is_empty() && !headless && ty != "ExternalName" {
        e.required("spec.ports", "");
    }
    let first_ip = spec
        .cluster_ips
        .first()
        .map(String::as_str)
        .unwrap_or("None");
    match ty {
        "LoadBalancer" => {
            if headless {
                e.invalid(
                    "spec.clusterIPs[0]",
                    Val::Str(first_ip),
                    "may not be set to 'None' for LoadBalancer services",
                );
            }
            for (i, p) in spec.ports.iter().enumerate() {
                // `ports.KubeletPort`: clouds that over-open firewalls.
                if p.port == 10250 {
                    e.invalid(
                        &idx("spec.ports", i),
                        Val::Int(p.port.into()),
                        "may not expose port 10250 externally since it is used by kubelet",
                    );
                }
            }
        }
        "NodePort" if headless => {
            e.invalid(
                "spec.clusterIPs[0]",
                Val::Str(first_ip),
                "may not be set to 'None' for NodePort services",
            );
        }
        "ExternalName" => {
            if !spec.cluster_ips.is_empty()
                || spec.cluster_ip.as_deref().is_some_and(|c| !c.is_empty())
            {
                e.forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                );
            }
            if !spec.ip_families.is_empty() {
                e.forbidden(
                    "spec.ipFamilies",
                    "may not be set for ExternalName services",
                );
            }
            if spec.ip_family_policy.is_some() {
                e.forbidden(
                    "spec.ipFamilyPolicy",
                    "may not be set for ExternalName services",
                );
            }
            // A trailing dot marks a fully qualified name.
            let name = spec.external_name.as_deref().unwrap_or("");
            let cname = name.strip_suffix('.').unwrap_or(name);
            if cname.is_empty() {
                e.required("spec.externalName", "");
            } else {
                e.each(
                    "spec.externalName",
                    Val::Str(cname),
                    names::dns1123_subdomain(cname),
                );
            }
        }
        _ => {}
    }

    let mut names_seen = VecSet::new();
    let many = spec.ports.len() > 1;
    for (i, p) in spec.ports.iter().enumerate() {
        let pp = idx("spec.ports", i);
        service_port(&mut e, p, many, &mut names_seen, &pp);
    }

    if let Some(sel) = &spec.selector {
        labels(&mut e, sel, "spec.selector");
    }

    match spec.session_affinity.as_deref() {
        None | Some("") => e.required("spec.sessionAffinity", ""),
        Some("ClientIP") => {
            let p = "spec.sessionAffinityConfig";
            let detail = "when session affinity type is ClientIP";
            match &spec.session_affinity_config {
                None => e.required(p, detail),
                Some(c) => match &c.client_ip {
                    None => e.required(&format!("{p}.clientIP"), detail),
                    Some(ci) => match ci.timeout_seconds {
                        None => e.required(&format!("{p}.clientIP.timeoutSeconds"), detail),
                        // `validateAffinityTimeout`, MaxClientIPServiceAffinitySeconds.
                        Some(t) if t <= 0 || t > 86400 => e.invalid(
                            &format!("{p}.clientIP.timeoutSeconds"),
                            Val::Int(t.into()),
                            "must be greater than 0 and less than 86400",
                        ),
                        Some(_) => {}
                    },
                },
            }
        }
        Some("None") => {
            if spec.session_affinity_config.is_some() {
                e.forbidden(
                    "spec.sessionAffinityConfig",
                    "must not be set when session affinity is None",
                );
            }
        }
        Some(other) => e.not_supported("spec.sessionAffinity", other, &["ClientIP", "None"]),
    }

    e.0.extend(service_cluster_ips(svc).0);

    for (i, ip) in spec.external_ips.iter().enumerate() {
        let p = idx("spec.externalIPs", i);
        let m = names::ip(ip);
        if m.is_empty() {
            e.each(&p, Val::Str(ip), names::non_special_ip(ip));
        } else {
            e.each(&p, Val::Str(ip), m);
        }
    }

    const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if ty.is_empty() {
        e.required("spec.type", "");
    } else if !TYPES.contains(&ty) {
        e.not_supported("spec.type", ty, TYPES);
    }

    if ty == "ClusterIP" {
        for (i, p) in spec.ports.iter().enumerate() {
            if p.node_port.is_some_and(|n| n != 0) {
                e.forbidden(
                    &format!("spec.ports[{i}].nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                );
            }
        }
    }

    // Duplicate nodePorts, keyed by (protocol, nodePort).
    let mut node_ports = VecSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        let Some(np) = p.node_port.filter(|n| *n != 0) else {
            continue;
        };
        if !node_ports.insert((p.protocol().to_string(), np)) {
            e.duplicate(&format!("spec.ports[{i}].nodePort"), Val::Int(np.into()));
        }
    }
    // Duplicate ports, keyed by (protocol, port); the value printed is the
    // key, a ServicePort with only those two fields set.
    let mut ports = VecSet::new();
    for (i, p) in spec.ports.iter().enumerate() {
        if !ports.insert((p.protocol().to_string(), p.port)) {
            e.duplicate(
                &idx("spec.ports", i),
                Val::Go(format!(
                    "core.ServicePort{{Name:\"\", Protocol:{}, AppProtocol:(*string)(nil), Port:{}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                    go_quote(p.protocol()),
                    p.port
                )),
            );
        }
    }

    if !spec.load_balancer_source_ranges.is_empty() {
        // The capital L is Kubernetes' own (a historical quirk).
        let p = "spec.LoadBalancerSourceRanges";
        if ty != "LoadBalancer" {
            e.forbidden(p, "may only be used when `type` is 'LoadBalancer'");
        }
        for (i, r) in spec.load_balancer_source_ranges.iter().enumerate() {
            let r = r.trim();
            e.each(&idx(p, i), Val::Str(r), names::cidr(r));
        }
    }
    if spec.allocate_load_balancer_node_ports.is_some() && ty != "LoadBalancer" {
        e.forbidden(
            "spec.allocateLoadBalancerNodePorts",
            "may only be used when `type` is 'LoadBalancer'",
        );
    }
    if let Some(class) = &spec.load_balancer_class {
        if ty != "LoadBalancer" {
            e.forbidden(
                "spec.loadBalancerClass",
                "may only be used when `type` is 'LoadBalancer'",
            );
        } else {
            e.each(
                "spec.loadBalancerClass",
                Val::Str(class),
                names::qualified_name(class),
            );
        }
    }

    // `validateServiceExternalTrafficPolicy`.
    let etp = spec.external_traffic_policy.as_deref().unwrap_or("");
    if !externally_accessible(svc, ty) {
        if !etp.is_empty() {
            e.invalid(
                "spec.externalTrafficPolicy",
                Val::Str(etp),
                "may only be set for externally-accessible services",
            );
        }
    } else if etp.is_empty() {
        e.required("spec.externalTrafficPolicy", "");
    } else if etp != "Cluster" && etp != "Local" {
        e.not_supported("spec.externalTrafficPolicy", etp, &["Cluster", "Local"]);
    }
    let needs_hc = ty == "LoadBalancer" && etp == "Local";
    let hc = spec.health_check_node_port.unwrap_or(0);
    if !needs_hc {
        if hc != 0 {
            e.invalid(
                "spec.healthCheckNodePort",
                Val::Int(hc.into()),
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            );
        }
    } else if hc == 0 {
        e.required("spec.healthCheckNodePort", "");
    } else {
        e.each(
            "spec.healthCheckNodePort",
            Val::Int(hc.into()),
            names::port_num(hc.into()),
        );
    }

    // `validateServiceInternalTrafficFieldsValue`.
    match spec.internal_traffic_policy.as_deref() {
        None if matches!(ty, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            e.required("spec.internalTrafficPolicy", "")
        }
        Some(p) if p != "Cluster" && p != "Local" => {
            e.not_supported("spec.internalTrafficPolicy", p, &["Cluster", "Local"])
        }
        _ => {}
    }
    e
}

/// `validateServicePort`.
fn service_port(
    e: &mut Errs,
    p: &ServicePort,
    require_name: bool,
    seen: &mut VecSet<String>,
    path: &str,
) {
    let name = p.name.as_deref().unwrap_or("");
    let name_path = format!("{path}.name");
    if require_name && name.is_empty() {
        e.required(&name_path, "");
    } else if !name.is_empty() {
        e.each(&name_path, Val::Str(name), names::dns1123_label(name));
        if !seen.insert(name.to_string()) {
            e.duplicate(&name_path, Val::Str(name));
        }
    }
    e.each(
        &format!("{path}.port"),
        Val::Int(p.port.into()),
        names::port_num(p.port.into()),
    );
    match p.protocol.as_deref() {
        None | Some("") => e.required(&format!("{path}.protocol"), ""),
        Some(proto) if !PORT_PROTOCOLS.contains(&proto) => {
            e.not_supported(&format!("{path}.protocol"), proto, PORT_PROTOCOLS)
        }
        _ => {}
    }
    port_num_or_name(e, p.target_port.as_ref(), &format!("{path}.targetPort"));
    if let Some(ap) = &p.app_protocol {
        e.each(
            &format!("{path}.appProtocol"),
            Val::Str(ap),
            names::qualified_name(ap),
        );
    }
}

/// `ValidatePortNumOrName`.
fn port_num_or_name(e: &mut Errs, port: Option<&IntOrString>, path: &str) {
    match port {
        Some(IntOrString::Int(i)) => {
            e.each(path, Val::Int((*i).into()), names::port_num((*i).into()))
        }
        Some(IntOrString::Str(s)) => e.each(path, Val::Str(s), names::port_name(s)),
        // Unset after defaulting only when the port itself is 0.
        None => e.each(path, Val::Int(0), names::port_num(0)),
    }
}

// ---------------------------------------------------------------- Pods

/// `ValidatePodSpec` (the parts svcsim models).
fn pod_spec(e: &mut Errs, spec: &PodSpec, path: &str) {
    let cpath = format!("{path}.containers");
    if spec.containers.is_empty() {
        e.required(&cpath, "");
    }
    let mut names_seen = VecSet::new();
    let mut port_names = VecSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let cp = idx(&cpath, i);
        if c.name.is_empty() {
            e.required(&format!("{cp}.name"), "");
        } else {
            e.each(
                &format!("{cp}.name"),
                Val::Str(&c.name),
                names::dns1123_label(&c.name),
            );
            if !names_seen.insert(c.name.clone()) {
                e.duplicate(&format!("{cp}.name"), Val::Str(&c.name));
            }
        }
        if c.image.as_deref().unwrap_or("").trim().is_empty() {
            e.required(&format!("{cp}.image"), "");
        }
        // `validateContainerPorts`.
        for (j, p) in c.ports.iter().enumerate() {
            let pp = idx(&format!("{cp}.ports"), j);
            if let Some(n) = p.name.as_deref().filter(|n| !n.is_empty()) {
                let msgs = names::port_name(n);
                if !msgs.is_empty() {
                    e.each(&format!("{pp}.name"), Val::Str(n), msgs);
                } else if !port_names.insert(n.to_string()) {
                    e.duplicate(&format!("{pp}.name"), Val::Str(n));
                }
            }
            if p.container_port == 0 {
                e.required(&format!("{pp}.containerPort"), "");
            } else {
                e.each(
                    &format!("{pp}.containerPort"),
                    Val::Int(p.container_port.into()),
                    names::port_num(p.container_port.into()),
                );
            }
            if let Some(h) = p.host_port.filter(|h| *h != 0) {
                e.each(
                    &format!("{pp}.hostPort"),
                    Val::Int(h.into()),
                    names::port_num(h.into()),
                );
            }
            match p.protocol.as_deref() {
                None | Some("") => e.required(&format!("{pp}.protocol"), ""),
                Some(proto) if !PORT_PROTOCOLS.contains(&proto) => {
                    e.not_supported(&format!("{pp}.protocol"), proto, PORT_PROTOCOLS)
                }
                _ => {}
            }
        }
    }
    match spec.restart_policy.as_deref() {
        None | Some("Always" | "OnFailure" | "Never") => {}
        Some(r) => e.not_supported(
            &format!("{path}.restartPolicy"),
            r,
            &["Always", "Never", "OnFailure"],
        ),
    }
    match spec.dns_policy.as_deref() {
        None | Some("ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None") => {}
        Some(d) => e.not_supported(
            &format!("{path}.dnsPolicy"),
            d,
            &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
        ),
    }
    if let Some(n) = &spec.node_name {
        e.each(
            &format!("{path}.nodeName"),
            Val::Str(n),
            names::dns1123_subdomain(n),
        );
    }
    if let Some(h) = spec.hostname.as_deref().filter(|h| !h.is_empty()) {
        e.each(
            &format!("{path}.hostname"),
            Val::Str(h),
            names::dns1123_label(h),
        );
    }
    if let Some(s) = spec.subdomain.as_deref().filter(|s| !s.is_empty()) {
        e.each(
            &format!("{path}.subdomain"),
            Val::Str(s),
            names::dns1123_label(s),
        );
    }
    if let Some(g) = spec.termination_grace_period_seconds {
        if g < 0 {
            e.invalid(
                &format!("{path}.terminationGracePeriodSeconds"),
                Val::Int(g),
                "must be greater than or equal to 0",
            );
        }
    }
}

pub fn pod(p: &Pod) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &p.metadata,
        true,
        NameRule::Dns1123Subdomain,
        "metadata",
    );
    pod_spec(&mut e, &p.spec, "spec");
    e
}

/// `ValidatePodTemplateSpecForReplicaSet`.
fn template_for_replica_set(e: &mut Errs, sel: &LabelSelector, t: &PodTemplateSpec, path: &str) {
    if !sel.is_empty() && !sel.matches(&t.metadata.labels) {
        e.invalid(
            &format!("{path}.metadata.labels"),
            Val::Go(go_string_map(&t.metadata.labels)),
            "`selector` does not match template `labels`",
        );
    }
    labels(e, &t.metadata.labels, &format!("{path}.metadata.labels"));
    pod_spec(e, &t.spec, &format!("{path}.spec"));
    if let Some(r) = t.spec.restart_policy.as_deref() {
        if r != "Always" {
            e.not_supported(&format!("{path}.spec.restartPolicy"), r, &["Always"]);
        }
    }
}

fn replicated(e: &mut Errs, replicas: Option<i32>, sel: &LabelSelector, t: &PodTemplateSpec) {
    if let Some(r) = replicas {
        if r < 0 {
            e.invalid(
                "spec.replicas",
                Val::Int(r.into()),
                "must be greater than or equal to 0",
            );
        }
    }
    label_selector(e, sel, "spec.selector");
    if sel.is_empty() {
        // apps/v1 requires a selector; an absent one decodes as empty here.
        if sel.match_labels.is_none() && sel.match_expressions.is_none() {
            e.required("spec.selector", "");
        } else {
            e.invalid(
                "spec.selector",
                Val::Go("&v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}".into()),
                "empty selector is invalid for deployment",
            );
        }
    }
    template_for_replica_set(e, sel, t, "spec.template");
}

pub fn deployment(d: &Deployment) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &d.metadata,
        true,
        NameRule::Dns1123Subdomain,
        "metadata",
    );
    let s = &d.spec;
    replicated(&mut e, s.replicas, &s.selector, &s.template);
    if let Some(st) = &s.strategy {
        let ty = st.type_.as_deref().unwrap_or("RollingUpdate");
        match ty {
            "Recreate" => {
                if st.rolling_update.is_some() {
                    e.forbidden(
                        "spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'",
                    );
                }
            }
            "RollingUpdate" => {
                if let Some(ru) = &st.rolling_update {
                    rolling_update(&mut e, ru, s.replicas.unwrap_or(1));
                }
            }
            other => e.not_supported("spec.strategy.type", other, &["Recreate", "RollingUpdate"]),
        }
    }
    if let Some(m) = s.min_ready_seconds {
        if m < 0 {
            e.invalid(
                "spec.minReadySeconds",
                Val::Int(m.into()),
                "must be greater than or equal to 0",
            );
        }
    }
    e
}

/// `ValidateRollingUpdateDeployment`, via `ValidatePositiveIntOrPercent`
/// and `IsNotMoreThan100Percent`.
fn rolling_update(e: &mut Errs, ru: &RollingUpdateDeployment, _replicas: i32) {
    let p = "spec.strategy.rollingUpdate";
    let check = |e: &mut Errs, v: &IntOrString, path: &str| -> i64 {
        match v {
            IntOrString::Int(i) => {
                if *i < 0 {
                    e.invalid(
                        path,
                        Val::Int((*i).into()),
                        "must be greater than or equal to 0",
                    );
                }
                (*i).into()
            }
            IntOrString::Str(s) => {
                let pct = s
                    .strip_suffix('%')
                    .filter(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()));
                match pct.and_then(|d| d.parse::<i64>().ok()) {
                    Some(n) => n,
                    None => {
                        e.invalid(
                            path,
                            Val::Str(s),
                            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                        );
                        0
                    }
                }
            }
        }
    };
    let surge = ru
        .max_surge
        .as_ref()
        .map(|v| check(e, v, &format!("{p}.maxSurge")));
    let unavail = ru
        .max_unavailable
        .as_ref()
        .map(|v| check(e, v, &format!("{p}.maxUnavailable")));
    if let Some(IntOrString::Str(s)) = &ru.max_unavailable {
        if unavail.unwrap_or(0) > 100 {
            e.invalid(
                &format!("{p}.maxUnavailable"),
                Val::Str(s),
                "must not be greater than 100%",
            );
        }
    }
    if surge == Some(0) && unavail == Some(0) {
        let v = match &ru.max_unavailable {
            Some(IntOrString::Str(s)) => Val::Str(s),
            _ => Val::Int(0),
        };
        e.invalid(
            &format!("{p}.maxUnavailable"),
            v,
            "may not be 0 when `maxSurge` is 0",
        );
    }
}

pub fn replica_set(r: &ReplicaSet) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &r.metadata,
        true,
        NameRule::Dns1123Subdomain,
        "metadata",
    );
    replicated(&mut e, r.spec.replicas, &r.spec.selector, &r.spec.template);
    e
}

pub fn namespace(n: &Namespace) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &n.metadata,
        false,
        NameRule::Dns1123Label,
        "metadata",
    );
    e
}

pub fn node(n: &Node) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &n.metadata,
        false,
        NameRule::Dns1123Subdomain,
        "metadata",
    );
    if let Some(c) = n.spec.pod_cidr.as_deref().filter(|c| !c.is_empty()) {
        e.each("spec.podCIDR", Val::Str(c), names::cidr(c));
    }
    for (i, a) in n.status.addresses.iter().enumerate() {
        const TYPES: &[&str] = &[
            "ExternalDNS",
            "ExternalIP",
            "Hostname",
            "InternalDNS",
            "InternalIP",
        ];
        if !TYPES.contains(&a.type_.as_str()) {
            e.not_supported(&format!("status.addresses[{i}].type"), &a.type_, TYPES);
        }
        if a.type_.ends_with("IP") {
            e.each(
                &format!("status.addresses[{i}].address"),
                Val::Str(&a.address),
                names::ip(&a.address),
            );
        }
    }
    e
}

/// `ValidateEndpointSlice` (create).
pub fn endpoint_slice(s: &EndpointSlice) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &s.metadata,
        true,
        NameRule::Dns1123Subdomain,
        "metadata",
    );
    const TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
    if s.address_type.is_empty() {
        e.required("addressType", "");
    } else if !TYPES.contains(&s.address_type.as_str()) {
        e.not_supported("addressType", &s.address_type, TYPES);
    }
    if s.endpoints.len() > 1000 {
        e.push(
            "endpoints",
            format!(
                "Too many: {}: must have at most 1000 items",
                s.endpoints.len()
            ),
        );
        return e;
    }
    for (i, ep) in s.endpoints.iter().enumerate() {
        let ap = format!("endpoints[{i}].addresses");
        if ep.addresses.is_empty() {
            e.required(&ap, "must contain at least 1 address");
        } else if ep.addresses.len() > 100 {
            e.push(
                &ap,
                format!(
                    "Too many: {}: must have at most 100 items",
                    ep.addresses.len()
                ),
            );
        }
        for (j, a) in ep.addresses.iter().enumerate() {
            if s.address_type == "IPv4" {
                if names::parse_ipv4(a).is_none() {
                    e.invalid(&idx(&ap, j), Val::Str(a), "must be a valid IPv4 address");
                } else {
                    e.each(&idx(&ap, j), Val::Str(a), names::non_special_ip(a));
                }
            }
        }
        if let Some(n) = &ep.node_name {
            e.each(
                &format!("endpoints[{i}].nodeName"),
                Val::Str(n),
                names::dns1123_subdomain(n),
            );
        }
        if let Some(h) = &ep.hostname {
            e.each(
                &format!("endpoints[{i}].hostname"),
                Val::Str(h),
                names::dns1123_label(h),
            );
        }
    }
    let mut seen = VecSet::new();
    for (i, p) in s.ports.iter().enumerate() {
        let pp = format!("ports[{i}]");
        if let Some(n) = p.name.as_deref().filter(|n| !n.is_empty()) {
            e.each(&format!("{pp}.name"), Val::Str(n), names::dns1123_label(n));
        }
        let n = p.name.clone().unwrap_or_default();
        if !seen.insert(n.clone()) {
            e.duplicate(&format!("{pp}.name"), Val::Str(&n));
        }
        match p.protocol.as_deref() {
            None => e.required(&format!("{pp}.protocol"), ""),
            Some(proto) if !PORT_PROTOCOLS.contains(&proto) => {
                e.not_supported(&format!("{pp}.protocol"), proto, PORT_PROTOCOLS)
            }
            _ => {}
        }
        if let Some(port) = p.port {
            e.each(
                &format!("{pp}.port"),
                Val::Int(port.into()),
                names::port_num(port.into()),
            );
        }
    }
    e
}

// ---------------------------------------------------------------- NetworkPolicy

/// `ValidateNetworkPolicy` → `ValidateNetworkPolicySpec`.
pub fn network_policy(np: &NetworkPolicy) -> Errs {
    let mut e = Errs::default();
    object_meta(
        &mut e,
        &np.metadata,
        true,
        NameRule::Dns1123Subdomain,
        "metadata",
    );
    let s = &np.spec;
    label_selector(&mut e, &s.pod_selector, "spec.podSelector");
    for (i, rule) in s.ingress.iter().flatten().enumerate() {
        let rp = format!("spec.ingress[{i}]");
        for (j, p) in rule.ports.iter().flatten().enumerate() {
            np_port(&mut e, p, &format!("{rp}.ports[{j}]"));
        }
        for (j, peer) in rule.from.iter().flatten().enumerate() {
            np_peer(&mut e, peer, &format!("{rp}.from[{j}]"));
        }
    }
    for (i, rule) in s.egress.iter().flatten().enumerate() {
        let rp = format!("spec.egress[{i}]");
        for (j, p) in rule.ports.iter().flatten().enumerate() {
            np_port(&mut e, p, &format!("{rp}.ports[{j}]"));
        }
        for (j, peer) in rule.to.iter().flatten().enumerate() {
            np_peer(&mut e, peer, &format!("{rp}.to[{j}]"));
        }
    }
    if let Some(types) = &s.policy_types {
        if types.len() > 2 {
            e.invalid(
                "spec.policyTypes",
                Val::Go(format!(
                    "&{}",
                    go_string_slice(types).replacen("[]string", "[]networking.PolicyType", 1)
                )),
                "may not specify more than two policyTypes",
            );
        } else {
            for (i, t) in types.iter().enumerate() {
                if t != "Ingress" && t != "Egress" {
                    e.not_supported(&format!("spec.policyTypes[{i}]"), t, &["Ingress", "Egress"]);
                }
            }
        }
    }
    e
}

/// `ValidateNetworkPolicyPort`. The supported protocols are listed in the
/// source's order (TCP, UDP, SCTP), not sorted.
fn np_port(e: &mut Errs, p: &NetworkPolicyPort, path: &str) {
    if let Some(proto) = &p.protocol {
        if !matches!(proto.as_str(), "TCP" | "UDP" | "SCTP") {
            e.not_supported(&format!("{path}.protocol"), proto, &["TCP", "UDP", "SCTP"]);
        }
    }
    let end = format!("{path}.endPort");
    match &p.port {
        Some(IntOrString::Int(port)) => {
            e.each(
                &format!("{path}.port"),
                Val::Int((*port).into()),
                names::port_num((*port).into()),
            );
            if let Some(ep) = p.end_port {
                if ep < *port {
                    // The value printed is `port`, not `endPort`: a quirk
                    // of the source kept for fidelity.
                    e.invalid(
                        &end,
                        Val::Int((*port).into()),
                        "must be greater than or equal to `port`",
                    );
                }
                e.each(&end, Val::Int(ep.into()), names::port_num(ep.into()));
            }
        }
        Some(IntOrString::Str(name)) => {
            if let Some(ep) = p.end_port {
                e.invalid(
                    &end,
                    Val::Int(ep.into()),
                    "may not be specified when `port` is non-numeric",
                );
            }
            e.each(
                &format!("{path}.port"),
                Val::Str(name),
                names::port_name(name),
            );
        }
        None => {
            if let Some(ep) = p.end_port {
                e.invalid(
                    &end,
                    Val::Int(ep.into()),
                    "may not be specified when `port` is not specified",
                );
            }
        }
    }
}

/// `ValidateNetworkPolicyPeer`.
fn np_peer(e: &mut Errs, peer: &NetworkPolicyPeer, path: &str) {
    let mut n = 0;
    if let Some(s) = &peer.pod_selector {
        n += 1;
        label_selector(e, s, &format!("{path}.podSelector"));
    }
    if let Some(s) = &peer.namespace_selector {
        n += 1;
        label_selector(e, s, &format!("{path}.namespaceSelector"));
    }
    if let Some(b) = &peer.ip_block {
        n += 1;
        ip_block(e, b, &format!("{path}.ipBlock"));
    }
    if n == 0 {
        e.required(path, "must specify a peer");
    } else if n > 1 && peer.ip_block.is_some() {
        e.forbidden(path, "may not specify both ipBlock and another peer");
    }
}

/// `ValidateIPBlock`. CIDRs are parsed "sloppily" (host bits masked), the
/// behaviour without the StrictIPCIDRValidation gate.
fn ip_block(e: &mut Errs, b: &IpBlock, path: &str) {
    if b.cidr.is_empty() {
        e.required(&format!("{path}.cidr"), "");
        return;
    }
    let msgs = names::cidr(&b.cidr);
    let bad = !msgs.is_empty();
    e.each(&format!("{path}.cidr"), Val::Str(&b.cidr), msgs);
    if bad {
        return;
    }
    let outer = names::parse_cidr4(&b.cidr);
    for (i, ex) in b.except.iter().flatten().enumerate() {
        let ep = format!("{path}.except[{i}]");
        let msgs = names::cidr(ex);
        if !msgs.is_empty() {
            e.each(&ep, Val::Str(ex), msgs);
            continue;
        }
        let inner = names::parse_cidr4(ex);
        let strict_subset = match (outer, inner) {
            (Some(o), Some(i)) => o.contains(i.net) && o.prefix < i.prefix,
            // IPv6 blocks: svcsim does not route IPv6; accept.
            (None, None) => true,
            _ => false,
        };
        if !strict_subset {
            e.invalid(&ep, Val::Str(ex), "must be a strict subset of `cidr`");
        }
    }
}

/// Validate any object.
pub fn object(o: &Object) -> Errs {
    match o {
        Object::Namespace(n) => namespace(n),
        Object::Node(n) => node(n),
        Object::Pod(p) => pod(p),
        Object::Deployment(d) => deployment(d),
        Object::ReplicaSet(r) => replica_set(r),
        Object::Service(s) => service(s),
        Object::EndpointSlice(s) => endpoint_slice(s),
        Object::NetworkPolicy(n) => network_policy(n),
    }
}

// ---------------------------------------------------------------- warnings

/// Label sets of the pods and pod templates of one namespace, with the
/// container ports they declare.
pub struct PodShapes<'a> {
    pub labels: &'a Labels,
    pub ports: Vec<&'a ContainerPort>,
}

/// All pod shapes by namespace.
pub fn pod_shapes(objects: &[Object]) -> VecMap<String, Vec<PodShapes<'_>>> {
    let mut out: VecMap<String, Vec<PodShapes<'_>>> = VecMap::new();
    for o in objects {
        let (ns, labels, spec) = match o {
            Object::Pod(p) => (p.metadata.ns(), &p.metadata.labels, &p.spec),
            Object::Deployment(d) => (
                d.metadata.ns(),
                &d.spec.template.metadata.labels,
                &d.spec.template.spec,
            ),
            Object::ReplicaSet(r) => (
                r.metadata.ns(),
                &r.spec.template.metadata.labels,
                &r.spec.template.spec,
            ),
            _ => continue,
        };
        out.entry(ns.to_string()).or_default().push(PodShapes {
            labels,
            ports: spec
                .containers
                .iter()
                .flat_map(|c| c.ports.iter())
                .collect(),
        });
    }
    out
}

/// Problems the API server accepts but that leave a Service or a policy
/// doing nothing useful. Each is a warning, never an error: Kubernetes
/// creates these objects without complaint.
pub fn service_warnings(svc: &Service, shapes: &VecMap<String, Vec<PodShapes<'_>>>) -> Errs {
    let mut w = Errs::default();
    let Some(sel) = svc.spec.selector.as_ref().filter(|s| !s.is_empty()) else {
        return w;
    };
    if svc.service_type() == ServiceType::ExternalName {
        return w;
    }
    let ns = svc.metadata.ns();
    let selected: Vec<&PodShapes> = shapes
        .get(ns)
        .into_iter()
        .flatten()
        .filter(|p| map_selector_matches(sel, p.labels))
        .collect();
    let sel_text: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if selected.is_empty() {
        w.push(
            "spec.selector",
            format!(
                "selector {} matches no pods or pod templates in namespace {ns:?}; the Service will have no endpoints",
                sel_text.join(",")
            ),
        );
        return w;
    }
    let declared: VecSet<i32> = svcsim_core::order::set_of(
        selected
            .iter()
            .flat_map(|p| p.ports.iter().map(|c| c.container_port)),
    );
    for (i, p) in svc.spec.ports.iter().enumerate() {
        match &p.target_port {
            Some(IntOrString::Str(name)) => {
                let found = selected.iter().any(|s| {
                    s.ports
                        .iter()
                        .any(|c| c.name.as_deref() == Some(name) && c.protocol() == p.protocol())
                });
                if !found {
                    w.push(
                        &format!("spec.ports[{i}].targetPort"),
                        format!(
                            "no selected pod has a {} container port named {name:?}; this port gets no endpoints",
                            p.protocol()
                        ),
                    );
                }
            }
            Some(IntOrString::Int(t)) if !declared.is_empty() && !declared.contains(t) => {
                let list: Vec<String> = declared.iter().map(|d| d.to_string()).collect();
                w.push(
                    &format!("spec.ports[{i}].targetPort"),
                    format!(
                        "targetPort {t} is not a containerPort of the selected pods ({}); connections fail unless the container listens there anyway",
                        list.join(", ")
                    ),
                );
            }
            _ => {}
        }
    }
    w
}

/// A NetworkPolicy port that equals a Service's `port` but not the pods'
/// `targetPort`: policies see packets after kube-proxy's DNAT, so the rule
/// never matches (`reference/netpol-semantics.md` §8).
pub fn network_policy_warnings(
    np: &NetworkPolicy,
    services: &[&Service],
    shapes: &VecMap<String, Vec<PodShapes<'_>>>,
) -> Errs {
    let mut w = Errs::default();
    let ns = np.metadata.ns();
    let selected: Vec<&PodShapes> = shapes
        .get(ns)
        .into_iter()
        .flatten()
        .filter(|p| np.spec.pod_selector.matches(p.labels))
        .collect();
    let declared: VecSet<i32> = svcsim_core::order::set_of(
        selected
            .iter()
            .flat_map(|p| p.ports.iter().map(|c| c.container_port)),
    );
    if declared.is_empty() {
        return w;
    }
    for (i, rule) in np.spec.ingress.iter().flatten().enumerate() {
        for (j, p) in rule.ports.iter().flatten().enumerate() {
            let Some(IntOrString::Int(port)) = p.port else {
                continue;
            };
            if declared.contains(&port) || p.end_port.is_some() {
                continue;
            }
            let via = services.iter().find(|s| {
                s.metadata.ns() == ns
                    && s.spec
                        .ports
                        .iter()
                        .any(|sp| sp.port == port && sp.target_port != Some(IntOrString::Int(port)))
                    && s.spec.selector.as_ref().is_some_and(|sel| {
                        selected.iter().any(|p| map_selector_matches(sel, p.labels))
                    })
            });
            if let Some(svc) = via {
                let target = svc
                    .spec
                    .ports
                    .iter()
                    .find(|sp| sp.port == port)
                    .and_then(|sp| sp.target_port.as_ref())
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                w.push(
                    &format!("spec.ingress[{i}].ports[{j}].port"),
                    format!(
                        "{port} is the port of Service {:?}, but NetworkPolicy sees traffic after DNAT, on the pod's targetPort {target}; this rule admits nothing",
                        svc.metadata.name
                    ),
                );
            }
        }
    }
    w
}
