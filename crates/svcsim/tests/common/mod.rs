//! What the CLI tests share: running the built `svcsim` binary.

use std::process::Command;

/// Run `svcsim ARGS…`: (stdout, stderr, exit code; -1 when killed).
pub fn svcsim(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_svcsim"))
        .args(args)
        .output()
        .expect("svcsim runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}
