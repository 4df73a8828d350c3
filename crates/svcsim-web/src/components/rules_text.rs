//! A rule text (`iptables-save`, `ipvsadm -Ln`, `conntrack -L`) with the
//! selected packet's rules highlighted and new lines marked.
//!
//! Its props compare the document by pointer and the hits by value, so the
//! few hundred line elements are rebuilt only when the rules or the
//! selected packet change, not on every snapshot.

use crate::model::rules_doc::{RuleKey, RulesDoc};
use std::rc::Rc;
use svcsim_core::vecmap::VecSet;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties)]
pub struct Props {
    pub doc: Rc<RulesDoc>,
    pub hits: Rc<VecSet<RuleKey>>,
    /// Lines containing this text are highlighted too (conntrack entries,
    /// IPVS virtual servers have no rule key).
    #[prop_or_default]
    pub mark: Option<String>,
    /// Accessible name of the text.
    pub label: String,
}

impl PartialEq for Props {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.doc, &o.doc)
            && self.hits == o.hits
            && self.mark == o.mark
            && self.label == o.label
    }
}

#[function_component(RulesText)]
pub fn rules_text(p: &Props) -> Html {
    let pre = use_node_ref();
    // Bring the first highlighted line into view inside the box (not the
    // page) when the highlight changes.
    {
        let pre = pre.clone();
        use_effect_with((p.hits.clone(), p.mark.clone()), move |_| {
            if let Some(el) = pre.cast::<HtmlElement>() {
                // The Service's own chains say most; prefer them to the
                // generic FORWARD and PREROUTING jumps above them.
                let first = el
                    .query_selector(".rl-hit[data-rule*=\"KUBE-SVC\"]")
                    .ok()
                    .flatten()
                    .or_else(|| el.query_selector(".rl-hit").ok().flatten());
                if let Some(first) = first {
                    if let Ok(first) = first.dyn_into::<HtmlElement>() {
                        // The box is `position: relative`, so a line's
                        // offsetTop is already measured from the box.
                        let top = first.offset_top();
                        el.set_scroll_top((top - 40).max(0));
                    }
                }
            }
        });
    }
    let lines = p.doc.lines.iter().map(|l| {
        let hit = l.key.as_ref().is_some_and(|k| p.hits.contains(k))
            || p.mark
                .as_ref()
                .is_some_and(|m| !m.is_empty() && l.text.contains(m.as_str()));
        let rule = l.key.as_ref().map(|(t, c, i)| format!("{t} {c} {i}"));
        html! {
            <span class={classes!("rl", hit.then_some("rl-hit"), l.changed.then_some("rl-changed"))}
                data-rule={rule}>
                { l.text.clone() }{ "\n" }
            </span>
        }
    });
    html! {
        <pre class="rules-text" ref={pre} tabindex="0" aria-label={p.label.clone()}>{ for lines }</pre>
    }
}
