//! `svcsim conntrack`: a node's table at a simulated moment, as
//! `conntrack -L` prints it, and `-C` for its size.

mod common;
use common::svcsim;

/// node-1's table in `clusterip` at 5 s.
const NODE_1_AT_5S: [&str; 6] = [
    "conntrack",
    "builtin:clusterip",
    "--node",
    "node-1",
    "--at",
    "5s",
];

#[test]
fn conntrack_lists_a_nodes_table_with_the_kernels_footer() {
    let (out, err, code) = svcsim(&NODE_1_AT_5S);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    // The frontend client on node-1: its DNS queries (30 s), and its
    // closed connections to ms-service waiting in TIME_WAIT (120 s).
    assert!(
        lines.iter().any(|l| l.starts_with("udp      17 ")
            && l.contains(" dst=10.96.0.10 ")
            && l.contains(" dport=53 ")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("tcp      6 ")
            && l.contains(" TIME_WAIT ")
            && l.contains("[ASSURED]")),
        "{out}"
    );
    assert_eq!(
        err.trim(),
        format!(
            "conntrack v1.4.6 (conntrack-tools): {} flow entries have been shown.",
            lines.len()
        )
    );
    let (count, _, code) = svcsim(&[&NODE_1_AT_5S[..], &["-C"]].concat());
    assert_eq!(code, 0);
    assert_eq!(count.trim(), lines.len().to_string());
}

#[test]
fn conntrack_names_the_nodes_when_one_is_wrong() {
    let (out, err, code) = svcsim(&["conntrack", "builtin:clusterip", "--node", "node-9"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("node-1, node-2, node-3"), "{err}");
    let (_, err, code) = svcsim(&[
        "conntrack",
        "builtin:clusterip",
        "--node",
        "node-1",
        "--at",
        "5q",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--at \"5q\""), "{err}");
}
