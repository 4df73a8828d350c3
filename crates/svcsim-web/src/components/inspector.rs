//! Actions on the selected object: break a pod, a node, a Service or a
//! Deployment. Every button becomes a core `Command`, applied at the
//! displayed time and recorded for replay.

use crate::app::{Action, Selection};
use crate::model::palette::next_image;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::sim::{ClusterView, Command};
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
    pub selection: Option<Selection>,
    pub act: Callback<Action>,
}

fn button(id: &str, label: &str, title: &str, act: &Callback<Action>, cmd: Command) -> Html {
    let onclick = act.reform(move |_: MouseEvent| Action::Apply(cmd.clone()));
    html! { <button type="button" id={id.to_string()} {onclick} title={title.to_string()}>{ label }</button> }
}

/// Scale and roll-out buttons for a Deployment (`namespace/name`).
fn deployment_actions(v: &ClusterView, key: &str, act: &Callback<Action>) -> Html {
    let Some(d) = v
        .deployments
        .iter()
        .find(|d| format!("{}/{}", d.namespace, d.name) == key)
    else {
        return html! {};
    };
    let image = next_image(&d.image);
    let tag = image.rsplit(':').next().unwrap_or("v2").to_string();
    html! {
        <div class="deploy-actions">
            <h4>{ format!("Deployment {} · {} ready · image {}", d.name, d.ready, d.image) }</h4>
            <div class="actions">
                { button("act-scale-down", "Scale −1", "kubectl scale --replicas=N-1", act,
                    Command::Scale { deployment: key.to_string(), replicas: (d.replicas - 1).max(0) }) }
                { button("act-scale-up", "Scale +1", "kubectl scale --replicas=N+1", act,
                    Command::Scale { deployment: key.to_string(), replicas: d.replicas + 1 }) }
                { button("act-rollout", &format!("Roll out {tag}"), &format!("kubectl set image … {image}"), act,
                    Command::Rollout { deployment: key.to_string(), image: image.clone() }) }
            </div>
        </div>
    }
}

pub fn inspector(p: &Props) -> Html {
    let v = &p.snap.view;
    let act = &p.act;
    let close = p.act.reform(|_: MouseEvent| Action::Select(None));
    let body = match &p.selection {
        None => html! {
            <p class="hint">{ "Click a pod, a node or a Service in the picture (or a row below) to act on it: delete or crash a pod, fail its readiness, fail or drain a node, scale or roll out a Deployment, switch a Service's externalTrafficPolicy." }</p>
        },
        Some(Selection::Pod(key)) => match v
            .pods
            .iter()
            .find(|x| format!("{}/{}", x.namespace, x.name) == *key)
        {
            None => html! { <p class="hint">{ format!("pod {key} is gone.") }</p> },
            Some(pod) => {
                let deploy = pod.owner.as_ref().map(|o| format!("{}/{o}", pod.namespace));
                html! {
                    <>
                        <h3>{ format!("pod {}", pod.name) }</h3>
                        <p class="facts">{ format!("{} · READY {} · restarts {} · IP {} · node {} · version {}",
                            pod.status, pod.ready, pod.restarts, pod.ip.as_deref().unwrap_or("<none>"), pod.node_name, pod.version) }</p>
                        <div class="actions">
                            { button("act-kill", "Delete pod", "kubectl delete pod (graceful; the ReplicaSet replaces it)", act,
                                Command::KillPod { pod: key.clone() }) }
                            { button("act-crash", "Crash container", "The main container exits; kubelet restarts it with back-off", act,
                                Command::CrashPod { pod: key.clone() }) }
                            { button("act-unready", "Fail readiness", "The readiness probe starts failing", act,
                                Command::SetPodReadiness { pod: key.clone(), ready: false }) }
                            { button("act-ready", "Pass readiness", "The readiness probe passes again", act,
                                Command::SetPodReadiness { pod: key.clone(), ready: true }) }
                        </div>
                        if let Some(d) = deploy {
                            { deployment_actions(v, &d, act) }
                        }
                    </>
                }
            }
        },
        Some(Selection::Node(name)) => match v.nodes.iter().find(|n| n.name == *name) {
            None => html! { <p class="hint">{ format!("node {name} is gone.") }</p> },
            Some(n) => html! {
                <>
                    <h3>{ format!("node {}", n.name) }</h3>
                    <p class="facts">{ format!("{} · {} · pod CIDR {} · kube-proxy synced to API version {}{}", n.status, n.ip, n.pod_cidr, n.rules_version,
                        if n.up { "" } else { " · machine down" }) }</p>
                    <div class="actions">
                        if n.up {
                            { button("act-fail-node", "Fail node", "The machine stops responding; NotReady after the grace period", act,
                                Command::FailNode { node: name.clone() }) }
                        } else {
                            { button("act-recover-node", "Recover node", "The machine comes back", act,
                                Command::RecoverNode { node: name.clone() }) }
                        }
                        if n.unschedulable {
                            { button("act-uncordon", "Uncordon", "kubectl uncordon", act, Command::UncordonNode { node: name.clone() }) }
                        } else {
                            { button("act-cordon", "Cordon", "kubectl cordon", act, Command::CordonNode { node: name.clone() }) }
                        }
                        { button("act-drain", "Drain", "kubectl drain: cordon, then evict every pod (refused if a pod has no controller)", act, Command::DrainNode { node: name.clone(), force: false }) }
                        { button("act-drain-force", "Drain --force", "kubectl drain --force: also evict pods no controller manages; they are gone for good", act, Command::DrainNode { node: name.clone(), force: true }) }
                    </div>
                </>
            },
        },
        Some(Selection::Service(key)) => match v
            .services
            .iter()
            .find(|s| format!("{}/{}", s.namespace, s.name) == *key)
        {
            None => html! { <p class="hint">{ format!("Service {key} is gone.") }</p> },
            Some(s) => {
                let etp = if s.external_traffic_policy == "Local" {
                    "Cluster"
                } else {
                    "Local"
                };
                let aff = if s.session_affinity == "ClientIP" {
                    "None"
                } else {
                    "ClientIP"
                };
                let external = s.type_ == "NodePort" || s.type_ == "LoadBalancer";
                html! {
                    <>
                        <h3>{ format!("Service {}", s.name) }</h3>
                        <p class="facts">{ format!("{} · CLUSTER-IP {} · EXTERNAL-IP {} · PORT(S) {} · {} ready endpoints · externalTrafficPolicy {} · sessionAffinity {}",
                            s.type_, s.cluster_ip, s.external_ip, s.ports, s.ready_endpoints, s.external_traffic_policy, s.session_affinity) }</p>
                        <div class="actions">
                            if external {
                                { button("act-etp", &format!("externalTrafficPolicy: {etp}"), "Local keeps the client IP but only serves on nodes with a local endpoint", act,
                                    Command::SetExternalTrafficPolicy { service: key.clone(), policy: etp.to_string() }) }
                            }
                            { button("act-affinity", &format!("sessionAffinity: {aff}"), "ClientIP pins each client to one backend", act,
                                Command::SetSessionAffinity { service: key.clone(), affinity: aff.to_string() }) }
                        </div>
                    </>
                }
            }
        },
        Some(Selection::Deployment(key)) => deployment_actions(v, key, act),
    };
    html! {
        <section class="inspector" aria-label="Selected object" id="inspector">
            <div class="inspector-head">
                <h2>{ "Actions" }</h2>
                if p.selection.is_some() {
                    <button type="button" class="link" onclick={close} aria-label="Clear selection">{ "✕" }</button>
                }
            </div>
            { body }
        </section>
    }
}
