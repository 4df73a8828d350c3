//! svcsim as an ES module: the wasm-bindgen surface for pages that do not use
//! Yew (and for testing the core in a real browser).
//!
//! This is the only crate besides the Yew app that knows about JavaScript.
//! It stays thin: every export converts its arguments, calls plain Rust in
//! `svcsim-core` / `svcsim-manifests`, and converts the result back. The
//! conventions, which the simulator API will follow as it lands:
//! - names are camelCase in JS (`js_name`), snake_case in Rust;
//! - results are plain JS objects and arrays made by [`to_js`]
//!   (serde-wasm-bindgen with maps as objects), never classes, so they can
//!   be logged, compared and `JSON.stringify`'d;
//! - seeds accept a JS number (a safe integer) or a BigInt ([`seed_from_js`]);
//!   simulated times are nanoseconds as numbers, exact up to 2^53 ns
//!   (104 days of simulated time);
//! - invalid input throws an `Error` whose message says what was wrong;
//!   simulated failures (refused, timed out, dropped) are trace data.
//!
//! The simulator is the `Sim` class ([`JsSim`]), a wrapper of the core's
//! `Sim`: `Sim.create(scenarioYamlOrBuiltinName, seed)`, `step()`,
//! `runUntil(ns)`, `now()`, `views()`, `drainTrace()` and `traceHash()`,
//! each a one-line call plus [`to_js`]. Add new methods the same way.
//!
//! `EngineBench` ([`bench::EngineBench`]) is the engine benchmark's
//! workload for `cargo xtask bench-wasm`; it is not part of the page API.
//!
//! Build the module with `wasm-pack build --target web crates/svcsim-js`
//! (or `wasm-bindgen --target web` on the cdylib).

pub mod bench;

use serde::Serialize;
use svcsim_core::rng::Stream;
use svcsim_core::sim::{TraceEvent, TraceHasher};
use svcsim_core::SimTime;
use wasm_bindgen::prelude::*;

/// A running simulation, exported to JS as `Sim`.
///
/// Trace events are hashed as they leave the core, so `traceHash()` always
/// covers every event produced so far, whether or not JS has drained them.
#[wasm_bindgen(js_name = Sim)]
#[derive(Debug)]
pub struct JsSim {
    sim: svcsim_core::Sim,
    hasher: TraceHasher,
    /// Events taken from the core (and hashed) but not yet drained by JS.
    pending: Vec<TraceEvent>,
}

#[wasm_bindgen(js_class = Sim)]
impl JsSim {
    /// `Sim.create(scenario, seed?)`: `scenario` is a built-in scenario name
    /// (see `builtinScenarios()`) or the text of a scenario file; `seed`
    /// (number or BigInt) overrides the file's seed when given.
    pub fn create(scenario: &str, seed: JsValue) -> Result<JsSim, JsError> {
        let seed = if seed.is_undefined() || seed.is_null() {
            None
        } else {
            Some(seed_from_js(&seed)?)
        };
        let sim = build_sim(scenario, seed).map_err(|e| JsError::new(&e))?;
        Ok(JsSim {
            sim,
            hasher: TraceHasher::new(),
            pending: Vec::new(),
        })
    }

    /// Process the next event; `false` when nothing is pending.
    pub fn step(&mut self) -> bool {
        let more = self.sim.step();
        self.pull();
        more
    }

    /// Process every event up to and including `ns` (simulated nanoseconds).
    #[wasm_bindgen(js_name = runUntil)]
    pub fn run_until(&mut self, ns: f64) -> Result<(), JsError> {
        let t = nanos_from_js(ns)?;
        self.sim.run_until(SimTime(t));
        self.pull();
        Ok(())
    }

    /// Current simulated time in nanoseconds.
    pub fn now(&self) -> f64 {
        self.sim.now().as_nanos() as f64
    }

    /// Read-only snapshot of the cluster (nodes, pods, Services, ...).
    pub fn views(&self) -> Result<JsValue, JsError> {
        to_js(&self.sim.view())
    }

    /// The trace events produced since the last call, oldest first.
    #[wasm_bindgen(js_name = drainTrace)]
    pub fn drain_trace(&mut self) -> Result<JsValue, JsError> {
        self.pull();
        to_js(&std::mem::take(&mut self.pending))
    }

    /// Digest of every trace event so far (16 hex digits); equal to the
    /// native `svcsim run --json` `traceHash` for the same run.
    #[wasm_bindgen(js_name = traceHash)]
    pub fn trace_hash(&mut self) -> String {
        self.pull();
        self.hasher.hex()
    }
}

impl JsSim {
    /// Move new events out of the core, hashing them in order.
    fn pull(&mut self) {
        for ev in self.sim.drain_trace() {
            self.hasher.add(&ev);
            self.pending.push(ev);
        }
    }
}

/// Load a scenario (built-in name or file text) through the strict loader
/// and build the simulation, as `svcsim run` does.
pub fn build_sim(scenario: &str, seed: Option<u64>) -> Result<svcsim_core::Sim, String> {
    let (text, name) = match svcsim_manifests::builtin::get(scenario) {
        Some(text) => (text, format!("builtin:{scenario}")),
        None if !scenario.contains('\n') && !scenario.contains(':') => {
            return Err(format!(
                "no built-in scenario {scenario:?}; pass scenario YAML or one of: {}",
                svcsim_manifests::builtin::names().join(", ")
            ))
        }
        None => (scenario, "scenario.yaml".to_string()),
    };
    let loaded = svcsim_manifests::load(text, &name)
        .map_err(|diags| svcsim_manifests::render(&diags).trim_end().to_string())?;
    let mut spec = loaded.scenario;
    if let Some(seed) = seed {
        spec.seed = seed;
    }
    svcsim_core::Sim::new(loaded.objects, spec).map_err(|e| format!("{name}: {e}"))
}

/// Names of the built-in scenarios, for a picker.
#[wasm_bindgen(js_name = builtinScenarios)]
pub fn builtin_scenarios() -> Vec<String> {
    svcsim_manifests::builtin::names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Simulated nanoseconds from a JS number (non-negative safe integer).
fn nanos_from_js(ns: f64) -> Result<u64, JsError> {
    if ns.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&ns) {
        Ok(ns as u64)
    } else {
        Err(JsError::new(&format!(
            "time {ns} ns is not a non-negative safe integer"
        )))
    }
}

/// svcsim's version, for display and bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// What [`parse_objects`] returns to JS.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parsed<'a, O, D> {
    /// The modelled objects, in the core's own serialised form.
    pub objects: &'a [O],
    /// Objects of kinds svcsim does not model, so pages can say so.
    pub skipped: Vec<Skipped<'a>>,
    /// Raw `kind: Scenario` documents.
    pub scenario_docs: &'a [D],
}

/// A skipped object's kind and name.
#[derive(Debug, Serialize)]
pub struct Skipped<'a> {
    pub kind: &'a str,
    pub name: &'a str,
}

/// Parse a multi-document YAML or JSON stream of Kubernetes objects
/// leniently (as already admitted by an API server: no defaulting or
/// validation) into `{ objects, skipped, scenarioDocs }`.
#[wasm_bindgen(js_name = parseObjects)]
pub fn parse_objects(text: &str) -> Result<JsValue, JsError> {
    let loaded = svcsim_manifests::lenient::parse_objects(text)
        .map_err(|e| JsError::new(&format!("parseObjects: {e}")))?;
    to_js(&Parsed {
        objects: &loaded.objects,
        skipped: loaded
            .skipped
            .iter()
            .map(|(kind, name)| Skipped { kind, name })
            .collect(),
        scenario_docs: &loaded.scenario_docs,
    })
}

/// A digest of `draws` values from the random stream `(seed, key)`, as 16
/// hex digits. The same arguments give the same digest natively and in any
/// browser; the tests pin it, which is how we know wasm and native agree.
#[wasm_bindgen(js_name = rngDigest)]
pub fn rng_digest_js(seed: JsValue, key: &str, draws: u32) -> Result<String, JsError> {
    Ok(rng_digest(seed_from_js(&seed)?, key, draws))
}

/// [`rng_digest_js`] in plain Rust. Mixes integer draws, bounded draws and
/// exponential durations (the `libm` float path) so each kind of draw the
/// core uses is covered.
pub fn rng_digest(seed: u64, key: &str, draws: u32) -> String {
    let mut s = Stream::derive(seed, key);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..draws {
        for v in [s.next_u64(), s.below(1000), s.exp_nanos(1_000_000)] {
            for b in v.to_le_bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    format!("{h:016x}")
}

/// A seed from JS: a non-negative safe-integer number, or a BigInt that
/// fits in 64 bits. Anything else is an error rather than a silent rounding.
pub fn seed_from_js(v: &JsValue) -> Result<u64, JsError> {
    if let Some(n) = v.as_f64() {
        const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
        if n.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&n) {
            return Ok(n as u64);
        }
        return Err(JsError::new(&format!(
            "seed {n} is not a non-negative safe integer; pass an integer below 2^53 or a BigInt"
        )));
    }
    if v.is_bigint() {
        return u64::try_from(v.clone())
            .map_err(|_| JsError::new("seed BigInt does not fit in 64 unsigned bits"));
    }
    Err(JsError::new("seed must be a number or a BigInt"))
}

/// Serialise a result for JS: maps become plain objects (not `Map`s), so
/// results read naturally and survive `JSON.stringify`.
pub fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(|e| JsError::new(&format!("converting the result for JavaScript: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pinned digest; `tests/web.rs` checks the same value in Chromium.
    pub const DIGEST_7_CLIENT0_64: &str = "55ce4595d1e2df9e";

    /// The same run `tests/web.rs` makes in Chromium; the xtask passes
    /// this hash to it (see `native_trace_hash` there).
    #[test]
    fn builtin_runs_and_hashes_natively() {
        let mut sim = build_sim("clusterip", Some(7)).unwrap();
        sim.run_until(SimTime(2_000_000_000));
        let mut h = TraceHasher::new();
        for ev in sim.drain_trace() {
            h.add(&ev);
        }
        assert!(h.count() > 0, "the default scenario produces trace events");
        println!("trace hash clusterip seed 7 2s: {}", h.hex());
        assert!(build_sim("no-such-scenario", None).is_err());
    }

    #[test]
    fn rng_digest_is_pinned_natively() {
        assert_eq!(rng_digest(7, "client/0", 64), DIGEST_7_CLIENT0_64);
        assert_ne!(rng_digest(8, "client/0", 64), DIGEST_7_CLIENT0_64);
    }
}
