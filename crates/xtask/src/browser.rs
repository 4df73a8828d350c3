//! Serving the built site and running the browser test target against it:
//! `cargo xtask e2e`, the last step of `cargo xtask test`, and
//! `cargo xtask bench-browser`.
//!
//! The test itself (WebDriver client, page checks, benchmark) is the
//! `e2e` test of `svcsim-tests` (`tests/e2e.rs`), so it lives with the
//! other cross-crate tests; the xtask keeps what a `cargo test` target
//! cannot do cheaply: the trunk release builds, Debian's Chromium and
//! chromedriver, and a server for the builds. It serves each build on a
//! free 127.0.0.1 port from a thread, runs
//! `cargo test -p svcsim-tests --test e2e` with the URLs and paths in
//! environment variables, then stops the servers and fails on any request
//! they answered with 4xx/5xx (a 404 for an asset is a failure even if the
//! page happens to work).

use crate::server::{normalise_prefix, Server};
use crate::tools::{Browser, CHROMIUM_ARGS};
use crate::util::{self, run, Result};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One built site to check.
#[derive(Debug, Clone)]
pub struct Site {
    /// Short name, used for screenshots and profiles.
    pub label: String,
    /// The trunk output folder.
    pub dist: PathBuf,
    /// The `--public-url` it was built with (`/` or `/sub/path/`).
    pub prefix: String,
}

/// Where screenshots, profiles and the chromedriver log go.
pub fn out_dir() -> PathBuf {
    util::target_dir().join("e2e")
}

/// Serve every site, run the `e2e` test target with `extra_env` added, then
/// stop the servers and check what they answered.
pub fn run_test_target(
    browser: &Browser,
    sites: &[Site],
    test_filter: Option<&str>,
    extra_env: &[(&str, String)],
) -> Result<()> {
    let mut servers = Vec::new();
    let mut urls = Vec::new();
    for s in sites {
        if !s.dist.join("index.html").is_file() {
            return Err(format!(
                "{} has no index.html; build it first (`cargo xtask dist`).",
                s.dist.display()
            ));
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("binding a local port for the site: {e}"))?;
        let server = Server::start(listener, s.dist.clone(), &s.prefix)
            .map_err(|e| format!("starting the site server: {e}"))?;
        let url = format!("http://{}{}", server.addr, normalise_prefix(&s.prefix));
        eprintln!("serving {} at {url}", s.dist.display());
        urls.push(format!("{}={url}", s.label));
        servers.push((s.label.clone(), server));
    }
    let out = out_dir();
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let mut cmd = Command::new(util::cargo());
    cmd.current_dir(util::root())
        .args(["test", "-p", "svcsim-tests", "--test", "e2e", "--"]);
    if let Some(f) = test_filter {
        cmd.args([f, "--exact"]);
    }
    cmd.args(["--nocapture", "--test-threads=1"])
        .env("SVCSIM_E2E_URLS", urls.join(" "))
        .env("SVCSIM_E2E_OUT", &out)
        .env("SVCSIM_CHROMIUM", &browser.chromium)
        .env("SVCSIM_CHROMEDRIVER", &browser.chromedriver)
        .env("SVCSIM_CHROMIUM_ARGS", CHROMIUM_ARGS.join(" "));
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let result = run(
        &mut cmd,
        &format!(
            "The browser test failed; its output above says which check, and {} holds screenshots and the chromedriver log.",
            out.display()
        ),
    );
    let mut bad = Vec::new();
    for (label, server) in servers {
        for hit in server.hits() {
            if hit.status >= 400 {
                bad.push(format!(
                    "{label}: the server answered {} for {}",
                    hit.status, hit.path
                ));
            }
        }
        // Dropping the server stops it.
    }
    result?;
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the site requested missing files:\n  {}",
            bad.join("\n  ")
        ))
    }
}

/// The two builds the e2e test checks: at the root and under a sub-path.
pub fn e2e_sites() -> Vec<Site> {
    vec![
        Site {
            label: "root".into(),
            dist: util::root().join("dist"),
            prefix: "/".into(),
        },
        Site {
            label: "subpath".into(),
            dist: out_dir().join("dist-svcsim"),
            prefix: "/svcsim/".into(),
        },
    ]
}

/// `cargo xtask e2e`'s and `cargo xtask test`'s browser step.
pub fn e2e(browser: &Browser, sites: &[Site]) -> Result<()> {
    util::step("e2e: the browser test (cargo test -p svcsim-tests --test e2e)");
    run_test_target(browser, sites, Some("browser_end_to_end"), &[])
}

/// Bytes of `path`, raw and `gzip -9`'d (0 when gzip is missing).
pub fn sizes(path: &Path) -> (u64, u64) {
    let raw = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let gz = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map(|o| o.stdout.len() as u64)
        .unwrap_or(0);
    (raw, gz)
}
