//! NetworkPolicy in the browser: drawn policies, labelled drops, the reachability view (issue 8).
//!
//! Called from the tour in `tests/e2e.rs`; uses its helpers through `super`.
//! For both built-ins, `default-deny` and `wrong-port`: the policies are
//! drawn (`[data-policy]` halos in `#topology` and buttons in
//! `#policy-legend`), a request dropped by NetworkPolicy shows up in the
//! log with the policy's name, and selecting a backend pod opens
//! `#reach-view` with rows (`data-from`, `data-allowed`) that say what the
//! scenario teaches.

use super::webdriver::{wait_for, Result, Session};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// The two policies both scenarios apply in `default`.
const DENY_ALL: &str = "default/default-deny-ingress";
const ALLOW: &str = "default/allow-frontend-to-backend";

pub fn tour(session: &Session, out: &Path) -> Result<()> {
    default_deny(session, out).map_err(|e| format!("netpol default-deny: {e}"))?;
    wrong_port(session, out).map_err(|e| format!("netpol wrong-port: {e}"))?;
    // Leave the page as the next tour expects it: at the top.
    session.execute("window.scrollTo(0, 0);", json!([]))?;
    Ok(())
}

fn default_deny(session: &Session, out: &Path) -> Result<()> {
    println!("-- NetworkPolicy: default-deny");
    open(session, "default-deny")?;
    policies_drawn(session)?;
    let line = policy_drop_logged(session)?;
    println!("policy drop logged: {line}");
    super::shot(session, out, "netpol-default-deny-drop");
    select_policy(session, ALLOW, "TCP 8080")?;
    super::shot(session, out, "netpol-default-deny-policy");
    open_backend(session)?;
    let rows = reach_rows(session, 8080)?;
    expect_row(&rows, "default/frontend-", true)?;
    expect_row(&rows, "default/client-frontend", true)?;
    expect_row(&rows, "default/client-stray", false)?;
    expect_row(&rows, "kube-system/coredns", false)?;
    summary(&rows);
    scroll_to(session, "reach-view")?;
    super::shot(session, out, "netpol-default-deny-reach");
    Ok(())
}

fn wrong_port(session: &Session, out: &Path) -> Result<()> {
    println!("-- NetworkPolicy: wrong-port");
    open(session, "wrong-port")?;
    policies_drawn(session)?;
    let line = policy_drop_logged(session)?;
    println!("policy drop logged: {line}");
    super::shot(session, out, "netpol-wrong-port-drop");
    // The allow rule names the Service port, 80.
    select_policy(session, ALLOW, "TCP 80")?;
    open_backend(session)?;
    // On the backend's real port nothing is allowed in: that is the outage.
    let rows = reach_rows(session, 8080)?;
    expect_row(&rows, "default/frontend-", false)?;
    if let Some(r) = rows.iter().find(|r| r.allowed) {
        return Err(format!(
            "on 8080 nobody should reach the backend, but {} may",
            r.from
        ));
    }
    summary(&rows);
    scroll_to(session, "reach-view")?;
    super::shot(session, out, "netpol-wrong-port-reach-8080");
    // On port 80, which no packet uses after DNAT, the frontend would be let in.
    super::set_value(session, "reach-port", "80", "input")?;
    let rows = reach_rows(session, 80)?;
    expect_row(&rows, "default/frontend-", true)?;
    expect_row(&rows, "kube-system/coredns", false)?;
    summary(&rows);
    scroll_to(session, "reach-view")?;
    super::shot(session, out, "netpol-wrong-port-reach-80");
    Ok(())
}

/// Load the scenario at 10×, so the first connect timeout (5 s simulated)
/// comes within a second.
fn open(session: &Session, name: &str) -> Result<()> {
    session.execute("window.scrollTo(0, 0);", json!([]))?;
    super::load_scenario(session, name)?;
    super::set_speed(session, super::SPEED_10X)
}

/// Halos on the backends (both policies) and a legend button per policy.
fn policies_drawn(session: &Session) -> Result<()> {
    let v = wait_for(
        Duration::from_secs(10),
        "NetworkPolicy halos and legend",
        || {
            let v = session.execute(
                "const halos = [...document.querySelectorAll('#topology [data-policy]')];
                 const chips = [...document.querySelectorAll('#policy-legend [data-policy]')];
                 const ids = [...new Set(halos.map(h => h.getAttribute('data-policy')))].sort();
                 return { halos: halos.length, chips: chips.map(c => c.getAttribute('data-policy')), ids };",
                json!([]),
            )?;
            Ok((v["halos"].as_u64().unwrap_or(0) > 0).then_some(v))
        },
    )?;
    let has = |list: &Value, id: &str| {
        list.as_array()
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(id)))
    };
    for id in [DENY_ALL, ALLOW] {
        if !has(&v["ids"], id) || !has(&v["chips"], id) {
            return Err(format!("policy {id} is not drawn: {v}"));
        }
    }
    println!(
        "policies drawn: {} halos for {}, legend {}",
        v["halos"], v["ids"], v["chips"]
    );
    Ok(())
}

/// A failed request in the log whose line names the policies.
fn policy_drop_logged(session: &Session) -> Result<String> {
    wait_for(
        Duration::from_secs(60),
        "a `DROP: NetworkPolicy` line in #event-log",
        || {
            let v = session.execute(
                "const l = [...document.querySelectorAll('#event-log li.log-fail')]
                   .find(li => li.textContent.includes('DROP: NetworkPolicy'));
                 return l ? l.textContent : null;",
                json!([]),
            )?;
            Ok(v.as_str().map(str::to_string))
        },
    )
    .and_then(|line| {
        if line.contains(DENY_ALL) && line.contains("no ingress rule allows TCP 8080") {
            Ok(line)
        } else {
            Err(format!("the drop line does not name the policy: {line}"))
        }
    })
}

/// Press the policy's legend button: `#policy-view` opens on it and its
/// rule reads `want`.
fn select_policy(session: &Session, id: &str, want: &str) -> Result<()> {
    super::click(session, &format!("#policy-legend [data-policy=\"{id}\"]"))?;
    let text = wait_for(Duration::from_secs(10), "#policy-view to open", || {
        let v = session.execute(
            "const v = document.querySelector('#policy-view[data-policy=\"' + arguments[0] + '\"]');
             return v ? v.textContent : null;",
            json!([id]),
        )?;
        Ok(v.as_str().map(str::to_string))
    })?;
    if !text.contains(want) {
        return Err(format!(
            "#policy-view for {id} does not mention {want}: {text}"
        ));
    }
    let selected = session.execute(
        "return document.querySelectorAll('#topology .policy-halo.selected[data-policy=\"' + arguments[0] + '\"]').length;",
        json!([id]),
    )?;
    if selected.as_u64().unwrap_or(0) == 0 {
        return Err(format!("no highlighted halo for {id}"));
    }
    println!(
        "policy view: {}",
        text.chars().take(160).collect::<String>()
    );
    Ok(())
}

fn open_backend(session: &Session) -> Result<()> {
    super::click_when_there(session, "#topology [data-pod^=\"default/backend-\"]")
}

struct Row {
    from: String,
    allowed: bool,
    egress: String,
    ingress: String,
}

/// The rows of `#reach-view`, once it shows `port`.
fn reach_rows(session: &Session, port: u16) -> Result<Vec<Row>> {
    let v = wait_for(
        Duration::from_secs(10),
        &format!("#reach-view rows for port {port}"),
        || {
            let v = session.execute(
                "const v = document.getElementById('reach-view');
                 const p = document.getElementById('reach-port');
                 if (!v || !p || p.value !== String(arguments[0])) return null;
                 const rows = [...v.querySelectorAll('tr[data-from]')].map(tr => ({
                   from: tr.getAttribute('data-from'),
                   allowed: tr.getAttribute('data-allowed') === 'true',
                   egress: (tr.querySelector('[data-side=egress]') || {}).textContent || '',
                   ingress: (tr.querySelector('[data-side=ingress]') || {}).textContent || '',
                 }));
                 return rows.length ? rows : null;",
                json!([port]),
            )?;
            Ok((!v.is_null()).then_some(v))
        },
    )?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|r| Row {
            from: r["from"].as_str().unwrap_or("").to_string(),
            allowed: r["allowed"].as_bool().unwrap_or(false),
            egress: r["egress"].as_str().unwrap_or("").to_string(),
            ingress: r["ingress"].as_str().unwrap_or("").to_string(),
        })
        .collect())
}

/// The first row whose source starts with `prefix` has verdict `allowed`.
fn expect_row(rows: &[Row], prefix: &str, allowed: bool) -> Result<()> {
    let r = rows
        .iter()
        .find(|r| r.from.starts_with(prefix))
        .ok_or_else(|| format!("no #reach-view row from {prefix}*"))?;
    if r.allowed != allowed {
        return Err(format!(
            "{} → backend: expected {}, the view says {} (egress: {}; ingress: {})",
            r.from,
            if allowed { "allowed" } else { "denied" },
            if r.allowed { "allowed" } else { "denied" },
            r.egress,
            r.ingress
        ));
    }
    Ok(())
}

fn summary(rows: &[Row]) {
    let allowed = rows.iter().filter(|r| r.allowed).count();
    println!(
        "#reach-view: {allowed} allowed, {} denied; e.g. {}",
        rows.len() - allowed,
        rows.iter()
            .take(3)
            .map(|r| format!(
                "{} {} [{} | {}]",
                r.from,
                if r.allowed { "✓" } else { "✗" },
                r.egress,
                r.ingress
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

fn scroll_to(session: &Session, id: &str) -> Result<()> {
    session.execute(
        "const e = document.getElementById(arguments[0]); if (e) e.scrollIntoView({block: 'center'});",
        json!([id]),
    )?;
    Ok(())
}
