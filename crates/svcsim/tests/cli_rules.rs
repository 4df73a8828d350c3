//! End-to-end checks of `svcsim rules` and `svcsim route`: the built binary
//! on kube-proxy's golden case (tests/data/kube-proxy in the workspace), and
//! its exit codes on bad input.

mod common;
use common::svcsim;

use std::path::PathBuf;

fn golden(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/kube-proxy")
        .join(rel)
}

const NODE: &[&str] = &[
    "--node",
    "test-node",
    "--node-ip",
    "192.168.0.2,192.168.1.2,192.168.99.11",
    "--cluster-cidr",
    "10.0.0.0/8",
];

#[test]
fn rules_prints_the_overall_golden() {
    let objects = golden("rules-overall/objects.yaml");
    let mut args = vec!["rules", objects.to_str().unwrap()];
    args.extend_from_slice(NODE);
    let (out, err, code) = svcsim(&args);
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read_to_string(golden("rules-overall/expected.iptables")).unwrap();
    assert_eq!(out, expected);
}

#[test]
fn route_json_matches_a_golden_flow() {
    let objects = golden("flows-cluster-ip-general/objects.yaml");
    let mut args = vec!["route", objects.to_str().unwrap()];
    args.extend_from_slice(NODE);
    args.extend_from_slice(&[
        "--src",
        "10.180.0.2",
        "--dst",
        "172.30.0.42:80",
        "--proto",
        "tcp",
        "--json",
    ]);
    let (out, err, code) = svcsim(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "{\"output\": \"10.180.0.1:80, 10.180.2.1:80\", \"masq\": false}\n"
    );
}

#[test]
fn bad_input_exits_2_without_panicking() {
    let objects = golden("rules-overall/objects.yaml");
    let o = objects.to_str().unwrap();
    for args in [
        vec![
            "rules",
            "/nonexistent.yaml",
            "--node",
            "n",
            "--node-ip",
            "1.2.3.4",
        ],
        vec!["rules", o, "--node", "n", "--node-ip", "1.2.3"],
        vec![
            "rules",
            o,
            "--node",
            "n",
            "--node-ip",
            "1.2.3.4",
            "--cluster-cidr",
            "10.0.0.0/40",
        ],
        vec!["rules", o, "--node", "n"],
        vec![
            "rules",
            o,
            "--node",
            "n",
            "--node-ip",
            "1.2.3.4",
            "--mode",
            "nftables",
        ],
        vec![
            "route",
            o,
            "--node",
            "n",
            "--node-ip",
            "1.2.3.4",
            "--src",
            "x",
            "--dst",
            "1.2.3.4:80",
        ],
        vec![
            "route",
            o,
            "--node",
            "n",
            "--node-ip",
            "1.2.3.4",
            "--src",
            "1.1.1.1",
            "--dst",
            "1.2.3.4",
        ],
        vec![
            "route",
            o,
            "--node",
            "n",
            "--node-ip",
            "1.2.3.4",
            "--src",
            "1.1.1.1",
            "--dst",
            "1.2.3.4:80",
            "--proto",
            "icmp",
        ],
    ] {
        let (_, err, code) = svcsim(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Every packet flow of every golden case, through the binary, with the
/// case's own node flags: `svcsim route … --json` prints exactly the
/// expected output and masquerade flag.
#[test]
fn route_answers_every_golden_flow() {
    let dir = golden("");
    let mut checked = 0;
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    for case in cases {
        let Ok(text) = std::fs::read_to_string(case.join("case.json")) else {
            continue;
        };
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        let node_args: Vec<String> = spec["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let objects = case.join("objects.yaml");
        for flow in spec["flows"].as_array().into_iter().flatten() {
            let dst = format!("{}:{}", flow["destIP"].as_str().unwrap(), flow["destPort"]);
            let mut args: Vec<String> = vec!["route".into(), objects.to_str().unwrap().into()];
            args.extend(node_args.iter().cloned());
            args.extend([
                "--src".to_string(),
                flow["sourceIP"].as_str().unwrap().to_string(),
                "--dst".to_string(),
                dst,
                "--proto".to_string(),
                flow["protocol"].as_str().unwrap().to_string(),
                "--json".to_string(),
            ]);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let (out, err, code) = svcsim(&refs);
            assert_eq!(code, 0, "{}: {err}", case.display());
            let got: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(
                got["output"],
                flow["output"],
                "{} / {}",
                case.display(),
                flow["name"]
            );
            assert_eq!(
                got["masq"],
                flow["masq"],
                "{} / {}",
                case.display(),
                flow["name"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} flows");
}
