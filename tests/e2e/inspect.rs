//! The node, packet and DNS inspectors (issue 7).
//!
//! Called from the tour in `tests/e2e.rs`; uses its helpers through `super`.
//! Hooks: request lines in `#event-log` (`li.log-request[data-seq]`) open
//! `#packet-inspector` (hops in `#packet-hops tr[data-nat]`, rules in
//! `#packet-rules li`, `#packet-conntrack`, `#packet-outcome`);
//! `#packet-show-node` opens `#node-rules` (`.rules-text .rl-hit` for the
//! highlighted rules, tabs `#rules-tab-*`); the DNS panel is a form
//! (`#dns-pod`, `#dns-name`, `#dns-type`, `#dns-run`) whose result lists
//! each query in `#dns-queries li[data-rcode][data-final]` with its records
//! as `tr.dns-record[data-type]`.

use super::webdriver::{wait_for, Result, Session};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

pub fn tour(session: &Session, out: &Path) -> Result<()> {
    packet_and_node(session, out)?;
    dns(session, out)?;
    ipvs_counters(session, out)?;
    Ok(())
}

/// IPVS mode from the toolbar, then `ipvsadm -Ln` in the node inspector:
/// DNS flows (UDP) count only as InActConn, and closed TCP connections
/// stay there too, in TIME_WAIT, while ActiveConn holds only open ones.
fn ipvs_counters(session: &Session, out: &Path) -> Result<()> {
    println!("-- ipvsadm counters (clusterip, IPVS mode)");
    super::load_scenario(session, "clusterip")?;
    super::click(session, "#proxy-mode")?;
    wait_js(
        session,
        "the IPVS mode",
        10,
        "const b = document.getElementById('proxy-mode'); return b && /IPVS/.test(b.textContent);",
    )?;
    set_playing(session, true)?;
    super::set_speed(session, super::SPEED_10X)?;
    super::wait_count_above(session, "requests", 150, 60)?;
    set_playing(session, false)?;
    let mut seen = Value::Null;
    for n in ["node-1", "node-2", "node-3"] {
        super::click(session, &format!("[data-node=\"{n}\"] .node-header"))?;
        super::click_when_there(session, "#rules-tab-ipvs")?;
        // Sum (ActiveConn, InActConn) per protocol of the virtual servers.
        let script = format!(
            "const p = document.getElementById('node-rules');
             const t = document.getElementById('rules-tab-ipvs');
             if (!p || p.dataset.node !== {n:?} || !t || t.getAttribute('aria-selected') !== 'true') return null;
             const sum = {{ TCP: [0, 0], UDP: [0, 0] }};
             let proto = null;
             for (const l of p.querySelectorAll('.rules-text .rl')) {{
               const x = l.textContent.trim();
               if (/^(TCP|UDP) /.test(x)) proto = x.slice(0, 3);
               const c = x.split(/\\s+/);
               if (c[0] === '->' && proto && /^[0-9]+$/.test(c[4])) {{
                 sum[proto][0] += +c[4]; sum[proto][1] += +c[5];
               }}
             }}
             return {{ node: {n:?}, sum }};"
        );
        seen = wait_js(session, &format!("ipvsadm -Ln on {n}"), 10, &script)?;
        if seen["sum"]["UDP"][1].as_u64().unwrap_or(0) > 0 {
            break;
        }
    }
    println!(
        "ipvsadm -Ln on {}: (ActiveConn, InActConn) {}",
        seen["node"].as_str().unwrap_or("?"),
        seen["sum"]
    );
    let n = |p: &str, i: usize| seen["sum"][p][i].as_u64().unwrap_or(0);
    if n("UDP", 0) != 0 || n("UDP", 1) == 0 || n("TCP", 1) == 0 {
        return Err(format!("ipvsadm counters: {}", seen["sum"]));
    }
    show(session, "node-rules")?;
    super::shot(session, out, "inspect-node-ipvsadm");
    Ok(())
}

/// Run `script` until it returns something other than null/false.
fn wait_js(session: &Session, what: &str, secs: u64, script: &str) -> Result<Value> {
    wait_for(Duration::from_secs(secs), what, || {
        let v = session.execute(script, json!([]))?;
        Ok((!v.is_null() && v != Value::Bool(false)).then_some(v))
    })
}

/// Scroll a panel to the top of the viewport, so the screenshot shows it.
fn show(session: &Session, id: &str) -> Result<()> {
    session.execute(
        "const el = document.getElementById(arguments[0]);
         if (el) el.scrollIntoView({ block: 'start' });
         return !!el;",
        json!([id]),
    )?;
    Ok(())
}

/// Play (`true`) or pause (`false`) through `#play`.
fn set_playing(session: &Session, on: bool) -> Result<()> {
    let playing = session.execute(
        "const b = document.getElementById('play');
         return b ? b.getAttribute('aria-pressed') === 'true' : null;",
        json!([]),
    )?;
    if playing.as_bool() != Some(on) {
        super::click(session, "#play")?;
    }
    Ok(())
}

/// A request line in the log opens the packet inspector: hops with the
/// addresses before and after DNAT, the rules traversed, the conntrack
/// entry, the outcome. From there the node inspector shows the node's
/// iptables-save with the packet's rules highlighted, and conntrack -L.
fn packet_and_node(session: &Session, out: &Path) -> Result<()> {
    println!("-- packet and node inspectors (clusterip)");
    super::load_scenario(session, "clusterip")?;
    super::set_speed(session, super::SPEED_1X)?;
    super::wait_count_above(session, "requests", 10, 60)?;
    set_playing(session, false)?;
    glow_click(session)?;
    canvas_click(session)?;
    let seq = wait_js(
        session,
        "a successful request line in #event-log",
        20,
        "const l = document.querySelector('#event-log li.log-request.log-ok');
         return l ? l.dataset.seq : null;",
    )?;
    let seq = seq.as_str().unwrap_or_default().to_string();
    super::click(session, &format!("#event-log li[data-seq=\"{seq}\"]"))?;
    let story = wait_js(
        session,
        "#packet-inspector with the connection's DNAT hop",
        10,
        "const p = document.getElementById('packet-inspector');
         if (!p) return null;
         const nat = [...p.querySelectorAll('#packet-hops tr[data-nat]')]
           .filter(r => /dnat/.test(r.dataset.nat) && !/DNS/.test(r.innerText));
         if (!nat.length) return null;
         return { request: p.dataset.request, hops: p.querySelectorAll('#packet-hops tbody tr').length,
                  nat: nat[0].innerText.replace(/\\s+/g, ' '),
                  rules: p.querySelectorAll('#packet-rules li').length,
                  conntrack: (document.getElementById('packet-conntrack') || {}).textContent,
                  outcome: (document.getElementById('packet-outcome') || {}).textContent };",
    )?;
    println!(
        "packet inspector: request #{} from log line {seq}: {} hops; DNAT hop: {}; {} rules traversed; outcome: {}; conntrack: {}",
        story["request"].as_str().unwrap_or("?"),
        story["hops"],
        story["nat"].as_str().unwrap_or(""),
        story["rules"],
        story["outcome"].as_str().unwrap_or(""),
        story["conntrack"].as_str().unwrap_or("").replace('\n', " | ")
    );
    if story["rules"].as_u64().unwrap_or(0) == 0 {
        return Err("the packet inspector lists no rules for a ClusterIP request".into());
    }
    if !story["nat"].as_str().unwrap_or("").contains("(DNAT)") {
        return Err("the DNAT hop shows no before → after address".into());
    }
    show(session, "packet-inspector")?;
    super::shot(session, out, "inspect-packet");

    super::click_when_there(session, "#packet-show-node")?;
    let node = wait_js(
        session,
        "#node-rules with highlighted rules",
        10,
        "const n = document.getElementById('node-rules');
         if (!n) return null;
         const hits = n.querySelectorAll('.rules-text .rl-hit');
         if (!hits.length) return null;
         return { node: n.dataset.node, lines: n.querySelectorAll('.rules-text .rl').length,
                  hits: [...hits].map(h => h.textContent.trim()) };",
    )?;
    let hits = node["hits"].as_array().cloned().unwrap_or_default();
    println!(
        "node inspector: {} iptables-save lines on {}, {} highlighted, e.g. {}",
        node["lines"],
        node["node"].as_str().unwrap_or("?"),
        hits.len(),
        hits.iter()
            .filter_map(|h| h.as_str())
            .find(|h| h.contains("DNAT"))
            .or(hits.first().and_then(|h| h.as_str()))
            .unwrap_or("")
    );
    show(session, "node-rules")?;
    super::shot(session, out, "inspect-node-rules");

    super::click(session, "#rules-tab-conntrack")?;
    // The node that did the request's NAT still tracks it: open, or closed
    // and waiting its 120 s in TIME_WAIT. Its entry is highlighted, and the
    // summary counts the table by state.
    let ct = wait_js(
        session,
        "the selected request's entry highlighted in conntrack -L",
        10,
        "const t = document.getElementById('rules-tab-conntrack');
         const p = document.getElementById('node-rules');
         if (!t || !p || t.getAttribute('aria-selected') !== 'true') return null;
         const hits = [...p.querySelectorAll('.rules-text .rl-hit')];
         if (!hits.length) return null;
         return { node: p.dataset.node, n: p.querySelectorAll('.rules-text .rl').length,
                  hit: hits[0].textContent.trim(),
                  summary: (document.getElementById('rules-changes') || {}).textContent };",
    )?;
    let hit = ct["hit"].as_str().unwrap_or("");
    let summary = ct["summary"].as_str().unwrap_or("");
    println!(
        "conntrack -L on {}: {} entries listed ({summary}); the request's: {hit}",
        ct["node"].as_str().unwrap_or("?"),
        ct["n"],
    );
    if !(hit.contains(" ESTABLISHED ") || hit.contains(" TIME_WAIT ")) {
        return Err(format!(
            "the request's conntrack entry is neither open nor in TIME_WAIT: {hit}"
        ));
    }
    if !summary.contains(" entries: ") {
        return Err(format!("no count by state above conntrack -L: {summary}"));
    }
    show(session, "node-rules")?;
    super::shot(session, out, "inspect-node-conntrack");
    super::click(session, "#rules-tab-iptables")?;
    // Live updates: delete a serving pod (from the Pods table, which keeps
    // the node selected); once kube-proxy syncs, its KUBE-SEP chain goes
    // and the replacement's comes, marked as changed lines.
    set_playing(session, true)?;
    super::click(session, "#tab-pods")?;
    super::click_when_there(
        session,
        "#table-pods tr[data-row-pod^=\"default/microservice-one\"] .row-actions button",
    )?;
    let changed = wait_js(
        session,
        "changed lines in #node-rules after deleting a pod",
        30,
        "const n = document.getElementById('node-rules');
         const t = document.getElementById('rules-tab-iptables');
         if (!n || !t || t.getAttribute('aria-selected') !== 'true') return null;
         const c = [...n.querySelectorAll('.rules-text .rl-changed')];
         if (!c.length) return null;
         return { n: c.length, status: document.getElementById('rules-changes').textContent,
                  first: c.map(l => l.textContent.trim()).find(l => /DNAT/.test(l)) || c[0].textContent.trim() };",
    )?;
    println!(
        "after deleting a pod: {} changed line(s) marked ({}), e.g. {}",
        changed["n"],
        changed["status"].as_str().unwrap_or(""),
        changed["first"].as_str().unwrap_or("")
    );
    // Show the first changed line.
    session.execute(
        "const n = document.getElementById('node-rules');
         const pre = n.querySelector('.rules-text');
         const c = n.querySelector('.rl-changed');
         if (pre && c) pre.scrollTop = Math.max(0, c.offsetTop - 40);
         return true;",
        json!([]),
    )?;
    show(session, "node-rules")?;
    super::shot(session, out, "inspect-node-rules-changed");
    walked_rules(session, out)
}

/// The packet selected at the start walked its node's rules before the pod
/// was deleted; every node has re-synced since. Its node inspector now
/// highlights those rules where they are in today's program and can show
/// the program it walked, with every rule it matched there.
fn walked_rules(session: &Session, out: &Path) -> Result<()> {
    set_playing(session, false)?;
    super::click_when_there(session, "#packet-show-node")?;
    let before = wait_js(
        session,
        "#rules-show-walked in the node inspector of the selected packet",
        10,
        "const s = document.getElementById('rules-status');
         const b = document.getElementById('rules-show-walked');
         if (!s || !b) return null;
         return { status: s.textContent, hits: +s.dataset.hits };",
    )?;
    println!(
        "after the re-sync: {}",
        before["status"].as_str().unwrap_or("")
    );
    super::click(session, "#rules-show-walked")?;
    let walked = wait_js(
        session,
        "the program the packet walked, with its rules highlighted",
        10,
        "const s = document.getElementById('rules-status');
         if (!s || !document.getElementById('rules-show-current')) return null;
         const hits = document.querySelectorAll('#node-rules .rules-text .rl-hit');
         return { status: s.textContent, hits: hits.length, dataHits: +s.dataset.hits,
                  dnat: [...hits].map(h => h.textContent.trim()).filter(t => /DNAT/.test(t)) };",
    )?;
    println!(
        "the rules it walked: {} highlighted ({:?}): {}",
        walked["hits"],
        walked["dnat"],
        walked["status"].as_str().unwrap_or("")
    );
    let (n, before_n) = (
        walked["hits"].as_u64().unwrap_or(0),
        before["hits"].as_u64().unwrap_or(0),
    );
    // Every rule it matched is in the program it walked, the DNAT to its
    // pod among them; today's program may lack some (a changed
    // probability, a deleted pod's chain).
    if walked["dnat"].as_array().is_none_or(|a| a.is_empty()) || n < before_n {
        return Err(format!(
            "the walked program highlights {n} rule(s) (today's {before_n}), DNAT {}",
            walked["dnat"]
        ));
    }
    show(session, "node-rules")?;
    super::shot(session, out, "inspect-node-rules-walked");
    super::click(session, "#rules-show-current")?;
    wait_js(
        session,
        "today's rules again",
        10,
        "return !!document.getElementById('rules-show-walked');",
    )?;
    Ok(())
}

/// The start of a script that reads the packet canvas: a copy of it (a
/// canvas made for reading, since readbacks of the page's own would draw
/// Chromium's willReadFrequently warning) as `img`, `W` × `H` device
/// pixels, and `rgb(hexes)` for colours given as hex strings. Returns 0
/// when there is no canvas.
const READ_CANVAS: &str = "const c = document.getElementById('packets');
     if (!c || c.width < 1) return 0;
     const o = document.createElement('canvas');
     o.width = c.width;
     o.height = c.height;
     const ox = o.getContext('2d', { willReadFrequently: true });
     ox.drawImage(c, 0, 0);
     const W = o.width, H = o.height;
     const img = ox.getImageData(0, 0, W, H).data;
     const rgb = hexes => hexes.map(h => [0, 2, 4].map(i => parseInt(h.slice(i, i + 2), 16)));
     const like = (k, colours, tolerance) => colours.findIndex(([r, g, b]) =>
       Math.abs(img[k] - r) + Math.abs(img[k + 1] - g) + Math.abs(img[k + 2] - b) < tolerance);
";

/// Run `find` (after [`READ_CANVAS`]; it stores device-pixel points in
/// `window.__pts` and returns how many), stepping the paused simulation
/// event by event until it finds some or `max_steps` is reached. Returns
/// (points found, steps taken).
fn step_until_found(session: &Session, find: &str, max_steps: usize) -> Result<(u64, usize)> {
    let script = format!("window.__pts = [];\n{READ_CANVAS}{find}");
    let mut steps = 0;
    loop {
        let n = session.execute(&script, json!([]))?.as_u64().unwrap_or(0);
        if n >= 1 || steps >= max_steps {
            return Ok((n, steps));
        }
        step(session)?;
        steps += 1;
    }
}

/// One step to the next event, and a moment for the animation frame to
/// draw it.
fn step(session: &Session) -> Result<()> {
    super::click(session, "#step")?;
    std::thread::sleep(Duration::from_millis(60));
    Ok(())
}

/// Click the stage at points `from..to` of `window.__pts` (every `every`th).
fn click_points(session: &Session, from: u64, to: u64, every: u64) -> Result<u64> {
    let n = session.execute(
        "const [from, to, every] = arguments;
         const c = document.getElementById('packets');
         const stage = c.closest('.stage');
         const r = c.getBoundingClientRect();
         let clicks = 0;
         for (let i = from; i < Math.min(to, window.__pts.length); i += every) {
           const [x, y] = window.__pts[i];
           clicks++;
           stage.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window,
             clientX: r.left + x * r.width / c.width, clientY: r.top + y * r.height / c.height }));
         }
         return clicks;",
        json!([from, to, every.max(1)]),
    )?;
    Ok(n.as_u64().unwrap_or(0))
}

/// The request the packet inspector shows, once it does (Yew renders on
/// the next tick), within `timeout`.
fn inspected_request(session: &Session, timeout: Duration) -> Result<String> {
    wait_for(timeout, "the packet inspector", || {
        let r = session.execute(
            "const p = document.getElementById('packet-inspector'); return p ? p.dataset.request : null;",
            json!([]),
        )?;
        Ok(r.as_str().map(str::to_string))
    })
}

/// Paused, the canvas often shows no packet, only the glows of hops that
/// just arrived. A click on a glowing edge, away from every dot, opens the
/// request of the hop that crossed it last; then the inspector is closed.
fn glow_click(session: &Session) -> Result<()> {
    // Translucent pixels in one of the packet colours (reset red left out:
    // it is also the failure labels' colour) with no opaque pixel within
    // 12 device pixels, so no dot is near enough to be picked instead.
    const FIND_GLOWS: &str = "const colours = rgb(['8e44ad','c39bd3','d35400','f0a35e','1f6fd1','6fb1ff','1e8449','58d68d']);
         const near = (x, y) => {
           for (let dy = -12; dy <= 12; dy++)
             for (let dx = -12; dx <= 12; dx++) {
               const X = x + dx, Y = y + dy;
               if (X >= 0 && Y >= 0 && X < W && Y < H && img[(Y * W + X) * 4 + 3] >= 254) return true;
             }
           return false;
         };
         const pts = window.__pts;
         for (let y = 0; y < H && pts.length < 40; y += 3)
           for (let x = 0; x < W && pts.length < 40; x += 3) {
             const k = (y * W + x) * 4;
             if (img[k + 3] < 60 || img[k + 3] >= 250 || like(k, colours, 40) < 0 || near(x, y)) continue;
             pts.push([x, y]);
           }
         return pts.length;";
    let (found, steps) = step_until_found(session, FIND_GLOWS, 40)?;
    if found == 0 {
        return Err(format!(
            "glow click: no glow away from the dots on the paused canvas after {steps} steps"
        ));
    }
    // One click at a time, until one opens the inspector.
    for i in 0..found {
        click_points(session, i, i + 1, 1)?;
        if let Ok(id) = inspected_request(session, Duration::from_millis(800)) {
            println!(
                "glow click: a glowing edge on the paused canvas ({steps} step(s), {found} glow pixel(s) away from dots, {} click(s)) opened request #{id}",
                i + 1
            );
            super::click(session, "[aria-label=\"Close packet inspector\"]")?;
            return wait_for(
                Duration::from_secs(3),
                "the packet inspector to close",
                || {
                    let open = session.execute(
                        "return !!document.getElementById('packet-inspector');",
                        json!([]),
                    )?;
                    Ok((open.as_bool() == Some(false)).then_some(()))
                },
            );
        }
    }
    Err(format!(
        "glow click: {found} click(s) on glow pixels away from the dots opened nothing"
    ))
}

/// Click where the paused canvas shows a packet: the packet inspector
/// opens on its request. Paused at 1×, the frame may hold no packet at all
/// (only the fading glows of finished hops), so this steps event by event
/// until a dot in a packet colour is painted, then clicks its pixels.
///
/// Glows are translucent, but many hops over one edge stack them into an
/// opaque line of a packet's colour, and a failure label is a box of the
/// reset colour. So a pixel counts as a dot's only where a ring around it
/// of more than a glow's width is that same opaque colour too, and reset
/// red is not looked for. Should a click still find no packet, it steps on
/// and tries again, a few times, and says so.
fn canvas_click(session: &Session) -> Result<()> {
    // The centres of discs of opaque pixels in one of the packet colours
    // (both themes; see `palette::packet`), one per dot. The ring's radius
    // is 2.5 picture units: inside the 4-unit dots of SYNs, requests and
    // responses, and beyond the 1-unit half width of a glow or where two
    // glows cross (DNS dots, 2.5 units, are too small to be told from
    // that, and are not looked for).
    const FIND_DOTS: &str = "const colours = rgb(['d35400','f0a35e','1f6fd1','6fb1ff','1e8449','58d68d']);
         const colourAt = (x, y) => {
           if (x < 0 || y < 0 || x >= W || y >= H) return -1;
           const k = (y * W + x) * 4;
           return img[k + 3] < 254 ? -1 : like(k, colours, 24);
         };
         const R = 2.5 * W / 1000;
         const ring = [];
         for (let a = 0; a < 16; a++)
           ring.push([Math.round(R * Math.cos(a * Math.PI / 8)), Math.round(R * Math.sin(a * Math.PI / 8))]);
         const pts = window.__pts;
         for (let y = 0; y < H; y++)
           for (let x = 0; x < W; x++) {
             const k = colourAt(x, y);
             if (k < 0) continue;
             if (!ring.every(([dx, dy]) => colourAt(x + dx, y + dy) === k)) continue;
             // One point per dot.
             if (pts.some(([px, py]) => Math.abs(px - x) + Math.abs(py - y) < 4 * R)) continue;
             pts.push([x, y]);
           }
         return pts.length;";
    const ATTEMPTS: usize = 5;
    let mut steps = 0;
    let mut misses = Vec::new();
    for attempt in 1..=ATTEMPTS {
        let (dots, taken) = step_until_found(session, FIND_DOTS, 40)?;
        steps += taken;
        if dots == 0 {
            return Err(format!(
                "canvas click: no packet dot on the paused canvas after {steps} steps{}",
                tried_before(&misses)
            ));
        }
        let clicks = click_points(session, 0, dots, dots / 20)?;
        match inspected_request(session, Duration::from_secs(3)) {
            Ok(id) => {
                println!(
                    "canvas click: a packet dot on the paused canvas ({steps} step(s) to find one, {dots} dot(s), {clicks} clicks) opened request #{id}{}",
                    tried_before(&misses)
                );
                return Ok(());
            }
            Err(e) => {
                let at = session.execute(
                    "return JSON.stringify(window.__pts.slice(0, 8));",
                    json!([]),
                )?;
                misses.push(format!(
                    "attempt {attempt}: {dots} dot(s) at device pixels {}, {clicks} clicks: {e}",
                    at.as_str().unwrap_or("?")
                ));
                step(session)?;
                steps += 1;
            }
        }
    }
    Err(format!(
        "canvas click: clicks on packet dots opened nothing in {ATTEMPTS} attempts{}",
        tried_before(&misses)
    ))
}

/// The canvas clicks that opened nothing, for the test's output.
fn tried_before(misses: &[String]) -> String {
    if misses.is_empty() {
        String::new()
    } else {
        format!(" (after clicks that opened nothing: {})", misses.join("; "))
    }
}

/// Type a name in the DNS panel, run the lookup, and return the result.
fn lookup(session: &Session, name: &str) -> Result<Value> {
    super::set_value(session, "dns-name", name, "input")?;
    // Wait for the re-render that puts the typed name in the field's state
    // before submitting.
    wait_for(Duration::from_secs(5), "#dns-name to hold the name", || {
        let v = session.execute(
            "const i = document.getElementById('dns-name'); return i ? i.value : null;",
            json!([]),
        )?;
        Ok((v.as_str() == Some(name)).then_some(()))
    })?;
    session.execute(
        "const f = document.querySelector('#dns-panel form');
         f.requestSubmit(document.getElementById('dns-run'));
         return true;",
        json!([]),
    )?;
    let script = format!(
        "const r = document.getElementById('dns-result');
         if (!r || !r.querySelector('code') || !r.querySelector('code').textContent.includes('dig ' + {name:?} + ' ')) return null;
         return [...r.querySelectorAll('#dns-queries > li')].map(li => ({{
             rcode: li.dataset.rcode, last: li.dataset.final === 'true',
             q: li.querySelector('code').textContent,
             records: [...li.querySelectorAll('tr.dns-record')].map(t => ({{
                 type: t.dataset.type, text: t.innerText.replace(/\\s+/g, ' ') }})) }}));"
    );
    wait_js(session, &format!("the DNS answer for {name}"), 10, &script)
}

fn print_lookup(name: &str, queries: &Value) {
    println!("dig {name}:");
    for q in queries.as_array().into_iter().flatten() {
        println!(
            "  {} {}{}",
            q["q"].as_str().unwrap_or(""),
            q["rcode"].as_str().unwrap_or(""),
            if q["last"].as_bool() == Some(true) {
                " (answer)"
            } else {
                ""
            }
        );
        for r in q["records"].as_array().into_iter().flatten() {
            println!("    {}", r["text"].as_str().unwrap_or(""));
        }
    }
}

fn final_records(queries: &Value, kind: &str) -> usize {
    queries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|q| q["last"].as_bool() == Some(true))
        .flat_map(|q| q["records"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["type"].as_str() == Some(kind))
        .count()
}

/// Headless (several A records), ExternalName (a CNAME), and short names
/// going through the search path, from a client pod in `mixed`.
fn dns(session: &Session, out: &Path) -> Result<()> {
    println!("-- DNS panel (mixed)");
    super::load_scenario(session, "mixed")?;
    wait_js(
        session,
        "#dns-pod to list pods",
        10,
        "return document.querySelectorAll('#dns-pod option').length > 0;",
    )?;
    show(session, "dns-panel")?;

    let q = lookup(session, "database")?;
    print_lookup("database", &q);
    let a = final_records(&q, "A");
    if a < 2 {
        return Err(format!(
            "headless `database` answered {a} A record(s), expected several"
        ));
    }
    super::shot(session, out, "inspect-dns-headless");

    let q = lookup(session, "my-external-service")?;
    print_lookup("my-external-service", &q);
    if final_records(&q, "CNAME") == 0 {
        return Err("ExternalName `my-external-service` answered no CNAME".into());
    }
    super::shot(session, out, "inspect-dns-externalname");

    let q = lookup(session, "ms-service")?;
    print_lookup("ms-service", &q);
    let first = q[0]["q"].as_str().unwrap_or("");
    if !first.starts_with("ms-service.default.svc.cluster.local.") || final_records(&q, "A") != 1 {
        return Err(format!(
            "short name `ms-service` should expand to ms-service.default.svc.cluster.local. with one A record; got {q}"
        ));
    }
    let q = lookup(session, "ms-service.default")?;
    print_lookup("ms-service.default", &q);
    let qs = q.as_array().cloned().unwrap_or_default();
    let first_nx = qs
        .first()
        .is_some_and(|x| x["rcode"].as_str() == Some("NXDOMAIN"));
    if qs.len() < 2 || !first_nx || final_records(&q, "A") != 1 {
        return Err(format!(
            "short name `ms-service.default`: expected an NXDOMAIN from the first search domain, then one A record; got {q}"
        ));
    }
    super::shot(session, out, "inspect-dns-shortname");
    Ok(())
}
