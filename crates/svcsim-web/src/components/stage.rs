//! The picture: the SVG topology with the packet canvas layered exactly over
//! it, the legend, and the hovered packet's tooltip.
//!
//! The canvas ignores the pointer (CSS `pointer-events: none`) so clicks
//! reach the SVG; hovering is resolved here against the last frame's
//! packets, nearest first.

use super::packet_canvas::PacketCanvas;
use super::policy_legend;
use super::tooltip;
use super::topology::Topology;
use crate::app::{Action, EngineRef, Selection};
use crate::model::layout::WIDTH;
use crate::model::packets::{nearest, Flight};
use crate::model::palette;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::sim::trace::PacketKind;
use web_sys::HtmlElement;
use yew::prelude::*;

/// How close (in picture units) the pointer must be to pick a packet.
const PICK_RADIUS: f64 = 14.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
    pub selection: Option<Selection>,
    pub hover: Option<Rc<Flight>>,
    /// The highlighted NetworkPolicy, `ns/name`.
    pub policy: Option<String>,
    pub dark: bool,
    pub act: Callback<Action>,
}

/// The packet of the last frame nearest the pointer, if one is close enough.
fn flight_at(area: &NodeRef, engine: &EngineRef, ev: &MouseEvent) -> Option<Flight> {
    let el = area.cast::<HtmlElement>()?;
    let rect = el.get_bounding_client_rect();
    if rect.width() < 1.0 || rect.height() < 1.0 {
        return None;
    }
    // The animation loop may hold the engine this instant; then nothing is
    // picked, and the next pointer event tries again.
    let e = engine.0.try_borrow().ok()?;
    let x = (ev.client_x() as f64 - rect.left()) / rect.width() * WIDTH;
    let y = (ev.client_y() as f64 - rect.top()) / rect.height() * e.layout.height;
    nearest(&e.shapes, x, y, PICK_RADIUS)
        .and_then(|i| e.packets.get(i))
        .cloned()
}

#[function_component(Stage)]
pub fn stage(p: &Props) -> Html {
    let area = use_node_ref();
    let on_move = {
        let area = area.clone();
        let engine = p.engine.clone();
        let act = p.act.clone();
        let current = p.hover.as_ref().map(|f| f.seq);
        Callback::from(move |ev: MouseEvent| match flight_at(&area, &engine, &ev) {
            Some(f) if Some(f.seq) != current => act.emit(Action::Hover(Some(Rc::new(f)))),
            None if current.is_some() => act.emit(Action::Hover(None)),
            _ => {}
        })
    };
    let on_leave = p.act.reform(|_: MouseEvent| Action::Hover(None));
    // A click on (near) a packet opens its request in the packet
    // inspector; clicks elsewhere still reach the SVG's nodes and pods.
    let on_click = {
        let area = area.clone();
        let engine = p.engine.clone();
        let act = p.act.clone();
        Callback::from(move |ev: MouseEvent| {
            if let Some(f) = flight_at(&area, &engine, &ev) {
                act.emit(Action::SelectPacket(Some(f.hop.request)));
            }
        })
    };
    let legend = [
        (PacketKind::DnsQuery, "DNS"),
        (PacketKind::Syn, "SYN / SYN-ACK"),
        (PacketKind::Request, "request"),
        (PacketKind::Response, "response"),
        (PacketKind::Reset, "reset"),
    ];
    html! {
        <section class="stage-wrap" aria-label="Cluster and packets">
            <div class="stage" ref={area} onmousemove={on_move} onmouseleave={on_leave} onclick={on_click}>
                <Topology snap={p.snap.clone()} selection={p.selection.clone()} policy={p.policy.clone()} dark={p.dark} act={p.act.clone()} />
                <PacketCanvas engine={p.engine.clone()} act={p.act.clone()} />
            </div>
            <div class="legend" aria-label="Packet colours">
                { for legend.iter().map(|(k, name)| html! {
                    <span class="legend-item">
                        <span class="swatch" style={format!("background:{}", palette::packet(*k, p.dark))}></span>
                        { *name }
                    </span>
                }) }
                <span class="legend-item hint">{ format!("{} hops in view · hover a packet for NAT details, click it to follow it", p.snap.in_flight) }</span>
            </div>
            { policy_legend::policy_legend(&policy_legend::Props {
                snap: p.snap.clone(),
                policy: p.policy.clone(),
                dark: p.dark,
                act: p.act.clone(),
            }) }
            if let Some(f) = p.hover.clone() {
                { tooltip::tooltip(&tooltip::Props { flight: f }) }
            }
        </section>
    }
}
