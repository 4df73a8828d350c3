//! The YAML editor, share links, autosave and lessons (issue 7).
//!
//! Called from the tour in `tests/e2e.rs`; uses its helpers through `super`.
//! In order: an invalid edit shows an inline error (gutter mark, list
//! entry with line:col that jumps there); a reload restores the edit; a
//! valid edit applied changes the running sim; the linter panel; a share
//! link reproduces the same counters in a fresh browser profile; a
//! fragment of random bytes gets a clear message and no crash; markup in
//! names, labels and the caption never executes; one lesson completed and
//! the Service-type helper answered.

use super::webdriver::{wait_for, Result, Session};
use super::{click, click_when_there, count, load_scenario, set_speed, shot, SPEED_10X};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const XSS: &str = "<img src=x onerror=alert(1)>";

pub fn tour(
    session: &Session,
    out: &Path,
    url: &str,
    open: &dyn Fn(&str) -> Result<Session>,
) -> Result<()> {
    println!("-- workbench: YAML editor");
    open_scenario(session, "clusterip")?;
    click(session, "#wb-tab-yaml")?;
    let text = editor_text(session)?;
    if !text.contains("kind: Scenario") || !text.contains("replicas: 3") {
        return Err(format!(
            "#yaml-text does not show the clusterip scenario:\n{text}"
        ));
    }
    invalid_edit(session, out, &text)?;
    reload_restores(session, url)?;
    let pods = apply_edit(session, out)?;
    download_and_upload(session)?;
    lint_panel(session, out)?;
    share_link(session, out, open, pods)?;
    hostile_fragment(session, out, url)?;
    xss(session, out)?;
    lesson(session, out)?;
    Ok(())
}

/// Scroll the workbench into view, then take a screenshot.
fn panel_shot(session: &Session, out: &Path, name: &str) -> Result<()> {
    js(
        session,
        "const w = document.querySelector('.workbench'); if (w) w.scrollIntoView({ block: 'end' });",
        json!([]),
    )?;
    shot(session, out, name);
    js(session, "window.scrollTo(0, 0);", json!([]))?;
    Ok(())
}

fn js(session: &Session, script: &str, args: Value) -> Result<Value> {
    session.execute(script, args)
}

/// Load a built-in even when it is the one showing (`load_scenario`
/// waits for the caption to change).
fn open_scenario(session: &Session, name: &str) -> Result<()> {
    let current = js(
        session,
        "return document.getElementById('scenario').value;",
        json!([]),
    )?;
    if current.as_str() == Some(name) {
        load_scenario(
            session,
            if name == "nodeport" {
                "clusterip"
            } else {
                "nodeport"
            },
        )?;
    }
    load_scenario(session, name)
}

fn editor_text(session: &Session) -> Result<String> {
    let v = js(
        session,
        "const t = document.getElementById('yaml-text'); return t ? t.value : null;",
        json!([]),
    )?;
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| "no #yaml-text".to_string())
}

/// Type into the editor: set the value and fire the input event a
/// keystroke fires.
fn type_text(session: &Session, text: &str) -> Result<()> {
    js(
        session,
        "const t = document.getElementById('yaml-text');
         t.value = arguments[0];
         t.dispatchEvent(new InputEvent('input', { bubbles: true }));",
        json!([text]),
    )?;
    Ok(())
}

fn status(session: &Session) -> Result<String> {
    let v = js(
        session,
        "const s = document.getElementById('yaml-status'); return s ? s.textContent : '';",
        json!([]),
    )?;
    Ok(v.as_str().unwrap_or("").to_string())
}

fn wait_status(session: &Session, want: &str) -> Result<String> {
    wait_for(
        Duration::from_secs(10),
        &format!("#yaml-status to say `{want}`"),
        || Ok(Some(status(session)?).filter(|s| s.contains(want))),
    )
}

fn workload_pods(session: &Session) -> Result<u64> {
    let v = js(
        session,
        "return [...document.querySelectorAll('g.pod[data-pod]')]
           .filter(g => !g.classList.contains('client') && !g.classList.contains('system')).length;",
        json!([]),
    )?;
    Ok(v.as_u64().unwrap_or(0))
}

fn invalid_edit(session: &Session, out: &Path, text: &str) -> Result<()> {
    let bad = text.replacen("replicas: 3", "replicas: three", 1);
    type_text(session, &bad)?;
    let st = wait_status(session, "error")?;
    let line = bad
        .lines()
        .position(|l| l.contains("replicas: three"))
        .map(|i| i + 1)
        .ok_or("the edit went missing")?;
    let v = js(
        session,
        "const li = document.querySelector('#yaml-diags li.diag-error');
         const g = document.querySelector('.yaml-gutter .gutter-err');
         return { where: li ? li.querySelector('.diag-jump').textContent : null,
                  text: li ? li.textContent : null,
                  gutter: g ? g.textContent : null,
                  apply: document.getElementById('yaml-apply').disabled };",
        json!([]),
    )?;
    let at = v["where"].as_str().unwrap_or("");
    println!(
        "invalid edit: {st}; first error at {at}: {}",
        v["text"].as_str().unwrap_or("")
    );
    if !at.starts_with(&format!("{line}:")) {
        return Err(format!(
            "the error is placed at {at}, expected line {line}: {v}"
        ));
    }
    if !v["gutter"]
        .as_str()
        .unwrap_or("")
        .contains(&line.to_string())
    {
        return Err(format!("no gutter mark on line {line}: {v}"));
    }
    if v["apply"].as_bool() != Some(true) {
        return Err("Apply stays enabled on invalid YAML".into());
    }
    // The list entry jumps to the place.
    click(session, "#yaml-diags li.diag-error .diag-jump")?;
    let sel = js(
        session,
        "const t = document.getElementById('yaml-text');
         return { focused: document.activeElement === t,
                  line: t.value.slice(0, t.selectionStart).split('\\n').length };",
        json!([]),
    )?;
    if sel["focused"].as_bool() != Some(true) || sel["line"].as_u64() != Some(line as u64) {
        return Err(format!(
            "jumping to the error did not select line {line}: {sel}"
        ));
    }
    panel_shot(session, out, "wb-yaml-error")?;
    // The edit is kept, errors and all.
    if editor_text(session)? != bad {
        return Err("the invalid text was not kept in the editor".into());
    }
    Ok(())
}

fn reload_restores(session: &Session, url: &str) -> Result<()> {
    println!("-- workbench: reload keeps the edit");
    session.goto("about:blank")?;
    session.goto(url)?;
    let text = wait_for(
        Duration::from_secs(60),
        "#yaml-text after the reload",
        || {
            let v = js(
                session,
                "const t = document.getElementById('yaml-text'); return t ? t.value : null;",
                json!([]),
            )?;
            Ok(v.as_str().map(str::to_string))
        },
    )?;
    if !text.contains("replicas: three") {
        return Err("the reload lost the edit (no `replicas: three` in #yaml-text)".into());
    }
    let note = js(
        session,
        "return !!document.getElementById('yaml-restored');",
        json!([]),
    )?;
    if note.as_bool() != Some(true) {
        return Err("the restored edit is not announced (#yaml-restored)".into());
    }
    wait_status(session, "error")?;
    println!("the edit survived the reload, with its error");
    Ok(())
}

/// Apply a valid edit: 5 replicas instead of 3; the topology grows.
fn apply_edit(session: &Session, out: &Path) -> Result<u64> {
    println!("-- workbench: apply a valid edit");
    open_scenario(session, "clusterip")?;
    // The kept edit does not follow the picker; Revert takes the running
    // scenario's text.
    click(session, "#yaml-reset")?;
    let text = editor_text(session)?;
    if !text.contains("replicas: 3") {
        return Err(format!("Revert did not show clusterip's YAML:\n{text}"));
    }
    type_text(session, &text.replacen("replicas: 3", "replicas: 5", 1))?;
    wait_status(session, "valid")?;
    let before = workload_pods(session)?;
    click(session, "#yaml-apply")?;
    let after = wait_for(
        Duration::from_secs(30),
        "the applied Deployment to grow to 5 pods",
        || Ok(Some(workload_pods(session)?).filter(|&n| n >= before + 2)),
    )?;
    println!("applied: {before} → {after} workload pods");
    panel_shot(session, out, "wb-yaml-applied")?;
    Ok(after)
}

/// Download hands the editor's text to the browser as `scenario.yaml`;
/// Upload reads a file into the editor. The browser's side is stood in for:
/// `URL.createObjectURL` keeps the Blob the page makes, the anchor's click
/// records its file name instead of saving, and the upload is a `File` put
/// on the input as a file chooser would.
fn download_and_upload(session: &Session) -> Result<()> {
    println!("-- workbench: download and upload");
    let text = editor_text(session)?;
    js(
        session,
        "window.__blobs = [];
         window.__saved = [];
         window.__make = URL.createObjectURL;
         window.__click = HTMLAnchorElement.prototype.click;
         URL.createObjectURL = b => { window.__blobs.push(b); return window.__make.call(URL, b); };
         HTMLAnchorElement.prototype.click = function () {
           if (this.download) { window.__saved.push(this.download); return; }
           return window.__click.call(this);
         };",
        json!([]),
    )?;
    click(session, "#yaml-download")?;
    let got = session.execute_async(
        "const done = arguments[arguments.length - 1];
         URL.createObjectURL = window.__make;
         HTMLAnchorElement.prototype.click = window.__click;
         const b = window.__blobs[0];
         if (!b) { done({ error: 'no Blob was made' }); return; }
         b.text().then(t => done({ text: t, type: b.type, saved: window.__saved }),
                       e => done({ error: String(e) }));",
        json!([]),
    )?;
    if let Some(e) = got["error"].as_str() {
        return Err(format!("Download: {e}"));
    }
    if got["text"].as_str() != Some(text.as_str()) || got["saved"] != json!(["scenario.yaml"]) {
        return Err(format!(
            "Download did not save the editor's text as scenario.yaml: {}",
            json!({ "type": got["type"], "saved": got["saved"], "bytes": got["text"].as_str().map(str::len) })
        ));
    }
    println!(
        "download: scenario.yaml, {} bytes of {}, the editor's text",
        text.len(),
        got["type"].as_str().unwrap_or("?")
    );

    let uploaded = format!("# uploaded from a file\n{text}");
    let choose_file = || {
        js(
            session,
            "const i = document.getElementById('yaml-upload');
             const dt = new DataTransfer();
             dt.items.add(new File([arguments[0]], 'uploaded.yaml', { type: 'text/yaml' }));
             i.files = dt.files;
             i.dispatchEvent(new Event('change', { bubbles: true }));",
            json!([uploaded]),
        )
    };
    let seen = std::cell::RefCell::new((String::new(), String::new()));
    let shown = || {
        let note = js(
            session,
            "const n = document.getElementById('yaml-note'); return n ? n.textContent : '';",
            json!([]),
        )?;
        let note = note.as_str().unwrap_or("").to_string();
        let now = editor_text(session)?;
        let ok = now == uploaded && note.contains("uploaded.yaml");
        *seen.borrow_mut() = (now.lines().next().unwrap_or("").to_string(), note.clone());
        Ok(ok.then_some(note))
    };
    choose_file()?;
    // One run in six saw the first change event come to nothing, with no
    // trace of why (that run had no diagnostics yet): choose the file once
    // more before failing, and say so in the output.
    let note = match wait_for(
        Duration::from_secs(5),
        "the uploaded file in the editor",
        shown,
    ) {
        Ok(note) => note,
        Err(_) => {
            println!("upload: nothing after the first change event; choosing the file again");
            choose_file()?;
            wait_for(
                Duration::from_secs(10),
                "the uploaded file in the editor",
                shown,
            )
            .map_err(|e| {
                let (first, note) = seen.borrow().clone();
                format!("{e} (the editor's first line: {first:?}; its note: {note:?})")
            })?
        }
    };
    println!("upload: {note}");
    // Back to the applied edit for the steps after this one.
    type_text(session, &text)?;
    wait_status(session, "valid")?;
    Ok(())
}

fn lint_panel(session: &Session, out: &Path) -> Result<()> {
    click(session, "#wb-tab-lint")?;
    let rules = js(
        session,
        "return [...document.querySelectorAll('#lint-list .lint-item')].map(li => li.dataset.rule);",
        json!([]),
    )?;
    println!("lint: {rules}");
    if !rules.to_string().contains("no-network-policy") {
        return Err(format!(
            "the linter misses no-network-policy on clusterip: {rules}"
        ));
    }
    panel_shot(session, out, "wb-lint")?;
    Ok(())
}

fn counters(session: &Session) -> Result<(u64, u64, String)> {
    let now = js(
        session,
        "const t = document.getElementById('clock');
         return t ? t.textContent : '';",
        json!([]),
    )?;
    Ok((
        count(session, "requests")?.ok_or("no #requests")?,
        count(session, "trace-count")?.ok_or("no #trace-count")?,
        now.as_str().unwrap_or("").to_string(),
    ))
}

fn share_link(
    session: &Session,
    out: &Path,
    open: &dyn Fn(&str) -> Result<Session>,
    pods: u64,
) -> Result<()> {
    println!("-- workbench: share link in a fresh profile");
    set_speed(session, SPEED_10X)?;
    // Let it run past the apply, then pause on a moment.
    let r = count(session, "requests")?.unwrap_or(0);
    super::wait_count_above(session, "requests", r + 50, 60)?;
    let playing = js(
        session,
        "return document.getElementById('play').getAttribute('aria-pressed');",
        json!([]),
    )?;
    if playing.as_str() == Some("true") {
        click(session, "#play")?;
    }
    // The snapshot refreshes a few times a second; wait for it to settle.
    let here = wait_for(Duration::from_secs(5), "the counters to settle", || {
        let a = counters(session)?;
        std::thread::sleep(Duration::from_millis(400));
        let b = counters(session)?;
        Ok((a == b).then_some(a))
    })?;
    click(session, "#wb-tab-share")?;
    click(session, "#share-make")?;
    let link = wait_for(Duration::from_secs(5), "#share-url", || {
        let v = js(
            session,
            "const i = document.getElementById('share-url'); return i ? i.value : null;",
            json!([]),
        )?;
        Ok(v.as_str().map(str::to_string))
    })?;
    println!(
        "link of {} characters for {here:?}: {}…",
        link.len(),
        &link[..link.len().min(90)]
    );
    panel_shot(session, out, "wb-share")?;
    let fresh = open("share")?;
    fresh.goto(&link)?;
    let there = wait_for(
        Duration::from_secs(60),
        "the shared page to start",
        || match (count(&fresh, "requests")?, count(&fresh, "trace-count")?) {
            (Some(_), Some(_)) => Ok(Some(counters(&fresh)?)),
            _ => Ok(None),
        },
    )?;
    let fresh_pods = workload_pods(&fresh)?;
    shot(&fresh, out, "wb-share-opened");
    let errors = js(&fresh, "return window.__e2eErrors || [];", json!([]))?;
    drop(fresh);
    println!("fresh profile shows {there:?}, {fresh_pods} workload pods");
    if there != here {
        return Err(format!(
            "the share link did not reproduce the moment: {here:?} here, {there:?} in the fresh profile"
        ));
    }
    if fresh_pods != pods {
        return Err(format!(
            "the shared page has {fresh_pods} workload pods, the original {pods}"
        ));
    }
    if errors.as_array().is_some_and(|a| !a.is_empty()) {
        return Err(format!("the shared page threw: {errors}"));
    }
    click(session, "#play")?;
    Ok(())
}

fn hostile_fragment(session: &Session, out: &Path, url: &str) -> Result<()> {
    println!("-- workbench: a fragment of random bytes");
    let mut x = 0x2545_f491_u32;
    let junk: String = (0..300)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            format!("%{:02X}", x as u8)
        })
        .collect();
    for (label, frag) in [
        ("random", junk),
        ("bad-share", "share=AAAA_not-a-link-Zm9v".to_string()),
    ] {
        session.goto("about:blank")?;
        session.goto(&format!("{}#{frag}", url.trim_end_matches('#')))?;
        let msg = wait_for(Duration::from_secs(60), "#error-banner", || {
            let v = js(
                session,
                "const b = document.getElementById('error-banner'); return b ? b.textContent : null;",
                json!([]),
            )?;
            Ok(v.as_str().map(str::to_string))
        })?;
        println!("{label} fragment: {msg}");
        if !msg.contains("share link could not be opened") || !msg.contains("default scenario") {
            return Err(format!("unclear message for a broken fragment: {msg}"));
        }
        // The page runs the default scenario.
        let c = count(session, "trace-count")?.unwrap_or(0);
        super::wait_count_above(session, "trace-count", c, 30)?;
        let errors = js(session, "return window.__e2eErrors || [];", json!([]))?;
        if errors.as_array().is_some_and(|a| !a.is_empty()) {
            return Err(format!("the page threw on a {label} fragment: {errors}"));
        }
        shot(session, out, &format!("wb-fragment-{label}"));
    }
    session.goto("about:blank")?;
    session.goto(url)?;
    wait_for(Duration::from_secs(60), "the page to start again", || {
        count(session, "trace-count")
    })?;
    Ok(())
}

const HOOKS: &str = "
window.__xss = 0;
window.alert = () => { window.__xss++; };
window.__imgs = 0;
new MutationObserver(ms => { for (const m of ms) for (const n of m.addedNodes)
  if (n.nodeType === 1 && (n.tagName === 'IMG' || n.querySelector('img'))) window.__imgs++; })
  .observe(document.body, { subtree: true, childList: true });
document.addEventListener('error', e => { if (e.target && e.target.tagName === 'IMG') window.__xss++; }, true);";

fn xss_state(session: &Session) -> Result<Value> {
    js(
        session,
        "return { xss: window.__xss, imgs: window.__imgs,
                  found: document.querySelectorAll('img').length };",
        json!([]),
    )
}

fn xss(session: &Session, out: &Path) -> Result<()> {
    println!("-- workbench: markup in user text never runs");
    js(session, HOOKS, json!([]))?;
    click(session, "#wb-tab-yaml")?;
    // Invalid: a pod name and a label value the API server refuses.
    let bad = format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: \"{XSS}\"
  labels:
    app: \"{XSS}\"
spec:
  containers:
  - name: web
    image: nginx
"
    );
    type_text(session, &bad)?;
    wait_status(session, "error")?;
    let shown = js(
        session,
        "return [...document.querySelectorAll('#yaml-diags li')].map(li => li.textContent).join('\\n');",
        json!([]),
    )?;
    let shown = shown.as_str().unwrap_or("");
    println!("diagnostics:\n{shown}");
    if !shown.contains("metadata.name") || !shown.contains("metadata.labels") {
        return Err(format!(
            "expected the API server's errors on metadata.name and the label: {shown}"
        ));
    }
    if !shown.contains(XSS) {
        return Err(format!("the refused value is not shown as text: {shown}"));
    }
    click(session, "#yaml-apply")?;
    panel_shot(session, out, "wb-xss-invalid")?;
    // Valid: the same markup as the scenario's caption, run.
    click(session, "#yaml-reset")?;
    let valid = with_caption(&editor_text(session)?, &format!("{XSS} caption"));
    type_text(session, &valid)?;
    wait_status(session, "valid")?;
    click(session, "#yaml-run")?;
    let caption = wait_for(
        Duration::from_secs(10),
        "the caption to show the markup",
        || {
            let v = js(
                session,
                "const c = document.getElementById('caption'); return c ? c.textContent : '';",
                json!([]),
            )?;
            Ok(v.as_str().filter(|c| c.contains(XSS)).map(str::to_string))
        },
    )?;
    println!("caption shown as text: {caption}");
    let st = xss_state(session)?;
    println!("xss hooks: {st}");
    if st["xss"].as_u64() != Some(0)
        || st["imgs"].as_u64() != Some(0)
        || st["found"].as_u64() != Some(0)
    {
        return Err(format!("markup from user text reached the DOM: {st}"));
    }
    shot(session, out, "wb-xss-caption");
    Ok(())
}

/// `text` with its Scenario caption (a folded block) replaced.
fn with_caption(text: &str, caption: &str) -> String {
    let mut out = String::new();
    let mut skip = false;
    for l in text.lines() {
        if l.starts_with("  caption:") {
            out += &format!("  caption: \"{caption}\"\n");
            skip = true;
            continue;
        }
        if skip && l.starts_with("    ") {
            continue;
        }
        skip = false;
        out += l;
        out.push('\n');
    }
    out
}

fn lesson(session: &Session, out: &Path) -> Result<()> {
    println!("-- workbench: a lesson");
    click(session, "#wb-tab-lessons")?;
    click_when_there(session, "#lesson-start-why-services")?;
    wait_for(
        Duration::from_secs(10),
        "the lesson to open clusterip",
        || {
            let v = js(
                session,
                "return document.getElementById('scenario').value;",
                json!([]),
            )?;
            Ok((v.as_str() == Some("clusterip")).then_some(()))
        },
    )?;
    super::set_speed(session, super::SPEED_1X)?;
    super::wait_count_above(session, "requests", 10, 60)?;
    let pod = super::ready_workload_pod(session)?;
    click(session, &format!("g.pod[data-pod=\"{pod}\"]"))?;
    click_when_there(session, "#act-kill")?;
    set_speed(session, SPEED_10X)?;
    wait_for(Duration::from_secs(60), "#lesson-done", || {
        let v = js(
            session,
            "return !!document.getElementById('lesson-done');",
            json!([]),
        )?;
        Ok(v.as_bool().filter(|&b| b))
    })?;
    println!("lesson why-services complete after deleting {pod}");
    panel_shot(session, out, "wb-lesson")?;
    // The helper: inside only, not external, no per-pod addresses.
    for _ in 0..3 {
        click_when_there(session, "#choose-no")?;
    }
    let answer = js(
        session,
        "const a = document.getElementById('chooser-answer'); return a ? a.textContent : '';",
        json!([]),
    )?;
    if !answer.as_str().unwrap_or("").contains("ClusterIP") {
        return Err(format!(
            "the helper answered {answer} for an internal Service"
        ));
    }
    click(session, "#choose-open")?;
    panel_shot(session, out, "wb-chooser")?;
    Ok(())
}
