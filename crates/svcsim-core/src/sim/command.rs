//! Commands: every way the outside world (a scenario's scripted events, the
//! CLI, the JS API, a click in the UI) can change a running simulation.
//!
//! Commands are data with a simulated timestamp, recorded in the trace, so a
//! run with interventions replays exactly from its seed and command list.

use crate::model::Object;
use crate::scenario::ProxyMode;
use serde::{Deserialize, Serialize};

/// An intervention. Pods, nodes, Deployments and Services are named as
/// `namespace/name` or just `name` (namespace `default`); nodes by name. A
/// pod name ending in `*` is a prefix (generated names are not known in
/// advance): it picks the first live pod with that prefix in name order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum Command {
    /// Delete a pod (graceful termination; its ReplicaSet replaces it).
    KillPod { pod: String },
    /// Crash a pod's main container (restart with CrashLoopBackOff back-off).
    CrashPod { pod: String },
    /// Make a pod's readiness probe fail (`ready: false`) or pass again.
    SetPodReadiness { pod: String, ready: bool },
    /// The node stops responding: kubelet stops posting status, traffic to
    /// it is blackholed. It goes NotReady after the node-monitor grace period.
    FailNode { node: String },
    /// A failed node comes back.
    RecoverNode { node: String },
    /// `kubectl cordon`.
    CordonNode { node: String },
    /// `kubectl uncordon`.
    UncordonNode { node: String },
    /// `kubectl drain --ignore-daemonsets`: cordon, then evict every pod on
    /// the node. Without `force`, a pod no controller manages (a bare
    /// `kind: Pod`) makes kubectl refuse: the node stays cordoned and no pod
    /// is evicted. `force` (`--force`) evicts such pods too, and they are
    /// gone for good.
    DrainNode {
        node: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        force: bool,
    },
    /// `kubectl scale deployment --replicas`.
    Scale { deployment: String, replicas: i32 },
    /// `kubectl set image`: roll the Deployment to a new image/version.
    Rollout { deployment: String, image: String },
    /// Set a Service's `spec.externalTrafficPolicy` (`Cluster` or `Local`).
    SetExternalTrafficPolicy { service: String, policy: String },
    /// Set a Service's `spec.sessionAffinity` (`None` or `ClientIP`).
    SetSessionAffinity { service: String, affinity: String },
    /// Switch kube-proxy's mode on every node (takes effect at next sync).
    SetProxyMode { mode: ProxyMode },
    /// Add or remove the cloud load-balancer controller.
    SetCloudLoadBalancer { present: bool },
    /// `kubectl apply`: create or update objects.
    Apply { objects: Vec<Object> },
    /// `kubectl delete` of one object, by kind and `namespace/name`.
    Delete { kind: String, name: String },
}
