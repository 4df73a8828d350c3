//! `svcsim run --builtin NAME --json` works for every built-in, and its
//! numbers agree with its own trace: one request end per request, outcome
//! counts that add up, and the same trace hash as `svcsim trace`.

mod common;
use common::svcsim;

#[test]
fn run_json_agrees_with_the_trace_for_every_builtin() {
    let (list, _, code) = svcsim(&["scenarios"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for t in [
        "clusterip",
        "nodeport",
        "loadbalancer",
        "externalname",
        "headless",
        "mixed",
        "rollout",
    ] {
        assert!(names.contains(&t), "{t} missing from {names:?}");
    }
    for name in names {
        let (out, err, code) = svcsim(&["run", "--builtin", name, "--for", "8s", "--json"]);
        assert_eq!(code, 0, "{name}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let requests = v["requests"].as_u64().expect("requests");
        let by_outcome: u64 = v["outcomes"]
            .as_object()
            .expect("outcomes")
            .values()
            .filter_map(|x| x.as_u64())
            .sum();
        let by_reason: u64 = v["reasons"]
            .as_object()
            .expect("reasons")
            .values()
            .filter_map(|x| x.as_u64())
            .sum();
        assert_eq!(requests, by_outcome, "{name}");
        assert_eq!(requests, by_reason, "{name}");
        assert_eq!(
            requests,
            v["traceRequestEnds"].as_u64().expect("ends"),
            "{name}"
        );
        assert!(requests > 0, "{name}: no requests");
        for k in ["p50", "p90", "p99"] {
            assert!(v["latencyUs"][k].is_u64(), "{name}: {k}");
        }
        // The trace written by `svcsim trace` hashes to the same value.
        let (lines, _, code) = svcsim(&["trace", "--builtin", name, "--for", "8s"]);
        assert_eq!(code, 0);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut n = 0u64;
        for b in lines.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
            n += (b == b'\n') as u64;
        }
        assert_eq!(
            format!("{h:016x}"),
            v["traceHash"].as_str().expect("hash"),
            "{name}"
        );
        assert_eq!(n, v["traceEvents"].as_u64().expect("events"), "{name}");
    }
}

#[test]
fn run_reports_bad_input_clearly() {
    let (_, err, code) = svcsim(&["run", "--builtin", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no built-in scenario \"nope\""), "{err}");
    let (_, err, code) = svcsim(&["run", "--builtin", "mixed", "--for", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("--for"), "{err}");
}

#[test]
fn rules_route_and_dig_answer_for_a_scenario_at_a_time() {
    let (out, err, code) = svcsim(&[
        "rules",
        "builtin:nodeport",
        "--node",
        "node-2",
        "--at",
        "5s",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("*filter\n")
            && out.contains("KUBE-NODEPORTS")
            && out.contains("--dport 30008"),
        "{out}"
    );
    let (out, err, code) = svcsim(&[
        "route",
        "builtin:nodeport",
        "--node",
        "node-2",
        "--src",
        "198.51.100.7",
        "--dst",
        "192.168.49.11:30008",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["masq"], true, "{out}");
    assert_eq!(
        v["output"].as_str().expect("output").split(", ").count(),
        3,
        "{out}"
    );
    let (out, err, code) = svcsim(&[
        "rules",
        "builtin:nodeport",
        "--node",
        "node-2",
        "--mode",
        "ipvs",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("IP Virtual Server") && out.contains(":30008 rr"),
        "{out}"
    );
    let (out, err, code) = svcsim(&[
        "dig",
        "builtin:headless",
        "database",
        "--from",
        "default/client-app",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("try 1: database.default.svc.cluster.local.") && out.contains("ANSWER: 3"),
        "{out}"
    );
    let (_, err, code) = svcsim(&["rules", "builtin:nodeport", "--node", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the scenario's nodes are node-1, node-2, node-3"),
        "{err}"
    );
}
