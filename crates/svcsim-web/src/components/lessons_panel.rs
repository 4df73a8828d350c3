//! Guided lessons (one on why Services exist, one per Service type) with
//! steps the app checks as the learner works, and the "Which Service type
//! should I use?" helper. The content and the checks are in
//! `model::lessons`; this widget only shows them and feeds them facts.

use crate::app::{Action, EngineRef};
use crate::model::lessons::{self, Choice, Facts, Progress, LESSONS};
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
    pub act: Callback<Action>,
}

fn facts(snap: &Snapshot, engine: &EngineRef) -> Facts {
    let e = engine.0.borrow();
    Facts::new(
        &snap.scenario,
        e.recorded_commands(),
        &snap.metrics,
        snap.now,
    )
}

#[function_component(LessonsPanel)]
pub fn lessons_panel(p: &Props) -> Html {
    let progress = use_state(|| None::<Progress>);
    let answers = use_state(Vec::<bool>::new);

    // Judge the current step whenever a new snapshot arrives.
    {
        let (progress, engine) = (progress.clone(), p.engine.clone());
        use_effect_with(p.snap.clone(), move |snap| {
            if let Some(mut pr) = (*progress).clone() {
                if !pr.finished() && pr.update(&facts(snap, &engine)) {
                    progress.set(Some(pr));
                }
            }
        });
    }

    let start = |l: &'static lessons::Lesson| {
        let (progress, act) = (progress.clone(), p.act.clone());
        Callback::from(move |_: MouseEvent| {
            act.emit(Action::LoadScenario(l.scenario.to_string()));
            // The scenario starts over, so the lesson counts from zero.
            progress.set(Some(Progress::start(l, &Facts::default())));
        })
    };
    let stop = {
        let progress = progress.clone();
        Callback::from(move |_: MouseEvent| progress.set(None))
    };

    let lesson_view = match &*progress {
        None => html! {
            <ul class="lesson-list">
                { for LESSONS.iter().map(|l| html! {
                    <li>
                        <button type="button" id={format!("lesson-start-{}", l.id)} onclick={start(l)}
                            title={format!("Open the {} scenario and start the lesson", l.scenario)}>
                            { "Start" }
                        </button>
                        <span class="lesson-title">{ l.title }</span>
                    </li>
                }) }
            </ul>
        },
        Some(pr) => {
            let l = pr.lesson;
            html! {
                <div class="lesson" id={format!("lesson-{}", l.id)}>
                    <h3>{ l.title }</h3>
                    <p class="lesson-intro">{ l.intro }</p>
                    <ol class="lesson-steps">
                        { for l.steps.iter().enumerate().map(|(i, s)| {
                            let state = if i < pr.done { "done" } else if i == pr.done { "current" } else { "todo" };
                            html! {
                                <li class={classes!("step", state)} aria-current={(i == pr.done).then_some("step")}>
                                    <span class="step-mark" aria-label={state}>
                                        { if i < pr.done { "✓" } else if i == pr.done { "▶" } else { "·" } }
                                    </span>
                                    <span class="step-todo">{ s.todo }</span>
                                    if i < pr.done {
                                        <span class="step-learned">{ s.learned }</span>
                                    }
                                </li>
                            }
                        }) }
                    </ol>
                    if pr.finished() {
                        <p class="lesson-done" id="lesson-done" role="status">{ "Lesson complete ✓" }</p>
                    }
                    <button type="button" id="lesson-stop" onclick={stop}>{ "All lessons" }</button>
                </div>
            }
        }
    };

    let chooser = match lessons::choose(&answers) {
        Choice::Ask { question, hint, .. } => {
            let say = |yes: bool| {
                let answers = answers.clone();
                Callback::from(move |_: MouseEvent| {
                    let mut a = (*answers).clone();
                    a.push(yes);
                    answers.set(a);
                })
            };
            html! {
                <div class="chooser-q">
                    <p class="chooser-question" id="chooser-question">{ *question }</p>
                    <p class="chooser-hint">{ *hint }</p>
                    <button type="button" id="choose-yes" onclick={say(true)}>{ "Yes" }</button>
                    <button type="button" id="choose-no" onclick={say(false)}>{ "No" }</button>
                </div>
            }
        }
        Choice::Answer {
            service_type,
            scenario,
            why,
        } => {
            let open = p
                .act
                .reform(move |_: MouseEvent| Action::LoadScenario(scenario.to_string()));
            html! {
                <div class="chooser-a">
                    <p id="chooser-answer">{ "Use " }<strong>{ *service_type }</strong>{ "." }</p>
                    <p class="chooser-hint">{ *why }</p>
                    <button type="button" id="choose-open" onclick={open}>
                        { format!("Open the {scenario} scenario") }
                    </button>
                </div>
            }
        }
    };
    let again = {
        let answers = answers.clone();
        Callback::from(move |_: MouseEvent| answers.set(Vec::new()))
    };
    html! {
        <div class="lessons-panel">
            <div class="lessons">{ lesson_view }</div>
            <div class="chooser" aria-label="Which Service type should I use?">
                <h3>{ "Which Service type should I use?" }</h3>
                { chooser }
                if !answers.is_empty() {
                    <button type="button" id="choose-again" onclick={again}>{ "Start over" }</button>
                }
            </div>
        </div>
    }
}
