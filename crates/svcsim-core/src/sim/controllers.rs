//! The control plane and kubelet: pod lifecycle, ReplicaSet and Deployment
//! controllers, the scheduler, node lifecycle, the EndpointSlice controller,
//! the cloud load-balancer controller, kube-proxy's sync loop, churn and the
//! handling of commands.

use super::*;
use crate::model::{self, Labels, PodTemplateSpec};
use crate::net::{Cidr, Ipv4Addr};
use crate::scenario::WorkloadSpec;

/// `rand.SafeEncodeString`'s alphabet (k8s.io/apimachinery/pkg/util/rand):
/// no vowels, no confusable characters.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// How long after its containers exit a pod is torn down and deleted.
const POD_TEARDOWN: SimDuration = SimDuration(500_000_000);

/// The tag of a pod's first container image (`my-repo/ms-one:v2` → `v2`),
/// which the UI uses to colour versions.
fn image_tag(spec: &model::PodSpec) -> Option<String> {
    let image = spec.containers.first()?.image.as_deref()?;
    image.rsplit_once(':').map(|(_, t)| t.to_string())
}

fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| SAFE_ALPHABET[b as usize % SAFE_ALPHABET.len()] as char)
        .collect()
}

/// A pod-template-hash in the shape the Deployment controller computes
/// (pkg/controller/controller_utils.go, `ComputeHash`: fnv32a, then
/// SafeEncodeString of the decimal value). The input here is the template's
/// JSON, so the value differs from a real cluster's, but it is stable.
pub(crate) fn template_hash(t: &PodTemplateSpec, revision: u32) -> String {
    let json = serde_json::to_string(t).unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    for b in json.bytes().chain(revision.to_le_bytes()) {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    safe_encode(&h.to_string())
}

/// `intstr.GetScaledValueFromIntOrPercent` for maxSurge (round up) and
/// maxUnavailable (round down).
fn scaled(v: Option<&model::IntOrString>, total: i32, round_up: bool, default_pct: i32) -> i32 {
    let pct = |p: i32| {
        let x = p as i64 * total as i64;
        if round_up {
            ((x + 99) / 100) as i32
        } else {
            (x / 100) as i32
        }
    };
    match v {
        None => pct(default_pct),
        Some(model::IntOrString::Int(i)) => (*i).max(0),
        Some(model::IntOrString::Str(s)) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i32>().ok())
            .map(pct)
            .unwrap_or(0),
    }
}

impl Sim {
    // ----- creation -------------------------------------------------------

    pub(crate) fn create_deployment(
        &mut self,
        d: model::Deployment,
        workload: WorkloadSpec,
        warm: bool,
    ) -> DeployId {
        let id = DeployId(self.deployments.len() as u32);
        let rs = self.create_rs_for(id, &d, 1, warm);
        self.deployments.push(DeployState {
            obj: d,
            replica_sets: vec![rs],
            current: rs,
            revision: 1,
            workload,
        });
        if warm {
            self.reconcile_rs(rs, true);
        } else {
            self.request_reconcile();
        }
        id
    }

    fn create_rs_for(
        &mut self,
        d: DeployId,
        obj: &model::Deployment,
        revision: u32,
        _warm: bool,
    ) -> RsId {
        let hash = template_hash(&obj.spec.template, revision);
        let mut template = obj.spec.template.clone();
        template
            .metadata
            .labels
            .insert("pod-template-hash".into(), hash.clone());
        let version = image_tag(&obj.spec.template.spec).unwrap_or_else(|| format!("v{revision}"));
        let id = RsId(self.replica_sets.len() as u32);
        self.replica_sets.push(RsState {
            name: format!("{}-{hash}", obj.metadata.name),
            namespace: obj.metadata.ns().to_string(),
            deployment: Some(d),
            template,
            selector: obj.spec.selector.clone(),
            replicas: if revision == 1 {
                obj.spec.replicas()
            } else {
                0
            },
            pods: Vec::new(),
            revision,
            version,
            created_pods: 0,
        });
        id
    }

    pub(crate) fn create_standalone_rs(&mut self, rs: model::ReplicaSet, workload: WorkloadSpec) {
        let id = RsId(self.replica_sets.len() as u32);
        let version = image_tag(&rs.spec.template.spec).unwrap_or_else(|| "v1".into());
        self.replica_sets.push(RsState {
            name: rs.metadata.name.clone(),
            namespace: rs.metadata.ns().to_string(),
            deployment: None,
            template: rs.spec.template.clone(),
            selector: rs.spec.selector.clone(),
            replicas: rs.spec.replicas.unwrap_or(1),
            pods: Vec::new(),
            revision: 1,
            version,
            created_pods: 0,
        });
        let _ = workload;
        self.reconcile_rs(id, true);
    }

    pub(crate) fn create_bare_pod(&mut self, p: model::Pod) -> Result<(), BuildError> {
        let node = match p.spec.node_name.as_deref() {
            Some(n) => self.node_by_name(n).ok_or_else(|| BuildError {
                path: format!("Pod {}/{}: spec.nodeName", p.metadata.ns(), p.metadata.name),
                message: format!("no node named {n:?}"),
            })?,
            None => self.pick_node(None).unwrap_or(NodeId(0)),
        };
        let given_ip = p
            .status
            .pod_ip
            .as_deref()
            .and_then(|s| s.parse::<Ipv4Addr>().ok());
        let version = image_tag(&p.spec).unwrap_or_else(|| "v1".into());
        let id = self.push_pod(
            p.metadata.name.clone(),
            p.metadata.ns().to_string(),
            p.metadata.labels.clone(),
            p.spec.clone(),
            None,
            node,
            given_ip,
            true,
            version,
            WorkloadSpec::default(),
        );
        let _ = id;
        Ok(())
    }

    pub(crate) fn create_client_pod(
        &mut self,
        c: &crate::scenario::ClientSpec,
        node: NodeId,
    ) -> PodId {
        let labels: Labels = crate::order::map_of([
            ("app".to_string(), c.name.clone()),
            ("role".to_string(), "client".to_string()),
        ]);
        let spec = model::PodSpec {
            containers: vec![model::Container {
                name: "client".into(),
                image: Some("curlimages/curl:8.10.1".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let id = self.push_pod(
            format!("client-{}", c.name),
            c.namespace.clone(),
            labels,
            spec,
            None,
            node,
            None,
            true,
            "client".into(),
            WorkloadSpec::default(),
        );
        self.pods[id.idx()].is_client = true;
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn push_pod(
        &mut self,
        name: String,
        namespace: String,
        labels: Labels,
        spec: model::PodSpec,
        rs: Option<RsId>,
        node: NodeId,
        ip: Option<Ipv4Addr>,
        warm: bool,
        version: String,
        workload: WorkloadSpec,
    ) -> PodId {
        let id = PodId(self.pods.len() as u32);
        let ip = ip.or_else(|| self.allocate_pod_ip(node));
        if let Some(ip) = ip {
            self.nodes[node.idx()].used_ips.insert(ip);
        }
        self.nodes[node.idx()].live_pods += 1;
        for (k, v) in &labels {
            self.pods_by_label
                .entry((namespace.clone(), k.clone(), v.clone()))
                .or_default()
                .push(id);
        }
        self.pods.push(PodState {
            key: format!("{namespace}/{name}"),
            name,
            namespace,
            labels,
            spec,
            rs,
            node,
            ip,
            phase: if warm {
                PodPhase::Running
            } else {
                PodPhase::Pending
            },
            container_up: warm,
            probe_ok: warm,
            probe_forced_fail: false,
            ready: warm,
            deleting_since: None,
            app_exited: false,
            restarts: 0,
            backoff_until: None,
            created: self.now,
            version,
            is_client: false,
            busy: 0,
            queue: Default::default(),
            workload,
            epoch: 0,
            serve_epoch: 0,
        });
        if !warm {
            let name = self.pods[id.idx()].key();
            let node_name = self.nodes[node.idx()].name.clone();
            self.k8s_event(
                "Normal",
                "Scheduled",
                format!("pod/{name}"),
                format!("Successfully assigned {name} to {node_name}"),
            );
            self.record_pod_state(id);
            let d = self.spec.timing.pod_startup;
            self.schedule_in(d, Ev::PodStarted(id, 0));
        }
        id
    }

    /// host-local IPAM: the next free address after the last one handed out,
    /// wrapping, so a released IP is not reused at once.
    fn allocate_pod_ip(&mut self, node: NodeId) -> Option<Ipv4Addr> {
        let n = &mut self.nodes[node.idx()];
        let size = n.pod_cidr.size();
        for _ in 0..size {
            let i = n.next_ip;
            n.next_ip = if i + 1 >= size - 1 { 2 } else { i + 1 };
            if let Some(ip) = n.pod_cidr.nth(i) {
                if !n.used_ips.contains(&ip) {
                    return Some(ip);
                }
            }
        }
        None
    }

    /// The scheduler: a schedulable, Ready node with the fewest pods of the
    /// same ReplicaSet, then the fewest pods overall, then the lowest index.
    /// This is what the default spreading scores converge to.
    fn pick_node(&self, rs: Option<RsId>) -> Option<NodeId> {
        // Pods of the same ReplicaSet per node (a ReplicaSet is small, so
        // counting its pods is cheap; `live_pods` keeps the total per node).
        let mut same: VecMap<NodeId, usize> = VecMap::new();
        if let Some(r) = rs {
            for p in &self.replica_sets[r.idx()].pods {
                let pod = &self.pods[p.idx()];
                if pod.phase != PodPhase::Gone && pod.deleting_since.is_none() {
                    *same.entry(pod.node).or_insert(0) += 1;
                }
            }
        }
        let mut best: Option<(usize, u32, usize)> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            if !n.ready || !n.up || n.unschedulable {
                continue;
            }
            let key = (
                same.get(&NodeId(i as u32)).copied().unwrap_or(0),
                n.live_pods,
                i,
            );
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        best.map(|(_, _, i)| NodeId(i as u32))
    }

    // ----- pod lifecycle --------------------------------------------------

    pub(crate) fn record_pod_state(&mut self, p: PodId) {
        if !self.tracing {
            return;
        }
        let pod = &self.pods[p.idx()];
        let state = pod
            .status_word(self.nodes[pod.node.idx()].ready)
            .to_string();
        let name = pod.key();
        self.record(TraceKind::PodState {
            pod: p.0,
            name,
            state,
        });
    }

    pub(crate) fn on_pod_started(&mut self, p: PodId, epoch: u32) {
        let pod = &mut self.pods[p.idx()];
        if pod.epoch != epoch || pod.phase != PodPhase::Pending || pod.deleting_since.is_some() {
            return;
        }
        pod.phase = PodPhase::Running;
        pod.container_up = true;
        let key = pod.key();
        let image = pod
            .spec
            .containers
            .first()
            .and_then(|c| c.image.clone())
            .unwrap_or_default();
        self.k8s_event(
            "Normal",
            "Started",
            format!("pod/{key}"),
            format!("Started container (image {image})"),
        );
        self.record_pod_state(p);
        let d = self.spec.timing.readiness_delay;
        self.schedule_in(d, Ev::PodProbe(p, epoch));
    }

    /// `periodSeconds × threshold` of the pod's readiness probe, defaults
    /// 10 s and 3/1 (pkg/apis/core/v1/defaults.go, SetDefaults_Probe).
    fn probe_delay(&self, p: PodId, failing: bool) -> SimDuration {
        let probe = self.pods[p.idx()]
            .spec
            .containers
            .first()
            .and_then(|c| c.readiness_probe.as_ref());
        let period = probe.and_then(|pr| pr.period_seconds).unwrap_or(10).max(1) as u64;
        let threshold = if failing {
            probe.and_then(|pr| pr.failure_threshold).unwrap_or(3)
        } else {
            probe.and_then(|pr| pr.success_threshold).unwrap_or(1)
        }
        .max(1) as u64;
        SimDuration::from_secs(period * threshold)
    }

    pub(crate) fn on_pod_probe(&mut self, p: PodId, epoch: u32) {
        let pod = &mut self.pods[p.idx()];
        if pod.epoch != epoch || pod.phase != PodPhase::Running {
            return;
        }
        let ok = pod.container_up && !pod.probe_forced_fail && !pod.app_exited;
        if ok != pod.probe_ok {
            pod.probe_ok = ok;
            if !ok {
                let key = pod.key();
                self.k8s_event(
                    "Warning",
                    "Unhealthy",
                    format!("pod/{key}"),
                    "Readiness probe failed".into(),
                );
            }
        }
        self.update_ready(p);
    }

    /// Recompute the Ready condition and, if it changed, tell the
    /// controllers that watch it.
    pub(crate) fn update_ready(&mut self, p: PodId) {
        let node_ready = self.nodes[self.pods[p.idx()].node.idx()].ready;
        let pod = &mut self.pods[p.idx()];
        let ready = pod.phase == PodPhase::Running
            && pod.container_up
            && pod.probe_ok
            && node_ready
            && pod.deleting_since.is_none();
        if ready != pod.ready {
            pod.ready = ready;
            self.record_pod_state(p);
            self.pod_changed(p);
        }
    }

    /// A pod's endpoint-relevant state changed.
    pub(crate) fn pod_changed(&mut self, p: PodId) {
        self.topology_epoch += 1;
        let ns = self.pods[p.idx()].namespace.clone();
        for s in 0..self.services.len() {
            let svc = &self.services[s];
            if svc.deleted || svc.user_slices || svc.obj.metadata.ns() != ns {
                continue;
            }
            let selects =
                svc.obj.spec.selector.as_ref().is_some_and(|sel| {
                    model::map_selector_matches(sel, &self.pods[p.idx()].labels)
                });
            if selects {
                self.mark_service_dirty(SvcId(s as u32));
            }
        }
        if self.pods[p.idx()].rs.is_some() {
            self.request_reconcile();
        }
    }

    /// Begin graceful deletion (`kubectl delete pod`, eviction, scale-down).
    pub(crate) fn delete_pod(&mut self, p: PodId, reason: &str) {
        let pod = &mut self.pods[p.idx()];
        if pod.phase == PodPhase::Gone || pod.deleting_since.is_some() {
            return;
        }
        pod.deleting_since = Some(self.now);
        pod.ready = false;
        let node = pod.node;
        self.nodes[node.idx()].live_pods = self.nodes[node.idx()].live_pods.saturating_sub(1);
        let pod = &mut self.pods[p.idx()];
        let grace = SimDuration::from_secs(pod.spec.grace_period_seconds().max(0) as u64);
        let exit_after = if pod.phase == PodPhase::Running && pod.container_up {
            pod.workload.shutdown_delay.min(grace)
        } else {
            SimDuration::ZERO
        };
        let epoch = pod.epoch;
        let key = pod.key();
        let node_up = self.nodes[pod.node.idx()].up;
        self.k8s_event(
            "Normal",
            "Killing",
            format!("pod/{key}"),
            format!("Stopping container ({reason})"),
        );
        self.record_pod_state(p);
        self.pod_changed(p);
        // A pod on a dead node cannot confirm its deletion; it stays
        // Terminating until the node returns (the kubelet finishes it then).
        if node_up {
            self.schedule_in(exit_after, Ev::PodAppExit(p, epoch));
        }
    }

    pub(crate) fn on_pod_app_exit(&mut self, p: PodId, epoch: u32) {
        let pod = &mut self.pods[p.idx()];
        if pod.epoch != epoch || pod.phase == PodPhase::Gone {
            return;
        }
        pod.app_exited = true;
        pod.container_up = false;
        pod.probe_ok = false;
        self.fail_in_flight(p, "connection reset: pod terminated");
        self.schedule_in(POD_TEARDOWN, Ev::PodGone(p, epoch));
    }

    pub(crate) fn on_pod_gone(&mut self, p: PodId, epoch: u32) {
        let pod = &mut self.pods[p.idx()];
        if pod.epoch != epoch || pod.phase == PodPhase::Gone {
            return;
        }
        pod.phase = PodPhase::Gone;
        pod.epoch += 1;
        let node = pod.node;
        if let Some(ip) = pod.ip {
            self.nodes[node.idx()].used_ips.remove(&ip);
        }
        if let Some(rs) = self.pods[p.idx()].rs {
            self.replica_sets[rs.idx()].pods.retain(|x| *x != p);
        }
        self.record_pod_state(p);
        self.close_conns_to(p);
        self.pod_changed(p);
    }

    /// The main container crashes; kubelet restarts it after
    /// CrashLoopBackOff's doubling delay (10 s, 20 s, 40 s, … capped at 5 min;
    /// pkg/kubelet/kubelet.go `backOffPeriod`, `MaxContainerBackOff`).
    pub(crate) fn crash_pod(&mut self, p: PodId) {
        let pod = &mut self.pods[p.idx()];
        if pod.phase != PodPhase::Running || !pod.container_up || pod.deleting_since.is_some() {
            return;
        }
        pod.container_up = false;
        pod.probe_ok = false;
        pod.restarts += 1;
        pod.epoch += 1;
        let shift = (pod.restarts - 1).min(16);
        let initial = self.spec.timing.crash_backoff_initial.as_nanos();
        let delay = SimDuration(
            initial
                .saturating_mul(1u64 << shift)
                .min(self.spec.timing.crash_backoff_max.as_nanos()),
        );
        pod.backoff_until = Some(self.now + delay);
        let epoch = pod.epoch;
        let key = pod.key();
        let restarts = pod.restarts;
        self.k8s_event(
            "Warning",
            "BackOff",
            format!("pod/{key}"),
            format!(
                "Back-off restarting failed container (restart {restarts}, next in {}s)",
                delay.as_secs()
            ),
        );
        self.fail_in_flight(p, "connection reset: container crashed");
        self.close_conns_to(p);
        self.update_ready(p);
        self.record_pod_state(p);
        self.schedule_in(delay, Ev::PodRestart(p, epoch));
    }

    pub(crate) fn on_pod_restart(&mut self, p: PodId, epoch: u32) {
        let pod = &mut self.pods[p.idx()];
        if pod.epoch != epoch || pod.phase != PodPhase::Running || pod.deleting_since.is_some() {
            return;
        }
        pod.container_up = true;
        pod.backoff_until = None;
        let key = pod.key();
        self.k8s_event(
            "Normal",
            "Started",
            format!("pod/{key}"),
            "Started container (after back-off)".into(),
        );
        self.record_pod_state(p);
        let d = self.spec.timing.readiness_delay;
        self.schedule_in(d, Ev::PodProbe(p, epoch));
    }

    // ----- ReplicaSets and Deployments -------------------------------------

    pub(crate) fn request_reconcile(&mut self) {
        if !self.reconcile_pending {
            self.reconcile_pending = true;
            self.schedule_in(SimDuration::ZERO, Ev::Reconcile);
        }
    }

    pub(crate) fn on_reconcile(&mut self) {
        self.reconcile_pending = false;
        for d in 0..self.deployments.len() {
            self.reconcile_deployment(DeployId(d as u32));
        }
        for r in 0..self.replica_sets.len() {
            self.reconcile_rs(RsId(r as u32), false);
        }
    }

    fn active_pods(&self, rs: RsId) -> Vec<PodId> {
        self.replica_sets[rs.idx()]
            .pods
            .iter()
            .copied()
            .filter(|p| {
                let pod = &self.pods[p.idx()];
                pod.phase != PodPhase::Gone && pod.deleting_since.is_none()
            })
            .collect()
    }

    fn ready_count(&self, rs: RsId) -> i32 {
        self.active_pods(rs)
            .iter()
            .filter(|p| self.pods[p.idx()].ready)
            .count() as i32
    }

    /// The rolling-update arithmetic of pkg/controller/deployment/rolling.go
    /// (`reconcileNewReplicaSet`, `reconcileOldReplicaSets`) and
    /// deployment/util (`NewRSNewReplicas`, `MaxSurge`, `MaxUnavailable`).
    fn reconcile_deployment(&mut self, d: DeployId) {
        let dep = &self.deployments[d.idx()];
        let desired = dep.obj.spec.replicas().max(0);
        let current = dep.current;
        let olds: Vec<RsId> = dep
            .replica_sets
            .iter()
            .copied()
            .filter(|r| *r != current)
            .collect();
        let ru = dep
            .obj
            .spec
            .strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref());
        let recreate = dep
            .obj
            .spec
            .strategy
            .as_ref()
            .and_then(|s| s.type_.as_deref())
            == Some("Recreate");
        let mut surge = scaled(ru.and_then(|r| r.max_surge.as_ref()), desired, true, 25);
        let unavailable = scaled(
            ru.and_then(|r| r.max_unavailable.as_ref()),
            desired,
            false,
            25,
        );
        if surge == 0 && unavailable == 0 {
            surge = 1;
        }
        let old_total: i32 = olds
            .iter()
            .map(|r| self.replica_sets[r.idx()].replicas)
            .sum();
        if recreate {
            for r in &olds {
                self.replica_sets[r.idx()].replicas = 0;
            }
            let old_live: usize = olds
                .iter()
                .map(|r| self.replica_sets[r.idx()].pods.len())
                .sum();
            self.replica_sets[current.idx()].replicas = if old_live == 0 { desired } else { 0 };
            return;
        }
        if old_total == 0 {
            self.replica_sets[current.idx()].replicas = desired;
            return;
        }
        // Scale up the new ReplicaSet within maxSurge.
        let new_reps = self.replica_sets[current.idx()].replicas;
        let max_total = desired + surge;
        let total = new_reps + old_total;
        if total < max_total && new_reps < desired {
            let up = (max_total - total).min(desired - new_reps);
            self.replica_sets[current.idx()].replicas += up;
        }
        // Scale down old ReplicaSets while keeping minAvailable.
        let min_available = desired - unavailable;
        let all: Vec<RsId> = self.deployments[d.idx()].replica_sets.clone();
        let available: i32 = all.iter().map(|r| self.ready_count(*r)).sum();
        let mut can_remove = (available - min_available).max(0);
        // Old pods that are not ready can go first without hurting availability.
        for r in &olds {
            let reps = self.replica_sets[r.idx()].replicas;
            let unready = reps - self.ready_count(*r);
            if unready > 0 {
                self.replica_sets[r.idx()].replicas = reps - unready.min(reps);
            }
        }
        for r in &olds {
            if can_remove == 0 {
                break;
            }
            let reps = self.replica_sets[r.idx()].replicas;
            let down = reps.min(can_remove);
            self.replica_sets[r.idx()].replicas = reps - down;
            can_remove -= down;
        }
        let remaining: i32 = olds
            .iter()
            .map(|r| self.replica_sets[r.idx()].replicas)
            .sum();
        let cur = &self.replica_sets[current.idx()];
        if remaining == 0 && cur.replicas >= desired && self.ready_count(current) >= desired {
            let name = format!(
                "deployment/{}/{}",
                cur.namespace,
                self.deployments[d.idx()].obj.metadata.name
            );
            let rsn = cur.name.clone();
            if !olds
                .iter()
                .all(|r| self.replica_sets[r.idx()].pods.is_empty())
            {
                return;
            }
            self.deployments[d.idx()]
                .replica_sets
                .retain(|r| *r == current);
            self.k8s_event(
                "Normal",
                "RolloutComplete",
                name,
                format!("ReplicaSet {rsn} has successfully progressed"),
            );
        }
    }

    /// ReplicaSet controller: create or delete pods to match `replicas`.
    /// Deletion prefers pods that are not ready, then the newest
    /// (`ActivePodsWithRanks` in pkg/controller/controller_utils.go).
    pub(crate) fn reconcile_rs(&mut self, rs: RsId, warm: bool) {
        let active = self.active_pods(rs);
        let want = self.replica_sets[rs.idx()].replicas.max(0) as usize;
        if active.len() < want {
            for _ in active.len()..want {
                let Some(node) = self.pick_node(Some(rs)) else {
                    break;
                };
                let r = &mut self.replica_sets[rs.idx()];
                r.created_pods += 1;
                let suffix: String = (0..5)
                    .map(|_| {
                        SAFE_ALPHABET[self.rng_names.below(SAFE_ALPHABET.len() as u64) as usize]
                            as char
                    })
                    .collect();
                let r = &self.replica_sets[rs.idx()];
                let name = format!("{}-{suffix}", r.name);
                let ns = r.namespace.clone();
                let labels = r.template.metadata.labels.clone();
                let spec = r.template.spec.clone();
                let version = r.version.clone();
                let workload = match r.deployment {
                    Some(d) => self.deployments.get(d.idx()).map(|d| d.workload.clone()),
                    None => None,
                }
                .unwrap_or_else(|| self.workload_for(&ns, &r.name));
                let p = self.push_pod(
                    name,
                    ns,
                    labels,
                    spec,
                    Some(rs),
                    node,
                    None,
                    warm,
                    version,
                    workload,
                );
                self.replica_sets[rs.idx()].pods.push(p);
                if !warm {
                    self.pod_changed(p);
                }
            }
        } else if active.len() > want {
            let mut ranked = active;
            crate::order::sort_by_key(&mut ranked, |p| {
                let pod = &self.pods[p.idx()];
                (
                    pod.ready,
                    std::cmp::Reverse(pod.created),
                    std::cmp::Reverse(p.0),
                )
            });
            let extra = ranked.len() - want;
            for p in ranked.into_iter().take(extra) {
                self.delete_pod(p, "scaled down");
            }
        }
    }

    // ----- EndpointSlice controller ---------------------------------------

    pub(crate) fn mark_service_dirty(&mut self, s: SvcId) {
        if !self.slice_sync_pending[s.idx()] {
            self.slice_sync_pending[s.idx()] = true;
            let d = self.spec.timing.endpoint_slice_delay;
            self.schedule_in(d, Ev::SliceSync(s));
        }
    }

    pub(crate) fn on_slice_sync(&mut self, s: SvcId) {
        self.slice_sync_pending[s.idx()] = false;
        self.write_slices(s);
        self.publish_api();
    }

    /// Recompute a Service's EndpointSlices as the EndpointSlice controller
    /// does (pkg/controller/endpointslice, `podToEndpoint`, allocators.md §3).
    pub(crate) fn write_slices(&mut self, s: SvcId) {
        let svc = &self.services[s.idx()];
        if svc.user_slices || svc.deleted {
            return;
        }
        let Some(selector) = svc.obj.spec.selector.clone() else {
            return;
        };
        if svc.obj.service_type() == model::ServiceType::ExternalName {
            return;
        }
        let ns = svc.obj.metadata.ns().to_string();
        let name = svc.obj.metadata.name.clone();
        let publish_not_ready = svc.obj.spec.publish_not_ready_addresses.unwrap_or(false);
        let headless = svc.obj.is_headless();
        let ports = svc.obj.spec.ports.clone();
        // Group endpoints by their resolved port list.
        let mut groups: VecMap<PortList, Vec<model::Endpoint>> = VecMap::new();
        let (mut n_ready, mut n_serving, mut n_term) = (0u32, 0u32, 0u32);
        // Candidates come from the label index (the selector's first pair),
        // so a big cluster does not scan every pod for every Service.
        let candidates: Vec<PodId> = match selector.iter().next() {
            Some((k, v)) => self
                .pods_by_label
                .get(&(ns.clone(), k.clone(), v.clone()))
                .cloned()
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for pi in candidates {
            let pod = &self.pods[pi.idx()];
            if pod.namespace != ns
                || !pod.has_sandbox()
                || !model::map_selector_matches(&selector, &pod.labels)
            {
                continue;
            }
            let mut resolved = Vec::new();
            for sp in &ports {
                let proto = sp.protocol().to_string();
                let port = match &sp.target_port {
                    None => Some(sp.port),
                    Some(model::IntOrString::Int(i)) => Some(*i),
                    Some(model::IntOrString::Str(n)) => pod.spec.find_named_port(n, &proto),
                };
                if let Some(port) = port {
                    resolved.push((sp.name.clone(), port, proto));
                }
            }
            let node = &self.nodes[pod.node.idx()];
            let serving = pod.ready || (pod.deleting_since.is_some() && pod.probe_ok && node.ready);
            let terminating = pod.deleting_since.is_some();
            let ready = publish_not_ready || (serving && !terminating);
            n_ready += ready as u32;
            n_serving += serving as u32;
            n_term += terminating as u32;
            let hostname = pod
                .spec
                .hostname
                .clone()
                .filter(|_| pod.spec.subdomain.as_deref() == Some(name.as_str()));
            groups.entry(resolved).or_default().push(model::Endpoint {
                addresses: vec![pod.ip.map(|i| i.to_string()).unwrap_or_default()],
                conditions: model::EndpointConditions {
                    ready: Some(ready),
                    serving: Some(serving),
                    terminating: Some(terminating),
                },
                hostname,
                node_name: Some(node.name.clone()),
                zone: node.zone.clone(),
                target_ref: Some(model::ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some(ns.clone()),
                    name: Some(pod.name.clone()),
                }),
            });
        }
        let old_names: Vec<String> = self.services[s.idx()]
            .slices
            .iter()
            .map(|sl| sl.metadata.name.clone())
            .collect();
        let mut slices = Vec::new();
        let mut labels: Labels = self.services[s.idx()].obj.metadata.labels.clone();
        labels.insert(model::LABEL_SERVICE_NAME.into(), name.clone());
        labels.insert(
            "endpointslice.kubernetes.io/managed-by".into(),
            "endpointslice-controller.k8s.io".into(),
        );
        if headless {
            labels.insert("service.kubernetes.io/headless".into(), String::new());
        }
        let mut chunks: Vec<(PortList, Vec<model::Endpoint>)> = Vec::new();
        for (ports, eps) in groups {
            for chunk in eps.chunks(MAX_ENDPOINTS_PER_SLICE) {
                chunks.push((ports.clone(), chunk.to_vec()));
            }
        }
        if chunks.is_empty() {
            // The placeholder slice a Service with a selector always has.
            chunks.push((Vec::new(), Vec::new()));
        }
        for (i, (ports, endpoints)) in chunks.into_iter().enumerate() {
            let slice_name = match old_names.get(i) {
                Some(n) => n.clone(),
                None => {
                    let suffix: String = (0..5)
                        .map(|_| {
                            SAFE_ALPHABET[self.rng_names.below(SAFE_ALPHABET.len() as u64) as usize]
                                as char
                        })
                        .collect();
                    format!("{name}-{suffix}")
                }
            };
            slices.push(model::EndpointSlice {
                api_version: "discovery.k8s.io/v1".into(),
                metadata: model::ObjectMeta {
                    name: slice_name,
                    namespace: Some(ns.clone()),
                    labels: labels.clone(),
                    ..Default::default()
                },
                address_type: "IPv4".into(),
                endpoints,
                ports: ports
                    .into_iter()
                    .map(|(name, port, protocol)| model::EndpointPort {
                        name: Some(name.unwrap_or_default()),
                        port: Some(port),
                        protocol: Some(protocol),
                        app_protocol: None,
                    })
                    .collect(),
            });
        }
        self.services[s.idx()].slices = slices;
        let key = format!("{ns}/{name}");
        self.record(TraceKind::Endpoints {
            service: key,
            ready: n_ready,
            serving: n_serving,
            terminating: n_term,
        });
    }

    /// Publish the API server's current Services and EndpointSlices; every
    /// kube-proxy sees them after its watch delay.
    pub(crate) fn publish_api(&mut self) {
        let mut services = Vec::new();
        let mut slices = Vec::new();
        for s in &self.services {
            if s.deleted {
                continue;
            }
            services.push(s.obj.clone());
            slices.extend(s.slices.iter().cloned());
        }
        let version = self.api.version + 1;
        self.api = Arc::new(ApiSnapshot {
            version,
            services,
            slices,
        });
        if self.proxies.is_empty() {
            return;
        }
        let d = self.spec.kube_proxy.watch_delay;
        for n in 0..self.nodes.len() {
            self.schedule_in(d, Ev::ProxyWatch(NodeId(n as u32), version));
        }
    }

    // ----- kube-proxy -------------------------------------------------------

    pub(crate) fn on_proxy_watch(&mut self, n: NodeId, version: u64) {
        if !self.nodes[n.idx()].up {
            return;
        }
        let kp = &mut self.proxies[n.idx()];
        if kp.view.version >= version {
            return;
        }
        kp.view = self.api.clone();
        self.request_proxy_sync(n);
    }

    /// kube-proxy's BoundedFrequencyRunner: sync now if the last sync was at
    /// least `minSyncPeriod` ago, otherwise at the end of that period.
    pub(crate) fn request_proxy_sync(&mut self, n: NodeId) {
        let min = self.spec.kube_proxy.min_sync_period;
        let kp = &mut self.proxies[n.idx()];
        if kp.sync_scheduled {
            return;
        }
        let earliest = kp.last_sync.map_or(self.now, |t| t + min);
        kp.sync_scheduled = true;
        let at = earliest.max(self.now);
        self.schedule(at, Ev::ProxySync(n));
    }

    pub(crate) fn on_proxy_sync(&mut self, n: NodeId) {
        self.proxies[n.idx()].sync_scheduled = false;
        if !self.nodes[n.idx()].up {
            return;
        }
        self.sync_proxy_now(n);
    }

    pub(crate) fn node_facts(&self, n: NodeId) -> proxy::NodeFacts {
        let node = &self.nodes[n.idx()];
        let mut facts = proxy::NodeFacts::new(node.name.clone(), vec![node.ip]);
        facts.cluster_cidr = Cidr::parse(&self.spec.cluster.cluster_cidr);
        facts.masquerade_all = self.spec.kube_proxy.masquerade_all;
        facts
    }

    pub(crate) fn sync_proxy_now(&mut self, n: NodeId) {
        while self.proxies.len() <= n.idx() {
            // First sync: the node's kube-proxy starts.
            let i = self.proxies.len();
            let rng = Stream::derive(
                self.spec.seed,
                &format!("kube-proxy/{}", self.nodes[i].name),
            );
            self.proxies.push(KubeProxy {
                view: self.api.clone(),
                synced: self.api.clone(),
                last_sync: None,
                sync_scheduled: false,
                rules: None,
                syncs: 0,
                past: Vec::new(),
                ipvs: None,
                ipvs_before: None,
                conntrack: proxy::conntrack::Table::default(),
                recent: proxy::netfilter::RecentTable::default(),
                rng,
            });
        }
        let tracing = self.tracing;
        let kp = &mut self.proxies[n.idx()];
        kp.synced = kp.view.clone();
        // A program that packets walked is kept a while for the trace's
        // rule hits (they are positions in it); one never generated was
        // never walked.
        if let (Some(old), true) = (kp.rules.take(), tracing) {
            if kp.past.len() == PAST_PROGRAMS {
                kp.past.remove(0);
            }
            kp.past
                .push((kp.syncs, kp.last_sync.unwrap_or(SimTime::ZERO), old));
        }
        kp.syncs += 1;
        if let Some(old) = kp.ipvs.take() {
            kp.ipvs_before = Some(old);
        }
        // Entries whose timeout passed are gone by now, and kube-proxy
        // clears UDP entries to endpoints that stopped serving
        // (pkg/proxy/conntrack/cleanup.go, CleanStaleEntries); TCP entries
        // outlive rule changes until they time out.
        kp.conntrack.expire(self.now);
        if !kp.conntrack.is_empty() {
            let view = kp.synced.clone();
            let facts = self.node_facts(n);
            self.proxies[n.idx()]
                .conntrack
                .clean_stale_udp(&view.services, &view.slices, &facts);
        }
        let kp = &mut self.proxies[n.idx()];
        kp.last_sync = Some(self.now);
        let version = kp.synced.version;
        if self.tracing {
            let name = self.nodes[n.idx()].name.clone();
            self.record(TraceKind::ProxySync {
                node: name,
                version,
            });
        }
    }

    /// The node's rule program as of its last sync, generated on first use:
    /// kube-proxy's iptables rules, or in IPVS mode the constant iptables
    /// rules that mode writes.
    pub(crate) fn node_program(&mut self, n: NodeId) -> Arc<proxy::rules::Ruleset> {
        if let Some(r) = &self.proxies[n.idx()].rules {
            return r.clone();
        }
        if self.proxy_mode == crate::scenario::ProxyMode::Ipvs {
            let rules = Arc::new(self.node_ipvs(n).rules.clone());
            self.proxies[n.idx()].rules = Some(rules.clone());
            return rules;
        }
        let facts = self.node_facts(n);
        let view = self.proxies[n.idx()].synced.clone();
        let rules = Arc::new(proxy::iptables::generate(
            &view.services,
            &view.slices,
            &facts,
        ));
        self.proxies[n.idx()].rules = Some(rules.clone());
        rules
    }

    /// The node's IPVS program as of its last sync, generated on first use.
    pub(crate) fn node_ipvs(&mut self, n: NodeId) -> &mut proxy::ipvs::IpvsState {
        let facts = self.node_facts(n);
        let sched = match self.spec.kube_proxy.ipvs_scheduler {
            crate::scenario::IpvsScheduler::Rr => proxy::ipvs::Scheduler::Rr,
            crate::scenario::IpvsScheduler::Lc => proxy::ipvs::Scheduler::Lc,
            crate::scenario::IpvsScheduler::Sh => proxy::ipvs::Scheduler::Sh,
        };
        let now = self.now;
        let kp = &mut self.proxies[n.idx()];
        let view = kp.synced.clone();
        let synced_at = kp.last_sync.unwrap_or(SimTime::ZERO);
        let before = &mut kp.ipvs_before;
        kp.ipvs.get_or_insert_with(|| {
            let mut st = proxy::ipvs::generate(&view.services, &view.slices, &facts, sched);
            if let Some(old) = before.take() {
                st.carry_over(old, synced_at, now);
            }
            st
        })
    }

    // ----- nodes -------------------------------------------------------------

    pub(crate) fn fail_node(&mut self, n: NodeId) {
        let node = &mut self.nodes[n.idx()];
        if !node.up {
            return;
        }
        node.up = false;
        node.epoch += 1;
        let epoch = node.epoch;
        let d = self.spec.timing.node_monitor_grace_period;
        self.schedule_in(d, Ev::NodeGrace(n, epoch));
    }

    pub(crate) fn on_node_grace(&mut self, n: NodeId, epoch: u32) {
        if self.nodes[n.idx()].epoch != epoch {
            return;
        }
        self.nodes[n.idx()].ready = false;
        let name = self.nodes[n.idx()].name.clone();
        self.k8s_event(
            "Normal",
            "NodeNotReady",
            format!("node/{name}"),
            format!("Node {name} status is now: NodeNotReady"),
        );
        for p in 0..self.pods.len() {
            if self.pods[p].node == n && self.pods[p].phase != PodPhase::Gone {
                self.update_ready(PodId(p as u32));
                self.record_pod_state(PodId(p as u32));
            }
        }
        let d = self.spec.timing.eviction_timeout;
        self.schedule_in(d, Ev::NodeEvict(n, epoch));
    }

    /// Taint-based eviction after `tolerationSeconds` (300 s by default).
    pub(crate) fn on_node_evict(&mut self, n: NodeId, epoch: u32) {
        if self.nodes[n.idx()].epoch != epoch {
            return;
        }
        for p in 0..self.pods.len() {
            let pod = &self.pods[p];
            if pod.node == n && pod.phase != PodPhase::Gone && !pod.is_client {
                self.delete_pod(PodId(p as u32), "taint-based eviction: node not ready");
            }
        }
    }

    pub(crate) fn recover_node(&mut self, n: NodeId) {
        let node = &mut self.nodes[n.idx()];
        if node.up {
            return;
        }
        node.up = true;
        node.ready = true;
        node.epoch += 1;
        let name = node.name.clone();
        self.k8s_event(
            "Normal",
            "NodeReady",
            format!("node/{name}"),
            format!("Node {name} status is now: NodeReady"),
        );
        for p in 0..self.pods.len() {
            let pod = &self.pods[p];
            if pod.node != n || pod.phase == PodPhase::Gone {
                continue;
            }
            let id = PodId(p as u32);
            if pod.deleting_since.is_some() {
                // The kubelet finally confirms deletions that piled up.
                let epoch = pod.epoch;
                self.schedule_in(SimDuration::ZERO, Ev::PodAppExit(id, epoch));
            } else {
                self.update_ready(id);
            }
        }
        self.proxies[n.idx()].view = self.api.clone();
        self.request_proxy_sync(n);
        self.request_reconcile();
    }

    pub(crate) fn on_node_recover_timer(&mut self, n: NodeId, epoch: u32) {
        if self.nodes[n.idx()].epoch == epoch {
            self.recover_node(n);
        }
    }

    // ----- cloud load balancer -------------------------------------------------

    pub(crate) fn on_lb_provision(&mut self, s: SvcId) {
        if self.cloud_lb && !self.services[s.idx()].deleted {
            self.provision_lb(s);
            self.publish_api();
        }
    }

    pub(crate) fn provision_lb(&mut self, s: SvcId) {
        if self.services[s.idx()].obj.lb_ingress_ips().next().is_some() {
            return;
        }
        let pool = Cidr::parse(&self.spec.cluster.lb_ip_pool);
        let Some(ip) = pool.and_then(|c| c.nth(self.lb_next_ip)) else {
            return;
        };
        self.lb_next_ip += 1;
        let svc = &mut self.services[s.idx()];
        svc.obj.status.load_balancer = Some(model::LoadBalancerStatus {
            ingress: vec![model::LoadBalancerIngress {
                ip: Some(ip.to_string()),
                ..Default::default()
            }],
        });
        let key = svc.key();
        self.k8s_event(
            "Normal",
            "EnsuredLoadBalancer",
            format!("service/{key}"),
            format!("Ensured load balancer {ip}"),
        );
    }

    pub(crate) fn on_lb_health(&mut self, s: SvcId) {
        if self.services[s.idx()].deleted {
            return;
        }
        self.lb_health_check(s);
        self.schedule_in(build::LB_HEALTH_INTERVAL, Ev::LbHealth(s));
    }

    /// The cloud LB's health check. With `externalTrafficPolicy: Cluster` it
    /// asks kube-proxy's healthz (any running node passes); with `Local` it
    /// asks the healthCheckNodePort, which kube-proxy answers 200 only when
    /// its own view has a ready local endpoint for the Service.
    pub(crate) fn lb_health_check(&mut self, s: SvcId) {
        let svc = &self.services[s.idx()].obj;
        let local = svc.external_traffic_policy() == model::TrafficPolicy::Local;
        let ns = svc.metadata.ns().to_string();
        let name = svc.metadata.name.clone();
        let mut healthy = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.up {
                continue;
            }
            if local {
                let Some(kp) = self.proxies.get(i) else {
                    continue;
                };
                let has_local = kp.view.slices.iter().any(|sl| {
                    sl.metadata.ns() == ns
                        && sl.service_name() == Some(name.as_str())
                        && sl.endpoints.iter().any(|e| {
                            e.node_name.as_deref() == Some(node.name.as_str())
                                && e.conditions.is_ready()
                        })
                });
                if !has_local {
                    continue;
                }
            }
            healthy.push(NodeId(i as u32));
        }
        self.services[s.idx()].lb_healthy = healthy;
    }

    // ----- churn -------------------------------------------------------------

    pub(crate) fn schedule_churn_crash(&mut self) {
        let rate = self.spec.churn.pod_crashes_per_hour;
        if rate > 0.0 && rate.is_finite() {
            let n = self
                .pods
                .iter()
                .filter(|p| !p.is_client && p.phase == PodPhase::Running)
                .count()
                .max(1);
            let mean = (3_600_000_000_000f64 / (rate * n as f64)) as u64;
            let d = self.rng_churn_pod.exp_nanos(mean.max(1));
            self.schedule_in(SimDuration(d), Ev::ChurnCrash);
        }
    }

    pub(crate) fn on_churn_crash(&mut self) {
        let candidates: Vec<PodId> = (0..self.pods.len())
            .map(|i| PodId(i as u32))
            .filter(|p| {
                let pod = &self.pods[p.idx()];
                !pod.is_client
                    && pod.accepting()
                    && pod.deleting_since.is_none()
                    && pod.namespace != "kube-system"
            })
            .collect();
        if !candidates.is_empty() {
            let p = candidates[self.rng_churn_pod.below(candidates.len() as u64) as usize];
            self.crash_pod(p);
        }
        self.schedule_churn_crash();
    }

    pub(crate) fn schedule_churn_node(&mut self) {
        let rate = self.spec.churn.node_failures_per_hour;
        if rate > 0.0 && rate.is_finite() {
            let mean = (3_600_000_000_000f64 / (rate * self.nodes.len() as f64)) as u64;
            let d = self.rng_churn_node.exp_nanos(mean.max(1));
            self.schedule_in(SimDuration(d), Ev::ChurnNodeFail);
        }
    }

    pub(crate) fn on_churn_node_fail(&mut self) {
        let up: Vec<NodeId> = (0..self.nodes.len())
            .map(|i| NodeId(i as u32))
            .filter(|n| self.nodes[n.idx()].up)
            .collect();
        // Never fail the last node standing: the lesson is recovery.
        if up.len() > 1 {
            let n = up[self.rng_churn_node.below(up.len() as u64) as usize];
            self.fail_node(n);
            let recovery = if self.spec.churn.node_recovery == SimDuration::ZERO {
                SimDuration::from_secs(120)
            } else {
                self.spec.churn.node_recovery
            };
            let epoch = self.nodes[n.idx()].epoch;
            self.schedule_in(recovery, Ev::NodeRecover(n, epoch));
        }
        self.schedule_churn_node();
    }

    // ----- commands -------------------------------------------------------------

    /// A live pod by `ns/name` or `name`. A trailing `*` matches a prefix
    /// (scripts cannot know generated pod names): the first live,
    /// non-terminating match in name order.
    fn find_pod(&self, name: &str) -> Option<PodId> {
        let (ns, n) = name.split_once('/').unwrap_or(("default", name));
        let live = |p: &PodState| p.namespace == ns && p.phase != PodPhase::Gone;
        if let Some(prefix) = n.strip_suffix('*') {
            return (0..self.pods.len())
                .filter(|i| {
                    let p = &self.pods[*i];
                    live(p)
                        && p.deleting_since.is_none()
                        && !p.is_client
                        && p.name.starts_with(prefix)
                })
                .min_by(|a, b| self.pods[*a].name.cmp(&self.pods[*b].name))
                .map(|i| PodId(i as u32));
        }
        self.pods
            .iter()
            .position(|p| p.name == n && live(p))
            .map(|i| PodId(i as u32))
    }

    fn find_deployment(&self, name: &str) -> Option<DeployId> {
        let (ns, n) = name.split_once('/').unwrap_or(("default", name));
        self.deployments
            .iter()
            .position(|d| d.obj.metadata.name == n && d.obj.metadata.ns() == ns)
            .map(|i| DeployId(i as u32))
    }

    pub(crate) fn find_service(&self, name: &str) -> Option<SvcId> {
        let (ns, n) = name.split_once('/').unwrap_or(("default", name));
        self.services
            .iter()
            .position(|s| !s.deleted && s.obj.metadata.name == n && s.obj.metadata.ns() == ns)
            .map(|i| SvcId(i as u32))
    }

    fn warn(&mut self, object: String, message: String) {
        self.k8s_event("Warning", "CommandFailed", object, message);
    }

    fn service_updated(&mut self, s: SvcId) {
        self.mark_service_dirty(s);
        self.publish_api();
    }

    /// `spec.unschedulable`, and the event the kubelet records when it sees
    /// it change (`NodeSchedulable` / `NodeNotSchedulable`); cordoning a
    /// cordoned node changes nothing ("already cordoned").
    fn set_unschedulable(&mut self, n: NodeId, unschedulable: bool) {
        if self.nodes[n.idx()].unschedulable == unschedulable {
            return;
        }
        self.nodes[n.idx()].unschedulable = unschedulable;
        let node = self.nodes[n.idx()].name.clone();
        let status = if unschedulable {
            "NodeNotSchedulable"
        } else {
            "NodeSchedulable"
        };
        self.k8s_event(
            "Normal",
            status,
            format!("node/{node}"),
            format!("Node {node} status is now: {status}"),
        );
    }

    pub(crate) fn apply_command(&mut self, cmd: Command) {
        self.record(TraceKind::Command {
            command: cmd.clone(),
        });
        match cmd {
            Command::KillPod { pod } => match self.find_pod(&pod) {
                Some(p) => self.delete_pod(p, "deleted by user"),
                None => self.warn(format!("pod/{pod}"), "no such pod".into()),
            },
            Command::CrashPod { pod } => match self.find_pod(&pod) {
                Some(p) => self.crash_pod(p),
                None => self.warn(format!("pod/{pod}"), "no such pod".into()),
            },
            Command::SetPodReadiness { pod, ready } => match self.find_pod(&pod) {
                Some(p) => {
                    self.pods[p.idx()].probe_forced_fail = !ready;
                    let d = self.probe_delay(p, !ready);
                    let epoch = self.pods[p.idx()].epoch;
                    self.schedule_in(d, Ev::PodProbe(p, epoch));
                }
                None => self.warn(format!("pod/{pod}"), "no such pod".into()),
            },
            Command::FailNode { node } => match self.node_by_name(&node) {
                Some(n) => self.fail_node(n),
                None => self.warn(format!("node/{node}"), "no such node".into()),
            },
            Command::RecoverNode { node } => match self.node_by_name(&node) {
                Some(n) => self.recover_node(n),
                None => self.warn(format!("node/{node}"), "no such node".into()),
            },
            Command::CordonNode { node } => match self.node_by_name(&node) {
                Some(n) => self.set_unschedulable(n, true),
                None => self.warn(format!("node/{node}"), "no such node".into()),
            },
            Command::UncordonNode { node } => match self.node_by_name(&node) {
                Some(n) => {
                    self.set_unschedulable(n, false);
                    self.request_reconcile();
                }
                None => self.warn(format!("node/{node}"), "no such node".into()),
            },
            Command::DrainNode { node, force } => match self.node_by_name(&node) {
                Some(n) => {
                    // kubectl cordons first, then lists the node's pods and
                    // refuses, evicting none, when any has no controller and
                    // --force is not given (kubectl's pkg/drain/filters.go,
                    // `unmanagedFilter`, message `unmanagedFatal`; the command
                    // prints "error: unable to drain node ..., aborting
                    // command..." and leaves the node cordoned).
                    self.set_unschedulable(n, true);
                    let unmanaged: Vec<&str> = self
                        .pods
                        .iter()
                        .filter(|p| {
                            p.node == n
                                && p.phase != PodPhase::Gone
                                && p.deleting_since.is_none()
                                && !p.is_client
                                && p.rs.is_none()
                        })
                        .map(|p| p.key.as_str())
                        .collect();
                    if !unmanaged.is_empty() && !force {
                        let msg = format!(
                            "error: unable to drain node \"{node}\", aborting command... \
                             cannot delete Pods that declare no controller \
                             (use --force to override): {}",
                            unmanaged.join(", ")
                        );
                        self.warn(format!("node/{node}"), msg);
                        return;
                    }
                    for p in 0..self.pods.len() {
                        let pod = &self.pods[p];
                        if pod.node == n && pod.phase != PodPhase::Gone && !pod.is_client {
                            self.delete_pod(PodId(p as u32), "drained");
                        }
                    }
                }
                None => self.warn(format!("node/{node}"), "no such node".into()),
            },
            Command::Scale {
                deployment,
                replicas,
            } => match self.find_deployment(&deployment) {
                Some(d) if replicas >= 0 => {
                    self.deployments[d.idx()].obj.spec.replicas = Some(replicas);
                    self.k8s_event(
                        "Normal",
                        "ScalingReplicaSet",
                        format!("deployment/{deployment}"),
                        format!("Scaled to {replicas}"),
                    );
                    self.request_reconcile();
                }
                Some(_) => self.warn(
                    format!("deployment/{deployment}"),
                    "replicas must be >= 0".into(),
                ),
                None => self.warn(
                    format!("deployment/{deployment}"),
                    "no such deployment".into(),
                ),
            },
            Command::Rollout { deployment, image } => match self.find_deployment(&deployment) {
                Some(d) => self.rollout(d, image),
                None => self.warn(
                    format!("deployment/{deployment}"),
                    "no such deployment".into(),
                ),
            },
            Command::SetExternalTrafficPolicy { service, policy } => {
                match self.find_service(&service) {
                    Some(s) if policy == "Local" || policy == "Cluster" => {
                        self.services[s.idx()].obj.spec.external_traffic_policy = Some(policy);
                        self.lb_health_check(s);
                        self.service_updated(s);
                    }
                    Some(_) => self.warn(
                        format!("service/{service}"),
                        format!("unsupported externalTrafficPolicy {policy:?}"),
                    ),
                    None => self.warn(format!("service/{service}"), "no such service".into()),
                }
            }
            Command::SetSessionAffinity { service, affinity } => {
                match self.find_service(&service) {
                    Some(s) if affinity == "ClientIP" || affinity == "None" => {
                        self.services[s.idx()].obj.spec.session_affinity = Some(affinity);
                        self.service_updated(s);
                    }
                    Some(_) => self.warn(
                        format!("service/{service}"),
                        format!("unsupported sessionAffinity {affinity:?}"),
                    ),
                    None => self.warn(format!("service/{service}"), "no such service".into()),
                }
            }
            Command::SetProxyMode { mode } => {
                self.proxy_mode = mode;
                // A kube-proxy started in the other mode cleans up what the
                // previous one left (proxier.go, `CleanupLeftovers`): no IPVS
                // scheduler state survives a mode switch.
                for (kp, node) in self.proxies.iter_mut().zip(&self.nodes) {
                    kp.ipvs = None;
                    kp.ipvs_before = None;
                    // A node that is down does not sync now, but its
                    // program is the other mode's from here on. (The
                    // others sync below, which keeps the old program
                    // for the trace's rule hits.)
                    if !node.up {
                        kp.rules = None;
                    }
                }
                for n in 0..self.nodes.len() {
                    if self.nodes[n].up {
                        self.sync_proxy_now(NodeId(n as u32));
                    }
                }
            }
            Command::SetCloudLoadBalancer { present } => {
                self.cloud_lb = present;
                for s in 0..self.services.len() {
                    if self.services[s].obj.service_type() != model::ServiceType::LoadBalancer {
                        continue;
                    }
                    if present {
                        let d = self.spec.cluster.lb_provision_delay;
                        self.schedule_in(d, Ev::LbProvision(SvcId(s as u32)));
                    } else {
                        self.services[s].obj.status.load_balancer = None;
                    }
                }
                self.publish_api();
            }
            Command::Apply { objects } => self.apply_objects(objects),
            Command::Delete { kind, name } => self.delete_object(&kind, &name),
        }
    }

    fn rollout(&mut self, d: DeployId, image: String) {
        let mut obj = self.deployments[d.idx()].obj.clone();
        if let Some(c) = obj.spec.template.spec.containers.first_mut() {
            c.image = Some(image.clone());
        }
        self.roll_to(d, obj);
    }

    /// Start a rollout of a Deployment to a new object (new template).
    fn roll_to(&mut self, d: DeployId, obj: model::Deployment) {
        let changed_template = obj.spec.template != self.deployments[d.idx()].obj.spec.template;
        let revision = self.deployments[d.idx()].revision + 1;
        self.deployments[d.idx()].obj = obj.clone();
        if changed_template {
            let rs = self.create_rs_for(d, &obj, revision, false);
            let dep = &mut self.deployments[d.idx()];
            dep.revision = revision;
            dep.replica_sets.push(rs);
            dep.current = rs;
            let name = format!("deployment/{}/{}", obj.metadata.ns(), obj.metadata.name);
            let rsn = self.replica_sets[rs.idx()].name.clone();
            self.k8s_event(
                "Normal",
                "ScalingReplicaSet",
                name,
                format!("Scaled up replica set {rsn}"),
            );
        }
        self.request_reconcile();
    }

    /// `kubectl apply`: create what is new, update what changed.
    fn apply_objects(&mut self, objects: Vec<model::Object>) {
        for o in objects {
            match o {
                model::Object::Deployment(dep) => {
                    let key = format!("{}/{}", dep.metadata.ns(), dep.metadata.name);
                    match self.find_deployment(&key) {
                        Some(d) => self.roll_to(d, dep),
                        None => {
                            let ns = dep.metadata.ns().to_string();
                            self.ensure_namespace(&ns);
                            let w = self.workload_for(&ns, &dep.metadata.name);
                            self.create_deployment(dep, w, false);
                        }
                    }
                }
                model::Object::Service(svc) => {
                    let key = format!("{}/{}", svc.metadata.ns(), svc.metadata.name);
                    match self.find_service(&key) {
                        Some(s) => {
                            let old = &self.services[s.idx()].obj;
                            let mut svc = svc;
                            // Allocated fields survive an apply that omits them.
                            if svc.spec.cluster_ip.is_none() {
                                svc.spec.cluster_ip = old.spec.cluster_ip.clone();
                            }
                            if svc.status.load_balancer.is_none() {
                                svc.status = old.status.clone();
                            }
                            self.services[s.idx()].obj = svc;
                            self.write_slices(s);
                            self.service_updated(s);
                        }
                        None => {
                            let ns = svc.metadata.ns().to_string();
                            self.ensure_namespace(&ns);
                            let mut svc = svc;
                            svc.metadata.namespace = Some(ns);
                            let s = self.add_service(svc);
                            if self.services[s.idx()].obj.service_type()
                                == model::ServiceType::LoadBalancer
                                && self.cloud_lb
                            {
                                let d = self.spec.cluster.lb_provision_delay;
                                self.schedule_in(d, Ev::LbProvision(s));
                                self.schedule_in(build::LB_HEALTH_INTERVAL, Ev::LbHealth(s));
                            }
                            self.write_slices(s);
                            self.publish_api();
                        }
                    }
                }
                model::Object::NetworkPolicy(np) => {
                    let mut np = np;
                    let ns = np.metadata.ns().to_string();
                    np.metadata.namespace = Some(ns.clone());
                    self.topology_epoch += 1;
                    match self
                        .policies
                        .iter()
                        .position(|p| p.metadata.name == np.metadata.name && p.metadata.ns() == ns)
                    {
                        Some(i) => self.policies[i] = np,
                        None => self.policies.push(np),
                    }
                }
                model::Object::Namespace(n) => {
                    let mut n = n;
                    n.metadata.labels.insert(
                        "kubernetes.io/metadata.name".into(),
                        n.metadata.name.clone(),
                    );
                    self.namespaces.insert(n.metadata.name.clone(), n);
                    self.topology_epoch += 1;
                }
                other => {
                    let m = other.meta();
                    let obj = format!(
                        "{}/{}/{}",
                        other.kind().to_ascii_lowercase(),
                        m.ns(),
                        m.name
                    );
                    self.warn(
                        obj,
                        "apply of this kind is not supported while running".into(),
                    );
                }
            }
        }
    }

    fn delete_object(&mut self, kind: &str, name: &str) {
        match kind {
            "Pod" => {
                if let Some(p) = self.find_pod(name) {
                    self.delete_pod(p, "deleted by user");
                }
            }
            "Service" => {
                if let Some(s) = self.find_service(name) {
                    self.services[s.idx()].deleted = true;
                    self.services[s.idx()].slices.clear();
                    self.publish_api();
                }
            }
            "Deployment" => {
                if let Some(d) = self.find_deployment(name) {
                    self.deployments[d.idx()].obj.spec.replicas = Some(0);
                    for r in self.deployments[d.idx()].replica_sets.clone() {
                        self.replica_sets[r.idx()].replicas = 0;
                    }
                    self.request_reconcile();
                }
            }
            "NetworkPolicy" => {
                let (ns, n) = name.split_once('/').unwrap_or(("default", name));
                self.policies
                    .retain(|p| !(p.metadata.name == n && p.metadata.ns() == ns));
                self.topology_epoch += 1;
            }
            _ => self.warn(
                format!("{kind}/{name}"),
                "delete of this kind is not supported".into(),
            ),
        }
    }
}

/// A slice's resolved ports: (name, port, protocol) per Service port.
type PortList = Vec<(Option<String>, i32, String)>;

/// `--max-endpoints-per-slice` default (allocators.md §3.5).
pub(crate) const MAX_ENDPOINTS_PER_SLICE: usize = 100;
