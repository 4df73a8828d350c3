//! Defaulting, as the API server applies it before validation.
//!
//! Sources: `pkg/apis/core/v1/defaults.go` (`SetDefaults_Service`,
//! `SetDefaults_PodSpec`, `SetDefaults_ContainerPort`),
//! `pkg/apis/apps/v1/defaults.go` (`SetDefaults_Deployment`,
//! `SetDefaults_ReplicaSet`), `pkg/apis/networking/v1/defaults.go`
//! (`SetDefaults_NetworkPolicy`, `SetDefaults_NetworkPolicyPort`),
//! `pkg/apis/discovery/v1/defaults.go` (`SetDefaults_EndpointPort`).
//! The namespace of a namespaced object comes from the request in a real
//! cluster; here it is `default`.

use svcsim_core::model::*;

fn set<T>(slot: &mut Option<T>, v: T) {
    if slot.is_none() {
        *slot = Some(v);
    }
}

fn set_str(slot: &mut Option<String>, v: &str) {
    if slot.as_deref().is_none_or(str::is_empty) {
        *slot = Some(v.to_string());
    }
}

fn namespace(meta: &mut ObjectMeta) {
    if meta.namespace.as_deref().is_none_or(str::is_empty) {
        meta.namespace = Some("default".into());
    }
}

/// Default one object in place.
pub fn object(o: &mut Object) {
    match o {
        Object::Namespace(_) | Object::Node(_) => {}
        Object::Pod(p) => {
            namespace(&mut p.metadata);
            pod_spec(&mut p.spec);
        }
        Object::Deployment(d) => {
            namespace(&mut d.metadata);
            set(&mut d.spec.replicas, 1);
            let st = d.spec.strategy.get_or_insert_with(Default::default);
            set_str(&mut st.type_, "RollingUpdate");
            if st.type_.as_deref() == Some("RollingUpdate") {
                let ru = st.rolling_update.get_or_insert_with(Default::default);
                set(&mut ru.max_surge, IntOrString::Str("25%".into()));
                set(&mut ru.max_unavailable, IntOrString::Str("25%".into()));
            }
            pod_spec(&mut d.spec.template.spec);
        }
        Object::ReplicaSet(r) => {
            namespace(&mut r.metadata);
            set(&mut r.spec.replicas, 1);
            pod_spec(&mut r.spec.template.spec);
        }
        Object::Service(s) => {
            namespace(&mut s.metadata);
            service(s);
        }
        Object::EndpointSlice(s) => {
            namespace(&mut s.metadata);
            for p in &mut s.ports {
                set_str(&mut p.protocol, "TCP");
                if p.name.is_none() {
                    p.name = Some(String::new());
                }
            }
        }
        Object::NetworkPolicy(n) => {
            namespace(&mut n.metadata);
            network_policy(&mut n.spec);
        }
    }
}

fn pod_spec(s: &mut PodSpec) {
    set_str(&mut s.restart_policy, "Always");
    set_str(&mut s.dns_policy, "ClusterFirst");
    set(&mut s.termination_grace_period_seconds, 30);
    for c in &mut s.containers {
        for p in &mut c.ports {
            set_str(&mut p.protocol, "TCP");
        }
    }
}

/// `SetDefaults_Service`.
pub fn service(s: &mut Service) {
    let spec = &mut s.spec;
    set_str(&mut spec.type_, "ClusterIP");
    set_str(&mut spec.session_affinity, "None");
    if spec.session_affinity.as_deref() == Some("ClientIP") {
        let cfg = spec
            .session_affinity_config
            .get_or_insert_with(Default::default);
        let ci = cfg.client_ip.get_or_insert_with(Default::default);
        // DefaultClientIPServiceAffinitySeconds.
        set(&mut ci.timeout_seconds, 10800);
    }
    for p in &mut spec.ports {
        set_str(&mut p.protocol, "TCP");
        let unset = match &p.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::Str(t)) => t.is_empty(),
            Some(IntOrString::Int(_)) => false,
        };
        if unset {
            p.target_port = Some(IntOrString::Int(p.port));
        }
    }
    let ty = spec.type_.clone().unwrap_or_default();
    let external = ty == "NodePort"
        || ty == "LoadBalancer"
        || (ty == "ClusterIP" && !spec.external_ips.is_empty());
    if external {
        set_str(&mut spec.external_traffic_policy, "Cluster");
    }
    if ty != "ExternalName" {
        set_str(&mut spec.internal_traffic_policy, "Cluster");
    }
    if ty == "LoadBalancer" {
        set(&mut spec.allocate_load_balancer_node_ports, true);
    }
}

/// `SetDefaults_NetworkPolicy` and `SetDefaults_NetworkPolicyPort`:
/// policyTypes becomes `[Ingress]`, plus `Egress` iff there is at least one
/// egress rule; ports default to TCP.
fn network_policy(s: &mut NetworkPolicySpec) {
    if s.policy_types.as_ref().is_none_or(|t| t.is_empty()) {
        let mut t = vec!["Ingress".to_string()];
        if s.egress.as_ref().is_some_and(|e| !e.is_empty()) {
            t.push("Egress".into());
        }
        s.policy_types = Some(t);
    }
    for r in s.ingress.iter_mut().flatten() {
        for p in r.ports.iter_mut().flatten() {
            set_str(&mut p.protocol, "TCP");
        }
    }
    for r in s.egress.iter_mut().flatten() {
        for p in r.ports.iter_mut().flatten() {
            set_str(&mut p.protocol, "TCP");
        }
    }
}
