//! The engine benchmark's workload, shared by every place that measures it:
//! the divan benchmark (`cargo bench -p svcsim-tests --bench sim`), the
//! native half of `cargo xtask bench-wasm` (`benches/engine.rs` here), and
//! its wasm half ([`EngineBench`], run in headless Chromium and Node).
//!
//! One definition keeps the three honest: the built-in `mixed` with every
//! client's rate scaled so the total is 10,000 requests/s, each workload's
//! concurrency raised so the pods queue rather than shed load, the trace
//! off (metrics only), warmed up past the clients' start. Nothing here
//! reads a clock; callers time [`run_for_secs`] themselves (JS with
//! `performance.now()`), and the simulated event count it returns must be
//! the same on every target for the same seed.

use svcsim_core::{Sim, SimDuration, SimTime};
use wasm_bindgen::prelude::*;

/// Total request rate of the benchmark, over all clients.
pub const TOTAL_RPS: f64 = 10_000.0;
/// Simulated seconds run before measuring (the clients start within it).
pub const WARMUP_SECS: u64 = 1;
/// Simulated seconds one measured sample runs.
pub const SAMPLE_SECS: u64 = 1;
/// Concurrency floor per workload, so 10,000 req/s queue instead of
/// being refused for overload.
const MIN_CONCURRENCY: u32 = 256;

/// `mixed` at [`TOTAL_RPS`], trace off, run to [`WARMUP_SECS`]. `seed`
/// overrides the scenario's own (`None` keeps it, as the divan bench does).
pub fn mixed_10k(seed: Option<u64>) -> Result<Sim, String> {
    let text = svcsim_manifests::builtin::get("mixed").ok_or("no built-in `mixed`")?;
    let loaded = svcsim_manifests::load(text, "builtin:mixed")
        .map_err(|diags| svcsim_manifests::render(&diags).trim_end().to_string())?;
    let mut spec = loaded.scenario;
    if let Some(seed) = seed {
        spec.seed = seed;
    }
    let total: f64 = spec.clients.iter().map(|c| c.rate).sum();
    for c in &mut spec.clients {
        c.rate *= TOTAL_RPS / total;
    }
    for w in &mut spec.workloads {
        w.concurrency = w.concurrency.max(MIN_CONCURRENCY);
    }
    let mut sim = Sim::new(loaded.objects, spec).map_err(|e| format!("builtin:mixed: {e}"))?;
    sim.set_tracing(false);
    sim.run_until(SimTime::from_secs(WARMUP_SECS));
    Ok(sim)
}

/// Run `secs` simulated seconds; the number of events processed.
pub fn run_for_secs(sim: &mut Sim, secs: u64) -> u64 {
    let before = sim.events_processed();
    sim.run_for(SimDuration::from_secs(secs));
    sim.events_processed() - before
}

/// The benchmark for JS: `EngineBench.create(seed?)` builds and warms up
/// the workload (untimed); `fork()` is a cheap checkpoint (`Sim: Clone`),
/// so each timed sample starts from the same state, as divan's
/// `with_inputs(|| base.clone())` does; `runFor(secs)` is the timed part
/// and returns the event count.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct EngineBench {
    sim: Sim,
}

#[wasm_bindgen]
impl EngineBench {
    /// Build `mixed` at 10,000 req/s and warm it up; `seed` (number or
    /// BigInt) overrides the scenario's when given.
    pub fn create(seed: JsValue) -> Result<EngineBench, JsError> {
        let seed = if seed.is_undefined() || seed.is_null() {
            None
        } else {
            Some(crate::seed_from_js(&seed)?)
        };
        let sim = mixed_10k(seed).map_err(|e| JsError::new(&e))?;
        Ok(EngineBench { sim })
    }

    /// An independent copy at the same simulated time.
    pub fn fork(&self) -> EngineBench {
        self.clone()
    }

    /// Run `secs` simulated seconds (a whole number); events processed.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&mut self, secs: u32) -> f64 {
        run_for_secs(&mut self.sim, u64::from(secs)) as f64
    }

    /// Simulated nanoseconds now.
    pub fn now(&self) -> f64 {
        self.sim.now().as_nanos() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workload_is_deterministic() {
        let base = mixed_10k(None).unwrap();
        let (mut a, mut b) = (base.clone(), base);
        let n = run_for_secs(&mut a, 1);
        assert_eq!(n, run_for_secs(&mut b, 1));
        // About 15 events per request at 10,000 req/s.
        assert!(n > 50_000, "only {n} events in a simulated second");
    }
}
