//! kube-proxy, modelled as the program it writes rather than as a routing
//! shortcut.
//!
//! The pipeline is the one a real node runs: Service and EndpointSlice
//! objects are turned into *service ports* with categorised endpoints (this
//! module), then into a rule program, either iptables tables
//! ([`iptables::generate`]) or IPVS virtual servers ([`ipvs::generate`]).
//! Packets are routed by walking that same program ([`netfilter::evaluate`]),
//! and the iptables text svcsim prints is a rendering of the same structure
//! ([`rules::Ruleset::render_save`]). DESIGN.md calls this "the rule program is
//! the router": there is no second fast path that could drift from the text.
//!
//! Everything here is pure: no clock (time arrives as [`crate::SimTime`]), no
//! I/O, no OS entropy (random draws come from a caller's
//! [`crate::rng::Stream`]), and only ordered collections reach the output.
//!
//! ```
//! use svcsim_core::proxy::{iptables, NodeFacts};
//! let facts = NodeFacts::new("node-a", vec!["192.168.0.2".parse().unwrap()]);
//! let rules = iptables::generate(&[], &[], &facts);
//! assert!(rules.render_save().starts_with("*filter\n"));
//! ```

pub mod conntrack;
pub mod hash;
pub mod iptables;
pub mod ipvs;
pub mod netfilter;
pub mod rules;

use crate::model::{EndpointSlice, Service};
use crate::net::{Cidr, Endpoint4, Ipv4Addr, Protocol};
use crate::vecmap::VecMap;

/// The facts about one node that kube-proxy's output depends on, beyond the
/// Service and EndpointSlice objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFacts {
    /// The node kube-proxy runs on; endpoints whose `nodeName` equals it are
    /// local.
    pub node_name: String,
    /// The node's own addresses. The first is the primary node IP (the one
    /// kube-proxy's `nodeIP` holds, used for the loadBalancerSourceRanges
    /// "allow from node" check). All of them, with loopback, are `addrtype
    /// LOCAL`.
    pub node_ips: Vec<Ipv4Addr>,
    /// The pod CIDR of the ClusterCIDR local-traffic detector. `None` means
    /// kube-proxy's no-op detector: no `-s` / `! -s` pod-CIDR rules.
    pub cluster_cidr: Option<Cidr>,
    /// kube-proxy's `--masquerade-all`.
    pub masquerade_all: bool,
    /// `iptables.masqueradeBit`; the mark is `1 << bit` (default 14, `0x4000`).
    pub masquerade_bit: u8,
    /// `iptables.localhostNodePorts` (default true): NodePorts answer on
    /// 127.0.0.0/8, and KUBE-FIREWALL blocks martian localnet traffic.
    pub localhost_node_ports: bool,
    /// Append `--random-fully` to MASQUERADE. Real nodes support it; the
    /// unit-test fake (and so the goldens) do not.
    pub random_fully: bool,
}

impl NodeFacts {
    /// Facts with kube-proxy's defaults, as its unit tests configure them
    /// (masquerade bit 14, localhost NodePorts on, no `--random-fully`, no
    /// local-traffic detector until `cluster_cidr` is set).
    pub fn new(node_name: impl Into<String>, node_ips: Vec<Ipv4Addr>) -> NodeFacts {
        NodeFacts {
            node_name: node_name.into(),
            node_ips,
            cluster_cidr: None,
            masquerade_all: false,
            masquerade_bit: 14,
            localhost_node_ports: true,
            random_fully: false,
        }
    }

    /// The masquerade mark, `1 << masqueradeBit`.
    pub fn masq_mark(&self) -> u32 {
        1u32.checked_shl(u32::from(self.masquerade_bit))
            .unwrap_or(0)
    }

    /// The primary node IP, if any.
    pub fn primary_ip(&self) -> Option<Ipv4Addr> {
        self.node_ips.first().copied()
    }

    /// True for an address the kernel's `addrtype LOCAL` match accepts on this
    /// node: one of its IPs or loopback (127.0.0.0/8).
    pub fn is_local(&self, ip: Ipv4Addr) -> bool {
        ip.is_loopback() || self.node_ips.contains(&ip)
    }
}

/// One endpoint as kube-proxy sees it after `EndpointSliceCache.addEndpoints`
/// (pkg/proxy/endpointslicecache.go).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    pub addr: Endpoint4,
    /// `"ip:port"`, the string kube-proxy sorts by and hashes.
    pub text: String,
    pub is_local: bool,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
}

/// One service port, the unit kube-proxy programs (`ServicePortName`: the
/// Service, the port's name and its protocol).
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePortInfo {
    pub namespace: String,
    pub name: String,
    pub port_name: String,
    /// `"ns/name:port"` or `"ns/name"` for an unnamed port
    /// (`ServicePortName.String()`).
    pub spn: String,
    pub protocol: Protocol,
    pub cluster_ip: Ipv4Addr,
    pub port: u16,
    /// 0 when the port has no nodePort.
    pub node_port: u16,
    pub external_ips: Vec<Ipv4Addr>,
    /// LoadBalancer ingress IPs in VIP mode (`LoadBalancerVIPs`).
    pub lb_vips: Vec<Ipv4Addr>,
    pub lb_source_ranges: Vec<Cidr>,
    /// 0 unless the Service needs a health check (LoadBalancer with
    /// externalTrafficPolicy Local).
    pub health_check_node_port: u16,
    /// `Some(stickyMaxAgeSeconds)` for `sessionAffinity: ClientIP`.
    pub affinity_seconds: Option<u32>,
    pub internal_policy_local: bool,
    pub external_policy_local: bool,
    /// Deduplicated and sorted by `"ip:port"` string (`byEndpoint`).
    pub endpoints: Vec<EndpointInfo>,
}

impl ServicePortInfo {
    /// `ExternallyAccessible` (pkg/proxy/service.go): a nodePort, a LoadBalancer
    /// VIP or an externalIP.
    pub fn externally_accessible(&self) -> bool {
        self.node_port != 0 || !self.lb_vips.is_empty() || !self.external_ips.is_empty()
    }
    /// `UsesClusterEndpoints` (pkg/proxy/service.go).
    pub fn uses_cluster_endpoints(&self) -> bool {
        !self.internal_policy_local || self.externally_accessible()
    }
    /// `UsesLocalEndpoints` (pkg/proxy/service.go).
    pub fn uses_local_endpoints(&self) -> bool {
        self.internal_policy_local || (self.external_policy_local && self.externally_accessible())
    }
}

/// The result of `CategorizeEndpoints` (pkg/proxy/topology.go), as indexes
/// into [`ServicePortInfo::endpoints`] (so they stay in `byEndpoint` order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Categorized {
    pub cluster: Vec<usize>,
    pub local: Vec<usize>,
    /// The union of both, in endpoint order: the endpoints that get KUBE-SEP
    /// chains.
    pub all_reachable: Vec<usize>,
    pub has_any: bool,
}

/// `CategorizeEndpoints` from pkg/proxy/topology.go, without topology hints
/// (svcsim's node facts carry no zone, so every Ready endpoint is eligible;
/// topology hints would only narrow the cluster set).
pub fn categorize(sp: &ServicePortInfo) -> Categorized {
    let eps = &sp.endpoints;
    let idx = |f: &dyn Fn(&EndpointInfo) -> bool| -> Vec<usize> {
        eps.iter()
            .enumerate()
            .filter(|(_, e)| f(e))
            .map(|(i, _)| i)
            .collect()
    };
    let mut out = Categorized::default();
    if sp.uses_cluster_endpoints() {
        out.cluster = idx(&|e| e.ready);
        if out.cluster.is_empty() {
            // Fallback to serving-and-terminating endpoints, cluster-wide.
            out.cluster = idx(&|e| e.serving && e.terminating);
        }
        out.has_any = !out.cluster.is_empty();
    }
    if !sp.uses_local_endpoints() {
        out.all_reachable = out.cluster.clone();
        return out;
    }
    let (mut local_ready, mut local_term) = (false, false);
    for e in eps {
        if e.ready {
            out.has_any = true;
            local_ready |= e.is_local;
        } else if e.serving && e.terminating {
            out.has_any = true;
            local_term |= e.is_local;
        }
    }
    if local_ready {
        out.local = idx(&|e| e.is_local && e.ready);
    } else if local_term {
        out.local = idx(&|e| e.is_local && e.serving && e.terminating);
    }
    if !sp.uses_cluster_endpoints() {
        out.all_reachable = out.local.clone();
        return out;
    }
    let mut all: Vec<usize> = out
        .cluster
        .iter()
        .chain(out.local.iter())
        .copied()
        .collect();
    crate::order::sort(&mut all);
    all.dedup();
    out.all_reachable = all;
    out
}

/// Parse an IPv4 address the way Go's `netutils.ParseIPSloppy` does: each
/// octet is decimal and may carry leading zeros (`010` is ten).
pub fn parse_ip_sloppy(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// Parse a CIDR like `netutils.ParseCIDRSloppy`, after trimming spaces as
/// `MapCIDRsByIPFamily` does. The result is the network (host bits cleared),
/// which is what Go's `IPNet.String()` prints.
pub fn parse_cidr_sloppy(s: &str) -> Option<Cidr> {
    let (a, p) = s.trim().split_once('/')?;
    if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix: u8 = p.parse().ok()?;
    if prefix > 32 {
        return None;
    }
    let c = Cidr {
        addr: parse_ip_sloppy(a)?,
        prefix,
    };
    Some(Cidr {
        addr: c.network(),
        prefix,
    })
}

/// Build kube-proxy's view of every service port from the objects, taken
/// as-is (replay: no defaulting beyond what Go's zero values imply, no
/// validation). Sorted by (service-port name, protocol) so that every output
/// built from it is deterministic.
///
/// Follows `ShouldSkipService` (pkg/proxy/util/utils.go), `newBaseServiceInfo`
/// (pkg/proxy/service.go) and `addEndpoints` (pkg/proxy/endpointslicecache.go).
pub fn service_ports(
    services: &[Service],
    slices: &[EndpointSlice],
    facts: &NodeFacts,
) -> Vec<ServicePortInfo> {
    // Slices grouped by (namespace, service name); VecMap so grouping
    // order never depends on hashing.
    let mut by_service: VecMap<(&str, &str), Vec<&EndpointSlice>> = VecMap::new();
    for sl in slices {
        // The IPv4 proxier reads only IPv4 slices.
        if sl.address_type != "IPv4" {
            continue;
        }
        if let Some(svc) = sl.service_name() {
            by_service
                .entry((sl.metadata.ns(), svc))
                .or_default()
                .push(sl);
        }
    }

    let mut out = Vec::new();
    for svc in services {
        // ShouldSkipService: no ClusterIP (unset, "" or "None"), or ExternalName.
        let Some(cip) = svc.cluster_ip() else {
            continue;
        };
        if svc.spec.type_.as_deref() == Some("ExternalName") {
            continue;
        }
        // A ClusterIP of another family (or garbage) is not this proxier's.
        let Some(cluster_ip) = parse_ip_sloppy(cip) else {
            continue;
        };
        let ns = svc.metadata.ns();
        let name = svc.metadata.name.as_str();
        let type_ = svc.spec.type_.as_deref().unwrap_or("");
        // pkg/api/v1/service ExternallyAccessible / ExternalPolicyLocal: the
        // Go field is a plain string, so an unset policy is not Local.
        let api_externally_accessible = type_ == "LoadBalancer"
            || type_ == "NodePort"
            || (type_ == "ClusterIP" && !svc.spec.external_ips.is_empty());
        let external_policy_local = api_externally_accessible
            && svc.spec.external_traffic_policy.as_deref() == Some("Local");
        let internal_policy_local = svc.spec.internal_traffic_policy.as_deref() == Some("Local");
        // NeedsHealthCheck: LoadBalancer and ExternalPolicyLocal.
        let needs_hc = type_ == "LoadBalancer" && external_policy_local;
        let health_check_node_port = if needs_hc {
            svc.spec
                .health_check_node_port
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0)
        } else {
            0
        };
        let external_ips: Vec<Ipv4Addr> = svc
            .spec
            .external_ips
            .iter()
            .filter_map(|s| parse_ip_sloppy(s.trim()))
            .collect();
        let lb_vips: Vec<Ipv4Addr> = svc
            .status
            .load_balancer
            .iter()
            .flat_map(|lb| lb.ingress.iter())
            .filter(|ing| ing.ip_mode.as_deref() != Some("Proxy"))
            .filter_map(|ing| ing.ip.as_deref())
            .filter(|ip| !ip.is_empty())
            .filter_map(parse_ip_sloppy)
            .collect();
        let lb_source_ranges: Vec<Cidr> = svc
            .spec
            .load_balancer_source_ranges
            .iter()
            .filter_map(|s| parse_cidr_sloppy(s))
            .collect();
        let affinity_seconds = svc
            .client_ip_affinity()
            .then(|| u32::try_from(svc.affinity_timeout_seconds()).unwrap_or(0));
        let svc_slices = by_service.get(&(ns, name));

        for sp in &svc.spec.ports {
            let Some(protocol) = Protocol::parse(sp.protocol()) else {
                continue;
            };
            let Ok(port) = u16::try_from(sp.port) else {
                continue;
            };
            let port_name = sp.name.clone().unwrap_or_default();
            let spn = if port_name.is_empty() {
                format!("{ns}/{name}")
            } else {
                format!("{ns}/{name}:{port_name}")
            };
            let node_port = sp
                .node_port
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0);
            let endpoints = svc_slices
                .map(|s| collect_endpoints(s, &port_name, protocol, facts))
                .unwrap_or_default();
            out.push(ServicePortInfo {
                namespace: ns.to_string(),
                name: name.to_string(),
                port_name,
                spn,
                protocol,
                cluster_ip,
                port,
                node_port,
                external_ips: external_ips.clone(),
                lb_vips: lb_vips.clone(),
                lb_source_ranges: lb_source_ranges.clone(),
                health_check_node_port,
                affinity_seconds,
                internal_policy_local,
                external_policy_local,
                endpoints,
            });
        }
    }
    crate::order::sort_by(&mut out, |a, b| {
        (&a.spn, a.protocol).cmp(&(&b.spn, b.protocol))
    });
    out
}

/// The endpoints of one service port across its slices, deduplicated (a
/// non-terminating copy wins) and sorted by `"ip:port"` string, which is
/// exactly the `byEndpoint` order because the map is keyed by that string.
fn collect_endpoints(
    slices: &[&EndpointSlice],
    port_name: &str,
    protocol: Protocol,
    facts: &NodeFacts,
) -> Vec<EndpointInfo> {
    let mut map: VecMap<String, EndpointInfo> = VecMap::new();
    for sl in slices {
        for p in &sl.ports {
            // Ports with no name, no number or number 0 are ignored.
            let (Some(pname), Some(pnum)) = (p.name.as_deref(), p.port) else {
                continue;
            };
            if pname != port_name || pnum == 0 {
                continue;
            }
            let pproto = p
                .protocol
                .as_deref()
                .and_then(Protocol::parse)
                .unwrap_or(Protocol::Tcp);
            if pproto != protocol {
                continue;
            }
            let Ok(pnum) = u16::try_from(pnum) else {
                continue;
            };
            for ep in &sl.endpoints {
                // Only the first address is used.
                let Some(ip) = ep.addresses.first().and_then(|a| parse_ip_sloppy(a)) else {
                    continue;
                };
                let addr = Endpoint4 { ip, port: pnum };
                let c = &ep.conditions;
                let info = EndpointInfo {
                    addr,
                    text: addr.to_string(),
                    is_local: ep.node_name.as_deref() == Some(facts.node_name.as_str()),
                    ready: c.ready.unwrap_or(true),
                    serving: c.serving.unwrap_or(true),
                    terminating: c.terminating.unwrap_or(false),
                };
                match map.get(&info.text) {
                    // A non-terminating copy wins over a terminating one.
                    Some(old) if !old.terminating || info.terminating => {}
                    _ => {
                        map.insert(info.text.clone(), info);
                    }
                }
            }
        }
    }
    map.into_values().collect()
}

/// Small object builders shared by the proxy modules' unit tests.
#[cfg(test)]
pub(crate) mod testutil {
    use super::NodeFacts;
    use crate::model::{
        Endpoint, EndpointPort, EndpointSlice, ObjectMeta, Service, ServicePort, ServiceSpec,
    };
    use crate::net::Ipv4Addr;

    /// NodePort Service `ns/web` (ClusterIP 10.96.0.10:80, nodePort 30080)
    /// with `n_eps` ready endpoints 10.244.0.1.. on port 8080; the first is on
    /// node `n1`, the rest on `n2`.
    pub fn objects(n_eps: u8, affinity: bool) -> (Vec<Service>, Vec<EndpointSlice>) {
        let mut svc = Service {
            metadata: ObjectMeta {
                name: "web".into(),
                namespace: Some("ns".into()),
                ..Default::default()
            },
            spec: ServiceSpec {
                type_: Some("NodePort".into()),
                cluster_ip: Some("10.96.0.10".into()),
                ports: vec![ServicePort {
                    name: Some("http".into()),
                    protocol: Some("TCP".into()),
                    port: 80,
                    node_port: Some(30080),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        };
        if affinity {
            svc.spec.session_affinity = Some("ClientIP".into());
        }
        let mut sl = EndpointSlice {
            metadata: ObjectMeta {
                name: "web-1".into(),
                namespace: Some("ns".into()),
                ..Default::default()
            },
            address_type: "IPv4".into(),
            ports: vec![EndpointPort {
                name: Some("http".into()),
                port: Some(8080),
                protocol: Some("TCP".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        sl.metadata
            .labels
            .insert("kubernetes.io/service-name".into(), "web".into());
        for i in 0..n_eps {
            sl.endpoints.push(Endpoint {
                addresses: vec![format!("10.244.0.{}", i + 1)],
                node_name: Some(if i == 0 { "n1" } else { "n2" }.into()),
                ..Default::default()
            });
        }
        (vec![svc], vec![sl])
    }

    /// Node `n1` at 192.168.0.2, pod CIDR 10.0.0.0/8.
    pub fn facts() -> NodeFacts {
        let mut f = NodeFacts::new("n1", vec![Ipv4Addr::new(192, 168, 0, 2)]);
        f.cluster_cidr = crate::net::Cidr::parse("10.0.0.0/8");
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloppy_parsing_normalises_like_go() {
        assert_eq!(
            parse_ip_sloppy("010.001.0.9"),
            Some(Ipv4Addr::new(10, 1, 0, 9))
        );
        assert_eq!(parse_ip_sloppy("1.2.3"), None);
        assert_eq!(parse_ip_sloppy("1.2.3.256"), None);
        let c = parse_cidr_sloppy(" 203.0.113.000/025").unwrap();
        assert_eq!(c.to_string(), "203.0.113.0/25");
        assert_eq!(
            parse_cidr_sloppy("203.0.113.7/25").unwrap().to_string(),
            "203.0.113.0/25"
        );
        assert!(parse_cidr_sloppy("1.2.3.4").is_none());
    }

    #[test]
    fn endpoint_order_is_a_string_sort() {
        let mut v = ["10.1.1.1:11", "10.1.1.11:11", "10.0.0.2:80", "10.0.0.10:80"];
        v.sort();
        assert_eq!(
            v,
            ["10.0.0.10:80", "10.0.0.2:80", "10.1.1.11:11", "10.1.1.1:11"]
        );
    }
}
