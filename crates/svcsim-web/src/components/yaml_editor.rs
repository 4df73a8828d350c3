//! The live YAML editor: a plain textarea with a line-number gutter,
//! validated as the learner types (debounced), errors listed with their
//! line and column (a click jumps there), and the buttons that apply the
//! text to the running simulation, run it as a new scenario, upload and
//! download it.
//!
//! User text only ever reaches the page through `html!` (escaped text
//! nodes and attribute values), never as markup.

use crate::app::Action;
use crate::components::workbench::Checked;
use crate::model::editor;
use crate::model::snapshot::Snapshot;
use gloo::timers::callback::Timeout;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// How long typing must pause before the text is validated.
const DEBOUNCE_MS: u32 = 300;
/// Must match `.yaml-text`'s `line-height` in app.css (for jumping).
const LINE_PX: f64 = 18.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: Rc<String>,
    /// The running scenario's text the edit started from.
    pub base: Rc<String>,
    pub checked: Checked,
    /// The text came back from the autosave.
    pub restored: bool,
    pub snap: Rc<Snapshot>,
    /// New text, and whether to validate it now.
    pub on_text: Callback<(String, bool)>,
    /// Throw the edit away and show the running scenario's text again.
    pub on_reset: Callback<()>,
    pub act: Callback<Action>,
}

fn download(text: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/yaml");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.unchecked_into();
    a.set_href(&url);
    a.set_download("scenario.yaml");
    a.click();
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

#[function_component(YamlEditor)]
pub fn yaml_editor(p: &Props) -> Html {
    let area = use_node_ref();
    let gutter = use_node_ref();
    let timer = use_mut_ref(|| None::<Timeout>);
    let note = use_state(|| None::<String>);

    let oninput = {
        let (on_text, timer) = (p.on_text.clone(), timer.clone());
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            let value = t.value();
            on_text.emit((value.clone(), false));
            let on_text = on_text.clone();
            // Replacing the handle cancels the previous timeout.
            *timer.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || {
                on_text.emit((value, true));
            }));
        })
    };
    let onscroll = {
        let (area, gutter) = (area.clone(), gutter.clone());
        Callback::from(move |_: Event| {
            if let (Some(a), Some(g)) = (
                area.cast::<HtmlTextAreaElement>(),
                gutter.cast::<web_sys::HtmlElement>(),
            ) {
                g.set_scroll_top(a.scroll_top());
            }
        })
    };
    let jump = {
        let (area, text) = (area.clone(), p.text.clone());
        move |line: usize, col: usize| {
            let area = area.clone();
            let text = text.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(a) = area.cast::<HtmlTextAreaElement>() {
                    let at = editor::offset_of(&text, line, col);
                    let end = editor::offset_of(&text, line + 1, 1).max(at);
                    let _ = a.focus();
                    let _ = a.set_selection_range(at, end.saturating_sub(1).max(at));
                    let top = (line.saturating_sub(3) as f64 * LINE_PX) as i32;
                    a.set_scroll_top(top);
                }
            })
        }
    };
    let apply = {
        let (text, act, snap, on_text, note) = (
            p.text.clone(),
            p.act.clone(),
            p.snap.clone(),
            p.on_text.clone(),
            note.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            // Validate now rather than wait for the debounce.
            on_text.emit(((*text).clone(), true));
            match editor::check(&text) {
                Ok(loaded) => {
                    let n = loaded.objects.len();
                    act.emit(Action::ApplyYaml((*text).clone()));
                    note.set(Some(format!(
                        "Applied {n} object(s) at {}: created or updated, like kubectl apply.",
                        crate::model::format::sim_time(snap.now)
                    )));
                }
                Err(d) => {
                    let n = d.iter().filter(|d| d.is_error()).count();
                    note.set(Some(format!(
                        "Not applied: the text has {n} error(s). Your text is kept; fix them first."
                    )));
                }
            }
        })
    };
    let run = {
        let (text, act, note) = (p.text.clone(), p.act.clone(), note.clone());
        Callback::from(move |_: MouseEvent| {
            note.set(None);
            act.emit(Action::RunYaml((*text).clone()));
        })
    };
    let on_download = {
        let (text, note) = (p.text.clone(), note.clone());
        Callback::from(move |_: MouseEvent| {
            if download(&text).is_err() {
                note.set(Some("The browser refused the download.".into()));
            }
        })
    };
    let on_upload = {
        let (on_text, note) = (p.on_text.clone(), note.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let (on_text, note) = (on_text.clone(), note.clone());
            let done = Closure::once(move |v: wasm_bindgen::JsValue| {
                if let Some(t) = v.as_string() {
                    on_text.emit((t, true));
                    note.set(Some(format!(
                        "Loaded {name}. Apply it, or Run it as a new scenario."
                    )));
                }
            });
            let _ = file.text().then(&done);
            // The promise holds the closure until it settles.
            done.forget();
            input.set_value("");
        })
    };
    let reset = p.on_reset.reform(|_: MouseEvent| ());

    let errors: Vec<_> = p.checked.diags.iter().filter(|d| d.is_error()).collect();
    let bad_lines: svcsim_core::vecmap::VecMap<usize, String> = svcsim_core::order::map_of(
        p.checked
            .diags
            .iter()
            .filter(|d| d.line > 0)
            .map(|d| (d.line, d.message.clone())),
    );
    let lines = editor::line_count(&p.text);
    let status = if errors.is_empty() {
        match &p.checked.loaded {
            Some(l) => format!(
                "✓ valid: {} object(s){}",
                l.objects.len(),
                if p.checked.diags.is_empty() {
                    String::new()
                } else {
                    format!(", {} warning(s)", p.checked.diags.len())
                }
            ),
            None => "checking…".into(),
        }
    } else {
        format!("✗ {} error(s)", errors.len())
    };
    let dirty = p.text != p.base;
    html! {
        <div class="yaml-editor">
            <div class="yaml-toolbar">
                <button type="button" id="yaml-apply" onclick={apply} disabled={!errors.is_empty()}
                    title="Create or update these objects in the running cluster, like kubectl apply">
                    { "Apply" }
                </button>
                <button type="button" id="yaml-run" onclick={run} disabled={!errors.is_empty()}
                    title="Start a new simulation from this file, Scenario settings included">
                    { "Run as new scenario" }
                </button>
                <button type="button" id="yaml-download" onclick={on_download}>{ "Download" }</button>
                <label class="upload" for="yaml-upload">{ "Upload" }</label>
                <input type="file" id="yaml-upload" accept=".yaml,.yml,.json,text/yaml"
                    onchange={on_upload} aria-label="Upload a YAML file" />
                <button type="button" id="yaml-reset" onclick={reset} disabled={!dirty}
                    title="Discard the edit and show the running scenario's YAML">
                    { "Revert" }
                </button>
                <span id="yaml-status" role="status"
                    class={classes!("yaml-status", (!errors.is_empty()).then_some("bad"))}>
                    { status }
                </span>
            </div>
            if p.restored {
                <p class="wb-note" id="yaml-restored">{ "Restored your edit from this browser's autosave." }</p>
            }
            if dirty && !p.restored {
                <p class="wb-note">{ "Edited (autosaved). Apply changes the running simulation; Revert goes back." }</p>
            }
            if let Some(n) = (*note).clone() {
                <p class="wb-note" id="yaml-note">{ n }</p>
            }
            <div class="yaml-box">
                <pre class="yaml-gutter" ref={gutter} aria-hidden="true">
                    { for (1..=lines).map(|n| match bad_lines.get(&n) {
                        Some(m) => html! { <span class="gutter-err" title={m.clone()}>{ format!("● {n}\n") }</span> },
                        None => html! { { format!("{n}\n") } },
                    }) }
                </pre>
                <textarea id="yaml-text" class="yaml-text" ref={area} spellcheck="false"
                    aria-label="Scenario YAML" aria-describedby="yaml-status yaml-diags"
                    value={(*p.text).clone()} {oninput} {onscroll} />
            </div>
            <ol id="yaml-diags" class="yaml-diags" aria-label="Problems">
                { for p.checked.diags.iter().map(|d| {
                    let cls = if d.is_error() { "diag-error" } else { "diag-warning" };
                    html! {
                        <li class={cls}>
                            <button type="button" class="diag-jump" onclick={jump(d.line, d.col)}
                                title="Show this place in the text">
                                { format!("{}:{}", d.line, d.col) }
                            </button>
                            if !d.path.is_empty() {
                                <code class="diag-path">{ d.path.clone() }</code>
                            }
                            <span class="diag-msg">{ d.message.clone() }</span>
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}
