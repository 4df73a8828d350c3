//! The sim's bridge to the routing program and the cluster services it
//! consults on the data path: kube-proxy's rules (`crate::proxy`), cluster
//! DNS and NetworkPolicy (`crate::netpol`). Everything that decides where a
//! packet goes is delegated; this file only adapts the sim's state to those
//! modules' inputs and their answers to trace decisions.

use super::dataplane::Packet;
use super::trace::{Decision, PacketKind, RuleHit};
use super::*;
use crate::dns::{QType, RData, Rcode, ResolvConf, Zone, ZoneOptions};
use crate::model;
use crate::net::{Endpoint4, Ipv4Addr};
use crate::netpol::{Peer, PolicyIndex};
use crate::proxy::conntrack::{Close, Tuple};
use crate::proxy::netfilter::{self, EvalCtx, Hook, Verdict};

/// What kube-proxy's program did to a connection's first packet.
pub(crate) enum NatResult {
    /// No rule touched it (e.g. a pod IP): route as addressed.
    NotHandled,
    Nat {
        dst: Endpoint4,
        masquerade: bool,
        decision: Decision,
    },
    Reject {
        reason: String,
        decision: Decision,
    },
    Drop {
        reason: String,
        decision: Decision,
    },
}

impl NatResult {
    fn decision_mut(&mut self) -> Option<&mut Decision> {
        match self {
            NatResult::NotHandled => None,
            NatResult::Nat { decision, .. }
            | NatResult::Reject { decision, .. }
            | NatResult::Drop { decision, .. } => Some(decision),
        }
    }
}

/// A zone's A answer for one name, kept per API version: the addresses,
/// and the outside host when it came through an ExternalName CNAME.
#[derive(Clone, Debug)]
pub(crate) enum CachedAnswer {
    NxDomain,
    Ips(Arc<[Ipv4Addr]>, Option<Arc<str>>),
}

/// A DNS answer as the client uses it.
pub(crate) enum DnsAnswer {
    Ip(Ipv4Addr),
    /// A CNAME out of the cluster (ExternalName) and the upstream address.
    Outside(String, Ipv4Addr),
    NxDomain,
}

/// The trace's form of the matched rules (named; only built when tracing).
fn hits_to_trace(rules: &crate::proxy::rules::Ruleset, hits: &[netfilter::HitAt]) -> Vec<RuleHit> {
    hits.iter()
        .map(|h| {
            let h = h.rule_hit(rules);
            RuleHit {
                table: h.table.as_str().to_string(),
                chain: h.chain,
                index: h.index as u32,
            }
        })
        .collect()
}

impl Sim {
    /// Run a connection's first packet through node `n`'s kube-proxy
    /// program, or follow the connection's conntrack entry for later packets.
    pub(crate) fn kube_proxy_nat(&mut self, n: NodeId, pkt: &Packet) -> NatResult {
        let tuple = Tuple {
            proto: pkt.proto,
            src: pkt.src,
            dst: pkt.dst,
        };
        // Packets of a tracked connection follow conntrack, not the rules:
        // this is why a kept-alive connection stays on its pod after the
        // rules change.
        let now = self.now;
        // (A SYN whose tuple waits in TIME_WAIT is not found: the kernel
        // would kill that entry and track the SYN afresh, so it walks the
        // rules again; nf_conntrack_proto_tcp.c, `nf_conntrack_tcp_packet`.)
        let tracked = self.proxies[n.idx()]
            .conntrack
            .lookup_original(&tuple, now)
            .map(|e| (e.id, e.reply));
        if let Some((cid, reply)) = tracked {
            self.proxies[n.idx()]
                .conntrack
                .touch(cid, false, false, now);
            let dst = reply.src;
            let masquerade = reply.dst != pkt.src;
            let note = if self.tracing {
                format!("conntrack: established, DNAT {} -> {dst}", pkt.dst)
            } else {
                String::new()
            };
            return NatResult::Nat {
                dst,
                masquerade,
                decision: Decision {
                    conntrack: true,
                    note,
                    ..Default::default()
                },
            };
        }
        let result = self.first_packet(n, pkt);
        // A new connection is tracked with the NAT it got.
        if let NatResult::Nat {
            dst, masquerade, ..
        } = &result
        {
            let reply_dst = if *masquerade {
                Endpoint4 {
                    ip: self.nodes[n.idx()].ip,
                    port: pkt.src.port,
                }
            } else {
                pkt.src
            };
            let reply = Tuple {
                proto: pkt.proto,
                src: *dst,
                dst: reply_dst,
            };
            self.proxies[n.idx()].conntrack.insert(tuple, reply, 0, now);
        }
        result
    }

    /// A reply seen at node `n`: if `n` tracks its flow, that entry has now
    /// seen a reply; returns the flow's original direction.
    pub(crate) fn conntrack_reply(&mut self, n: NodeId, pkt: &Packet) -> Option<Tuple> {
        let t = Tuple {
            proto: pkt.proto,
            src: pkt.src,
            dst: pkt.dst,
        };
        let now = self.now;
        let kp = &mut self.proxies[n.idx()];
        let (id, orig) = kp
            .conntrack
            .lookup_reply(&t, now)
            .map(|e| (e.id, e.original))?;
        if pkt.kind == PacketKind::Reset {
            kp.conntrack.saw_reset(id);
        } else {
            kp.conntrack.touch(id, true, false, now);
        }
        Some(orig)
    }

    /// Reverse NAT for a reply at node `n`, from its conntrack table:
    /// `(new src, new dst)` when the reply belongs to a NATed connection.
    pub(crate) fn conntrack_reverse(
        &mut self,
        n: NodeId,
        pkt: &Packet,
    ) -> Option<(Endpoint4, Endpoint4)> {
        let orig = self.conntrack_reply(n, pkt)?;
        (orig.dst != pkt.src || orig.src != pkt.dst).then_some((orig.dst, orig.src))
    }

    /// The first packet of a connection walks the node's program.
    fn first_packet(&mut self, n: NodeId, pkt: &Packet) -> NatResult {
        let rules = self.node_program(n);
        let kp = &mut self.proxies[n.idx()];
        let p = netfilter::Packet {
            src: pkt.src.ip,
            sport: pkt.src.port,
            dst: pkt.dst.ip,
            dport: pkt.dst.port,
            proto: pkt.proto,
        };
        let mut ctx = EvalCtx {
            rng: &mut kp.rng,
            recent: &mut kp.recent,
            now: self.now,
        };
        let ev = netfilter::evaluate_at(&rules, &p, Hook::Prerouting, &mut ctx);
        // The rules go into the trace only; without one, naming them would
        // be wasted work on the hottest path.
        let rule_hits = if self.tracing {
            hits_to_trace(&rules, &ev.hits)
        } else {
            Vec::new()
        };
        let sync = self.proxies[n.idx()].syncs;
        let mut out = if self.proxy_mode == crate::scenario::ProxyMode::Ipvs
            && !matches!(ev.verdict, Verdict::Drop | Verdict::Reject)
        {
            let mark = ev.mark;
            let mut out = self.ipvs_pick(n, pkt, ev.masquerade, rule_hits);
            // IPVS forwards from INPUT: the packet leaves through nat
            // POSTROUTING with the real server as its destination.
            if let NatResult::Nat {
                dst,
                masquerade,
                decision,
            } = &mut out
            {
                let p = netfilter::Packet {
                    dst: dst.ip,
                    dport: dst.port,
                    ..p
                };
                let kp = &mut self.proxies[n.idx()];
                let mut ctx = EvalCtx {
                    rng: &mut kp.rng,
                    recent: &mut kp.recent,
                    now: self.now,
                };
                let post = netfilter::postrouting_at(&rules, &p, mark, &mut ctx);
                *masquerade |= post.masquerade;
                if self.tracing {
                    decision.rules.extend(hits_to_trace(&rules, &post.hits));
                }
            }
            out
        } else {
            self.iptables_verdict(pkt, &rules, ev, rule_hits)
        };
        if let Some(d) = out.decision_mut().filter(|d| !d.rules.is_empty()) {
            d.rules_sync = Some(sync);
        }
        out
    }

    /// What the iptables program's verdict on a first packet means.
    fn iptables_verdict(
        &self,
        pkt: &Packet,
        rules: &crate::proxy::rules::Ruleset,
        ev: netfilter::EvaluationAt,
        rule_hits: Vec<RuleHit>,
    ) -> NatResult {
        // The comment of the last rule that matched names the reason for a
        // REJECT or DROP ("ns/svc:port has no endpoints").
        let last_comment = || {
            ev.hits
                .last()
                .and_then(|h| h.rule(rules))
                .and_then(|r| r.comment())
                .map(str::to_string)
                .unwrap_or_default()
        };
        match ev.verdict {
            Verdict::NotHandled | Verdict::Accept { dnat: None } => {
                if ev.hits.is_empty() {
                    NatResult::NotHandled
                } else {
                    NatResult::Nat {
                        dst: pkt.dst,
                        masquerade: ev.masquerade,
                        decision: Decision {
                            rules: rule_hits,
                            ..Default::default()
                        },
                    }
                }
            }
            Verdict::Accept { dnat: Some(ep) } => {
                let note = if !self.tracing {
                    String::new()
                } else {
                    format!(
                        "DNAT {} -> {}{}",
                        pkt.dst,
                        ep,
                        if ev.masquerade { ", MASQUERADE" } else { "" }
                    )
                };
                NatResult::Nat {
                    dst: ep,
                    masquerade: ev.masquerade,
                    decision: Decision {
                        rules: rule_hits,
                        note,
                        ..Default::default()
                    },
                }
            }
            Verdict::Reject => NatResult::Reject {
                reason: match last_comment() {
                    c if c.is_empty() => "REJECT: no endpoints".to_string(),
                    c => format!("REJECT: {c}"),
                },
                decision: Decision {
                    rules: rule_hits,
                    ..Default::default()
                },
            },
            Verdict::Drop => NatResult::Drop {
                reason: match last_comment() {
                    c if c.is_empty() => "DROP: no local endpoint".to_string(),
                    c => format!("DROP: {c}"),
                },
                decision: Decision {
                    rules: rule_hits,
                    ..Default::default()
                },
            },
        }
    }

    /// A connection ended `how` (or a UDP exchange, a DNS query and its
    /// answer, is over): its TCP entry on `n` goes to TIME_WAIT for 120 s,
    /// or CLOSE for 10 s after a reset; a UDP entry runs out its own 30 s.
    /// All stay listed as the kernel keeps them
    /// ([`crate::proxy::conntrack::Table::close`]).
    pub(crate) fn conntrack_close(
        &mut self,
        n: NodeId,
        src: Endpoint4,
        dst: Endpoint4,
        proto: crate::net::Protocol,
        how: Close,
    ) {
        let now = self.now;
        let kp = &mut self.proxies[n.idx()];
        if let Some((id, ep)) = kp
            .conntrack
            .lookup_original(&Tuple { proto, src, dst }, now)
            .map(|e| (e.id, e.reply.src))
        {
            kp.conntrack.close(id, how, now);
            // IPVS counts the connection as active until it closes, which
            // is what `lc` compares. The program current now, or, between a
            // sync and the next use, the one the next program takes over.
            if let Some(st) = kp.ipvs.as_mut().or(kp.ipvs_before.as_mut()) {
                if let Some(vs) = st.find(proto, dst.ip, dst.port) {
                    st.release(vs, ep, now);
                }
            }
        }
    }

    /// IPVS mode: the virtual server for the destination schedules a real
    /// server (rr, lc or sh); the constant iptables rules of the mode have
    /// already decided masquerading.
    fn ipvs_pick(
        &mut self,
        n: NodeId,
        pkt: &Packet,
        masquerade: bool,
        rules: Vec<RuleHit>,
    ) -> NatResult {
        let now = self.now;
        let tracing = self.tracing;
        let ipvs = self.node_ipvs(n);
        let Some(vs) = ipvs.find(pkt.proto, pkt.dst.ip, pkt.dst.port) else {
            return if rules.is_empty() {
                NatResult::NotHandled
            } else {
                NatResult::Nat {
                    dst: pkt.dst,
                    masquerade,
                    decision: Decision {
                        rules,
                        ..Default::default()
                    },
                }
            };
        };
        let sched = ipvs.virtual_servers[vs].scheduler.as_str();
        match ipvs.schedule(vs, pkt.src.ip, now) {
            Some(ep) => NatResult::Nat {
                dst: ep,
                masquerade,
                decision: Decision {
                    rules,
                    ipvs: tracing.then(|| format!("{} {} {sched} -> {ep}", pkt.proto, pkt.dst)),
                    note: if tracing {
                        format!("IPVS DNAT {} -> {ep}", pkt.dst)
                    } else {
                        String::new()
                    },
                    ..Default::default()
                },
            },
            None => NatResult::Reject {
                reason: "REJECT: IPVS virtual server has no real servers".into(),
                decision: Decision {
                    rules,
                    ..Default::default()
                },
            },
        }
    }

    /// `conntrack -L` for a node's Service flows.
    pub fn conntrack_text(&self, node: &str) -> Option<String> {
        let n = self.node_by_name(node)?;
        self.proxies
            .get(n.idx())
            .map(|k| k.conntrack.render(self.now))
    }

    /// A node's `conntrack -L` cut short: the entries whose original tuple
    /// `keep` picks and the `newest` others, with a count by state (a busy
    /// node tracks thousands of flows; the inspectors list a few).
    pub fn conntrack_listing(
        &self,
        node: &str,
        newest: usize,
        keep: impl Fn(&Tuple) -> bool,
    ) -> Option<crate::proxy::conntrack::Listing> {
        let n = self.node_by_name(node)?;
        self.proxies
            .get(n.idx())
            .map(|k| k.conntrack.render_some(self.now, newest, keep))
    }

    /// `ipvsadm -Ln` for a node (IPVS mode's virtual servers as of its last
    /// sync, whatever the current mode).
    pub fn ipvsadm_text(&mut self, node: &str) -> Option<String> {
        let n = self.node_by_name(node)?;
        let now = self.now;
        (n.idx() < self.proxies.len()).then(|| self.node_ipvs(n).render_ipvsadm(now))
    }

    /// CoreDNS's answer for a name, from the API server's current state
    /// (CoreDNS watches Services and EndpointSlices directly, so unlike
    /// kube-proxy it has no sync lag worth modelling).
    pub(crate) fn dns_answer(&mut self, qname: &str) -> DnsAnswer {
        let version = self.api.version;
        if self.dns_answers.0 != version {
            self.dns_answers = (version, Default::default());
        }
        let cached = match self.dns_answers.1.get(qname) {
            Some(a) => a.clone(),
            None => {
                let a = self.zone_answer(qname);
                self.dns_answers.1.insert(qname.to_string(), a.clone());
                a
            }
        };
        let CachedAnswer::Ips(ips, outside) = cached else {
            return DnsAnswer::NxDomain;
        };
        // kubeadm's Corefile enables the `loadbalance` plugin, which
        // shuffles A records; the client connects to the first.
        let ip = ips[self.rng_serve.below(ips.len() as u64) as usize];
        match outside {
            Some(host) => DnsAnswer::Outside(host.to_string(), ip),
            None => DnsAnswer::Ip(ip),
        }
    }

    /// What the zone answers for an A query of `qname`, as the data path
    /// uses it.
    fn zone_answer(&mut self, qname: &str) -> CachedAnswer {
        let zone = self.dns_zone();
        let answer = zone.query(qname, QType::A);
        if answer.rcode == Rcode::NxDomain {
            return CachedAnswer::NxDomain;
        }
        let ips: Vec<Ipv4Addr> = answer
            .answer
            .iter()
            .filter_map(|r| match &r.data {
                RData::A { address } => Some(*address),
                _ => None,
            })
            .collect();
        // A CNAME that leaves the cluster (ExternalName).
        let suffix = format!(".{}.", self.spec.cluster.cluster_domain);
        let outside = answer.answer.iter().find_map(|r| match &r.data {
            RData::Cname { target } if !target.ends_with(&suffix) => {
                Some(Arc::from(target.trim_end_matches('.')))
            }
            _ => None,
        });
        if ips.is_empty() {
            // NODATA: the resolver moves on like NXDOMAIN.
            return CachedAnswer::NxDomain;
        }
        CachedAnswer::Ips(ips.into(), outside)
    }

    /// Client `c`'s resolver candidates for `name` (its target's host,
    /// which never changes), worked out once.
    pub(crate) fn client_search_list(&mut self, c: ClientId, name: &str) -> Arc<[String]> {
        if self.search_lists.len() <= c.idx() {
            self.search_lists.resize(c.idx() + 1, None);
        }
        if let Some(l) = &self.search_lists[c.idx()] {
            return l.clone();
        }
        let ns = self.clients[c.idx()].spec.namespace.clone();
        let l: Arc<[String]> = self.search_candidates(name, &ns).into();
        self.search_lists[c.idx()] = Some(l.clone());
        l
    }

    /// The names a pod's resolver tries for `name` (ClusterFirst
    /// resolv.conf: the namespace's search path, `ndots:5`).
    pub(crate) fn search_candidates(&self, name: &str, namespace: &str) -> Vec<String> {
        let dns_ip = self.kube_dns_vip().ip.to_string();
        ResolvConf::cluster_first(namespace, &self.spec.cluster.cluster_domain, &dns_ip)
            .candidates(name)
    }

    /// What a pod in `namespace` would see for `name`, asked now: every
    /// query its ClusterFirst resolver sends (search path, `ndots:5`) and
    /// each answer, from the same zone the data path asks. Also returns the
    /// nameserver (the kube-dns Service IP). Read-only: the `&mut` is for
    /// the zone cache, and nothing is traced or drawn from any stream.
    pub fn dns_lookup(
        &mut self,
        namespace: &str,
        name: &str,
        qtype: QType,
    ) -> (crate::dns::Resolution, String) {
        let server = self.kube_dns_vip().ip.to_string();
        let conf = ResolvConf::cluster_first(namespace, &self.spec.cluster.cluster_domain, &server);
        let zone = self.dns_zone();
        (crate::dns::resolve(&zone, name, qtype, &conf), server)
    }

    fn dns_zone(&mut self) -> Arc<Zone> {
        if let Some((v, z)) = &self.dns_cache {
            if *v == self.api.version {
                return z.clone();
            }
        }
        let api = self.api.clone();
        // The world outside: every ExternalName target resolves upstream
        // to an address in 198.18.0.0/15, the range reserved for testing.
        let mut opts = ZoneOptions {
            cluster_domain: self.spec.cluster.cluster_domain.clone(),
            ..Default::default()
        };
        for s in &api.services {
            if let Some(name) = &s.spec.external_name {
                let host = name.trim_end_matches('.').to_ascii_lowercase();
                let h = crate::rng::key_hash(&host) as u32;
                let ip = Ipv4Addr::from(0xC612_0000 | (h & 0x0001_FFFF));
                opts.upstream.insert(host, vec![std::net::IpAddr::V4(ip)]);
            }
        }
        let zone = Arc::new(Zone::build_with(&api.services, &api.slices, &[], &opts));
        self.dns_cache = Some((api.version, zone.clone()));
        zone
    }

    /// NetworkPolicy's verdict on a connection attempt, or `None` when it
    /// is allowed. Judged after DNAT: the destination is the pod and the
    /// port is the target port.
    pub(crate) fn netpol_verdict(
        &mut self,
        id: u64,
        pkt: &Packet,
        dst_pod: Option<PodId>,
    ) -> Option<String> {
        let index = self.policy_index();
        let r = self.requests.get(&id)?;
        let client = &self.clients[r.client.idx()];
        let src_pod = client.pod.map(|p| self.pod_object(p));
        let dst_obj = dst_pod.map(|p| self.pod_object(p));
        let src_peer = match &src_pod {
            Some(p) => Peer::Pod(p),
            None => Peer::External(pkt.src.ip),
        };
        // After SNAT the destination sees the node's address.
        let node_src = self.nodes.iter().find(|n| n.ip == pkt.src.ip);
        let src_peer = match (node_src, src_peer) {
            (Some(n), Peer::External(_)) => Peer::Node {
                name: &n.name,
                ip: n.ip,
            },
            (_, p) => p,
        };
        let dst_peer = match &dst_obj {
            Some(p) => Peer::Pod(p),
            None => Peer::External(pkt.dst.ip),
        };
        let reach = index.evaluate(src_peer, dst_peer, pkt.dst.port, pkt.proto);
        if reach.allowed {
            return None;
        }
        let (dir, v) = if !reach.egress.allowed {
            ("egress", &reach.egress)
        } else {
            ("ingress", &reach.ingress)
        };
        Some(format!(
            "NetworkPolicy: {dir} denied (isolated by {}; no rule allows {} {})",
            v.policies.join(", "),
            pkt.proto,
            pkt.dst.port
        ))
    }

    /// The API object for a pod, as NetworkPolicy evaluation reads it.
    pub(crate) fn pod_object(&self, p: PodId) -> model::Pod {
        let pod = &self.pods[p.idx()];
        model::Pod {
            api_version: "v1".into(),
            metadata: model::ObjectMeta {
                name: pod.name.clone(),
                namespace: Some(pod.namespace.clone()),
                labels: pod.labels.clone(),
                ..Default::default()
            },
            spec: model::PodSpec {
                node_name: Some(self.nodes[pod.node.idx()].name.clone()),
                ..pod.spec.clone()
            },
            status: model::PodStatus {
                phase: Some("Running".into()),
                pod_ip: pod.ip.map(|i| i.to_string()),
                host_ip: Some(self.nodes[pod.node.idx()].ip.to_string()),
            },
        }
    }

    fn policy_index(&mut self) -> Arc<PolicyIndex> {
        if let Some((epoch, idx)) = &self.netpol_cache {
            if *epoch == self.topology_epoch {
                return idx.clone();
            }
        }
        let namespaces: Vec<model::Namespace> = self.namespaces.values().cloned().collect();
        let pods: Vec<model::Pod> = (0..self.pods.len())
            .filter(|i| self.pods[*i].phase != PodPhase::Gone)
            .map(|i| self.pod_object(PodId(i as u32)))
            .collect();
        let idx = Arc::new(PolicyIndex::new(&namespaces, &pods, &self.policies));
        self.netpol_cache = Some((self.topology_epoch, idx.clone()));
        idx
    }
}
