//! The static picture in SVG: Internet clients, cloud load balancers,
//! Service VIPs, nodes and pods. Static structure lives in the DOM so it is
//! clickable, keyboard reachable and testable (`data-pod`, `data-node`,
//! `data-service`, and `data-policy` on NetworkPolicy halos); moving packets
//! are drawn on the canvas above it.

use super::{node_box, pod_glyph, policy_marks};
use crate::app::{Action, Selection};
use crate::model::format::coord;
use crate::model::layout::WIDTH;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub selection: Option<Selection>,
    /// The highlighted NetworkPolicy, `ns/name`.
    pub policy: Option<String>,
    pub dark: bool,
    pub act: Callback<Action>,
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t}…")
    }
}

#[function_component(Topology)]
pub fn topology(p: &Props) -> Html {
    let s = &p.snap;
    let l = &s.layout;
    let v = &s.view;
    let sel = p.selection.as_ref();

    let externals = v.clients.iter().filter(|c| c.external).filter_map(|c| {
        let r = l.externals.get(&c.id)?;
        Some(html! {
            <g class="external" data-client={c.name.clone()}>
                <title>{ format!("external client {} from {} calling {}", c.name, c.src_ip, c.target) }</title>
                <rect x={coord(r.x)} y={coord(r.y)} width={coord(r.w)} height={coord(r.h)} rx="17" />
                <text class="box-l1" x={coord(r.x + r.w / 2.0)} y={coord(r.y + 14.0)}>{ short(&c.name, 22) }</text>
                <text class="box-l2" x={coord(r.x + r.w / 2.0)} y={coord(r.y + 27.0)}>{ c.src_ip.clone() }</text>
            </g>
        })
    });

    let lbs = v.services.iter().filter(|svc| svc.type_ == "LoadBalancer").filter_map(|svc| {
        let r = l.lbs.get(&svc.id)?;
        let key = format!("{}/{}", svc.namespace, svc.name);
        let pending = svc.external_ip == "<pending>";
        // Faint links from the LB to every node it balances over.
        let links = l.nodes.values().map(|n| {
            html! { <line class="lb-link" x1={coord(r.x + r.w / 2.0)} y1={coord(r.y + r.h)}
                x2={coord(n.x + n.w / 2.0)} y2={coord(n.y)} /> }
        });
        Some(html! {
            <g class={classes!("lb", pending.then_some("pending"))} data-lb={key.clone()}>
                { for links }
                <title>{ format!("cloud load balancer for {key}\nEXTERNAL-IP {}\nports {}", svc.external_ip, svc.ports) }</title>
                <rect x={coord(r.x)} y={coord(r.y)} width={coord(r.w)} height={coord(r.h)} rx="4" />
                <text class="box-l1" x={coord(r.x + r.w / 2.0)} y={coord(r.y + 15.0)}>{ format!("LB {}", short(&svc.name, 24)) }</text>
                <text class="box-l2" x={coord(r.x + r.w / 2.0)} y={coord(r.y + 30.0)}>{ format!("EXTERNAL-IP {}", svc.external_ip) }</text>
            </g>
        })
    });

    let services = v.services.iter().filter_map(|svc| {
        let r = l.services.get(&svc.id)?;
        let key = format!("{}/{}", svc.namespace, svc.name);
        let selected = sel == Some(&Selection::Service(key.clone()));
        let select = {
            let key = key.clone();
            p.act.reform(move |_: MouseEvent| Action::Select(Some(Selection::Service(key.clone()))))
        };
        let on_key = {
            let key = key.clone();
            let act = p.act.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" {
                    act.emit(Action::Select(Some(Selection::Service(key.clone()))));
                }
            })
        };
        let first_port = svc.ports.split(',').next().unwrap_or("").split('/').next().unwrap_or("");
        let port = first_port.split(':').next().unwrap_or("");
        let line2 = match svc.type_.as_str() {
            "ExternalName" => format!("→ {}", svc.external_ip),
            _ if svc.headless => "headless (no VIP)".to_string(),
            _ => format!("{}:{}", svc.cluster_ip, port),
        };
        Some(html! {
            <g class={classes!("service", format!("svc-{}", svc.type_.to_ascii_lowercase()),
                    selected.then_some("selected"), (svc.ready_endpoints == 0 && !svc.headless && svc.type_ != "ExternalName").then_some("no-endpoints"))}
                data-service={key.clone()} tabindex="0" role="button"
                aria-label={format!("Service {key}, {}", svc.type_)}
                onclick={select} onkeydown={on_key}>
                <title>{ format!("Service {key}\nTYPE {}  CLUSTER-IP {}  EXTERNAL-IP {}\nPORT(S) {}\nselector {}\n{} ready endpoints\nexternalTrafficPolicy {}  sessionAffinity {}",
                    svc.type_, svc.cluster_ip, svc.external_ip, svc.ports, svc.selector, svc.ready_endpoints,
                    svc.external_traffic_policy, svc.session_affinity) }</title>
                <rect x={coord(r.x)} y={coord(r.y)} width={coord(r.w)} height={coord(r.h)} rx="4" />
                <text class="box-l1" x={coord(r.x + r.w / 2.0)} y={coord(r.y + 15.0)}>{ short(&svc.name, (r.w / 6.2) as usize) }</text>
                <text class="box-l2" x={coord(r.x + r.w / 2.0)} y={coord(r.y + 30.0)}>{ short(&line2, (r.w / 5.6) as usize) }</text>
            </g>
        })
    });

    let nodes = v.nodes.iter().filter_map(|n| {
        let r = *l.nodes.get(&n.id)?;
        Some(node_box::node_box(&node_box::Props {
            node: n,
            rect: r,
            selected: sel == Some(&Selection::Node(n.name.clone())),
            act: p.act.clone(),
        }))
    });

    let pods = v.pods.iter().filter_map(|pod| {
        let r = *l.pods.get(&pod.id)?;
        let key = format!("{}/{}", pod.namespace, pod.name);
        Some(pod_glyph::pod_glyph(&pod_glyph::Props {
            pod,
            rect: r,
            selected: sel == Some(&Selection::Pod(key)),
            dark: p.dark,
            act: p.act.clone(),
        }))
    });

    let nw = l.nowhere;
    html! {
        <svg id="topology" class="topology" viewBox={format!("0 0 {WIDTH} {}", l.height)}
            role="group" aria-label="Cluster topology" preserveAspectRatio="xMidYMin meet">
            if !l.externals.is_empty() {
                <text class="row-label" x="4" y="9">{ "Internet" }</text>
            }
            { for externals }
            { for lbs }
            <g class="nowhere">
                <title>{ "Outside the cluster: an ExternalName's real host, or an address nobody answers for" }</title>
                <rect x={coord(nw.x)} y={coord(nw.y)} width={coord(nw.w)} height={coord(nw.h)} rx="15" />
                <text class="box-l2" x={coord(nw.x + nw.w / 2.0)} y={coord(nw.y + 19.0)}>{ "outside" }</text>
            </g>
            { for services }
            { for nodes }
            { policy_marks::policy_marks(&policy_marks::Props {
                snap: s.clone(),
                policy: p.policy.clone(),
                dark: p.dark,
                act: p.act.clone(),
            }) }
            { for pods }
        </svg>
    }
}
