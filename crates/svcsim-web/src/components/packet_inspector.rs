//! The packet inspector: one request followed hop by hop, with source and
//! destination before and after each DNAT or SNAT, the chain of rules it
//! traversed (with their text from the node's program), the conntrack entry
//! its NAT created, and how it ended and why.
//!
//! Everything here is read from the trace (the engine's request book); the
//! rule text is looked up in the node's current program by the keys the
//! trace recorded.

use crate::app::{Action, EngineRef, Selection};
use crate::model::format;
use crate::model::requests::RequestRecord;
use svcsim_core::proxy::rules::TableName;
use svcsim_core::sim::trace::{PacketKind, Place};
use svcsim_core::sim::Outcome;
use yew::prelude::*;

pub struct Props {
    pub engine: EngineRef,
    pub request: u64,
    pub act: Callback<Action>,
}

/// One traversed rule, with its text when the node still has it.
struct RuleStep {
    node: String,
    table: String,
    chain: String,
    index: u32,
    text: Option<String>,
}

fn hop_rows(r: &RequestRecord) -> Html {
    html! {
        <div class="hops-wrap">
        <table class="hops" id="packet-hops">
            <thead><tr>
                <th scope="col">{ "#" }</th><th scope="col">{ "left" }</th><th scope="col">{ "packet" }</th>
                <th scope="col">{ "from → to" }</th><th scope="col">{ "src → after" }</th>
                <th scope="col">{ "dst → after" }</th><th scope="col">{ "decided by" }</th>
            </tr></thead>
            <tbody>
            { for r.hops.iter().enumerate().map(|(i, h)| {
                let hop = &h.hop;
                let d = &hop.decision;
                let dnat = hop.dst != hop.dst_after;
                let snat = hop.src != hop.src_after;
                let mut why = Vec::new();
                if !d.note.is_empty() { why.push(d.note.clone()); }
                if d.conntrack { why.push("conntrack (existing entry)".into()); }
                if let Some(i) = &d.ipvs { why.push(format!("IPVS {i}")); }
                if let Some(pol) = &d.policy { why.push(format!("NetworkPolicy: {pol}")); }
                if !d.rules.is_empty() { why.push(format!("{} rule hit(s)", d.rules.len())); }
                // A reply's source rewritten from conntrack is the DNAT
                // undone, not a SNAT.
                let reply = matches!(hop.packet, PacketKind::DnsReply | PacketKind::SynAck | PacketKind::Response | PacketKind::Reset);
                let src_word = if reply && d.conntrack { "reverse DNAT" } else { "SNAT" };
                let nat = match (dnat, snat, reply && d.conntrack) {
                    (true, true, _) => Some("dnat snat"),
                    (true, false, _) => Some("dnat"),
                    (false, true, true) => Some("reverse"),
                    (false, true, false) => Some("snat"),
                    _ => None,
                };
                html! {
                    <tr class={classes!("hop", nat.map(|_| "hop-nat"))} data-nat={nat}>
                        <td>{ i + 1 }</td>
                        <td>{ format::sim_time_us(h.t) }</td>
                        <td>{ format::packet_kind(hop.packet) }</td>
                        <td>{ format!("{} → {}", format::place(&hop.from), format::place(&hop.to)) }</td>
                        <td class={classes!(snat.then_some("changed"))}>
                            { hop.src.to_string() }
                            if snat { <>{ " → " }<strong class="nat-after">{ hop.src_after.to_string() }</strong>{ format!(" ({src_word})") }</> }
                        </td>
                        <td class={classes!(dnat.then_some("changed"))}>
                            { hop.dst.to_string() }
                            if dnat { <>{ " → " }<strong class="nat-after">{ hop.dst_after.to_string() }</strong>{ " (DNAT)" }</> }
                        </td>
                        <td class="why">{ why.join(" · ") }</td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
        </div>
    }
}

pub fn packet_inspector(p: &Props) -> Html {
    let close = p.act.reform(|_: MouseEvent| Action::SelectPacket(None));
    let mut record = None;
    let mut rules = Vec::new();
    let mut conntrack = Vec::new();
    if let Ok(mut e) = p.engine.0.try_borrow_mut() {
        record = e.requests.get(p.request).cloned();
        if let Some(r) = &record {
            let sim = e.sim_for_queries();
            for h in &r.hops {
                let Place::Node { name, .. } = &h.hop.from else {
                    continue;
                };
                let program = sim.node_rules(name);
                for hit in &h.hop.decision.rules {
                    let table = if hit.table == "filter" {
                        TableName::Filter
                    } else {
                        TableName::Nat
                    };
                    rules.push(RuleStep {
                        node: name.clone(),
                        table: hit.table.clone(),
                        chain: hit.chain.clone(),
                        index: hit.index,
                        text: program
                            .as_ref()
                            .and_then(|pr| pr.rule_text(table, &hit.chain, hit.index as usize)),
                    });
                }
            }
            // Each NAT decision created a conntrack entry: show the node's
            // live entry when it is still in the table, else the tuple the
            // NAT wrote.
            for nat in r.nat_hops() {
                let Place::Node { name, .. } = &nat.hop.from else {
                    continue;
                };
                let orig = RequestRecord::conntrack_tuple(&nat.hop);
                let live = sim
                    .conntrack_listing(name, 0, |t| *t == orig)
                    .and_then(|l| l.text.lines().next().map(str::to_string));
                let what = if nat.hop.packet == PacketKind::DnsQuery {
                    "DNS query"
                } else {
                    "connection"
                };
                conntrack.push(match live {
                    Some(line) => format!("# {what}: conntrack -L on {name}\n{line}"),
                    None => format!(
                        "# {what}: created on {name} (no longer in the table)\n{}",
                        RequestRecord::conntrack_line(&nat.hop)
                    ),
                });
            }
        }
    }
    let body = match &record {
        None => html! {
            <p class="hint">{ format!("Request #{} is no longer remembered (the inspector keeps the most recent requests; going back in time forgets what comes after).", p.request) }</p>
        },
        Some(r) => {
            let outcome = match &r.end {
                None => {
                    html! { <p class="outcome pending" id="packet-outcome" data-outcome="pending">{ "still in flight" }</p> }
                }
                Some((_, t, end)) => {
                    let ok = end.outcome == Outcome::Ok;
                    let mut facts = vec![
                        format!("after {}", format::latency_us(end.latency_us)),
                        format!("at {}", format::place(&end.at)),
                    ];
                    if let Some(s) = &end.service {
                        facts.push(format!("Service {s}"));
                    }
                    if let Some(pod) = &end.pod {
                        facts.push(format!("pod {pod}"));
                    }
                    if let Some(src) = &end.seen_src {
                        facts.push(format!("server saw source {src}"));
                    }
                    html! {
                        <p class={classes!("outcome", if ok { "ok" } else { "bad" })} id="packet-outcome" data-outcome={end.outcome.as_str()}>
                            <strong>{ end.outcome.as_str().to_ascii_uppercase() }</strong>
                            { format!(" at {} · {} · {}", format::sim_time_us(*t), if end.reason.is_empty() { "served" } else { end.reason.as_str() }, facts.join(" · ")) }
                        </p>
                    }
                }
            };
            let node = r.rules_node().map(str::to_string);
            let show_node = node.map(|n| {
                let label = format!("Show the rules on {n}");
                let onclick = p
                    .act
                    .reform(move |_: MouseEvent| Action::Select(Some(Selection::Node(n.clone()))));
                html! { <button type="button" id="packet-show-node" {onclick}>{ label }</button> }
            });
            html! {
                <>
                    { outcome }
                    <h3>{ "Hops" }</h3>
                    { hop_rows(r) }
                    <h3>{ "Rules traversed" }</h3>
                    if rules.is_empty() {
                        <p class="hint">{ "No iptables rule was walked: the packets followed conntrack, IPVS, or went pod to pod." }</p>
                    } else {
                        <ol class="rule-chain" id="packet-rules">
                            { for rules.iter().map(|s| html! {
                                <li data-rule={format!("{} {} {}", s.table, s.chain, s.index)}>
                                    <span class="rule-where">{ format!("{} · {} {} #{}", s.node, s.table, s.chain, s.index) }</span>
                                    <code>{ s.text.clone().unwrap_or_else(|| "(no longer in the node's rules)".into()) }</code>
                                </li>
                            }) }
                        </ol>
                    }
                    { for show_node }
                    <h3>{ "conntrack entries it created" }</h3>
                    <pre class="conntrack-entry" id="packet-conntrack">{
                        if conntrack.is_empty() {
                            "No NAT, so no conntrack entry of interest (pod to pod, or dropped before NAT).".to_string()
                        } else {
                            conntrack.join("\n")
                        }
                    }</pre>
                </>
            }
        }
    };
    html! {
        <section class="panel packet-inspector" id="packet-inspector" aria-label={format!("Request {}", p.request)} data-request={p.request.to_string()}>
            <div class="panel-head">
                <h2>{ format!("request #{}", p.request) }</h2>
                <button type="button" class="link" onclick={close} aria-label="Close packet inspector">{ "✕" }</button>
            </div>
            { body }
        </section>
    }
}
