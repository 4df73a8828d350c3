//! Browser tests of the JS bindings, run by `wasm-pack test --headless
//! --chrome` (via `cargo xtask test`). They check the round trip through
//! JS values and that the core's randomness gives the same digest in
//! Chromium as natively (the native half is in `src/lib.rs`), and that a
//! built-in scenario gives the same trace hash in Chromium as the native
//! `svcsim run` (`cargo xtask test` computes that natively and passes it in
//! `SVCSIM_NATIVE_TRACE_HASH`).
#![cfg(target_arch = "wasm32")]

use svcsim_js::{builtin_scenarios, parse_objects, rng_digest_js, version, JsSim};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Must equal `DIGEST_7_CLIENT0_64` in `src/lib.rs`.
const DIGEST_7_CLIENT0_64: &str = "55ce4595d1e2df9e";

fn get(v: &JsValue, key: &str) -> JsValue {
    // The objects come from our own serializer; a missing key is a test
    // failure, which is what the panic reports.
    js_sys::Reflect::get(v, &key.into()).expect("result is an object")
}

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn digest_matches_native_for_number_and_bigint_seeds() {
    let from_number = rng_digest_js(JsValue::from_f64(7.0), "client/0", 64).unwrap();
    let from_bigint = rng_digest_js(js_sys::BigInt::from(7u64).into(), "client/0", 64).unwrap();
    assert_eq!(from_number, DIGEST_7_CLIENT0_64);
    assert_eq!(from_bigint, DIGEST_7_CLIENT0_64);
}

#[wasm_bindgen_test]
fn bad_seeds_are_errors() {
    assert!(rng_digest_js(JsValue::from_f64(-1.0), "k", 1).is_err());
    assert!(rng_digest_js(JsValue::from_f64(1.5), "k", 1).is_err());
    assert!(rng_digest_js(JsValue::from_str("7"), "k", 1).is_err());
}

#[wasm_bindgen_test]
fn objects_arrive_as_plain_js_objects() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  clusterIP: 10.96.0.10\n  ports:\n  - port: 80\n---\nkind: ConfigMap\nmetadata:\n  name: cm\n";
    let parsed = parse_objects(yaml).unwrap();
    let objects: js_sys::Array = get(&parsed, "objects").dyn_into().unwrap();
    assert_eq!(objects.length(), 1);
    // Plain objects, not Maps, so JSON.stringify shows the content.
    let json = js_sys::JSON::stringify(&objects.get(0))
        .unwrap()
        .as_string()
        .unwrap();
    assert!(json.contains("\"web\""), "{json}");
    assert!(json.contains("10.96.0.10"), "{json}");
    let skipped: js_sys::Array = get(&parsed, "skipped").dyn_into().unwrap();
    assert_eq!(
        get(&skipped.get(0), "kind").as_string().as_deref(),
        Some("ConfigMap")
    );
}

#[wasm_bindgen_test]
fn invalid_yaml_throws_a_message() {
    let err = parse_objects("kind: [unclosed").unwrap_err();
    let err: JsValue = err.into();
    let msg = js_sys::Reflect::get(&err, &"message".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert!(msg.starts_with("parseObjects:"), "{msg}");
}

#[wasm_bindgen_test]
fn builtin_scenario_runs_and_matches_native_trace_hash() {
    assert!(builtin_scenarios().iter().any(|n| n == "clusterip"));
    let mut sim = JsSim::create("clusterip", JsValue::from_f64(7.0)).unwrap();
    sim.run_until(2e9).unwrap();
    assert_eq!(sim.now(), 2e9);
    let hash = sim.trace_hash();
    let trace: js_sys::Array = sim.drain_trace().unwrap().dyn_into().unwrap();
    assert!(trace.length() > 0, "the scenario produced no trace events");
    // Draining does not change the hash: it covers every event produced.
    assert_eq!(sim.trace_hash(), hash);
    match option_env!("SVCSIM_NATIVE_TRACE_HASH") {
        Some(native) => assert_eq!(hash, native, "wasm and native runs differ"),
        None => console_log!("SVCSIM_NATIVE_TRACE_HASH not set; native comparison skipped"),
    }
    let views = sim.views().unwrap();
    let json = js_sys::JSON::stringify(&views)
        .unwrap()
        .as_string()
        .unwrap();
    assert!(json.contains("\"pods\""), "{json}");
}

/// The native trace hashes of every built-in's first 20 simulated seconds,
/// pinned by `tests/determinism.rs`.
const NATIVE_HASHES: &str = include_str!("../../../tests/data/determinism/hashes.txt");

#[wasm_bindgen_test]
fn builtin_hashes_in_the_browser_equal_the_pinned_native_hashes() {
    for name in ["clusterip", "mixed", "rollout"] {
        let line = NATIVE_HASHES
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} is not in hashes.txt"));
        let mut fields = line.split_whitespace().skip(1);
        let (native, count) = (fields.next().unwrap(), fields.next().unwrap());
        let mut sim = JsSim::create(name, JsValue::UNDEFINED).unwrap();
        let mut events = 0u32;
        for s in 1..=20 {
            sim.run_until(s as f64 * 1e9).unwrap();
            let batch: js_sys::Array = sim.drain_trace().unwrap().dyn_into().unwrap();
            events += batch.length();
        }
        assert_eq!(
            sim.trace_hash(),
            native,
            "{name}: wasm and native traces differ"
        );
        assert_eq!(events.to_string(), count, "{name}: event counts differ");
    }
}

#[wasm_bindgen_test]
fn unknown_scenarios_and_bad_times_are_errors() {
    assert!(JsSim::create("no-such-scenario", JsValue::UNDEFINED).is_err());
    let mut sim = JsSim::create("clusterip", JsValue::UNDEFINED).unwrap();
    assert!(sim.run_until(-1.0).is_err());
    assert!(sim.step());
}
