//! Share links: one click writes the scenario, seed, recorded
//! interventions and the displayed time into a link (`model::share`).
//! Opening it reproduces that moment, paused, with the same counters.

use crate::app::EngineRef;
use crate::model::share::{self, Applied, Share, Source};
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
    /// The YAML of the scenario that runs (sent when it is not a built-in).
    pub source: Rc<String>,
    pub applied: Rc<Vec<Applied>>,
}

/// The page's address without its fragment.
fn page_url() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

#[function_component(SharePanel)]
pub fn share_panel(p: &Props) -> Html {
    let link = use_state(|| None::<Result<(String, String), String>>);
    let out = use_node_ref();
    let make = {
        let (link, engine, source, snap, out, applied) = (
            link.clone(),
            p.engine.clone(),
            p.source.clone(),
            p.snap.clone(),
            out.clone(),
            p.applied.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let e = engine.0.borrow();
            let src = if svcsim_manifests::builtin::get(&e.scenario).is_some() {
                Source::Builtin(e.scenario.clone())
            } else {
                Source::Yaml((*source).clone())
            };
            let s = match Share::from_record(src, e.seed, e.now(), e.recorded_commands(), &applied)
            {
                Ok(s) => s,
                Err(msg) => {
                    link.set(Some(Err(msg)));
                    return;
                }
            };
            let url = format!("{}#{}", page_url(), share::encode(&s));
            let what = format!(
                "{} at {}, seed {}, {} intervention(s), {} requests so far ({} characters)",
                e.scenario,
                crate::model::format::sim_time(e.now()),
                e.seed,
                s.steps.len(),
                snap.metrics.requests,
                url.len()
            );
            link.set(Some(Ok((url, what))));
            if let Some(i) = out.cast::<HtmlInputElement>() {
                i.select();
            }
        })
    };
    let select = Callback::from(|e: FocusEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        i.select();
    });
    html! {
        <div class="share-panel">
            <p>
                { "A link to this exact moment: the scenario (a built-in's name, or your YAML), \
                   the seed, every intervention with its time, and the simulated time now. \
                   Whoever opens it sees the same cluster and the same counters, paused." }
            </p>
            <button type="button" id="share-make" onclick={make}>{ "Make a link to this moment" }</button>
            if let Some(Err(msg)) = (*link).clone() {
                <p class="wb-note" id="share-error" role="alert">{ format!("No link: {msg}.") }</p>
            }
            if let Some(Ok((url, what))) = (*link).clone() {
                <label for="share-url" class="share-label">{ "Link (copy it):" }</label>
                <input id="share-url" ref={out} type="text" readonly=true value={url.clone()} onfocus={select} />
                <p class="wb-note" id="share-what">{ what }</p>
                <a id="share-open" href={url} target="_blank" rel="noopener">{ "Open in a new tab" }</a>
            }
        </div>
    }
}
