//! Charts: success rate and p50/p99 latency over simulated time (plain SVG,
//! no charting crate: two polylines each cost almost nothing in the
//! bundle), and the A/B comparison of this run against the same seed with
//! one setting changed.

use crate::app::Action;
use crate::model::compare::{Comparison, Shared, Variation};
use crate::model::format;
use crate::model::format::coord;
use crate::model::series::Point;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::decimal::Fixed;
use svcsim_core::sim::Metrics;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    /// The last A/B result (or why it could not run).
    pub comparison: Option<Shared>,
    pub act: Callback<Action>,
}

const W: f64 = 300.0;
const H: f64 = 70.0;

/// `points="x,y x,y …"` for the values that exist, in chart coordinates.
fn polyline(pts: &[Point], span_ns: f64, y: impl Fn(&Point) -> Option<f64>) -> String {
    pts.iter()
        .filter_map(|p| {
            let v = y(p)?;
            let x = p.t.0 as f64 / span_ns * W;
            Some(format!(
                "{},{}",
                Fixed(x, 1),
                Fixed(H - v.clamp(0.0, 1.0) * H, 1)
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn over_time(s: &Snapshot) -> Html {
    let pts = &s.series;
    if pts.is_empty() {
        return html! { <p class="hint">{ "No request has finished yet." }</p> };
    }
    let span = (s.now.0.max(1)) as f64;
    let success = polyline(pts, span, |p| p.success_pct.map(|v| v / 100.0));
    // Latency on a log scale from 10 µs (or less) to the largest p99.
    let max = pts.iter().map(|p| p.p99_us).max().unwrap_or(1).max(10) as f64;
    let min = pts
        .iter()
        .filter(|p| p.requests > 0)
        .map(|p| p.p50_us.max(1))
        .min()
        .unwrap_or(1)
        .min(10) as f64;
    let scale = move |v: u64| {
        let (lo, hi) = (min.ln(), max.ln());
        Some(((v.max(1) as f64).ln() - lo) / (hi - lo).max(1e-9))
    };
    let lat = |q: fn(&Point) -> u64| {
        polyline(pts, span, |p| {
            (p.requests > 0).then(|| q(p)).and_then(scale)
        })
    };
    let worst = pts
        .iter()
        .filter_map(|p| p.success_pct)
        .fold(100.0_f64, f64::min);
    html! {
        <>
            <figure class="chart">
                <figcaption>{ format!("Success rate over time (lowest {}%)", Fixed(worst, 1)) }</figcaption>
                <svg id="chart-success" viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none"
                    role="img" aria-label={format!("Success rate per interval, lowest {}%", Fixed(worst, 1))}>
                    <line class="grid" x1="0" x2={coord(W)} y1="0" y2="0" />
                    <line class="grid" x1="0" x2={coord(W)} y1={coord(H / 2.0)} y2={coord(H / 2.0)} />
                    <polyline class="series ok" points={success} />
                </svg>
                <div class="axis"><span>{ "0 s" }</span><span>{ "100% at top" }</span><span>{ format::sim_time(s.now) }</span></div>
            </figure>
            <figure class="chart">
                <figcaption>
                    { "Latency over time (log scale): " }
                    <span class="key p50">{ "p50" }</span>{ " " }<span class="key p99">{ "p99" }</span>
                </figcaption>
                <svg id="chart-latency" viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none"
                    role="img" aria-label={format!("p50 and p99 latency per interval, up to {}", format::latency_us(max as u64))}>
                    <line class="grid" x1="0" x2={coord(W)} y1="0" y2="0" />
                    <polyline class="series p50" points={lat(|p| p.p50_us)} />
                    <polyline class="series p99" points={lat(|p| p.p99_us)} />
                </svg>
                <div class="axis"><span>{ format::latency_us(min as u64) }</span><span>{ format!("top {}", format::latency_us(max as u64)) }</span></div>
            </figure>
        </>
    }
}

fn ok_rate(m: &Metrics) -> String {
    if m.requests == 0 {
        return "–".into();
    }
    let ok = m.outcomes.get("ok").copied().unwrap_or(0);
    format!("{}%", Fixed(ok as f64 * 100.0 / m.requests as f64, 1))
}

/// Largest and smallest share of requests among the pods that served any.
fn spread(m: &Metrics) -> String {
    let counts: Vec<u64> = m.per_pod.values().map(|c| c.requests).collect();
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return "–".into();
    }
    let max = counts.iter().max().copied().unwrap_or(0) as f64 * 100.0 / total as f64;
    let min = counts.iter().min().copied().unwrap_or(0) as f64 * 100.0 / total as f64;
    format!(
        "{} pods, {}–{}%",
        counts.len(),
        Fixed(min, 0),
        Fixed(max, 0)
    )
}

/// Every failure reason with its count, most common first (at most four).
fn failures(m: &Metrics) -> String {
    let mut f: Vec<(&String, &u64)> = m
        .reasons
        .iter()
        .filter(|(k, _)| !k.starts_with("ok"))
        .collect();
    if f.is_empty() {
        return "none".into();
    }
    svcsim_core::order::sort_by(&mut f, |a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut out: Vec<String> = f
        .iter()
        .take(4)
        .map(|(k, n)| format!("{n} × {k}"))
        .collect();
    if f.len() > 4 {
        out.push(format!("… {} more reasons", f.len() - 4));
    }
    out.join("; ")
}

/// One row of the A/B table: its label and how to read it from metrics.
type Row = (&'static str, fn(&Metrics) -> String);

fn result(c: &Comparison) -> Html {
    let rows: [Row; 6] = [
        ("requests", |m| m.requests.to_string()),
        ("success", ok_rate),
        ("p50", |m| {
            format::latency_us(m.latency_us.quantile_permille(500))
        }),
        ("p99", |m| {
            format::latency_us(m.latency_us.quantile_permille(990))
        }),
        ("spread over pods", spread),
        ("failures", failures),
    ];
    html! {
        <>
            <table id="ab-result" class="ab">
                <caption>
                    { format!("{} · first {} of the run, same seed", c.variation.label(), format::sim_time(c.until)) }
                    if c.cut_short {
                        { " (stopped early to stay responsive)" }
                    }
                </caption>
                <thead><tr><th scope="col"></th><th scope="col">{ format!("A: {}", c.a.setting) }</th><th scope="col">{ format!("B: {}", c.b.setting) }</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|(name, f)| html! {
                        <tr><th scope="row">{ *name }</th><td>{ f(&c.a.metrics) }</td><td>{ f(&c.b.metrics) }</td></tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

#[function_component(Charts)]
pub fn charts(p: &Props) -> Html {
    let choice = use_state(|| Variation::ProxyMode);
    let on_pick = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Some(v) = Variation::from_id(&sel.value()) {
                choice.set(v);
            }
        })
    };
    let run = {
        let v = *choice;
        p.act.reform(move |_: MouseEvent| Action::Compare(v))
    };
    html! {
        <section class="charts" aria-label="Charts">
            <h3 class="sub">{ "Over time" }</h3>
            { over_time(&p.snap) }
            <h3 class="sub">{ "A/B: change one setting" }</h3>
            <div class="ab-controls">
                <label for="ab-variation">{ "Setting" }</label>
                <select id="ab-variation" onchange={on_pick}>
                    { for Variation::ALL.iter().map(|v| html! {
                        <option value={v.id()} selected={*v == *choice}>{ v.label() }</option>
                    }) }
                </select>
                <button type="button" id="ab-run" onclick={run}
                    title="Run this scenario twice up to now, with the same seed and interventions: as it is (A) and with the setting changed (B)">
                    { "Compare" }
                </button>
            </div>
            { match p.comparison.as_ref().map(|c| &*c.0) {
                None => html! { <p class="hint">{ "Runs the scenario twice from the start to the current time, off screen." }</p> },
                Some(Ok(c)) => result(c),
                Some(Err(msg)) => html! { <p class="hint error" id="ab-error">{ msg.clone() }</p> },
            } }
        </section>
    }
}
