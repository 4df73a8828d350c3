//! Cluster DNS: the records CoreDNS's `kubernetes` plugin serves for
//! Services and EndpointSlices, and the query sequence a pod's resolver
//! sends for a name.
//!
//! Sources (see `reference/dns.md`): the Kubernetes DNS-Based Service
//! Discovery specification, schema 1.1.0 (`kubernetes/dns`
//! `docs/specification.md`); CoreDNS `plugin/kubernetes` (`parse.go`
//! `parseRequest`, `kubernetes.go` `findServices` / `findPods` /
//! `endpointHostname`, `reverse.go` `serviceRecordForIP`,
//! `object/endpoint.go` `endpointsliceReady`) and `plugin/backend_lookup.go`
//! (`SRV` weights, `SOA`); kubelet's `pkg/kubelet/network/dns/dns.go`
//! (`GetPodDNS`, `generateSearchesForDNSClusterFirst`) for resolv.conf.
//!
//! [`Zone`] is the server: built from Services, EndpointSlices (and, for pod
//! records, Pods), it answers one question with [`Zone::query`].
//! [`resolve`] is the client: it expands a name through a [`ResolvConf`]
//! search list the way a libc stub resolver with `ndots` does and records
//! every query it sends. Both are pure functions of their inputs; a negative
//! answer is an [`Answer`] with [`Rcode::NxDomain`], not an error.
//!
//! Deterministic choices: CoreDNS's `loadbalance` plugin shuffles A/AAAA
//! order per response; svcsim answers in a fixed order instead (EndpointSlices
//! by name, endpoints and addresses as listed, Service IPs as listed). The
//! SOA serial, which CoreDNS takes from its cache's last change time, is a
//! fixed option. Names outside the cluster zone go to a configurable
//! "upstream" table; anything not in it is NXDOMAIN, since a simulated
//! cluster has no Internet.

use crate::model::{EndpointSlice, Object, Pod, Service, ServiceType};
use crate::vecmap::{VecMap, VecSet};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The schema version the `dns-version` TXT record announces (spec 1.1.0).
pub const SCHEMA_VERSION: &str = "1.1.0";

/// Query types svcsim answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum QType {
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "SRV")]
    Srv,
    #[serde(rename = "PTR")]
    Ptr,
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "TXT")]
    Txt,
    #[serde(rename = "SOA")]
    Soa,
}

impl QType {
    /// Parse the usual spelling, case-insensitively (`a`, `AAAA`, `srv`).
    pub fn parse(s: &str) -> Option<QType> {
        Some(match s.to_ascii_uppercase().as_str() {
            "A" => QType::A,
            "AAAA" => QType::Aaaa,
            "SRV" => QType::Srv,
            "PTR" => QType::Ptr,
            "CNAME" => QType::Cname,
            "TXT" => QType::Txt,
            "SOA" => QType::Soa,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Srv => "SRV",
            QType::Ptr => "PTR",
            QType::Cname => "CNAME",
            QType::Txt => "TXT",
            QType::Soa => "SOA",
        }
    }
}

impl fmt::Display for QType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The response code. NODATA is `NoError` with an empty answer section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rcode {
    #[serde(rename = "NOERROR")]
    NoError,
    #[serde(rename = "NXDOMAIN")]
    NxDomain,
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rcode::NoError => "NOERROR",
            Rcode::NxDomain => "NXDOMAIN",
        })
    }
}

/// One resource record. `name` is absolute, with the trailing dot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: RData,
}

/// Record data, by type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RData {
    A {
        address: Ipv4Addr,
    },
    #[serde(rename = "AAAA")]
    Aaaa {
        address: Ipv6Addr,
    },
    #[serde(rename = "SRV")]
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    #[serde(rename = "PTR")]
    Ptr {
        target: String,
    },
    #[serde(rename = "CNAME")]
    Cname {
        target: String,
    },
    #[serde(rename = "TXT")]
    Txt {
        text: String,
    },
    #[serde(rename = "SOA")]
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
}

impl RData {
    pub fn qtype(&self) -> QType {
        match self {
            RData::A { .. } => QType::A,
            RData::Aaaa { .. } => QType::Aaaa,
            RData::Srv { .. } => QType::Srv,
            RData::Ptr { .. } => QType::Ptr,
            RData::Cname { .. } => QType::Cname,
            RData::Txt { .. } => QType::Txt,
            RData::Soa { .. } => QType::Soa,
        }
    }
}

impl fmt::Display for Record {
    /// Zone-file form, as dig prints it: `name. TTL IN TYPE data`, tab-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\tIN\t{}\t",
            self.name,
            self.ttl,
            self.data.qtype()
        )?;
        match &self.data {
            RData::A { address } => write!(f, "{address}"),
            RData::Aaaa { address } => write!(f, "{address}"),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "{priority} {weight} {port} {target}"),
            RData::Ptr { target } | RData::Cname { target } => f.write_str(target),
            RData::Txt { text } => write!(f, "\"{text}\""),
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => write!(
                f,
                "{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}"
            ),
        }
    }
}

/// A DNS response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub rcode: Rcode,
    /// True when the cluster zone answered; false when the question went
    /// to the upstream table (names outside the zone, unknown reverse names).
    pub authoritative: bool,
    pub answer: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

impl Answer {
    /// NOERROR with no answer records.
    pub fn is_nodata(&self) -> bool {
        self.rcode == Rcode::NoError && self.answer.is_empty()
    }

    /// The A and AAAA addresses in the answer section, in order.
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.answer
            .iter()
            .filter_map(|r| match r.data {
                RData::A { address } => Some(IpAddr::V4(address)),
                RData::Aaaa { address } => Some(IpAddr::V6(address)),
                _ => None,
            })
            .collect()
    }
}

/// CoreDNS's `pods` option: whether `a-b-c-d.<ns>.pod.<zone>` answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PodRecords {
    /// The plugin's default: no pod records.
    #[default]
    Disabled,
    /// Any parseable IP answers, pod or not (kubeadm's Corefile).
    Insecure,
    /// Only IPs of pods in that namespace answer.
    Verified,
}

/// How the zone is served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneOptions {
    /// The cluster domain, without a trailing dot. Default `cluster.local`.
    pub cluster_domain: String,
    /// Record TTL in seconds: CoreDNS's plugin default is 5 (`defaultTTL`);
    /// kubeadm's Corefile sets 30.
    pub ttl: u32,
    pub pods: PodRecords,
    /// The SOA serial. CoreDNS uses its cache's last change time; a
    /// simulation needs a fixed value.
    pub soa_serial: u32,
    /// Names outside the cluster zone and their addresses: the simulated
    /// upstream resolver. Keys are lowercase, without the trailing dot.
    pub upstream: VecMap<String, Vec<IpAddr>>,
    /// TTL of upstream answers.
    pub upstream_ttl: u32,
}

impl Default for ZoneOptions {
    fn default() -> ZoneOptions {
        ZoneOptions {
            cluster_domain: "cluster.local".to_string(),
            ttl: 5,
            pods: PodRecords::Disabled,
            soa_serial: 1,
            upstream: VecMap::new(),
            upstream_ttl: 300,
        }
    }
}

/// A port as DNS sees it: a Service port, or an EndpointSlice port.
#[derive(Clone, Debug)]
struct DnsPort {
    name: Option<String>,
    /// Lowercase `tcp` / `udp` / `sctp`.
    proto: String,
    /// `None` is CoreDNS's sentinel port -1 (a slice without ports): A/AAAA
    /// still answer, SRV skips it.
    port: Option<u16>,
}

#[derive(Clone, Debug)]
struct DnsEndpoint {
    ip: IpAddr,
    /// `endpointHostname`: the endpoint's hostname, else the dashed IP.
    hostname: String,
    ports: Vec<DnsPort>,
}

#[derive(Clone, Debug)]
enum SvcKind {
    /// A Service with cluster IPs (ClusterIP, NodePort, LoadBalancer).
    ClusterIp(Vec<IpAddr>),
    Headless,
    ExternalName(String),
}

#[derive(Clone, Debug)]
struct DnsService {
    kind: SvcKind,
    ports: Vec<DnsPort>,
    /// Ready endpoints only (or all, with publishNotReadyAddresses).
    endpoints: Vec<DnsEndpoint>,
}

/// One candidate record before it is rendered: a host address, a port and
/// the SRV target name.
struct Entry {
    ip: IpAddr,
    port: Option<u16>,
    target: String,
}

/// The cluster zone, as CoreDNS's `kubernetes` plugin would serve it.
#[derive(Clone, Debug)]
pub struct Zone {
    opts: ZoneOptions,
    /// `(namespace, name)` -> Service.
    services: VecMap<(String, String), DnsService>,
    namespaces: VecSet<String>,
    /// Cluster IP -> Service FQDNs (PTR, first choice).
    reverse_services: VecMap<IpAddr, Vec<String>>,
    /// Endpoint IP -> `<hostname>.<svc>.<ns>.svc.<zone>.` (PTR, second choice).
    reverse_endpoints: VecMap<IpAddr, Vec<String>>,
    /// `(namespace, pod IP)`, for `pods verified`.
    pod_ips: VecSet<(String, IpAddr)>,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// CoreDNS `endpointHostname`: the hostname if set, else the IP with dots
/// (IPv4) or colons (IPv6, with a `0` appended after a trailing dash)
/// replaced by dashes.
fn endpoint_hostname(hostname: Option<&str>, ip: IpAddr) -> String {
    match hostname {
        Some(h) if !h.is_empty() => lower(h),
        _ => match ip {
            IpAddr::V4(v4) => v4.to_string().replace('.', "-"),
            IpAddr::V6(v6) => {
                let mut s = v6.to_string().replace(':', "-");
                if s.ends_with('-') {
                    s.push('0');
                }
                s
            }
        },
    }
}

fn port_u16(n: i32) -> Option<u16> {
    u16::try_from(n).ok().filter(|p| *p != 0)
}

/// The addresses of `in-addr.arpa` / `ip6.arpa` names.
fn parse_reverse(name: &str) -> Option<IpAddr> {
    if let Some(rest) = name.strip_suffix(".in-addr.arpa") {
        let octets: Vec<u8> = rest
            .split('.')
            .map(|l| l.parse::<u8>().ok())
            .collect::<Option<_>>()?;
        if let [d, c, b, a] = octets[..] {
            return Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
        }
        return None;
    }
    let rest = name.strip_suffix(".ip6.arpa")?;
    let nibbles: Vec<u8> = rest
        .split('.')
        .map(|l| {
            (l.len() == 1)
                .then(|| u8::from_str_radix(l, 16).ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    if nibbles.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (i, pair) in nibbles.rchunks(2).enumerate() {
        // Reversed order: the last two labels are the first byte.
        bytes[i] = (pair[1] << 4) | pair[0];
    }
    Some(IpAddr::V6(Ipv6Addr::from(bytes)))
}

/// The reverse-lookup name of an address (`10.0.96.10.in-addr.arpa`),
/// without the trailing dot.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut labels = Vec::with_capacity(33);
            for byte in v6.octets().iter().rev() {
                labels.push(format!("{:x}", byte & 0xf));
                labels.push(format!("{:x}", byte >> 4));
            }
            labels.push("ip6.arpa".to_string());
            labels.join(".")
        }
    }
}

/// `a-b-c-d` (or an IPv6 address with dashes) back to an address, as
/// CoreDNS's `findPods` does: dots when there are exactly three dashes and
/// no `--`, colons otherwise.
fn parse_dashed_ip(s: &str) -> Option<IpAddr> {
    if s.matches('-').count() == 3 && !s.contains("--") {
        s.replace('-', ".").parse().ok()
    } else {
        s.replace('-', ":").parse().ok()
    }
}

impl Zone {
    /// Build the zone with default options (TTL 5, pod records disabled)
    /// for the given cluster domain.
    pub fn build(services: &[Service], slices: &[EndpointSlice], cluster_domain: &str) -> Zone {
        let opts = ZoneOptions {
            cluster_domain: cluster_domain.to_string(),
            ..ZoneOptions::default()
        };
        Zone::build_with(services, slices, &[], &opts)
    }

    /// Build the zone from a list of objects (Services, EndpointSlices and
    /// Pods are used; other kinds are ignored).
    pub fn from_objects(objects: &[Object], opts: &ZoneOptions) -> Zone {
        let mut services = Vec::new();
        let mut slices = Vec::new();
        let mut pods = Vec::new();
        for o in objects {
            match o {
                Object::Service(s) => services.push(s.clone()),
                Object::EndpointSlice(s) => slices.push(s.clone()),
                Object::Pod(p) => pods.push(p.clone()),
                _ => {}
            }
        }
        Zone::build_with(&services, &slices, &pods, opts)
    }

    /// Build the zone. `pods` only matter for `pods verified`.
    pub fn build_with(
        services: &[Service],
        slices: &[EndpointSlice],
        pods: &[Pod],
        opts: &ZoneOptions,
    ) -> Zone {
        let mut opts = opts.clone();
        opts.cluster_domain = lower(opts.cluster_domain.trim_end_matches('.'));
        let mut zone = Zone {
            opts,
            services: VecMap::new(),
            namespaces: VecSet::new(),
            reverse_services: VecMap::new(),
            reverse_endpoints: VecMap::new(),
            pod_ips: VecSet::new(),
        };
        // Slices in (namespace, name) order, so that answers do not depend
        // on input order.
        let mut sorted: Vec<&EndpointSlice> = slices.iter().collect();
        crate::order::sort_by(&mut sorted, |a, b| {
            (a.metadata.ns(), &a.metadata.name).cmp(&(b.metadata.ns(), &b.metadata.name))
        });
        for svc in services {
            let ns = lower(svc.metadata.ns());
            let name = lower(&svc.metadata.name);
            zone.namespaces.insert(ns.clone());
            let fqdn = zone.service_fqdn(&name, &ns);
            let kind = if svc.service_type() == ServiceType::ExternalName {
                SvcKind::ExternalName(lower(
                    svc.spec
                        .external_name
                        .as_deref()
                        .unwrap_or("")
                        .trim_end_matches('.'),
                ))
            } else if svc.is_headless() {
                SvcKind::Headless
            } else {
                let mut ips: Vec<IpAddr> = svc
                    .spec
                    .cluster_ips
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect();
                if ips.is_empty() {
                    ips.extend(svc.cluster_ip().and_then(|s| s.parse::<IpAddr>().ok()));
                }
                for ip in &ips {
                    zone.reverse_services
                        .entry(*ip)
                        .or_default()
                        .push(fqdn.clone());
                }
                SvcKind::ClusterIp(ips)
            };
            let ports = svc
                .spec
                .ports
                .iter()
                .map(|p| DnsPort {
                    name: p.name.as_deref().filter(|n| !n.is_empty()).map(lower),
                    proto: lower(p.protocol()),
                    port: port_u16(p.port),
                })
                .collect();
            // With publishNotReadyAddresses the EndpointSlice controller
            // publishes every endpoint as ready; honour it here too, for
            // slices written by hand.
            let all_ready = svc.spec.publish_not_ready_addresses == Some(true);
            let mut endpoints = Vec::new();
            for slice in sorted.iter().filter(|s| {
                s.metadata.ns() == svc.metadata.ns()
                    && s.service_name() == Some(svc.metadata.name.as_str())
                    && s.address_type != "FQDN"
            }) {
                let ports: Vec<DnsPort> = if slice.ports.is_empty() {
                    vec![DnsPort {
                        name: None,
                        proto: "tcp".into(),
                        port: None,
                    }]
                } else {
                    slice
                        .ports
                        .iter()
                        .map(|p| DnsPort {
                            name: p.name.as_deref().filter(|n| !n.is_empty()).map(lower),
                            proto: lower(p.protocol.as_deref().unwrap_or("TCP")),
                            port: p.port.and_then(port_u16),
                        })
                        .collect()
                };
                // CoreDNS endpointsliceReady: an unset `ready` counts as
                // ready; serving-only or terminating endpoints do not.
                for ep in slice
                    .endpoints
                    .iter()
                    .filter(|e| all_ready || e.conditions.is_ready())
                {
                    for addr in &ep.addresses {
                        let Ok(ip) = addr.parse::<IpAddr>() else {
                            continue;
                        };
                        let hostname = endpoint_hostname(ep.hostname.as_deref(), ip);
                        zone.reverse_endpoints
                            .entry(ip)
                            .or_default()
                            .push(format!("{hostname}.{fqdn}"));
                        endpoints.push(DnsEndpoint {
                            ip,
                            hostname,
                            ports: ports.clone(),
                        });
                    }
                }
            }
            zone.services.insert(
                (ns, name),
                DnsService {
                    kind,
                    ports,
                    endpoints,
                },
            );
        }
        for pod in pods {
            if let Some(ip) = pod.status.pod_ip.as_deref().and_then(|s| s.parse().ok()) {
                zone.pod_ips.insert((lower(pod.metadata.ns()), ip));
            }
        }
        zone
    }

    pub fn options(&self) -> &ZoneOptions {
        &self.opts
    }

    fn zone(&self) -> &str {
        &self.opts.cluster_domain
    }

    /// `<svc>.<ns>.svc.<zone>.`
    fn service_fqdn(&self, svc: &str, ns: &str) -> String {
        format!("{svc}.{ns}.svc.{}.", self.zone())
    }

    fn record(&self, name: &str, data: RData) -> Record {
        Record {
            name: name.to_string(),
            ttl: self.opts.ttl,
            data,
        }
    }

    /// The SOA that negative answers carry (`backend_lookup.go` `SOA`):
    /// record TTL `min(ttl, 300)`, MINIMUM `ttl`.
    fn soa(&self) -> Record {
        let zone = self.zone();
        Record {
            name: format!("{zone}."),
            ttl: self.opts.ttl.min(300),
            data: RData::Soa {
                mname: format!("ns.dns.{zone}."),
                rname: format!("hostmaster.{zone}."),
                serial: self.opts.soa_serial,
                refresh: 7200,
                retry: 1800,
                expire: 86400,
                minimum: self.opts.ttl,
            },
        }
    }

    fn nxdomain(&self) -> Answer {
        Answer {
            rcode: Rcode::NxDomain,
            authoritative: true,
            answer: Vec::new(),
            authority: vec![self.soa()],
            additional: Vec::new(),
        }
    }

    fn nodata(&self) -> Answer {
        Answer {
            rcode: Rcode::NoError,
            authoritative: true,
            answer: Vec::new(),
            authority: vec![self.soa()],
            additional: Vec::new(),
        }
    }

    fn answer(&self, answer: Vec<Record>, additional: Vec<Record>) -> Answer {
        if answer.is_empty() {
            return self.nodata();
        }
        Answer {
            rcode: Rcode::NoError,
            authoritative: true,
            answer,
            authority: Vec::new(),
            additional,
        }
    }

    /// Answer one question, as the cluster DNS server would. `name` may or
    /// may not end in a dot; comparisons are case-insensitive.
    pub fn query(&self, name: &str, qtype: QType) -> Answer {
        self.query_depth(name, qtype, 0)
    }

    fn query_depth(&self, name: &str, qtype: QType, depth: u8) -> Answer {
        let name = lower(name.trim_end_matches('.'));
        let owner = format!("{name}.");
        let zone = self.zone().to_string();
        if name.ends_with(".in-addr.arpa") || name.ends_with(".ip6.arpa") {
            return self.query_reverse(&name, &owner, qtype);
        }
        let rest = if name == zone {
            ""
        } else if let Some(r) = name.strip_suffix(&format!(".{zone}")) {
            r
        } else {
            return self.upstream(&name, &owner, qtype);
        };
        if rest.is_empty() {
            // The zone apex: only its SOA.
            return if qtype == QType::Soa {
                self.answer(vec![self.soa()], Vec::new())
            } else {
                self.nodata()
            };
        }
        if rest == "dns-version" {
            return if qtype == QType::Txt {
                let rec = Record {
                    name: owner,
                    ttl: 28800,
                    data: RData::Txt {
                        text: SCHEMA_VERSION.to_string(),
                    },
                };
                self.answer(vec![rec], Vec::new())
            } else {
                self.nodata()
            };
        }
        // parseRequest: the labels read right to left are svc|pod, the
        // namespace, the service, then an endpoint or `_port._proto`.
        let labels: Vec<&str> = rest.split('.').collect();
        let (kind, before) = match labels.split_last() {
            Some((k, before)) => (*k, before),
            None => return self.nxdomain(),
        };
        match kind {
            "svc" => self.query_svc(before, &owner, qtype, depth),
            "pod" => self.query_pod(before, &owner, qtype),
            _ => self.nxdomain(),
        }
    }

    fn query_svc(&self, labels: &[&str], owner: &str, qtype: QType, depth: u8) -> Answer {
        let (ns, svc, endpoint, port) = match labels {
            [] => return self.nodata(),
            [ns] => {
                // `<ns>.svc.<zone>`: NODATA when the namespace is known.
                // svcsim knows a namespace through its Services.
                return if self.namespaces.contains(*ns) {
                    self.nodata()
                } else {
                    self.nxdomain()
                };
            }
            [svc, ns] => (*ns, *svc, None, None),
            [ep, svc, ns] => (*ns, *svc, Some(*ep), None),
            [p, proto, svc, ns] => (
                *ns,
                *svc,
                None,
                Some((p.trim_start_matches('_'), proto.trim_start_matches('_'))),
            ),
            // "query too long"
            _ => return self.nxdomain(),
        };
        let Some(service) = self.services.get(&(ns.to_string(), svc.to_string())) else {
            return self.nxdomain();
        };
        let fqdn = self.service_fqdn(svc, ns);

        if let SvcKind::ExternalName(target) = &service.kind {
            // An endpoint or port prefix under an ExternalName, or an
            // ExternalName that is an IP literal, has no record.
            if endpoint.is_some() || port.is_some() || target.is_empty() {
                return self.nxdomain();
            }
            if target.parse::<IpAddr>().is_ok() {
                return self.nxdomain();
            }
            let cname = self.record(
                owner,
                RData::Cname {
                    target: format!("{target}."),
                },
            );
            if qtype == QType::Cname || depth >= 8 {
                return self.answer(vec![cname], Vec::new());
            }
            // The resolver follows the CNAME; CoreDNS chases in-cluster
            // targets itself and asks upstream for the rest.
            let mut chased = self.query_depth(target, qtype, depth + 1);
            chased.answer.insert(0, cname);
            chased.authoritative = true;
            if !chased.answer.iter().any(|r| r.data.qtype() == qtype) {
                chased.authority = vec![self.soa()];
            }
            return chased;
        }

        let port_ok = |p: &DnsPort| match port {
            None => true,
            Some((name, proto)) => {
                p.name.as_deref() == Some(name.to_ascii_lowercase().as_str())
                    && p.proto == proto.to_ascii_lowercase()
            }
        };
        // findServices: entries are (address, port, target). Endpoint
        // records come from a headless Service, or from any Service when
        // the query names an endpoint.
        let mut entries: Vec<Entry> = Vec::new();
        match (&service.kind, endpoint) {
            (SvcKind::ClusterIp(ips), None) => {
                let sentinel = [DnsPort {
                    name: None,
                    proto: "tcp".into(),
                    port: None,
                }];
                let ports: &[DnsPort] = if service.ports.is_empty() {
                    &sentinel
                } else {
                    &service.ports
                };
                for p in ports.iter().filter(|p| port_ok(p)) {
                    for ip in ips {
                        entries.push(Entry {
                            ip: *ip,
                            port: p.port,
                            target: fqdn.clone(),
                        });
                    }
                }
            }
            _ => {
                for ep in &service.endpoints {
                    if endpoint.is_some_and(|e| e != ep.hostname) {
                        continue;
                    }
                    for p in ep.ports.iter().filter(|p| port_ok(p)) {
                        entries.push(Entry {
                            ip: ep.ip,
                            port: p.port,
                            target: format!("{}.{fqdn}", ep.hostname),
                        });
                    }
                }
            }
        }
        if entries.is_empty() {
            // errNoItems: a headless Service without ready endpoints, an
            // unknown endpoint name, or no port with that name.
            return self.nxdomain();
        }
        match qtype {
            QType::A | QType::Aaaa => {
                let want_v4 = qtype == QType::A;
                let mut seen = VecSet::new();
                let records = entries
                    .iter()
                    .filter(|e| e.ip.is_ipv4() == want_v4 && seen.insert(e.ip))
                    .map(|e| self.record(owner, address_data(e.ip)))
                    .collect();
                self.answer(records, Vec::new())
            }
            QType::Srv => self.srv(owner, &entries),
            _ => self.nodata(),
        }
    }

    /// `backend_lookup.go` `SRV`: priority 0; the candidates share weight
    /// 100, `floor(100 / n)` each with a minimum of 1, where n counts every
    /// candidate before de-duplication (sentinel ports included). The
    /// targets' addresses go in the additional section.
    fn srv(&self, owner: &str, entries: &[Entry]) -> Answer {
        let n = entries.len().max(1);
        let weight = u16::try_from(100 / n).unwrap_or(0).max(1);
        let mut seen_srv = VecSet::new();
        let mut seen_addr = VecSet::new();
        let mut answer = Vec::new();
        let mut additional = Vec::new();
        for e in entries {
            let Some(port) = e.port else { continue };
            if seen_srv.insert((port, e.target.clone())) {
                answer.push(self.record(
                    owner,
                    RData::Srv {
                        priority: 0,
                        weight,
                        port,
                        target: e.target.clone(),
                    },
                ));
            }
            if seen_addr.insert((e.target.clone(), e.ip)) {
                additional.push(self.record(&e.target, address_data(e.ip)));
            }
        }
        self.answer(answer, additional)
    }

    fn query_pod(&self, labels: &[&str], owner: &str, qtype: QType) -> Answer {
        let (dashed, ns) = match labels {
            [] => return self.nodata(),
            [dashed, ns] => (*dashed, *ns),
            _ => return self.nxdomain(),
        };
        let Some(ip) = parse_dashed_ip(dashed) else {
            return self.nxdomain();
        };
        let exists = match self.opts.pods {
            PodRecords::Disabled => false,
            PodRecords::Insecure => true,
            PodRecords::Verified => self.pod_ips.contains(&(ns.to_string(), ip)),
        };
        if !exists {
            return self.nxdomain();
        }
        match (qtype, ip) {
            (QType::A, IpAddr::V4(_)) | (QType::Aaaa, IpAddr::V6(_)) => {
                self.answer(vec![self.record(owner, address_data(ip))], Vec::new())
            }
            _ => self.nodata(),
        }
    }

    /// `reverse.go` `serviceRecordForIP`: a ClusterIP names its Service;
    /// otherwise every ready endpoint with that IP names itself under its
    /// Service. Anything else falls through to upstream (kubeadm's
    /// `fallthrough in-addr.arpa ip6.arpa`), which knows nothing.
    fn query_reverse(&self, name: &str, owner: &str, qtype: QType) -> Answer {
        let targets = parse_reverse(name).and_then(|ip| {
            self.reverse_services
                .get(&ip)
                .or_else(|| self.reverse_endpoints.get(&ip))
        });
        let Some(targets) = targets else {
            return self.upstream(name, owner, qtype);
        };
        if qtype != QType::Ptr {
            return self.nodata();
        }
        let mut seen = VecSet::new();
        let records = targets
            .iter()
            .filter(|t| seen.insert(t.as_str()))
            .map(|t| self.record(owner, RData::Ptr { target: t.clone() }))
            .collect();
        self.answer(records, Vec::new())
    }

    /// Outside the cluster zone: the upstream table, else NXDOMAIN.
    fn upstream(&self, name: &str, owner: &str, qtype: QType) -> Answer {
        let mut answer = Answer {
            rcode: Rcode::NxDomain,
            authoritative: false,
            answer: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
        };
        if let Some(ips) = self.opts.upstream.get(name) {
            answer.rcode = Rcode::NoError;
            for ip in ips {
                let fits = matches!(
                    (qtype, ip),
                    (QType::A, IpAddr::V4(_)) | (QType::Aaaa, IpAddr::V6(_))
                );
                if fits {
                    answer.answer.push(Record {
                        name: owner.to_string(),
                        ttl: self.opts.upstream_ttl,
                        data: address_data(*ip),
                    });
                }
            }
        }
        answer
    }
}

fn address_data(ip: IpAddr) -> RData {
    match ip {
        IpAddr::V4(address) => RData::A { address },
        IpAddr::V6(address) => RData::Aaaa { address },
    }
}

/// A pod's `/etc/resolv.conf`, as far as name expansion goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvConf {
    pub nameservers: Vec<String>,
    /// Search domains, without trailing dots, in order.
    pub search: Vec<String>,
    pub ndots: u8,
}

impl ResolvConf {
    /// What kubelet writes for `dnsPolicy: ClusterFirst` (`GetPodDNS`,
    /// `generateSearchesForDNSClusterFirst`): the cluster DNS Service as the
    /// only nameserver; search `<ns>.svc.<zone> svc.<zone> <zone>`; and the
    /// single default option `ndots:5`. The node's own search domains,
    /// which kubelet appends, are not modelled.
    pub fn cluster_first(namespace: &str, cluster_domain: &str, nameserver: &str) -> ResolvConf {
        let zone = lower(cluster_domain.trim_end_matches('.'));
        ResolvConf {
            nameservers: vec![nameserver.to_string()],
            search: vec![
                format!("{}.svc.{zone}", lower(namespace)),
                format!("svc.{zone}"),
                zone,
            ],
            ndots: 5,
        }
    }

    /// The names a libc stub resolver tries for `name`, in order. A name
    /// ending in a dot is absolute and tried alone. A name with at least
    /// `ndots` dots is tried as given first, then with each search domain;
    /// one with fewer is tried with each search domain first and as given
    /// last (resolv.conf(5), `ndots`).
    pub fn candidates(&self, name: &str) -> Vec<String> {
        if let Some(abs) = name.strip_suffix('.') {
            return vec![abs.to_string()];
        }
        let searched = self.search.iter().map(|d| format!("{name}.{d}"));
        let dots = name.matches('.').count();
        if dots >= usize::from(self.ndots) {
            std::iter::once(name.to_string()).chain(searched).collect()
        } else {
            searched.chain(std::iter::once(name.to_string())).collect()
        }
    }
}

/// One query a resolver sent, and what came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryStep {
    /// The name asked, absolute, with the trailing dot.
    pub qname: String,
    pub qtype: QType,
    pub answer: Answer,
}

/// The outcome of [`resolve`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Every query sent, in order.
    pub queries: Vec<QueryStep>,
    /// The index in `queries` of the answer the application gets.
    pub final_index: usize,
}

impl Resolution {
    /// The answer the application gets.
    pub fn final_step(&self) -> &QueryStep {
        // `resolve` always sends at least one query and sets final_index
        // to one of them.
        &self.queries[self.final_index]
    }
}

/// Resolve `name` as a pod with `conf` would: try each candidate name in
/// order and stop at the first answer with records. NXDOMAIN and NODATA both
/// move on to the next candidate, as glibc's `res_search` does; when nothing
/// answers, the application sees NODATA if any candidate gave it, else the
/// last NXDOMAIN. (glibc's getaddrinfo sends A and AAAA for each candidate;
/// callers that want both call this once per type.)
pub fn resolve(zone: &Zone, name: &str, qtype: QType, conf: &ResolvConf) -> Resolution {
    let mut queries = Vec::new();
    let mut nodata = None;
    let mut candidates = conf.candidates(name);
    if candidates.is_empty() {
        candidates.push(name.to_string());
    }
    for qname in candidates {
        let answer = zone.query(&qname, qtype);
        let hit = answer.rcode == Rcode::NoError && !answer.answer.is_empty();
        if answer.is_nodata() && nodata.is_none() {
            nodata = Some(queries.len());
        }
        queries.push(QueryStep {
            qname: format!("{}.", qname.trim_end_matches('.')),
            qtype,
            answer,
        });
        if hit {
            let final_index = queries.len() - 1;
            return Resolution {
                queries,
                final_index,
            };
        }
    }
    let final_index = nodata.unwrap_or(queries.len() - 1);
    Resolution {
        queries,
        final_index,
    }
}

/// One query and its answer in dig's output format (`;; ->>HEADER<<-`,
/// `;; QUESTION SECTION:`, `;; ANSWER SECTION:` ...), so that the CLI and
/// the UI print the same text. `server` is the nameserver's address. The
/// message id is left out: svcsim does not model it.
pub fn dig_text(step: &QueryStep, server: &str) -> String {
    let a = &step.answer;
    let flags = if a.authoritative {
        "qr aa rd ra"
    } else {
        "qr rd ra"
    };
    let mut out = String::new();
    out.push_str(&format!(
        "; <<>> svcsim dig <<>> {} {}\n",
        step.qname, step.qtype
    ));
    out.push_str(";; Got answer:\n");
    out.push_str(&format!(
        ";; ->>HEADER<<- opcode: QUERY, status: {}\n",
        a.rcode
    ));
    out.push_str(&format!(
        ";; flags: {flags}; QUERY: 1, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}\n\n",
        a.answer.len(),
        a.authority.len(),
        a.additional.len()
    ));
    out.push_str(&format!(
        ";; QUESTION SECTION:\n;{}\t\tIN\t{}\n",
        step.qname, step.qtype
    ));
    for (title, records) in [
        ("ANSWER", &a.answer),
        ("AUTHORITY", &a.authority),
        ("ADDITIONAL", &a.additional),
    ] {
        if records.is_empty() {
            continue;
        }
        out.push_str(&format!("\n;; {title} SECTION:\n"));
        for r in records {
            out.push_str(&format!("{r}\n"));
        }
    }
    out.push_str(&format!("\n;; SERVER: {server}#53({server}) (UDP)\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names_round_trip() {
        for ip in ["10.96.0.10", "5678:abcd::1", "fd00::"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(parse_reverse(&reverse_name(ip)), Some(ip));
        }
        assert_eq!(
            reverse_name("10.96.0.10".parse().unwrap()),
            "10.0.96.10.in-addr.arpa"
        );
    }

    #[test]
    fn endpoint_hostnames_follow_coredns() {
        let h = |s: &str| endpoint_hostname(None, s.parse().unwrap());
        assert_eq!(h("172.0.0.2"), "172-0-0-2");
        assert_eq!(h("5678:abcd::1"), "5678-abcd--1");
        assert_eq!(h("fd00::"), "fd00--0");
    }

    #[test]
    fn search_order_depends_on_ndots() {
        let conf = ResolvConf::cluster_first("default", "cluster.local", "10.96.0.10");
        assert_eq!(
            conf.candidates("demo"),
            [
                "demo.default.svc.cluster.local",
                "demo.svc.cluster.local",
                "demo.cluster.local",
                "demo"
            ]
        );
        assert_eq!(conf.candidates("a.b.c.d.e.f")[0], "a.b.c.d.e.f");
        assert_eq!(conf.candidates("demo."), ["demo"]);
    }
}
