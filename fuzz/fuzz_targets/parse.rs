//! Fuzz target: arbitrary bytes through the whole strict loading path
//! (YAML/JSON parse, strict decode, defaulting, allocation, validation) and,
//! when that succeeds, export and reload. The loader runs in a browser tab,
//! so the property is simply "never panics, never hangs"; libFuzzer's
//! timeout catches the second. A hook for building the simulation from the
//! loaded objects goes here once the engine exposes one.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    svcsim_manifests::fuzz_one(data);
});
