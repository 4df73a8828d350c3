//! The packet layer: one `<canvas id="packets">` over the topology, and the
//! animation loop that drives the whole simulation.
//!
//! The loop owns its `gloo` render-frame handle (dropping it on unmount
//! cancels the next frame). Each frame it advances the engine to the new
//! displayed time and draws; a few times a second it asks the app for a
//! fresh snapshot (`Action::Tick`), which is the only DOM work it causes.

use crate::app::{Action, EngineRef};
use crate::draw;
use gloo::render::{request_animation_frame, AnimationFrame};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

/// Wall-clock milliseconds between snapshot refreshes (counters, tables,
/// pod states). Four a second reads as live without costing frames.
const TICK_MS: f64 = 250.0;
/// Wall time a frame may spend simulating. The rest of the 16.7 ms frame
/// is for drawing, the DOM refresh and the browser itself. (A smaller
/// budget on the frames that refresh the DOM was tried: it cut how much
/// the display could show at 100× by half and still missed vsyncs.)
const SIM_BUDGET_MS: f64 = 9.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub engine: EngineRef,
    pub act: Callback<Action>,
}

type Handle = Rc<RefCell<Option<AnimationFrame>>>;

struct Loop {
    canvas: NodeRef,
    engine: EngineRef,
    act: Callback<Action>,
    handle: Handle,
    last_tick: Cell<f64>,
}

impl Loop {
    fn frame(self: Rc<Self>, wall_ms: f64) {
        // The engine is only borrowed elsewhere inside event handlers, which
        // never run during this callback; skip the frame rather than panic
        // if that ever changes.
        let tick = wall_ms - self.last_tick.get() >= TICK_MS;
        if let Ok(mut e) = self.engine.0.try_borrow_mut() {
            let perf = web_sys::window().and_then(|w| w.performance());
            let start = perf.as_ref().map_or(0.0, |p| p.now());
            e.frame(wall_ms, &mut || {
                perf.as_ref()
                    .is_some_and(|p| p.now() - start > SIM_BUDGET_MS)
            });
            if let Some(c) = self.canvas.cast::<HtmlCanvasElement>() {
                draw::draw(&c, &e, wall_ms);
            }
        }
        if tick {
            self.last_tick.set(wall_ms);
            self.act.emit(Action::Tick);
        }
        let next = self.clone();
        *self.handle.borrow_mut() = Some(request_animation_frame(move |t| next.frame(t)));
    }
}

#[function_component(PacketCanvas)]
pub fn packet_canvas(p: &Props) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let engine = p.engine.clone();
        let act = p.act.clone();
        use_effect_with((), move |_| {
            let handle: Handle = Rc::new(RefCell::new(None));
            let lp = Rc::new(Loop {
                canvas,
                engine,
                act,
                handle: handle.clone(),
                last_tick: Cell::new(0.0),
            });
            *handle.borrow_mut() = Some(request_animation_frame(move |t| lp.frame(t)));
            // Dropping the pending frame cancels it; the loop holds the
            // handle, so clear it to break the cycle too.
            move || drop(handle.borrow_mut().take())
        });
    }
    html! {
        <canvas id="packets" ref={canvas} class="packets" aria-hidden="true"></canvas>
    }
}
