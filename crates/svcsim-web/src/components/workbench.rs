//! The workbench under the simulation: the YAML editor, lessons, the
//! best-practice linter and share links, as tabs.
//!
//! It owns the editor's text, so the linter reads what the learner is
//! writing, and the text survives switching tabs (inactive panels are only
//! hidden). The text autosaves to localStorage on every edit; a reload
//! restores it ([`restore_text`]).

use crate::app::{Action, EngineRef};
use crate::components::{
    lessons_panel::LessonsPanel, lint_panel, share_panel::SharePanel, yaml_editor::YamlEditor,
};
use crate::model::editor;
use crate::model::engine::Engine;
use crate::model::share;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_manifests::lint::{lint, Finding};
use svcsim_manifests::{Diagnostic, Loaded};
use yew::prelude::*;

/// localStorage keys.
const KEY_TEXT: &str = "svcsim.editor.text";
const KEY_BASE: &str = "svcsim.editor.base";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Save the editor's text and the scenario text it started from.
pub fn save_text(text: &str, base: &str) {
    if let Some(s) = storage() {
        // A full or disabled storage only loses the autosave.
        let _ = s.set_item(KEY_TEXT, text);
        let _ = s.set_item(KEY_BASE, base);
    }
}

/// The autosaved edit, when there is one that differs from the text it
/// started from.
pub fn restore_text() -> Option<String> {
    let s = storage()?;
    let text = s.get_item(KEY_TEXT).ok().flatten()?;
    let base = s.get_item(KEY_BASE).ok().flatten().unwrap_or_default();
    (text != base).then_some(text)
}

/// The engine a share link in the page's fragment asks for: `None` when
/// there is no link, `Some(Err)` with a message for the banner when the
/// link cannot be used.
pub fn shared_engine() -> Option<Result<(Engine, String), String>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let opened = match share::decode(&hash) {
        Ok(None) => return None,
        Ok(Some(s)) => share::open(&s),
        Err(e) => Err(e),
    };
    Some(opened.map_err(|e| {
        format!("This share link could not be opened: {e}. Showing the default scenario instead.")
    }))
}

/// The result of checking the editor's text.
#[derive(Clone)]
pub struct Checked {
    /// Errors and warnings of the text as it stands.
    pub diags: Rc<Vec<Diagnostic>>,
    /// The text loaded, when it has no errors.
    pub loaded: Option<Rc<Loaded>>,
    /// The linter's findings on it.
    pub findings: Option<Rc<Vec<Finding>>>,
}

impl PartialEq for Checked {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.diags, &o.diags)
    }
}

impl Checked {
    pub fn of(text: &str) -> Checked {
        match editor::check(text) {
            Ok(l) => Checked {
                diags: Rc::new(l.warnings.clone()),
                findings: Some(Rc::new(lint(&l.objects, &l.scenario))),
                loaded: Some(Rc::new(l)),
            },
            Err(d) => Checked {
                diags: Rc::new(d),
                loaded: None,
                findings: None,
            },
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    Yaml,
    Lessons,
    Lint,
    Share,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
    /// The YAML of the scenario that runs.
    pub source: Rc<String>,
    /// The edits applied in this run (for share links).
    pub applied: Rc<Vec<share::Applied>>,
    pub act: Callback<Action>,
}

/// Show a check of the editor's text. The lint panel keeps the findings of
/// the last text that loaded, so a typo half way through an edit does not
/// blank it.
fn show_check(
    c: Checked,
    checked: &UseStateHandle<Checked>,
    last_good: &UseStateHandle<Option<Rc<Vec<Finding>>>>,
) {
    if c.findings.is_some() {
        last_good.set(c.findings.clone());
    }
    checked.set(c);
}

#[function_component(Workbench)]
pub fn workbench(p: &Props) -> Html {
    let panel = use_state(|| Panel::Yaml);
    // The editor's text and the source it was based on. A restored edit
    // starts dirty.
    let restored = use_state(restore_text);
    let text = {
        let source = p.source.clone();
        let restored = restored.clone();
        use_state(move || Rc::new((*restored).clone().unwrap_or_else(|| (*source).clone())))
    };
    let base = {
        let source = p.source.clone();
        use_state(move || source)
    };
    let checked = {
        let text = text.clone();
        use_state(move || Checked::of(&text))
    };
    // The last text that loaded, for the linter while the learner types.
    let last_good = {
        let checked = checked.clone();
        use_state(move || checked.findings.clone())
    };

    // The running scenario changed (picker, Run, a lesson): follow it,
    // unless the learner has edits, which are never thrown away.
    {
        let (text, base, checked, last_good) = (
            text.clone(),
            base.clone(),
            checked.clone(),
            last_good.clone(),
        );
        use_effect_with(p.source.clone(), move |source| {
            if !Rc::ptr_eq(source, &base) && *source != *base {
                if **text == **base {
                    show_check(Checked::of(source), &checked, &last_good);
                    text.set(Rc::new((**source).clone()));
                    save_text(source, source);
                }
                base.set(source.clone());
            }
        });
    }

    let on_text = {
        let (text, base, checked, last_good, restored) = (
            text.clone(),
            base.clone(),
            checked.clone(),
            last_good.clone(),
            restored.clone(),
        );
        Callback::from(move |(t, validate): (String, bool)| {
            // Once the learner types on, the restore note has done its job.
            if restored.is_some() && !validate {
                restored.set(None);
            }
            save_text(&t, &base);
            if validate {
                show_check(Checked::of(&t), &checked, &last_good);
            }
            text.set(Rc::new(t));
        })
    };
    let on_reset = {
        let (text, base, checked, last_good, restored) = (
            text.clone(),
            base.clone(),
            checked.clone(),
            last_good.clone(),
            restored.clone(),
        );
        Callback::from(move |_: ()| {
            restored.set(None);
            show_check(Checked::of(&base), &checked, &last_good);
            save_text(&base, &base);
            text.set((*base).clone());
        })
    };

    let tab = |id: Panel, key: &str, label: &str| {
        let panel_h = panel.clone();
        let onclick = Callback::from(move |_: MouseEvent| panel_h.set(id));
        let selected = *panel == id;
        html! {
            <button type="button" role="tab" id={format!("wb-tab-{key}")}
                aria-selected={selected.to_string()} aria-controls={format!("wb-{key}")}
                class={classes!("wb-tab", selected.then_some("active"))} {onclick}>
                { label.to_string() }
            </button>
        }
    };
    let errors = checked.diags.iter().filter(|d| d.is_error()).count();
    let dirty = **text != **base;
    html! {
        <section class="workbench" aria-label="Workbench">
            <div class="wb-tabs" role="tablist" aria-label="Workbench panels">
                { tab(Panel::Yaml, "yaml", &format!("YAML{}", if errors > 0 { format!(" ({errors}✗)") } else if dirty { " •".into() } else { String::new() })) }
                { tab(Panel::Lessons, "lessons", "Lessons") }
                { tab(Panel::Lint, "lint", "Best practices") }
                { tab(Panel::Share, "share", "Share") }
            </div>
            <div id="wb-yaml" role="tabpanel" aria-labelledby="wb-tab-yaml" hidden={*panel != Panel::Yaml}>
                <YamlEditor
                    text={(*text).clone()}
                    base={(*base).clone()}
                    checked={(*checked).clone()}
                    restored={restored.is_some() && dirty}
                    snap={p.snap.clone()}
                    on_text={on_text}
                    on_reset={on_reset}
                    act={p.act.clone()}
                />
            </div>
            <div id="wb-lessons" role="tabpanel" aria-labelledby="wb-tab-lessons" hidden={*panel != Panel::Lessons}>
                <LessonsPanel snap={p.snap.clone()} engine={p.engine.clone()} act={p.act.clone()} />
            </div>
            <div id="wb-lint" role="tabpanel" aria-labelledby="wb-tab-lint" hidden={*panel != Panel::Lint}>
                { lint_panel::lint_panel(&lint_panel::Props {
                    findings: (*last_good).clone(),
                    current: checked.loaded.is_some(),
                }) }
            </div>
            <div id="wb-share" role="tabpanel" aria-labelledby="wb-tab-share" hidden={*panel != Panel::Share}>
                <SharePanel snap={p.snap.clone()} engine={p.engine.clone()} source={p.source.clone()} applied={p.applied.clone()} />
            </div>
        </section>
    }
}
