//! `svcsim lint`: text and JSON output, and the exit codes (advice is not
//! a failure; a file that does not load is).

mod common;
use common::svcsim;

#[test]
fn lint_speaks_text_and_json() {
    let (out, err, code) = svcsim(&["lint", "builtin:nodeport"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Service default/ms-service-nodeport: nodeport-for-external:"),
        "{out}"
    );
    let (out, err, code) = svcsim(&["lint", "builtin:nodeport", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let rules: Vec<&str> = v
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"nodeport-for-external"), "{rules:?}");
    assert!(rules.contains(&"no-network-policy"), "{rules:?}");
}

#[test]
fn lint_refuses_what_does_not_load() {
    let (_, err, code) = svcsim(&["lint", "builtin:nope"]);
    assert_eq!(code, 2, "{err}");
    let dir = std::env::temp_dir().join(format!("svcsim-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\n",
    )
    .unwrap();
    let (_, err, code) = svcsim(&["lint", f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.yaml:3:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
