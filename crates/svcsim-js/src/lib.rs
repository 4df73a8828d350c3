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
//! The simulator will be exported as a `Sim` class wrapping the core's
//! `Sim`: `Sim.create(scenarioYamlOrBuiltinName, seed)`, `step()`,
//! `runUntil(ns)`, `views()`, `drainTrace()` and `traceHash()`, each a
//! one-line call plus [`to_js`].
//!
//! Build the module with `wasm-pack build --target web crates/svcsim-js`
//! (or `wasm-bindgen --target web` on the cdylib).

use serde::Serialize;
use svcsim_core::rng::Stream;
use wasm_bindgen::prelude::*;

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

    #[test]
    fn rng_digest_is_pinned_natively() {
        assert_eq!(rng_digest(7, "client/0", 64), DIGEST_7_CLIENT0_64);
        assert_ne!(rng_digest(8, "client/0", 64), DIGEST_7_CLIENT0_64);
    }
}
