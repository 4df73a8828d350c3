//! A/B comparison: the same scenario, seed and recorded interventions run
//! twice, once as loaded (A) and once with one setting changed (B), so a
//! learner can see what the setting does to the numbers: iptables against
//! IPVS, externalTrafficPolicy Cluster against Local, keep-alive on against
//! off, sessionAffinity None against ClientIP.
//!
//! Both runs start fresh with tracing off and stop at the same simulated
//! time. Settings a command can change are changed by that command at time
//! zero, exactly as the toggle in the UI would; keep-alive has no command,
//! so B's client specs are edited instead. A run that would take more than
//! [`MAX_EVENTS`] events stops early, and both sides stop where A did, so a
//! click never freezes the tab.

use svcsim_core::model::Object;
use svcsim_core::scenario::{ProxyMode, ScenarioSpec};
use svcsim_core::sim::{Command, Metrics, Sim};
use svcsim_core::time::SimTime;

/// Events one side may take (about a second of wasm time).
pub const MAX_EVENTS: u64 = 400_000;

/// The one setting B changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variation {
    ProxyMode,
    ExternalTrafficPolicy,
    KeepAlive,
    SessionAffinity,
}

impl Variation {
    pub const ALL: [Variation; 4] = [
        Variation::ProxyMode,
        Variation::ExternalTrafficPolicy,
        Variation::KeepAlive,
        Variation::SessionAffinity,
    ];

    /// Stable id, for the picker.
    pub fn id(self) -> &'static str {
        match self {
            Variation::ProxyMode => "proxy-mode",
            Variation::ExternalTrafficPolicy => "etp",
            Variation::KeepAlive => "keep-alive",
            Variation::SessionAffinity => "affinity",
        }
    }

    pub fn from_id(id: &str) -> Option<Variation> {
        Variation::ALL.into_iter().find(|v| v.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Variation::ProxyMode => "kube-proxy mode (iptables ↔ IPVS)",
            Variation::ExternalTrafficPolicy => "externalTrafficPolicy (Cluster ↔ Local)",
            Variation::KeepAlive => "client keep-alive (on ↔ off)",
            Variation::SessionAffinity => "sessionAffinity (None ↔ ClientIP)",
        }
    }
}

/// One side's result.
#[derive(Clone, Debug)]
pub struct Side {
    /// What this side ran with, e.g. "iptables".
    pub setting: String,
    pub metrics: Metrics,
}

#[derive(Clone, Debug)]
pub struct Comparison {
    pub variation: Variation,
    /// Both sides ran from zero to here.
    pub until: SimTime,
    /// True when the event budget stopped the runs before the requested time.
    pub cut_short: bool,
    pub a: Side,
    pub b: Side,
}

/// A comparison as the app keeps it: computed once per click and shared,
/// so equality is identity (a new click is a new result).
#[derive(Clone, Debug)]
pub struct Shared(pub std::rc::Rc<Result<Comparison, String>>);

impl PartialEq for Shared {
    fn eq(&self, o: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &o.0)
    }
}

/// B's changes: commands to apply at time zero, and the spec to run.
fn variant(
    v: Variation,
    objects: &[Object],
    spec: &ScenarioSpec,
) -> Result<(String, String, Vec<Command>, ScenarioSpec), String> {
    let mut b_spec = spec.clone();
    let services = objects.iter().filter_map(|o| match o {
        Object::Service(s) => Some(s),
        _ => None,
    });
    let name = |s: &svcsim_core::model::Service| {
        format!(
            "{}/{}",
            s.metadata.namespace.as_deref().unwrap_or("default"),
            s.metadata.name
        )
    };
    Ok(match v {
        Variation::ProxyMode => {
            let (a, b, mode) = match spec.kube_proxy.mode {
                ProxyMode::Iptables => ("iptables", "IPVS", ProxyMode::Ipvs),
                ProxyMode::Ipvs => ("IPVS", "iptables", ProxyMode::Iptables),
            };
            (
                a.into(),
                b.into(),
                vec![Command::SetProxyMode { mode }],
                b_spec,
            )
        }
        Variation::ExternalTrafficPolicy => {
            let mut cmds = Vec::new();
            let mut from = None;
            for s in services {
                let t = s.spec.type_.as_deref().unwrap_or("ClusterIP");
                if t != "NodePort" && t != "LoadBalancer" {
                    continue;
                }
                let now = s
                    .spec
                    .external_traffic_policy
                    .as_deref()
                    .unwrap_or("Cluster");
                let to = if now == "Local" { "Cluster" } else { "Local" };
                from.get_or_insert(now.to_string());
                cmds.push(Command::SetExternalTrafficPolicy {
                    service: name(s),
                    policy: to.into(),
                });
            }
            let Some(a) = from else {
                return Err("this scenario has no NodePort or LoadBalancer Service, so externalTrafficPolicy changes nothing".into());
            };
            let b = if a == "Local" { "Cluster" } else { "Local" };
            (a, b.into(), cmds, b_spec)
        }
        Variation::KeepAlive => {
            if b_spec.clients.is_empty() {
                return Err("this scenario has no clients".into());
            }
            let a_on = b_spec.clients[0].keep_alive;
            for c in &mut b_spec.clients {
                c.keep_alive = !a_on;
            }
            let label = |on: bool| {
                if on {
                    "keep-alive on"
                } else {
                    "keep-alive off"
                }
            };
            (label(a_on).into(), label(!a_on).into(), Vec::new(), b_spec)
        }
        Variation::SessionAffinity => {
            let mut cmds = Vec::new();
            let mut from = None;
            for s in services {
                let headless = s.spec.cluster_ip.as_deref() == Some("None");
                if headless || s.spec.type_.as_deref() == Some("ExternalName") {
                    continue;
                }
                let now = s.spec.session_affinity.as_deref().unwrap_or("None");
                let to = if now == "ClientIP" {
                    "None"
                } else {
                    "ClientIP"
                };
                from.get_or_insert(now.to_string());
                cmds.push(Command::SetSessionAffinity {
                    service: name(s),
                    affinity: to.into(),
                });
            }
            let Some(a) = from else {
                return Err("this scenario has no Service with a virtual IP, so sessionAffinity changes nothing".into());
            };
            let b = if a == "ClientIP" { "None" } else { "ClientIP" };
            (a, b.into(), cmds, b_spec)
        }
    })
}

/// Run one side from zero to `until` (or until the event budget is spent),
/// applying `first` at time zero and the recorded commands at their times.
fn run(
    objects: &[Object],
    spec: ScenarioSpec,
    first: Vec<Command>,
    recorded: &[(SimTime, Command)],
    until: SimTime,
) -> Result<(Sim, bool), String> {
    let mut sim = Sim::new(objects.to_vec(), spec).map_err(|e| e.to_string())?;
    sim.set_tracing(false);
    for c in first {
        sim.apply(c);
    }
    let mut cmds = recorded.iter().filter(|(t, _)| *t < until).peekable();
    let start = sim.events_processed();
    loop {
        if sim.events_processed() - start >= MAX_EVENTS {
            return Ok((sim, true));
        }
        let next_ev = sim.next_event_time().filter(|t| *t <= until);
        let next_cmd = cmds.peek().map(|(t, _)| *t);
        match (next_ev, next_cmd) {
            // Commands apply before same-time events, as in the engine's
            // replay (it runs to the command's time, then applies it).
            (_, Some(tc)) if next_ev.is_none_or(|te| tc <= te) => {
                sim.run_until(tc);
                if let Some((_, c)) = cmds.next() {
                    sim.apply(c.clone());
                }
            }
            (Some(_), _) => {
                sim.step();
            }
            (None, _) => break,
        }
    }
    sim.run_until(until);
    Ok((sim, false))
}

/// Run A (as loaded) and B (with `v` changed) to `until`.
pub fn compare(
    objects: &[Object],
    spec: &ScenarioSpec,
    recorded: &[(SimTime, Command)],
    until: SimTime,
    v: Variation,
) -> Result<Comparison, String> {
    let (a_label, b_label, b_first, b_spec) = variant(v, objects, spec)?;
    let (a, cut_a) = run(objects, spec.clone(), Vec::new(), recorded, until)?;
    let until = if cut_a { a.now() } else { until };
    let (b, cut_b) = run(objects, b_spec, b_first, recorded, until)?;
    // B may be busier than A (keep-alive off opens more connections) and
    // run out first; then A is rerun to where B stopped.
    let (a, until) = if cut_b {
        let t = b.now();
        (run(objects, spec.clone(), Vec::new(), recorded, t)?.0, t)
    } else {
        (a, until)
    };
    Ok(Comparison {
        variation: v,
        until,
        cut_short: cut_a || cut_b,
        a: Side {
            setting: a_label,
            metrics: a.metrics().clone(),
        },
        b: Side {
            setting: b_label,
            metrics: b.metrics().clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(name: &str) -> (Vec<Object>, ScenarioSpec) {
        let l = svcsim_manifests::builtin::load(name)
            .expect("built-in exists")
            .expect("built-in loads");
        (l.objects, l.scenario)
    }

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000_000)
    }

    #[test]
    fn side_a_equals_the_engine_run_it_compares_against() {
        let (objects, spec) = builtin("clusterip");
        let mut sim = Sim::new(objects.clone(), spec.clone()).unwrap();
        sim.run_until(secs(20));
        let c = compare(&objects, &spec, &[], secs(20), Variation::ProxyMode).unwrap();
        assert!(!c.cut_short);
        assert_eq!(c.a.metrics.requests, sim.metrics().requests);
        assert_eq!(c.a.metrics.per_pod.len(), sim.metrics().per_pod.len());
        assert_eq!(
            (c.a.setting.as_str(), c.b.setting.as_str()),
            ("iptables", "IPVS")
        );
        assert!(c.b.metrics.requests > 0);
    }

    #[test]
    fn etp_local_makes_drops_on_a_node_without_endpoints() {
        // nodeport: clients reach every node's NodePort. Once node-1 is
        // drained it has no backend pod, so Local drops what reaches it,
        // while Cluster forwards it to another node.
        let (objects, spec) = builtin("nodeport");
        let drain = vec![(
            secs(1),
            Command::DrainNode {
                node: "node-1".into(),
                force: false,
            },
        )];
        let c = compare(
            &objects,
            &spec,
            &drain,
            secs(40),
            Variation::ExternalTrafficPolicy,
        )
        .unwrap();
        let ok = |m: &Metrics| m.outcomes.get("ok").copied().unwrap_or(0);
        assert_eq!(
            (c.a.setting.as_str(), c.b.setting.as_str()),
            ("Cluster", "Local")
        );
        assert!(c.b.metrics.requests > 0);
        let dropped = |m: &Metrics| {
            m.reasons
                .iter()
                .filter(|(k, _)| k.contains("no local endpoint"))
                .map(|(_, n)| *n)
                .sum::<u64>()
        };
        assert!(dropped(&c.b.metrics) > 0, "{:?}", c.b.metrics.reasons);
        assert_eq!(dropped(&c.a.metrics), 0, "{:?}", c.a.metrics.reasons);
        let rate = |m: &Metrics| ok(m) as f64 / m.requests as f64;
        assert!(rate(&c.b.metrics) < rate(&c.a.metrics));
    }

    #[test]
    fn recorded_commands_are_replayed_on_both_sides() {
        let (objects, spec) = builtin("clusterip");
        let pod = objects
            .iter()
            .find_map(|o| match o {
                Object::Deployment(d) => Some(format!("{}*", d.metadata.name)),
                _ => None,
            })
            .unwrap();
        let recorded = vec![(secs(5), Command::KillPod { pod })];
        let c = compare(&objects, &spec, &recorded, secs(40), Variation::KeepAlive).unwrap();
        // With a new connection per request, the killed pod's replacement
        // serves requests too: more pods appear than without the kill. On
        // the keep-alive side the kill changes the spread as well.
        let plain = compare(&objects, &spec, &[], secs(40), Variation::KeepAlive).unwrap();
        assert!(c.a.metrics.per_pod.len() > plain.a.metrics.per_pod.len());
        assert_ne!(
            format!("{:?}", c.b.metrics.per_pod),
            format!("{:?}", plain.b.metrics.per_pod)
        );
    }

    #[test]
    fn a_scenario_without_the_setting_says_so() {
        let (objects, spec) = builtin("clusterip");
        let e = compare(
            &objects,
            &spec,
            &[],
            secs(5),
            Variation::ExternalTrafficPolicy,
        )
        .unwrap_err();
        assert!(e.contains("no NodePort or LoadBalancer"), "{e}");
    }

    #[test]
    fn the_event_budget_stops_both_sides_at_the_same_time() {
        let (objects, spec) = builtin("mixed");
        let c = compare(&objects, &spec, &[], secs(100_000), Variation::ProxyMode).unwrap();
        assert!(c.cut_short);
        assert!(c.until < secs(100_000));
    }

    #[test]
    fn ids_round_trip() {
        for v in Variation::ALL {
            assert_eq!(Variation::from_id(v.id()), Some(v));
        }
    }
}
