//! Corpus replay without nightly: every committed seed in
//! `fuzz/corpus-seed/`, the built-in scenarios, and a few thousand
//! deterministic mutations of them go through the same check the cargo-fuzz
//! target runs ([`svcsim_manifests::fuzz_one`]): load, and if that
//! succeeds, export and reload. The property is "no panic"; the loop also
//! bounds time per input so a hang shows up as a failure.
//!
//! `SVCSIM_FUZZ_ITERS=N` runs N mutations instead of the default 3000
//! (`SVCSIM_FUZZ_SEED` changes the mutation stream).

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus-seed");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.display().to_string(), bytes));
        }
    }
    for name in svcsim_manifests::builtin::names() {
        let text = svcsim_manifests::builtin::get(name).unwrap_or_default();
        out.push((format!("builtin:{name}"), text.as_bytes().to_vec()));
    }
    out
}

/// SplitMix64: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Tokens that matter to YAML and to the loader.
const TOKENS: &[&str] = &[
    ": ",
    "- ",
    "\n",
    "\n  ",
    "\n    ",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    "\"",
    "#",
    "|\n",
    ">\n",
    "!!str ",
    "!!int ",
    "~",
    "null",
    "true",
    "0",
    "-1",
    "65536",
    "0x1F",
    "1e9",
    "None",
    "kind: List\nitems:\n",
    "kind: Scenario\n",
    "apiVersion: v1\n",
    "kind: Service\n",
    "nodePort: ",
    "clusterIP: ",
    "port: ",
    "targetPort: ",
    "<<: *a\n",
    "\t",
    "\u{feff}",
    "\u{2028}",
    "é",
    "%YAML 1.2\n",
    "? ",
];

fn mutate(rng: &mut Rng, a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below(16.min(len - i) + 1);
                v.drain(i..i + n);
            }
            2 => {
                let i = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                v.splice(i..i, t.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below(64.min(len - i) + 1);
                let chunk = v[i..i + n].to_vec();
                let j = rng.below(len + 1);
                v.splice(j..j, chunk);
            }
            4 if !b.is_empty() => {
                // Splice: our head, the other seed's tail.
                let i = rng.below(len + 1);
                let j = rng.below(b.len());
                v.truncate(i);
                v.extend_from_slice(&b[j..]);
            }
            5 if len > 0 => {
                // Re-indent one line by one space.
                let i = rng.below(len);
                if let Some(nl) = v[..i].iter().rposition(|&c| c == b'\n') {
                    if rng.below(2) == 0 {
                        v.insert(nl + 1, b' ');
                    } else if v.get(nl + 1) == Some(&b' ') {
                        v.remove(nl + 1);
                    }
                }
            }
            _ => {
                let i = rng.below(len + 1);
                let n = rng.below(5);
                for _ in 0..n {
                    v.insert(i, (rng.next() & 0xff) as u8);
                }
            }
        }
    }
    v
}

fn run_one(label: &str, data: &[u8]) {
    let t = Instant::now();
    let r = std::panic::catch_unwind(|| svcsim_manifests::fuzz_one(data));
    if r.is_err() {
        let path = std::env::temp_dir().join("svcsim-fuzz-crash.yaml");
        let _ = std::fs::write(&path, data);
        panic!("{label}: panicked; input saved to {}", path.display());
    }
    // Generous for debug builds on a loaded machine; a real hang is minutes.
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "{label}: took {:?}",
        t.elapsed()
    );
}

#[test]
fn seeds_do_not_panic() {
    for (name, data) in seeds() {
        run_one(&name, &data);
    }
}

#[test]
fn mutations_do_not_panic() {
    let iters: usize = std::env::var("SVCSIM_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("SVCSIM_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_251_126);
    let corpus = seeds();
    let mut rng = Rng(seed);
    for i in 0..iters {
        let a = &corpus[rng.below(corpus.len())].1;
        let b = &corpus[rng.below(corpus.len())].1;
        let data = mutate(&mut rng, a, b);
        run_one(&format!("mutation {i} (seed {seed})"), &data);
    }
}
