//! The svcsim-specific part of a scenario: the `kind: Scenario` document
//! that sits beside the Kubernetes objects in a scenario file.
//!
//! It sets what Kubernetes objects cannot: the seed, how long to run, the
//! nodes, the clients and their workload, churn, scripted events, kube-proxy's
//! mode and timings. Every field has a default, and the defaults are
//! Kubernetes' own where Kubernetes has one (the source is named beside each).
//! A file of plain Kubernetes objects with no Scenario document is a valid
//! scenario with `ScenarioSpec::default()`.
//!
//! These types serialize with serde but do not derive `Deserialize`:
//! svcsim-manifests reads scenario files with its own strict decoder and a
//! field table per type (`decoders.rs`), and its `decode_tables_match_serde`
//! test fails when a field added here is missing there.

use crate::sim::Command;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// `apiVersion` of the Scenario document.
pub const SCENARIO_API_VERSION: &str = "svcsim.dev/v1alpha1";

/// Durations in scenario files are strings such as `90s`, `250ms`, `1m30s`
/// (see [`format_duration`] and [`parse_duration`]).
pub mod duration_str {
    use crate::time::SimDuration;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_duration(*d))
    }
}

/// Parse a duration as scenario files write it, with the message every
/// reader of scenario files gives for a bad one.
pub fn parse_duration(s: &str) -> Result<SimDuration, String> {
    SimDuration::parse(s).ok_or_else(|| {
        format!("invalid duration {s:?}: use a number with a unit, e.g. 90s, 250ms, 1m30s")
    })
}

/// Render a duration the way scenario files write it (`1m30s`, `250ms`).
pub fn format_duration(d: SimDuration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns % 1_000_000_000 == 0 {
        let s = ns / 1_000_000_000;
        let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
        let mut out = String::new();
        if h > 0 {
            out += &format!("{h}h");
        }
        if m > 0 {
            out += &format!("{m}m");
        }
        if s > 0 {
            out += &format!("{s}s");
        }
        out
    } else if ns % 1_000_000 == 0 {
        format!("{}ms", ns / 1_000_000)
    } else if ns % 1_000 == 0 {
        format!("{}us", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

/// The whole `kind: Scenario` document.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioDoc {
    pub api_version: String,
    pub kind: String,
    pub metadata: crate::model::ObjectMeta,
    pub spec: ScenarioSpec,
}

/// Scenario settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioSpec {
    /// One-paragraph "what to watch" caption shown by the UI.
    pub caption: String,
    /// The one seed every random stream derives from.
    pub seed: u64,
    /// How long `svcsim run` simulates by default.
    #[serde(with = "duration_str")]
    pub duration: SimDuration,
    pub cluster: ClusterSettings,
    /// Nodes. Empty means three nodes `node-1..3`, as a small kubeadm cluster.
    pub nodes: Vec<NodeSpec>,
    pub kube_proxy: KubeProxySettings,
    pub timing: Timing,
    pub clients: Vec<ClientSpec>,
    /// Per-Deployment pod behaviour (service time, concurrency).
    pub workloads: Vec<WorkloadSpec>,
    pub churn: Churn,
    /// Scripted interventions, applied at their time.
    pub events: Vec<TimedCommand>,
}

impl Default for ScenarioSpec {
    fn default() -> Self {
        ScenarioSpec {
            caption: String::new(),
            seed: 1,
            duration: SimDuration::from_secs(60),
            cluster: ClusterSettings::default(),
            nodes: Vec::new(),
            kube_proxy: KubeProxySettings::default(),
            timing: Timing::default(),
            clients: Vec::new(),
            workloads: Vec::new(),
            churn: Churn::default(),
            events: Vec::new(),
        }
    }
}

/// Cluster-wide settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSettings {
    /// kube-apiserver `--service-cluster-ip-range`; kubeadm's default 10.96.0.0/12.
    #[serde(rename = "serviceCIDR")]
    pub service_cidr: String,
    /// kube-controller-manager `--cluster-cidr` (pod network). Node pod CIDRs
    /// are carved from it as /24s, as `--node-cidr-mask-size` 24 does.
    #[serde(rename = "clusterCIDR")]
    pub cluster_cidr: String,
    /// Node addresses are allocated from this network when not given.
    #[serde(rename = "nodeCIDR")]
    pub node_cidr: String,
    /// kubelet `--cluster-domain`.
    pub cluster_domain: String,
    /// kube-apiserver `--service-node-port-range`, default 30000-32767.
    pub node_port_range: String,
    /// Whether a cloud load-balancer controller runs. Without one a
    /// LoadBalancer Service stays `EXTERNAL-IP <pending>`, as on a laptop.
    pub cloud_load_balancer: bool,
    /// How long the cloud controller takes to provision an LB.
    #[serde(with = "duration_str")]
    pub lb_provision_delay: SimDuration,
    /// Addresses the cloud controller hands out for load balancers.
    #[serde(rename = "lbIPPool")]
    pub lb_ip_pool: String,
    /// Whether external clients can reach the nodes' IPs. On a laptop the
    /// nodes often sit on a private VM or container network (Docker
    /// Desktop, kind, minikube's docker driver), so `NodeIP:NodePort` times
    /// out from the host and `kubectl port-forward` is the way in.
    pub node_network_routable: bool,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            service_cidr: "10.96.0.0/12".into(),
            cluster_cidr: "10.244.0.0/16".into(),
            node_cidr: "192.168.49.0/24".into(),
            cluster_domain: "cluster.local".into(),
            node_port_range: "30000-32767".into(),
            cloud_load_balancer: true,
            lb_provision_delay: SimDuration::from_secs(3),
            lb_ip_pool: "203.0.113.0/24".into(),
            node_network_routable: true,
        }
    }
}

/// One node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    pub name: String,
    /// InternalIP; allocated from `cluster.nodeCIDR` when empty.
    pub ip: Option<String>,
    /// Pod CIDR; carved from `cluster.clusterCIDR` when empty.
    #[serde(rename = "podCIDR")]
    pub pod_cidr: Option<String>,
    /// `topology.kubernetes.io/zone`.
    pub zone: Option<String>,
}

/// kube-proxy mode. `Deserialize` because a trace's commands hold one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyMode {
    #[default]
    Iptables,
    Ipvs,
}

/// IPVS scheduler (`--ipvs-scheduler`, default rr).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpvsScheduler {
    #[default]
    Rr,
    Lc,
    Sh,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeProxySettings {
    pub mode: ProxyMode,
    pub ipvs_scheduler: IpvsScheduler,
    /// `--iptables-min-sync-period`, default 1s (KubeProxyConfiguration).
    #[serde(with = "duration_str")]
    pub min_sync_period: SimDuration,
    /// How long an EndpointSlice change takes to reach kube-proxy's informer.
    #[serde(with = "duration_str")]
    pub watch_delay: SimDuration,
    /// `--masquerade-all`, default false.
    pub masquerade_all: bool,
}

impl Default for KubeProxySettings {
    fn default() -> Self {
        KubeProxySettings {
            mode: ProxyMode::Iptables,
            ipvs_scheduler: IpvsScheduler::Rr,
            min_sync_period: SimDuration::from_secs(1),
            watch_delay: SimDuration::from_millis(100),
            masquerade_all: false,
        }
    }
}

/// Control-plane and kubelet timings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// Scheduling plus image pull plus container start (Pending → Running).
    #[serde(with = "duration_str")]
    pub pod_startup: SimDuration,
    /// Time from Running until the readiness probe first passes.
    #[serde(with = "duration_str")]
    pub readiness_delay: SimDuration,
    /// EndpointSlice controller reaction time after a pod or Service change.
    #[serde(with = "duration_str")]
    pub endpoint_slice_delay: SimDuration,
    /// kube-controller-manager `--node-monitor-grace-period`, default 40s
    /// (50s since v1.32; svcsim follows the 40s most docs still show).
    #[serde(with = "duration_str")]
    pub node_monitor_grace_period: SimDuration,
    /// Default `tolerationSeconds` for not-ready/unreachable taints, 300s
    /// (DefaultTolerationSeconds admission plugin).
    #[serde(with = "duration_str")]
    pub eviction_timeout: SimDuration,
    /// kubelet CrashLoopBackOff: initial back-off 10s, doubling, capped at 5m
    /// (pkg/kubelet/kubelet.go, `backOffPeriod` / `MaxContainerBackOff`).
    #[serde(with = "duration_str")]
    pub crash_backoff_initial: SimDuration,
    #[serde(with = "duration_str")]
    pub crash_backoff_max: SimDuration,
    /// One-way network latency within a node, between nodes, and to the
    /// outside world (client ↔ LB ↔ node).
    #[serde(with = "duration_str")]
    pub hop_latency: SimDuration,
    #[serde(with = "duration_str")]
    pub node_to_node_latency: SimDuration,
    #[serde(with = "duration_str")]
    pub external_latency: SimDuration,
    /// TCP connect timeout seen by clients when SYNs go unanswered.
    #[serde(with = "duration_str")]
    pub connect_timeout: SimDuration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            pod_startup: SimDuration::from_secs(2),
            readiness_delay: SimDuration::from_secs(1),
            endpoint_slice_delay: SimDuration::from_millis(50),
            node_monitor_grace_period: SimDuration::from_secs(40),
            eviction_timeout: SimDuration::from_secs(300),
            crash_backoff_initial: SimDuration::from_secs(10),
            crash_backoff_max: SimDuration::from_secs(300),
            hop_latency: SimDuration::from_micros(50),
            node_to_node_latency: SimDuration::from_micros(250),
            external_latency: SimDuration::from_millis(5),
            connect_timeout: SimDuration::from_secs(3),
        }
    }
}

/// Where a client sits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum ClientKind {
    /// A client pod inside the cluster; it resolves names through cluster DNS.
    #[default]
    InCluster,
    /// A host on the Internet; it calls an LB IP or NodeIP:NodePort.
    External,
}

/// One traffic source.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSpec {
    pub name: String,
    pub kind: ClientKind,
    /// Namespace of an in-cluster client pod.
    pub namespace: String,
    /// Node an in-cluster client pod runs on (default: the first node).
    pub node: Option<String>,
    /// What to call:
    /// - a DNS name and port, `ms-service:3200` or `ms-service.default.svc.cluster.local:3200`;
    /// - an `IP:port`, e.g. a hard-coded pod IP;
    /// - `nodeport:SERVICE` (external: a node's IP and the Service's nodePort;
    ///   the node is picked round-robin unless `node` is set);
    /// - `lb:SERVICE` (external: the Service's load-balancer IP);
    /// - `port-forward:SERVICE` (external: `kubectl port-forward
    ///   svc/SERVICE` from a workstation, to the Service's first port).
    pub target: String,
    /// Open-loop Poisson arrival rate in requests per second. Ignored when
    /// `concurrency` > 0 (closed loop).
    pub rate: f64,
    /// Closed loop: this many requests in flight, each followed by `thinkTime`.
    pub concurrency: u32,
    #[serde(with = "duration_str")]
    pub think_time: SimDuration,
    /// Reuse one TCP connection for many requests (HTTP keep-alive).
    pub keep_alive: bool,
    /// Source address of an external client.
    #[serde(rename = "sourceIP")]
    pub source_ip: Option<String>,
    /// When the client starts sending.
    #[serde(with = "duration_str")]
    pub start: SimDuration,
    /// Per-request timeout.
    #[serde(with = "duration_str")]
    pub timeout: SimDuration,
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec {
            name: "client".into(),
            kind: ClientKind::InCluster,
            namespace: "default".into(),
            node: None,
            target: String::new(),
            rate: 10.0,
            concurrency: 0,
            think_time: SimDuration::ZERO,
            keep_alive: false,
            source_ip: None,
            start: SimDuration::ZERO,
            timeout: SimDuration::from_secs(5),
        }
    }
}

/// How a Deployment's pods serve requests.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSpec {
    pub deployment: String,
    pub namespace: String,
    /// Mean service time of one request.
    #[serde(with = "duration_str")]
    pub service_time: SimDuration,
    /// Requests a pod serves at once; more wait in a queue.
    pub concurrency: u32,
    /// Queue length beyond which a pod answers 503 (reset).
    pub queue_limit: u32,
    /// How long the app keeps serving after SIGTERM before it exits: a
    /// preStop sleep or a graceful drain. Zero means it exits at once, as an
    /// app with no preStop hook does, which opens the classic window where
    /// kube-proxy still routes to a pod that is already gone. Capped by the
    /// pod's `terminationGracePeriodSeconds`.
    #[serde(with = "duration_str")]
    pub shutdown_delay: SimDuration,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            deployment: String::new(),
            namespace: "default".into(),
            service_time: SimDuration::from_millis(5),
            concurrency: 32,
            queue_limit: 256,
            shutdown_delay: SimDuration::ZERO,
        }
    }
}

/// Random faults, all drawn from streams derived from the seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Churn {
    /// Expected container crashes per pod per hour.
    pub pod_crashes_per_hour: f64,
    /// Expected node failures per node per hour (a failed node recovers
    /// after `nodeRecovery`).
    pub node_failures_per_hour: f64,
    #[serde(with = "duration_str")]
    pub node_recovery: SimDuration,
}

/// A command stamped with the simulated time it applies at. Serialize only:
/// the manifests crate decodes events strictly by hand.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimedCommand {
    #[serde(with = "duration_str")]
    pub at: SimDuration,
    #[serde(flatten)]
    pub command: Command,
}
