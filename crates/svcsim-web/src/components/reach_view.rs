//! "Who can reach this pod?": for the selected pod and one of its ports,
//! every other pod, grouped by namespace, with NetworkPolicy's verdict on a
//! new connection from it, and what decided each direction (egress at the
//! source, ingress at this pod).
//!
//! The verdicts are the core's (`PolicyIndex::evaluate`, the function
//! `svcsim reach` and the simulated data path use), through
//! [`crate::model::netpol::Policies::who_can_reach`]. The port is the
//! pod's own port, as policy sees a connection after kube-proxy's DNAT; it
//! starts at the pod's first declared container port.
//!
//! Hooks: `#reach-view`, `#reach-port`, `#reach-proto`, and one row per
//! source pod with `data-from="ns/name"` and `data-allowed`.

use crate::app::Selection;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::net::Protocol;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub selection: Option<Selection>,
}

/// The port being asked about, and for which pod it was chosen: choosing
/// another pod starts again from that pod's first port.
#[derive(Clone, Debug, PartialEq)]
struct Choice {
    pod: String,
    port: u16,
    proto: Protocol,
}

const PROTOCOLS: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

/// The source side varies by row, so a denial there names its policies.
fn egress_words(s: &crate::model::netpol::Side) -> String {
    if s.allowed || s.isolated_by.is_empty() {
        s.decided_by.clone()
    } else {
        format!("no rule in {} allows", s.isolated_by.join(", "))
    }
}

#[function_component(ReachView)]
pub fn reach_view(p: &Props) -> Html {
    let choice = use_state(|| None::<Choice>);
    let Some(Selection::Pod(key)) = p.selection.clone() else {
        return html! {};
    };
    let pols = &p.snap.policies;
    let short = key
        .split_once('/')
        .map_or(key.as_str(), |(_, n)| n)
        .to_string();
    let head = html! { <h2>{ "Who can reach this pod?" }</h2> };
    if pols.is_empty() {
        return html! {
            <section class="reach-view" id="reach-view" aria-label="Who can reach this pod?">
                { head }
                <p class="hint">{ format!("No NetworkPolicy exists, so no pod is isolated: every pod can open connections to {short} on any port.") }</p>
            </section>
        };
    }
    let ports = pols.ports(&key);
    let (port, proto) = match choice.as_ref() {
        Some(c) if c.pod == key => (c.port, c.proto),
        _ => ports
            .first()
            .map_or((80, Protocol::Tcp), |pp| (pp.port, pp.proto)),
    };
    let Some(rows) = pols.who_can_reach(&key, port, proto) else {
        return html! {
            <section class="reach-view" id="reach-view" aria-label="Who can reach this pod?">
                { head }
                <p class="hint">{ format!("pod {key} is gone.") }</p>
            </section>
        };
    };

    let set = {
        let choice = choice.clone();
        let key = key.clone();
        Callback::from(move |(port, proto): (u16, Protocol)| {
            choice.set(Some(Choice {
                pod: key.clone(),
                port,
                proto,
            }))
        })
    };
    let on_port = set.reform(move |e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        // An unfinished number keeps the last good port.
        let n = i.value().trim().parse::<u16>().ok().filter(|n| *n != 0);
        (n.unwrap_or(port), proto)
    });
    let on_proto = set.reform(move |e: Event| {
        let s: HtmlSelectElement = e.target_unchecked_into();
        (port, Protocol::parse(&s.value()).unwrap_or(proto))
    });
    let declared = ports.iter().map(|pp| {
        let (n, pr) = (pp.port, pp.proto);
        let pick = set.reform(move |_: MouseEvent| (n, pr));
        let current = n == port && pr == proto;
        let label = match &pp.name {
            Some(name) => format!("{n}/{pr} ({name})", pr = pr.as_str()),
            None => format!("{n}/{}", pr.as_str()),
        };
        html! {
            <button type="button" class={classes!("reach-declared", current.then_some("current"))}
                aria-pressed={current.to_string()} onclick={pick}
                title="A port this pod's containers declare">{ label }</button>
        }
    });

    let allowed = rows.iter().filter(|r| r.allowed).count();
    // Every row's ingress side is this pod, so its isolation is said once.
    let isolation = match rows.first().map(|r| &r.ingress.isolated_by) {
        Some(by) if !by.is_empty() => format!(
            "Its ingress is isolated by {}: only what their rules allow gets in.",
            by.join(", ")
        ),
        Some(_) => "No policy isolates its ingress: anyone may connect unless their own egress policy says no.".to_string(),
        None => String::new(),
    };
    let mut body = Vec::new();
    let mut last_ns = None;
    for r in &rows {
        if last_ns != Some(r.namespace.as_str()) {
            last_ns = Some(r.namespace.as_str());
            body.push(html! {
                <tr class="reach-ns"><th colspan="2" scope="rowgroup">{ format!("namespace {}", r.namespace) }</th></tr>
            });
        }
        let (mark, verdict) = if r.allowed {
            ("✓", "allowed")
        } else {
            ("✗", "denied")
        };
        body.push(html! {
            <tr class={if r.allowed { "reach-allow" } else { "reach-deny" }}
                data-from={r.from.clone()} data-allowed={r.allowed.to_string()}>
                <th scope="row" title={format!("{} → {key} {}/{port}: {verdict}", r.from, proto.as_str())}>
                    <span class="reach-mark" aria-label={verdict}>{ mark }</span>{ " " }{ r.name.clone() }
                </th>
                <td>
                    <span class={classes!("side", if r.egress.allowed { "side-allow" } else { "side-deny" })}
                        data-side="egress" title={r.egress.why.clone()}>
                        { format!("egress: {}", egress_words(&r.egress)) }
                    </span>
                    <span class={classes!("side", if r.ingress.allowed { "side-allow" } else { "side-deny" })}
                        data-side="ingress" title={r.ingress.why.clone()}>
                        { format!("ingress: {}", r.ingress.decided_by) }
                    </span>
                </td>
            </tr>
        });
    }

    html! {
        <section class="reach-view" id="reach-view" data-pod-key={key.clone()} aria-label="Who can reach this pod?">
            { head }
            <div class="reach-controls">
                <label for="reach-port">{ "Port" }</label>
                <input id="reach-port" type="number" min="1" max="65535" step="1"
                    value={port.to_string()} oninput={on_port}
                    title="The pod's own (target) port: policy judges connections after kube-proxy's DNAT" />
                <label for="reach-proto" class="sr-only">{ "Protocol" }</label>
                <select id="reach-proto" onchange={on_proto}>
                    { for PROTOCOLS.iter().map(|pr| html! {
                        <option value={pr.as_str()} selected={*pr == proto}>{ pr.as_str() }</option>
                    }) }
                </select>
                { for declared }
            </div>
            <p class="reach-sum" id="reach-sum">
                { format!("{allowed} of {} pods can open a connection to {short} on {}/{port}. ", rows.len(), proto.as_str()) }
                { isolation }
            </p>
            <table class="reach-table">
                <caption class="sr-only">{ format!("NetworkPolicy verdicts for connections to pod {key} on {}/{port}", proto.as_str()) }</caption>
                <thead>
                    <tr><th scope="col">{ "from pod" }</th><th scope="col">{ "egress at the source · ingress here" }</th></tr>
                </thead>
                <tbody>{ for body }</tbody>
            </table>
            <p class="hint">{ "Policy sees a connection after kube-proxy's DNAT: a call to a Service's port arrives here on its targetPort. Hover a cell for the full reason." }</p>
        </section>
    }
}
