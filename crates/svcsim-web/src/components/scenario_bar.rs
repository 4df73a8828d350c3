//! Scenario picker, its caption ("what to watch"), the seed and Restart.

use crate::app::Action;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub act: Callback<Action>,
}

#[function_component(ScenarioBar)]
pub fn scenario_bar(p: &Props) -> Html {
    let seed_ref = use_node_ref();
    let on_pick = p.act.reform(|e: Event| {
        let sel: HtmlSelectElement = e.target_unchecked_into();
        Action::LoadScenario(sel.value())
    });
    let restart = {
        let seed_ref = seed_ref.clone();
        let current = p.snap.seed;
        p.act.reform(move |_: MouseEvent| {
            let seed = seed_ref
                .cast::<HtmlInputElement>()
                .and_then(|i| i.value().trim().parse::<u64>().ok())
                .unwrap_or(current);
            Action::Restart(seed)
        })
    };
    let on_seed_key = {
        let act = p.act.clone();
        let current = p.snap.seed;
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                let input: HtmlInputElement = e.target_unchecked_into();
                act.emit(Action::Restart(
                    input.value().trim().parse().unwrap_or(current),
                ));
            }
        })
    };
    html! {
        <div class="scenario-bar">
            <label for="scenario">{ "Scenario" }</label>
            <select id="scenario" onchange={on_pick} title="Built-in scenarios">
                { for svcsim_manifests::builtin::names().iter().map(|n| html! {
                    <option value={*n} selected={*n == p.snap.scenario}>{ *n }</option>
                }) }
                // A scenario run from the YAML editor.
                if svcsim_manifests::builtin::get(&p.snap.scenario).is_none() {
                    <option value={p.snap.scenario.clone()} selected=true disabled=true>
                        { format!("{} (from the editor)", p.snap.scenario) }
                    </option>
                }
            </select>
            <label for="seed">{ "Seed" }</label>
            <input id="seed" ref={seed_ref} type="number" min="0" step="1"
                value={p.snap.seed.to_string()} onkeydown={on_seed_key}
                title="The one seed every random choice derives from; Enter restarts" />
            <button type="button" id="restart" onclick={restart} title="Start the scenario again with this seed">
                { "↺ Restart" }
            </button>
            <p class="caption" id="caption">{ p.snap.caption.clone() }</p>
        </div>
    }
}
