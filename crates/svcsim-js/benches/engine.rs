//! The native half of `cargo xtask bench-wasm`: the engine benchmark's
//! workload ([`svcsim_js::bench`]) timed natively with the same protocol
//! as the wasm half (build and warm up untimed, then each sample runs one
//! simulated second from a fresh clone of the warmed-up state), printed as
//! one JSON line for the xtask to read.
//!
//! `cargo bench -p svcsim-js --bench engine [-- --samples N] [--seed N]`.
//! It is built with the bench profile (`opt-level = 3`, LTO), like the
//! divan benchmark of the same workload in `tests/benches/sim.rs`.

use std::time::Instant;
use svcsim_js::bench;

fn main() {
    let mut samples = 10usize;
    let mut seed = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{name} needs a whole number"))
        };
        match a.as_str() {
            "--samples" => samples = value("--samples") as usize,
            "--seed" => seed = Some(value("--seed")),
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            other => panic!("unknown argument {other:?} (use --samples N, --seed N)"),
        }
    }
    let base = bench::mixed_10k(seed).expect("the benchmark workload builds");
    let mut events = None;
    let mut ms = Vec::new();
    for _ in 0..samples.max(1) {
        let mut sim = base.clone();
        let t = Instant::now();
        let n = bench::run_for_secs(&mut sim, bench::SAMPLE_SECS);
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        // Every sample replays the same simulated second.
        assert_eq!(*events.get_or_insert(n), n, "samples differ in events");
        drop(sim);
    }
    let ms: Vec<String> = ms.iter().map(|m| format!("{m:.3}")).collect();
    println!(
        "{{\"target\":\"native\",\"events\":{},\"simSecs\":{},\"samplesMs\":[{}]}}",
        events.unwrap_or(0),
        bench::SAMPLE_SECS,
        ms.join(",")
    );
}
