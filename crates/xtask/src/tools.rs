//! Installing what the build and the tests need, idempotently.
//!
//! Each `ensure_*` first probes for the tool at the exact version we need and
//! does nothing when it is there; otherwise it prints and runs the one
//! install command. Everything comes from a package registry through its own
//! client (rustup, `cargo install`, `npm ci`, `apt-get`), never from ad-hoc
//! downloads, because CI machines only reach registries.
//!
//! Versions are pinned where a mismatch breaks the build:
//! - `wasm-bindgen-cli` must equal the `wasm-bindgen` crate in `Cargo.lock`
//!   (the CLI refuses to process a module from another version). We read the
//!   lock file rather than hard-coding it, so a `cargo update` only needs a
//!   matching edit of `Trunk.toml`, which [`check_trunk_toml`] enforces.
//! - trunk 0.21.14: the newest release that builds with our toolchain
//!   (0.22 needs a newer rustc) and only with `--locked`.
//! - binaryen from npm (its JS build), because Debian's binaryen 108 cannot
//!   parse what Rust 1.95 emits; the version lives in `package.json`.

use crate::util::{self, probe, run, step, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// trunk release we build with (see the module doc for why this one).
pub const TRUNK_VERSION: &str = "0.21.14";
/// wasm-pack release for `wasm-pack test`.
pub const WASM_PACK_VERSION: &str = "0.15.1";
/// The wasm target everything browser-side is built for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Where `cargo install` puts binaries (`$CARGO_HOME/bin`, default
/// `~/.cargo/bin`).
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cargo").join("bin")
}

/// The folder holding npm-installed executables (`wasm-opt`).
pub fn npm_bin_dir() -> PathBuf {
    util::root().join("node_modules").join(".bin")
}

/// `PATH` for child processes: our cargo and npm tool folders first.
pub fn tool_path() -> std::ffi::OsString {
    util::path_with(&[npm_bin_dir(), cargo_bin_dir()])
}

/// Version of crate `name` in `Cargo.lock`. Fails if the crate is absent or
/// locked at more than one version (then no single CLI version fits).
pub fn lock_version(name: &str) -> Result<String> {
    let path = util::root().join("Cargo.lock");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "reading {}: {e}. Run `cargo generate-lockfile`.",
            path.display()
        )
    })?;
    lock_version_in(&text, name).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`lock_version`] on the text of a lock file (split out to be testable).
pub fn lock_version_in(lock: &str, name: &str) -> Result<String> {
    let want = format!("name = \"{name}\"");
    let mut found = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == want {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                found.push(v.trim_matches('"').to_string());
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("no package `{name}` in the lock file")),
        _ => Err(format!(
            "`{name}` is locked at several versions ({}); unify them with `cargo update`",
            found.join(", ")
        )),
    }
}

/// The binaryen major version pinned in `package.json` (`"132.0.0"` → 132).
pub fn binaryen_major() -> Result<u32> {
    let path = util::root().join("package.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let v = json
        .pointer("/devDependencies/binaryen")
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("{}: no devDependencies.binaryen", path.display()))?;
    v.trim_start_matches(['^', '~', '='])
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("{}: cannot read binaryen version {v:?}", path.display()))
}

/// Check that `Trunk.toml` asks for the tool versions we install, so trunk
/// (run `--offline`) finds them instead of failing to download others.
pub fn check_trunk_toml() -> Result<()> {
    let path = util::root().join("Trunk.toml");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let bindgen = lock_version("wasm-bindgen")?;
    let opt = format!("version_{}", binaryen_major()?);
    for (key, want) in [
        ("wasm_bindgen", bindgen.as_str()),
        ("wasm_opt", opt.as_str()),
    ] {
        let line = format!("{key} = \"{want}\"");
        if !text.lines().any(|l| l.trim() == line) {
            return Err(format!(
                "{}: [tools] must say `{line}` (to match Cargo.lock / package.json). Edit it and rerun.",
                path.display()
            ));
        }
    }
    Ok(())
}

/// First whitespace-separated token that starts with a digit in `--version`
/// output, e.g. `trunk 0.21.14` → `0.21.14`.
fn version_of(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|w| w.to_string())
}

/// The installed version of executable `bin` (looked up in cargo's bin folder,
/// then `PATH`).
fn installed_version(bin: &str) -> Option<String> {
    let local = cargo_bin_dir().join(bin);
    let out = if local.is_file() {
        probe(&local, &["--version"])
    } else {
        probe(bin, &["--version"])
    }?;
    version_of(&out)
}

/// Make sure `bin` (from crate `krate`) is installed at `version`.
fn ensure_cargo_tool(bin: &str, krate: &str, version: &str, locked: bool) -> Result<()> {
    match installed_version(bin) {
        Some(v) if v == version => {
            eprintln!("ok: {bin} {v}");
            return Ok(());
        }
        Some(v) => eprintln!("{bin} is {v}, need {version}: reinstalling"),
        None => eprintln!("{bin} not found: installing {krate} {version}"),
    }
    let mut cmd = Command::new(util::cargo());
    cmd.args(["install", krate, "--version", version]);
    if locked {
        cmd.arg("--locked");
    }
    // Build the tool in its own target dir: sharing the workspace's would
    // rebuild both whenever either changes features of a shared crate.
    cmd.env("CARGO_TARGET_DIR", util::target_dir().join("tools"));
    run(
        &mut cmd,
        &format!("Installing {krate} failed; see the compiler output above (needs network access to crates.io)."),
    )
}

/// rustfmt, clippy and the wasm target.
pub fn ensure_rust() -> Result<()> {
    let has_rustup = probe("rustup", &["--version"]).is_some();
    for (sub, component) in [("fmt", "rustfmt"), ("clippy", "clippy")] {
        if probe(util::cargo(), &[sub, "--version"]).is_some() {
            eprintln!("ok: cargo {sub}");
        } else if has_rustup {
            run(
                Command::new("rustup").args(["component", "add", component]),
                "rustup could not add the component; check network access to static.rust-lang.org.",
            )?;
        } else {
            return Err(format!("`cargo {sub}` is missing and rustup is not installed; install the {component} component for your toolchain."));
        }
    }
    let sysroot = probe("rustc", &["--print", "sysroot"]).unwrap_or_default();
    let target_lib = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(WASM_TARGET);
    if target_lib.is_dir() {
        eprintln!("ok: rust target {WASM_TARGET}");
    } else if has_rustup {
        run(
            Command::new("rustup").args(["target", "add", WASM_TARGET]),
            "rustup could not add the wasm target; check network access.",
        )?;
    } else {
        return Err(format!("the {WASM_TARGET} standard library is missing and rustup is not installed; install it for your toolchain."));
    }
    Ok(())
}

/// Everything `trunk build` needs: the wasm target, trunk, wasm-bindgen-cli
/// at the lock-file version, and wasm-opt from npm.
pub fn ensure_site_tools() -> Result<()> {
    step("checking build tools (installing what is missing)");
    ensure_rust()?;
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION, true)?;
    // Not --locked: wasm-bindgen-cli's own lock file has pinned dependency
    // versions that were later yanked, which makes --locked fail.
    ensure_cargo_tool(
        "wasm-bindgen",
        "wasm-bindgen-cli",
        &lock_version("wasm-bindgen")?,
        false,
    )?;
    ensure_npm_tools()?;
    check_trunk_toml()
}

/// wasm-bindgen-cli at the Cargo.lock version (without trunk or npm), for
/// `cargo xtask bench-wasm`.
pub fn ensure_wasm_bindgen() -> Result<()> {
    ensure_cargo_tool(
        "wasm-bindgen",
        "wasm-bindgen-cli",
        &lock_version("wasm-bindgen")?,
        false,
    )
}

/// wasm-pack, for the wasm-bindgen tests.
pub fn ensure_wasm_pack() -> Result<()> {
    ensure_cargo_tool("wasm-pack", "wasm-pack", WASM_PACK_VERSION, true)
}

/// `npm ci` when `node_modules` does not hold the binaryen that
/// `package.json` pins (installing node and npm from apt if needed).
pub fn ensure_npm_tools() -> Result<()> {
    let want = binaryen_major()?;
    let wasm_opt = npm_bin_dir().join("wasm-opt");
    if wasm_opt.is_file() {
        if let Some(out) = probe(&wasm_opt, &["--version"]) {
            if out.contains(&format!("version_{want}")) {
                eprintln!("ok: wasm-opt (binaryen {want}, npm)");
                return Ok(());
            }
        }
    }
    if util::which("npm").is_none() {
        ensure_apt(&[("node", &["nodejs"]), ("npm", &["npm"])])?;
    }
    run(
        Command::new("npm")
            .current_dir(util::root())
            .args(["ci", "--no-audit", "--no-fund"]),
        "npm could not install binaryen; check access to registry.npmjs.org.",
    )
}

/// Chromium and its chromedriver (Debian packages, matched versions).
pub fn ensure_browser() -> Result<Browser> {
    // fonts-liberation is only a Recommends of chromium, but without any font
    // the screenshots show no text.
    ensure_apt(&[
        ("chromium", &["chromium", "fonts-liberation"]),
        ("chromedriver", &["chromium-driver"]),
    ])?;
    let find = |name: &str| {
        util::which(name).ok_or_else(|| {
            format!("{name} is not on PATH after installing it; check the apt output above.")
        })
    };
    Ok(Browser {
        chromium: find("chromium")?,
        chromedriver: find("chromedriver")?,
    })
}

/// Paths of the browser and its driver.
#[derive(Debug, Clone)]
pub struct Browser {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// The Chromium flags every headless run here needs: `--no-sandbox` because
/// CI runs as root, and the rest so the browser makes no network requests of
/// its own (updates, sync, field trials) on machines that only reach
/// registries.
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
];

/// Install the Debian packages of each `(executable, packages)` pair whose
/// executable is missing (without Recommends, which pull in desktop bits). Runs `apt-get update` first, as a fresh machine has
/// no package lists.
pub fn ensure_apt(wanted: &[(&str, &[&str])]) -> Result<()> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(bin, _)| util::which(bin).is_none())
        .flat_map(|(_, pkgs)| pkgs.iter().copied())
        .collect();
    if missing.is_empty() {
        let bins: Vec<&str> = wanted.iter().map(|(b, _)| *b).collect();
        eprintln!("ok: {}", bins.join(", "));
        return Ok(());
    }
    if util::which("apt-get").is_none() {
        return Err(format!(
            "missing {}; this machine has no apt-get, so install them with your package manager and rerun.",
            missing.join(", ")
        ));
    }
    let root = probe("id", &["-u"])
        .map(|s| s.trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    let hint = "apt-get failed; run the command above as root (or give this user passwordless sudo) and rerun.";
    run(&mut apt(&["update"]), hint)?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    run(&mut apt(&install), hint)
}

/// Build `svcsim-js` for wasm32 with `profile` (`release` or `bench`) and
/// bind it into `out` as an ES module (`wasm-bindgen --target web`), then,
/// given `(wasm-opt, level)`, optimise the bound module in place.
pub fn build_svcsim_js(profile: &str, out: &Path, wasm_opt: Option<(&Path, &str)>) -> Result<()> {
    util::run(
        Command::new(util::cargo()).args([
            "build",
            "--profile",
            profile,
            "--target",
            WASM_TARGET,
            "-p",
            "svcsim-js",
            "--lib",
        ]),
        "The bindings crate failed to build for wasm32; see the compiler output above.",
    )?;
    // Both profiles land in `release/` (bench inherits from release), so
    // the module is bound before another build can overwrite it.
    let wasm = util::target_dir()
        .join(WASM_TARGET)
        .join("release")
        .join("svcsim_js.wasm");
    util::run(
        Command::new(cargo_bin_dir().join("wasm-bindgen"))
            .args(["--target", "web", "--out-dir"])
            .arg(out)
            .arg(&wasm),
        "wasm-bindgen failed; is wasm-bindgen-cli at the Cargo.lock version? (`cargo xtask setup`)",
    )?;
    if let Some((opt, level)) = wasm_opt {
        let bg = out.join("svcsim_js_bg.wasm");
        util::run(
            Command::new(opt).arg(level).arg(&bg).arg("-o").arg(&bg),
            "wasm-opt failed; reinstall it with `npm ci` in the repository root.",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n\n[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.2.130\"\n";
        assert_eq!(lock_version_in(lock, "wasm-bindgen").unwrap(), "0.2.130");
        assert!(lock_version_in(lock, "trunk").is_err());
    }

    #[test]
    fn versions_are_read_from_tool_output() {
        assert_eq!(version_of("trunk 0.21.14\n").as_deref(), Some("0.21.14"));
        assert_eq!(
            version_of("wasm-bindgen 0.2.130").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(version_of("nothing here"), None);
    }
}
