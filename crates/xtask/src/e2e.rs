//! The end-to-end browser test of the built site (`cargo xtask e2e`, and the
//! last step of `cargo xtask test`).
//!
//! It lives in the xtask rather than in `tests/` because it needs what only
//! the xtask has: the release build from trunk, Debian's Chromium and
//! chromedriver, and a server for `dist/`. A `cargo test` target would either
//! rebuild all of that or silently skip, and `cargo test --workspace` should
//! stay fast and browser-free.
//!
//! The checks rely on two hooks the app promises to keep (see
//! `crates/svcsim-web`): a `<canvas id="packets">` on which the default
//! scenario draws moving packets, and an element `#trace-count` whose text is
//! the number of trace events so far. The test
//! 1. loads the page in headless Chromium and waits for both hooks;
//! 2. waits for `#trace-count` to grow and for the canvas pixels to change
//!    between animation frames (the default scenario plays on load);
//! 3. fails on any console error, uncaught exception or unhandled rejection,
//!    on any resource that loaded with an HTTP error, and on any request our
//!    server answered with 4xx/5xx;
//! 4. saves a screenshot to `target/e2e/<label>.png`.
//!
//! Every wait is for a condition with a deadline, never a fixed sleep.

use crate::server::Server;
use crate::tools::{Browser, CHROMIUM_ARGS};
use crate::util::{self, Result};
use crate::webdriver::{wait_for, Driver, Session};
use serde_json::json;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

/// One built site to check.
#[derive(Debug, Clone)]
pub struct Site {
    /// Short name, used for the screenshot file.
    pub label: String,
    /// The trunk output folder.
    pub dist: PathBuf,
    /// The `--public-url` it was built with (`/` or `/sub/path/`).
    pub prefix: String,
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

/// Check every site in one browser (a fresh session and profile per site).
pub fn run(browser: &Browser, sites: &[Site]) -> Result<()> {
    let out = util::target_dir().join("e2e");
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let driver = Driver::start(&browser.chromedriver, &out.join("chromedriver.log"))?;
    for site in sites {
        util::step(&format!(
            "e2e: {} (dist {}, public url {})",
            site.label,
            site.dist.display(),
            site.prefix
        ));
        check_site(browser, &driver, site, &out)?;
    }
    Ok(())
}

fn check_site(
    browser: &Browser,
    driver: &Driver,
    site: &Site,
    out: &std::path::Path,
) -> Result<()> {
    if !site.dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html; build it first (`cargo xtask dist`).",
            site.dist.display()
        ));
    }
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("binding a local port for the site: {e}"))?;
    let server = Server::start(listener, site.dist.clone(), &site.prefix)
        .map_err(|e| format!("starting the site server: {e}"))?;
    let url = format!(
        "http://{}{}",
        server.addr,
        crate::server::normalise_prefix(&site.prefix)
    );

    // A fresh profile per run: a reused one can hold a cached old build, and
    // two Chromiums cannot share one.
    let profile = out.join(format!("profile-{}", site.label));
    let _ = std::fs::remove_dir_all(&profile);
    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push("--window-size=1280,800".into());
    let session = driver.session(json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": browser.chromium, "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
        "timeouts": { "script": 60_000, "pageLoad": 120_000 },
    }))?;
    session
        .call_cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": ERROR_HOOK }),
        )
        .map_err(|e| format!("installing the JS error hook: {e}"))?;

    eprintln!("loading {url}");
    session.goto(&url)?;
    let result = check_page(&session);
    // Screenshot and logs whether or not the checks passed: on failure they
    // are what tells you why.
    let shot = out.join(format!("{}.png", site.label));
    match session.screenshot() {
        Ok(png) => {
            std::fs::write(&shot, png).map_err(|e| format!("writing {}: {e}", shot.display()))?;
            eprintln!("screenshot: {}", shot.display());
        }
        Err(e) => eprintln!("(no screenshot: {e})"),
    }
    let problems = collect_problems(&session, &server)?;
    let mut failures: Vec<String> = result.err().into_iter().collect();
    failures.extend(problems);
    if !failures.is_empty() {
        return Err(format!(
            "e2e {} ({url}):\n  {}\n(screenshot: {}; chromedriver log in the same folder)",
            site.label,
            failures.join("\n  "),
            shot.display()
        ));
    }
    eprintln!("e2e {}: ok", site.label);
    Ok(())
}

/// The animation checks. Errors name the hook that misbehaved.
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
    eprintln!("#trace-count is {first}");

    let later = wait_for(Duration::from_secs(30), "#trace-count to grow", || {
        let v = session.execute(
            "const t = document.getElementById('trace-count'); return t ? t.textContent : null;",
            json!([]),
        )?;
        Ok(v.as_str().and_then(parse_count).filter(|&n| n > first))
    })?;
    eprintln!("#trace-count grew to {later}");

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
    eprintln!(
        "canvas#packets ({}x{}, {} painted pixels) changed after {} frame(s)",
        frames["width"], frames["height"], frames["painted"], frames["frames"]
    );
    Ok(())
}

/// Everything that went wrong on the page, as readable lines.
fn collect_problems(session: &Session, server: &Server) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for entry in session.browser_logs()? {
        let level = entry["level"].as_str().unwrap_or("");
        let msg = entry["message"].as_str().unwrap_or("");
        eprintln!("console [{level}] {msg}");
        if level == "SEVERE" {
            problems.push(format!("console error: {msg}"));
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
    for hit in server.hits() {
        if hit.status >= 400 {
            problems.push(format!("server answered {} for {}", hit.status, hit.path));
        }
    }
    Ok(problems)
}

/// The integer in `#trace-count`'s text (digits only, so "1,234 events"
/// reads as 1234); `None` while it shows no number.
fn parse_count(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_from_text() {
        assert_eq!(parse_count("42"), Some(42));
        assert_eq!(parse_count(" 1,234 events "), Some(1234));
        assert_eq!(parse_count("—"), None);
    }
}
