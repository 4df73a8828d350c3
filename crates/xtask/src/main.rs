//! `cargo xtask`: svcsim's one entry point for setup, builds, tests and the
//! local server (the alias lives in `.cargo/config.toml`).
//!
//! ```text
//! cargo xtask serve [--port 8080] [--public-url /] [--no-build]
//! cargo xtask dist  [--public-url /sub/path/] [--dist DIR]
//! cargo xtask test          # everything CI runs, in order, failing fast
//! cargo xtask e2e [--no-build]   # only the browser test of the built site
//! cargo xtask js [--out DIR]      # svcsim-js as an ES module (default target/js/pkg)
//! cargo xtask bench-browser [--no-build]   # frame time, first moving packet, bundle size
//! cargo xtask bench-wasm [--samples N] [--seed N] [--no-build] [--no-node]
//!                           # engine events/s natively, in Chromium and in Node
//! cargo xtask setup         # only install the tools
//! ```
//!
//! Each command first installs what it needs and is missing (see
//! [`tools`]); the install steps are idempotent and print what they do.
//! `cargo xtask test` runs, in this order:
//! 1. `cargo fmt --all --check`
//! 2. clippy with `-D warnings`: natively for the whole workspace, and
//!    again for `wasm32-unknown-unknown` for the two browser crates
//!    (`svcsim-web`, `svcsim-js`), whose wasm-only code native clippy
//!    would not see (yew and web-sys build natively, so both passes work);
//! 3. native tests, `cargo test --workspace` (the app's `model/` is plain
//!    Rust with native unit tests);
//! 4. wasm tests in headless Chromium: `wasm-pack test` of `svcsim-js`
//!    (which also checks that the core's determinism hash matches native);
//! 5. the release site build with trunk, at `/` into `dist/` and at
//!    `/svcsim/` into `target/e2e/dist-svcsim/`;
//! 6. the end-to-end browser test of both builds: the xtask serves them and
//!    runs `cargo test -p svcsim-tests --test e2e` (`tests/e2e.rs`) against
//!    them ([`browser`]).
//!
//!
//! `cargo xtask bench-browser` builds the site (release) into `dist/`,
//! serves it, and runs the `bench_browser` test of `tests/e2e.rs` in the
//! same headless Chromium: time from navigation start to the first trace
//! event and the first packet drawn (three fresh loads), and
//! `requestAnimationFrame` intervals over 5 s at 100× in each built-in of
//! the tour, with the number of hops in view. It prints those with the
//! shipped bytes (raw and gzip -9) against the targets; BENCHMARKS.md
//! "Browser" records a run.
//!
//! `cargo xtask bench-wasm` times the engine benchmark's workload (`mixed`
//! at 10,000 req/s, trace off; `svcsim_js::bench`) natively and as wasm in
//! the same headless Chromium, and in Node, and prints events/s and the
//! native-to-wasm ratio; see [`bench_wasm`]. BENCHMARKS.md "wasm against
//! native" records a run.
//!
//! `XTASK_SKIP=wasm,e2e` (any of `fmt,clippy,native,wasm,site,e2e`) skips
//! steps for a quicker local loop; the default runs everything.

mod bench_wasm;
mod browser;
mod server;
mod tools;
mod util;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use util::{run, step, Result};

const USAGE: &str = "usage: cargo xtask <command>

  serve [--port N] [--public-url P] [--no-build]
                      build the site (release) and serve it on http://127.0.0.1:N (default 8080)
  dist [--public-url P] [--dist DIR]
                      build the site into DIR (default dist/) for a static host at P (default /)
  test                fmt, clippy, native tests, wasm tests, site build, e2e (what CI runs)
  e2e [--no-build]    build the site at / and /svcsim/ and run the browser test
  js [--out DIR]      build svcsim-js as an ES module (wasm-bindgen --target web) into DIR
                      (default target/js/pkg)
  bench-browser [--no-build]
                      build the site, then measure frame time, first moving packet and bundle size
  bench-wasm [--samples N] [--seed N] [--no-build] [--no-node]
                      engine events/s on `mixed` at 10,000 req/s: native, wasm in headless
                      Chromium and in Node (wasm built with the release and the bench profile)
  setup               install the tools the other commands need

Set XTASK_SKIP=fmt,clippy,native,wasm,site,e2e to skip steps of `test`.";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("dist") => dist(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("e2e") => e2e_cmd(&args[1..]),
        Some("js") => js(&args[1..]),
        Some("bench-browser") => bench_browser(&args[1..]),
        Some("bench-wasm") => bench_wasm_cmd(&args[1..]),
        Some("setup") => setup(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`.\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => eprintln!("\nxtask: done in {:.0}s", started.elapsed().as_secs_f64()),
        Err(e) => {
            eprintln!(
                "\nxtask: FAILED after {:.0}s: {e}",
                started.elapsed().as_secs_f64()
            );
            std::process::exit(1);
        }
    }
}

/// `--flag value` options plus boolean `--flag`s, rejecting anything else.
struct Opts {
    values: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Opts {
    fn parse(args: &[String], with_value: &[&str], flags: &[&str]) -> Result<Opts> {
        let mut o = Opts {
            values: Vec::new(),
            flags: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            if with_value.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => it.next().cloned().ok_or(format!("{name} needs a value"))?,
                };
                o.values.push((name.to_string(), v));
            } else if flags.contains(&name) && inline.is_none() {
                o.flags.push(name.to_string());
            } else {
                return Err(format!("unknown option `{a}`.\n\n{USAGE}"));
            }
        }
        Ok(o)
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
}

fn setup() -> Result<()> {
    tools::ensure_site_tools()?;
    tools::ensure_wasm_pack()?;
    tools::ensure_browser().map(|_| ())
}

/// `trunk build --release --offline` of the site into `dist` for `public_url`.
fn build_site(dist: &Path, public_url: &str) -> Result<()> {
    step(&format!(
        "building the site (release) into {} for {public_url}",
        dist.display()
    ));
    tools::check_trunk_toml()?;
    let trunk = tools::cargo_bin_dir().join("trunk");
    let trunk = if trunk.is_file() {
        trunk
    } else {
        PathBuf::from("trunk")
    };
    run(
        Command::new(trunk)
            .current_dir(util::root())
            .env("PATH", tools::tool_path())
            .args(["build", "--release", "--offline", "--skip-version-check"])
            .arg("--public-url")
            .arg(public_url)
            .arg("--dist")
            .arg(dist),
        "The site build failed; the compiler or trunk output above says why.",
    )?;
    report_sizes(dist);
    Ok(())
}

/// Print the shipped bytes (wasm + JS + CSS), raw and gzip'd, so size
/// regressions show in every build log.
fn report_sizes(dist: &Path) {
    let Ok(entries) = std::fs::read_dir(dist) else {
        return;
    };
    let mut total = (0u64, 0u64);
    let mut lines = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if !matches!(ext, "wasm" | "js" | "css" | "html") {
            continue;
        }
        let raw = e.metadata().map(|m| m.len()).unwrap_or(0);
        // gzip -9 is what a static host typically serves; absent gzip, skip.
        let gz = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&p)
            .output()
            .map(|o| o.stdout.len() as u64)
            .unwrap_or(0);
        total.0 += raw;
        total.1 += gz;
        lines.push(format!(
            "    {:>9} B  {:>9} B gz  {}",
            raw,
            gz,
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
    }
    lines.sort();
    eprintln!(
        "bundle:\n{}\n    {:>9} B  {:>9} B gz  total",
        lines.join("\n"),
        total.0,
        total.1
    );
}

fn dist(args: &[String]) -> Result<()> {
    let o = Opts::parse(args, &["--public-url", "--dist"], &[])?;
    let public_url = server::normalise_prefix(o.get("--public-url").unwrap_or("/"));
    let dist = o
        .get("--dist")
        .map(PathBuf::from)
        .unwrap_or_else(|| util::root().join("dist"));
    tools::ensure_site_tools()?;
    build_site(&dist, &public_url)?;
    eprintln!(
        "\n{} is ready for a static host at {public_url}",
        dist.display()
    );
    Ok(())
}

fn serve(args: &[String]) -> Result<()> {
    let o = Opts::parse(args, &["--port", "--public-url"], &["--no-build"])?;
    let port: u16 = o
        .get("--port")
        .unwrap_or("8080")
        .parse()
        .map_err(|e| format!("--port: {e}"))?;
    let public_url = server::normalise_prefix(o.get("--public-url").unwrap_or("/"));
    let dist = util::root().join("dist");
    if !o.flag("--no-build") {
        tools::ensure_site_tools()?;
        build_site(&dist, &public_url)?;
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        format!("cannot listen on 127.0.0.1:{port}: {e}. Pick another with --port.")
    })?;
    eprintln!(
        "\nserving {} at http://127.0.0.1:{port}{public_url} (Ctrl-C stops)",
        dist.display()
    );
    server::serve_forever(listener, dist, &public_url);
    Ok(())
}

/// Build `svcsim-js` for the browser as an ES module: release cdylib,
/// `wasm-bindgen --target web`, then `wasm-opt -Oz` (the same tools trunk
/// uses, so no wasm-pack download path is involved).
fn js(args: &[String]) -> Result<()> {
    let o = Opts::parse(args, &["--out"], &[])?;
    let out = o
        .get("--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| util::target_dir().join("js").join("pkg"));
    tools::ensure_site_tools()?;
    step(&format!(
        "building svcsim-js (release, wasm32) into {}",
        out.display()
    ));
    let opt = tools::npm_bin_dir().join("wasm-opt");
    tools::build_svcsim_js("release", &out, Some((&opt, "-Oz")))?;
    report_sizes(&out);
    eprintln!(
        "\nimport init, {{ version, parseObjects, rngDigest }} from './svcsim_js.js'; await init();"
    );
    Ok(())
}

/// The trace hash of the run `crates/svcsim-js/tests/web.rs` repeats in
/// Chromium (built-in `clusterip`, seed 7, 2 s), from the native CLI, so the
/// browser test proves wasm and native agree on a whole simulation.
fn native_trace_hash() -> Result<String> {
    step("native reference run for the wasm determinism test");
    let args = [
        "run",
        "-q",
        "-p",
        "svcsim",
        "--",
        "run",
        "--builtin",
        "clusterip",
        "--seed",
        "7",
        "--for",
        "2s",
        "--json",
    ];
    eprintln!("$ cargo {}", args.join(" "));
    let out = Command::new(util::cargo())
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the native reference run failed ({}); try the command above by hand.",
            out.status
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`svcsim run --json` printed no JSON: {e}"))?;
    let hash = json["traceHash"]
        .as_str()
        .ok_or("`svcsim run --json` has no traceHash; update native_trace_hash in crates/xtask")?;
    eprintln!("native trace hash: {hash}");
    Ok(hash.to_string())
}

fn e2e_cmd(args: &[String]) -> Result<()> {
    let o = Opts::parse(args, &[], &["--no-build"])?;
    let sites = browser::e2e_sites();
    if !o.flag("--no-build") {
        tools::ensure_site_tools()?;
        for s in &sites {
            build_site(&s.dist, &s.prefix)?;
        }
    }
    step("checking the browser");
    let chromium = tools::ensure_browser()?;
    browser::e2e(&chromium, &sites)
}

fn bench_browser(args: &[String]) -> Result<()> {
    let o = Opts::parse(args, &[], &["--no-build"])?;
    let site = browser::Site {
        label: "bench".into(),
        dist: util::root().join("dist"),
        prefix: "/".into(),
    };
    if !o.flag("--no-build") {
        tools::ensure_site_tools()?;
        build_site(&site.dist, &site.prefix)?;
    }
    step("checking the browser");
    let chromium = tools::ensure_browser()?;
    let json_path = browser::out_dir().join("bench-browser.json");
    let _ = std::fs::remove_file(&json_path);
    step("measuring in headless Chromium (cargo test -p svcsim-tests --test e2e bench_browser)");
    browser::run_test_target(
        &chromium,
        std::slice::from_ref(&site),
        Some("bench_browser"),
        &[("SVCSIM_BENCH_OUT", json_path.display().to_string())],
    )?;
    let text = std::fs::read_to_string(&json_path)
        .map_err(|e| format!("the benchmark wrote no {}: {e}", json_path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json_path.display()))?;

    // Bundle: what a visitor downloads (wasm + JS + CSS; the HTML is tiny).
    let mut bundle = Vec::new();
    let entries = std::fs::read_dir(&site.dist)
        .map_err(|e| format!("reading {}: {e}", site.dist.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if matches!(ext, "wasm" | "js" | "css") {
            let (raw, gz) = browser::sizes(&p);
            bundle.push((ext.to_string(), raw, gz));
        }
    }
    bundle.sort();
    let (raw, gz) = bundle
        .iter()
        .fold((0, 0), |(r, g), (_, a, b)| (r + a, g + b));
    let kb = |b: u64| b as f64 / 1000.0;
    println!(
        "
## bundle (dist/)
| kind | raw KB | gzip -9 KB |
|---|---:|---:|"
    );
    for (ext, r, g) in &bundle {
        println!("| {ext} | {:.1} | {:.1} |", kb(*r), kb(*g));
    }
    println!(
        "| **total** | {:.1} | **{:.1}** (target ≤ 300) |",
        kb(raw),
        kb(gz)
    );

    let ms = |x: &serde_json::Value| x.as_f64().unwrap_or(f64::NAN);
    println!(
        "
## time to first moving packet (ms from navigation start)
| load | wasm up (canvas sized) | first trace event | first packet drawn |
|---|---:|---:|---:|"
    );
    let mut firsts = Vec::new();
    for (i, l) in v["loads"].as_array().into_iter().flatten().enumerate() {
        firsts.push(ms(&l["firstCanvas"]));
        println!(
            "| {} | {:.0} | {:.0} | {:.0} |",
            i + 1,
            ms(&l["canvasReady"]),
            ms(&l["firstTrace"]),
            ms(&l["firstCanvas"])
        );
    }
    firsts.sort_by(f64::total_cmp);
    if let Some(m) = firsts.get(firsts.len() / 2) {
        println!("median first packet drawn: {m:.0} ms (target < 500)");
    }

    println!(
        "
## frame time at 100× (5 s after 1 s warm-up)
| scenario | frames | median ms | p95 ms | fps (median) | hops in view (median / max) |
|---|---:|---:|---:|---:|---:|"
    );
    for f in v["frames"].as_array().into_iter().flatten() {
        let med = ms(&f["median_ms"]);
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.0} | {:.0} / {:.0} |",
            f["scenario"].as_str().unwrap_or("?"),
            f["frames"],
            med,
            ms(&f["p95_ms"]),
            1000.0 / med,
            ms(&f["inflight_median"]),
            ms(&f["inflight_max"])
        );
    }
    println!("(targets: median frame ≤ 16.7 ms with 2,000 packets in flight)");
    Ok(())
}

fn bench_wasm_cmd(args: &[String]) -> Result<()> {
    let o = Opts::parse(args, &["--samples", "--seed"], &["--no-build", "--no-node"])?;
    let number = |name: &str| -> Result<Option<u64>> {
        o.get(name)
            .map(|v| v.parse().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    bench_wasm::bench_wasm(&bench_wasm::Options {
        samples: number("--samples")?.unwrap_or(10).clamp(1, 1000) as u32,
        seed: number("--seed")?,
        no_build: o.flag("--no-build"),
        node: !o.flag("--no-node"),
    })
}

fn test(args: &[String]) -> Result<()> {
    Opts::parse(args, &[], &[])?;
    let skip: Vec<String> = std::env::var("XTASK_SKIP")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for s in &skip {
        if !["fmt", "clippy", "native", "wasm", "site", "e2e"].contains(&s.as_str()) {
            return Err(format!(
                "XTASK_SKIP: unknown step `{s}` (use fmt,clippy,native,wasm,site,e2e)"
            ));
        }
    }
    let on = |s: &str| {
        let skipped = skip.iter().any(|k| k == s);
        if skipped {
            eprintln!("\n==> skipping `{s}` (XTASK_SKIP)");
        }
        !skipped
    };
    let mut timings: Vec<(&str, f64)> = Vec::new();
    let mut timed = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
        let t = Instant::now();
        let r = f();
        timings.push((name, t.elapsed().as_secs_f64()));
        r.map_err(|e| format!("step `{name}` failed: {e}"))
    };

    timed("setup", &mut || {
        tools::ensure_site_tools()?;
        tools::ensure_wasm_pack()?;
        step("checking the browser");
        tools::ensure_browser().map(|_| ())
    })?;
    let cargo = util::cargo;
    if on("fmt") {
        timed("fmt", &mut || {
            step("cargo fmt --check");
            run(
                Command::new(cargo()).args(["fmt", "--all", "--check"]),
                "Formatting differs; run `cargo fmt --all` and commit the result.",
            )
        })?;
    }
    if on("clippy") {
        timed("clippy", &mut || {
            step("clippy (native, whole workspace)");
            let hint = "Fix the clippy findings above (warnings are errors).";
            run(
                Command::new(cargo()).args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
                hint,
            )?;
            step("clippy (wasm32, the browser crates)");
            run(
                Command::new(cargo()).args([
                    "clippy",
                    "--target",
                    tools::WASM_TARGET,
                    "-p",
                    "svcsim-web",
                    "-p",
                    "svcsim-js",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
                hint,
            )
        })?;
    }
    if on("native") {
        timed("native tests", &mut || {
            step("native tests");
            run(
                Command::new(cargo()).args(["test", "--workspace"]),
                "A native test failed; rerun it alone with `cargo test -p <crate> <name>`.",
            )
        })?;
    }
    if on("wasm") {
        timed("wasm tests", &mut || wasm_tests())?;
    }
    let sites = browser::e2e_sites();
    if on("site") {
        timed("site build", &mut || {
            for s in &sites {
                build_site(&s.dist, &s.prefix)?;
            }
            Ok(())
        })?;
    }
    if on("e2e") {
        timed("e2e", &mut || {
            step("checking the browser");
            let chromium = tools::ensure_browser()?;
            browser::e2e(&chromium, &sites)
        })?;
    }
    eprintln!("\nall steps passed:");
    for (name, secs) in &timings {
        eprintln!("    {secs:>6.1}s  {name}");
    }
    Ok(())
}

/// `wasm-pack test --headless --chrome` of the bindings crate, pinned to
/// Debian's chromedriver and our installed wasm-bindgen (`--mode no-install`,
/// so wasm-pack downloads nothing).
fn wasm_tests() -> Result<()> {
    step("wasm tests in headless Chromium (wasm-pack)");
    let browser = tools::ensure_browser()?;
    let wasm_pack = tools::cargo_bin_dir().join("wasm-pack");
    let wasm_pack = if wasm_pack.is_file() {
        wasm_pack
    } else {
        PathBuf::from("wasm-pack")
    };
    let crate_dir = util::root().join("crates").join("svcsim-js");
    let native_hash = native_trace_hash()?;
    // wasm-bindgen-test-runner merges this file (named by
    // WASM_BINDGEN_TEST_WEBDRIVER_JSON) into the capabilities it asks
    // chromedriver for, then adds `headless` and `no-sandbox` itself. We add
    // the flags that stop Chromium phoning home and a fresh profile.
    let dir = util::target_dir().join("wasm-test");
    let profile = dir.join("profile");
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut args: Vec<String> = tools::CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = serde_json::json!({
        "goog:chromeOptions": { "binary": browser.chromium, "args": args }
    });
    let caps_file = dir.join("webdriver.json");
    std::fs::write(&caps_file, caps.to_string())
        .map_err(|e| format!("writing {}: {e}", caps_file.display()))?;
    run(
        Command::new(wasm_pack)
            .current_dir(util::root())
            .env("PATH", tools::tool_path())
            .env("CHROMEDRIVER", &browser.chromedriver)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &caps_file)
            .env("SVCSIM_NATIVE_TRACE_HASH", &native_hash)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            .args(["test", "--headless", "--chrome", "--mode", "no-install"])
            .arg("--chromedriver")
            .arg(&browser.chromedriver)
            .arg(crate_dir),
        "A wasm test failed (or the browser did not start); the runner output above says which.",
    )
}
