//! Tidy checks: the architecture rules that would otherwise live only in
//! review comments, run as an ordinary test (as rust-analyzer does).
//!
//! - `svcsim-core` must not depend, directly or through any normal
//!   dependency on any target, on wasm-bindgen, web-sys, js-sys or getrandom:
//!   the core is plain Rust and draws no OS entropy. Read from `cargo
//!   metadata`, whose resolve graph tells normal from dev and build edges.
//! - core sources must not use the wall clock (`std::time`, `SystemTime`,
//!   `Instant`); simulated time is `SimTime`.
//! - every `.rs` file under `crates/` opens with a `//!` header.
//! - `Trunk.toml` pins the wasm-bindgen CLI at the `Cargo.lock` version.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

const BANNED_IN_CORE: &[&str] = &["wasm-bindgen", "web-sys", "js-sys", "getrandom"];

#[test]
fn core_has_no_browser_or_entropy_dependencies() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .current_dir(root())
        .args(["metadata", "--format-version", "1"])
        .output()
        .expect("running `cargo metadata`");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("metadata has packages")
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    // id → ids reachable over normal (non-dev, non-build) edges.
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"]
        .as_array()
        .expect("metadata has a resolve graph")
    {
        let id = node["id"].as_str().expect("node id");
        let normal = node["deps"].as_array().into_iter().flatten().filter(|d| {
            d["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null())
        });
        edges.insert(id, normal.filter_map(|d| d["pkg"].as_str()).collect());
    }
    let core = names
        .iter()
        .find(|(_, n)| **n == "svcsim-core")
        .map(|(id, _)| *id)
        .expect("svcsim-core is in the workspace");
    // Breadth-first, remembering each package's parent to print the chain.
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut seen: BTreeSet<&str> = BTreeSet::from([core]);
    let mut queue = vec![core];
    let mut bad = Vec::new();
    while let Some(id) = queue.pop() {
        for &dep in edges.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if !seen.insert(dep) {
                continue;
            }
            parent.insert(dep, id);
            if BANNED_IN_CORE.contains(&names[dep]) {
                let mut chain = vec![names[dep]];
                let mut at = dep;
                while let Some(&p) = parent.get(at) {
                    chain.push(names[p]);
                    at = p;
                }
                chain.reverse();
                bad.push(chain.join(" -> "));
            }
            queue.push(dep);
        }
    }
    assert!(
        bad.is_empty(),
        "svcsim-core must stay plain Rust, but depends on:\n  {}\nRemove the dependency (or the feature that pulls it in).",
        bad.join("\n  ")
    );
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "target" || n == "pkg") {
                    continue;
                }
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn core_reads_no_wall_clock() {
    let mut bad = Vec::new();
    for file in rust_files(&root().join("crates/svcsim-core")) {
        let text = std::fs::read_to_string(&file).expect("reading a core source");
        for (i, line) in text.lines().enumerate() {
            // Comments may name what the core avoids; code may not use it.
            let code = line.split("//").next().unwrap_or("");
            let hit = code.contains("std::time")
                || has_word(code, "SystemTime")
                || has_word(code, "Instant");
            if hit {
                bad.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "svcsim-core must not read the wall clock (use SimTime):\n  {}",
        bad.join("\n  ")
    );
}

/// `word` appears in `s` as a whole identifier.
fn has_word(s: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    s.match_indices(word).any(|(i, _)| {
        let before = s[..i].chars().next_back();
        let after = s[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[test]
fn every_crate_source_has_a_header() {
    let missing: Vec<String> = rust_files(&root().join("crates"))
        .into_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files must start with a `//!` comment saying what they are and why:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn trunk_pins_the_locked_wasm_bindgen() {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("reading Cargo.lock");
    let mut versions = lock
        .split("[[package]]")
        .filter(|p| p.contains("\nname = \"wasm-bindgen\"\n"))
        .filter_map(|p| p.split("\nversion = \"").nth(1)?.split('"').next());
    let locked = versions.next().expect("wasm-bindgen is in Cargo.lock");
    assert!(
        versions.next().is_none(),
        "wasm-bindgen is locked at several versions"
    );
    let trunk = std::fs::read_to_string(root().join("Trunk.toml")).expect("reading Trunk.toml");
    let want = format!("wasm_bindgen = \"{locked}\"");
    assert!(
        trunk.lines().any(|l| l.trim() == want),
        "Trunk.toml [tools] must say `{want}` to match Cargo.lock"
    );
}

#[test]
fn has_word_matches_identifiers_only() {
    assert!(has_word("let t = Instant::now();", "Instant"));
    assert!(!has_word("let t = Instantly;", "Instant"));
    assert!(!has_word("InstantX", "Instant"));
}
