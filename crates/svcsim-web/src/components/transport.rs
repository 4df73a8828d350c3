//! Play/pause, step, ±10 s, speed and the timeline, plus the clock and the
//! trace counter (`#trace-count`, which the end-to-end test watches).

use crate::app::{Action, SCRUB_NS};
use crate::model::clock::{slider_to_speed, speed_label, speed_to_slider};
use crate::model::format;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::time::SimTime;
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub act: Callback<Action>,
}

pub fn transport(p: &Props) -> Html {
    let s = &p.snap;
    let play = p.act.reform(|_: MouseEvent| Action::TogglePlay);
    let step = p.act.reform(|_: MouseEvent| Action::Step);
    let back = p.act.reform(|_: MouseEvent| Action::ScrubBy(-SCRUB_NS));
    let fwd = p.act.reform(|_: MouseEvent| Action::ScrubBy(SCRUB_NS));
    let speed = p.act.reform(|e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Action::SetSpeed(slider_to_speed(i.value_as_number()))
    });
    let seek = p.act.reform(|e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        let ms = i.value_as_number();
        let ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
        Action::Seek(SimTime((ms * 1e6) as u64))
    });
    // Playback holds while the thumb is held, so it stays under the
    // pointer instead of running on from each position dragged over.
    let grab = p.act.reform(|_: PointerEvent| Action::Scrubbing(true));
    let release = p.act.reform(|_: PointerEvent| Action::Scrubbing(false));
    let release_change = p.act.reform(|_: Event| Action::Scrubbing(false));
    let end_ms = s.horizon.max(s.duration).0 / 1_000_000;
    let now_ms = s.now.0 / 1_000_000;
    html! {
        <div class="transport" role="group" aria-label="Time controls">
            <button type="button" id="play" onclick={play} aria-pressed={s.playing.to_string()}
                title="Play or pause (Space)">
                { if s.playing { "‖ Pause" } else { "▶ Play" } }
            </button>
            <button type="button" id="step" onclick={step} title="Step to the next event (→)">{ "→| Step" }</button>
            <button type="button" id="back" onclick={back} title="Back 10 simulated seconds (←)">{ "−10 s" }</button>
            <button type="button" id="forward" onclick={fwd} title="Forward 10 simulated seconds (Shift+→)">{ "+10 s" }</button>
            <span class="speed">
                <label for="speed">{ "Speed" }</label>
                <input id="speed" type="range" min="0" max="400" step="1"
                    value={(speed_to_slider(s.speed) as i64).to_string()} oninput={speed}
                    aria-valuetext={speed_label(s.speed)} />
                <output for="speed" id="speed-value">{ speed_label(s.speed) }</output>
                if let Some(kept) = s.pace {
                    <span class="pace" id="pace" title="Simulating this fast takes more than a frame's share of time in this browser, so the picture runs slower rather than stutter. Every result is the same; it is only shown later.">
                        { format!("(keeping up at {})", speed_label(kept)) }
                    </span>
                }
            </span>
            <span class="timeline">
                <label for="timeline">{ "Time" }</label>
                <input id="timeline" type="range" min="0" max={end_ms.to_string()} step="100"
                    value={now_ms.to_string()} oninput={seek} list="command-marks"
                    onpointerdown={grab} onpointerup={release.clone()} onpointercancel={release}
                    onchange={release_change}
                    aria-valuetext={format::sim_time(s.now)} />
                // Tick marks where recorded commands apply: scrubbing back
                // over one and playing again re-applies it there.
                <datalist id="command-marks">
                    { for s.command_times.iter().map(|t| html! {
                        <option value={(t.0 / 1_000_000).to_string()}></option>
                    }) }
                </datalist>
                <output id="clock" for="timeline">{ format::sim_time(s.now) }</output>
            </span>
            <span class="trace-counter" title={format!("Trace events consumed so far · {} command(s) recorded · {} checkpoint(s) for scrubbing", s.commands, s.checkpoints)}>
                { "trace events " }<span id="trace-count">{ s.trace_count }</span>
            </span>
        </div>
    }
}
