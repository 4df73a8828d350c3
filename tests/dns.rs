//! Cluster DNS tests: `svcsim_core::dns::Zone` against the answers CoreDNS's
//! own tests expect (`plugin/kubernetes/handler_test.go`, quoted in
//! reference/dns.md §6), plus the pod-side search path.
//!
//! The fixture mirrors CoreDNS's: namespace `testns` with `svc1`
//! (ClusterIP 10.0.0.1, port http 80/TCP), `svc-dual-stack`
//! (10.0.0.3 and 10::3), `svcempty` (no endpoints), headless `hdls1` (four
//! IPv4 and two IPv6 ready endpoints, two named `dup-name`) and
//! `external` (ExternalName `ext.interwebs.test`). Namespace `default`
//! holds `demo` for the search-path tests.

use std::net::IpAddr;
use svcsim_core::dns::{resolve, QType, RData, Rcode, ResolvConf, Zone, ZoneOptions};
use svcsim_manifests::lenient::parse_objects;

const OBJECTS: &str = r#"
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: svc1}
spec:
  clusterIP: 10.0.0.1
  ports: [{name: http, port: 80, protocol: TCP, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: svc-dual-stack}
spec:
  clusterIP: 10.0.0.3
  clusterIPs: [10.0.0.3, "10::3"]
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: svcempty}
spec:
  clusterIP: 10.0.0.2
  selector: {app: nothing}
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: hdls1}
spec:
  clusterIP: None
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: testns
  name: hdls1-v4
  labels: {kubernetes.io/service-name: hdls1}
addressType: IPv4
ports: [{name: http, port: 80, protocol: TCP}]
endpoints:
- addresses: [172.0.0.2]
  conditions: {ready: true}
- addresses: [172.0.0.3]
- addresses: [172.0.0.4]
  hostname: dup-name
  conditions: {ready: true}
- addresses: [172.0.0.5]
  hostname: dup-name
  conditions: {ready: true}
- addresses: [172.0.0.99]
  conditions: {ready: false, serving: true, terminating: true}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: testns
  name: hdls1-v6
  labels: {kubernetes.io/service-name: hdls1}
addressType: IPv6
ports: [{name: http, port: 80, protocol: TCP}]
endpoints:
- addresses: ["5678:abcd::1"]
- addresses: ["5678:abcd::2"]
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: external}
spec:
  type: ExternalName
  externalName: ext.interwebs.test
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: ext-ip}
spec:
  type: ExternalName
  externalName: 1.2.3.4
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: unready}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  ports: [{port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: testns
  name: unready-1
  labels: {kubernetes.io/service-name: unready}
addressType: IPv4
ports: [{port: 80}]
endpoints:
- addresses: [172.0.1.1]
  conditions: {ready: false}
---
apiVersion: v1
kind: Service
metadata: {namespace: testns, name: nobody-ready}
spec:
  clusterIP: None
  ports: [{port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  namespace: testns
  name: nobody-ready-1
  labels: {kubernetes.io/service-name: nobody-ready}
addressType: IPv4
ports: [{port: 80}]
endpoints:
- addresses: [172.0.2.1]
  conditions: {ready: false}
---
apiVersion: v1
kind: Service
metadata: {namespace: default, name: demo}
spec:
  clusterIP: 10.96.0.50
  ports: [{name: web, port: 80, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {namespace: prod, name: web}
spec:
  clusterIP: 10.96.0.60
  ports: [{port: 80}]
"#;

/// The zone with CoreDNS's defaults (TTL 5) and the serial its tests use.
fn zone() -> Zone {
    let objects = parse_objects(OBJECTS)
        .unwrap_or_else(|e| panic!("{e}"))
        .objects;
    let opts = ZoneOptions {
        soa_serial: 1499347823,
        ..ZoneOptions::default()
    };
    Zone::from_objects(&objects, &opts)
}

/// The answer section in zone-file form, one record per line.
fn lines(zone: &Zone, name: &str, qtype: QType) -> Vec<String> {
    zone.query(name, qtype)
        .answer
        .iter()
        .map(|r| r.to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn cluster_ip_a_record() {
    let z = zone();
    assert_eq!(
        lines(&z, "svc1.testns.svc.cluster.local.", QType::A),
        ["svc1.testns.svc.cluster.local.\t5\tIN\tA\t10.0.0.1"]
    );
    // Case-insensitive, and the trailing dot is optional.
    assert_eq!(
        lines(&z, "SVC1.TestNS.svc.cluster.local", QType::A),
        ["svc1.testns.svc.cluster.local.\t5\tIN\tA\t10.0.0.1"]
    );
    // The A record exists without endpoints.
    assert_eq!(
        z.query("svcempty.testns.svc.cluster.local.", QType::A)
            .addresses(),
        ["10.0.0.2"
            .parse::<IpAddr>()
            .unwrap_or(IpAddr::from([0, 0, 0, 0]))]
    );
}

#[test]
fn srv_for_named_ports() {
    let z = zone();
    // SRV of a ClusterIP Service carries the Service port, not the targetPort.
    assert_eq!(
        lines(&z, "_http._tcp.svc1.testns.svc.cluster.local.", QType::Srv),
        ["_http._tcp.svc1.testns.svc.cluster.local.\t5\tIN\tSRV\t0 100 80 svc1.testns.svc.cluster.local."]
    );
    let a = z.query("_http._tcp.svc1.testns.svc.cluster.local.", QType::Srv);
    assert_eq!(
        a.additional
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        ["svc1.testns.svc.cluster.local.\t5\tIN\tA\t10.0.0.1"]
    );
    // Dual stack: two candidates share weight 100 and collapse into one SRV.
    assert_eq!(
        lines(&z, "_http._tcp.svc-dual-stack.testns.svc.cluster.local.", QType::Srv),
        ["_http._tcp.svc-dual-stack.testns.svc.cluster.local.\t5\tIN\tSRV\t0 50 80 svc-dual-stack.testns.svc.cluster.local."]
    );
    // Headless: one SRV per distinct endpoint target, weight floor(100/6).
    assert_eq!(
        sorted(lines(&z, "_http._tcp.hdls1.testns.svc.cluster.local.", QType::Srv)),
        sorted(
            [
                "172-0-0-2",
                "172-0-0-3",
                "dup-name",
                "5678-abcd--1",
                "5678-abcd--2"
            ]
            .iter()
            .map(|h| format!(
                "_http._tcp.hdls1.testns.svc.cluster.local.\t5\tIN\tSRV\t0 16 80 {h}.hdls1.testns.svc.cluster.local."
            ))
            .collect()
        )
    );
    // A port name that does not exist.
    assert_eq!(
        z.query("_https._tcp.svc1.testns.svc.cluster.local.", QType::Srv)
            .rcode,
        Rcode::NxDomain
    );
}

#[test]
fn headless_returns_every_ready_address() {
    let z = zone();
    let v4 = z.query("hdls1.testns.svc.cluster.local.", QType::A);
    assert_eq!(
        v4.addresses()
            .iter()
            .map(|ip| ip.to_string())
            .collect::<Vec<_>>(),
        ["172.0.0.2", "172.0.0.3", "172.0.0.4", "172.0.0.5"],
        "the terminating, not-ready 172.0.0.99 is not published"
    );
    assert_eq!(
        lines(&z, "hdls1.testns.svc.cluster.local.", QType::Aaaa),
        [
            "hdls1.testns.svc.cluster.local.\t5\tIN\tAAAA\t5678:abcd::1",
            "hdls1.testns.svc.cluster.local.\t5\tIN\tAAAA\t5678:abcd::2"
        ]
    );
    assert_eq!(
        lines(&z, "dup-name.hdls1.testns.svc.cluster.local.", QType::A),
        [
            "dup-name.hdls1.testns.svc.cluster.local.\t5\tIN\tA\t172.0.0.4",
            "dup-name.hdls1.testns.svc.cluster.local.\t5\tIN\tA\t172.0.0.5"
        ]
    );
    assert_eq!(
        z.query("bogusendpoint.hdls1.testns.svc.cluster.local.", QType::A)
            .rcode,
        Rcode::NxDomain
    );
    // publishNotReadyAddresses publishes the unready endpoint...
    assert_eq!(
        lines(&z, "unready.testns.svc.cluster.local.", QType::A),
        ["unready.testns.svc.cluster.local.\t5\tIN\tA\t172.0.1.1"]
    );
    // ...and without it, a headless Service with no ready endpoint is NXDOMAIN.
    assert_eq!(
        z.query("nobody-ready.testns.svc.cluster.local.", QType::A)
            .rcode,
        Rcode::NxDomain
    );
}

#[test]
fn external_name_is_a_cname() {
    let z = zone();
    assert_eq!(
        lines(&z, "external.testns.svc.cluster.local.", QType::Cname),
        ["external.testns.svc.cluster.local.\t5\tIN\tCNAME\text.interwebs.test."]
    );
    // An A query returns the CNAME, then whatever upstream knows.
    let objects = parse_objects(OBJECTS)
        .unwrap_or_else(|e| panic!("{e}"))
        .objects;
    let mut opts = ZoneOptions::default();
    opts.upstream.insert(
        "ext.interwebs.test".into(),
        vec!["1.2.3.4".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))],
    );
    let with_upstream = Zone::from_objects(&objects, &opts);
    let a = with_upstream.query("external.testns.svc.cluster.local.", QType::A);
    assert_eq!(a.rcode, Rcode::NoError);
    assert_eq!(
        a.answer.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        [
            "external.testns.svc.cluster.local.\t5\tIN\tCNAME\text.interwebs.test.",
            "ext.interwebs.test.\t300\tIN\tA\t1.2.3.4"
        ]
    );
    // An ExternalName that is an IP literal has no record in CoreDNS.
    assert_eq!(
        z.query("ext-ip.testns.svc.cluster.local.", QType::A).rcode,
        Rcode::NxDomain
    );
}

#[test]
fn negative_answers_carry_the_soa() {
    let z = zone();
    let soa = "cluster.local.\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 5";
    let nx = z.query("svc0.testns.svc.cluster.local.", QType::A);
    assert_eq!(nx.rcode, Rcode::NxDomain);
    assert_eq!(nx.authority[0].to_string(), soa);
    // NODATA: the name exists, the type does not.
    let nodata = z.query("svc1.testns.svc.cluster.local.", QType::Aaaa);
    assert!(nodata.is_nodata());
    assert_eq!(nodata.authority[0].to_string(), soa);
    assert!(z.query("testns.svc.cluster.local.", QType::A).is_nodata());
    // Too many labels.
    assert_eq!(
        z.query("a.b._http._tcp.svc1.testns.svc.cluster.local.", QType::A)
            .rcode,
        Rcode::NxDomain
    );
    // Schema version.
    assert_eq!(
        lines(&z, "dns-version.cluster.local", QType::Txt),
        ["dns-version.cluster.local.\t28800\tIN\tTXT\t\"1.1.0\""]
    );
}

#[test]
fn ptr_records() {
    let z = zone();
    assert_eq!(
        lines(&z, "1.0.0.10.in-addr.arpa.", QType::Ptr),
        ["1.0.0.10.in-addr.arpa.\t5\tIN\tPTR\tsvc1.testns.svc.cluster.local."]
    );
    // A headless endpoint names itself under its Service.
    assert_eq!(
        lines(&z, "4.0.0.172.in-addr.arpa.", QType::Ptr),
        ["4.0.0.172.in-addr.arpa.\t5\tIN\tPTR\tdup-name.hdls1.testns.svc.cluster.local."]
    );
    // An address nobody owns falls through to upstream: NXDOMAIN.
    let none = z.query("9.9.9.10.in-addr.arpa.", QType::Ptr);
    assert_eq!(none.rcode, Rcode::NxDomain);
    assert!(!none.authoritative);
}

#[test]
fn search_path_for_a_short_name() {
    let z = zone();
    let conf = ResolvConf::cluster_first("default", "cluster.local", "10.96.0.10");
    assert_eq!(
        conf.search,
        [
            "default.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local"
        ]
    );
    assert_eq!(conf.ndots, 5);

    // `demo` is found at the first try.
    let r = resolve(&z, "demo", QType::A, &conf);
    assert_eq!(r.queries.len(), 1);
    assert_eq!(r.final_step().qname, "demo.default.svc.cluster.local.");
    assert_eq!(
        r.final_step().answer.addresses()[0].to_string(),
        "10.96.0.50"
    );

    // A name that does not exist is tried with every search domain, in
    // order, and then as given.
    let r = resolve(&z, "nothere", QType::A, &conf);
    let tried: Vec<&str> = r.queries.iter().map(|q| q.qname.as_str()).collect();
    assert_eq!(
        tried,
        [
            "nothere.default.svc.cluster.local.",
            "nothere.svc.cluster.local.",
            "nothere.cluster.local.",
            "nothere."
        ]
    );
    assert_eq!(r.final_step().answer.rcode, Rcode::NxDomain);

    // `web.prod` misses in the pod's namespace, then hits as Service `web`
    // in namespace `prod`.
    let r = resolve(&z, "web.prod", QType::A, &conf);
    let tried: Vec<(&str, Rcode)> = r
        .queries
        .iter()
        .map(|q| (q.qname.as_str(), q.answer.rcode))
        .collect();
    assert_eq!(
        tried,
        [
            ("web.prod.default.svc.cluster.local.", Rcode::NxDomain),
            ("web.prod.svc.cluster.local.", Rcode::NoError)
        ]
    );

    // A fully qualified name is asked once.
    let r = resolve(&z, "demo.default.svc.cluster.local.", QType::A, &conf);
    assert_eq!(r.queries.len(), 1);
    assert!(matches!(
        r.final_step().answer.answer[0].data,
        RData::A { .. }
    ));
}

#[test]
fn answers_serialize() {
    let z = zone();
    let r = resolve(
        &z,
        "svc1.testns",
        QType::A,
        &ResolvConf::cluster_first("default", "cluster.local", "10.96.0.10"),
    );
    let json = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(json["queries"][0]["answer"]["rcode"], "NXDOMAIN");
    assert_eq!(
        json["queries"][1]["answer"]["answer"][0]["data"]["type"],
        "A"
    );
    assert_eq!(
        json["queries"][1]["answer"]["answer"][0]["data"]["address"],
        "10.0.0.1"
    );
    assert_eq!(json["final_index"], 1);
}

#[test]
fn bare_srv_pod_records_and_endpoint_names() {
    let z = zone();
    // A bare SRV query lists every port, unnamed ones included.
    assert_eq!(
        lines(&z, "web.prod.svc.cluster.local.", QType::Srv),
        ["web.prod.svc.cluster.local.\t5\tIN\tSRV\t0 100 80 web.prod.svc.cluster.local."]
    );
    // Pod records are off by default (CoreDNS `pods disabled`)...
    assert_eq!(
        z.query("10-244-1-9.default.pod.cluster.local.", QType::A)
            .rcode,
        Rcode::NxDomain
    );
    // ...and `pods insecure` answers any address without checking it.
    let objects = parse_objects(OBJECTS)
        .unwrap_or_else(|e| panic!("{e}"))
        .objects;
    let opts = ZoneOptions {
        pods: svcsim_core::dns::PodRecords::Insecure,
        ttl: 30,
        ..ZoneOptions::default()
    };
    let kubeadm = Zone::from_objects(&objects, &opts);
    assert_eq!(
        lines(&kubeadm, "10-244-1-9.default.pod.cluster.local.", QType::A),
        ["10-244-1-9.default.pod.cluster.local.\t30\tIN\tA\t10.244.1.9"]
    );
    // An unknown namespace under svc is NXDOMAIN; a known one is NODATA.
    assert_eq!(
        z.query("nowhere.svc.cluster.local.", QType::A).rcode,
        Rcode::NxDomain
    );
    assert!(z.query("prod.svc.cluster.local.", QType::A).is_nodata());
}

/// `Sim::dns_lookup`, the DNS panel's question: a pod's resolver walking
/// its search path against the running cluster's zone.
#[test]
fn sim_lookup_from_a_pod() {
    let l = svcsim_manifests::load(
        svcsim_manifests::builtin::get("mixed").expect("built-in"),
        "mixed",
    )
    .expect("loads");
    let mut sim = svcsim_core::Sim::new(l.objects, l.scenario).expect("builds");
    let events = sim.events_processed();

    // Headless: the first search domain answers with every ready pod.
    let (r, server) = sim.dns_lookup("default", "database", QType::A);
    assert_eq!(r.final_step().qname, "database.default.svc.cluster.local.");
    assert_eq!(r.final_step().answer.addresses().len(), 3);
    assert!(server.parse::<IpAddr>().is_ok());

    // ExternalName: a CNAME to the outside name.
    let (r, _) = sim.dns_lookup("default", "my-external-service", QType::A);
    assert!(r
        .final_step()
        .answer
        .answer
        .iter()
        .any(|rec| matches!(&rec.data, RData::Cname { target } if target == "example.com.")));

    // A name that does not exist: every search domain, then as given.
    let (r, _) = sim.dns_lookup("default", "nope", QType::A);
    assert_eq!(r.queries.len(), 4);
    assert!(r.queries.iter().all(|q| q.answer.rcode == Rcode::NxDomain));

    // Asking changed nothing in the run.
    assert_eq!(sim.events_processed(), events);
}
