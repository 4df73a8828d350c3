//! The hovered packet's details: where it is going, its addresses before and
//! after NAT, and what decided its way (rules hit, conntrack, IPVS, policy).

use crate::model::format;
use crate::model::packets::Flight;
use std::rc::Rc;
use yew::prelude::*;

pub struct Props {
    pub flight: Rc<Flight>,
}

/// Rules are listed up to this many; a DNAT walk is rarely longer.
const MAX_RULES: usize = 12;

pub fn tooltip(p: &Props) -> Html {
    let f = &p.flight;
    let h = &f.hop;
    let d = &h.decision;
    let nat_dst = h.dst != h.dst_after;
    let nat_src = h.src != h.src_after;
    let rules = d.rules.iter().take(MAX_RULES).map(|r| {
        html! { <li><code>{ format!("{} {} #{}", r.table, r.chain, r.index) }</code></li> }
    });
    html! {
        <div class="tooltip" id="packet-tooltip" role="status">
            <div class="tt-head">
                <strong>{ format!("{} ({})", format::packet_kind(h.packet), match h.proto {
                    svcsim_core::net::Protocol::Tcp => "TCP",
                    svcsim_core::net::Protocol::Udp => "UDP",
                    svcsim_core::net::Protocol::Sctp => "SCTP",
                }) }</strong>
                { format!(" · request #{}", h.request) }
            </div>
            <div>{ format!("{} → {}", format::place(&h.from), format::place(&h.to)) }</div>
            <div class="tt-time">{ format!("left {} · arrives {}", format::sim_time_us(f.t), format::sim_time_us(h.arrive)) }</div>
            <table class="tt-addr">
                <thead><tr><th></th><th>{ "src" }</th><th>{ "dst" }</th></tr></thead>
                <tbody>
                    <tr><th scope="row">{ "sent" }</th><td>{ h.src.to_string() }</td><td>{ h.dst.to_string() }</td></tr>
                    <tr><th scope="row">{ "after NAT" }</th>
                        <td class={classes!(nat_src.then_some("changed"))}>{ h.src_after.to_string() }</td>
                        <td class={classes!(nat_dst.then_some("changed"))}>{ h.dst_after.to_string() }</td></tr>
                </tbody>
            </table>
            if !d.note.is_empty() {
                <div class="tt-note">{ d.note.clone() }</div>
            }
            if d.conntrack {
                <div class="tt-note">{ "followed an existing conntrack entry" }</div>
            }
            if let Some(ipvs) = &d.ipvs {
                <div class="tt-note">{ format!("IPVS: {ipvs}") }</div>
            }
            if let Some(pol) = &d.policy {
                <div class="tt-note">{ format!("NetworkPolicy: {pol}") }</div>
            }
            if !d.rules.is_empty() {
                <details open=true>
                    <summary>{ format!("{} rule hits", d.rules.len()) }</summary>
                    <ol class="tt-rules">{ for rules }</ol>
                </details>
            }
        </div>
    }
}
