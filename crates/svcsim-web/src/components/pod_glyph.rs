//! One pod in the topology: a rounded box coloured by its Deployment and
//! version, outlined by its state, with a badge for anything but Ready.
//! Clicking (or Enter) selects it for the inspector's actions.

use crate::app::{Action, Selection};
use crate::model::format::coord;
use crate::model::layout::Rect;
use crate::model::palette;
use svcsim_core::sim::PodView;
use yew::prelude::*;

pub struct Props<'a> {
    pub pod: &'a PodView,
    pub rect: Rect,
    pub selected: bool,
    pub dark: bool,
    pub act: Callback<Action>,
}

/// Badge letter and its meaning for a state other than Ready.
fn badge(status: &str) -> Option<(&'static str, &'static str)> {
    Some(match status {
        "Pending" => ("P", "Pending"),
        "NotReady" => ("!", "NotReady"),
        "Terminating" => ("T", "Terminating"),
        "CrashLoopBackOff" => ("C", "CrashLoopBackOff"),
        "NodeLost" => ("?", "NodeLost"),
        _ => return None,
    })
}

/// Two short lines: who owns it, and which one (suffix) plus version.
fn labels(p: &PodView) -> (String, String) {
    let short = |s: &str, n: usize| -> String {
        if s.chars().count() <= n {
            s.to_string()
        } else {
            let t: String = s.chars().take(n - 1).collect();
            format!("{t}…")
        }
    };
    if p.namespace == "kube-system" && p.name.starts_with("coredns") {
        let suffix = p.name.rsplit('-').next().unwrap_or("");
        return ("CoreDNS".into(), short(suffix, 11));
    }
    if p.is_client {
        let n = p.name.strip_prefix("client-").unwrap_or(&p.name);
        return ("client".into(), short(n, 11));
    }
    match &p.owner {
        Some(o) => {
            let suffix = p.name.rsplit('-').next().unwrap_or("");
            (short(o, 11), short(&format!("{suffix} {}", p.version), 11))
        }
        None => (short(&p.name, 11), short(&p.version, 11)),
    }
}

/// Keyed by pod id, so the topology's list keeps each pod's element when
/// others come and go.
pub fn pod_glyph(props: &Props) -> Html {
    let p = props.pod;
    let r = props.rect;
    let key = format!("{}/{}", p.namespace, p.name);
    let select = {
        let key = key.clone();
        props
            .act
            .reform(move |_: MouseEvent| Action::Select(Some(Selection::Pod(key.clone()))))
    };
    let on_key = {
        let key = key.clone();
        let act = props.act.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                act.emit(Action::Select(Some(Selection::Pod(key.clone()))));
            }
        })
    };
    let fill = if p.is_client {
        if props.dark {
            "#4a5868".to_string()
        } else {
            "#c9d3de".to_string()
        }
    } else if p.namespace == "kube-system" {
        if props.dark {
            "#5b4a78".to_string()
        } else {
            "#d8cdee".to_string()
        }
    } else {
        palette::pod_fill(
            p.owner.as_deref().unwrap_or(&p.name),
            &p.version,
            props.dark,
        )
    };
    let state_class = format!("st-{}", p.status.to_ascii_lowercase());
    let (l1, l2) = labels(p);
    let title = format!(
        "pod {key}\n{}  {}  restarts {}\nIP {}  node {}\nversion {}",
        p.status,
        p.ready,
        p.restarts,
        p.ip.as_deref().unwrap_or("<none>"),
        p.node_name,
        p.version
    );
    html! {
        <g key={p.id} class={classes!("pod", state_class, props.selected.then_some("selected"),
                p.is_client.then_some("client"), (p.namespace == "kube-system").then_some("system"))}
            data-pod={key.clone()} data-status={p.status.clone()}
            tabindex="0" role="button" aria-label={format!("pod {key}, {}", p.status)}
            onclick={select} onkeydown={on_key}>
            <title>{ title }</title>
            <rect x={coord(r.x)} y={coord(r.y)} width={coord(r.w)} height={coord(r.h)}
                rx="6" style={format!("fill:{fill}")} />
            <text x={coord(r.x + r.w / 2.0)} y={coord(r.y + 14.0)} class="pod-l1">{ l1 }</text>
            <text x={coord(r.x + r.w / 2.0)} y={coord(r.y + 27.0)} class="pod-l2">{ l2 }</text>
            if let Some((letter, meaning)) = badge(&p.status) {
                <g class="badge">
                    <title>{ meaning }</title>
                    <circle cx={coord(r.x + r.w - 3.0)} cy={coord(r.y + 3.0)} r="7" />
                    <text x={coord(r.x + r.w - 3.0)} y={coord(r.y + 6.5)}>{ letter }</text>
                </g>
            }
        </g>
    }
}
