//! Live counters from the core's metrics: requests, success rate, latency
//! percentiles, and requests per pod against the even 1/n share a Service's
//! load balancing would give (kube-proxy's random pick in iptables mode).

use crate::model::format;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::decimal::Fixed;
use svcsim_core::vecmap::VecMap;
use yew::prelude::*;

pub struct Props {
    pub snap: Rc<Snapshot>,
}

pub fn counters(p: &Props) -> Html {
    let m = &p.snap.metrics;
    let ok = m.outcomes.get("ok").copied().unwrap_or(0);
    let rate = if m.requests == 0 {
        "–".to_string()
    } else {
        format!("{}%", Fixed(ok as f64 * 100.0 / m.requests as f64, 1))
    };
    let p50 = m.latency_us.quantile_permille(500);
    let p99 = m.latency_us.quantile_permille(990);

    // Group pods by owner (Deployment) or `app` label, so each group's
    // shares are compared with 1/n of that group.
    let owner_of: VecMap<String, String> =
        svcsim_core::order::map_of(p.snap.view.pods.iter().map(|pod| {
            let group = pod
                .owner
                .clone()
                .or_else(|| pod.labels.get("app").cloned())
                .unwrap_or_else(|| "other".into());
            (format!("{}/{}", pod.namespace, pod.name), group)
        }));
    let mut groups: VecMap<String, Vec<(String, u64)>> = VecMap::new();
    for (pod, c) in &m.per_pod {
        let g = owner_of
            .get(pod)
            .cloned()
            .unwrap_or_else(|| "deleted pods".into());
        groups.entry(g).or_default().push((pod.clone(), c.requests));
    }
    let failures: Vec<(&String, &u64)> = m
        .reasons
        .iter()
        .filter(|(k, _)| !k.starts_with("ok"))
        .collect();

    html! {
        <section class="counters" aria-label="Live counters">
            <dl class="stats">
                <div><dt>{ "requests" }</dt><dd id="requests">{ m.requests }</dd></div>
                <div><dt>{ "success" }</dt><dd id="success-rate">{ rate }</dd></div>
                <div><dt>{ "p50" }</dt><dd id="p50">{ format::latency_us(p50) }</dd></div>
                <div><dt>{ "p99" }</dt><dd id="p99">{ format::latency_us(p99) }</dd></div>
            </dl>
            if !failures.is_empty() {
                <ul class="failures" aria-label="Failures by reason">
                    { for failures.iter().map(|(k, n)| html! { <li><span class="count">{ **n }</span>{ " " }{ (*k).clone() }</li> }) }
                </ul>
            }
            <h3 class="sub">{ "Requests per pod" }</h3>
            { for groups.iter().map(|(g, pods)| {
                let total: u64 = pods.iter().map(|(_, n)| n).sum();
                let n = pods.len().max(1) as f64;
                html! {
                    <div class="share-group">
                        <div class="share-title">{ format!("{g} · {} pods served · even share 1/{} (marker)", pods.len(), pods.len()) }</div>
                        { for pods.iter().map(|(pod, c)| {
                            let share = if total == 0 { 0.0 } else { *c as f64 / total as f64 };
                            // "microservice-one-5dc5fb7ff5-k44bl" → "5dc5fb7ff5-k44bl":
                            // the group already names the Deployment.
                            let base = pod.rsplit('/').next().unwrap_or(pod);
                            let name = base
                                .strip_prefix(g.as_str())
                                .map(|s| s.trim_start_matches('-'))
                                .filter(|s| !s.is_empty())
                                .unwrap_or(base);
                            html! {
                                <div class="share" data-pod-share={pod.clone()}
                                    title={format!("{pod}: {c} requests, {}% (expected {}%)", Fixed(share * 100.0, 1), Fixed(100.0 / n, 1))}>
                                    <span class="share-name">{ name.to_string() }</span>
                                    <span class="bar" role="img" aria-label={format!("{}% of the group", Fixed(share * 100.0, 0))}>
                                        <span class="fill" style={format!("width:{}%", Fixed(share * 100.0, 1))}></span>
                                        <span class="expect" style={format!("left:{}%", Fixed(100.0 / n, 1))}></span>
                                    </span>
                                    <span class="share-n">{ *c }</span>
                                </div>
                            }
                        }) }
                    </div>
                }
            }) }
        </section>
    }
}
