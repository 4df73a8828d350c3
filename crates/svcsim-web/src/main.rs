//! svcsim's browser front end: a Kubernetes Service simulator a learner can
//! watch, pause, scrub and break.
//!
//! - `model/`: plain Rust (no yew, no web-sys) — time mapping, the engine
//!   that drives the core with checkpoints and replay, layout, packets, the
//!   log. Unit tests run natively: `cargo test -p svcsim-web`.
//! - `app.rs`: the state reducer (`Action`) and the page frame.
//! - `components/`: one widget per file, each with a `Props` struct.
//! - `draw.rs`: canvas drawing for the packet layer.
//!
//! Hooks the end-to-end test relies on: `<canvas id="packets">` (pixels
//! change while the scenario plays) and `<span id="trace-count">` (the
//! number of trace events consumed, which grows).

mod app;
mod components;
mod draw;
mod model;

fn main() {
    // Without this a panic in wasm only says "unreachable"; with it the
    // message reaches the console.
    console_error_panic_hook::set_once();
    yew::Renderer::<app::App>::new().render();
}
