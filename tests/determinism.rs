//! Determinism: the same scenario and seed give the same trace, byte for
//! byte. The hashes of every built-in scenario's first 20 simulated seconds
//! are pinned in `tests/data/determinism/hashes.txt` (regenerate with
//! `UPDATE_EXPECT=1` after a reviewed change); the wasm tests of the JS API
//! compare their hash against the same file.

use svcsim_core::sim::TraceHasher;
use svcsim_core::{Sim, SimDuration, SimTime};
use svcsim_tests::check_golden;

/// Hash of a built-in's trace over `secs` simulated seconds, with `seed`
/// overriding the scenario's.
fn trace_hash(name: &str, seed: Option<u64>, secs: u64) -> (String, u64) {
    let text = svcsim_manifests::builtin::get(name).expect("built-in exists");
    let loaded = svcsim_manifests::load(text, name).expect("built-in loads");
    let mut spec = loaded.scenario;
    if let Some(s) = seed {
        spec.seed = s;
    }
    let mut sim = Sim::new(loaded.objects, spec).expect("built-in builds");
    let mut h = TraceHasher::new();
    for s in 1..=secs {
        sim.run_until(SimTime::from_secs(s));
        for ev in sim.drain_trace() {
            h.add(&ev);
        }
    }
    let _ = SimDuration::ZERO;
    (h.hex(), h.count())
}

#[test]
fn builtin_trace_hashes_are_pinned() {
    let mut out = String::new();
    for name in svcsim_manifests::builtin::names() {
        let (hash, count) = trace_hash(name, None, 20);
        let (again, _) = trace_hash(name, None, 20);
        assert_eq!(hash, again, "{name}: two runs differ");
        out.push_str(&format!("{name} {hash} {count}\n"));
    }
    check_golden("determinism/hashes.txt", &out);
}

#[test]
fn different_seeds_give_different_traces() {
    let (a, _) = trace_hash("mixed", Some(1), 5);
    let (b, _) = trace_hash("mixed", Some(2), 5);
    assert_ne!(a, b);
}
