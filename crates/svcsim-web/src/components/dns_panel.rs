//! The DNS panel: run a lookup from inside a chosen pod, as `dig` or
//! `nslookup` would there. It lists every query the pod's resolver sends
//! (the ClusterFirst search path with `ndots:5`), each answer with its
//! records and TTLs (several A records for a headless Service, a CNAME for
//! an ExternalName, NXDOMAIN), and the final answer in dig's format.
//!
//! All DNS logic is the core's (`Sim::dns_lookup`, `dns::resolve`,
//! `dns::dig_text`); this only asks and prints.

use crate::app::EngineRef;
use crate::model::snapshot::Snapshot;
use std::rc::Rc;
use svcsim_core::dns::{dig_text, QType, RData, Rcode, Resolution};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
}

/// One lookup and what came back.
#[derive(PartialEq)]
struct Lookup {
    pod: String,
    name: String,
    qtype: QType,
    server: String,
    domain: String,
    resolution: Resolution,
}

#[function_component(DnsPanel)]
pub fn dns_panel(p: &Props) -> Html {
    let v = &p.snap.view;
    // Pods with an address, the client pods first: those are the ones that
    // make requests in the scenario.
    let mut pods: Vec<(String, bool)> = v
        .pods
        .iter()
        .filter(|x| x.ip.is_some())
        .map(|x| (format!("{}/{}", x.namespace, x.name), x.is_client))
        .collect();
    svcsim_core::order::sort_by_key(&mut pods, |(k, client)| {
        (!client, k.starts_with("kube-system/"), k.clone())
    });
    let pod = use_state(String::new);
    let name = use_state(String::new);
    let qtype = use_state(|| QType::A);
    let result = use_state(|| None::<Rc<Lookup>>);
    let current_pod = if pods.iter().any(|(k, _)| *k == *pod) {
        (*pod).clone()
    } else {
        pods.first().map(|(k, _)| k.clone()).unwrap_or_default()
    };

    let run = {
        let engine = p.engine.clone();
        let name = name.clone();
        let qtype = qtype.clone();
        let result = result.clone();
        let current_pod = current_pod.clone();
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let n = name.trim().to_string();
            if n.is_empty() || current_pod.is_empty() {
                return;
            }
            let ns = current_pod.split('/').next().unwrap_or("default");
            let Ok(mut e) = engine.0.try_borrow_mut() else {
                return;
            };
            let sim = e.sim_for_queries();
            let domain = sim.spec().cluster.cluster_domain.clone();
            let (resolution, server) = sim.dns_lookup(ns, &n, *qtype);
            result.set(Some(Rc::new(Lookup {
                pod: current_pod.clone(),
                name: n,
                qtype: *qtype,
                server,
                domain,
                resolution,
            })));
        })
    };
    let on_pod = {
        let pod = pod.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            pod.set(s.value());
        })
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            name.set(i.value());
        })
    };
    let on_type = {
        let qtype = qtype.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            qtype.set(QType::parse(&s.value()).unwrap_or(QType::A));
        })
    };
    // Quick picks: every Service's short name (from the chosen pod's
    // namespace, the short name is what an app would write).
    let pod_ns = current_pod
        .split('/')
        .next()
        .unwrap_or("default")
        .to_string();
    let picks = v.services.iter().filter(|s| s.namespace != "kube-system").map(|s| {
        let short = if s.namespace == pod_ns {
            s.name.clone()
        } else {
            format!("{}.{}", s.name, s.namespace)
        };
        let name = name.clone();
        let label = short.clone();
        let onclick = Callback::from(move |_: MouseEvent| name.set(short.clone()));
        html! { <button type="button" class="chip" data-name={label.clone()} {onclick}>{ label }</button> }
    });

    let out = result.as_ref().map(|l| {
        let r = &l.resolution;
        let rows = r.queries.iter().enumerate().map(|(i, q)| {
            let a = &q.answer;
            let status = if a.rcode == Rcode::NxDomain {
                "NXDOMAIN".to_string()
            } else if a.answer.is_empty() {
                "NOERROR, no records (NODATA)".to_string()
            } else {
                format!("NOERROR, {} record(s)", a.answer.len())
            };
            let last = i == r.final_index;
            html! {
                <li class={classes!(last.then_some("dns-final"))} data-rcode={a.rcode.to_string()} data-final={last.to_string()}>
                    <code>{ format!("{} {}", q.qname, q.qtype) }</code>{ format!(" → {status}") }
                    if !a.answer.is_empty() {
                        <table class="dns-records">
                            <thead><tr><th scope="col">{ "name" }</th><th scope="col">{ "TTL" }</th><th scope="col">{ "type" }</th><th scope="col">{ "data" }</th></tr></thead>
                            <tbody>
                            { for a.answer.iter().map(|rec| {
                                let data = match &rec.data {
                                    RData::A { address } => address.to_string(),
                                    RData::Aaaa { address } => address.to_string(),
                                    RData::Cname { target } | RData::Ptr { target } => target.clone(),
                                    RData::Srv { priority, weight, port, target } => format!("{priority} {weight} {port} {target}"),
                                    other => format!("{other:?}"),
                                };
                                let t = rec.data.qtype().as_str();
                                html! {
                                    <tr class="dns-record" data-type={t}>
                                        <td>{ rec.name.clone() }</td><td>{ rec.ttl }</td><td>{ t }</td><td>{ data }</td>
                                    </tr>
                                }
                            }) }
                            </tbody>
                        </table>
                    }
                </li>
            }
        });
        let dig = dig_text(r.final_step(), &l.server);
        let ns = l.pod.split('/').next().unwrap_or("default");
        html! {
            <div class="dns-out" id="dns-result" data-queries={r.queries.len().to_string()}>
                <p class="panel-note"><code>{ format!("$ kubectl exec -n {ns} {} -- dig {} {}", l.pod.split('/').nth(1).unwrap_or(""), l.name, l.qtype) }</code></p>
                <p class="panel-note">{ format!("resolv.conf: nameserver {} · search {ns}.svc.{d} svc.{d} {d} · options ndots:5", l.server, d = l.domain) }</p>
                <ol class="dns-queries" id="dns-queries">{ for rows }</ol>
                <details>
                    <summary>{ "dig output for the answer the application gets" }</summary>
                    <pre class="dig-text" id="dns-dig">{ dig }</pre>
                </details>
            </div>
        }
    });

    let opt_type = |t: QType| html! { <option value={t.as_str()} selected={*qtype == t}>{ t.as_str() }</option> };
    html! {
        <section class="panel dns-panel" id="dns-panel" aria-label="DNS lookup">
            <div class="panel-head"><h2>{ "DNS lookup from a pod" }</h2></div>
            <form class="dns-form" onsubmit={run}>
                <span class="field">
                <label for="dns-pod">{ "from pod" }</label>
                <select id="dns-pod" onchange={on_pod}>
                    { for pods.iter().map(|(k, client)| html! {
                        <option value={k.clone()} selected={*k == current_pod}>{ if *client { format!("{k} (client)") } else { k.clone() } }</option>
                    }) }
                </select>
                </span>
                <span class="field">
                <label for="dns-name">{ "name" }</label>
                <input id="dns-name" type="text" placeholder="e.g. ms-service" value={(*name).clone()} oninput={on_name} autocomplete="off" spellcheck="false" />
                </span>
                <span class="field">
                <label for="dns-type">{ "type" }</label>
                <select id="dns-type" onchange={on_type}>
                    { opt_type(QType::A) }{ opt_type(QType::Srv) }{ opt_type(QType::Cname) }{ opt_type(QType::Aaaa) }
                </select>
                </span>
                <button type="submit" id="dns-run">{ "dig" }</button>
            </form>
            <div class="chips" aria-label="Service names">{ for picks }</div>
            { for out }
        </section>
    }
}
