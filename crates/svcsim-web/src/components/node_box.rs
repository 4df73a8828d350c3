//! One node in the topology: name, node IP, status and the NodePorts its
//! kube-proxy opens. Pods are drawn on top of it by the topology.

use crate::app::{Action, Selection};
use crate::model::format::coord;
use crate::model::layout::{Rect, NODE_HEADER};
use svcsim_core::sim::NodeView;
use yew::prelude::*;

pub struct Props<'a> {
    pub node: &'a NodeView,
    pub rect: Rect,
    pub selected: bool,
    pub act: Callback<Action>,
}

pub fn node_box(p: &Props) -> Html {
    let n = p.node;
    let r = p.rect;
    let select = {
        let name = n.name.clone();
        p.act
            .reform(move |_: MouseEvent| Action::Select(Some(Selection::Node(name.clone()))))
    };
    let on_key = {
        let name = n.name.clone();
        let act = p.act.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                act.emit(Action::Select(Some(Selection::Node(name.clone()))));
            }
        })
    };
    let state = if !n.up {
        "down"
    } else if !n.ready {
        "notready"
    } else {
        "ready"
    };
    let ports = if n.node_ports.is_empty() {
        "no NodePorts".to_string()
    } else {
        format!("NodePorts {}", n.node_ports.join(", "))
    };
    let status = if n.up {
        n.status.clone()
    } else {
        format!("{} (machine down)", n.status)
    };
    html! {
        <g class={classes!("node", format!("node-{state}"), n.unschedulable.then_some("cordoned"),
                p.selected.then_some("selected"))}
            data-node={n.name.clone()} data-status={n.status.clone()}>
            <rect class="node-body" x={coord(r.x)} y={coord(r.y)}
                width={coord(r.w)} height={coord(r.h)} rx="10" />
            <g class="node-header" tabindex="0" role="button"
                aria-label={format!("node {}, {}", n.name, n.status)}
                onclick={select} onkeydown={on_key}>
                <title>{ format!("node {} ({})\npod CIDR {}\nkube-proxy synced to API version {}", n.name, n.ip, n.pod_cidr, n.rules_version) }</title>
                <rect class="node-head-bg" x={coord(r.x)} y={coord(r.y)}
                    width={coord(r.w)} height={coord(NODE_HEADER - 4.0)} rx="10" />
                <text class="node-name" x={coord(r.x + 10.0)} y={coord(r.y + 16.0)}>{ n.name.clone() }</text>
                <text class="node-ip" x={coord(r.x + r.w - 10.0)} y={coord(r.y + 16.0)}>{ n.ip.clone() }</text>
                <text class={classes!("node-status", format!("ns-{state}"))} x={coord(r.x + 10.0)} y={coord(r.y + 30.0)}>{ status }</text>
                <text class="node-ports" x={coord(r.x + 10.0)} y={coord(r.y + 42.0)}>{ ports }</text>
            </g>
        </g>
    }
}
