//! Cluster-wide switches (kube-proxy mode, the cloud load-balancer
//! controller) and page switches (theme, help).

use crate::app::Action;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::scenario::ProxyMode;
use svcsim_core::sim::Command;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub dark: bool,
    pub act: Callback<Action>,
}

pub fn toggles(p: &Props) -> Html {
    let mode = p.snap.view.proxy_mode;
    let other = match mode {
        ProxyMode::Iptables => ProxyMode::Ipvs,
        ProxyMode::Ipvs => ProxyMode::Iptables,
    };
    let mode_name = |m: ProxyMode| match m {
        ProxyMode::Iptables => "iptables",
        ProxyMode::Ipvs => "IPVS",
    };
    let switch_mode = p
        .act
        .reform(move |_: MouseEvent| Action::Apply(Command::SetProxyMode { mode: other }));
    let lb = p.snap.view.cloud_load_balancer;
    let toggle_lb = p
        .act
        .reform(move |_: Event| Action::Apply(Command::SetCloudLoadBalancer { present: !lb }));
    let theme = p.act.reform(|_: MouseEvent| Action::ToggleTheme);
    let help = p.act.reform(|_: MouseEvent| Action::Help(true));
    html! {
        <div class="toggles">
            <button type="button" id="proxy-mode" onclick={switch_mode}
                title={format!("kube-proxy runs in {} mode; click to switch every node to {} (takes effect at the next sync)", mode_name(mode), mode_name(other))}>
                { format!("kube-proxy: {}", mode_name(mode)) }
            </button>
            <label class="check" title="Without a cloud controller a LoadBalancer Service stays <pending>">
                <input type="checkbox" id="cloud-lb" checked={lb} onchange={toggle_lb} />
                { "cloud LB controller" }
            </label>
            <button type="button" id="theme" onclick={theme} aria-pressed={p.dark.to_string()}
                title="Switch between light and dark">
                { if p.dark { "☀ Light" } else { "☾ Dark" } }
            </button>
            <button type="button" id="help-button" onclick={help} title="Keyboard shortcuts and legend (?)"
                aria-label="Help">{ "?" }</button>
        </div>
    }
}
