//! The simulated cluster's state: arenas of nodes, pods, ReplicaSets,
//! Deployments, Services and clients, indexed by sequential IDs.
//!
//! Objects are never removed from an arena (a deleted pod keeps its slot with
//! phase `Gone`), so an ID stays valid for the whole run and the trace can
//! refer to it.

use crate::model::{self, Labels, PodSpec, PodTemplateSpec};
use crate::net::{Cidr, Ipv4Addr};
use crate::rng::Stream;
use crate::scenario::{ClientSpec, WorkloadSpec};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        pub struct $name(pub u32);
        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id_type!(NodeId);
id_type!(PodId);
id_type!(RsId);
id_type!(DeployId);
id_type!(SvcId);
id_type!(ClientId);

/// A node.
#[derive(Clone, Debug)]
pub struct NodeState {
    pub name: String,
    pub ip: Ipv4Addr,
    pub pod_cidr: Cidr,
    pub zone: Option<String>,
    /// The machine is up (false after FailNode until RecoverNode).
    pub up: bool,
    /// The Ready condition as the control plane sees it.
    pub ready: bool,
    pub unschedulable: bool,
    /// Bumped on every failure/recovery so stale timers can be ignored.
    pub epoch: u32,
    /// host-local IPAM: next host index to try in the pod CIDR.
    pub next_ip: u64,
    pub used_ips: crate::vecmap::VecSet<Ipv4Addr>,
    /// Pods on this node that are neither deleting nor gone (the
    /// scheduler's spreading input).
    pub live_pods: u32,
    pub created: SimTime,
}

/// Where a pod is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodPhase {
    /// Scheduled, sandbox and containers starting.
    Pending,
    /// Containers started.
    Running,
    /// Deleted and gone (IP released).
    Gone,
}

/// A pod.
#[derive(Clone, Debug)]
pub struct PodState {
    pub name: String,
    /// `namespace/name`, kept ready because the data path names pods often.
    pub key: String,
    pub namespace: String,
    pub labels: Labels,
    pub spec: PodSpec,
    pub rs: Option<RsId>,
    pub node: NodeId,
    pub ip: Option<Ipv4Addr>,
    pub phase: PodPhase,
    /// The main container is running (false while crashed / back-off).
    pub container_up: bool,
    /// The readiness probe passes (false before the first pass, after a
    /// forced failure, or while the container is down).
    pub probe_ok: bool,
    /// Readiness forced to fail by a command.
    pub probe_forced_fail: bool,
    /// The Ready condition (probe ok, container up, node ready).
    pub ready: bool,
    /// deletionTimestamp.
    pub deleting_since: Option<SimTime>,
    /// The app has exited after SIGTERM (still Terminating in the API until
    /// the kubelet finishes).
    pub app_exited: bool,
    pub restarts: u32,
    /// In CrashLoopBackOff until this time.
    pub backoff_until: Option<SimTime>,
    pub created: SimTime,
    /// Deployment revision / image tag, for colouring.
    pub version: String,
    /// A client pod, not a server.
    pub is_client: bool,
    /// Serving state.
    pub busy: u32,
    pub queue: VecDeque<u64>,
    pub workload: WorkloadSpec,
    /// Bumped on crash/restart/delete so stale lifecycle timers are ignored.
    pub epoch: u32,
    /// Bumped when the pod drops what it is serving (crash, exit), so the
    /// service-time timers of those requests are ignored. Separate from
    /// `epoch`: dropping requests must not cancel the pod's own restart or
    /// teardown.
    pub serve_epoch: u32,
}

impl PodState {
    /// The state word `kubectl get pods` would print in STATUS (plus
    /// `NotReady` for a Running pod that is not Ready).
    pub fn status_word(&self, node_ready: bool) -> &'static str {
        if self.phase == PodPhase::Gone {
            return "Gone";
        }
        if self.deleting_since.is_some() {
            return "Terminating";
        }
        if self.backoff_until.is_some() {
            return "CrashLoopBackOff";
        }
        match self.phase {
            PodPhase::Pending => "Pending",
            PodPhase::Running if self.ready => "Ready",
            PodPhase::Running if !node_ready => "NodeLost",
            PodPhase::Running => "NotReady",
            PodPhase::Gone => "Gone",
        }
    }

    /// Alive as a network endpoint: has an IP and a sandbox.
    pub fn has_sandbox(&self) -> bool {
        self.phase != PodPhase::Gone && self.ip.is_some()
    }

    /// The app accepts connections right now.
    pub fn accepting(&self) -> bool {
        self.phase == PodPhase::Running && self.container_up && !self.app_exited
    }

    /// `namespace/name`.
    pub fn key(&self) -> String {
        self.key.clone()
    }
}

/// A ReplicaSet.
#[derive(Clone, Debug)]
pub struct RsState {
    pub name: String,
    pub namespace: String,
    pub deployment: Option<DeployId>,
    pub template: PodTemplateSpec,
    pub selector: model::LabelSelector,
    pub replicas: i32,
    pub pods: Vec<PodId>,
    pub revision: u32,
    pub version: String,
    /// Counter for generated pod names.
    pub created_pods: u32,
}

/// A Deployment.
#[derive(Clone, Debug)]
pub struct DeployState {
    pub obj: model::Deployment,
    pub replica_sets: Vec<RsId>,
    pub current: RsId,
    pub revision: u32,
    pub workload: WorkloadSpec,
}

/// A Service, as stored by the API server (after allocation), plus the
/// controllers' state for it.
#[derive(Clone, Debug)]
pub struct SvcState {
    pub obj: model::Service,
    /// Slices the EndpointSlice controller (or the user) wrote.
    pub slices: Vec<model::EndpointSlice>,
    /// Slices came from the user (selectorless Service); the controller
    /// leaves them alone.
    pub user_slices: bool,
    /// LB: nodes that passed the last health check.
    pub lb_healthy: Vec<NodeId>,
    pub deleted: bool,
    pub created: SimTime,
}

impl SvcState {
    pub fn key(&self) -> String {
        format!("{}/{}", self.obj.metadata.ns(), self.obj.metadata.name)
    }
}

/// A keep-alive connection a client holds open.
#[derive(Clone, Debug)]
pub struct Conn {
    pub src: crate::net::Endpoint4,
    pub dst: crate::net::Endpoint4,
    pub proto: crate::net::Protocol,
    /// Node where the connection's conntrack entry lives.
    pub nat_node: NodeId,
    /// The (src, dst) that entry is keyed by (`Request::ct_orig`).
    pub ct_orig: (crate::net::Endpoint4, crate::net::Endpoint4),
    /// The addresses after NAT (what conntrack rewrites to).
    pub nat_src: crate::net::Endpoint4,
    pub nat_dst: crate::net::Endpoint4,
    pub pod: Option<PodId>,
    pub service: Option<String>,
    pub busy: bool,
}

/// A client.
#[derive(Clone, Debug)]
pub struct ClientState {
    pub spec: ClientSpec,
    /// In-cluster: the client's pod.
    pub pod: Option<PodId>,
    pub src_ip: Ipv4Addr,
    pub rng: Stream,
    pub next_port: u16,
    /// Open keep-alive connections (closed loop keeps one per slot).
    pub conns: Vec<Conn>,
    pub in_flight: u32,
    /// For `nodeport:` targets without a fixed node: round-robin cursor.
    pub node_cursor: u32,
    /// For `port-forward:` targets: the one pod kubectl picked when the
    /// port-forward started (it never picks another).
    pub forward_pod: Option<PodId>,
}

impl ClientState {
    /// An ephemeral source port (32768–60999, Linux's default range).
    pub fn ephemeral_port(&mut self) -> u16 {
        let p = self.next_port;
        self.next_port = if p >= 60999 { 32768 } else { p + 1 };
        p
    }
}
