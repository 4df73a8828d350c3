//! NetworkPolicies drawn around the pods they select: a dashed halo just
//! outside each selected pod, in the policy's colour. A policy may select
//! pods on several nodes, so it is drawn on each of its pods rather than as
//! one enclosing shape; the legend under the picture names the colours.
//! When several policies select one pod, their dashes interleave on the
//! same ring, so the ring never grows into the neighbouring pod.
//!
//! Every halo carries `data-policy="ns/name"` and selects its policy when
//! clicked. Keyboard users reach the same action through the legend's
//! buttons, so the halos stay out of the tab order.

use crate::app::Action;
use crate::model::format::coord;
use crate::model::netpol::colour;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    /// The highlighted policy, `ns/name`.
    pub policy: Option<String>,
    pub dark: bool,
    pub act: Callback<Action>,
}

/// Gap between a pod's box and its halo, and the halo's stroke width; the
/// two together stay within half the gap between neighbouring pods.
const HALO_GAP: f64 = 2.0;
/// Length of one dash of one policy on the ring.
const DASH: f64 = 5.0;

pub fn policy_marks(p: &Props) -> Html {
    let s = &p.snap;
    let pols = &s.policies;
    if pols.is_empty() {
        return html! {};
    }
    let halos = s.view.pods.iter().filter_map(|pod| {
        let key = format!("{}/{}", pod.namespace, pod.name);
        let on = pols.by_pod.get(&key)?;
        let r = *s.layout.pods.get(&pod.id)?;
        let n = on.len() as f64;
        Some(html! {
            <g class="policy-ring" data-policy-pod={key.clone()}>
                { for on.iter().enumerate().map(|(k, &i)| {
                    let sum = &pols.list[i];
                    let id = sum.id.clone();
                    let select = p.act.reform({
                        let id = id.clone();
                        move |e: MouseEvent| {
                            // The pod under the halo must not also take the click.
                            e.stop_propagation();
                            Action::SelectPolicy(Some(id.clone()))
                        }
                    });
                    let selected = p.policy.as_deref() == Some(id.as_str());
                    let dims = p.policy.is_some() && !selected;
                    let types = match (sum.ingress, sum.egress) {
                        (true, true) => "Ingress and Egress",
                        (false, true) => "Egress",
                        _ => "Ingress",
                    };
                    // Interleave: each policy draws one dash in every n.
                    let dash = format!("{} {}", coord(DASH), coord(DASH * (n - 1.0).max(0.0) + if n > 1.0 { 0.0 } else { 3.0 }));
                    html! {
                        <rect class={classes!("policy-halo", selected.then_some("selected"), dims.then_some("dim"))}
                            data-policy={id.clone()}
                            x={coord(r.x - HALO_GAP)} y={coord(r.y - HALO_GAP)}
                            width={coord(r.w + 2.0 * HALO_GAP)} height={coord(r.h + 2.0 * HALO_GAP)}
                            rx="8"
                            style={format!("stroke:{};stroke-dasharray:{dash};stroke-dashoffset:{}",
                                colour(i, p.dark), coord(-(k as f64) * DASH))}
                            onclick={select}>
                            <title>{ format!("NetworkPolicy {id} selects pod {key} ({types}); click to show it") }</title>
                        </rect>
                    }
                }) }
            </g>
        })
    });
    html! {
        <g class="policies" aria-hidden="true">
            { for halos }
        </g>
    }
}
