//! Read-only views of the cluster, in the columns `kubectl get` prints.
//!
//! Views are plain serde data so the CLI, the JS API and the UI render the
//! same facts. They are snapshots: building one copies what it shows.

use super::*;
use crate::model;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub id: u32,
    pub name: String,
    pub ip: String,
    pub pod_cidr: String,
    pub zone: Option<String>,
    /// `Ready`, `NotReady`, `Ready,SchedulingDisabled`, plus the machine's
    /// actual state (`up`), which the control plane learns late.
    pub status: String,
    pub up: bool,
    pub ready: bool,
    pub unschedulable: bool,
    /// NodePorts open on this node (every node opens every NodePort).
    pub node_ports: Vec<String>,
    /// When kube-proxy last synced, and the API version it synced to.
    pub rules_synced_at: Option<SimTime>,
    pub rules_version: u64,
    /// Which sync that was (1 for the first; see `Decision::rules_sync`).
    pub rules_sync: u64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodView {
    pub id: u32,
    pub name: String,
    pub namespace: String,
    pub node: u32,
    pub node_name: String,
    pub ip: Option<String>,
    /// `Pending`, `Ready`, `NotReady`, `Terminating`, `CrashLoopBackOff`,
    /// `NodeLost`, `Gone`.
    pub status: String,
    /// `READY` column: ready containers / containers.
    pub ready: String,
    pub restarts: u32,
    pub version: String,
    /// Owning Deployment (or ReplicaSet) name, for colouring.
    pub owner: Option<String>,
    pub labels: model::Labels,
    pub is_client: bool,
    pub age: SimDuration,
    /// Requests being served plus queued.
    pub load: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceView {
    pub id: u32,
    pub name: String,
    pub namespace: String,
    /// TYPE column.
    #[serde(rename = "type")]
    pub type_: String,
    pub headless: bool,
    /// CLUSTER-IP column (`None` for headless).
    pub cluster_ip: String,
    /// EXTERNAL-IP column: the LB IP, `<pending>`, `<none>`, or the
    /// ExternalName's target.
    pub external_ip: String,
    /// PORT(S) column, e.g. `3200:30008/TCP`.
    pub ports: String,
    pub selector: String,
    pub external_traffic_policy: String,
    pub session_affinity: String,
    pub age: SimDuration,
    pub ready_endpoints: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentView {
    pub name: String,
    pub namespace: String,
    /// READY column, `2/3`.
    pub ready: String,
    pub up_to_date: u32,
    pub available: u32,
    pub replicas: i32,
    pub image: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetView {
    pub name: String,
    pub namespace: String,
    pub desired: i32,
    pub current: u32,
    pub ready: u32,
    pub version: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    pub id: u32,
    pub name: String,
    pub external: bool,
    pub pod: Option<u32>,
    pub src_ip: String,
    pub target: String,
    pub keep_alive: bool,
}

/// Everything the UI draws, at one moment.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    pub now: SimTime,
    pub proxy_mode: crate::scenario::ProxyMode,
    pub cloud_load_balancer: bool,
    pub nodes: Vec<NodeView>,
    pub pods: Vec<PodView>,
    pub services: Vec<ServiceView>,
    pub deployments: Vec<DeploymentView>,
    pub replica_sets: Vec<ReplicaSetView>,
    pub endpoint_slices: Vec<model::EndpointSlice>,
    pub clients: Vec<ClientView>,
    pub policies: Vec<model::NetworkPolicy>,
}

fn ports_column(s: &model::Service) -> String {
    if s.spec.ports.is_empty() {
        return "<none>".into();
    }
    s.spec
        .ports
        .iter()
        .map(|p| match p.node_port {
            Some(np) => format!("{}:{}/{}", p.port, np, p.protocol()),
            None => format!("{}/{}", p.port, p.protocol()),
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl Sim {
    /// A snapshot of the cluster. Gone pods are left out.
    pub fn view(&self) -> ClusterView {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut status = if n.ready { "Ready" } else { "NotReady" }.to_string();
                if n.unschedulable {
                    status.push_str(",SchedulingDisabled");
                }
                let node_ports = self
                    .services
                    .iter()
                    .filter(|s| !s.deleted)
                    .flat_map(|s| s.obj.spec.ports.iter().filter_map(|p| p.node_port))
                    .map(|p| p.to_string())
                    .collect();
                let kp = self.proxies.get(i);
                NodeView {
                    id: i as u32,
                    name: n.name.clone(),
                    ip: n.ip.to_string(),
                    pod_cidr: n.pod_cidr.to_string(),
                    zone: n.zone.clone(),
                    status,
                    up: n.up,
                    ready: n.ready,
                    unschedulable: n.unschedulable,
                    node_ports,
                    rules_synced_at: kp.and_then(|k| k.last_sync),
                    rules_version: kp.map_or(0, |k| k.synced.version),
                    rules_sync: kp.map_or(0, |k| k.syncs),
                }
            })
            .collect();
        let pods = self
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.phase != PodPhase::Gone)
            .map(|(i, p)| {
                let node = &self.nodes[p.node.idx()];
                let total = p.spec.containers.len().max(1);
                let ready = if p.ready { total } else { 0 };
                let owner = p.rs.map(|r| {
                    let rs = &self.replica_sets[r.idx()];
                    rs.deployment
                        .map(|d| self.deployments[d.idx()].obj.metadata.name.clone())
                        .unwrap_or_else(|| rs.name.clone())
                });
                PodView {
                    id: i as u32,
                    name: p.name.clone(),
                    namespace: p.namespace.clone(),
                    node: p.node.0,
                    node_name: node.name.clone(),
                    ip: p.ip.map(|i| i.to_string()),
                    status: p.status_word(node.ready).to_string(),
                    ready: format!("{ready}/{total}"),
                    restarts: p.restarts,
                    version: p.version.clone(),
                    owner,
                    labels: p.labels.clone(),
                    is_client: p.is_client,
                    age: self.now.since(p.created),
                    load: p.busy + p.queue.len() as u32,
                }
            })
            .collect();
        let services = self
            .services
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.deleted)
            .map(|(i, s)| {
                let o = &s.obj;
                let ty = o.service_type();
                let external_ip = match ty {
                    model::ServiceType::ExternalName => {
                        o.spec.external_name.clone().unwrap_or_default()
                    }
                    model::ServiceType::LoadBalancer => {
                        let ips: Vec<&str> = o.lb_ingress_ips().collect();
                        if ips.is_empty() {
                            "<pending>".into()
                        } else {
                            ips.join(",")
                        }
                    }
                    _ if !o.spec.external_ips.is_empty() => o.spec.external_ips.join(","),
                    _ => "<none>".into(),
                };
                let ready_endpoints = s
                    .slices
                    .iter()
                    .flat_map(|sl| sl.endpoints.iter())
                    .filter(|e| e.conditions.is_ready())
                    .count() as u32;
                ServiceView {
                    id: i as u32,
                    name: o.metadata.name.clone(),
                    namespace: o.metadata.ns().to_string(),
                    type_: ty.as_str().to_string(),
                    headless: o.is_headless(),
                    cluster_ip: o.spec.cluster_ip.clone().unwrap_or_else(|| "<none>".into()),
                    external_ip,
                    ports: ports_column(o),
                    selector: o
                        .spec
                        .selector
                        .iter()
                        .flatten()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    external_traffic_policy: format!("{:?}", o.external_traffic_policy()),
                    session_affinity: o
                        .spec
                        .session_affinity
                        .clone()
                        .unwrap_or_else(|| "None".into()),
                    age: self.now.since(s.created),
                    ready_endpoints,
                }
            })
            .collect();
        let deployments = self
            .deployments
            .iter()
            .map(|d| {
                let pods: Vec<&PodState> = d
                    .replica_sets
                    .iter()
                    .flat_map(|r| self.replica_sets[r.idx()].pods.iter())
                    .map(|p| &self.pods[p.idx()])
                    .filter(|p| p.phase != PodPhase::Gone && p.deleting_since.is_none())
                    .collect();
                let ready = pods.iter().filter(|p| p.ready).count() as u32;
                let up_to_date = self.replica_sets[d.current.idx()]
                    .pods
                    .iter()
                    .filter(|p| {
                        let p = &self.pods[p.idx()];
                        p.phase != PodPhase::Gone && p.deleting_since.is_none()
                    })
                    .count() as u32;
                DeploymentView {
                    name: d.obj.metadata.name.clone(),
                    namespace: d.obj.metadata.ns().to_string(),
                    ready: format!("{ready}/{}", d.obj.spec.replicas()),
                    up_to_date,
                    available: ready,
                    replicas: d.obj.spec.replicas(),
                    image: d
                        .obj
                        .spec
                        .template
                        .spec
                        .containers
                        .first()
                        .and_then(|c| c.image.clone())
                        .unwrap_or_default(),
                }
            })
            .collect();
        let replica_sets = self
            .replica_sets
            .iter()
            .map(|r| {
                let live: Vec<&PodState> = r
                    .pods
                    .iter()
                    .map(|p| &self.pods[p.idx()])
                    .filter(|p| p.phase != PodPhase::Gone && p.deleting_since.is_none())
                    .collect();
                ReplicaSetView {
                    name: r.name.clone(),
                    namespace: r.namespace.clone(),
                    desired: r.replicas,
                    current: live.len() as u32,
                    ready: live.iter().filter(|p| p.ready).count() as u32,
                    version: r.version.clone(),
                }
            })
            .collect();
        let clients = self
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| ClientView {
                id: i as u32,
                name: c.spec.name.clone(),
                external: c.pod.is_none(),
                pod: c.pod.map(|p| p.0),
                src_ip: c.src_ip.to_string(),
                target: c.spec.target.clone(),
                keep_alive: c.spec.keep_alive,
            })
            .collect();
        ClusterView {
            now: self.now,
            proxy_mode: self.proxy_mode,
            cloud_load_balancer: self.cloud_lb,
            nodes,
            pods,
            services,
            deployments,
            replica_sets,
            endpoint_slices: self
                .services
                .iter()
                .filter(|s| !s.deleted)
                .flat_map(|s| s.slices.iter().cloned())
                .collect(),
            clients,
            policies: self.policies.clone(),
        }
    }

    /// The node's kube-proxy program as kube-proxy last synced it (which
    /// may lag the API server: that lag is the stale-rule window).
    pub fn node_rules(&mut self, node: &str) -> Option<Arc<crate::proxy::rules::Ruleset>> {
        let n = self.node_by_name(node)?;
        (n.idx() < self.proxies.len()).then(|| self.node_program(n))
    }

    /// The program of the node's kube-proxy sync number `sync` (a trace
    /// decision's `rules_sync`) and when that sync ran: the current one, or
    /// one of the last few that packets walked while the trace was on.
    /// `None` once it is older than that.
    pub fn node_rules_at(
        &mut self,
        node: &str,
        sync: u64,
    ) -> Option<(SimTime, Arc<crate::proxy::rules::Ruleset>)> {
        let n = self.node_by_name(node)?;
        let kp = self.proxies.get(n.idx())?;
        if kp.syncs == sync {
            let at = kp.last_sync.unwrap_or(SimTime::ZERO);
            return Some((at, self.node_program(n)));
        }
        kp.past
            .iter()
            .find(|(s, _, _)| *s == sync)
            .map(|(_, at, r)| (*at, r.clone()))
    }

    /// The cluster's API objects as the API server holds them now:
    /// Namespaces, Nodes, Pods (with `status.podIP` and `spec.nodeName`),
    /// Services, EndpointSlices and NetworkPolicies. Tools that answer
    /// "what would the cluster say at time T" (dig, reach, rules) read these.
    pub fn objects(&self) -> Vec<model::Object> {
        let mut out: Vec<model::Object> = self
            .namespaces
            .values()
            .cloned()
            .map(model::Object::Namespace)
            .collect();
        for n in &self.nodes {
            out.push(model::Object::Node(model::Node {
                api_version: "v1".into(),
                metadata: model::ObjectMeta {
                    name: n.name.clone(),
                    ..Default::default()
                },
                spec: model::NodeSpec {
                    pod_cidr: Some(n.pod_cidr.to_string()),
                    unschedulable: n.unschedulable.then_some(true),
                },
                status: model::NodeStatus {
                    addresses: vec![model::NodeAddress {
                        type_: "InternalIP".into(),
                        address: n.ip.to_string(),
                    }],
                },
            }));
        }
        for i in 0..self.pods.len() {
            if self.pods[i].phase != PodPhase::Gone {
                out.push(model::Object::Pod(self.pod_object(PodId(i as u32))));
            }
        }
        for s in self.services.iter().filter(|s| !s.deleted) {
            out.push(model::Object::Service(s.obj.clone()));
            out.extend(s.slices.iter().cloned().map(model::Object::EndpointSlice));
        }
        out.extend(
            self.policies
                .iter()
                .cloned()
                .map(model::Object::NetworkPolicy),
        );
        out
    }

    /// Node names, in order.
    pub fn node_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }
}

/// Number of rules in a rule program (all tables, all chains).
pub fn rule_count(rs: &crate::proxy::rules::Ruleset) -> usize {
    rs.tables
        .iter()
        .flat_map(|t| t.chains.iter())
        .map(|c| c.rules.len())
        .sum()
}
