//! The key to the policy halos: one button per NetworkPolicy, in its
//! colour, with the directions it isolates and how many pods it selects.
//! Pressing one highlights that policy's halos and opens it beside the
//! picture; pressing it again lets go. This is also the keyboard's way to
//! the policies, since the halos themselves are not in the tab order.

use crate::app::Action;
use crate::model::netpol::colour;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub policy: Option<String>,
    pub dark: bool,
    pub act: Callback<Action>,
}

pub fn policy_legend(p: &Props) -> Html {
    let pols = &p.snap.policies;
    if pols.is_empty() {
        return html! {};
    }
    let chips = pols.list.iter().enumerate().map(|(i, sum)| {
        let selected = p.policy.as_deref() == Some(sum.id.as_str());
        let toggle = {
            let id = sum.id.clone();
            p.act
                .reform(move |_: MouseEvent| Action::SelectPolicy((!selected).then(|| id.clone())))
        };
        let types = match (sum.ingress, sum.egress) {
            (true, true) => "Ingress+Egress",
            (false, true) => "Egress",
            _ => "Ingress",
        };
        let pods = sum.pods.len();
        html! {
            <button type="button" class={classes!("policy-chip", selected.then_some("selected"))}
                data-policy={sum.id.clone()} aria-pressed={selected.to_string()}
                title={format!("NetworkPolicy {}: isolates {types}; selects {pods} pod(s). Press to {} it.",
                    sum.id, if selected { "stop highlighting" } else { "highlight and show" })}
                onclick={toggle}>
                <span class="policy-swatch" style={format!("border-color:{}", colour(i, p.dark))}></span>
                { sum.id.clone() }
                <span class="policy-chip-meta">{ format!("{types} · {pods} pod{}", if pods == 1 { "" } else { "s" }) }</span>
            </button>
        }
    });
    html! {
        <div class="policy-legend" id="policy-legend" role="group" aria-label="NetworkPolicies">
            <span class="policy-legend-title">{ "NetworkPolicies (dashed rings):" }</span>
            { for chips }
        </div>
    }
}
