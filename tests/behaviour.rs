//! Faithful-behaviour tests of the simulation, each a small scenario file
//! run through the real loader and engine. The `check` helper runs a
//! scenario and returns its trace; each test states what Kubernetes does
//! and asserts it on the trace.

use std::collections::BTreeMap;
use svcsim_core::sim::trace::{PacketKind, RequestEnd};
use svcsim_core::sim::{Outcome, TraceEvent, TraceKind};
use svcsim_core::{Sim, SimTime};
use svcsim_tests::data_path;

/// The shared Deployment + ClusterIP Service, plus `extra` (a Scenario
/// document and any other objects).
fn scenario(extra: &str) -> String {
    let common = std::fs::read_to_string(data_path("behaviour/common.yaml")).expect("common.yaml");
    format!("{common}---\n{extra}")
}

/// Load, build and run a scenario for its duration; return the sim and
/// its whole trace.
fn check(text: &str) -> (Sim, Vec<TraceEvent>) {
    let loaded = match svcsim_manifests::load(text, "test.yaml") {
        Ok(l) => l,
        Err(d) => panic!("scenario does not load:\n{}", svcsim_manifests::render(&d)),
    };
    let duration = loaded.scenario.duration;
    let mut sim = Sim::new(loaded.objects, loaded.scenario).expect("scenario builds");
    let mut trace = Vec::new();
    let end = SimTime(duration.as_nanos());
    let mut t = SimTime::ZERO;
    while t < end {
        t = (t + svcsim_core::SimDuration::from_secs(1)).min(end);
        sim.run_until(t);
        trace.extend(sim.drain_trace());
    }
    (sim, trace)
}

fn ends(trace: &[TraceEvent]) -> Vec<(SimTime, &RequestEnd)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::End(x) => Some((e.t, x)),
            _ => None,
        })
        .collect()
}

/// Chi-square statistic of observed counts against a uniform split.
fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let e = total as f64 / counts.len() as f64;
    counts.iter().map(|&o| (o as f64 - e).powi(2) / e).sum()
}

/// Critical values of chi-square at p = 0.001 for 2 and 3 degrees of freedom.
const CHI2_P001_DF2: f64 = 13.816;

#[test]
fn clusterip_new_connection_per_request_splits_one_third_each() {
    // iptables mode picks an endpoint with the statistic cascade
    // (1/3, then 1/2, then the rest): each pod gets 1/3 of new connections.
    let (sim, trace) = check(&scenario(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 31s
  clients:
  - name: load
    target: ms-service:3200
    rate: 1000
  workloads:
  - deployment: microservice-one
    serviceTime: 1ms
    concurrency: 64
",
    ));
    let ok: Vec<_> = ends(&trace)
        .into_iter()
        .filter(|(_, e)| e.outcome == Outcome::Ok)
        .collect();
    assert!(ok.len() >= 30_000, "only {} ok requests", ok.len());
    let mut per_pod: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, e) in ok.iter().take(30_000) {
        *per_pod.entry(e.pod.as_deref().unwrap_or("?")).or_insert(0) += 1;
    }
    assert_eq!(per_pod.len(), 3, "{per_pod:?}");
    let counts: Vec<u64> = per_pod.values().copied().collect();
    let chi2 = chi_square(&counts);
    assert!(chi2 < CHI2_P001_DF2, "chi2 {chi2:.2} for {per_pod:?}");
    assert_eq!(
        sim.metrics().outcomes.len(),
        1,
        "{:?}",
        sim.metrics().reasons
    );
}

#[test]
fn keep_alive_pins_each_client_to_one_pod() {
    // A kept-alive connection is DNATed once; later requests follow
    // conntrack, so every request of a client lands on the same pod.
    let (_, trace) = check(&scenario(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 10s
  clients:
  - {name: a, target: 'ms-service:3200', concurrency: 1, thinkTime: 20ms, keepAlive: true}
  - {name: b, target: 'ms-service:3200', concurrency: 1, thinkTime: 20ms, keepAlive: true}
  - {name: c, target: 'ms-service:3200', concurrency: 1, thinkTime: 20ms, keepAlive: true}
  - {name: d, target: 'ms-service:3200', concurrency: 1, thinkTime: 20ms, keepAlive: true}
",
    ));
    let mut pods: BTreeMap<u32, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut n = 0;
    for (_, e) in ends(&trace) {
        assert_eq!(e.outcome, Outcome::Ok, "{e:?}");
        pods.entry(e.client)
            .or_default()
            .insert(e.pod.clone().unwrap_or_default());
        n += 1;
    }
    assert!(n > 1000, "{n}");
    assert_eq!(pods.len(), 4);
    for (c, set) in &pods {
        assert_eq!(set.len(), 1, "client {c} reached {set:?}");
    }
    // And only the first packet of each connection walked the rules.
    let walked = trace
        .iter()
        .filter(|e| matches!(&e.kind, TraceKind::Hop(h) if !h.decision.rules.is_empty() && h.dst.port == 3200))
        .count();
    assert_eq!(walked, 4, "one rule walk per kept-alive connection");
}

#[test]
fn session_affinity_client_ip_pins_a_client() {
    // `sessionAffinity: ClientIP` adds `-m recent` rules: after the first
    // connection, a client's new connections go to the same endpoint.
    let (_, trace) = check(&scenario(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 10s
  clients:
  - {name: a, target: 'ms-service:3200', rate: 50}
  - {name: b, target: 'ms-service:3200', rate: 50}
  - {name: c, target: 'ms-service:3200', rate: 50}
  events:
  - {at: 0s, action: setSessionAffinity, service: ms-service, affinity: ClientIP}
",
    ));
    let mut pods: BTreeMap<u32, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (t, e) in ends(&trace) {
        // Affinity takes effect once kube-proxy has synced the change.
        if t < SimTime::from_secs(2) {
            continue;
        }
        assert_eq!(e.outcome, Outcome::Ok, "{e:?}");
        pods.entry(e.client)
            .or_default()
            .insert(e.pod.clone().unwrap_or_default());
    }
    assert_eq!(pods.len(), 3);
    for (c, set) in &pods {
        assert_eq!(set.len(), 1, "client {c} reached {set:?}");
    }
}

const NODEPORT_ONE_POD: &str = "apiVersion: v1
kind: Service
metadata:
  name: ms-nodeport
spec:
  type: NodePort
  externalTrafficPolicy: POLICY
  selector:
    app: microservice-one
  ports:
  - port: 3200
    targetPort: 3000
    nodePort: 30008
---
apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 8s
  nodes: [{name: node-1}, {name: node-2}, {name: node-3}]
  clients:
  - {name: to-node-1, kind: External, target: 'nodeport:ms-nodeport', node: node-1, sourceIP: 198.51.100.1, rate: 20, timeout: 1s}
  - {name: to-node-2, kind: External, target: 'nodeport:ms-nodeport', node: node-2, sourceIP: 198.51.100.2, rate: 20, timeout: 1s}
  - {name: to-node-3, kind: External, target: 'nodeport:ms-nodeport', node: node-3, sourceIP: 198.51.100.3, rate: 20, timeout: 1s}
  events:
  - {at: 0s, action: scale, deployment: microservice-one, replicas: 1}
";

/// The NodePort scenario once scale-down to one pod has settled: the
/// request ends, and the index of the client that targets the pod's node
/// (client `i` calls `node-{i+1}`).
fn nodeport_ends(policy: &str, mode: &str) -> (Vec<RequestEnd>, u32) {
    let text = scenario(&NODEPORT_ONE_POD.replace("POLICY", policy));
    // The Scenario document's own spec.
    let at = text.find("kind: Scenario").expect("a Scenario document");
    let text = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen(
            "\nspec:\n",
            &format!("\nspec:\n  kubeProxy: {{mode: {mode}}}\n"),
            1
        )
    );
    let (sim, trace) = check(&text);
    let view = sim.view();
    let pods: Vec<_> = view
        .pods
        .iter()
        .filter(|p| p.owner.as_deref() == Some("microservice-one") && p.status == "Ready")
        .collect();
    assert_eq!(pods.len(), 1);
    let local = pods[0].node;
    let ends = ends(&trace)
        .into_iter()
        .filter(|(t, _)| *t > SimTime::from_secs(2))
        .map(|(_, e)| e.clone())
        .collect();
    (ends, local)
}

#[test]
fn nodeport_external_traffic_policy_local_drops_without_local_endpoint_and_keeps_source_ip() {
    let (ends, local) = nodeport_ends("Local", "iptables");
    for c in 0..3 {
        assert!(
            ends.iter().any(|e| e.client == c),
            "client {c} sent nothing"
        );
    }
    for e in &ends {
        if e.client == local {
            assert_eq!(e.outcome, Outcome::Ok, "{e:?}");
            // No SNAT: the pod sees the client's own address.
            assert_eq!(
                e.seen_src.as_deref(),
                Some(format!("198.51.100.{}", local + 1).as_str())
            );
        } else {
            assert_eq!(e.outcome, Outcome::Dropped, "{e:?}");
            assert!(e.reason.starts_with("DROP:"), "{}", e.reason);
        }
    }
}

#[test]
fn nodeport_external_traffic_policy_cluster_forwards_and_masquerades() {
    // In IPVS mode the mark comes from the KUBE-NODE-PORT-TCP ipset match,
    // and the MASQUERADE from nat POSTROUTING after IPVS forwards the
    // packet from INPUT. Before, ipset matches never matched and IPVS mode
    // sent external NodePort traffic on with the client's address.
    for mode in ["iptables", "ipvs"] {
        let (ends, local) = nodeport_ends("Cluster", mode);
        for e in &ends {
            assert_eq!(e.outcome, Outcome::Ok, "{mode}: {e:?}");
            // SNAT to the receiving node's IP so the reply returns through it.
            let src = e.seen_src.as_deref().unwrap_or("");
            assert!(src.starts_with("192.168.49."), "{mode}: {e:?}");
        }
        assert!(ends.iter().any(|e| e.client != local));
    }
}

#[test]
fn killed_pod_fails_requests_only_until_kube_proxy_drops_it() {
    // The app exits on SIGTERM at once (no preStop hook), so until the
    // EndpointSlice update reaches kube-proxy and it resyncs, new
    // connections can still be DNATed to the dead pod.
    let (_, trace) = check(&scenario(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 20s
  clients:
  - {name: load, target: 'ms-service:3200', rate: 300, timeout: 1s}
  events:
  - {at: 10s, action: killPod, pod: 'microservice-one-*'}
",
    ));
    let kill = SimTime::from_secs(10);
    let failed: Vec<_> = ends(&trace)
        .into_iter()
        .filter(|(_, e)| e.outcome != Outcome::Ok)
        .collect();
    assert!(!failed.is_empty(), "the stale-rule window must be visible");
    // The window closes when the client's node syncs after the slice update.
    let slice_update = trace
        .iter()
        .find(|e| e.t > kill && matches!(&e.kind, TraceKind::Endpoints { service, ready: 2, .. } if service == "default/ms-service"))
        .map(|e| e.t)
        .expect("endpoint update after the kill");
    let synced = trace
        .iter()
        .find(|e| e.t > slice_update && matches!(e.kind, TraceKind::ProxySync { .. }))
        .map(|e| e.t)
        .expect("a kube-proxy sync after the update");
    for (t, e) in &failed {
        let started = SimTime(t.as_nanos() - e.latency_us * 1000);
        assert!(
            started >= kill && started <= synced,
            "{e:?} started at {started}"
        );
        assert!(
            e.reason.contains("stale rule") || e.reason.contains("terminated"),
            "{}",
            e.reason
        );
    }
}

fn rollout(shutdown_delay: &str) -> (Sim, Vec<TraceEvent>) {
    check(&scenario(&format!(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 40s
  clients:
  - {{name: load, target: 'ms-service:3200', rate: 200, timeout: 1s}}
  workloads:
  - {{deployment: microservice-one, shutdownDelay: {shutdown_delay}}}
  events:
  - {{at: 5s, action: rollout, deployment: microservice-one, image: 'my-repo/ms-one:v2'}}
"
    )))
}

#[test]
fn rolling_update_with_graceful_shutdown_loses_no_requests() {
    // maxUnavailable 25% of 3 rounds down to 0 and maxSurge rounds up to
    // 1: one new pod at a time, an old one removed only when a new one is
    // Ready. With the app draining for 5 s after SIGTERM (longer than
    // kube-proxy's lag) no request fails.
    let (sim, trace) = rollout("5s");
    let view = sim.view();
    let d = view
        .deployments
        .iter()
        .find(|d| d.name == "microservice-one")
        .expect("deployment");
    assert_eq!(d.image, "my-repo/ms-one:v2");
    let v2_ready = view
        .pods
        .iter()
        .filter(|p| {
            p.owner.as_deref() == Some("microservice-one")
                && p.version == "v2"
                && p.status == "Ready"
        })
        .count();
    assert_eq!(v2_ready, 3);
    let bad: Vec<_> = ends(&trace)
        .into_iter()
        .filter(|(_, e)| e.outcome != Outcome::Ok)
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn rolling_update_without_drain_fails_only_for_stale_rules() {
    let (_, trace) = rollout("0s");
    for (_, e) in ends(&trace) {
        if e.outcome != Outcome::Ok {
            assert!(
                e.reason.contains("stale rule") || e.reason.contains("pod terminated"),
                "unexplained failure: {e:?}"
            );
        }
    }
}

#[test]
fn ipvs_round_robin_cycles_through_the_endpoints_in_order() {
    // IPVS mode: one virtual server per ClusterIP:port, real servers in
    // order, and the rr scheduler hands out new connections in turn, unlike
    // iptables' random pick.
    let (_, trace) = check(&scenario(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 5s
  kubeProxy: {mode: ipvs, ipvsScheduler: rr}
  clients:
  - {name: load, target: 'ms-service:3200', rate: 50}
",
    ));
    // The order in which the scheduler saw new connections to the VIP is
    // the trace order of the hops it decided.
    let picks: Vec<String> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Hop(h) if h.decision.ipvs.is_some() && h.dst.port == 3200 => {
                Some(h.dst_after.to_string())
            }
            _ => None,
        })
        .collect();
    assert!(picks.len() > 100, "{}", picks.len());
    let cycle: Vec<&String> = picks.iter().take(3).collect();
    let distinct: std::collections::BTreeSet<_> = cycle.iter().collect();
    assert_eq!(distinct.len(), 3, "{cycle:?}");
    for (i, p) in picks.iter().enumerate() {
        assert_eq!(
            p,
            cycle[i % 3],
            "connection {i} broke the rr cycle: {picks:?}"
        );
    }
    assert!(ends(&trace).iter().all(|(_, e)| e.outcome == Outcome::Ok));
    // The hops name the IPVS decision.
    assert!(trace
        .iter()
        .any(|e| matches!(&e.kind, TraceKind::Hop(h) if h.decision.ipvs.as_deref().is_some_and(|d| d.contains(" rr ")))));
}

/// The seed article's point, as the `hardcoded-ip` built-in shows it: a
/// client that calls a pod IP breaks for good when the pod is replaced (the
/// replacement has a new IP), while a client that calls the Service name
/// recovers once the new pod is Ready. The built-in hard-codes the IP the
/// allocator gives its one pod; this also fails if that ever changes.
#[test]
fn a_hard_coded_pod_ip_breaks_when_the_pod_is_replaced() {
    let text = svcsim_manifests::builtin::get("hardcoded-ip").expect("built-in");
    let (_, trace) = check(text);
    let count = |client: u32, from_s: u64, to_s: u64, ok: bool| {
        ends(&trace)
            .iter()
            .filter(|(t, e)| {
                e.client == client
                    && *t >= SimTime::from_secs(from_s)
                    && *t < SimTime::from_secs(to_s)
                    && (e.outcome == Outcome::Ok) == ok
            })
            .count()
    };
    // Before the delete at 10s both are served, by the same pod.
    assert!(count(0, 1, 10, true) > 50 && count(0, 1, 10, false) == 0);
    assert!(count(1, 1, 10, true) > 50 && count(1, 1, 10, false) == 0);
    // Well after it: the name still works, the IP never does again.
    assert!(count(0, 20, 40, true) > 150 && count(0, 20, 40, false) == 0);
    assert!(count(1, 20, 40, true) == 0 && count(1, 20, 40, false) > 150);
}

/// The `laptop` built-in, the confusions of a laptop cluster: without a
/// cloud controller the LoadBalancer stays `<pending>` and calls to it go
/// nowhere; with the nodes on a private network NodeIP:NodePort times out
/// from the host; `kubectl port-forward` works, always to the same one pod
/// (kubectl `attachablePodForObject` picks it once), and stops for good when
/// that pod is deleted at 30 s, even though the Deployment replaces it.
#[test]
fn a_laptop_cluster_is_reached_by_port_forward_only() {
    let text = svcsim_manifests::builtin::get("laptop").expect("built-in");
    let (_, trace) = check(text);
    let ends = ends(&trace);
    let of = |client: u32| ends.iter().filter(move |(_, e)| e.client == client);
    // curl-lb: every request fails, because there is no EXTERNAL-IP.
    assert!(of(0).count() > 50);
    assert!(of(0).all(|(_, e)| e.outcome == Outcome::Dropped && e.reason.contains("<pending>")));
    // curl-nodeport: every request times out, the node IP is not routable.
    assert!(of(1).count() > 50);
    assert!(of(1).all(|(_, e)| e.outcome == Outcome::Timeout && e.reason.contains("not reachable")));
    // port-forward: served before the delete, by one pod only, which sees
    // the connection come from its own loopback.
    let before: Vec<_> = of(2).filter(|(t, _)| *t < SimTime::from_secs(30)).collect();
    assert!(before.len() > 100);
    assert!(before.iter().all(|(_, e)| e.outcome == Outcome::Ok));
    let pods: std::collections::BTreeSet<_> =
        before.iter().filter_map(|(_, e)| e.pod.clone()).collect();
    assert_eq!(pods.len(), 1, "{pods:?}");
    assert!(before
        .iter()
        .all(|(_, e)| e.seen_src.as_deref() == Some("127.0.0.1")));
    // After the delete: refused for good ("lost connection to pod").
    let after: Vec<_> = of(2).filter(|(t, _)| *t > SimTime::from_secs(35)).collect();
    assert!(after.len() > 100);
    // In the cluster, the Service name works throughout.
    assert!(of(3).count() > 100);
    assert!(of(3)
        .filter(|(t, _)| *t < SimTime::from_secs(29) || *t > SimTime::from_secs(40))
        .all(|(_, e)| e.outcome == Outcome::Ok));
    assert!(
        after
            .iter()
            .all(|(_, e)| e.outcome == Outcome::Refused
                && e.reason.contains("lost connection to pod"))
    );
}

/// `kubectl drain node-1` with a bare pod (no controller) on the node, with
/// and without `--force`.
fn drain_with_a_bare_pod(force: bool) -> (Sim, Vec<TraceEvent>) {
    check(&scenario(&format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: solo
  labels:
    app: solo
spec:
  nodeName: node-1
  containers:
  - name: app
    image: solo:1
---
apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 10s
  events:
  - {{at: 2s, action: drainNode, node: node-1, force: {force}}}
"
    )))
}

fn live_pods_on(sim: &Sim, node: &str) -> Vec<String> {
    let v = sim.view();
    v.pods
        .iter()
        .filter(|p| p.node_name == node && p.status != "Gone" && !p.is_client)
        .map(|p| p.name.clone())
        .collect()
}

#[test]
fn drain_refuses_a_pod_without_a_controller_unless_forced() {
    // kubectl's pkg/drain/filters.go (`unmanagedFilter`): a pod no
    // controller manages stops the drain ("cannot delete Pods that declare
    // no controller (use --force to override)"); kubectl has already
    // cordoned the node and evicts nothing.
    let (sim, trace) = drain_with_a_bare_pod(false);
    let node = sim
        .view()
        .nodes
        .into_iter()
        .find(|n| n.name == "node-1")
        .unwrap();
    assert!(node.unschedulable, "the node stays cordoned");
    let on_node = live_pods_on(&sim, "node-1");
    assert!(on_node.iter().any(|p| p == "solo"), "{on_node:?}");
    assert!(
        on_node.len() > 1,
        "the Deployment's pods were not evicted either: {on_node:?}"
    );
    let refusal = trace.iter().find_map(|e| match &e.kind {
        TraceKind::Event(k) if k.reason == "CommandFailed" => Some(k.message.clone()),
        _ => None,
    });
    let refusal = refusal.expect("a CommandFailed event");
    assert!(
        refusal.contains(
            "cannot delete Pods that declare no controller (use --force to override): default/solo"
        ),
        "{refusal}"
    );

    // With --force every pod goes; the bare one is not replaced.
    let (sim, _) = drain_with_a_bare_pod(true);
    assert_eq!(live_pods_on(&sim, "node-1"), Vec::<String>::new());
    assert!(!sim
        .view()
        .pods
        .iter()
        .any(|p| p.name == "solo" && p.status != "Gone"));
}

#[test]
fn ipvs_least_connection_counts_only_open_connections() {
    // `lc` compares each real server's active connections
    // (net/netfilter/ipvs/ip_vs_lc.c: activeconns << 8 + inactconns); a
    // connection stops being active when it closes, so with one short
    // request per connection the counters stay near the requests in flight
    // instead of growing with every connection ever made.
    let (mut sim, trace) = check(&scenario(
        "apiVersion: svcsim.dev/v1alpha1
kind: Scenario
spec:
  duration: 5s
  kubeProxy: {mode: ipvs, ipvsScheduler: lc}
  clients:
  - {name: load, target: 'ms-service:3200', rate: 100}
",
    ));
    let ok = ends(&trace)
        .iter()
        .filter(|(_, e)| e.outcome == Outcome::Ok)
        .count();
    assert!(ok > 400, "{ok}");
    let IpvsCounts { tcp, udp } = ipvs_counts(&mut sim);
    assert!(
        tcp.0 < 20,
        "{} connections still counted as active after {ok} closed",
        tcp.0
    );
    // A closed connection stays in TIME_WAIT, as InActConn, for 120 s, and
    // a UDP flow (each DNS query) is never active but stays for 300 s
    // (ip_vs_proto_tcp.c and ip_vs_proto_udp.c timeouts): within these
    // 5 s, every one is still there.
    assert!(
        tcp.1 >= ok as u64,
        "TCP InActConn {} after {ok} closed",
        tcp.1
    );
    assert_eq!(udp.0, 0, "UDP flows counted as active");
    assert!(
        udp.1 >= ok as u64,
        "UDP InActConn {} after {ok} lookups",
        udp.1
    );
}

/// A connection that came through the cloud load balancer is tracked on
/// its node as NodeIP:NodePort, not as the LB address the client called;
/// when it closes, that entry goes to TIME_WAIT (and in IPVS mode it leaves
/// ActiveConn). Before, such entries were never found at close, so every
/// LB connection stayed ESTABLISHED in the node's table and IPVS counted
/// it active for good.
#[test]
fn load_balancer_connections_leave_conntrack_when_they_close() {
    let text = svcsim_manifests::builtin::get("loadbalancer").expect("built-in");
    for mode in ["iptables", "ipvs"] {
        let text = text.replacen(
            "\nspec:\n",
            &format!("\nspec:\n  kubeProxy: {{mode: {mode}}}\n"),
            1,
        );
        let (mut sim, trace) = check(&text);
        let served = ends(&trace)
            .iter()
            .filter(|(_, e)| e.outcome == Outcome::Ok)
            .count();
        assert!(served > 200, "{mode}: {served}");
        let nodes: Vec<String> = sim.view().nodes.iter().map(|n| n.name.clone()).collect();
        let (mut open, mut time_wait) = (0, 0);
        for node in &nodes {
            let ct = sim.conntrack_text(node).unwrap_or_default();
            for l in ct.lines().filter(|l| l.starts_with("tcp")) {
                if l.contains(" TIME_WAIT ") {
                    time_wait += 1;
                } else {
                    open += 1;
                }
            }
        }
        let active = ipvs_counts(&mut sim).tcp.0;
        // Only connections still open are open: a handful, not one per
        // request served. Every closed one (a connection per request, all
        // in the last 120 s) waits.
        assert!(
            open < 20,
            "{mode}: {open} open TCP entries after {served} requests"
        );
        assert!(
            time_wait == served,
            "{mode}: {time_wait} TCP entries in TIME_WAIT after {served} requests"
        );
        if mode == "ipvs" {
            assert!(active < 20, "{active} still active after {served} requests");
        }
    }
}

/// `ipvsadm -Ln` on every node, summed: (ActiveConn, InActConn) of the TCP
/// and of the UDP virtual servers' real servers.
struct IpvsCounts {
    tcp: (u64, u64),
    udp: (u64, u64),
}

fn ipvs_counts(sim: &mut Sim) -> IpvsCounts {
    let nodes: Vec<String> = sim.view().nodes.iter().map(|n| n.name.clone()).collect();
    let (mut tcp, mut udp) = ((0, 0), (0, 0));
    for node in nodes {
        let text = sim.ipvsadm_text(&node).unwrap_or_default();
        // "TCP  10.96.0.10:53 rr", then
        // "  -> 10.244.0.1:3000  Masq  1  ActiveConn  InActConn"
        let mut sum = &mut tcp;
        for line in text.lines() {
            if line.starts_with("UDP") {
                sum = &mut udp;
            } else if line.starts_with("TCP") {
                sum = &mut tcp;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.first() != Some(&"->") {
                continue;
            }
            let n = |i: usize| cols.get(i).and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
            sum.0 += n(4);
            sum.1 += n(5);
        }
    }
    IpvsCounts { tcp, udp }
}

/// A DNS query DNATed on the client's node passes CoreDNS's node, which
/// tracks it too (without NAT); the answer passing back marks that entry
/// replied, as the kernel would. Before, those entries stayed
/// `[UNREPLIED]` for their whole 30 s (583 of 584 on node-1 at 40 s).
#[test]
fn dns_flows_passing_a_node_are_seen_replied_there() {
    let text = svcsim_manifests::builtin::get("clusterip").expect("built-in");
    let loaded = svcsim_manifests::load(text, "clusterip").expect("loads");
    let mut sim = Sim::new(loaded.objects, loaded.scenario).expect("builds");
    sim.run_until(SimTime::from_secs(20));
    let (mut entries, mut unreplied) = (0, 0);
    for n in sim
        .view()
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect::<Vec<_>>()
    {
        let ct = sim.conntrack_text(&n).unwrap_or_default();
        entries += ct.lines().count();
        unreplied += ct.lines().filter(|l| l.contains("[UNREPLIED]")).count();
    }
    // Only queries in flight at this instant are unanswered.
    assert!(entries > 100, "{entries}");
    assert!(unreplied < 5, "{unreplied} of {entries} entries unreplied");
}

/// A closed connection's entry waits in TIME_WAIT for 120 s. A client
/// fast enough to wrap its ephemeral ports (32768–60999) inside that time
/// sends SYNs whose tuple is still there: the kernel kills the old entry
/// and tracks the SYN as a new connection, so it walks the rules again
/// rather than following the closed connection's NAT
/// (nf_conntrack_proto_tcp.c, `nf_conntrack_tcp_packet`, SYN in TIME_WAIT).
#[test]
fn a_syn_reusing_a_time_wait_tuple_opens_a_new_connection() {
    let text = svcsim_manifests::builtin::get("clusterip")
        .expect("built-in")
        .replacen("    rate: 30\n", "    rate: 400\n", 1)
        .replacen("  duration: ", "  duration: 80s\n  # was: ", 1);
    let (sim, trace) = check(&text);
    let mut syns = 0;
    let mut via_conntrack = 0;
    for e in &trace {
        if let TraceKind::Hop(h) = &e.kind {
            // The hop that decided the SYN's DNAT: by the rules or by an
            // existing entry.
            if h.packet == PacketKind::Syn && (!h.decision.rules.is_empty() || h.decision.conntrack)
            {
                syns += 1;
                via_conntrack += h.decision.conntrack as usize;
            }
        }
    }
    let served = ends(&trace)
        .iter()
        .filter(|(_, e)| e.outcome == Outcome::Ok)
        .count();
    // 400 requests a second, a port for the query and one for the
    // connection: the ports wrap after about 35 s.
    assert!(served > 30_000, "{served}");
    assert!(syns > 30_000, "{syns}");
    assert_eq!(via_conntrack, 0, "SYNs that followed an old entry");
    let ct = sim.conntrack_text("node-1").unwrap_or_default();
    let waiting = ct.lines().filter(|l| l.contains(" TIME_WAIT ")).count();
    assert!(waiting > 10_000, "{waiting} entries in TIME_WAIT on node-1");
}

/// A DNS query's entry on the client's own node, where it was DNATed from
/// the kube-dns ClusterIP to a CoreDNS pod, stays after the answer for the
/// kernel's 30 s (nf_conntrack_udp_timeout), replied but not assured, as
/// it does on CoreDNS's node. Before, svcsim dropped it as soon as the
/// answer arrived, so node-1 listed only the queries in flight.
#[test]
fn a_dns_query_stays_tracked_on_the_client_node_for_30_s() {
    let text = svcsim_manifests::builtin::get("clusterip").expect("built-in");
    let loaded = svcsim_manifests::load(text, "clusterip").expect("loads");
    let mut sim = Sim::new(loaded.objects, loaded.scenario).expect("builds");
    sim.run_until(SimTime::from_secs(40));
    let ct = sim.conntrack_text("node-1").unwrap_or_default();
    // The frontend client on node-1 asks 10.96.0.10:53; its entries show
    // the query's tuple first.
    let queries: Vec<&str> = ct
        .lines()
        .filter(|l| {
            l.starts_with("udp") && l.contains(" dst=10.96.0.10 ") && l.contains(" dport=53 ")
        })
        .collect();
    // 30 requests a second, a query each (the name is found on the first
    // search-path try), over the last 30 s.
    assert!(
        queries.len() > 800,
        "{} queries tracked on node-1",
        queries.len()
    );
    let left = |l: &str| {
        l.split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
    };
    assert!(
        queries.iter().all(|l| left(l).is_some_and(|s| s <= 30)),
        "an entry with more than 30 s left"
    );
    let unreplied = queries.iter().filter(|l| l.contains("[UNREPLIED]")).count();
    assert!(unreplied < 5, "{unreplied} unreplied");
    assert!(!queries.iter().any(|l| l.contains("[ASSURED]")));
}

/// A connection refused or reset (here: `rollout`'s container crash at
/// 15 s) leaves its entry in CLOSE for the kernel's 10 s
/// (nf_conntrack_tcp_timeout_close), not in TIME_WAIT.
#[test]
fn a_refused_connection_is_tracked_in_close_for_10_s() {
    let text = svcsim_manifests::builtin::get("rollout").expect("built-in");
    let loaded = svcsim_manifests::load(text, "rollout").expect("loads");
    let mut sim = Sim::new(loaded.objects, loaded.scenario).expect("builds");
    sim.run_until(SimTime::from_secs(22));
    let ct = sim.conntrack_text("node-3").unwrap_or_default();
    let close: Vec<&str> = ct.lines().filter(|l| l.contains(" CLOSE ")).collect();
    assert!(!close.is_empty(), "no CLOSE entry on node-3:\n{ct}");
    let left = |l: &str| {
        l.split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<u64>().ok())
    };
    assert!(
        close
            .iter()
            .all(|l| left(l).is_some_and(|s| s <= 10) && !l.contains("[UNREPLIED]")),
        "{close:?}"
    );
}
