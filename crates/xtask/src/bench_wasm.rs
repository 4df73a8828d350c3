//! `cargo xtask bench-wasm`: the engine benchmark natively and in wasm, side
//! by side (issue 3's "events per second on `mixed` at 10,000 requests/s,
//! natively and in wasm").
//!
//! The workload is one definition, `svcsim_js::bench` (the built-in
//! `mixed` scaled to 10,000 req/s, trace off, warmed up one simulated
//! second); each sample times one more simulated second from a fresh copy of
//! the warmed-up state. The three runs:
//! - native: `cargo bench -p svcsim-js --bench engine` (bench profile,
//!   `opt-level = 3`, LTO), which prints one JSON line;
//! - Chromium: svcsim-js built for `wasm32-unknown-unknown` and bound with
//!   `wasm-bindgen --target web`, loaded by a small page served from
//!   loopback by the xtask's own server, in the same headless Chromium (and
//!   flags) as the e2e test. The page times `EngineBench.runFor(1)` with
//!   `performance.now()` and reports by requesting
//!   `/__bench_result?<JSON>`, which the server logs; the xtask waits for
//!   that request, then stops the browser it started;
//! - Node: the same module and the same JS (`bench.js`) under `node`.
//!
//! wasm is built twice: with the release profile (`opt-level = "z"`, what
//! the site ships) and with the bench profile (`opt-level = 3`, the
//! native side's settings), then `wasm-opt -Oz` / `-O3` when binaryen is in
//! `node_modules` (the report says when it is not). Every run must process
//! the same number of events as the native one for the same seed, or the
//! command fails: the engine is deterministic across targets.
//!
//! Nothing here is a test and nothing asserts a time; it prints a table for
//! BENCHMARKS.md.

use crate::server::Server;
use crate::tools::{self, Browser, CHROMIUM_ARGS};
use crate::util::{self, step, Result};
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One wasm build: cargo profile, wasm-opt level, and the folder (under the
/// served site) its bound module goes to.
struct Build {
    profile: &'static str,
    note: &'static str,
    wasm_opt: &'static str,
    dir: &'static str,
}

const BUILDS: &[Build] = &[
    Build {
        profile: "release",
        note: "release profile, opt-level z (what the site ships)",
        wasm_opt: "-Oz",
        dir: "pkg-release",
    },
    Build {
        profile: "bench",
        note: "bench profile, opt-level 3 (the native settings)",
        wasm_opt: "-O3",
        dir: "pkg-bench",
    },
];

/// Options of `cargo xtask bench-wasm`.
pub struct Options {
    pub samples: u32,
    pub seed: Option<u64>,
    pub no_build: bool,
    pub node: bool,
}

/// One measured run.
struct Measured {
    target: String,
    events: u64,
    median_ms: f64,
    min_ms: f64,
}

impl Measured {
    fn from_json(target: String, v: &Value) -> Result<Measured> {
        if let Some(e) = v.get("error") {
            return Err(format!("{target}: the benchmark threw: {e}"));
        }
        let events = v["events"]
            .as_u64()
            .ok_or_else(|| format!("{target}: no event count in {v}"))?;
        let mut ms: Vec<f64> = v["samplesMs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect();
        if ms.is_empty() {
            return Err(format!("{target}: no samples in {v}"));
        }
        ms.sort_by(f64::total_cmp);
        Ok(Measured {
            target,
            events,
            median_ms: ms[ms.len() / 2],
            min_ms: ms[0],
        })
    }
    fn events_per_sec(&self) -> f64 {
        self.events as f64 / (self.median_ms / 1e3)
    }
}

/// Where the page, the bound modules and the browser profile go.
fn out_dir() -> PathBuf {
    util::target_dir().join("bench-wasm")
}

pub fn bench_wasm(o: &Options) -> Result<()> {
    let site = out_dir().join("site");
    std::fs::create_dir_all(&site).map_err(|e| format!("creating {}: {e}", site.display()))?;
    write_site(&site)?;
    let wasm_opt = tools::npm_bin_dir().join("wasm-opt");
    let have_opt = wasm_opt.is_file();
    if !o.no_build {
        tools::ensure_rust()?;
        tools::ensure_wasm_bindgen()?;
        for b in BUILDS {
            build_wasm(b, &site, have_opt.then_some(wasm_opt.as_path()))?;
        }
    }
    if !have_opt {
        eprintln!("note: no wasm-opt in node_modules (`npm ci` installs it); the wasm is measured as wasm-bindgen left it");
    }

    step("native: cargo bench -p svcsim-js --bench engine");
    let native = native(o)?;
    eprintln!(
        "native: {} events, median {:.1} ms",
        native.events, native.median_ms
    );

    let mut rows = vec![(
        String::from("native, bench profile (opt-level 3, LTO)"),
        native,
    )];
    step("checking the browser");
    let browser = tools::ensure_browser()?;
    for b in BUILDS {
        step(&format!("wasm in headless Chromium: {}", b.note));
        let m = chromium(&browser, &site, b.dir, o)?;
        rows.push((format!("Chromium, {}", b.note), m));
    }
    if o.node {
        for b in BUILDS {
            step(&format!("wasm in Node: {}", b.note));
            match node(&site, b.dir, o) {
                Ok(m) => rows.push((format!("Node, {}", b.note), m)),
                Err(e) => eprintln!("skipping Node: {e}"),
            }
        }
    }

    let native_eps = rows[0].1.events_per_sec();
    let native_events = rows[0].1.events;
    println!(
        "\n## engine: `mixed` at 10,000 req/s, one simulated second, trace off (median of {} samples)\n",
        o.samples
    );
    println!("| run | events | median ms | fastest ms | events/s | native ÷ this |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (label, m) in &rows {
        println!(
            "| {label} | {} | {:.1} | {:.1} | {:.0} | {:.2}× |",
            m.events,
            m.median_ms,
            m.min_ms,
            m.events_per_sec(),
            native_eps / m.events_per_sec()
        );
    }
    println!(
        "\nwasm-opt: {}. Targets: ≥ 10,000,000 events/s native; wasm within 2× of native.",
        if have_opt {
            "applied"
        } else {
            "not installed, not applied"
        }
    );
    let differ: Vec<String> = rows
        .iter()
        .filter(|(_, m)| m.events != native_events)
        .map(|(l, m)| format!("{l} ({}): {} events", m.target, m.events))
        .collect();
    if differ.is_empty() {
        println!(
            "Every run processed the same {native_events} events (deterministic across targets)."
        );
        Ok(())
    } else {
        Err(format!(
            "the event counts differ from native's {native_events}: {}. The engine is not deterministic across targets.",
            differ.join("; ")
        ))
    }
}

/// Build svcsim-js for wasm32 with `b`'s profile and bind it into `site`.
fn build_wasm(b: &Build, site: &Path, wasm_opt: Option<&Path>) -> Result<()> {
    step(&format!("building svcsim-js for wasm32: {}", b.note));
    let out = site.join(b.dir);
    let _ = std::fs::remove_dir_all(&out);
    tools::build_svcsim_js(b.profile, &out, wasm_opt.map(|o| (o, b.wasm_opt)))?;
    Ok(())
}

/// The page, the shared benchmark JS and the Node driver.
fn write_site(site: &Path) -> Result<()> {
    let files = [
        ("index.html", INDEX_HTML),
        ("bench.js", BENCH_JS),
        ("node.js", NODE_JS),
        // The bound modules are ES modules; this makes Node read them so.
        ("package.json", "{ \"type\": \"module\" }\n"),
    ];
    for (name, text) in files {
        let p = site.join(name);
        std::fs::write(&p, text).map_err(|e| format!("writing {}: {e}", p.display()))?;
    }
    Ok(())
}

fn native(o: &Options) -> Result<Measured> {
    let mut args = vec![
        "bench".to_string(),
        "-q".into(),
        "-p".into(),
        "svcsim-js".into(),
        "--bench".into(),
        "engine".into(),
        "--".into(),
        "--samples".into(),
        o.samples.to_string(),
    ];
    if let Some(s) = o.seed {
        args.extend(["--seed".into(), s.to_string()]);
    }
    eprintln!("$ cargo {}", args.join(" "));
    let out = Command::new(util::cargo())
        .current_dir(util::root())
        .args(&args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the native benchmark failed ({}); run the command above by hand.",
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("the native benchmark printed no JSON:\n{text}"))?;
    let v: Value = serde_json::from_str(line).map_err(|e| format!("native JSON: {e}: {line}"))?;
    Measured::from_json("native".into(), &v)
}

/// The query string the page is opened with.
fn query(dir: &str, o: &Options) -> String {
    let mut q = format!("pkg={dir}&samples={}", o.samples);
    if let Some(s) = o.seed {
        q.push_str(&format!("&seed={s}"));
    }
    q
}

fn chromium(browser: &Browser, site: &Path, dir: &str, o: &Options) -> Result<Measured> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("binding a local port for the page: {e}"))?;
    let server = Server::start(listener, site.to_path_buf(), "/")
        .map_err(|e| format!("starting the page server: {e}"))?;
    let url = format!("http://{}/index.html?{}", server.addr, query(dir, o));
    let profile = out_dir().join(format!("profile-{dir}"));
    let _ = std::fs::remove_dir_all(&profile);
    let log_path = out_dir().join(format!("chromium-{dir}.log"));
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("creating {}: {e}", log_path.display()))?;
    let mut cmd = Command::new(&browser.chromium);
    cmd.args(CHROMIUM_ARGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    eprintln!("$ {} (log: {})", util::show(&cmd), log_path.display());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", browser.chromium.display()))?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let result = loop {
        if let Some(hit) = server
            .hits()
            .into_iter()
            .find(|h| h.path.starts_with("/__bench_result?"))
        {
            break Ok(hit.path["/__bench_result?".len()..].to_string());
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!(
                "Chromium exited ({status}) before the page reported; see {}",
                log_path.display()
            ));
        }
        if Instant::now() > deadline {
            break Err(format!(
                "no result from the page after 600 s; see {}",
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Stop the browser we started (its own pid; its helpers exit with it).
    let _ = child.kill();
    let _ = child.wait();
    drop(server);
    let json = percent_decode(&result?)?;
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("page JSON: {e}: {json}"))?;
    if let Some(ua) = v["userAgent"].as_str() {
        eprintln!("user agent: {ua}");
    }
    Measured::from_json("chromium".into(), &v)
}

fn node(site: &Path, dir: &str, o: &Options) -> Result<Measured> {
    let node = util::which("node").ok_or("node is not installed")?;
    let mut cmd = Command::new(node);
    cmd.current_dir(site)
        .arg("node.js")
        .arg(dir)
        .arg(o.samples.to_string());
    if let Some(s) = o.seed {
        cmd.arg(s.to_string());
    }
    eprintln!("$ {}", util::show(&cmd));
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run node: {e}"))?;
    if !out.status.success() {
        return Err(format!("node failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("node JSON: {e}: {text}"))?;
    if let Some(version) = v["node"].as_str() {
        eprintln!("node {version}");
    }
    Measured::from_json("node".into(), &v)
}

/// Undo `encodeURIComponent`.
fn percent_decode(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).map_err(|e| e.to_string())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|e| format!("%{hex}: {e}"))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| format!("the page's result is not UTF-8: {e}"))
}

/// The timing loop, shared by the page and Node so both measure alike:
/// build and warm up (untimed), then per sample fork the warmed-up state
/// and time one simulated second.
const BENCH_JS: &str = r#"// Written by `cargo xtask bench-wasm` (crates/xtask/src/bench_wasm.rs).
export function runBench(mod, samples, seed) {
  const t0 = performance.now();
  const base = mod.EngineBench.create(seed);
  const buildMs = performance.now() - t0;
  const samplesMs = [];
  let events = null;
  for (let i = 0; i < samples; i++) {
    const b = base.fork();
    const t = performance.now();
    const n = b.runFor(1);
    samplesMs.push(performance.now() - t);
    b.free();
    if (events === null) events = n;
    else if (events !== n) throw new Error(`sample ${i}: ${n} events, sample 0 had ${events}`);
  }
  base.free();
  return { events, simSecs: 1, samplesMs, buildMs };
}
"#;

const INDEX_HTML: &str = r#"<!doctype html>
<!-- Written by `cargo xtask bench-wasm` (crates/xtask/src/bench_wasm.rs). -->
<meta charset="utf-8">
<title>svcsim engine benchmark</title>
<pre id="out">running…</pre>
<script type="module">
import { runBench } from './bench.js';
const q = new URLSearchParams(location.search);
let result;
try {
  const mod = await import(`./${q.get('pkg')}/svcsim_js.js`);
  await mod.default();
  const seed = q.has('seed') ? Number(q.get('seed')) : undefined;
  result = runBench(mod, Number(q.get('samples') || 10), seed);
  result.target = 'chromium';
  result.userAgent = navigator.userAgent;
} catch (e) {
  result = { error: String((e && e.stack) || e) };
}
document.getElementById('out').textContent = JSON.stringify(result, null, 2);
await fetch('/__bench_result?' + encodeURIComponent(JSON.stringify(result)));
</script>
"#;

const NODE_JS: &str = r#"// Written by `cargo xtask bench-wasm` (crates/xtask/src/bench_wasm.rs).
// node node.js PKG_DIR SAMPLES [SEED]
import { readFileSync } from 'node:fs';
import { runBench } from './bench.js';
const [dir, samples, seed] = process.argv.slice(2);
const mod = await import(`./${dir}/svcsim_js.js`);
mod.initSync({ module: readFileSync(new URL(`./${dir}/svcsim_js_bg.wasm`, import.meta.url)) });
const result = runBench(mod, Number(samples || 10), seed === undefined ? undefined : Number(seed));
result.target = 'node';
result.node = process.version;
console.log(JSON.stringify(result));
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_encode_uri_component() {
        assert_eq!(
            percent_decode("%7B%22a%22%3A1%2C%22b%22%3A%22%C3%97%22%7D").unwrap(),
            "{\"a\":1,\"b\":\"×\"}"
        );
        assert_eq!(percent_decode("abc").unwrap(), "abc");
    }
}
