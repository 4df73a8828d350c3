//! A small static file server for `dist/`, used by `cargo xtask serve` and by
//! the end-to-end test.
//!
//! Why our own: it is ~150 lines of std, needs no download, and the e2e test
//! wants to see every request it answered (a 404 for an asset is a failure
//! even if the page happens to work). It serves `GET`/`HEAD` only, one thread
//! per connection, `Connection: close`.
//!
//! Behaviour that matters for a single-page app behind a static host:
//! - files get their real MIME type; browsers refuse to stream-compile wasm
//!   unless it is `application/wasm`;
//! - the site can live under a sub-path (`--public-url /svcsim/`): requests
//!   outside the prefix are 404, and `/` redirects to the prefix;
//! - a missing path whose last segment has no extension gets `index.html`
//!   (client-side routes), while a missing *asset* stays a 404 so broken
//!   links are caught rather than answered with HTML.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One answered request: path as requested and the status sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub path: String,
    pub status: u16,
}

/// A running server; dropping it stops accepting connections.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Serve `dist` under `prefix` (`/` or `/sub/path/`) on `listener` from a
    /// background thread, until the `Server` is dropped.
    pub fn start(listener: TcpListener, dist: PathBuf, prefix: &str) -> std::io::Result<Server> {
        let addr = listener.local_addr()?;
        let hits = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let site = Arc::new(Site {
            dist,
            prefix: normalise_prefix(prefix),
        });
        let (log, halt) = (hits.clone(), stop.clone());
        std::thread::spawn(move || accept_loop(listener, site, log, false, &halt));
        Ok(Server { addr, hits, stop })
    }

    /// Every request answered so far.
    pub fn hits(&self) -> Vec<Hit> {
        // A poisoned lock means a connection thread panicked mid-push; the
        // log is still a valid Vec, so read it anyway.
        match self.hits.lock() {
            Ok(h) => h.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The accept loop blocks in `accept`; flag it, then wake it with one
        // connection of our own so it sees the flag and returns (closing the
        // listener).
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Serve in the foreground until the process is killed, logging requests.
pub fn serve_forever(listener: TcpListener, dist: PathBuf, prefix: &str) {
    let site = Arc::new(Site {
        dist,
        prefix: normalise_prefix(prefix),
    });
    let never = AtomicBool::new(false);
    accept_loop(
        listener,
        site,
        Arc::new(Mutex::new(Vec::new())),
        true,
        &never,
    );
}

/// `svcsim/` or `/svcsim` → `/svcsim/`; empty → `/`.
pub fn normalise_prefix(p: &str) -> String {
    let t = p.trim_matches('/');
    if t.is_empty() {
        "/".to_string()
    } else {
        format!("/{t}/")
    }
}

struct Site {
    dist: PathBuf,
    prefix: String,
}

fn accept_loop(
    listener: TcpListener,
    site: Arc<Site>,
    hits: Arc<Mutex<Vec<Hit>>>,
    verbose: bool,
    stop: &AtomicBool,
) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = conn else { continue };
        let site = site.clone();
        let hits = hits.clone();
        std::thread::spawn(move || {
            if let Some(hit) = handle(stream, &site) {
                if verbose {
                    eprintln!("{} {}", hit.status, hit.path);
                }
                match hits.lock() {
                    Ok(mut h) => h.push(hit),
                    Err(p) => p.into_inner().push(hit),
                }
            }
        });
    }
}

/// Answer one connection; `None` if the client sent nothing usable.
fn handle(stream: TcpStream, site: &Site) -> Option<Hit> {
    // A stalled client must not pin a thread forever.
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    // Drain the headers; we need none of them.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let reply = if method == "GET" || method == "HEAD" {
        route(site, &target)
    } else {
        Reply::status(405, "only GET and HEAD")
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        reply.status,
        reason(reply.status),
        reply.mime,
        reply.body.len()
    );
    if let Some(loc) = &reply.location {
        head.push_str(&format!("Location: {loc}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = out.write_all(&reply.body);
    }
    let _ = out.flush();
    Some(Hit {
        path: target,
        status: reply.status,
    })
}

struct Reply {
    status: u16,
    mime: &'static str,
    body: Vec<u8>,
    location: Option<String>,
}

impl Reply {
    fn status(status: u16, msg: &str) -> Reply {
        Reply {
            status,
            mime: "text/plain; charset=utf-8",
            body: format!("{status} {msg}\n").into_bytes(),
            location: None,
        }
    }
    fn redirect(to: &str) -> Reply {
        Reply {
            location: Some(to.to_string()),
            ..Reply::status(302, "see the site prefix")
        }
    }
}

fn route(site: &Site, target: &str) -> Reply {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let Some(path) = percent_decode(path) else {
        return Reply::status(400, "bad percent-encoding");
    };
    let prefix = site.prefix.as_str();
    let rel = match path.strip_prefix(prefix) {
        Some(rel) => rel,
        None if format!("{path}/") == prefix || path == "/" => return Reply::redirect(prefix),
        None => return Reply::status(404, "outside the site prefix"),
    };
    let rel = Path::new(rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Reply::status(404, "no such file");
    }
    let mut file = site.dist.join(rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    if !file.is_file() {
        let last = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if last.contains('.') {
            return Reply::status(404, "no such file");
        }
        file = site.dist.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => Reply {
            status: 200,
            mime: mime_for(&file),
            body,
            location: None,
        },
        Err(_) => Reply::status(404, "no such file"),
    }
}

/// MIME type by extension.
pub fn mime_for(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "yaml" | "yml" => "text/yaml; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    }
}

/// Decode `%XX` escapes; `None` on a malformed escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (Site, PathBuf) {
        let dir = std::env::temp_dir().join(format!("xtask-server-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<html>").unwrap();
        std::fs::write(dir.join("app_bg.wasm"), b"\0asm").unwrap();
        std::fs::write(dir.join("assets/a b.css"), "x").unwrap();
        (
            Site {
                dist: dir.clone(),
                prefix: "/svcsim/".into(),
            },
            dir,
        )
    }

    #[test]
    fn serves_under_a_prefix_with_mime_types_and_fallback() {
        let (s, dir) = site();
        let r = route(&s, "/svcsim/app_bg.wasm");
        assert_eq!((r.status, r.mime), (200, "application/wasm"));
        assert_eq!(route(&s, "/svcsim/").mime, "text/html; charset=utf-8");
        assert_eq!(route(&s, "/svcsim/assets/a%20b.css?v=1").status, 200);
        // Client-side route: index.html. Missing asset: 404.
        assert_eq!(route(&s, "/svcsim/scenario/x").status, 200);
        assert_eq!(route(&s, "/svcsim/missing.js").status, 404);
        assert_eq!(route(&s, "/").location.as_deref(), Some("/svcsim/"));
        assert_eq!(route(&s, "/svcsim").location.as_deref(), Some("/svcsim/"));
        assert_eq!(route(&s, "/other/x.js").status, 404);
        assert_eq!(route(&s, "/svcsim/../etc/passwd").status, 404);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn prefixes_are_normalised() {
        assert_eq!(normalise_prefix(""), "/");
        assert_eq!(normalise_prefix("/"), "/");
        assert_eq!(normalise_prefix("svcsim"), "/svcsim/");
        assert_eq!(normalise_prefix("/a/b/"), "/a/b/");
    }
}
