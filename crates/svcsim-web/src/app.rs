//! The application state, its reducer, and the page frame.
//!
//! Yew's `function_todomvc` style: one `AppState`, changed only through
//! [`Action`]s. The running simulation lives in the [`Engine`] behind an
//! `Rc<RefCell>` that the animation loop shares; the state holds a
//! [`Snapshot`] of it that widgets render from. The loop refreshes the
//! snapshot a few times a second (`Action::Tick`), and every user action
//! refreshes it at once, so the DOM is never rebuilt per frame.

use crate::components::{
    banner, charts::Charts, counters, event_log, help::Help, inspect_row::InspectRow, inspector,
    resources, scenario_bar::ScenarioBar, stage::Stage, toggles, transport, workbench::Workbench,
};
use crate::components::{policy_view, reach_view::ReachView};
use crate::model::compare::{Shared, Variation};
use crate::model::engine::Engine;
use crate::model::packets::Flight;
use crate::model::snapshot::Snapshot;
use std::cell::RefCell;
use std::rc::Rc;
use svcsim_core::sim::Command;
use svcsim_core::time::SimTime;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The scenario the page opens with.
pub const DEFAULT_SCENARIO: &str = "mixed";
/// How far the ±10 s scrub moves.
pub const SCRUB_NS: i64 = 10_000_000_000;

/// The engine, shared by the reducer and the animation loop. Equality is
/// identity: there is one engine for the page's life (a new scenario is
/// loaded into it), so props holding it never change.
#[derive(Clone)]
pub struct EngineRef(pub Rc<RefCell<Engine>>);

impl PartialEq for EngineRef {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// What is selected in the topology or the tables.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// `namespace/name`
    Pod(String),
    Node(String),
    /// `namespace/name`
    Service(String),
    /// `namespace/name`
    Deployment(String),
}

/// Resources panel tabs, in kubectl's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Pods,
    Deployments,
    ReplicaSets,
    Services,
    EndpointSlices,
    Nodes,
    Events,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Pods,
        Tab::Deployments,
        Tab::ReplicaSets,
        Tab::Services,
        Tab::EndpointSlices,
        Tab::Nodes,
        Tab::Events,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Tab::Pods => "Pods",
            Tab::Deployments => "Deployments",
            Tab::ReplicaSets => "ReplicaSets",
            Tab::Services => "Services",
            Tab::EndpointSlices => "EndpointSlices",
            Tab::Nodes => "Nodes",
            Tab::Events => "Events",
        }
    }
}

/// Which log lines to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFilter {
    All,
    Failures,
    Ok,
    Cluster,
}

#[derive(Clone, Debug)]
pub enum Action {
    /// Take a fresh snapshot (from the animation loop).
    Tick,
    TogglePlay,
    Step,
    /// Scrub by this many simulated nanoseconds.
    ScrubBy(i64),
    Seek(SimTime),
    /// The timeline's thumb is grabbed (`true`) or let go: playback holds
    /// while it is held and resumes as it was.
    Scrubbing(bool),
    SetSpeed(f64),
    LoadScenario(String),
    Restart(u64),
    Apply(Command),
    Select(Option<Selection>),
    SetTab(Tab),
    ToggleTheme,
    Help(bool),
    Hover(Option<Rc<Flight>>),
    DismissError,
    LogText(String),
    LogFilter(LogFilter),
    /// Run the A/B comparison with this setting changed.
    Compare(Variation),
    /// Highlight a NetworkPolicy (`ns/name`) and show it beside the picture.
    SelectPolicy(Option<String>),
    /// Open a request in the packet inspector (by request id), or close it.
    SelectPacket(Option<u64>),
    /// Open the request a log line (trace sequence number) belongs to.
    InspectSeq(u64),
    /// `kubectl apply` of the editor's text to the running sim.
    ApplyYaml(String),
    /// Start over from the editor's text (its Scenario document included).
    RunYaml(String),
}

#[derive(Clone)]
pub struct AppState {
    pub engine: EngineRef,
    pub snap: Rc<Snapshot>,
    rev: u64,
    pub selection: Option<Selection>,
    pub tab: Tab,
    pub dark: bool,
    pub help: bool,
    pub hover: Option<Rc<Flight>>,
    pub error: Option<String>,
    pub log_text: String,
    pub log_filter: LogFilter,
    pub reduced_motion: bool,
    /// While the timeline is held: whether playback was on when grabbed.
    resume_after_scrub: Option<bool>,
    /// The last A/B comparison, until the scenario changes.
    pub comparison: Option<Shared>,
    /// The highlighted NetworkPolicy, `ns/name`.
    pub policy: Option<String>,
    /// The request shown in the packet inspector.
    pub packet: Option<u64>,
    /// The YAML of the scenario that runs (a built-in's file, or the text
    /// it was started from), for the editor and share links.
    pub source: Rc<String>,
    /// The edits applied in this run, for share links.
    pub applied: Rc<Vec<crate::model::share::Applied>>,
}

fn media(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

impl AppState {
    fn initial() -> AppState {
        let mut error = None;
        let mut source = svcsim_manifests::builtin::get(DEFAULT_SCENARIO)
            .unwrap_or_default()
            .to_string();
        // A share link in the fragment opens that moment; a broken one says
        // so and falls back to the default scenario.
        let shared = crate::components::workbench::shared_engine();
        let engine = match shared {
            Some(Ok((e, text))) => {
                source = text;
                Ok(e)
            }
            Some(Err(msg)) => {
                error = Some(msg);
                Engine::builtin(DEFAULT_SCENARIO, None)
            }
            None => Engine::builtin(DEFAULT_SCENARIO, None),
        };
        let engine = match engine {
            Ok(e) => e,
            Err(msg) => {
                error = Some(format!("Could not load {DEFAULT_SCENARIO}: {msg}"));
                Engine::new(
                    "empty",
                    Vec::new(),
                    svcsim_core::ScenarioSpec::default(),
                    None,
                )
                // The default spec's CIDRs are constants that parse, and an
                // empty object list has nothing else to reject.
                .expect("the empty default scenario builds")
            }
        };
        let mut engine = engine;
        let dark = media("(prefers-color-scheme: dark)");
        let reduced_motion = media("(prefers-reduced-motion: reduce)");
        engine.dark = dark;
        engine.reduced_motion = reduced_motion;
        if !engine.warnings.is_empty() && error.is_none() {
            error = Some(engine.warnings.join("; "));
        }
        let snap = Rc::new(Snapshot::take(&mut engine, 0));
        AppState {
            engine: EngineRef(Rc::new(RefCell::new(engine))),
            snap,
            rev: 0,
            selection: None,
            tab: Tab::Pods,
            dark,
            help: false,
            hover: None,
            error,
            log_text: String::new(),
            // Everything, so the log mirrors the animation line by line.
            log_filter: LogFilter::All,
            reduced_motion,
            resume_after_scrub: None,
            comparison: None,
            policy: None,
            packet: None,
            source: Rc::new(source),
            applied: Rc::default(),
        }
    }

    /// Run `fresh` instead of the current engine: speed, theme and motion
    /// carry over, it plays, and everything tied to the old run is cleared.
    fn install(&mut self, mut fresh: Engine, source: String) {
        let mut e = self.engine.0.borrow_mut();
        fresh.clock.speed = e.clock.speed;
        fresh.clock.playing = true;
        fresh.dark = e.dark;
        fresh.reduced_motion = e.reduced_motion;
        self.error = (!fresh.warnings.is_empty()).then(|| fresh.warnings.join("; "));
        *e = fresh;
        self.selection = None;
        self.hover = None;
        self.comparison = None;
        self.policy = None;
        self.packet = None;
        self.source = Rc::new(source);
        self.applied = Rc::default();
    }

    fn refresh(&mut self) {
        self.rev += 1;
        let mut e = self.engine.0.borrow_mut();
        self.snap = Rc::new(Snapshot::take(&mut e, self.rev));
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let engine = s.engine.0.clone();
        match action {
            Action::Tick => {}
            Action::TogglePlay => {
                let mut e = engine.borrow_mut();
                e.clock.playing = !e.clock.playing;
            }
            Action::Step => engine.borrow_mut().step(),
            Action::ScrubBy(d) => {
                let mut e = engine.borrow_mut();
                let now = e.now().0 as i64;
                let t = (now + d).max(0) as u64;
                e.seek(SimTime(t));
            }
            Action::Seek(t) => engine.borrow_mut().seek(t),
            Action::Scrubbing(held) => {
                let mut e = engine.borrow_mut();
                if held {
                    s.resume_after_scrub.get_or_insert(e.clock.playing);
                    e.clock.playing = false;
                } else if let Some(was) = s.resume_after_scrub.take() {
                    e.clock.playing = was;
                }
            }
            Action::SetSpeed(v) => engine.borrow_mut().clock.set_speed(v),
            Action::LoadScenario(name) => match Engine::builtin(&name, None) {
                Ok(fresh) => {
                    let source = svcsim_manifests::builtin::get(&name).unwrap_or_default();
                    s.install(fresh, source.to_string());
                }
                Err(msg) => s.error = Some(format!("Could not load {name}: {msg}")),
            },
            Action::ApplyYaml(text) => match crate::model::editor::check(&text) {
                Ok(loaded) => {
                    let mut e = engine.borrow_mut();
                    // Against the cluster as it is at this instant, so a
                    // share link's replay computes the same objects.
                    let objects = crate::model::editor::objects_for_apply(&loaded, &e.view());
                    e.apply(Command::Apply { objects });
                    let mut applied = (*s.applied).clone();
                    applied.push(crate::model::share::Applied {
                        t: e.now(),
                        // Apply appends to the record (after dropping any
                        // later branch).
                        index: e.recorded_commands().len().saturating_sub(1),
                        text,
                    });
                    s.applied = Rc::new(applied);
                }
                Err(_) => s.error = Some("Not applied: the YAML has errors.".into()),
            },
            Action::RunYaml(text) => match crate::model::editor::engine_from_yaml(&text, None) {
                Ok(fresh) => s.install(fresh, text),
                Err(msg) => s.error = Some(format!("Could not run the editor's scenario: {msg}")),
            },
            Action::Restart(seed) => {
                if let Err(msg) = engine.borrow_mut().restart(seed) {
                    s.error = Some(format!("Could not restart: {msg}"));
                }
                s.hover = None;
                s.comparison = None;
                s.packet = None;
                // Recorded commands do not carry over, nor do the edits.
                s.applied = Rc::default();
            }
            Action::Apply(cmd) => engine.borrow_mut().apply(cmd),
            Action::Select(sel) => s.selection = sel,
            Action::SetTab(t) => s.tab = t,
            Action::ToggleTheme => {
                s.dark = !s.dark;
                engine.borrow_mut().dark = s.dark;
            }
            Action::Help(open) => s.help = open,
            Action::Hover(f) => {
                engine.borrow_mut().hover_seq = f.as_ref().map(|f| f.seq);
                s.hover = f;
                // Hovering changes nothing in the snapshot.
                return Rc::new(s);
            }
            Action::DismissError => s.error = None,
            Action::LogText(t) => s.log_text = t,
            Action::LogFilter(f) => s.log_filter = f,
            Action::Compare(v) => s.comparison = Some(Shared(Rc::new(engine.borrow().compare(v)))),
            Action::SelectPolicy(p) => s.policy = p,
            Action::SelectPacket(p) => s.packet = p,
            Action::InspectSeq(seq) => {
                if let Some(id) = engine.borrow().requests.by_seq(seq) {
                    s.packet = Some(id);
                }
            }
        }
        s.refresh();
        Rc::new(s)
    }
}

/// True when a key press belongs to a form field rather than to the page's
/// shortcuts.
fn typing_in_field(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(
        el.tag_name().to_ascii_uppercase().as_str(),
        "INPUT" | "SELECT" | "TEXTAREA"
    )
}

fn on_key(ev: &web_sys::KeyboardEvent, act: &Callback<Action>) {
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing_in_field(ev) {
        return;
    }
    let on_button = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            // Real buttons, and the SVG shapes that act as buttons (pods,
            // nodes, Services), handle Space themselves.
            el.tag_name().eq_ignore_ascii_case("BUTTON")
                || el.get_attribute("role").as_deref() == Some("button")
        });
    let action = match ev.key().as_str() {
        // Space on a focused button clicks it; leave that alone.
        " " if !on_button => Action::TogglePlay,
        "ArrowRight" if ev.shift_key() => Action::ScrubBy(SCRUB_NS),
        "ArrowRight" => Action::Step,
        "ArrowLeft" => Action::ScrubBy(-SCRUB_NS),
        "?" => Action::Help(true),
        "Escape" => Action::Help(false),
        _ => return,
    };
    ev.prevent_default();
    act.emit(action);
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::initial);
    let act = {
        let d = state.dispatcher();
        use_callback((), move |a: Action, _| d.dispatch(a))
    };

    // Keyboard shortcuts for the whole page.
    {
        let act = act.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                // Not passive: Space and the arrows must not also scroll
                // the page.
                let opts = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                        on_key(k, &act);
                    }
                })
            });
            move || drop(listener)
        });
    }

    // The theme is an attribute on <html> so the whole page's CSS follows.
    {
        let dark = state.dark;
        use_effect_with(dark, move |dark| {
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("data-theme", if *dark { "dark" } else { "light" });
            }
        });
    }

    let snap = state.snap.clone();
    html! {
        <div class={classes!("app", state.reduced_motion.then_some("reduced-motion"))}>
            <header class="topbar">
                <h1 class="brand">{ "svcsim" }<span class="tagline">{ "Kubernetes Services, packet by packet" }</span></h1>
                <ScenarioBar snap={snap.clone()} act={act.clone()} />
                { toggles::toggles(&toggles::Props {
                    snap: snap.clone(),
                    dark: state.dark,
                    act: act.clone(),
                }) }
            </header>
            if let Some(msg) = state.error.clone() {
                { banner::banner(&banner::Props { message: msg, act: act.clone() }) }
            }
            { transport::transport(&transport::Props { snap: snap.clone(), act: act.clone() }) }
            <main class="workspace">
                <Stage
                    snap={snap.clone()}
                    engine={state.engine.clone()}
                    selection={state.selection.clone()}
                    hover={state.hover.clone()}
                    policy={state.policy.clone()}
                    dark={state.dark}
                    act={act.clone()}
                />
                <aside class="side">
                    { counters::counters(&counters::Props { snap: snap.clone() }) }
                    // What the learner clicked comes first; the charts,
                    // which are always there, after it.
                    { inspector::inspector(&inspector::Props {
                        snap: snap.clone(),
                        selection: state.selection.clone(),
                        act: act.clone(),
                    }) }
                    <ReachView snap={snap.clone()} selection={state.selection.clone()} />
                    { policy_view::policy_view(&policy_view::Props {
                        snap: snap.clone(),
                        policy: state.policy.clone(),
                        dark: state.dark,
                        act: act.clone(),
                    }) }
                    <Charts snap={snap.clone()} comparison={state.comparison.clone()} act={act.clone()} />
                </aside>
            </main>
            <InspectRow
                snap={snap.clone()}
                engine={state.engine.clone()}
                selection={state.selection.clone()}
                packet={state.packet}
                act={act.clone()}
            />
            <section class="lower">
                { resources::resources(&resources::Props {
                    snap: snap.clone(),
                    tab: state.tab,
                    selection: state.selection.clone(),
                    act: act.clone(),
                }) }
                { event_log::event_log(&event_log::Props {
                    snap: snap.clone(),
                    text: state.log_text.clone(),
                    filter: state.log_filter,
                    act: act.clone(),
                }) }
            </section>
            <Workbench snap={snap.clone()} engine={state.engine.clone()} source={state.source.clone()} applied={state.applied.clone()} act={act.clone()} />
            if state.help {
                <Help act={act.clone()} />
            }
        </div>
    }
}
