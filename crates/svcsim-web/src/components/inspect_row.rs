//! The inspectors' row under the picture: the selected node's kube-proxy
//! rules and conntrack table, the selected packet's story, and the DNS
//! panel. Each is its own component; this one only lays them out and
//! decides which are shown.

use super::dns_panel::DnsPanel;
use super::node_rules::{NodeRules, RulesMemory};
use super::packet_inspector;
use crate::app::{Action, EngineRef, Selection};
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
    pub selection: Option<Selection>,
    pub packet: Option<u64>,
    pub act: Callback<Action>,
}

#[function_component(InspectRow)]
pub fn inspect_row(p: &Props) -> Html {
    let memory = use_state(RulesMemory::default);
    let node = match &p.selection {
        Some(Selection::Node(n)) => Some(n.clone()),
        _ => None,
    };
    html! {
        <section class="inspect-row" aria-label="Inspectors">
            if let Some(node) = node {
                <NodeRules snap={p.snap.clone()} engine={p.engine.clone()} {node} packet={p.packet} memory={(*memory).clone()} act={p.act.clone()} />
            }
            if let Some(id) = p.packet {
                { packet_inspector::packet_inspector(&packet_inspector::Props {
                    engine: p.engine.clone(),
                    request: id,
                    act: p.act.clone(),
                }) }
            }
            if p.packet.is_none() && !matches!(p.selection, Some(Selection::Node(_))) {
                <p class="hint inspect-hint" id="inspect-hint">{ "Click a node to read its kube-proxy rules (iptables-save, ipvsadm -Ln) and conntrack table. Click a packet in the picture, or a request line in the log, to follow it hop by hop." }</p>
            }
            <DnsPanel snap={p.snap.clone()} engine={p.engine.clone()} />
        </section>
    }
}
