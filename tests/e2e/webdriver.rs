//! A tiny blocking WebDriver client for chromedriver, over `std::net` with
//! `serde_json`: the browser end-to-end test's (`tests/e2e.rs`) only way to
//! drive Chromium.
//!
//! Why not a crate: the well-kept WebDriver crates (fantoccini, thirtyfour)
//! are async and pull in tokio, hyper and a TLS stack, several minutes of
//! build on a cold CI machine for the dozen calls the e2e test makes. The
//! W3C protocol is JSON over plain HTTP/1.1 on localhost, so a client that
//! sends one request per connection is enough.
//!
//! Beyond W3C WebDriver we use one chromedriver extension: `POST
//! /session/{id}/se/log` (type `browser`) returns the console messages and
//! failed loads that `goog:loggingPrefs` asks chromedriver to record.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Errors are messages for a human, already carrying their context.
pub type Result<T, E = String> = std::result::Result<T, E>;

/// A chromedriver process, killed when dropped.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Start `chromedriver` on a free local port, logging to `log`, and wait
    /// until it reports ready.
    pub fn start(chromedriver: &Path, log: &Path) -> Result<Driver> {
        let port = free_port()?;
        let log_file =
            std::fs::File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let err_file = log_file
            .try_clone()
            .map_err(|e| format!("creating {}: {e}", log.display()))?;
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .map_err(|e| {
                format!(
                    "starting {}: {e}. Is chromium-driver installed?",
                    chromedriver.display()
                )
            })?;
        let mut driver = Driver { child, port };
        wait_for(
            Duration::from_secs(30),
            "chromedriver to become ready",
            || {
                if let Ok(Some(status)) = driver.child.try_wait() {
                    return Err(format!(
                        "chromedriver exited early ({status}); see {}",
                        log.display()
                    ));
                }
                Ok(http(port, "GET", "/status", None)
                    .ok()
                    .filter(|v| v.pointer("/value/ready") == Some(&Value::Bool(true))))
            },
        )?;
        Ok(driver)
    }

    /// Open a browser session with these capabilities (`alwaysMatch`).
    pub fn session(&self, capabilities: Value) -> Result<Session> {
        let v = http(
            self.port,
            "POST",
            "/session",
            Some(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )?;
        let id = v
            .pointer("/value/sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("chromedriver gave no session id: {v}"))?;
        Ok(Session {
            port: self.port,
            id: id.to_string(),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session; closed (browser quit) when dropped.
#[derive(Debug)]
pub struct Session {
    port: u16,
    id: String,
}

impl Session {
    fn raw_call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let v = http(
            self.port,
            method,
            &format!("/session/{}{path}", self.id),
            body,
        )?;
        Ok(v.get("value").cloned().unwrap_or(Value::Null))
    }

    /// Navigate and wait for the page load (WebDriver's default strategy).
    pub fn goto(&self, url: &str) -> Result<()> {
        self.raw_call("POST", "/url", Some(&json!({ "url": url })))
            .map(|_| ())
            .map_err(|e| format!("loading {url}: {e}"))
    }

    /// Run a synchronous script (`return ...;`) with arguments.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value> {
        self.raw_call(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Run an asynchronous script; it finishes by calling
    /// `arguments[arguments.length - 1](result)`.
    pub fn execute_async(&self, script: &str, args: Value) -> Result<Value> {
        self.raw_call(
            "POST",
            "/execute/async",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.raw_call("GET", "/screenshot", None)?;
        let b64 = v
            .as_str()
            .ok_or("screenshot: chromedriver returned no data")?;
        base64_decode(b64)
            .ok_or_else(|| "screenshot: chromedriver returned invalid base64".to_string())
    }

    /// Run a DevTools protocol command through chromedriver's
    /// `goog/cdp/execute` extension.
    pub fn call_cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.raw_call(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": cmd, "params": params })),
        )
    }

    /// Browser log entries recorded since the last call (chromedriver
    /// extension; needs `goog:loggingPrefs: {browser: "ALL"}`).
    pub fn browser_logs(&self) -> Result<Vec<Value>> {
        let v = self.raw_call("POST", "/se/log", Some(&json!({ "type": "browser" })))?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// Poll `check` until it yields `Some`, an error, or `timeout` passes. The
/// pause between polls is short; what we wait for is the condition.
pub fn wait_for<T>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = check()? {
            return Ok(v);
        }
        if start.elapsed() > timeout {
            return Err(format!("timed out after {timeout:?} waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A local port that was free a moment ago (the OS picks it).
pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free local port: {e}"))
}

/// One HTTP/1.1 request to `127.0.0.1:port`, returning the JSON body. A
/// WebDriver error (`value.error`) becomes `Err` with its message.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
    let ctx = |e: &dyn std::fmt::Display| format!("WebDriver {method} {path}: {e}");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| ctx(&e))?;
    // Generous: execute/async waits for animation frames, and a cold page
    // load compiles the wasm.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| ctx(&e))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        payload.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(payload.as_bytes()))
        .map_err(|e| ctx(&e))?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(|e| ctx(&e))?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ctx(&format!("bad status line {status_line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| ctx(&e))? == 0 || line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut raw = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| ctx(&e))?;
            let n = usize::from_str_radix(size.trim(), 16).map_err(|e| ctx(&e))?;
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).map_err(|e| ctx(&e))?;
            raw.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        raw.resize(n, 0);
        reader.read_exact(&mut raw).map_err(|e| ctx(&e))?;
    } else {
        reader.read_to_end(&mut raw).map_err(|e| ctx(&e))?;
    }
    let v: Value = serde_json::from_slice(&raw)
        .map_err(|e| ctx(&format!("HTTP {status}, body is not JSON: {e}")))?;
    if let Some(err) = v.pointer("/value/error").and_then(Value::as_str) {
        let msg = v
            .pointer("/value/message")
            .and_then(Value::as_str)
            .unwrap_or("");
        // chromedriver's messages end with a long native stack; the first
        // lines say what went wrong.
        let msg: String = msg.lines().take(3).collect::<Vec<_>>().join(" | ");
        return Err(ctx(&format!("{err}: {msg}")));
    }
    Ok(v)
}

/// Standard base64 (with padding, ignoring whitespace); `None` if malformed.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let clean: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if clean.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for quad in clean.chunks(4) {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGk=").unwrap(), b"hi");
        assert_eq!(base64_decode("aGV5").unwrap(), b"hey");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a$==").is_none());
        assert!(base64_decode("abc").is_none());
    }
}
