//! The resources panel: `kubectl get` tables for Pods, Deployments,
//! ReplicaSets, Services, EndpointSlices, Nodes and Events, with row
//! actions (delete pod, readiness, cordon, scale).

use crate::app::{Action, Selection, Tab};
use crate::model::format;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::sim::Command;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub tab: Tab,
    pub selection: Option<Selection>,
    pub act: Callback<Action>,
}

fn head(cols: &[&str]) -> Html {
    html! { <thead><tr>{ for cols.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }</tr></thead> }
}

fn small_button(label: &str, title: String, act: &Callback<Action>, a: Action) -> Html {
    let onclick = act.reform(move |_: MouseEvent| a.clone());
    html! { <button type="button" class="row-btn" {onclick} title={title}>{ label }</button> }
}

fn table(p: &Props) -> Html {
    let s = &p.snap;
    let v = &s.view;
    let act = &p.act;
    let select = |sel: Selection| {
        let act = act.clone();
        Callback::from(move |_: MouseEvent| act.emit(Action::Select(Some(sel.clone()))))
    };
    match p.tab {
        Tab::Pods => html! {
            <table class="kubectl" id="table-pods">
                { head(&["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", ""]) }
                <tbody>
                { for v.pods.iter().map(|pod| {
                    let key = format!("{}/{}", pod.namespace, pod.name);
                    let selected = p.selection == Some(Selection::Pod(key.clone()));
                    let status = if pod.status == "Ready" || pod.status == "NotReady" { "Running" } else { pod.status.as_str() };
                    html! {
                        <tr class={classes!(selected.then_some("selected"))} data-row-pod={key.clone()}>
                            <td><button type="button" class="link" onclick={select(Selection::Pod(key.clone()))}>{ if pod.namespace == "default" { pod.name.clone() } else { key.clone() } }</button></td>
                            <td>{ pod.ready.clone() }</td>
                            <td class={format!("st-{}", pod.status.to_ascii_lowercase())}>{ status.to_string() }</td>
                            <td>{ pod.restarts }</td>
                            <td>{ format::age(pod.age) }</td>
                            <td>{ pod.ip.clone().unwrap_or_else(|| "<none>".into()) }</td>
                            <td>{ pod.node_name.clone() }</td>
                            <td class="row-actions">
                                { small_button("delete", format!("kubectl delete pod {}", pod.name), act, Action::Apply(Command::KillPod { pod: key.clone() })) }
                                if pod.ready.starts_with('0') {
                                    { small_button("ready", "readiness probe passes".into(), act, Action::Apply(Command::SetPodReadiness { pod: key.clone(), ready: true })) }
                                } else {
                                    { small_button("unready", "readiness probe fails".into(), act, Action::Apply(Command::SetPodReadiness { pod: key.clone(), ready: false })) }
                                }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        },
        Tab::Deployments => html! {
            <table class="kubectl" id="table-deployments">
                { head(&["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "IMAGE", ""]) }
                <tbody>
                { for v.deployments.iter().map(|d| {
                    let key = format!("{}/{}", d.namespace, d.name);
                    html! {
                        <tr data-row-deployment={key.clone()}>
                            <td><button type="button" class="link" onclick={select(Selection::Deployment(key.clone()))}>{ d.name.clone() }</button></td>
                            <td>{ d.ready.clone() }</td>
                            <td>{ d.up_to_date }</td>
                            <td>{ d.available }</td>
                            <td>{ d.image.clone() }</td>
                            <td class="row-actions">
                                { small_button("−1", format!("scale {} to {}", d.name, (d.replicas - 1).max(0)), act,
                                    Action::Apply(Command::Scale { deployment: key.clone(), replicas: (d.replicas - 1).max(0) })) }
                                { small_button("+1", format!("scale {} to {}", d.name, d.replicas + 1), act,
                                    Action::Apply(Command::Scale { deployment: key.clone(), replicas: d.replicas + 1 })) }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        },
        Tab::ReplicaSets => html! {
            <table class="kubectl" id="table-replicasets">
                { head(&["NAME", "DESIRED", "CURRENT", "READY", "VERSION"]) }
                <tbody>
                { for v.replica_sets.iter().map(|r| html! {
                    <tr><td>{ r.name.clone() }</td><td>{ r.desired }</td><td>{ r.current }</td><td>{ r.ready }</td><td>{ r.version.clone() }</td></tr>
                }) }
                </tbody>
            </table>
        },
        Tab::Services => html! {
            <table class="kubectl" id="table-services">
                { head(&["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]) }
                <tbody>
                { for v.services.iter().map(|svc| {
                    let key = format!("{}/{}", svc.namespace, svc.name);
                    html! {
                        <tr data-row-service={key.clone()}>
                            <td><button type="button" class="link" onclick={select(Selection::Service(key.clone()))}>{ if svc.namespace == "default" { svc.name.clone() } else { key.clone() } }</button></td>
                            <td>{ svc.type_.clone() }</td>
                            <td>{ svc.cluster_ip.clone() }</td>
                            <td>{ svc.external_ip.clone() }</td>
                            <td>{ svc.ports.clone() }</td>
                            <td>{ format::age(svc.age) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        },
        Tab::EndpointSlices => html! {
            <table class="kubectl" id="table-endpointslices">
                { head(&["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "CONDITIONS"]) }
                <tbody>
                { for v.endpoint_slices.iter().map(|sl| {
                    let ports = if sl.ports.is_empty() { "<unset>".to_string() } else {
                        sl.ports.iter().map(|p| p.port.map_or("<unset>".into(), |n| n.to_string())).collect::<Vec<_>>().join(",")
                    };
                    let addrs: Vec<String> = sl.endpoints.iter().flat_map(|e| e.addresses.iter().cloned()).collect();
                    let eps = if addrs.is_empty() { "<none>".to_string() } else if addrs.len() > 3 {
                        format!("{} + {} more...", addrs[..3].join(","), addrs.len() - 3)
                    } else { addrs.join(",") };
                    let ready = sl.endpoints.iter().filter(|e| e.conditions.is_ready()).count();
                    let term = sl.endpoints.iter().filter(|e| e.conditions.is_terminating()).count();
                    html! {
                        <tr><td>{ sl.metadata.name.clone() }</td><td>{ sl.address_type.clone() }</td><td>{ ports }</td>
                            <td>{ eps }</td><td>{ format!("{ready} ready, {term} terminating") }</td></tr>
                    }
                }) }
                </tbody>
            </table>
        },
        Tab::Nodes => html! {
            <table class="kubectl" id="table-nodes">
                { head(&["NAME", "STATUS", "INTERNAL-IP", "POD-CIDR", "ZONE", "SYNCED", ""]) }
                <tbody>
                { for v.nodes.iter().map(|n| html! {
                    <tr data-row-node={n.name.clone()}>
                        <td><button type="button" class="link" onclick={select(Selection::Node(n.name.clone()))}>{ n.name.clone() }</button></td>
                        <td>{ n.status.clone() }</td>
                        <td>{ n.ip.clone() }</td>
                        <td>{ n.pod_cidr.clone() }</td>
                        <td>{ n.zone.clone().unwrap_or_else(|| "<none>".into()) }</td>
                        <td>{ format!("v{}", n.rules_version) }</td>
                        <td class="row-actions">
                            if n.unschedulable {
                                { small_button("uncordon", format!("kubectl uncordon {}", n.name), act, Action::Apply(Command::UncordonNode { node: n.name.clone() })) }
                            } else {
                                { small_button("cordon", format!("kubectl cordon {}", n.name), act, Action::Apply(Command::CordonNode { node: n.name.clone() })) }
                            }
                        </td>
                    </tr>
                }) }
                </tbody>
            </table>
        },
        Tab::Events => html! {
            <table class="kubectl" id="table-events">
                { head(&["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]) }
                <tbody>
                { for s.events.iter().rev().map(|r| html! {
                    <tr class={classes!((r.event.type_ == "Warning").then_some("warning"))}>
                        <td>{ format::age(s.now - r.t) }</td>
                        <td>{ r.event.type_.clone() }</td>
                        <td>{ r.event.reason.clone() }</td>
                        <td>{ r.event.object.clone() }</td>
                        <td>{ r.event.message.clone() }</td>
                    </tr>
                }) }
                </tbody>
            </table>
        },
    }
}

pub fn resources(p: &Props) -> Html {
    html! {
        <section class="resources" aria-label="Resources">
            <div class="tabs" role="tablist" aria-label="Resource kinds">
                { for Tab::ALL.iter().map(|t| {
                    let t = *t;
                    let onclick = p.act.reform(move |_: MouseEvent| Action::SetTab(t));
                    html! {
                        <button type="button" role="tab" id={format!("tab-{}", t.label().to_ascii_lowercase())}
                            aria-selected={(p.tab == t).to_string()} class={classes!((p.tab == t).then_some("active"))}
                            {onclick}>{ t.label() }</button>
                    }
                }) }
            </div>
            <div class="table-wrap" role="tabpanel">{ table(p) }</div>
        </section>
    }
}
