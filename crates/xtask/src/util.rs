//! Small helpers shared by the xtask commands: running child processes with a
//! printed command line, locating the workspace, and the error type.
//!
//! Every failure is a plain `String` that says what failed and what to do;
//! `main` prints it and exits non-zero. That is all an automation binary
//! needs, and it keeps the xtask free of error-handling crates.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The xtask's error: a message for a human, already carrying its context.
pub type Result<T, E = String> = std::result::Result<T, E>;

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn root() -> PathBuf {
    // CARGO_MANIFEST_DIR is crates/xtask at compile time; the workspace root
    // is two levels up. This is stable because the xtask is always built from
    // this tree by `cargo xtask`.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask has two ancestors")
        .to_path_buf()
}

/// The cargo target directory that cargo itself will use (honours
/// `CARGO_TARGET_DIR`), so our outputs sit next to the build's.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        None => root().join("target"),
    }
}

/// The `cargo` that runs us (the toolchain `cargo xtask` was invoked with).
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Print a step banner, so a long log shows where it is.
pub fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// Render a command line for the log.
pub fn show(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in cmd.get_envs() {
        // Our PATH is the caller's with the tool folders in front (see
        // `tools::tool_path`); printing all of it only hides the command.
        if k == "PATH" {
            s.push_str("PATH=<tools>:$PATH ");
            continue;
        }
        if let Some(v) = v {
            s.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    s.push_str(&cmd.get_program().to_string_lossy());
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Run a command with inherited stdio; fail with `hint` if it exits non-zero.
pub fn run(cmd: &mut Command, hint: &str) -> Result<()> {
    let line = show(cmd);
    eprintln!("$ {line}");
    let started = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}. {hint}"))?;
    let secs = started.elapsed().as_secs_f64();
    if status.success() {
        eprintln!("    ({secs:.1}s)");
        Ok(())
    } else {
        Err(format!(
            "`{line}` failed ({status}) after {secs:.1}s. {hint}"
        ))
    }
}

/// Run a command and capture its stdout, or `None` if it cannot start or
/// fails. Used for probing (`tool --version`), where absence is normal.
pub fn probe<S: AsRef<OsStr>>(program: S, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if out.status.success() {
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        None
    }
}

/// Find an executable on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `PATH` with `dirs` in front, for child processes that must find our tools
/// (trunk looks up `wasm-opt` and `wasm-bindgen` there).
pub fn path_with(dirs: &[PathBuf]) -> std::ffi::OsString {
    let mut all: Vec<PathBuf> = dirs.to_vec();
    if let Some(p) = std::env::var_os("PATH") {
        all.extend(std::env::split_paths(&p));
    }
    // join_paths only fails on a directory containing the separator `:`,
    // which none of ours (cargo's bin dir, node_modules/.bin) do.
    std::env::join_paths(all).expect("tool directories contain no ':'")
}
