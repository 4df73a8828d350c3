//! The highlighted NetworkPolicy, in words: which pods it selects, the
//! directions it isolates them for, and each rule as a sentence. The rules
//! are read from the object as written; which pods it selects and its
//! defaulted `policyTypes` come from the core's policy index.

use crate::app::Action;
use crate::model::netpol::{colour, rule_lines, selector};
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub policy: Option<String>,
    pub dark: bool,
    pub act: Callback<Action>,
}

pub fn policy_view(p: &Props) -> Html {
    let Some(id) = p.policy.as_deref() else {
        return html! {};
    };
    let close = p.act.reform(|_: MouseEvent| Action::SelectPolicy(None));
    let pols = &p.snap.policies;
    let found = pols.position(id).and_then(|i| {
        let np = p
            .snap
            .view
            .policies
            .iter()
            .find(|np| format!("{}/{}", np.metadata.ns(), np.metadata.name) == id)?;
        Some((i, &pols.list[i], np))
    });
    let body = match found {
        None => html! { <p class="hint">{ format!("NetworkPolicy {id} is gone.") }</p> },
        Some((i, sum, np)) => {
            let types = match (sum.ingress, sum.egress) {
                (true, true) => "Ingress, Egress",
                (false, true) => "Egress",
                _ => "Ingress",
            };
            html! {
                <>
                    <h3>
                        <span class="policy-swatch" style={format!("border-color:{}", colour(i, p.dark))}></span>
                        { format!("NetworkPolicy {id}") }
                    </h3>
                    <p class="facts">{ format!("podSelector {} · policyTypes {types}",
                        selector(&np.spec.pod_selector, "{} (every pod in the namespace)")) }</p>
                    <ul class="policy-rules">
                        { for rule_lines(np, sum).into_iter().map(|l| html! { <li>{ l }</li> }) }
                    </ul>
                    <p class="facts">{ format!("selects {} pod(s): {}", sum.pods.len(),
                        if sum.pods.is_empty() { "none".to_string() } else { sum.pods.join(", ") }) }</p>
                </>
            }
        }
    };
    html! {
        <section class="policy-view" id="policy-view" data-policy={id.to_string()} aria-label="Selected NetworkPolicy">
            <div class="inspector-head">
                <h2>{ "NetworkPolicy" }</h2>
                <button type="button" class="link" onclick={close} aria-label="Stop highlighting this NetworkPolicy">{ "✕" }</button>
            </div>
            { body }
        </section>
    }
}
