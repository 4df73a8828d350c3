//! svcsim's browser front end (Yew) — PLACEHOLDER written by the tooling work
//! so the build and the end-to-end test have something real to check. The UI
//! engineer replaces this file; keep the two hooks the e2e test relies on:
//! `<canvas id="packets">` (pixels change while the scenario plays) and
//! `#trace-count` (an integer that grows).

use std::cell::RefCell;
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    let canvas = use_node_ref();
    let frames = use_state(|| 0u64);
    {
        let canvas = canvas.clone();
        let frames = frames.setter();
        use_effect_with((), move |_| {
            // The loop re-arms itself each frame; the handle lives in this
            // cell so dropping it (on unmount) cancels the next frame.
            let handle: Rc<RefCell<Option<AnimationFrame>>> = Rc::new(RefCell::new(None));
            let count = Rc::new(RefCell::new(0u64));
            fn tick(
                t: f64,
                canvas: NodeRef,
                frames: UseStateSetter<u64>,
                count: Rc<RefCell<u64>>,
                handle: Rc<RefCell<Option<AnimationFrame>>>,
            ) {
                if let Some(ctx) = canvas
                    .cast::<HtmlCanvasElement>()
                    .and_then(|c| c.get_context("2d").ok().flatten())
                    .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
                {
                    ctx.set_fill_style_str("#0b1d2a");
                    ctx.fill_rect(0.0, 0.0, 640.0, 240.0);
                    ctx.set_fill_style_str("#4fc3f7");
                    let x = (t / 4.0) % 640.0;
                    ctx.fill_rect(x, 110.0, 12.0, 12.0);
                }
                *count.borrow_mut() += 1;
                frames.set(*count.borrow());
                let next = handle.clone();
                *handle.borrow_mut() = Some(request_animation_frame(move |t| {
                    tick(t, canvas, frames, count, next)
                }));
            }
            let first = handle.clone();
            *handle.borrow_mut() = Some(request_animation_frame(move |t| {
                tick(t, canvas, frames, count, first)
            }));
            move || drop(handle.borrow_mut().take())
        });
    }
    html! {
        <main>
            <h1>{ "svcsim" }</h1>
            <p>{ "Placeholder front end. Trace events: " }<span id="trace-count">{ *frames }</span></p>
            <canvas id="packets" ref={canvas} width="640" height="240"></canvas>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
