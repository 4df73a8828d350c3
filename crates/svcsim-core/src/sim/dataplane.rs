//! The data path: clients, requests, and packets moving hop by hop.
//!
//! A request is a small state machine: DNS lookup (one UDP query per
//! search-path candidate, each a packet to the kube-dns Service), TCP connect
//! (SYN out, SYN-ACK back), then the HTTP request and response. The first
//! packet of every connection walks the node's kube-proxy rule program
//! (`kproxy.rs`); later packets follow the node's conntrack entry, as on a real
//! node. NetworkPolicy is enforced after DNAT, at the source pod (egress) and
//! the destination pod (ingress). Every request ends in exactly one
//! [`Outcome`].

use super::trace::{Decision, Hop, PacketKind, Place, RequestEnd};
use super::*;
use crate::net::{Endpoint4, Ipv4Addr, Protocol};
use crate::proxy::conntrack::Close;
use crate::scenario::ClientKind;

/// Where a packet is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    Client(ClientId),
    Lb(SvcId),
    Node(NodeId),
    Pod(PodId),
    /// A host outside the cluster (an ExternalName's target).
    Outside,
}

/// A packet in flight.
#[derive(Clone, Debug)]
pub(crate) struct Packet {
    pub req: u64,
    pub kind: PacketKind,
    pub proto: Protocol,
    pub src: Endpoint4,
    pub dst: Endpoint4,
    pub to: Loc,
}

/// What a client asked for, after parsing `spec.clients[].target`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Target {
    Name { host: String, port: u16 },
    Addr(Endpoint4),
    NodePort(String),
    Lb(String),
    PortForward(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Dns,
    Connect,
    Request,
}

/// An open request.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub client: ClientId,
    pub started: SimTime,
    pub phase: Phase,
    /// The resolver's candidate names, and which one is being asked.
    pub dns_names: Arc<[String]>,
    pub dns_next: usize,
    pub dns_src: Endpoint4,
    /// The address the client connects to (a VIP, a pod IP, NodeIP:NodePort).
    pub dst: Endpoint4,
    pub src: Endpoint4,
    pub proto: Protocol,
    /// Node whose conntrack holds the connection's NAT.
    pub nat_node: Option<NodeId>,
    /// The (src, dst) that node's conntrack entry is keyed by: the packet
    /// as it arrived there, e.g. NodeIP:NodePort behind a load balancer
    /// rather than the LB address the client called.
    pub ct_orig: Option<(Endpoint4, Endpoint4)>,
    /// The LB the connection came through.
    pub lb: Option<SvcId>,
    /// Addresses after NAT, as the server sees them.
    pub nat_src: Endpoint4,
    pub nat_dst: Endpoint4,
    pub pod: Option<PodId>,
    pub service: Option<String>,
    /// The keep-alive connection slot this request uses.
    pub conn: Option<usize>,
    /// A silent failure seen on the way (drop, blackhole): reported when
    /// the client gives up.
    pub lost: Option<(Outcome, String, Option<Loc>)>,
    /// The pod is serving it (for resets when the pod dies).
    pub at_pod: Option<PodId>,
    /// Talking to the outside world (ExternalName target).
    pub outside: bool,
    /// Carried by `kubectl port-forward`'s tunnel (API server → kubelet →
    /// the pod's own network namespace): no Service VIP, no kube-proxy
    /// rules, no NetworkPolicy (it arrives on the pod's loopback).
    pub tunnel: bool,
}

impl Sim {
    // ----- clients -----------------------------------------------------------

    pub(crate) fn parse_target(&self, c: &crate::scenario::ClientSpec) -> Result<Target, String> {
        let t = c.target.trim();
        if let Some(s) = t.strip_prefix("nodeport:") {
            if c.kind != ClientKind::External {
                return Err("nodeport: targets are for External clients".into());
            }
            return Ok(Target::NodePort(s.to_string()));
        }
        if let Some(s) = t.strip_prefix("lb:") {
            if c.kind != ClientKind::External {
                return Err("lb: targets are for External clients".into());
            }
            return Ok(Target::Lb(s.to_string()));
        }
        if let Some(s) = t.strip_prefix("port-forward:") {
            if c.kind != ClientKind::External {
                return Err("port-forward: targets are for External clients (a workstation running kubectl)".into());
            }
            return Ok(Target::PortForward(s.to_string()));
        }
        if let Some(ep) = Endpoint4::parse(t) {
            return Ok(Target::Addr(ep));
        }
        let (host, port) = t.rsplit_once(':').ok_or_else(|| {
            format!("{t:?}: expected NAME:PORT, IP:PORT, nodeport:SERVICE, lb:SERVICE or port-forward:SERVICE")
        })?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{t:?}: port must be 1-65535"))?;
        if host.is_empty() {
            return Err(format!("{t:?}: missing host name"));
        }
        if c.kind == ClientKind::External {
            return Err("External clients cannot use cluster DNS: use lb:SERVICE, nodeport:SERVICE or IP:PORT".into());
        }
        Ok(Target::Name {
            host: host.to_string(),
            port,
        })
    }

    pub(crate) fn start_client(&mut self, c: ClientId) {
        let spec = &self.clients[c.idx()].spec;
        let start = SimTime(spec.start.as_nanos());
        if spec.concurrency > 0 {
            for _ in 0..spec.concurrency {
                self.schedule(start, Ev::ClientArrival(c));
            }
        } else {
            self.schedule(start, Ev::ClientArrival(c));
        }
    }

    pub(crate) fn on_client_arrival(&mut self, c: ClientId) {
        let cl = &mut self.clients[c.idx()];
        if cl.spec.concurrency == 0 {
            let mean = (1e9 / cl.spec.rate) as u64;
            let gap = cl.rng.exp_nanos(mean.max(1));
            self.schedule_in(SimDuration(gap), Ev::ClientArrival(c));
        }
        self.start_request(c);
    }

    /// Where client `c` is: its pod, or itself when outside the cluster.
    fn client_loc(&self, c: ClientId) -> Loc {
        match self.clients[c.idx()].pod {
            Some(p) => Loc::Pod(p),
            None => Loc::Client(c),
        }
    }

    fn client_place(&self, c: ClientId) -> Place {
        let cl = &self.clients[c.idx()];
        match cl.pod {
            Some(p) => self.place(Loc::Pod(p)),
            None => Place::External {
                client: c.0,
                name: cl.spec.name.clone(),
            },
        }
    }

    pub(crate) fn place(&self, l: Loc) -> Place {
        match l {
            Loc::Client(c) => self.client_place(c),
            Loc::Lb(s) => Place::LoadBalancer {
                service: s.0,
                name: self.services[s.idx()].key(),
            },
            Loc::Node(n) => Place::Node {
                node: n.0,
                name: self.nodes[n.idx()].name.clone(),
            },
            Loc::Pod(p) => Place::Pod {
                pod: p.0,
                name: self.pods[p.idx()].key(),
            },
            Loc::Outside => Place::Nowhere {
                ip: "outside".into(),
            },
        }
    }

    fn start_request(&mut self, c: ClientId) {
        let id = self.next_request;
        self.next_request += 1;
        let timeout = self.clients[c.idx()].spec.timeout;
        let src_ip = self.clients[c.idx()].src_ip;
        let port = self.clients[c.idx()].ephemeral_port();
        self.clients[c.idx()].in_flight += 1;
        let unspecified = Endpoint4 {
            ip: Ipv4Addr::UNSPECIFIED,
            port: 0,
        };
        let mut req = Request {
            client: c,
            started: self.now,
            phase: Phase::Connect,
            dns_names: Arc::new([]),
            dns_next: 0,
            dns_src: unspecified,
            dst: unspecified,
            src: Endpoint4 { ip: src_ip, port },
            proto: Protocol::Tcp,
            nat_node: None,
            ct_orig: None,
            lb: None,
            nat_src: unspecified,
            nat_dst: unspecified,
            pod: None,
            service: None,
            conn: None,
            lost: None,
            at_pod: None,
            outside: false,
            tunnel: false,
        };
        self.schedule_lane(timeout, Ev::Deadline(id));
        // A spec that passed `parse_target` at build time parses again.
        let target = match self.parse_target(&self.clients[c.idx()].spec) {
            Ok(t) => t,
            Err(e) => {
                self.requests.insert(id, req);
                let at = self.client_loc(c);
                self.end_request(id, Outcome::Refused, e, at);
                return;
            }
        };
        // Keep-alive: reuse an idle open connection; no DNS, no rules.
        if self.clients[c.idx()].spec.keep_alive {
            if let Some(slot) = self.clients[c.idx()].conns.iter().position(|k| !k.busy) {
                let k = &mut self.clients[c.idx()].conns[slot];
                k.busy = true;
                req.conn = Some(slot);
                req.src = k.src;
                req.dst = k.dst;
                req.service = k.service.clone();
                req.nat_node = Some(k.nat_node);
                req.ct_orig = Some(k.ct_orig);
                req.nat_src = k.nat_src;
                req.nat_dst = k.nat_dst;
                req.pod = k.pod;
                req.phase = Phase::Request;
                self.requests.insert(id, req);
                self.send_from_client(id, PacketKind::Request);
                return;
            }
        }
        match target {
            Target::Addr(ep) => {
                req.dst = ep;
                req.service = self.service_for_vip(ep);
                self.requests.insert(id, req);
                self.send_from_client(id, PacketKind::Syn);
            }
            Target::Name { host, port } => {
                req.phase = Phase::Dns;
                req.dns_names = self.client_search_list(c, &host);
                req.dst = Endpoint4 {
                    ip: Ipv4Addr::UNSPECIFIED,
                    port,
                };
                let dport = self.clients[c.idx()].ephemeral_port();
                req.dns_src = Endpoint4 {
                    ip: src_ip,
                    port: dport,
                };
                self.requests.insert(id, req);
                self.send_dns_query(id);
            }
            Target::NodePort(svc) => {
                let Some(s) = self.target_service(id, &mut req, &svc) else {
                    return;
                };
                let np = self.services[s.idx()]
                    .obj
                    .spec
                    .ports
                    .first()
                    .and_then(|p| p.node_port);
                let Some(np) = np else {
                    self.requests.insert(id, req);
                    let at = self.client_loc(c);
                    self.end_request(
                        id,
                        Outcome::Refused,
                        format!("Service {svc} has no nodePort"),
                        at,
                    );
                    return;
                };
                let n = match &self.clients[c.idx()].spec.node {
                    Some(name) => self.node_by_name(name).unwrap_or(NodeId(0)),
                    None => {
                        let cl = &mut self.clients[c.idx()];
                        let n = cl.node_cursor as usize % self.nodes.len();
                        cl.node_cursor = cl.node_cursor.wrapping_add(1);
                        NodeId(n as u32)
                    }
                };
                req.dst = Endpoint4 {
                    ip: self.nodes[n.idx()].ip,
                    port: np as u16,
                };
                req.service = Some(self.services[s.idx()].key());
                self.requests.insert(id, req);
                self.send_from_client(id, PacketKind::Syn);
            }
            Target::PortForward(svc) => {
                let Some(s) = self.target_service(id, &mut req, &svc) else {
                    return;
                };
                req.service = Some(self.services[s.idx()].key());
                self.requests.insert(id, req);
                self.port_forward(id, c, s);
            }
            Target::Lb(svc) => {
                let Some(s) = self.target_service(id, &mut req, &svc) else {
                    return;
                };
                let ip = self.services[s.idx()]
                    .obj
                    .lb_ingress_ips()
                    .next()
                    .and_then(|i| i.parse().ok());
                let port = self.services[s.idx()]
                    .obj
                    .spec
                    .ports
                    .first()
                    .map(|p| p.port as u16)
                    .unwrap_or(80);
                req.service = Some(self.services[s.idx()].key());
                self.requests.insert(id, req);
                let Some(ip) = ip else {
                    let at = self.client_loc(c);
                    self.end_request(
                        id,
                        Outcome::Dropped,
                        "no EXTERNAL-IP: the LoadBalancer is <pending> (no cloud controller)"
                            .into(),
                        at,
                    );
                    return;
                };
                if let Some(r) = self.requests.get_mut(&id) {
                    r.dst = Endpoint4 { ip, port };
                    r.lb = Some(s);
                }
                self.send_from_client(id, PacketKind::Syn);
            }
        }
    }

    /// `kubectl port-forward svc/NAME`: kubectl resolves the Service to one
    /// pod when the forward starts (k8s.io/kubectl
    /// pkg/polymorphichelpers/attachablepodforobject.go,
    /// `attachablePodForObject`: the first pod of the selector, most active
    /// first), maps the Service's first port to that pod's targetPort
    /// (pkg/cmd/portforward, `translateServicePortToTargetPort`), and
    /// tunnels every connection through the API server and that pod's
    /// kubelet into the pod's own network namespace. No VIP, no kube-proxy
    /// rules, no load balancing, no failover: when the pod goes, the
    /// forward is gone ("lost connection to pod").
    fn port_forward(&mut self, id: u64, c: ClientId, s: SvcId) {
        let at = self.client_loc(c);
        let picked = match self.clients[c.idx()].forward_pod {
            Some(p) => p,
            None => {
                let svc = &self.services[s.idx()].obj;
                let ns = svc.metadata.namespace.as_deref().unwrap_or("default");
                let Some(sel) = svc.spec.selector.as_ref().filter(|l| !l.is_empty()) else {
                    let name = svc.metadata.name.clone();
                    self.end_request(
                        id,
                        Outcome::Refused,
                        format!("kubectl port-forward: service {name} has no selector, so there is no pod to forward to"),
                        at,
                    );
                    return;
                };
                // Most active first: Ready, then Running, then by name.
                let best = self
                    .pods
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| {
                        !p.is_client
                            && p.has_sandbox()
                            && p.deleting_since.is_none()
                            && p.namespace == ns
                            && sel.iter().all(|(k, v)| p.labels.get(k) == Some(v))
                    })
                    .min_by(|(_, a), (_, b)| {
                        (!a.ready, a.phase != PodPhase::Running, &a.name).cmp(&(
                            !b.ready,
                            b.phase != PodPhase::Running,
                            &b.name,
                        ))
                    })
                    .map(|(i, _)| PodId(i as u32));
                let Some(p) = best else {
                    let name = svc.metadata.name.clone();
                    self.end_request(
                        id,
                        Outcome::Refused,
                        format!("kubectl port-forward: no running pod selected by service {name}"),
                        at,
                    );
                    return;
                };
                self.clients[c.idx()].forward_pod = Some(p);
                p
            }
        };
        let pod = &self.pods[picked.idx()];
        if !pod.has_sandbox() || !self.nodes[pod.node.idx()].up {
            let name = pod.key();
            self.end_request(
                id,
                Outcome::Refused,
                format!("kubectl port-forward: lost connection to pod {name} (a port-forward does not fail over: start it again)"),
                at,
            );
            return;
        }
        let svc = &self.services[s.idx()].obj;
        let port = svc.spec.ports.first().map(|p| p.port as u16).unwrap_or(80);
        let target =
            crate::netpol::service_target_port(svc, port, Protocol::Tcp, &self.pod_object(picked))
                .unwrap_or(port);
        let Some(pod_ip) = pod.ip else {
            return;
        };
        let node_name = self.nodes[pod.node.idx()].name.clone();
        let name = pod.key();
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        r.tunnel = true;
        r.pod = Some(picked);
        // The connection is opened inside the pod's network namespace, on
        // its loopback: the app sees it come from 127.0.0.1.
        r.nat_src = Endpoint4 {
            ip: Ipv4Addr::LOCALHOST,
            port: r.src.port,
        };
        r.nat_dst = Endpoint4 {
            ip: pod_ip,
            port: target,
        };
        let pkt = Packet {
            req: id,
            kind: PacketKind::Syn,
            proto: Protocol::Tcp,
            src: r.nat_src,
            dst: r.nat_dst,
            to: Loc::Pod(picked),
        };
        let before_src = r.src;
        let before_dst = Endpoint4 {
            ip: Ipv4Addr::LOCALHOST,
            port,
        };
        let mut decision = Decision::default();
        if self.tracing {
            decision.note = format!(
                "kubectl port-forward: 127.0.0.1:{port} on the workstation, tunnelled through the API server and the kubelet on {node_name} into pod {name}'s network namespace (port {target}); no Service VIP, no kube-proxy rules"
            );
        }
        self.emit_hop(Loc::Client(c), &pkt, before_src, before_dst, decision);
    }

    /// The Service a `nodeport:` or `lb:` client targets; when it does not
    /// exist the request ends at once as refused (`req` is taken, and
    /// `None` returned).
    fn target_service(&mut self, id: u64, req: &mut Request, svc: &str) -> Option<SvcId> {
        if let Some(s) = self.find_service(svc) {
            return Some(s);
        }
        let c = req.client;
        self.requests.insert(id, req.clone());
        let at = self.client_loc(c);
        self.end_request(id, Outcome::Refused, format!("no Service {svc}"), at);
        None
    }

    /// The Service a VIP:port belongs to, for labelling.
    fn service_for_vip(&mut self, ep: Endpoint4) -> Option<String> {
        if self
            .vip_cache
            .as_ref()
            .is_none_or(|(v, _)| *v != self.api.version)
        {
            let map = crate::order::map_of(
                self.services
                    .iter()
                    .filter(|s| !s.deleted)
                    .filter_map(|s| Some((s.obj.cluster_ip()?.parse().ok()?, s.key()))),
            );
            self.vip_cache = Some((self.api.version, Arc::new(map)));
        }
        self.vip_cache
            .as_ref()
            .and_then(|(_, m)| m.get(&ep.ip).cloned())
    }

    pub(crate) fn kube_dns_vip(&self) -> Endpoint4 {
        let ip = self
            .find_service("kube-system/kube-dns")
            .and_then(|s| {
                self.services[s.idx()]
                    .obj
                    .cluster_ip()
                    .and_then(|i| i.parse().ok())
            })
            .unwrap_or(Ipv4Addr::new(10, 96, 0, 10));
        Endpoint4 { ip, port: 53 }
    }

    fn send_dns_query(&mut self, id: u64) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let c = r.client;
        let src = r.dns_src;
        let pkt = Packet {
            req: id,
            kind: PacketKind::DnsQuery,
            proto: Protocol::Udp,
            src,
            dst: self.kube_dns_vip(),
            to: Loc::Node(self.client_node(c)),
        };
        self.emit_hop(Loc::Client(c), &pkt, pkt.src, pkt.dst, Decision::default());
    }

    fn client_node(&self, c: ClientId) -> NodeId {
        match self.clients[c.idx()].pod {
            Some(p) => self.pods[p.idx()].node,
            None => NodeId(0),
        }
    }

    /// The first packet leaves the client: to its node (in-cluster), to
    /// the LB, or to the node it addressed (external NodePort).
    fn send_from_client(&mut self, id: u64, kind: PacketKind) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let c = r.client;
        if r.tunnel {
            // The rest of a port-forwarded connection takes the same tunnel.
            if let Some(p) = r.pod {
                let pkt = Packet {
                    req: id,
                    kind,
                    proto: Protocol::Tcp,
                    src: r.nat_src,
                    dst: r.nat_dst,
                    to: Loc::Pod(p),
                };
                self.emit_hop(Loc::Client(c), &pkt, pkt.src, pkt.dst, Decision::default());
            }
            return;
        }
        let to = if let Some(lb) = r.lb {
            Loc::Lb(lb)
        } else if self.clients[c.idx()].pod.is_some() {
            Loc::Node(self.client_node(c))
        } else if let Some(n) = self.nodes.iter().position(|n| n.ip == r.dst.ip) {
            if !self.spec.cluster.node_network_routable {
                let at = self.client_loc(c);
                let ip = r.dst.ip;
                self.lose(
                    id,
                    Outcome::Timeout,
                    format!("node IP {ip} is not reachable from this host: the nodes sit on a private VM or container network (use kubectl port-forward)"),
                    at,
                );
                return;
            }
            Loc::Node(NodeId(n as u32))
        } else {
            match self.pod_by_ip(r.dst.ip) {
                // An external client reaching a pod IP directly cannot: pod
                // IPs are not routable from the Internet.
                Some(_) | None => {
                    let at = self.client_loc(c);
                    self.lose(
                        id,
                        Outcome::Timeout,
                        "pod IPs are not routable from outside the cluster".to_string(),
                        at,
                    );
                    return;
                }
            }
        };
        let pkt = Packet {
            req: id,
            kind,
            proto: Protocol::Tcp,
            src: r.src,
            dst: r.dst,
            to,
        };
        self.emit_hop(Loc::Client(c), &pkt, pkt.src, pkt.dst, Decision::default());
    }

    /// Record a hop from `from` to `pkt.to` and schedule its arrival.
    fn emit_hop(
        &mut self,
        from: Loc,
        pkt: &Packet,
        src_before: Endpoint4,
        dst_before: Endpoint4,
        decision: Decision,
    ) {
        let t = &self.spec.timing;
        let lat = match (from, pkt.to) {
            (Loc::Client(c), _) | (_, Loc::Client(c)) if self.clients[c.idx()].pod.is_none() => {
                SimDuration(t.external_latency.as_nanos() / 2)
            }
            (Loc::Lb(_), _) | (_, Loc::Lb(_)) | (Loc::Outside, _) | (_, Loc::Outside) => {
                SimDuration(t.external_latency.as_nanos() / 2)
            }
            (Loc::Node(a), Loc::Node(b)) if a != b => t.node_to_node_latency,
            _ => t.hop_latency,
        };
        let arrive = self.now + lat;
        if self.tracing {
            let hop = Hop {
                request: pkt.req,
                packet: pkt.kind,
                proto: pkt.proto,
                from: self.place(from),
                to: self.place(pkt.to),
                src: src_before,
                dst: dst_before,
                src_after: pkt.src,
                dst_after: pkt.dst,
                arrive,
                decision,
            };
            self.record(TraceKind::Hop(hop));
        }
        // A fixed latency per kind of hop: its lane keeps them in order.
        self.schedule_lane(lat, Ev::Packet(Box::new(pkt.clone())));
    }

    pub(crate) fn pod_by_ip(&self, ip: Ipv4Addr) -> Option<PodId> {
        // Pod CIDRs are per node: find the node, then its pod.
        let n = self.nodes.iter().position(|n| n.pod_cidr.contains(ip))?;
        self.pods
            .iter()
            .position(|p| p.node.idx() == n && p.ip == Some(ip) && p.phase != PodPhase::Gone)
            .map(|i| PodId(i as u32))
    }

    fn node_for_pod_ip(&self, ip: Ipv4Addr) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.pod_cidr.contains(ip))
            .map(|i| NodeId(i as u32))
    }

    // ----- packets ------------------------------------------------------------

    pub(crate) fn on_packet(&mut self, pkt: Packet) {
        if !self.requests.contains_key(&pkt.req) {
            return; // The request already ended (timed out, reset).
        }
        match pkt.to {
            Loc::Node(n) => self.at_node(n, pkt),
            Loc::Pod(p) => self.at_pod(p, pkt),
            Loc::Lb(s) => self.at_lb(s, pkt),
            Loc::Client(_) => self.at_client(pkt),
            Loc::Outside => self.at_outside(pkt),
        }
    }

    fn is_reply(kind: PacketKind) -> bool {
        matches!(
            kind,
            PacketKind::DnsReply | PacketKind::SynAck | PacketKind::Response | PacketKind::Reset
        )
    }

    fn at_lb(&mut self, s: SvcId, mut pkt: Packet) {
        let id = pkt.req;
        if Self::is_reply(pkt.kind) {
            let Some(r) = self.requests.get(&id) else {
                return;
            };
            let c = r.client;
            let src_before = pkt.src;
            pkt.src = r.dst; // the LB's own address again
            pkt.to = Loc::Client(c);
            let d = Decision {
                note: "LB reverse NAT".into(),
                ..Default::default()
            };
            self.emit_hop(Loc::Lb(s), &pkt, src_before, pkt.dst, d);
            return;
        }
        let svc = &self.services[s.idx()];
        // loadBalancerSourceRanges are enforced by the cloud LB (and by
        // kube-proxy's KUBE-FW chain for traffic that keeps the LB IP).
        let ranges: Vec<crate::net::Cidr> = svc
            .obj
            .spec
            .load_balancer_source_ranges
            .iter()
            .filter_map(|r| crate::net::Cidr::parse(r))
            .collect();
        if !ranges.is_empty() && !ranges.iter().any(|c| c.contains(pkt.src.ip)) {
            let at = Loc::Lb(s);
            self.lose(
                id,
                Outcome::Dropped,
                "DROP: source not in loadBalancerSourceRanges".to_string(),
                at,
            );
            return;
        }
        if svc.lb_healthy.is_empty() {
            let at = Loc::Lb(s);
            self.lose(
                id,
                Outcome::Dropped,
                "LB: no healthy nodes (health check)".into(),
                at,
            );
            return;
        }
        let healthy = svc.lb_healthy.clone();
        let n = healthy[self.rng_lb.below(healthy.len() as u64) as usize];
        let port = self.requests[&id].service.as_ref().and_then(|_| {
            self.services[s.idx()]
                .obj
                .spec
                .ports
                .first()
                .and_then(|p| p.node_port)
        });
        let Some(np) = port else {
            let at = Loc::Lb(s);
            self.lose(
                id,
                Outcome::Dropped,
                "LB: Service has no nodePort".into(),
                at,
            );
            return;
        };
        let (src_before, dst_before) = (pkt.src, pkt.dst);
        pkt.dst = Endpoint4 {
            ip: self.nodes[n.idx()].ip,
            port: np as u16,
        };
        pkt.to = Loc::Node(n);
        let note = if !self.tracing {
            String::new()
        } else {
            format!(
                "LB picked {} ({} healthy)",
                self.nodes[n.idx()].name,
                healthy.len()
            )
        };
        self.emit_hop(
            Loc::Lb(s),
            &pkt,
            src_before,
            dst_before,
            Decision {
                note,
                ..Default::default()
            },
        );
    }

    fn at_node(&mut self, n: NodeId, mut pkt: Packet) {
        let id = pkt.req;
        if !self.nodes[n.idx()].up {
            let at = Loc::Node(n);
            self.lose(
                id,
                Outcome::Timeout,
                "node is down: packet blackholed".into(),
                at,
            );
            return;
        }
        if Self::is_reply(pkt.kind) {
            self.reply_at_node(n, pkt);
            return;
        }
        let (src_before, dst_before) = (pkt.src, pkt.dst);
        let mut decision = Decision::default();
        // Traffic already NATed upstream (forwarded from another node) is
        // just routed; the first node it entered did the NAT.
        let forwarded =
            self.requests[&id].nat_node.is_some_and(|m| m != n) && pkt.kind != PacketKind::DnsQuery;
        if !forwarded {
            match self.kube_proxy_nat(n, &pkt) {
                kproxy::NatResult::NotHandled => {}
                kproxy::NatResult::Nat {
                    dst,
                    masquerade,
                    decision: d,
                } => {
                    decision = d;
                    pkt.dst = dst;
                    if masquerade {
                        pkt.src = Endpoint4 {
                            ip: self.nodes[n.idx()].ip,
                            port: pkt.src.port,
                        };
                    }
                    if pkt.kind != PacketKind::DnsQuery {
                        if let Some(r) = self.requests.get_mut(&id) {
                            r.nat_node = Some(n);
                            r.ct_orig = Some((src_before, dst_before));
                        }
                    }
                }
                kproxy::NatResult::Reject {
                    reason,
                    decision: d,
                } => {
                    let at = Loc::Node(n);
                    let _ = d;
                    self.end_request(id, Outcome::Refused, reason, at);
                    return;
                }
                kproxy::NatResult::Drop {
                    reason,
                    decision: d,
                } => {
                    let _ = d;
                    let at = Loc::Node(n);
                    self.lose(id, Outcome::Dropped, reason, at);
                    return;
                }
            }
        }
        if pkt.kind != PacketKind::DnsQuery {
            if let Some(r) = self.requests.get_mut(&id) {
                r.nat_src = pkt.src;
                r.nat_dst = pkt.dst;
                if r.nat_node.is_none() {
                    r.nat_node = Some(n);
                }
            }
        }
        // Route the (possibly rewritten) destination.
        if self.nodes[n.idx()].ip == pkt.dst.ip {
            // A host-network endpoint on this node (the API server).
            self.host_answer(n, pkt, src_before, dst_before, decision);
            return;
        }
        match self.node_for_pod_ip(pkt.dst.ip) {
            Some(m) if m == n => match self.pod_by_ip(pkt.dst.ip) {
                Some(p) => {
                    // Egress policy of a local source pod is checked here too.
                    if !self.policy_allows(id, &pkt, Some(p), n) {
                        return;
                    }
                    pkt.to = Loc::Pod(p);
                    self.emit_hop(Loc::Node(n), &pkt, src_before, dst_before, decision);
                }
                None => {
                    let at = Loc::Node(n);
                    self.lose(
                        id,
                        Outcome::Timeout,
                        "no pod at that IP (stale rule?)".into(),
                        at,
                    );
                }
            },
            Some(m) => {
                pkt.to = Loc::Node(m);
                self.emit_hop(Loc::Node(n), &pkt, src_before, dst_before, decision);
            }
            None => {
                if let Some(m) = self.nodes.iter().position(|x| x.ip == pkt.dst.ip) {
                    pkt.to = Loc::Node(NodeId(m as u32));
                    self.emit_hop(Loc::Node(n), &pkt, src_before, dst_before, decision);
                } else if self.requests[&id].outside {
                    pkt.to = Loc::Outside;
                    self.emit_hop(Loc::Node(n), &pkt, src_before, dst_before, decision);
                } else {
                    let at = Loc::Node(n);
                    self.lose(
                        id,
                        Outcome::Timeout,
                        format!("no route to {}", pkt.dst.ip),
                        at,
                    );
                }
            }
        }
    }

    /// An endpoint that is the node itself (host network): it answers.
    fn host_answer(
        &mut self,
        n: NodeId,
        pkt: Packet,
        _src_before: Endpoint4,
        _dst_before: Endpoint4,
        _d: Decision,
    ) {
        let reply = match pkt.kind {
            PacketKind::Syn => PacketKind::SynAck,
            _ => PacketKind::Response,
        };
        self.send_reply(Loc::Node(n), n, &pkt, reply);
    }

    /// NetworkPolicy, judged after DNAT on the pod IP and target port.
    /// Returns false (and records the drop) when denied.
    fn policy_allows(&mut self, id: u64, pkt: &Packet, dst_pod: Option<PodId>, n: NodeId) -> bool {
        if self.policies.is_empty() {
            return true;
        }
        match self.netpol_verdict(id, pkt, dst_pod) {
            None => true,
            Some(reason) => {
                let at = match dst_pod {
                    Some(p) => Loc::Pod(p),
                    None => Loc::Node(n),
                };
                self.lose(id, Outcome::Dropped, reason, at);
                false
            }
        }
    }

    fn at_pod(&mut self, p: PodId, pkt: Packet) {
        let id = pkt.req;
        let node = self.pods[p.idx()].node;
        if Self::is_reply(pkt.kind) {
            // A reply reaching a client pod.
            self.at_client(pkt);
            return;
        }
        let pod = &self.pods[p.idx()];
        if !pod.has_sandbox() || !self.nodes[node.idx()].up {
            let at = Loc::Pod(p);
            self.lose(id, Outcome::Timeout, "pod is gone (stale rule)".into(), at);
            return;
        }
        if let Some(r) = self.requests.get_mut(&id) {
            if pkt.kind != PacketKind::DnsQuery {
                r.pod = Some(p);
            }
        }
        match pkt.kind {
            PacketKind::DnsQuery => {
                if !self.pods[p.idx()].accepting() {
                    let at = Loc::Pod(p);
                    self.lose(id, Outcome::Timeout, "CoreDNS pod not running".into(), at);
                    return;
                }
                self.send_reply(Loc::Pod(p), node, &pkt, PacketKind::DnsReply);
            }
            PacketKind::Syn => {
                // A port-forward arrives on the pod's loopback, where no
                // NetworkPolicy applies.
                let tunnel = self.requests.get(&id).is_some_and(|r| r.tunnel);
                if !tunnel && !self.policy_allows(id, &pkt, Some(p), node) {
                    return;
                }
                let pod = &self.pods[p.idx()];
                let listening = pod
                    .spec
                    .containers
                    .iter()
                    .flat_map(|c| c.ports.iter())
                    .any(|cp| cp.container_port == pkt.dst.port as i32 && cp.protocol() == "TCP");
                if !pod.accepting() {
                    let reason = if pod.app_exited && tunnel {
                        "connection refused: pod has exited".to_string()
                    } else if pod.app_exited {
                        "connection refused: pod has exited (stale rule)".to_string()
                    } else {
                        "connection refused: container not running".to_string()
                    };
                    self.send_reset(p, &pkt, reason);
                    return;
                }
                if !listening {
                    let reason = format!(
                        "connection refused: nothing listens on port {}",
                        pkt.dst.port
                    );
                    self.send_reset(p, &pkt, reason);
                    return;
                }
                if let Some(r) = self.requests.get_mut(&id) {
                    r.nat_src = pkt.src;
                }
                self.send_reply(Loc::Pod(p), node, &pkt, PacketKind::SynAck);
            }
            PacketKind::Request => {
                if !self.pods[p.idx()].accepting() {
                    let at = Loc::Pod(p);
                    self.end_request(
                        id,
                        Outcome::Reset,
                        "connection reset: pod not running".into(),
                        at,
                    );
                    return;
                }
                self.serve(p, id);
            }
            _ => {}
        }
    }

    fn send_reset(&mut self, p: PodId, pkt: &Packet, reason: String) {
        if let Some(r) = self.requests.get_mut(&pkt.req) {
            r.lost = Some((Outcome::Refused, reason, None));
        }
        let node = self.pods[p.idx()].node;
        self.send_reply(Loc::Pod(p), node, pkt, PacketKind::Reset);
    }

    /// Start a reply back toward the client: pod → its node → (NAT node) →
    /// (client's node / LB) → client.
    fn send_reply(&mut self, from: Loc, node: NodeId, pkt: &Packet, kind: PacketKind) {
        let reply = Packet {
            req: pkt.req,
            kind,
            proto: pkt.proto,
            src: pkt.dst,
            dst: pkt.src,
            to: Loc::Node(node),
        };
        if from == Loc::Node(node) {
            self.reply_at_node(node, reply);
        } else {
            self.emit_hop(from, &reply, reply.src, reply.dst, Decision::default());
        }
    }

    /// A reply at a node: reverse NAT from conntrack if this node did the
    /// NAT, then onward.
    fn reply_at_node(&mut self, n: NodeId, mut pkt: Packet) {
        let id = pkt.req;
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let (src_before, dst_before) = (pkt.src, pkt.dst);
        let mut decision = Decision::default();
        let dns = pkt.kind == PacketKind::DnsReply;
        let orig_src = if dns { r.dns_src } else { r.src };
        // Which node holds the NAT: for DNS the client's node (pod traffic
        // is NATed where it enters), else the recorded one.
        let nat_node = if dns {
            Some(self.client_node(r.client))
        } else {
            r.nat_node
        };
        let client = r.client;
        let lb = r.lb;
        if nat_node != Some(n) {
            // A node the flow only passed through (a DNS query DNATed on
            // the client's node, arriving at CoreDNS's) tracked it without
            // NAT; the reply passing back marks that entry replied.
            self.conntrack_reply(n, &pkt);
        } else if let Some((src, dst)) = self.conntrack_reverse(n, &pkt) {
            decision.conntrack = true;
            if self.tracing {
                decision.note = format!(
                    "conntrack: reply {} -> {} becomes {src} -> {dst}",
                    pkt.src, pkt.dst
                );
            }
            pkt.src = src;
            pkt.dst = dst;
        }
        // Next place: toward the NAT node if it is elsewhere and the reply
        // still carries NATed addresses; else toward the client.
        if let Some(m) = nat_node.filter(|m| *m != n && pkt.dst != orig_src) {
            pkt.to = Loc::Node(m);
        } else if let Some(cp) = self.clients[client.idx()].pod {
            let cn = self.pods[cp.idx()].node;
            pkt.to = if cn == n {
                Loc::Client(client)
            } else {
                Loc::Node(cn)
            };
        } else if let Some(s) = lb {
            pkt.to = Loc::Lb(s);
        } else {
            pkt.to = Loc::Client(client);
        }
        self.emit_hop(Loc::Node(n), &pkt, src_before, dst_before, decision);
    }

    fn at_outside(&mut self, pkt: Packet) {
        let id = pkt.req;
        // The world outside answers whatever it is asked.
        let reply = Packet {
            req: id,
            kind: match pkt.kind {
                PacketKind::Syn => PacketKind::SynAck,
                _ => PacketKind::Response,
            },
            proto: pkt.proto,
            src: pkt.dst,
            dst: pkt.src,
            to: Loc::Client(self.requests[&id].client),
        };
        self.emit_hop(
            Loc::Outside,
            &reply,
            reply.src,
            reply.dst,
            Decision::default(),
        );
    }

    fn at_client(&mut self, pkt: Packet) {
        let id = pkt.req;
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let c = r.client;
        match pkt.kind {
            PacketKind::DnsReply => self.on_dns_reply(id),
            PacketKind::Reset => {
                let reason = r
                    .lost
                    .as_ref()
                    .map(|l| l.1.clone())
                    .unwrap_or_else(|| "connection refused".into());
                let at = self.client_loc(c);
                self.end_request(id, Outcome::Refused, reason, at);
            }
            PacketKind::SynAck => {
                if let Some(r) = self.requests.get_mut(&id) {
                    r.phase = Phase::Request;
                }
                self.send_request_packet(id);
            }
            PacketKind::Response => {
                let reason = if self.requests[&id].outside {
                    "served by the external host".to_string()
                } else {
                    "served".to_string()
                };
                let at = self.client_loc(c);
                self.end_request(id, Outcome::Ok, reason, at);
            }
            _ => {}
        }
    }

    /// After the handshake (or on a kept-alive connection): the request.
    fn send_request_packet(&mut self, id: u64) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let c = r.client;
        // Register a new keep-alive connection after its handshake.
        if self.clients[c.idx()].spec.keep_alive && r.conn.is_none() {
            if let Some(nat) = r.nat_node {
                let conn = Conn {
                    src: r.src,
                    dst: r.dst,
                    proto: r.proto,
                    nat_node: nat,
                    ct_orig: r.ct_orig.unwrap_or((r.src, r.dst)),
                    nat_src: r.nat_src,
                    nat_dst: r.nat_dst,
                    pod: r.pod,
                    service: r.service.clone(),
                    busy: true,
                };
                let cl = &mut self.clients[c.idx()];
                cl.conns.push(conn);
                let slot = cl.conns.len() - 1;
                if let Some(r) = self.requests.get_mut(&id) {
                    r.conn = Some(slot);
                }
            }
        }
        self.send_from_client(id, PacketKind::Request);
    }

    // ----- DNS -------------------------------------------------------------------

    fn on_dns_reply(&mut self, id: u64) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        // The query's exchange is over: its UDP conntrack entry runs out its
        // 30 s, and IPVS counts the flow inactive.
        let (node, src, vip) = (self.client_node(r.client), r.dns_src, self.kube_dns_vip());
        self.conntrack_close(node, src, vip, Protocol::Udp, Close::Fin);
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let qname = r.dns_names.get(r.dns_next).cloned().unwrap_or_default();
        let c = r.client;
        match self.dns_answer(&qname) {
            kproxy::DnsAnswer::Ip(ip) => {
                let port = self.requests[&id].dst.port;
                let service = self.service_for_vip(Endpoint4 { ip, port });
                let r = self
                    .requests
                    .get_mut(&id)
                    .expect("request exists: checked above");
                r.dst.ip = ip;
                r.phase = Phase::Connect;
                r.service = service;
                self.send_from_client(id, PacketKind::Syn);
            }
            kproxy::DnsAnswer::Outside(host, ip) => {
                // An ExternalName's CNAME: the client connects out of the
                // cluster; the node only routes it (no kube-proxy rules).
                let r = self
                    .requests
                    .get_mut(&id)
                    .expect("request exists: checked above");
                r.outside = true;
                r.dst.ip = ip;
                r.phase = Phase::Connect;
                r.service = Some(format!("{qname} -> {host}"));
                self.send_from_client(id, PacketKind::Syn);
            }
            kproxy::DnsAnswer::NxDomain => {
                let r = self
                    .requests
                    .get_mut(&id)
                    .expect("request exists: checked above");
                r.dns_next += 1;
                if r.dns_next >= r.dns_names.len() {
                    let at = self.client_loc(c);
                    self.end_request(id, Outcome::Nxdomain, "NXDOMAIN".into(), at);
                } else {
                    let port = self.clients[c.idx()].ephemeral_port();
                    if let Some(r) = self.requests.get_mut(&id) {
                        r.dns_src.port = port;
                    }
                    self.send_dns_query(id);
                }
            }
        }
    }

    // ----- serving ---------------------------------------------------------------

    fn serve(&mut self, p: PodId, id: u64) {
        let pod = &mut self.pods[p.idx()];
        if let Some(r) = self.requests.get_mut(&id) {
            r.at_pod = Some(p);
        }
        if pod.busy < pod.workload.concurrency.max(1) {
            pod.busy += 1;
            let mean = pod.workload.service_time.as_nanos().max(1);
            let epoch = pod.serve_epoch;
            let d = self.rng_serve.exp_nanos(mean);
            self.schedule_in(SimDuration(d), Ev::ServeDone(p, id, epoch));
        } else if (pod.queue.len() as u32) < pod.workload.queue_limit {
            pod.queue.push_back(id);
        } else {
            let at = Loc::Pod(p);
            self.end_request(
                id,
                Outcome::Reset,
                "503: pod overloaded (queue full)".into(),
                at,
            );
        }
    }

    pub(crate) fn on_serve_done(&mut self, p: PodId, id: u64, epoch: u32) {
        if self.pods[p.idx()].serve_epoch != epoch {
            return;
        }
        let pod = &mut self.pods[p.idx()];
        pod.busy = pod.busy.saturating_sub(1);
        // Start the next queued request.
        while let Some(next) = pod.queue.pop_front() {
            if self.requests.contains_key(&next) {
                pod.busy += 1;
                let mean = pod.workload.service_time.as_nanos().max(1);
                let d = self.rng_serve.exp_nanos(mean);
                self.schedule_in(SimDuration(d), Ev::ServeDone(p, next, epoch));
                break;
            }
        }
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        if !self.pods[p.idx()].accepting() {
            self.served_by_dead += 1;
        }
        let pkt = Packet {
            req: id,
            kind: PacketKind::Request,
            proto: Protocol::Tcp,
            src: r.nat_src,
            dst: r.nat_dst,
            to: Loc::Pod(p),
        };
        let node = self.pods[p.idx()].node;
        if !self.nodes[node.idx()].up {
            return;
        }
        self.send_reply(Loc::Pod(p), node, &pkt, PacketKind::Response);
    }

    /// A pod stopped serving abruptly: every request it holds is reset.
    pub(crate) fn fail_in_flight(&mut self, p: PodId, reason: &str) {
        let held: Vec<u64> = self
            .requests
            .iter()
            .filter(|(_, r)| r.at_pod == Some(p))
            .map(|(id, _)| *id)
            .collect();
        let pod = &mut self.pods[p.idx()];
        pod.busy = 0;
        pod.queue.clear();
        pod.serve_epoch += 1;
        let at = Loc::Pod(p);
        for id in held {
            self.end_request(id, Outcome::Reset, reason.to_string(), at);
        }
    }

    /// Close every keep-alive connection to a pod (it went away). Idle
    /// ones close now, with their conntrack entries; busy ones when their
    /// request ends.
    pub(crate) fn close_conns_to(&mut self, p: PodId) {
        let mut closed = Vec::new();
        for (ci, c) in self.clients.iter_mut().enumerate() {
            // Slot numbers of the connections kept, for the requests that
            // hold one (always a busy, so kept, connection).
            let mut slot = Vec::with_capacity(c.conns.len());
            let mut kept = 0;
            c.conns.retain(|k| {
                let idle = k.pod == Some(p) && !k.busy;
                slot.push(kept);
                if idle {
                    closed.push((k.nat_node, k.ct_orig, k.proto));
                } else {
                    kept += 1;
                }
                !idle
            });
            if kept < slot.len() {
                for r in self.requests.values_mut() {
                    if r.client.idx() == ci {
                        r.conn = r.conn.map(|s| slot[s]);
                    }
                }
            }
            for k in &mut c.conns {
                if k.pod == Some(p) {
                    k.pod = None;
                }
            }
        }
        for (n, (src, dst), proto) in closed {
            self.conntrack_close(n, src, dst, proto, Close::Fin);
        }
    }

    // ----- endings ----------------------------------------------------------------

    /// A packet vanished (dropped, blackholed). The client only notices at
    /// its deadline; remember why.
    fn lose(&mut self, id: u64, outcome: Outcome, reason: String, at: Loc) {
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        if r.lost.is_some() && outcome != Outcome::Dropped {
            return;
        }
        // The copies for the trace line only when a trace is recorded.
        let traced = self.tracing.then(|| reason.clone());
        r.lost = Some((outcome, reason, Some(at)));
        if let Some(reason) = traced {
            let at = self.place(at);
            self.record(TraceKind::Lost {
                request: id,
                outcome,
                reason,
                at,
            });
        }
    }

    pub(crate) fn on_deadline(&mut self, id: u64) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        let c = r.client;
        let (outcome, reason, at) = match r.lost.clone() {
            Some((o @ Outcome::Dropped, reason, at)) => (o, reason, at),
            Some((_, reason, at)) => (Outcome::Timeout, reason, at),
            None => (
                Outcome::Timeout,
                format!(
                    "no response within {}s",
                    self.clients[c.idx()].spec.timeout.as_secs()
                ),
                Some(self.client_loc(c)),
            ),
        };
        // A kept-alive connection that timed out is abandoned.
        if let Some(slot) = r.conn {
            let cl = &mut self.clients[c.idx()];
            if slot < cl.conns.len() {
                cl.conns.remove(slot);
                for req in self.requests.values_mut() {
                    if req.client == c {
                        if let Some(s) = req.conn {
                            if s > slot {
                                req.conn = Some(s - 1);
                            } else if s == slot && req.phase != Phase::Dns {
                                req.conn = None;
                            }
                        }
                    }
                }
            }
        }
        self.end_request_at(id, outcome, reason, at);
    }

    /// End a request where it failed or finished. The place is named only
    /// for the trace.
    pub(crate) fn end_request(&mut self, id: u64, outcome: Outcome, reason: String, at: Loc) {
        self.end_request_at(id, outcome, reason, Some(at));
    }

    /// `end_request` with `None` for the nowhere of a reset whose place
    /// was not known.
    fn end_request_at(&mut self, id: u64, outcome: Outcome, reason: String, at: Option<Loc>) {
        let Some(r) = self.requests.remove(&id) else {
            return;
        };
        let c = r.client;
        let latency_us = self.now.since(r.started).as_micros();
        let pod_name = r.pod.map(|p| self.pods[p.idx()].key());
        self.metrics.record(
            outcome,
            &reason,
            r.service.as_deref(),
            pod_name.as_deref(),
            latency_us,
        );
        if self.tracing {
            let seen_src =
                (r.nat_src.ip != Ipv4Addr::UNSPECIFIED).then(|| r.nat_src.ip.to_string());
            let at = match at {
                Some(l) => self.place(l),
                None => Place::Nowhere { ip: String::new() },
            };
            self.record(TraceKind::End(RequestEnd {
                request: id,
                client: c.0,
                outcome,
                reason,
                at,
                service: r.service.clone(),
                pod: pod_name,
                latency_us,
                seen_src,
            }));
        }
        let cl = &mut self.clients[c.idx()];
        cl.in_flight = cl.in_flight.saturating_sub(1);
        // A connection of its own closes with the request; a kept-alive one
        // when it failed or its pod went away.
        let mut closed = r.conn.is_none() || outcome != Outcome::Ok;
        if let Some(slot) = r.conn {
            if let Some(k) = cl.conns.get_mut(slot) {
                k.busy = false;
                if outcome != Outcome::Ok || k.pod.is_none() {
                    // A failed or orphaned connection is closed.
                    closed = true;
                    cl.conns.remove(slot);
                    for req in self.requests.values_mut() {
                        if req.client == c {
                            if let Some(s) = req.conn {
                                if s > slot {
                                    req.conn = Some(s - 1);
                                }
                            }
                        }
                    }
                }
            }
        }
        if let (Some(n), true) = (r.nat_node, closed) {
            // The connection closed: with FINs, or with the RST that
            // refused or broke it.
            let how = match outcome {
                Outcome::Refused | Outcome::Reset => Close::Reset,
                _ => Close::Fin,
            };
            let (src, dst) = r.ct_orig.unwrap_or((r.src, r.dst));
            self.conntrack_close(n, src, dst, r.proto, how);
        }
        let cl = &self.clients[c.idx()];
        if cl.spec.concurrency > 0 {
            let think = cl.spec.think_time;
            self.schedule_in(think, Ev::ClientArrival(c));
        }
    }
}
