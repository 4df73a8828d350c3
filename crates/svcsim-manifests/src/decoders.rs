//! The field tables of every type the loader decodes: for each struct, its
//! YAML field names (in declaration order, as `rename_all = "camelCase"` and
//! the `rename`s in svcsim-core spell them), the value absent fields take,
//! the fields it requires and the `kubectl get -o yaml` fields it drops.
//! [`crate::de`] does the decoding; a table only says where each value goes.
//!
//! `decode_tables_match_serde` keeps the names in step with the serde
//! derives in svcsim-core (the model's `Deserialize`, which `lenient` still
//! uses, and the scenario types' `Serialize`).

use crate::de::{De, DeError, Decode, Shape};
use svcsim_core::model::*;
use svcsim_core::scenario::{self, ClientKind, IpvsScheduler, ProxyMode};

/// `impl Decode` for a struct from its field table. `$base` is the struct
/// with every field at its default (`#[serde(default = …)]` included);
/// each `"yamlName" => field` entry overwrites one field when the key is
/// present. The code per struct is one `match` on the key: the loop over
/// the mapping, unknown fields and duplicates are `De::entries`, shared.
macro_rules! decode_struct {
    (
        $ty:ty = $base:expr;
        fields { $($key:literal => $field:ident),* $(,)? }
        $(required [$($req:literal),* $(,)?])?
        $(ignored [$($ign:literal),* $(,)?])?
    ) => {
        impl Decode for $ty {
            fn decode(de: &De) -> Result<Self, DeError> {
                const SHAPE: Shape = Shape {
                    fields: &[$($key),*],
                    required: &[$($($req),*)?],
                    ignored: &[$($($ign),*)?],
                };
                let mut out: $ty = $base;
                de.entries(Some(&SHAPE), &mut |key, v| match key {
                    $($key => set(&mut out.$field, v),)*
                    // `entries` hands over only the keys in `SHAPE.fields`.
                    _ => Ok(()),
                })?;
                Ok(out)
            }
        }
    };
}

/// Decode a field's value into it. Never inlined, so that each field type
/// has one copy of its decoding, shared by every struct, rather than one
/// per field.
#[inline(never)]
fn set<T: Decode>(field: &mut T, de: &De) -> Result<(), DeError> {
    *field = T::decode(de)?;
    Ok(())
}

decode_struct! {
    ObjectMeta = Default::default();
    fields {
        "name" => name,
        "generateName" => generate_name,
        "namespace" => namespace,
        "labels" => labels,
        "annotations" => annotations,
    }
    ignored [
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "ownerReferences",
        "finalizers",
        "selfLink",
        "clusterName",
    ]
}

decode_struct! {
    LabelSelector = Default::default();
    fields {
        "matchLabels" => match_labels,
        "matchExpressions" => match_expressions,
    }
}

decode_struct! {
    LabelSelectorRequirement = Default::default();
    fields {
        "key" => key,
        "operator" => operator,
        "values" => values,
    }
    required ["key", "operator"]
}

decode_struct! {
    NetworkPolicy = NetworkPolicy { api_version: "networking.k8s.io/v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "spec" => spec,
    }
    ignored [
        "status",
    ]
}

decode_struct! {
    NetworkPolicySpec = Default::default();
    fields {
        "podSelector" => pod_selector,
        "ingress" => ingress,
        "egress" => egress,
        "policyTypes" => policy_types,
    }
}

decode_struct! {
    NetworkPolicyIngressRule = Default::default();
    fields {
        "ports" => ports,
        "from" => from,
    }
}

decode_struct! {
    NetworkPolicyEgressRule = Default::default();
    fields {
        "ports" => ports,
        "to" => to,
    }
}

decode_struct! {
    NetworkPolicyPeer = Default::default();
    fields {
        "podSelector" => pod_selector,
        "namespaceSelector" => namespace_selector,
        "ipBlock" => ip_block,
    }
}

decode_struct! {
    IpBlock = Default::default();
    fields {
        "cidr" => cidr,
        "except" => except,
    }
    required ["cidr"]
}

decode_struct! {
    NetworkPolicyPort = Default::default();
    fields {
        "protocol" => protocol,
        "port" => port,
        "endPort" => end_port,
    }
}

decode_struct! {
    Node = Node { api_version: "v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "spec" => spec,
        "status" => status,
    }
}

decode_struct! {
    NodeSpec = Default::default();
    fields {
        "podCIDR" => pod_cidr,
        "unschedulable" => unschedulable,
    }
    ignored [
        "podCIDRs",
        "providerID",
        "taints",
        "externalID",
        "configSource",
    ]
}

decode_struct! {
    NodeStatus = Default::default();
    fields {
        "addresses" => addresses,
    }
    ignored [
        "allocatable",
        "capacity",
        "conditions",
        "daemonEndpoints",
        "images",
        "nodeInfo",
        "volumesInUse",
        "volumesAttached",
        "phase",
        "config",
        "runtimeHandlers",
        "features",
    ]
}

decode_struct! {
    NodeAddress = Default::default();
    fields {
        "type" => type_,
        "address" => address,
    }
    required ["type", "address"]
}

decode_struct! {
    Namespace = Namespace { api_version: "v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
    }
    ignored [
        "spec",
        "status",
    ]
}

decode_struct! {
    Pod = Pod { api_version: "v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "spec" => spec,
        "status" => status,
    }
}

decode_struct! {
    PodSpec = Default::default();
    fields {
        "containers" => containers,
        "nodeName" => node_name,
        "hostname" => hostname,
        "subdomain" => subdomain,
        "restartPolicy" => restart_policy,
        "terminationGracePeriodSeconds" => termination_grace_period_seconds,
        "dnsPolicy" => dns_policy,
        "nodeSelector" => node_selector,
    }
    ignored [
        "schedulerName",
        "securityContext",
        "serviceAccount",
        "serviceAccountName",
        "automountServiceAccountToken",
        "enableServiceLinks",
        "preemptionPolicy",
        "priority",
        "priorityClassName",
        "tolerations",
        "volumes",
        "affinity",
        "imagePullSecrets",
        "hostAliases",
        "initContainers",
        "topologySpreadConstraints",
        "shareProcessNamespace",
        "readinessGates",
        "runtimeClassName",
        "overhead",
        "activeDeadlineSeconds",
        "ephemeralContainers",
        "hostPID",
        "hostIPC",
        "setHostnameAsFQDN",
        "os",
        "schedulingGates",
        "resourceClaims",
        "dnsConfig",
        "hostNetwork",
    ]
}

decode_struct! {
    Container = Default::default();
    fields {
        "name" => name,
        "image" => image,
        "ports" => ports,
        "readinessProbe" => readiness_probe,
    }
    ignored [
        "imagePullPolicy",
        "resources",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "env",
        "envFrom",
        "command",
        "args",
        "workingDir",
        "volumeMounts",
        "volumeDevices",
        "livenessProbe",
        "startupProbe",
        "lifecycle",
        "securityContext",
        "stdin",
        "stdinOnce",
        "tty",
        "resizePolicy",
        "restartPolicy",
    ]
}

decode_struct! {
    ContainerPort = Default::default();
    fields {
        "name" => name,
        "containerPort" => container_port,
        "protocol" => protocol,
        "hostPort" => host_port,
    }
    ignored [
        "hostIP",
    ]
}

decode_struct! {
    Probe = Default::default();
    fields {
        "httpGet" => http_get,
        "tcpSocket" => tcp_socket,
        "exec" => exec,
        "initialDelaySeconds" => initial_delay_seconds,
        "periodSeconds" => period_seconds,
        "failureThreshold" => failure_threshold,
        "successThreshold" => success_threshold,
    }
    ignored [
        "timeoutSeconds",
        "terminationGracePeriodSeconds",
        "grpc",
    ]
}

decode_struct! {
    PodStatus = Default::default();
    fields {
        "phase" => phase,
        "podIP" => pod_ip,
        "hostIP" => host_ip,
    }
    ignored [
        "conditions",
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
        "hostIPs",
        "podIPs",
        "qosClass",
        "startTime",
        "message",
        "reason",
        "nominatedNodeName",
        "resize",
        "resourceClaimStatuses",
        "observedGeneration",
    ]
}

decode_struct! {
    PodTemplateSpec = Default::default();
    fields {
        "metadata" => metadata,
        "spec" => spec,
    }
}

decode_struct! {
    Service = Service { api_version: "v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "spec" => spec,
        "status" => status,
    }
}

decode_struct! {
    ServiceSpec = Default::default();
    fields {
        "type" => type_,
        "selector" => selector,
        "ports" => ports,
        "clusterIP" => cluster_ip,
        "clusterIPs" => cluster_ips,
        "externalIPs" => external_ips,
        "externalName" => external_name,
        "sessionAffinity" => session_affinity,
        "sessionAffinityConfig" => session_affinity_config,
        "externalTrafficPolicy" => external_traffic_policy,
        "internalTrafficPolicy" => internal_traffic_policy,
        "healthCheckNodePort" => health_check_node_port,
        "loadBalancerSourceRanges" => load_balancer_source_ranges,
        "loadBalancerIP" => load_balancer_ip,
        "loadBalancerClass" => load_balancer_class,
        "allocateLoadBalancerNodePorts" => allocate_load_balancer_node_ports,
        "publishNotReadyAddresses" => publish_not_ready_addresses,
        "ipFamilies" => ip_families,
        "ipFamilyPolicy" => ip_family_policy,
    }
    ignored [
        "trafficDistribution",
    ]
}

decode_struct! {
    SessionAffinityConfig = Default::default();
    fields {
        "clientIP" => client_ip,
    }
}

decode_struct! {
    ClientIpConfig = Default::default();
    fields {
        "timeoutSeconds" => timeout_seconds,
    }
}

decode_struct! {
    ServicePort = Default::default();
    fields {
        "name" => name,
        "protocol" => protocol,
        "appProtocol" => app_protocol,
        "port" => port,
        "targetPort" => target_port,
        "nodePort" => node_port,
    }
}

decode_struct! {
    ServiceStatus = Default::default();
    fields {
        "loadBalancer" => load_balancer,
    }
    ignored [
        "conditions",
    ]
}

decode_struct! {
    LoadBalancerStatus = Default::default();
    fields {
        "ingress" => ingress,
    }
}

decode_struct! {
    LoadBalancerIngress = Default::default();
    fields {
        "ip" => ip,
        "hostname" => hostname,
        "ipMode" => ip_mode,
    }
    ignored [
        "ports",
    ]
}

decode_struct! {
    EndpointSlice = EndpointSlice { api_version: "discovery.k8s.io/v1".into(), address_type: "IPv4".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "addressType" => address_type,
        "endpoints" => endpoints,
        "ports" => ports,
    }
}

decode_struct! {
    Endpoint = Default::default();
    fields {
        "addresses" => addresses,
        "conditions" => conditions,
        "hostname" => hostname,
        "nodeName" => node_name,
        "zone" => zone,
        "targetRef" => target_ref,
    }
    ignored [
        "hints",
        "deprecatedTopology",
    ]
}

decode_struct! {
    EndpointConditions = Default::default();
    fields {
        "ready" => ready,
        "serving" => serving,
        "terminating" => terminating,
    }
}

decode_struct! {
    ObjectReference = Default::default();
    fields {
        "kind" => kind,
        "namespace" => namespace,
        "name" => name,
    }
    ignored [
        "uid",
        "apiVersion",
        "resourceVersion",
        "fieldPath",
    ]
}

decode_struct! {
    EndpointPort = Default::default();
    fields {
        "name" => name,
        "port" => port,
        "protocol" => protocol,
        "appProtocol" => app_protocol,
    }
}

decode_struct! {
    Deployment = Deployment { api_version: "apps/v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "spec" => spec,
    }
    ignored [
        "status",
    ]
}

decode_struct! {
    DeploymentSpec = Default::default();
    fields {
        "replicas" => replicas,
        "selector" => selector,
        "template" => template,
        "strategy" => strategy,
        "minReadySeconds" => min_ready_seconds,
    }
    ignored [
        "progressDeadlineSeconds",
        "revisionHistoryLimit",
        "paused",
    ]
}

decode_struct! {
    DeploymentStrategy = Default::default();
    fields {
        "type" => type_,
        "rollingUpdate" => rolling_update,
    }
}

decode_struct! {
    RollingUpdateDeployment = Default::default();
    fields {
        "maxSurge" => max_surge,
        "maxUnavailable" => max_unavailable,
    }
}

decode_struct! {
    ReplicaSet = ReplicaSet { api_version: "apps/v1".into(), ..Default::default() };
    fields {
        "apiVersion" => api_version,
        "metadata" => metadata,
        "spec" => spec,
    }
    ignored [
        "status",
    ]
}

decode_struct! {
    ReplicaSetSpec = Default::default();
    fields {
        "replicas" => replicas,
        "selector" => selector,
        "template" => template,
    }
    ignored [
        "minReadySeconds",
    ]
}

decode_struct! {
    scenario::ScenarioDoc = scenario::ScenarioDoc { api_version: String::new(), kind: String::new(), metadata: Default::default(), spec: Default::default() };
    fields {
        "apiVersion" => api_version,
        "kind" => kind,
        "metadata" => metadata,
        "spec" => spec,
    }
    required ["apiVersion", "kind"]
}

decode_struct! {
    scenario::ScenarioSpec = Default::default();
    fields {
        "caption" => caption,
        "seed" => seed,
        "duration" => duration,
        "cluster" => cluster,
        "nodes" => nodes,
        "kubeProxy" => kube_proxy,
        "timing" => timing,
        "clients" => clients,
        "workloads" => workloads,
        "churn" => churn,
    }
}

decode_struct! {
    scenario::ClusterSettings = Default::default();
    fields {
        "serviceCIDR" => service_cidr,
        "clusterCIDR" => cluster_cidr,
        "nodeCIDR" => node_cidr,
        "clusterDomain" => cluster_domain,
        "nodePortRange" => node_port_range,
        "cloudLoadBalancer" => cloud_load_balancer,
        "lbProvisionDelay" => lb_provision_delay,
        "lbIPPool" => lb_ip_pool,
        "nodeNetworkRoutable" => node_network_routable,
    }
}

decode_struct! {
    scenario::NodeSpec = Default::default();
    fields {
        "name" => name,
        "ip" => ip,
        "podCIDR" => pod_cidr,
        "zone" => zone,
    }
}

decode_struct! {
    scenario::KubeProxySettings = Default::default();
    fields {
        "mode" => mode,
        "ipvsScheduler" => ipvs_scheduler,
        "minSyncPeriod" => min_sync_period,
        "watchDelay" => watch_delay,
        "masqueradeAll" => masquerade_all,
    }
}

decode_struct! {
    scenario::Timing = Default::default();
    fields {
        "podStartup" => pod_startup,
        "readinessDelay" => readiness_delay,
        "endpointSliceDelay" => endpoint_slice_delay,
        "nodeMonitorGracePeriod" => node_monitor_grace_period,
        "evictionTimeout" => eviction_timeout,
        "crashBackoffInitial" => crash_backoff_initial,
        "crashBackoffMax" => crash_backoff_max,
        "hopLatency" => hop_latency,
        "nodeToNodeLatency" => node_to_node_latency,
        "externalLatency" => external_latency,
        "connectTimeout" => connect_timeout,
    }
}

decode_struct! {
    scenario::ClientSpec = Default::default();
    fields {
        "name" => name,
        "kind" => kind,
        "namespace" => namespace,
        "node" => node,
        "target" => target,
        "rate" => rate,
        "concurrency" => concurrency,
        "thinkTime" => think_time,
        "keepAlive" => keep_alive,
        "sourceIP" => source_ip,
        "start" => start,
        "timeout" => timeout,
    }
}

decode_struct! {
    scenario::WorkloadSpec = Default::default();
    fields {
        "deployment" => deployment,
        "namespace" => namespace,
        "serviceTime" => service_time,
        "concurrency" => concurrency,
        "queueLimit" => queue_limit,
        "shutdownDelay" => shutdown_delay,
    }
}

decode_struct! {
    scenario::Churn = Default::default();
    fields {
        "podCrashesPerHour" => pod_crashes_per_hour,
        "nodeFailuresPerHour" => node_failures_per_hour,
        "nodeRecovery" => node_recovery,
    }
}

impl Decode for ProxyMode {
    fn decode(de: &De) -> Result<Self, DeError> {
        de.one_of(&[("iptables", ProxyMode::Iptables), ("ipvs", ProxyMode::Ipvs)])
    }
}

impl Decode for IpvsScheduler {
    fn decode(de: &De) -> Result<Self, DeError> {
        de.one_of(&[
            ("rr", IpvsScheduler::Rr),
            ("lc", IpvsScheduler::Lc),
            ("sh", IpvsScheduler::Sh),
        ])
    }
}

impl Decode for ClientKind {
    fn decode(de: &De) -> Result<Self, DeError> {
        de.one_of(&[
            ("InCluster", ClientKind::InCluster),
            ("External", ClientKind::External),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::de::{decode, quoted_list, Ctx};
    use crate::tree::{self, NodeKind, Pos};
    use serde::de::{Deserializer, Error, Visitor};
    use std::fmt;

    /// The field names serde's derive gives a model struct (which keeps its
    /// `Deserialize` for `lenient`): a `Deserializer`
    /// that answers `deserialize_struct` with them, as an error.
    struct SerdeFields;

    #[derive(Debug)]
    struct Names(String);
    impl fmt::Display for Names {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl std::error::Error for Names {}
    impl Error for Names {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            Names(msg.to_string())
        }
    }

    impl<'de> Deserializer<'de> for SerdeFields {
        type Error = Names;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Names> {
            Err(Names("not a struct".into()))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Names> {
            Err(Names(quoted_list(fields)))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    /// The field names a decode table knows, in its order, as the "known
    /// fields are" of an unknown field lists them.
    fn table_fields<T: Decode>() -> String {
        let scalar = |value: &str| tree::Node {
            pos: Pos { line: 1, col: 1 },
            kind: NodeKind::Scalar {
                value: value.into(),
                plain: true,
            },
        };
        let node = tree::Node {
            pos: Pos { line: 1, col: 1 },
            kind: NodeKind::Map(vec![(scalar("zzzzzzzzzzzzzzzzzzzz"), scalar("1"))]),
        };
        let ctx = Ctx::default();
        // Required fields are missing; only the finding matters here.
        let _ = decode::<T>(&node, "", &ctx);
        let findings = ctx.findings.into_inner();
        let message = &findings[0].message;
        message
            .strip_prefix("unknown field; known fields are ")
            .unwrap_or(message)
            .to_string()
    }

    fn check<T: Decode + for<'de> serde::Deserialize<'de>>() {
        let serde = T::deserialize(SerdeFields).err().map(|e| e.0);
        assert_eq!(
            Some(table_fields::<T>()),
            serde,
            "{}",
            std::any::type_name::<T>()
        );
    }

    /// The field names serde's `Serialize` derive writes, in order: the
    /// scenario types derive no `Deserialize` (these tables are how they
    /// are read). The JSON is read back through our tree, which keeps key
    /// order. `events` is decoded by the loader itself.
    fn check_serialized<T: Decode + serde::Serialize>(value: &T) {
        let json = serde_json::to_string(value).unwrap();
        let budget = tree::Budget {
            max_depth: 16,
            max_nodes: 1_000,
        };
        let docs = tree::parse_stream(&json, budget).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let NodeKind::Map(entries) = &root.kind else {
            panic!("{json}")
        };
        let names: Vec<&str> = entries
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .filter(|k| *k != "events")
            .collect();
        assert_eq!(
            table_fields::<T>(),
            quoted_list(&names),
            "{}",
            std::any::type_name::<T>()
        );
    }

    /// A field added to a model or scenario struct in svcsim-core (and so
    /// to its serde derive) must be added to its table here too, or the
    /// loader would refuse it as unknown.
    #[test]
    fn decode_tables_match_serde() {
        check_serialized(&scenario::ScenarioDoc {
            api_version: String::new(),
            kind: String::new(),
            metadata: Default::default(),
            spec: Default::default(),
        });
        check_serialized(&scenario::ScenarioSpec::default());
        check_serialized(&scenario::ClusterSettings::default());
        check_serialized(&scenario::NodeSpec::default());
        check_serialized(&scenario::KubeProxySettings::default());
        check_serialized(&scenario::Timing::default());
        check_serialized(&scenario::ClientSpec::default());
        check_serialized(&scenario::WorkloadSpec::default());
        check_serialized(&scenario::Churn::default());
        check::<ObjectMeta>();
        check::<LabelSelector>();
        check::<LabelSelectorRequirement>();
        check::<NetworkPolicy>();
        check::<NetworkPolicySpec>();
        check::<NetworkPolicyIngressRule>();
        check::<NetworkPolicyEgressRule>();
        check::<NetworkPolicyPeer>();
        check::<IpBlock>();
        check::<NetworkPolicyPort>();
        check::<Node>();
        check::<NodeSpec>();
        check::<NodeStatus>();
        check::<NodeAddress>();
        check::<Namespace>();
        check::<Pod>();
        check::<PodSpec>();
        check::<Container>();
        check::<ContainerPort>();
        check::<Probe>();
        check::<PodStatus>();
        check::<PodTemplateSpec>();
        check::<Service>();
        check::<ServiceSpec>();
        check::<SessionAffinityConfig>();
        check::<ClientIpConfig>();
        check::<ServicePort>();
        check::<ServiceStatus>();
        check::<LoadBalancerStatus>();
        check::<LoadBalancerIngress>();
        check::<EndpointSlice>();
        check::<Endpoint>();
        check::<EndpointConditions>();
        check::<ObjectReference>();
        check::<EndpointPort>();
        check::<Deployment>();
        check::<DeploymentSpec>();
        check::<DeploymentStrategy>();
        check::<RollingUpdateDeployment>();
        check::<ReplicaSet>();
        check::<ReplicaSetSpec>();
    }
}
