//! Drawing the packet layer on the canvas: flows, packets with their tails,
//! the hovered packet's ring, and failure labels.
//!
//! This is the only per-frame rendering; it reads the engine's last composed
//! frame (`Engine::shapes`) and touches no virtual DOM. The canvas is sized
//! to its CSS box times the device pixel ratio and uses the SVG's user
//! units, so packets line up with the topology underneath at any zoom.

use crate::model::engine::Engine;
use crate::model::layout::WIDTH;
use crate::model::packets::LABEL_MS;
use crate::model::palette;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
}

/// Draw one frame. `wall_ms` fades the failure labels.
pub fn draw(canvas: &HtmlCanvasElement, e: &Engine, wall_ms: f64) {
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let (cw, ch) = (canvas.client_width() as f64, canvas.client_height() as f64);
    if cw < 1.0 || ch < 1.0 {
        return;
    }
    let (pw, ph) = ((cw * dpr).round() as u32, (ch * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = context(canvas) else { return };
    let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, pw as f64, ph as f64);
    let height = e.layout.height.max(1.0);
    let _ = ctx.set_transform(pw as f64 / WIDTH, 0.0, 0.0, ph as f64 / height, 0.0, 0.0);
    let dark = e.dark;
    let shapes = &e.shapes;

    // Aggregated flows: one line per edge, thicker with more packets.
    for f in &shapes.flows {
        ctx.set_stroke_style_str(palette::packet(f.kind, dark));
        ctx.set_global_alpha(0.55);
        ctx.set_line_width(1.0 + (f.count as f64).log2().max(0.0));
        ctx.begin_path();
        ctx.move_to(f.from.0, f.from.1);
        ctx.line_to(f.to.0, f.to.1);
        ctx.stroke();
        ctx.set_global_alpha(1.0);
        let (mx, my) = ((f.from.0 + f.to.0) / 2.0, (f.from.1 + f.to.1) / 2.0);
        ctx.set_font("bold 10px system-ui, sans-serif");
        ctx.set_fill_style_str(if dark { "#e3e9ef" } else { "#16202a" });
        let _ = ctx.fill_text(&format!("×{}", f.count), mx + 4.0, my - 4.0);
    }

    // Glows: the edges hops crossed a moment ago, fading.
    ctx.set_line_cap("round");
    ctx.set_line_width(2.0);
    for g in &shapes.glows {
        ctx.set_stroke_style_str(palette::packet(g.kind, dark));
        ctx.set_global_alpha(0.45 * g.alpha);
        ctx.begin_path();
        ctx.move_to(g.from.0, g.from.1);
        ctx.line_to(g.to.0, g.to.1);
        ctx.stroke();
    }
    ctx.set_global_alpha(1.0);

    // Packets: a tail for how far it went this frame, then the dot.
    ctx.set_line_cap("round");
    for d in &shapes.dots {
        let color = palette::packet(d.kind, dark);
        let r = palette::packet_radius(d.kind);
        let (tx, ty) = d.tail;
        if (tx - d.x).abs() + (ty - d.y).abs() > 1.0 {
            ctx.set_stroke_style_str(color);
            ctx.set_global_alpha(0.35);
            ctx.set_line_width(r * 1.2);
            ctx.begin_path();
            ctx.move_to(tx, ty);
            ctx.line_to(d.x, d.y);
            ctx.stroke();
            ctx.set_global_alpha(1.0);
        }
        ctx.set_fill_style_str(color);
        ctx.begin_path();
        let _ = ctx.arc(d.x, d.y, r, 0.0, std::f64::consts::TAU);
        ctx.fill();
        if e.hover_seq == Some(d.seq) {
            ctx.set_stroke_style_str(if dark { "#ffffff" } else { "#000000" });
            ctx.set_line_width(1.5);
            ctx.begin_path();
            let _ = ctx.arc(d.x, d.y, r + 4.0, 0.0, std::f64::consts::TAU);
            ctx.stroke();
        }
    }

    // Failure labels where requests failed, fading out.
    ctx.set_font("bold 11px system-ui, sans-serif");
    for (i, l) in e.labels.items.iter().enumerate() {
        let (x, y) = e.layout.anchor(&l.at);
        // Above the place, stacked a little so neighbours do not cover each
        // other, but never off the top of the picture.
        let y = (y - 14.0 - (i % 3) as f64 * 15.0).max(14.0);
        let text = if l.count > 1 {
            format!("{} ×{}", l.text, l.count)
        } else {
            l.text.clone()
        };
        let w = ctx
            .measure_text(&text)
            .map_or(text.len() as f64 * 6.0, |m| m.width());
        let alpha = ((l.until_ms - wall_ms) / (LABEL_MS * 0.3)).clamp(0.0, 1.0);
        let x0 = (x - w / 2.0 - 5.0).clamp(2.0, WIDTH - w - 12.0);
        ctx.set_global_alpha(alpha * 0.92);
        ctx.set_fill_style_str(if dark { "#7a1f17" } else { "#c0392b" });
        ctx.fill_rect(x0, y - 12.0, w + 10.0, 16.0);
        ctx.set_global_alpha(alpha);
        ctx.set_fill_style_str("#ffffff");
        let _ = ctx.fill_text(&text, x0 + 5.0, y);
    }
    ctx.set_global_alpha(1.0);
}
