//! The best-practice linter's findings on the working scenario (the
//! editor's text, or the last version of it that loaded while there are
//! errors). The rules are `svcsim_manifests::lint`, the same as
//! `svcsim lint`.

use std::rc::Rc;
use svcsim_manifests::lint::{Finding, RULES};
use yew::prelude::*;

pub struct Props {
    /// Findings on the last text that loaded.
    pub findings: Option<Rc<Vec<Finding>>>,
    /// Whether that is the editor's current text.
    pub current: bool,
}

pub fn lint_panel(p: &Props) -> Html {
    let Some(findings) = &p.findings else {
        return html! { <p class="wb-note">{ "The YAML does not load yet; fix its errors to see advice." }</p> };
    };
    let describe = |rule: &str| {
        RULES
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or("", |(_, d)| *d)
    };
    html! {
        <div class="lint-panel">
            if !p.current {
                <p class="wb-note">{ "The editor has errors; this is advice on the last version that loaded." }</p>
            }
            if findings.is_empty() {
                <p id="lint-clean">{ "No findings: selectors match, Service types fit, labels and NetworkPolicies are in place." }</p>
            } else {
                <ul class="lint-list" id="lint-list">
                    { for findings.iter().map(|f| html! {
                        <li class="lint-item" data-rule={f.rule}>
                            <span class="lint-rule" title={describe(f.rule)}>{ f.rule }</span>
                            <strong class="lint-object">{ f.object.clone() }</strong>
                            <span class="lint-msg">{ f.message.clone() }</span>
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}
