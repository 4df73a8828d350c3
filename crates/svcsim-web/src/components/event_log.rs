//! The text log mirroring the animation: request outcomes with reasons, pod
//! state changes, Kubernetes events and commands. Filterable by text and by
//! kind, newest first, announced politely to screen readers. With
//! `prefers-reduced-motion` this is the main way to follow a run.

use crate::app::{Action, LogFilter};
use crate::model::format;
use crate::model::log::LogKind;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub text: String,
    pub filter: LogFilter,
    pub act: Callback<Action>,
}

/// Lines rendered at once; the log keeps more.
const SHOWN: usize = 150;

fn keep(kind: LogKind, f: LogFilter) -> bool {
    match f {
        LogFilter::All => true,
        LogFilter::Failures => matches!(
            kind,
            LogKind::Failed(_) | LogKind::Event { warning: true } | LogKind::Command
        ),
        LogFilter::Ok => kind == LogKind::Ok,
        LogFilter::Cluster => !matches!(kind, LogKind::Ok | LogKind::Failed(_)),
    }
}

pub fn event_log(p: &Props) -> Html {
    let on_text = p.act.reform(|e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Action::LogText(i.value())
    });
    let on_filter = p.act.reform(|e: Event| {
        let s: HtmlSelectElement = e.target_unchecked_into();
        Action::LogFilter(match s.value().as_str() {
            "failures" => LogFilter::Failures,
            "ok" => LogFilter::Ok,
            "cluster" => LogFilter::Cluster,
            _ => LogFilter::All,
        })
    });
    let needle = p.text.to_ascii_lowercase();
    let lines = p
        .snap
        .log
        .iter()
        .rev()
        .filter(|e| keep(e.kind, p.filter))
        .filter(|e| needle.is_empty() || e.text.to_ascii_lowercase().contains(&needle))
        .take(SHOWN);
    let opt = |v: &str, label: &str, f: LogFilter| {
        html! {
            <option value={v.to_string()} selected={p.filter == f}>{ label.to_string() }</option>
        }
    };
    html! {
        <section class="event-log" aria-label="Event log">
            <div class="log-controls">
                <h2>{ "Log" }</h2>
                <label for="log-filter" class="sr-only">{ "Filter log text" }</label>
                <input id="log-filter" type="search" placeholder="filter, e.g. REJECT or node-2"
                    value={p.text.clone()} oninput={on_text} />
                <label for="log-outcome" class="sr-only">{ "Which lines" }</label>
                <select id="log-outcome" onchange={on_filter}>
                    { opt("all", "everything", LogFilter::All) }
                    { opt("failures", "failures + commands", LogFilter::Failures) }
                    { opt("ok", "successful requests", LogFilter::Ok) }
                    { opt("cluster", "cluster changes", LogFilter::Cluster) }
                </select>
            </div>
            <ol id="event-log" class="log-lines" aria-live="polite" aria-relevant="additions">
                { for lines.map(|e| {
                    // Request lines open the request in the packet inspector.
                    let request = matches!(e.kind, LogKind::Ok | LogKind::Failed(_)).then_some(e.seq).flatten();
                    match request {
                        Some(seq) => {
                            let onclick = p.act.reform(move |_: MouseEvent| Action::InspectSeq(seq));
                            let act = p.act.clone();
                            let onkeydown = Callback::from(move |k: KeyboardEvent| {
                                if k.key() == "Enter" || k.key() == " " {
                                    k.prevent_default();
                                    act.emit(Action::InspectSeq(seq));
                                }
                            });
                            html! {
                                <li key={e.id} class={format!("log-{} log-request", e.kind.class())} role="button" tabindex="0"
                                    data-seq={seq.to_string()} title="Follow this request in the packet inspector" {onclick} {onkeydown}>
                                    <span class="log-t">{ format::sim_time_us(e.t) }</span>{ " " }{ e.text.clone() }
                                </li>
                            }
                        }
                        None => html! {
                            <li key={e.id} class={format!("log-{}", e.kind.class())}>
                                <span class="log-t">{ format::sim_time_us(e.t) }</span>{ " " }{ e.text.clone() }
                            </li>
                        },
                    }
                }) }
            </ol>
        </section>
    }
}
