//! Building a [`Sim`] from Kubernetes objects and scenario settings.
//!
//! A scenario starts warm: the objects it lists already exist, their pods are
//! Running and Ready, EndpointSlices are written and every kube-proxy has
//! synced, as when a learner walks up to a cluster that has been running for
//! a while. Everything after time zero goes through the real lifecycles.

use super::*;
use crate::model::{self, Object};
use crate::net::{Cidr, Ipv4Addr};
use crate::scenario::{ClientKind, WorkloadSpec};
use crate::vecmap::VecSet;

/// Why a scenario could not be turned into a running simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// Where in the scenario: `spec.cluster.serviceCIDR`, `clients[0].target`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for BuildError {}

fn err(path: impl Into<String>, message: impl Into<String>) -> BuildError {
    BuildError {
        path: path.into(),
        message: message.into(),
    }
}

fn cidr(path: &str, s: &str) -> Result<Cidr, BuildError> {
    Cidr::parse(s).ok_or_else(|| err(path, format!("invalid CIDR {s:?}")))
}

/// A node as declared: name, IP, pod CIDR, zone.
type NodeDecl = (String, Option<String>, Option<String>, Option<String>);

/// Hard limits that keep a browser tab responsive.
pub const MAX_NODES: usize = 2_000;
pub const MAX_PODS: usize = 50_000;

impl Sim {
    /// Build a simulation. Objects are taken as admitted by the API server
    /// (see `svcsim-manifests` for validation, defaulting and allocation);
    /// a Service that arrives without a ClusterIP or nodePort gets the next
    /// free one, so hand-built objects work too.
    pub fn new(objects: Vec<Object>, spec: ScenarioSpec) -> Result<Sim, BuildError> {
        let service_cidr = cidr("spec.cluster.serviceCIDR", &spec.cluster.service_cidr)?;
        let cluster_cidr = cidr("spec.cluster.clusterCIDR", &spec.cluster.cluster_cidr)?;
        let node_cidr = cidr("spec.cluster.nodeCIDR", &spec.cluster.node_cidr)?;
        let lb_pool = cidr("spec.cluster.lbIPPool", &spec.cluster.lb_ip_pool)?;
        if cluster_cidr.prefix > 24 {
            return Err(err(
                "spec.cluster.clusterCIDR",
                "must be /24 or larger: each node gets a /24 pod CIDR from it",
            ));
        }
        let seed = spec.seed;
        let mut sim = Sim {
            now: SimTime::ZERO,
            seq: 0,
            queue: Default::default(),
            nodes: Vec::new(),
            proxies: Vec::new(),
            pods: Vec::new(),
            replica_sets: Vec::new(),
            deployments: Vec::new(),
            services: Vec::new(),
            namespaces: VecMap::new(),
            policies: Vec::new(),
            clients: Vec::new(),
            api: Arc::new(ApiSnapshot::default()),
            requests: Default::default(),
            next_request: 1,
            metrics: Metrics::default(),
            trace: Vec::new(),
            tracing: true,
            events_processed: 0,
            cloud_lb: spec.cluster.cloud_load_balancer,
            proxy_mode: spec.kube_proxy.mode,
            lb_next_ip: 10,
            rng_names: Stream::derive(seed, "names"),
            rng_churn_pod: Stream::derive(seed, "churn/pods"),
            rng_churn_node: Stream::derive(seed, "churn/nodes"),
            rng_lb: Stream::derive(seed, "cloud-lb"),
            rng_serve: Stream::derive(seed, "serve"),
            slice_sync_pending: Vec::new(),
            reconcile_pending: false,
            coredns: Vec::new(),
            topology_epoch: 0,
            vip_cache: None,
            dns_cache: None,
            dns_answers: Default::default(),
            search_lists: Vec::new(),
            served_by_dead: 0,
            pods_by_label: VecMap::new(),
            netpol_cache: None,
            spec,
        };

        // Nodes: scenario list first, then Node objects not named there.
        let mut node_specs: Vec<NodeDecl> = sim
            .spec
            .nodes
            .iter()
            .map(|n| {
                (
                    n.name.clone(),
                    n.ip.clone(),
                    n.pod_cidr.clone(),
                    n.zone.clone(),
                )
            })
            .collect();
        for o in &objects {
            if let Object::Node(n) = o {
                if !node_specs.iter().any(|s| s.0 == n.metadata.name) {
                    node_specs.push((
                        n.metadata.name.clone(),
                        n.internal_ip().map(str::to_string),
                        n.spec.pod_cidr.clone(),
                        n.zone().map(str::to_string),
                    ));
                }
            }
        }
        if node_specs.is_empty() {
            for i in 1..=3 {
                node_specs.push((format!("node-{i}"), None, None, None));
            }
        }
        if node_specs.len() > MAX_NODES {
            return Err(err(
                "spec.nodes",
                format!(
                    "{} nodes is over the limit of {MAX_NODES}",
                    node_specs.len()
                ),
            ));
        }
        let mut seen = VecSet::new();
        for (i, (name, ip, pod_cidr, zone)) in node_specs.into_iter().enumerate() {
            let path = format!("spec.nodes[{i}]");
            if !seen.insert(name.clone()) {
                return Err(err(path, format!("duplicate node name {name:?}")));
            }
            let ip: Ipv4Addr = match ip {
                Some(s) => s
                    .parse()
                    .map_err(|_| err(format!("{path}.ip"), format!("invalid IP {s:?}")))?,
                None => node_cidr
                    .nth(10 + i as u64)
                    .ok_or_else(|| err("spec.cluster.nodeCIDR", "too small for the nodes"))?,
            };
            let pod_cidr = match pod_cidr {
                Some(s) => cidr(&format!("{path}.podCIDR"), &s)?,
                None => {
                    let base = u32::from(cluster_cidr.network()) + ((i as u32) << 8);
                    let c = Cidr {
                        addr: Ipv4Addr::from(base),
                        prefix: 24,
                    };
                    if !cluster_cidr.contains(c.addr) {
                        return Err(err(
                            "spec.cluster.clusterCIDR",
                            "too small: it has no /24 left for every node",
                        ));
                    }
                    c
                }
            };
            sim.nodes.push(NodeState {
                name,
                ip,
                pod_cidr,
                zone,
                up: true,
                ready: true,
                unschedulable: false,
                epoch: 0,
                next_ip: 2,
                used_ips: VecSet::new(),
                live_pods: 0,
                created: SimTime::ZERO,
            });
        }

        // Namespaces every cluster has, then the declared ones.
        for ns in ["default", "kube-system"] {
            sim.ensure_namespace(ns);
        }
        for o in &objects {
            if let Object::Namespace(n) = o {
                let mut n = n.clone();
                n.metadata.labels.insert(
                    "kubernetes.io/metadata.name".into(),
                    n.metadata.name.clone(),
                );
                sim.namespaces.insert(n.metadata.name.clone(), n);
            }
        }

        sim.add_system_objects(service_cidr);

        // Services first (IPs), then workloads, pods, slices, policies.
        let mut used_ips: VecSet<Ipv4Addr> = crate::order::set_of(
            sim.services
                .iter()
                .filter_map(|s| s.obj.cluster_ip().and_then(|ip| ip.parse().ok())),
        );
        let mut used_node_ports: VecSet<i32> = VecSet::new();
        for o in &objects {
            if let Object::Service(s) = o {
                if let Some(ip) = s.cluster_ip().and_then(|ip| ip.parse().ok()) {
                    used_ips.insert(ip);
                }
                for p in &s.spec.ports {
                    if let Some(np) = p.node_port {
                        used_node_ports.insert(np);
                    }
                }
            }
        }
        let mut next_np = 30000;
        for o in &objects {
            let Object::Service(s) = o else { continue };
            let mut s = s.clone();
            let ns = s.metadata.ns().to_string();
            sim.ensure_namespace(&ns);
            s.metadata.namespace = Some(ns);
            let ty = s.service_type();
            if ty != model::ServiceType::ExternalName && s.spec.cluster_ip.is_none() {
                let ip = (1..service_cidr.size().saturating_sub(1))
                    .filter_map(|i| service_cidr.nth(i))
                    .find(|ip| !used_ips.contains(ip))
                    .ok_or_else(|| err("spec.cluster.serviceCIDR", "no free ClusterIP left"))?;
                used_ips.insert(ip);
                s.spec.cluster_ip = Some(ip.to_string());
            }
            if matches!(
                ty,
                model::ServiceType::NodePort | model::ServiceType::LoadBalancer
            ) {
                for p in &mut s.spec.ports {
                    if p.node_port.is_none() {
                        while used_node_ports.contains(&next_np) {
                            next_np += 1;
                        }
                        used_node_ports.insert(next_np);
                        p.node_port = Some(next_np);
                    }
                }
            }
            sim.add_service(s);
        }

        for o in &objects {
            match o {
                Object::Deployment(d) => {
                    let ns = d.metadata.ns().to_string();
                    sim.ensure_namespace(&ns);
                    let workload = sim.workload_for(&ns, &d.metadata.name);
                    sim.create_deployment(d.clone(), workload, true);
                }
                Object::ReplicaSet(rs) => {
                    let ns = rs.metadata.ns().to_string();
                    sim.ensure_namespace(&ns);
                    let workload = sim.workload_for(&ns, &rs.metadata.name);
                    sim.create_standalone_rs(rs.clone(), workload);
                }
                Object::Pod(p) => {
                    let ns = p.metadata.ns().to_string();
                    sim.ensure_namespace(&ns);
                    sim.create_bare_pod(p.clone())?;
                }
                Object::EndpointSlice(es) => {
                    let ns = es.metadata.ns();
                    if let Some(svc) = es.service_name() {
                        if let Some(i) = sim
                            .services
                            .iter()
                            .position(|s| s.obj.metadata.ns() == ns && s.obj.metadata.name == svc)
                        {
                            let s = &mut sim.services[i];
                            if s.obj.spec.selector.is_none() {
                                s.user_slices = true;
                                s.slices.push(es.clone());
                            }
                        }
                    }
                }
                Object::NetworkPolicy(np) => {
                    let mut np = np.clone();
                    let ns = np.metadata.ns().to_string();
                    sim.ensure_namespace(&ns);
                    np.metadata.namespace = Some(ns);
                    sim.policies.push(np);
                }
                Object::Namespace(_) | Object::Node(_) | Object::Service(_) => {}
            }
        }
        if sim.pods.len() > MAX_PODS {
            return Err(err(
                "spec",
                format!("{} pods is over the limit of {MAX_PODS}", sim.pods.len()),
            ));
        }

        // Clients.
        let client_specs = sim.spec.clients.clone();
        for (i, c) in client_specs.into_iter().enumerate() {
            sim.add_client(i, c)?;
        }
        let _ = lb_pool;

        // Warm start: slices written, LBs provisioned, proxies synced.
        for s in 0..sim.services.len() {
            sim.write_slices(SvcId(s as u32));
        }
        for s in 0..sim.services.len() {
            let id = SvcId(s as u32);
            if sim.cloud_lb
                && sim.services[s].obj.service_type() == model::ServiceType::LoadBalancer
            {
                sim.provision_lb(id);
            }
        }
        sim.publish_api();
        for n in 0..sim.nodes.len() {
            sim.sync_proxy_now(NodeId(n as u32));
        }
        for s in 0..sim.services.len() {
            let id = SvcId(s as u32);
            if sim.services[s].obj.service_type() == model::ServiceType::LoadBalancer {
                sim.lb_health_check(id);
                sim.schedule_in(LB_HEALTH_INTERVAL, Ev::LbHealth(id));
            }
        }
        // Scripted events, churn and clients.
        for ev in sim.spec.events.clone() {
            sim.schedule(SimTime(ev.at.as_nanos()), Ev::Command(Box::new(ev.command)));
        }
        sim.schedule_churn_crash();
        sim.schedule_churn_node();
        for c in 0..sim.clients.len() {
            sim.start_client(ClientId(c as u32));
        }
        Ok(sim)
    }

    pub(crate) fn ensure_namespace(&mut self, ns: &str) {
        if !self.namespaces.contains_key(ns) {
            let mut n = model::Namespace {
                api_version: "v1".into(),
                metadata: model::ObjectMeta {
                    name: ns.to_string(),
                    ..Default::default()
                },
            };
            n.metadata
                .labels
                .insert("kubernetes.io/metadata.name".into(), ns.to_string());
            self.namespaces.insert(ns.to_string(), n);
        }
    }

    pub(crate) fn workload_for(&self, ns: &str, name: &str) -> WorkloadSpec {
        self.spec
            .workloads
            .iter()
            .find(|w| w.deployment == name && w.namespace == ns)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn add_service(&mut self, obj: model::Service) -> SvcId {
        let id = SvcId(self.services.len() as u32);
        self.services.push(SvcState {
            obj,
            slices: Vec::new(),
            user_slices: false,
            lb_healthy: Vec::new(),
            deleted: false,
            created: self.now,
        });
        self.slice_sync_pending.push(false);
        id
    }

    /// `default/kubernetes` at the first address of the service CIDR and
    /// `kube-system/kube-dns` at the tenth, backed by two CoreDNS pods, as
    /// kubeadm sets them up (allocators.md §1.1, dns.md §5).
    fn add_system_objects(&mut self, service_cidr: Cidr) {
        let first = service_cidr.nth(1).map(|i| i.to_string());
        let tenth = service_cidr.nth(10).map(|i| i.to_string());
        let api_ip = self.nodes[0].ip.to_string();
        let kubernetes = model::Service {
            api_version: "v1".into(),
            metadata: model::ObjectMeta {
                name: "kubernetes".into(),
                namespace: Some("default".into()),
                labels: crate::order::map_of([
                    ("component".into(), "apiserver".into()),
                    ("provider".into(), "kubernetes".into()),
                ]),
                ..Default::default()
            },
            spec: model::ServiceSpec {
                cluster_ip: first,
                ports: vec![model::ServicePort {
                    name: Some("https".into()),
                    protocol: Some("TCP".into()),
                    port: 443,
                    target_port: Some(model::IntOrString::Int(6443)),
                    ..Default::default()
                }],
                ..Default::default()
            },
            status: Default::default(),
        };
        let id = self.add_service(kubernetes);
        self.services[id.idx()].user_slices = true;
        self.services[id.idx()].slices.push(model::EndpointSlice {
            api_version: "discovery.k8s.io/v1".into(),
            metadata: model::ObjectMeta {
                name: "kubernetes".into(),
                namespace: Some("default".into()),
                labels: crate::order::map_of([(
                    model::LABEL_SERVICE_NAME.to_string(),
                    "kubernetes".to_string(),
                )]),
                ..Default::default()
            },
            address_type: "IPv4".into(),
            endpoints: vec![model::Endpoint {
                addresses: vec![api_ip],
                conditions: model::EndpointConditions {
                    ready: Some(true),
                    serving: Some(true),
                    terminating: Some(false),
                },
                ..Default::default()
            }],
            ports: vec![model::EndpointPort {
                name: Some("https".into()),
                port: Some(6443),
                protocol: Some("TCP".into()),
                app_protocol: None,
            }],
        });

        let labels: model::Labels =
            crate::order::map_of([("k8s-app".to_string(), "kube-dns".to_string())]);
        let port = |name: &str, port: i32, proto: &str| model::ServicePort {
            name: Some(name.into()),
            protocol: Some(proto.into()),
            port,
            target_port: Some(model::IntOrString::Int(port)),
            ..Default::default()
        };
        let kube_dns = model::Service {
            api_version: "v1".into(),
            metadata: model::ObjectMeta {
                name: "kube-dns".into(),
                namespace: Some("kube-system".into()),
                labels: labels.clone(),
                ..Default::default()
            },
            spec: model::ServiceSpec {
                selector: Some(labels.clone()),
                cluster_ip: tenth,
                ports: vec![
                    port("dns", 53, "UDP"),
                    port("dns-tcp", 53, "TCP"),
                    port("metrics", 9153, "TCP"),
                ],
                ..Default::default()
            },
            status: Default::default(),
        };
        self.add_service(kube_dns);
        let cport = |name: &str, port: i32, proto: &str| model::ContainerPort {
            name: Some(name.into()),
            container_port: port,
            protocol: Some(proto.into()),
            host_port: None,
        };
        let coredns = model::Deployment {
            api_version: "apps/v1".into(),
            metadata: model::ObjectMeta {
                name: "coredns".into(),
                namespace: Some("kube-system".into()),
                labels: labels.clone(),
                ..Default::default()
            },
            spec: model::DeploymentSpec {
                replicas: Some(2),
                selector: model::LabelSelector {
                    match_labels: Some(labels.clone()),
                    match_expressions: None,
                },
                template: model::PodTemplateSpec {
                    metadata: model::ObjectMeta {
                        labels,
                        ..Default::default()
                    },
                    spec: model::PodSpec {
                        containers: vec![model::Container {
                            name: "coredns".into(),
                            image: Some("registry.k8s.io/coredns/coredns:v1.11.3".into()),
                            ports: vec![
                                cport("dns", 53, "UDP"),
                                cport("dns-tcp", 53, "TCP"),
                                cport("metrics", 9153, "TCP"),
                            ],
                            readiness_probe: None,
                        }],
                        ..Default::default()
                    },
                },
                strategy: None,
                min_ready_seconds: None,
            },
        };
        let workload = WorkloadSpec {
            deployment: "coredns".into(),
            namespace: "kube-system".into(),
            service_time: SimDuration::from_micros(100),
            concurrency: 1000,
            queue_limit: 10_000,
            shutdown_delay: SimDuration::ZERO,
        };
        let d = self.create_deployment(coredns, workload, true);
        let rs = self.deployments[d.idx()].current;
        self.coredns = self.replica_sets[rs.idx()].pods.clone();
    }

    fn add_client(&mut self, i: usize, c: crate::scenario::ClientSpec) -> Result<(), BuildError> {
        let path = format!("spec.clients[{i}]");
        if c.target.is_empty() {
            return Err(err(
                format!("{path}.target"),
                "required: what the client calls",
            ));
        }
        if c.rate <= 0.0 && c.concurrency == 0 {
            return Err(err(
                format!("{path}.rate"),
                "must be > 0 (or set concurrency)",
            ));
        }
        if !c.rate.is_finite() || c.rate > 1_000_000.0 {
            return Err(err(
                format!("{path}.rate"),
                "must be a number up to 1000000 requests/s",
            ));
        }
        self.parse_target(&c)
            .map_err(|m| err(format!("{path}.target"), m))?;
        let id = ClientId(self.clients.len() as u32);
        let rng = Stream::derive(self.spec.seed, &format!("client/{}", c.name));
        let (pod, src_ip) = match c.kind {
            ClientKind::InCluster => {
                let node = match &c.node {
                    Some(n) => self.node_by_name(n).ok_or_else(|| {
                        err(format!("{path}.node"), format!("no node named {n:?}"))
                    })?,
                    None => NodeId((i % self.nodes.len()) as u32),
                };
                self.ensure_namespace(&c.namespace);
                let p = self.create_client_pod(&c, node);
                (
                    Some(p),
                    self.pods[p.idx()].ip.unwrap_or(Ipv4Addr::UNSPECIFIED),
                )
            }
            ClientKind::External => {
                let ip = match &c.source_ip {
                    Some(s) => s.parse().map_err(|_| {
                        err(format!("{path}.sourceIP"), format!("invalid IP {s:?}"))
                    })?,
                    None => Ipv4Addr::new(198, 51, 100, 10 + (i as u8 % 200)),
                };
                (None, ip)
            }
        };
        self.clients.push(ClientState {
            spec: c,
            pod,
            src_ip,
            rng,
            next_port: 40000 + (id.0 as u16 % 64) * 300,
            conns: Vec::new(),
            in_flight: 0,
            node_cursor: 0,
            forward_pod: None,
        });
        Ok(())
    }

    pub(crate) fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }
}

/// How often a cloud LB health-checks its nodes.
pub(crate) const LB_HEALTH_INTERVAL: SimDuration = SimDuration(5_000_000_000);
