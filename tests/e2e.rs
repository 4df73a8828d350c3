//! The browser end-to-end test of the built site, and the browser benchmark.
//!
//! Both need what only `cargo xtask` sets up: the release builds from trunk
//! (at `/` and at `/svcsim/`), a local server for them, and Debian's
//! Chromium and chromedriver. The xtask passes all of it in environment
//! variables, so this file only drives the browser:
//!
//! - `SVCSIM_E2E_URLS`: `label=url` pairs separated by spaces, one per
//!   served build (`root=http://127.0.0.1:P/ subpath=http://…/svcsim/`);
//!   the first gets the full tour, the others the load checks;
//! - `SVCSIM_E2E_OUT`: the folder for screenshots, profiles and logs;
//! - `SVCSIM_CHROMIUM`, `SVCSIM_CHROMEDRIVER`: the binaries;
//! - `SVCSIM_CHROMIUM_ARGS`: the xtask's headless flags, space-separated;
//! - `SVCSIM_BENCH_OUT`: set only by `cargo xtask bench-browser`, the JSON
//!   file [`bench_browser`] writes its measurements to.
//!
//! Without them (a plain `cargo test --workspace`) each test prints one line
//! saying it is skipped and passes: the browser is `cargo xtask e2e`'s job,
//! and `cargo test` should stay fast and browser-free.
//!
//! The checks rely on hooks the app keeps (see `crates/svcsim-web`): the
//! `<canvas id="packets">`, `#trace-count`, the transport buttons (`#play`,
//! `#back`, `#forward`, `#speed`, `#timeline`), `#scenario`, `#requests`,
//! the `.failures` list, `#event-log` lines classed `log-fail`, the
//! inspector's `#act-*` buttons, and `data-pod`/`data-node`/`data-service`
//! on the topology's shapes. Controls are driven by dispatching the DOM
//! events a user's click or edit would fire. Every wait is for a condition
//! with a deadline, never a fixed sleep.

#[path = "e2e/webdriver.rs"]
mod webdriver;
// Each panel's checks live in a file of their own under tests/e2e/.
#[path = "e2e/inspect.rs"]
mod inspect;
#[path = "e2e/netpol_ui.rs"]
mod netpol_ui;
#[path = "e2e/workbench.rs"]
mod workbench;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use webdriver::{wait_for, Driver, Result, Session};

/// The built-in scenarios the tour opens, in the picker's order.
const TOUR: [&str; 7] = [
    "clusterip",
    "nodeport",
    "loadbalancer",
    "externalname",
    "headless",
    "mixed",
    "rollout",
];

/// Speed slider positions (logarithmic: 0..=400 is 0.01×..100×).
const SPEED_1X: u32 = 200;
const SPEED_10X: u32 = 300;
const SPEED_100X: u32 = 400;

/// What the xtask passes in.
struct Config {
    sites: Vec<(String, String)>,
    out: PathBuf,
    chromium: PathBuf,
    chromedriver: PathBuf,
    chromium_args: Vec<String>,
}

/// `None` when not run by the xtask; `Some(Err)` when half the variables
/// are there (a broken xtask, worth failing on).
fn config() -> Option<Result<Config>> {
    let urls = std::env::var("SVCSIM_E2E_URLS").ok()?;
    let var =
        |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set (set by cargo xtask)"));
    Some((|| {
        let sites = urls
            .split_whitespace()
            .map(|p| {
                p.split_once('=')
                    .map(|(l, u)| (l.to_string(), u.to_string()))
                    .ok_or_else(|| format!("SVCSIM_E2E_URLS: `{p}` is not label=url"))
            })
            .collect::<Result<Vec<_>>>()?;
        if sites.is_empty() {
            return Err("SVCSIM_E2E_URLS names no site".to_string());
        }
        Ok(Config {
            sites,
            out: PathBuf::from(var("SVCSIM_E2E_OUT")?),
            chromium: PathBuf::from(var("SVCSIM_CHROMIUM")?),
            chromedriver: PathBuf::from(var("SVCSIM_CHROMEDRIVER")?),
            chromium_args: var("SVCSIM_CHROMIUM_ARGS")?
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        })
    })())
}

#[test]
fn browser_end_to_end() {
    if std::env::var_os("SVCSIM_BENCH_OUT").is_some() {
        println!("e2e: skipped while `cargo xtask bench-browser` runs the benchmark");
        return;
    }
    let Some(cfg) = config() else {
        println!("e2e: skipped, it needs the built site and Chromium: run `cargo xtask e2e`");
        return;
    };
    let result = cfg.and_then(|cfg| {
        std::fs::create_dir_all(&cfg.out)
            .map_err(|e| format!("creating {}: {e}", cfg.out.display()))?;
        let driver = Driver::start(&cfg.chromedriver, &cfg.out.join("chromedriver.log"))?;
        for (i, (label, url)) in cfg.sites.iter().enumerate() {
            println!("\n==> e2e: {label} ({url})");
            check_site(&cfg, &driver, label, url, i == 0)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Installed before any page script runs (via the DevTools protocol), so it
/// catches errors thrown while the wasm module starts.
const ERROR_HOOK: &str = r#"
window.__e2eErrors = [];
addEventListener('error', e => window.__e2eErrors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || e.type)), true);
addEventListener('unhandledrejection', e => window.__e2eErrors.push('unhandled rejection: ' + (e.reason && (e.reason.stack || e.reason.message) || e.reason)));
"#;

/// Waits up to `arguments[0]` animation frames for the `#packets` canvas to
/// change, and reports how many frames that took (or -1). Copies the canvas
/// through a 2D canvas so it works whatever context the app draws with.
const CANVAS_CHANGES: &str = r#"
const [maxFrames, done] = [arguments[0], arguments[arguments.length - 1]];
const c = document.getElementById('packets');
if (!c) { done({ error: 'no <canvas id="packets">' }); return; }
if (!c.width || !c.height) { done({ error: 'canvas #packets has zero size' }); return; }
const probe = document.createElement('canvas');
probe.width = c.width; probe.height = c.height;
const pctx = probe.getContext('2d', { willReadFrequently: true });
function hash() {
  pctx.clearRect(0, 0, probe.width, probe.height);
  pctx.drawImage(c, 0, 0);
  const d = pctx.getImageData(0, 0, probe.width, probe.height).data;
  let h = 2166136261 >>> 0, painted = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] !== 0) painted++;
    h = Math.imul(h ^ d[i] ^ (d[i + 1] << 8) ^ (d[i + 2] << 16) ^ (d[i + 3] << 24), 16777619) >>> 0;
  }
  return [h, painted];
}
const [first, painted] = hash();
let frames = 0;
function tick() {
  frames++;
  const [h] = hash();
  if (h !== first) { done({ frames, painted, width: c.width, height: c.height }); return; }
  if (frames >= maxFrames) { done({ frames: -1, painted, width: c.width, height: c.height }); return; }
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
"#;

/// Open a session with the xtask's flags, a fresh profile (a reused one can
/// hold a cached old build, and two Chromiums cannot share one), console
/// logging, and the error hook.
fn open_session(cfg: &Config, driver: &Driver, label: &str) -> Result<Session> {
    let profile = cfg.out.join(format!("profile-{label}"));
    let _ = std::fs::remove_dir_all(&profile);
    let mut args = cfg.chromium_args.clone();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push("--window-size=1280,800".into());
    let session = driver.session(json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": cfg.chromium, "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
        "timeouts": { "script": 60_000, "pageLoad": 120_000 },
    }))?;
    session
        .call_cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": ERROR_HOOK }),
        )
        .map_err(|e| format!("installing the JS error hook: {e}"))?;
    Ok(session)
}

fn check_site(cfg: &Config, driver: &Driver, label: &str, url: &str, tour: bool) -> Result<()> {
    let session = open_session(cfg, driver, label)?;
    println!("loading {url}");
    session.goto(url)?;
    let mut failures = Vec::new();
    let mut result = check_page(&session);
    if result.is_ok() {
        shot(&session, &cfg.out, label);
        if tour {
            result = (|| {
                scenario_tour(&session, &cfg.out)?;
                kill_pod(&session)?;
                etp_local_drops(&session)?;
                scrub_back_and_forth(&session)?;
                charts_and_ab(&session, &cfg.out)?;
                laptop_cluster(&session, &cfg.out)?;
                netpol_ui::tour(&session, &cfg.out)?;
                inspect::tour(&session, &cfg.out)?;
                workbench::tour(&session, &cfg.out, url, &|l| open_session(cfg, driver, l))?;
                // Errors so far; the reload starts a fresh page (and hook).
                failures.extend(page_problems(&session)?);
                println!("reloading");
                session.goto(url)?;
                check_page(&session)
            })();
        }
    }
    // Screenshot and logs whether or not the checks passed: on failure they
    // are what tells you why.
    let last = shot(&session, &cfg.out, &format!("{label}-last"));
    failures.splice(0..0, result.err());
    failures.extend(page_problems(&session)?);
    if !failures.is_empty() {
        return Err(format!(
            "e2e {label} ({url}):\n  {}\n(screenshot: {}; chromedriver log in the same folder)",
            failures.join("\n  "),
            last.display()
        ));
    }
    println!("e2e {label}: ok");
    Ok(())
}

/// Save a screenshot as `<out>/<name>.png`; a failure to take one is only
/// reported, as it must not hide the failure being investigated.
fn shot(session: &Session, out: &Path, name: &str) -> PathBuf {
    let path = out.join(format!("{name}.png"));
    match session
        .screenshot()
        .and_then(|png| std::fs::write(&path, png).map_err(|e| e.to_string()))
    {
        Ok(()) => println!("screenshot: {}", path.display()),
        Err(e) => println!("(no screenshot {}: {e})", path.display()),
    }
    path
}

/// The page runs: hooks present, trace counter growing, canvas changing.
fn check_page(session: &Session) -> Result<()> {
    // The wasm module is compiled on first load; give it time.
    let first = wait_for(
        Duration::from_secs(60),
        "#trace-count and canvas#packets to appear",
        || {
            let v = session.execute(
                "const t = document.getElementById('trace-count');
                 const c = document.getElementById('packets');
                 return { text: t ? t.textContent : null, canvas: !!c && c.tagName === 'CANVAS',
                          errors: window.__e2eErrors || [] };",
                json!([]),
            )?;
            if let Some(errs) = v["errors"].as_array().filter(|a| !a.is_empty()) {
                return Err(format!("the page threw while starting: {errs:?}"));
            }
            if !v["canvas"].as_bool().unwrap_or(false) {
                return Ok(None);
            }
            Ok(v["text"].as_str().and_then(parse_count))
        },
    )?;
    println!("#trace-count is {first}");
    let later = wait_count_above(session, "trace-count", first, 30)?;
    println!("#trace-count grew to {later}");
    canvas_moves(session)
}

fn canvas_moves(session: &Session) -> Result<()> {
    let frames = wait_for(
        Duration::from_secs(30),
        "canvas#packets to change between frames",
        || {
            let v = session.execute_async(CANVAS_CHANGES, json!([120]))?;
            if let Some(e) = v["error"].as_str() {
                return Err(format!("canvas check: {e}"));
            }
            Ok(Some(v).filter(|v| v["frames"].as_i64().unwrap_or(-1) > 0))
        },
    )?;
    println!(
        "canvas#packets ({}x{}, {} painted pixels) changed after {} frame(s)",
        frames["width"], frames["height"], frames["painted"], frames["frames"]
    );
    Ok(())
}

/// The number in element `#id`, if it shows one.
fn count(session: &Session, id: &str) -> Result<Option<u64>> {
    let v = session.execute(
        "const t = document.getElementById(arguments[0]); return t ? t.textContent : null;",
        json!([id]),
    )?;
    Ok(v.as_str().and_then(parse_count))
}

fn wait_count_above(session: &Session, id: &str, above: u64, secs: u64) -> Result<u64> {
    wait_for(
        Duration::from_secs(secs),
        &format!("#{id} to exceed {above}"),
        || Ok(count(session, id)?.filter(|&n| n > above)),
    )
}

/// Click the first element matching `selector` with the events a mouse
/// click fires (SVG shapes have no `.click()`); an error if there is none.
fn click(session: &Session, selector: &str) -> Result<()> {
    let found = session.execute(
        "const el = document.querySelector(arguments[0]);
         if (!el) return false;
         el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window }));
         return true;",
        json!([selector]),
    )?;
    if found.as_bool() == Some(true) {
        Ok(())
    } else {
        Err(format!("nothing on the page matches `{selector}`"))
    }
}

/// Wait for `selector` to exist, then click it.
fn click_when_there(session: &Session, selector: &str) -> Result<()> {
    wait_for(
        Duration::from_secs(10),
        &format!("`{selector}` to appear"),
        || {
            let v = session.execute(
                "return !!document.querySelector(arguments[0]);",
                json!([selector]),
            )?;
            Ok(v.as_bool().filter(|&b| b))
        },
    )?;
    click(session, selector)
}

/// Set a form control's value and fire the event the app listens to.
fn set_value(session: &Session, id: &str, value: &str, event: &str) -> Result<()> {
    let ok = session.execute(
        "const el = document.getElementById(arguments[0]);
         if (!el) return false;
         el.value = arguments[1];
         el.dispatchEvent(new Event(arguments[2], { bubbles: true }));
         return true;",
        json!([id, value, event]),
    )?;
    if ok.as_bool() == Some(true) {
        Ok(())
    } else {
        Err(format!("no #{id} on the page"))
    }
}

fn set_speed(session: &Session, slider: u32) -> Result<()> {
    set_value(session, "speed", &slider.to_string(), "input")
}

/// Open a built-in through `#scenario` and wait until the page shows it
/// (its caption replaces the previous one).
fn load_scenario(session: &Session, name: &str) -> Result<()> {
    let caption = |s: &Session| -> Result<String> {
        let v = s.execute(
            "const c = document.getElementById('caption'); return c ? c.textContent : '';",
            json!([]),
        )?;
        Ok(v.as_str().unwrap_or("").to_string())
    };
    let before = caption(session)?;
    set_value(session, "scenario", name, "change")?;
    wait_for(
        Duration::from_secs(10),
        &format!("scenario {name} to load (#caption to change)"),
        || {
            let c = caption(session)?;
            Ok((c != before && !c.is_empty()).then_some(()))
        },
    )
}

/// (a) Each of the seven scenarios: packets move, screenshot.
fn scenario_tour(session: &Session, out: &Path) -> Result<()> {
    set_speed(session, SPEED_1X)?;
    for name in TOUR {
        println!("-- scenario {name}");
        load_scenario(session, name)?;
        let c0 = count(session, "trace-count")?.unwrap_or(0);
        let c1 = wait_count_above(session, "trace-count", c0, 30)
            .map_err(|e| format!("scenario {name}: {e}"))?;
        canvas_moves(session).map_err(|e| format!("scenario {name}: {e}"))?;
        println!("{name}: #trace-count {c0} → {c1}, canvas moving");
        shot(session, out, &format!("scenario-{name}"));
    }
    Ok(())
}

/// `#requests` and the sum of the `.failures` list.
fn requests_and_failures(session: &Session) -> Result<(u64, u64)> {
    let v = session.execute(
        "const r = document.getElementById('requests');
         const f = [...document.querySelectorAll('.failures .count')]
           .reduce((a, e) => a + (parseInt(e.textContent, 10) || 0), 0);
         return { requests: r ? r.textContent : null, failures: f };",
        json!([]),
    )?;
    let requests = v["requests"]
        .as_str()
        .and_then(parse_count)
        .ok_or("#requests shows no number")?;
    Ok((requests, v["failures"].as_u64().unwrap_or(0)))
}

/// The first Ready pod of a workload in the picture (not a client, not
/// kube-system), as `namespace/name`.
fn ready_workload_pod(session: &Session) -> Result<String> {
    let pod = session.execute(
        "const p = [...document.querySelectorAll('g.pod[data-pod]')]
           .find(g => !g.classList.contains('client') && !g.classList.contains('system')
                      && g.dataset.status === 'Ready');
         return p ? p.dataset.pod : null;",
        json!([]),
    )?;
    pod.as_str()
        .map(str::to_string)
        .ok_or_else(|| "no Ready workload pod (g.pod[data-pod], not client/system)".to_string())
}

/// (b) Delete a serving pod: it leaves its node, requests keep succeeding.
fn kill_pod(session: &Session) -> Result<()> {
    println!("-- delete a pod (clusterip)");
    load_scenario(session, "clusterip")?;
    set_speed(session, SPEED_1X)?;
    wait_count_above(session, "requests", 20, 60)?;
    let pod = ready_workload_pod(session)?;
    let sel = format!("g.pod[data-pod=\"{pod}\"]");
    click(session, &sel)?;
    let (r0, f0) = requests_and_failures(session)?;
    click_when_there(session, "#act-kill")?;
    println!("deleted {pod} at {r0} requests, {f0} failed");
    let status = |s: &Session| -> Result<Option<String>> {
        let v = s.execute(
            "const g = document.querySelector(arguments[0]); return g ? g.dataset.status : '(gone)';",
            json!([sel]),
        )?;
        Ok(v.as_str().map(str::to_string))
    };
    let st = wait_for(
        Duration::from_secs(20),
        "the pod to show Terminating or go",
        || Ok(status(session)?.filter(|s| ["Terminating", "Gone", "(gone)"].contains(&s.as_str()))),
    )?;
    println!("{pod}: {st}");
    // Requests keep succeeding while it terminates and after: over the
    // next 200 requests (at 10×, so in seconds), at most 5% fail (a few
    // connections can still hit the pod through a not-yet-synced rule, as
    // in a real cluster).
    set_speed(session, SPEED_10X)?;
    let r2 = wait_count_above(session, "requests", r0 + 200, 60)?;
    let f2 = requests_and_failures(session)?.1;
    let ok_share = 1.0 - (f2 - f0) as f64 / (r2 - r0).max(1) as f64;
    // The pod leaves its node once its grace period is over (the deleted
    // pod object is removed, and the node box no longer holds it).
    wait_for(
        Duration::from_secs(60),
        "the deleted pod to leave its node",
        || Ok(pod_left_node(session, &pod)?.then_some(())),
    )?;
    println!(
        "{} of the {} requests since the delete failed; {pod} has left its node",
        f2 - f0,
        r2 - r0
    );
    if ok_share < 0.95 {
        return Err(format!(
            "after deleting {pod}, only {:.1}% of the next {} requests succeeded",
            ok_share * 100.0,
            r2 - r0
        ));
    }
    Ok(())
}

/// The over-time charts fill in, and the A/B comparison of
/// externalTrafficPolicy on a drained nodeport cluster shows Local's drops.
fn charts_and_ab(session: &Session, out: &Path) -> Result<()> {
    println!("-- charts and A/B (nodeport)");
    // Fresh: the step before left nodeport loaded, with changes.
    load_scenario(session, "clusterip")?;
    load_scenario(session, "nodeport")?;
    set_speed(session, SPEED_10X)?;
    click(session, "[data-node=\"node-1\"] .node-header")?;
    click_when_there(session, "#act-drain")?;
    let drained_at = wait_for(Duration::from_secs(10), "node-1 to be cordoned", || {
        let v = session.execute(
            "const n = document.querySelector('[data-node=\"node-1\"]');
             return n ? n.textContent : '';",
            json!([]),
        )?;
        Ok(match v.as_str() {
            Some(t) if t.contains("SchedulingDisabled") => Some(timeline_ms(session)?),
            _ => None,
        })
    })?;
    println!("node-1 drained by {drained_at} ms of simulated time");
    // Well past the clients' 5 s timeout, so the A/B window holds ended
    // connections through the drained node.
    wait_for(
        Duration::from_secs(60),
        "20 simulated seconds after the drain",
        || Ok((timeline_ms(session)? >= drained_at + 20_000).then_some(())),
    )?;
    let points = wait_for(
        Duration::from_secs(20),
        "#chart-success to plot points",
        || {
            let v = session.execute(
                "const l = document.querySelector('#chart-success polyline');
             const n = l ? l.getAttribute('points').trim().split(/\\s+/).filter(Boolean).length : 0;
             return n >= 3 ? n : null;",
                json!([]),
            )?;
            Ok(v.as_u64())
        },
    )?;
    println!("success chart: {points} points");
    set_value(session, "ab-variation", "etp", "change")?;
    click(session, "#ab-run")?;
    let table = wait_for(Duration::from_secs(30), "#ab-result", || {
        let v = session.execute(
            "const t = document.getElementById('ab-result'); return t ? t.innerText : null;",
            json!([]),
        )?;
        Ok(v.as_str().map(str::to_string))
    })?;
    println!("A/B:\n{table}");
    if !(table.contains("A: Cluster") && table.contains("B: Local")) {
        return Err(format!(
            "#ab-result does not compare Cluster with Local:\n{table}"
        ));
    }
    if !table.contains("no local endpoint") {
        return Err(format!(
            "with node-1 drained, Local should drop at node-1 (no local endpoint):\n{table}"
        ));
    }
    session.execute(
        "document.getElementById('ab-result').scrollIntoView({block: 'end'});",
        json!([]),
    )?;
    shot(session, out, "panel-charts");
    Ok(())
}

/// The `laptop` built-in: the Services table says `<pending>`, the log
/// shows NodePort timeouts from the host and, after the forwarded pod is
/// deleted at 30 s, port-forward's "lost connection to pod".
fn laptop_cluster(session: &Session, out: &Path) -> Result<()> {
    println!("-- laptop cluster");
    load_scenario(session, "laptop")?;
    set_speed(session, SPEED_10X)?;
    click(session, "#tab-services")?;
    let log_line = |pattern: &str| -> Result<String> {
        wait_for(
            Duration::from_secs(60),
            &format!("a log line matching /{pattern}/"),
            || {
                let v = session.execute(
                "const re = new RegExp(arguments[0]);
                 const l = [...document.querySelectorAll('#event-log li')].find(li => re.test(li.textContent));
                 return l ? l.textContent : null;",
                json!([pattern]),
            )?;
                Ok(v.as_str().map(str::to_string))
            },
        )
    };
    println!("{}", log_line("not reachable from this host")?);
    println!("{}", log_line("lost connection to pod")?);
    let pending = session.execute(
        "return [...document.querySelectorAll('td')].some(td => td.textContent.trim() === '<pending>');",
        json!([]),
    )?;
    if pending.as_bool() != Some(true) {
        return Err(
            "the Services table shows no EXTERNAL-IP <pending> on the laptop cluster".into(),
        );
    }
    shot(session, out, "scenario-laptop");
    Ok(())
}

/// True once no node box holds a pod glyph for `pod`.
fn pod_left_node(session: &Session, pod: &str) -> Result<bool> {
    let v = session.execute(
        "return !document.querySelector('[data-node] g.pod[data-pod=\"' + arguments[0] + '\"]');",
        json!([pod]),
    )?;
    Ok(v.as_bool().unwrap_or(false))
}

/// (c) nodeport: drain a node so it has no local endpoint, switch the
/// Service to externalTrafficPolicy Local, and see connections dropped.
fn etp_local_drops(session: &Session) -> Result<()> {
    println!("-- externalTrafficPolicy Local (nodeport)");
    load_scenario(session, "nodeport")?;
    set_speed(session, SPEED_1X)?;
    click(session, "[data-node=\"node-1\"] .node-header")?;
    click_when_there(session, "#act-drain")?;
    click(session, "[data-service=\"default/ms-service-nodeport\"]")?;
    let label = wait_for(Duration::from_secs(10), "#act-etp to offer Local", || {
        let v = session.execute(
            "const b = document.getElementById('act-etp'); return b ? b.textContent : null;",
            json!([]),
        )?;
        Ok(v.as_str().map(str::to_string))
    })?;
    if !label.contains("Local") {
        return Err(format!(
            "#act-etp offers `{label}`, expected a switch to Local"
        ));
    }
    click(session, "#act-etp")?;
    set_speed(session, SPEED_10X)?;
    let line = wait_for(
        Duration::from_secs(60),
        "a `dropped` request in #event-log",
        || {
            let v = session.execute(
                "const l = [...document.querySelectorAll('#event-log li.log-fail')]
                   .find(li => /dropped/i.test(li.textContent));
                 return l ? l.textContent : null;",
                json!([]),
            )?;
            Ok(v.as_str().map(str::to_string))
        },
    )?;
    println!("drop seen: {line}");
    Ok(())
}

fn timeline_ms(session: &Session) -> Result<u64> {
    let v = session.execute(
        "const t = document.getElementById('timeline'); return t ? t.value : null;",
        json!([]),
    )?;
    v.as_str()
        .and_then(|s| s.parse::<f64>().ok())
        .map(|ms| ms as u64)
        .ok_or_else(|| "#timeline has no value".to_string())
}

/// (d) Pause, scrub back 10 s and forward again: the same counters.
fn scrub_back_and_forth(session: &Session) -> Result<()> {
    println!("-- scrub back 10 s and forward");
    set_speed(session, SPEED_100X)?;
    wait_for(Duration::from_secs(60), "15 simulated seconds", || {
        Ok((timeline_ms(session)? >= 15_000).then_some(()))
    })?;
    click(session, "#play")?;
    wait_for(Duration::from_secs(10), "#play to show paused", || {
        let v = session.execute(
            "return document.getElementById('play').getAttribute('aria-pressed');",
            json!([]),
        )?;
        Ok((v.as_str() == Some("false")).then_some(()))
    })?;
    let state = |s: &Session| -> Result<(u64, u64, u64)> {
        let (r, _) = requests_and_failures(s)?;
        Ok((timeline_ms(s)?, r, count(s, "trace-count")?.unwrap_or(0)))
    };
    let (t0, r0, c0) = state(session)?;
    click(session, "#back")?;
    let (t1, r1, _) = wait_for(
        Duration::from_secs(30),
        "#back to move the timeline",
        || Ok(Some(state(session)?).filter(|s| s.0 < t0)),
    )?;
    click(session, "#forward")?;
    let (t2, r2, c2) = wait_for(
        Duration::from_secs(30),
        "#forward to move the timeline",
        || Ok(Some(state(session)?).filter(|s| s.0 > t1)),
    )?;
    println!("t {t0} ms, {r0} requests → back: t {t1} ms, {r1} → forward: t {t2} ms, {r2}");
    if t0 - t1 != 10_000 && t0 >= 10_000 {
        return Err(format!(
            "#back moved the timeline from {t0} to {t1} ms, not by 10 s"
        ));
    }
    if r1 >= r0 {
        return Err(format!("10 s earlier #requests is {r1}, not below {r0}"));
    }
    if (t2, r2, c2) != (t0, r0, c0) {
        return Err(format!(
            "back and forward again: (time ms, requests, trace events) {:?} became {:?}",
            (t0, r0, c0),
            (t2, r2, c2)
        ));
    }
    click(session, "#play")?;
    Ok(())
}

/// Everything that went wrong on the page, as readable lines: console
/// errors and warnings, uncaught exceptions, resources that loaded with an
/// HTTP error.
/// (The server's own log of 4xx/5xx answers is checked by the xtask.)
fn page_problems(session: &Session) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for entry in session.browser_logs()? {
        let level = entry["level"].as_str().unwrap_or("");
        let msg = entry["message"].as_str().unwrap_or("");
        println!("console [{level}] {msg}");
        // Warnings count too: a learner who opens the console should find
        // it clean. (Trunk's preload links once drew one on every load,
        // about `integrity` on a preload; index.html turns SRI off.)
        if level == "SEVERE" || level == "WARNING" {
            problems.push(format!("console {}: {msg}", level.to_ascii_lowercase()));
        }
    }
    let v = session.execute(
        "return { errors: window.__e2eErrors || [],
                  failed: performance.getEntriesByType('resource')
                    .concat(performance.getEntriesByType('navigation'))
                    .filter(e => e.responseStatus >= 400)
                    .map(e => e.responseStatus + ' ' + e.name) };",
        json!([]),
    )?;
    for e in v["errors"].as_array().into_iter().flatten() {
        problems.push(format!("page {}", e.as_str().unwrap_or("error")));
    }
    for f in v["failed"].as_array().into_iter().flatten() {
        problems.push(format!("failed resource: {}", f.as_str().unwrap_or("?")));
    }
    Ok(problems)
}

/// The integer in a counter's text (digits only, so "1,234 events" reads
/// as 1234); `None` while it shows no number.
fn parse_count(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Installed before the page's scripts: notes (in `performance.now()`
/// milliseconds from navigation start) when `#trace-count` first shows a
/// number above zero and when the packet canvas first changes, polling once
/// per animation frame until both happened.
const FIRST_MOVE_HOOK: &str = r#"
window.__bench = { firstTrace: null, firstCanvas: null, canvasReady: null };
(function () {
  let probe = null, pctx = null, first = null;
  function hash(c) {
    if (!probe) { probe = document.createElement('canvas'); pctx = probe.getContext('2d', { willReadFrequently: true }); }
    if (probe.width !== c.width || probe.height !== c.height) { probe.width = c.width; probe.height = c.height; }
    pctx.clearRect(0, 0, probe.width, probe.height);
    pctx.drawImage(c, 0, 0);
    const d = pctx.getImageData(0, 0, probe.width, probe.height).data;
    let h = 2166136261 >>> 0;
    for (let i = 0; i < d.length; i += 4) h = Math.imul(h ^ d[i] ^ (d[i + 1] << 8) ^ (d[i + 2] << 16) ^ (d[i + 3] << 24), 16777619) >>> 0;
    return h;
  }
  function poll() {
    const b = window.__bench;
    const t = document.getElementById('trace-count');
    const n = t ? parseInt(t.textContent.replace(/[^0-9]/g, ''), 10) : NaN;
    if (b.firstTrace === null && n > 0) b.firstTrace = performance.now();
    const c = document.getElementById('packets');
    if (b.firstCanvas === null && c && c.width && c.height) {
      if (b.canvasReady === null) b.canvasReady = performance.now();
      const h = hash(c);
      if (first === null) first = h; else if (h !== first) b.firstCanvas = performance.now();
    }
    if (b.firstTrace === null || b.firstCanvas === null) requestAnimationFrame(poll);
  }
  requestAnimationFrame(poll);
})();
"#;

/// Records `requestAnimationFrame` intervals for `arguments[0]` ms after a
/// `arguments[1]` ms warm-up, sampling the stage's "N hops in view" count
/// each frame.
const FRAME_TIMES: &str = r#"
const [measureMs, warmMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const hint = () => {
  const el = [...document.querySelectorAll('.legend-item.hint')].find(e => /hops in view/.test(e.textContent));
  return el ? parseInt(el.textContent, 10) : -1;
};
const start = performance.now();
let last = null;
const intervals = [], inflight = [];
function tick(t) {
  if (t - start >= warmMs) {
    if (last !== null) { intervals.push(t - last); inflight.push(hint()); }
    last = t;
  }
  if (t - start >= warmMs + measureMs) { done({ intervals, inflight }); return; }
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
"#;

/// Frame intervals (ms) and hops in view per frame, over `measure_ms`
/// after `warm_ms`.
fn measure_frames(
    session: &Session,
    measure_ms: u64,
    warm_ms: u64,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let v = session.execute_async(FRAME_TIMES, json!([measure_ms, warm_ms]))?;
    let list = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    Ok((list("intervals"), list("inflight")))
}

/// A result row for BENCHMARKS.md.
fn frame_row(scenario: &str, iv: &[f64], fl: &[f64]) -> Value {
    json!({
        "scenario": scenario,
        "frames": iv.len(),
        "median_ms": quantile(iv, 0.5),
        "p95_ms": quantile(iv, 0.95),
        "inflight_median": quantile(fl, 0.5),
        "inflight_max": quantile(fl, 1.0),
    })
}

/// The load the benchmark's last row holds: hops in view per frame.
const HELD_IN_VIEW: f64 = 2000.0;

/// The `q`-quantile (0..=1) of `v` by nearest rank; 0 for an empty list.
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return 0.0;
    }
    s.sort_by(f64::total_cmp);
    let i = ((s.len() as f64 * q).ceil() as usize).clamp(1, s.len()) - 1;
    s[i]
}

/// `cargo xtask bench-browser`'s measurements (skipped otherwise): time to
/// the first moving packet over three fresh loads, then frame times at 100×
/// in each tour scenario. Writes JSON to `SVCSIM_BENCH_OUT` for the xtask
/// to print and compare.
#[test]
fn bench_browser() {
    let Some(out_file) = std::env::var_os("SVCSIM_BENCH_OUT") else {
        println!("bench_browser: skipped, run `cargo xtask bench-browser`");
        return;
    };
    let Some(cfg) = config() else {
        panic!(
            "SVCSIM_BENCH_OUT is set but SVCSIM_E2E_URLS is not; run `cargo xtask bench-browser`"
        );
    };
    let result = cfg.and_then(|cfg| {
        std::fs::create_dir_all(&cfg.out)
            .map_err(|e| format!("creating {}: {e}", cfg.out.display()))?;
        let driver = Driver::start(&cfg.chromedriver, &cfg.out.join("chromedriver.log"))?;
        let (_, url) = &cfg.sites[0];
        let session = open_session(&cfg, &driver, "bench")?;
        session
            .call_cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": FIRST_MOVE_HOOK }),
            )
            .map_err(|e| format!("installing the first-move hook: {e}"))?;
        let mut loads = Vec::new();
        for i in 0..3 {
            session.goto(url)?;
            let b = wait_for(
                Duration::from_secs(60),
                "the first trace event and canvas change",
                || {
                    let v = session.execute("return window.__bench || null;", json!([]))?;
                    Ok(Some(v)
                        .filter(|v| v["firstTrace"].is_number() && v["firstCanvas"].is_number()))
                },
            )?;
            println!("load {i}: {b}");
            loads.push(b);
        }
        let mut frames = Vec::new();
        for name in TOUR {
            load_scenario(&session, name)?;
            set_speed(&session, SPEED_100X)?;
            let (iv, fl) = measure_frames(&session, 5000, 1000)?;
            let row = frame_row(name, &iv, &fl);
            println!("{row}");
            frames.push(row);
        }
        // One more row at a held load: `rollout` (the busiest at 100×, and
        // steady) with its speed set so that
        // about 2,000 hops are in view each frame. Hops in view grow in
        // proportion to speed (the frame's window of simulated time), and
        // the slider is logarithmic (100 steps a decade), so a few
        // proportional corrections converge.
        // (Another scenario first: the tour ended on rollout, and loading
        // the one already shown would not restart it.)
        load_scenario(&session, "mixed")?;
        load_scenario(&session, "rollout")?;
        let mut pos = SPEED_100X as f64;
        let mut seen = 0.0;
        for _ in 0..5 {
            set_speed(&session, pos.round() as u32)?;
            let (_, fl) = measure_frames(&session, 1500, 500)?;
            seen = quantile(&fl, 0.5);
            println!("calibrating: slider {pos:.0} → median {seen} hops in view");
            if (seen - HELD_IN_VIEW).abs() <= HELD_IN_VIEW * 0.05 || seen <= 0.0 {
                break;
            }
            pos = (pos + 100.0 * (HELD_IN_VIEW / seen).log10()).clamp(0.0, SPEED_100X as f64);
        }
        let (iv, fl) = measure_frames(&session, 5000, 1000)?;
        let row = frame_row(
            &format!(
                "rollout, held near {HELD_IN_VIEW} (slider {pos:.0}, calibration read {seen})"
            ),
            &iv,
            &fl,
        );
        println!("{row}");
        frames.push(row);
        shot(&session, &cfg.out, "bench-last");
        let problems = page_problems(&session)?;
        if !problems.is_empty() {
            return Err(format!(
                "the page misbehaved during the benchmark:
  {}",
                problems.join(
                    "
  "
                )
            ));
        }
        let report = json!({ "loads": loads, "frames": frames });
        std::fs::write(&out_file, report.to_string())
            .map_err(|e| format!("writing {}: {e}", Path::new(&out_file).display()))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn quantiles_by_nearest_rank() {
    let v = [4.0, 1.0, 3.0, 2.0];
    assert_eq!(quantile(&v, 0.5), 2.0);
    assert_eq!(quantile(&v, 0.95), 4.0);
    assert_eq!(quantile(&v, 1.0), 4.0);
    assert_eq!(quantile(&[], 0.5), 0.0);
}

#[test]
fn counts_are_read_from_text() {
    assert_eq!(parse_count("42"), Some(42));
    assert_eq!(parse_count(" 1,234 events "), Some(1234));
    assert_eq!(parse_count("—"), None);
}
