//! Fuzz target: arbitrary bytes through the whole strict loading path
//! (YAML/JSON parse, strict decode, defaulting, allocation, validation) and,
//! when that succeeds, building the simulation and running it briefly
//! (checking its invariants), then export and reload. All of this runs in a
//! browser tab, so the property is "never panics, never hangs"; libFuzzer's
//! timeout catches the second.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    svcsim_manifests::fuzz_one(data);
});
