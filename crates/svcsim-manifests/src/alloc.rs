//! ClusterIP and NodePort allocation, as kube-apiserver does it when a
//! Service is created (`reference/allocators.md`).
//!
//! Sources: `pkg/registry/core/service/ipallocator/bitmap.go` (`New`,
//! `calculateRangeOffset`), `pkg/registry/core/service/allocator/bitmap.go`
//! (`randomScanStrategyWithOffset`), `pkg/registry/core/service/portallocator/allocator.go`
//! and `pkg/registry/core/service/storage/alloc.go` (`allocIPs`,
//! `initNodePorts`, `allocHealthCheckNodePort`, `shouldAllocateNodePorts`).
//!
//! **Determinism.** Kubernetes picks a random start in the upper ("dynamic")
//! band of the range and scans forward to the first free slot. svcsim keeps
//! the band split and the forward scan, and replaces the random start by a
//! hash (FNV-1a) of `namespace/name`. So a Service always gets the same
//! address, whatever the scenario seed and whatever other Services exist
//! (unless two collide, when the scan moves the later one on), and an
//! exported manifest reloads to the same addresses.
//!
//! **Order.** The API server allocates per request, in the order
//! `kubectl apply` sends the objects. svcsim first reserves every
//! explicitly requested address and port (in file order, so a conflict is
//! reported on the later Service), then allocates the rest. The result is
//! the same as Kubernetes' whenever requested values are in the static
//! (lower) band, as they should be; it differs only in that a dynamic
//! allocation can never steal a port a later Service asks for.
//!
//! `default/kubernetes` holds the first address of the range and
//! `kube-system/kube-dns` the tenth, as kubeadm sets them up; user Services
//! cannot take them.

use crate::names::{parse_cidr4, parse_ipv4, Cidr4};
use crate::validate::{go_string_slice, Errs, Val};
use std::net::Ipv4Addr;
use svcsim_core::model::{Service, ServiceType};
use svcsim_core::rng::key_hash;
use svcsim_core::vecmap::VecSet;

/// `calculateRangeOffset` for both allocators: no split at or below 16
/// slots, otherwise clamp(size / step, 16, max).
fn range_offset(size: u64, step: u64, max: u64) -> u64 {
    if size <= 16 {
        0
    } else {
        (size / step).clamp(16, max)
    }
}

/// A bitmap allocator over `size` slots with a lower static band.
#[derive(Clone, Debug)]
struct Bitmap {
    size: u64,
    offset: u64,
    used: VecSet<u64>,
}

impl Bitmap {
    fn new(size: u64, offset: u64) -> Bitmap {
        Bitmap {
            size,
            offset: offset.min(size),
            used: VecSet::new(),
        }
    }

    /// `randomScanStrategyWithOffset.AllocateBit`, with `start` in place of
    /// the random draw: upper band first, then the lower band.
    fn allocate_next(&mut self, start: u64) -> Option<u64> {
        let bands = [(self.offset, self.size), (0, self.offset)];
        for (lo, hi) in bands {
            let n = hi - lo;
            if n == 0 {
                continue;
            }
            let s = start % n;
            // A full range is a scan of `n` slots; `n` is at most 2^20 here
            // (a /12 service range), which is fine for one Service.
            for i in 0..n {
                let bit = lo + (s + i) % n;
                if self.used.insert(bit) {
                    return Some(bit);
                }
            }
        }
        None
    }
}

const ERR_ALLOCATED: &str = "provided port is already allocated";

/// The NodePort allocator (`--service-node-port-range`).
#[derive(Clone, Debug)]
pub struct PortAllocator {
    pub base: u32,
    bits: Bitmap,
}

impl PortAllocator {
    /// Parse `30000-32767`.
    pub fn parse(range: &str) -> Option<PortAllocator> {
        let (a, b) = range.split_once('-')?;
        let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        if a == 0 || b < a || b > 65535 {
            return None;
        }
        let size = u64::from(b - a + 1);
        Some(PortAllocator {
            base: a,
            bits: Bitmap::new(size, range_offset(size, 32, 128)),
        })
    }

    fn range_text(&self) -> String {
        format!(
            "{}-{}",
            self.base,
            u64::from(self.base) + self.bits.size - 1
        )
    }

    /// `Allocate`: a requested port.
    pub fn allocate(&mut self, port: i64) -> Result<(), String> {
        let off = port - i64::from(self.base);
        if off < 0 || off as u64 >= self.bits.size {
            return Err(format!(
                "provided port is not in the valid range. The range of valid ports is {}",
                self.range_text()
            ));
        }
        if !self.bits.used.insert(off as u64) {
            return Err(ERR_ALLOCATED.into());
        }
        Ok(())
    }

    /// `AllocateNext`.
    pub fn allocate_next(&mut self, key: &str) -> Option<i32> {
        let bit = self.bits.allocate_next(key_hash(key))?;
        i32::try_from(u64::from(self.base) + bit).ok()
    }
}

/// The ClusterIP allocator (`--service-cluster-ip-range`), IPv4.
#[derive(Clone, Debug)]
pub struct IpAllocator {
    pub cidr: Cidr4,
    text: String,
    bits: Bitmap,
}

impl IpAllocator {
    /// `ipallocator.New`: usable addresses are network+1 .. broadcast-1.
    pub fn parse(cidr: &str) -> Option<IpAllocator> {
        let c = parse_cidr4(cidr)?;
        let size = c.size();
        // `ServiceIPRange` refuses ranges under 8 addresses.
        if size < 8 {
            return None;
        }
        let usable = size - 2;
        Some(IpAllocator {
            cidr: c,
            text: format!("{}/{}", Ipv4Addr::from(c.net), c.prefix),
            bits: Bitmap::new(usable, range_offset(size, 16, 256)),
        })
    }

    /// The address at index `i` of the range (`GetIndexedIP`).
    pub fn nth(&self, i: u64) -> Ipv4Addr {
        Ipv4Addr::from(self.cidr.net.wrapping_add(i as u32))
    }

    /// `Allocate` a requested IP; the detail text on failure.
    pub fn allocate(&mut self, ip: &str) -> Result<(), String> {
        let not_in_range = || {
            format!(
                "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {}",
                self.text
            )
        };
        let Some(addr) = parse_ipv4(ip) else {
            return Err(not_in_range());
        };
        let a = u32::from(addr);
        if !self.cidr.contains(a) {
            return Err(not_in_range());
        }
        let off = u64::from(a - self.cidr.net);
        if off == 0 || off > self.bits.size {
            return Err(not_in_range());
        }
        if !self.bits.used.insert(off - 1) {
            return Err("provided IP is already allocated".into());
        }
        Ok(())
    }

    pub fn allocate_next(&mut self, key: &str) -> Option<String> {
        let bit = self.bits.allocate_next(key_hash(key))?;
        Some(self.nth(bit + 1).to_string())
    }
}

/// The cluster's allocators.
#[derive(Clone, Debug)]
pub struct Allocators {
    pub ips: IpAllocator,
    pub ports: PortAllocator,
}

impl Allocators {
    pub fn new(service_cidr: &str, node_port_range: &str) -> Option<Allocators> {
        let mut ips = IpAllocator::parse(service_cidr)?;
        let ports = PortAllocator::parse(node_port_range)?;
        // kubernetes.default and kube-dns (kubeadm `GetDNSIP`).
        let a = ips.nth(1).to_string();
        let b = ips.nth(10).to_string();
        let _ = ips.allocate(&a);
        let _ = ips.allocate(&b);
        Some(Allocators { ips, ports })
    }

    /// The addresses of the two system Services.
    pub fn kubernetes_ip(&self) -> String {
        self.ips.nth(1).to_string()
    }
    pub fn kube_dns_ip(&self) -> String {
        self.ips.nth(10).to_string()
    }
}

fn key(svc: &Service, what: &str) -> String {
    format!("{what}/{}/{}", svc.metadata.ns(), svc.metadata.name)
}

fn wants_node_ports(svc: &Service) -> bool {
    match svc.service_type() {
        ServiceType::NodePort => true,
        // `shouldAllocateNodePorts`.
        ServiceType::LoadBalancer => svc.spec.allocate_load_balancer_node_ports.unwrap_or(true),
        _ => false,
    }
}

fn has_ip(svc: &Service) -> bool {
    svc.service_type() != ServiceType::ExternalName && !svc.is_headless()
}

fn needs_health_check(svc: &Service) -> bool {
    svc.service_type() == ServiceType::LoadBalancer
        && svc.spec.external_traffic_policy.as_deref() == Some("Local")
}

/// `normalizeClusterIPs`: on create only `clusterIP` → `clusterIPs` is
/// filled in (new clients are expected to set both).
pub fn normalize(svc: &mut Service) {
    let spec = &mut svc.spec;
    if spec.cluster_ips.is_empty() {
        if let Some(ip) = spec.cluster_ip.as_deref().filter(|s| !s.is_empty()) {
            spec.cluster_ips = vec![ip.to_string()];
        }
    }
}

/// Step 1: normalise `clusterIP` into `clusterIPs` and reserve requested
/// values. Errors use the allocator's wording and paths.
pub fn reserve(svc: &mut Service, a: &mut Allocators) -> Errs {
    let mut e = Errs::default();
    normalize(svc);
    if has_ip(svc) {
        if let Some(ip) = svc.spec.cluster_ip.clone().filter(|s| !s.is_empty()) {
            // A dump of a real cluster contains the two system Services
            // themselves, holding the addresses reserved for them.
            let own = match (svc.metadata.ns(), svc.metadata.name.as_str()) {
                ("default", "kubernetes") => ip == a.kubernetes_ip(),
                ("kube-system", "kube-dns") => ip == a.kube_dns_ip(),
                _ => false,
            };
            if own {
                return e;
            }
            if let Err(m) = a.ips.allocate(&ip) {
                e.invalid(
                    "spec.clusterIPs",
                    Val::Go(go_string_slice(&svc.spec.cluster_ips)),
                    &format!("failed to allocate IP {ip}: {m}"),
                );
            }
        }
    }
    if wants_node_ports(svc) || svc.service_type() == ServiceType::LoadBalancer {
        // Ports with the same number share one nodePort (`initNodePorts`),
        // so a requested port is reserved once per number.
        let mut done = VecSet::new();
        for (i, p) in svc.spec.ports.iter().enumerate() {
            let Some(np) = p.node_port.filter(|n| *n != 0) else {
                continue;
            };
            if !done.insert(np) {
                continue;
            }
            if let Err(m) = a.ports.allocate(np.into()) {
                e.invalid(
                    &format!("spec.ports[{i}].nodePort"),
                    Val::Int(np.into()),
                    &m,
                );
            }
        }
    }
    if needs_health_check(svc) {
        if let Some(hc) = svc.spec.health_check_node_port.filter(|h| *h != 0) {
            if let Err(m) = a.ports.allocate(hc.into()) {
                e.internal(
                    "spec.healthCheckNodePort",
                    &format!("failed to allocate requested HealthCheck NodePort {hc}: {m}"),
                );
            }
        }
    }
    e
}

/// Step 2: allocate what was not requested.
pub fn allocate(svc: &mut Service, a: &mut Allocators) -> Errs {
    let mut e = Errs::default();
    if has_ip(svc) && svc.spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
        match a.ips.allocate_next(&key(svc, "clusterIP")) {
            Some(ip) => {
                svc.spec.cluster_ip = Some(ip.clone());
                svc.spec.cluster_ips = vec![ip];
            }
            None => e.internal(
                "spec.clusterIPs",
                "failed to allocate a serviceIP: range is full",
            ),
        }
    }
    if svc.service_type() != ServiceType::ExternalName {
        if svc.spec.ip_families.is_empty() {
            svc.spec.ip_families = vec!["IPv4".into()];
        }
        if svc.spec.ip_family_policy.is_none() {
            // `initIPFamilyFields`: headless without a selector gets
            // RequireDualStack (it tolerates the missing family).
            let policy = if svc.is_headless() && svc.spec.selector.is_none() {
                "RequireDualStack"
            } else {
                "SingleStack"
            };
            svc.spec.ip_family_policy = Some(policy.into());
        }
    }
    if wants_node_ports(svc) {
        // Ports with the same number share one nodePort (`initNodePorts`,
        // `svcPortToNodePort`), including an explicitly requested one.
        let mut by_port: svcsim_core::vecmap::VecMap<i32, i32> = Default::default();
        for p in &svc.spec.ports {
            if let Some(np) = p.node_port.filter(|n| *n != 0) {
                by_port.entry(p.port).or_insert(np);
            }
        }
        let k = key(svc, "nodePort");
        for i in 0..svc.spec.ports.len() {
            if svc.spec.ports[i].node_port.is_some_and(|n| n != 0) {
                continue;
            }
            let port = svc.spec.ports[i].port;
            let np = match by_port.get(&port) {
                Some(np) => Some(*np),
                None => a.ports.allocate_next(&format!("{k}/{port}")),
            };
            match np {
                Some(np) => {
                    by_port.insert(port, np);
                    svc.spec.ports[i].node_port = Some(np);
                }
                None => e.internal(
                    &format!("spec.ports[{i}].nodePort"),
                    "failed to allocate a nodePort: range is full",
                ),
            }
        }
    }
    if needs_health_check(svc) && svc.spec.health_check_node_port.is_none_or(|h| h == 0) {
        match a.ports.allocate_next(&key(svc, "healthCheckNodePort")) {
            Some(p) => svc.spec.health_check_node_port = Some(p),
            None => e.internal(
                "spec.healthCheckNodePort",
                "failed to allocate a nodePort: range is full",
            ),
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_the_reference_table() {
        assert_eq!(range_offset(1 << 20, 16, 256), 256);
        assert_eq!(range_offset(256, 16, 256), 16);
        assert_eq!(range_offset(16, 16, 256), 0);
        assert_eq!(range_offset(1024, 16, 256), 64);
        assert_eq!(range_offset(2768, 32, 128), 86);
    }

    #[test]
    fn dynamic_ports_prefer_the_upper_band() {
        let mut p = PortAllocator::parse("30000-32767").unwrap();
        for i in 0..50 {
            let n = p.allocate_next(&format!("svc{i}")).unwrap();
            assert!((30086..=32767).contains(&n), "{n}");
        }
        assert_eq!(p.allocate(30008), Ok(()));
        assert_eq!(p.allocate(30008), Err(ERR_ALLOCATED.into()));
        assert!(p.allocate(80).unwrap_err().ends_with("30000-32767"));
    }

    #[test]
    fn system_addresses_are_reserved() {
        let mut a = Allocators::new("10.96.0.0/12", "30000-32767").unwrap();
        assert_eq!(a.kubernetes_ip(), "10.96.0.1");
        assert_eq!(a.kube_dns_ip(), "10.96.0.10");
        assert_eq!(
            a.ips.allocate("10.96.0.10"),
            Err("provided IP is already allocated".into())
        );
        let ip = a.ips.allocate_next("x").unwrap();
        let o = parse_ipv4(&ip).unwrap().octets();
        // Upper band: past 10.96.1.0.
        assert!(o[1] > 96 || o[2] >= 1, "{ip}");
    }

    #[test]
    fn small_range_fills_up() {
        let mut a = IpAllocator::parse("10.0.0.0/29").unwrap();
        let mut got = VecSet::new();
        while let Some(ip) = a.allocate_next("k") {
            got.insert(ip);
        }
        assert_eq!(got.len(), 6);
    }
}
