//! The node inspector: the selected node's kube-proxy program as
//! `iptables-save` (or `ipvsadm -Ln` in IPVS mode) and its conntrack table
//! as `conntrack -L`, with the rules the selected packet matched
//! highlighted and the lines that changed since the last look marked.
//!
//! The text is regenerated only when the node's synced rule version, the
//! proxy mode or the tab changes (IPVS and conntrack text, which carry
//! counters and timers, are re-read on each snapshot; conntrack lists
//! only the newest entries and the selected request's).

use super::rules_text::RulesText;
use crate::app::{Action, EngineRef, Selection};
use crate::model::format;
use crate::model::requests::RequestRecord;
use crate::model::rules_doc::{self, RuleKey, RulesDoc};
use crate::model::snapshot::Snapshot;
use std::cell::RefCell;
use std::rc::Rc;
use svcsim_core::scenario::ProxyMode;
use svcsim_core::sim::trace::Place;
use svcsim_core::vecmap::{VecMap, VecSet};
use svcsim_core::SimTime;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub snap: Rc<Snapshot>,
    pub engine: EngineRef,
    pub node: String,
    pub packet: Option<u64>,
    /// The texts last shown, kept by the parent so that "changed since the
    /// last look" survives selecting something else in between.
    pub memory: RulesMemory,
    pub act: Callback<Action>,
}

/// At most this many conntrack entries are listed (the newest), besides
/// the selected request's: a busy node tracks thousands, and the list is
/// redrawn with every snapshot as their timers count down.
const CONNTRACK_LISTED: usize = 300;

/// Which text is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum View {
    Iptables,
    Ipvs,
    Conntrack,
}

impl View {
    fn command(self) -> &'static str {
        match self {
            View::Iptables => "iptables-save",
            View::Ipvs => "ipvsadm -Ln",
            View::Conntrack => "conntrack -L",
        }
    }
    fn id(self) -> &'static str {
        match self {
            View::Iptables => "rules-tab-iptables",
            View::Ipvs => "rules-tab-ipvs",
            View::Conntrack => "rules-tab-conntrack",
        }
    }
}

/// What the node's text was rendered from: when this changes, render again.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Version {
    Rules(u64, bool),
    Text(String),
}

/// The last document shown per (scenario, node, view), to mark what
/// changed.
#[derive(Default)]
struct Cache {
    docs: VecMap<(String, String, View), (Version, Rc<RulesDoc>)>,
    /// The last earlier program shown, by (scenario, node, sync), with
    /// the time of that sync.
    walked: Option<(WalkedKey, Rc<RulesDoc>, SimTime)>,
}

/// (scenario, node, kube-proxy sync number).
type WalkedKey = (String, String, u64);

/// A program the selected packet walked that a later sync replaced.
struct Earlier {
    sync: u64,
    /// When the packet walked it.
    walked_at: SimTime,
    /// When that sync ran, and its text; `None` once no longer kept.
    doc: Option<(SimTime, Rc<RulesDoc>)>,
    /// The rules it matched there.
    keys: VecSet<RuleKey>,
    /// How many of them today's program no longer has.
    gone: usize,
}

/// A handle on the texts last shown. Equal when it is the same memory.
#[derive(Clone, Default)]
pub struct RulesMemory(Rc<RefCell<Cache>>);

impl PartialEq for RulesMemory {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

#[function_component(NodeRules)]
pub fn node_rules(p: &Props) -> Html {
    let chosen = use_state(|| None::<View>);
    // The packet whose walked rules are shown instead of today's.
    let walked_for = use_state(|| None::<u64>);
    let v = &p.snap.view;
    let Some(nv) = v.nodes.iter().find(|n| n.name == p.node) else {
        return html! {};
    };
    let ipvs_mode = v.proxy_mode == ProxyMode::Ipvs;
    let view = chosen.unwrap_or(if ipvs_mode {
        View::Ipvs
    } else {
        View::Iptables
    });

    // The selected packet's rule hits on this node, by the kube-proxy sync
    // whose program it walked (and when), and where else it walked rules.
    let mut walked = VecMap::<u64, (SimTime, VecSet<RuleKey>)>::new();
    let mut hits = VecSet::<RuleKey>::new();
    // A program replaced since the packet walked it.
    let mut earlier = None::<Earlier>;
    let mut mark = None;
    let mut elsewhere = None;
    let mut doc = Rc::new(RulesDoc::default());
    let mut conntrack_summary = String::new();
    // The selected request's connection, as its NAT node tracks it.
    let mut tuple = None;
    if let Ok(mut e) = p.engine.0.try_borrow_mut() {
        if let Some(r) = p.packet.and_then(|id| e.requests.get(id)) {
            for h in &r.hops {
                let Place::Node { name, .. } = &h.hop.from else {
                    continue;
                };
                if *name == p.node {
                    if let Some(k) = h.hop.decision.rules_sync {
                        let (_, keys) = walked.entry(k).or_insert((h.t, VecSet::new()));
                        keys.extend(
                            h.hop
                                .decision
                                .rules
                                .iter()
                                .map(|x| (x.table.clone(), x.chain.clone(), x.index)),
                        );
                    }
                } else if !h.hop.decision.rules.is_empty() || h.hop.decision.ipvs.is_some() {
                    elsewhere.get_or_insert_with(|| name.clone());
                }
            }
            mark = match view {
                // With the space after it, so `dport=80` does not also
                // find `dport=8080`.
                View::Conntrack => r.nat_hop().map(|h| {
                    tuple = Some(RequestRecord::conntrack_tuple(&h.hop));
                    format!("{} ", RequestRecord::conntrack_tuples(&h.hop).0)
                }),
                View::Ipvs => r
                    .nat_hop()
                    .filter(|h| matches!(&h.hop.from, Place::Node { name, .. } if *name == p.node))
                    .map(|h| format!("{}:{}", h.hop.dst.ip, h.hop.dst.port)),
                View::Iptables => None,
            };
        }
        let sim = e.sim_for_queries();
        let version = match view {
            View::Iptables => Some(Version::Rules(nv.rules_version, ipvs_mode)),
            View::Ipvs => sim.ipvsadm_text(&p.node).map(Version::Text),
            View::Conntrack => sim
                .conntrack_listing(&p.node, CONNTRACK_LISTED, |t| Some(t) == tuple.as_ref())
                .map(|l| {
                    conntrack_summary = rules_doc::conntrack_summary(&l, CONNTRACK_LISTED);
                    Version::Text(l.text)
                }),
        };
        let key = (p.snap.scenario.clone(), p.node.clone(), view);
        let mut c = p.memory.0.borrow_mut();
        match (version, c.docs.get(&key)) {
            (Some(ver), Some((old, d))) if *old == ver => doc = d.clone(),
            (Some(ver), prev) => {
                let fresh = match &ver {
                    Version::Rules(..) => sim
                        .node_rules(&p.node)
                        .map(|r| RulesDoc::iptables(&r))
                        .unwrap_or_default(),
                    Version::Text(t) => RulesDoc::plain(t),
                };
                // Conntrack entries come and go with every connection;
                // marking them all as new would mark everything.
                let fresh = match prev {
                    Some((_, old)) if view != View::Conntrack => fresh.mark_changes(old),
                    _ => fresh,
                };
                doc = Rc::new(fresh);
                c.docs.insert(key, (ver, doc.clone()));
            }
            (None, _) => {}
        }
        if view == View::Iptables {
            for (k, (t, keys)) in walked.iter() {
                if *k == nv.rules_sync {
                    hits.extend(keys.iter().cloned());
                    continue;
                }
                // Hits are positions in the program the packet walked: find
                // those rules in today's program by their text.
                let wkey = (p.snap.scenario.clone(), p.node.clone(), *k);
                let past = match &c.walked {
                    Some((k2, d, at)) if *k2 == wkey => Some((*at, d.clone())),
                    _ => sim.node_rules_at(&p.node, *k).map(|(at, r)| {
                        let d = Rc::new(RulesDoc::iptables(&r));
                        c.walked = Some((wkey, d.clone(), at));
                        (at, d)
                    }),
                };
                let gone = match &past {
                    Some((_, d)) => {
                        let (moved, gone) = doc.same_rules(d, keys);
                        hits.extend(moved);
                        gone
                    }
                    None => keys.len(),
                };
                earlier = Some(Earlier {
                    sync: *k,
                    walked_at: *t,
                    doc: past,
                    keys: keys.clone(),
                    gone,
                });
            }
        }
    }
    // "Show the rules it walked", for this packet.
    // (Only while that program is still kept.)
    let show_walked = p.packet.is_some()
        && *walked_for == p.packet
        && earlier.as_ref().is_some_and(|w| w.doc.is_some());
    let mut shown_hits = hits.clone();
    if let (
        true,
        Some(Earlier {
            doc: Some((_, d)),
            keys,
            ..
        }),
    ) = (show_walked, &earlier)
    {
        doc = d.clone();
        shown_hits = keys.clone();
    }
    let hit_count = doc.hit_count(&shown_hits)
        + mark.as_ref().map_or(0, |m| {
            doc.lines
                .iter()
                .filter(|l| l.text.contains(m.as_str()))
                .count()
        });

    let tab = |t: View| {
        let chosen = chosen.clone();
        let onclick = Callback::from(move |_: MouseEvent| chosen.set(Some(t)));
        html! {
            <button type="button" role="tab" id={t.id()} aria-selected={(t == view).to_string()}
                class={classes!((t == view).then_some("active"))} {onclick}>
                { t.command() }
            </button>
        }
    };
    let close = p.act.reform(|_: MouseEvent| Action::Select(None));
    let goto = elsewhere
        .filter(|_| walked.is_empty())
        .map(|n| {
            let label = format!("Show {n}");
            let onclick = p.act.reform(move |_: MouseEvent| Action::Select(Some(Selection::Node(n.clone()))));
            html! { <>{ " The selected packet walked the rules on another node. " }<button type="button" id="rules-goto-node" {onclick}>{ label }</button></> }
        });
    let synced_at = nv.rules_synced_at.map(format::sim_time).unwrap_or_default();
    let toggle = |label: &str, id: &'static str, on: Option<u64>| {
        let walked_for = walked_for.clone();
        let onclick = Callback::from(move |_: MouseEvent| walked_for.set(on));
        html! { <>{ " " }<button type="button" class="link" {id} {onclick}>{ label.to_string() }</button></> }
    };
    let (resynced, switch) = match (&earlier, show_walked) {
        (Some(w), true) => (
            format!(
                " Shown: the rules kube-proxy wrote at {} (this node's sync {}), as the packet walked them at {}; it has re-synced since, at {synced_at}.",
                w.doc.as_ref().map(|(at, _)| format::sim_time(*at)).unwrap_or_default(),
                w.sync,
                format::sim_time(w.walked_at),
            ),
            Some(toggle("Show today's rules", "rules-show-current", None)),
        ),
        (Some(w), false) if w.doc.is_some() => (
            format!(
                " kube-proxy re-synced this node at {synced_at}, after the packet walked its rules at {}: highlighted are those rules in today's program{}.",
                format::sim_time(w.walked_at),
                match w.gone {
                    0 => String::new(),
                    n => format!("; {n} of the {} it matched changed or went away", w.keys.len()),
                }
            ),
            Some(toggle("Show the rules it walked", "rules-show-walked", p.packet)),
        ),
        (Some(w), _) => (
            format!(
                " kube-proxy has re-synced this node {} times since the packet walked its rules at {}, and svcsim keeps only a node's last few programs, so its {} rule(s) cannot be shown.",
                nv.rules_sync.saturating_sub(w.sync),
                format::sim_time(w.walked_at),
                w.keys.len()
            ),
            None,
        ),
        (None, _) => (String::new(), None),
    };
    let status = match (p.packet, view) {
        (None, _) => "Select a packet (click it, or a request line in the log) to highlight the rules it matched.".to_string(),
        (Some(id), View::Iptables) => format!("{hit_count} rule(s) matched by request #{id} highlighted in orange.{resynced}"),
        (Some(id), View::Ipvs) => format!("{hit_count} line(s) for request #{id}'s virtual server highlighted."),
        (Some(id), View::Conntrack) => format!("{hit_count} of request #{id}'s entries highlighted. A closed connection's entry stays in TIME_WAIT for 120 s and a DNS query's for 30 s; once it has timed out, or a new connection took over its ports, the packet inspector still shows the tuple it had."),
    };
    let changes = if view == View::Conntrack {
        conntrack_summary
    } else if show_walked {
        format!(
            "An earlier program: today's is sync {}, to API version {}.",
            nv.rules_sync, nv.rules_version
        )
    } else {
        format!(
            "kube-proxy synced to API version {} · {} line(s) new since last look (green bar), {} gone",
            nv.rules_version,
            doc.changed(),
            doc.removed
        )
    };
    html! {
        <section class="panel node-rules" id="node-rules" aria-label={format!("Rules on node {}", p.node)} data-node={p.node.clone()}>
            <div class="panel-head">
                <h2>{ format!("node {} · kube-proxy ({})", p.node, if ipvs_mode { "IPVS" } else { "iptables" }) }</h2>
                <button type="button" class="link" onclick={close} aria-label="Close node inspector">{ "✕" }</button>
            </div>
            <div class="tabs" role="tablist" aria-label="Which text">
                { tab(View::Iptables) }{ tab(View::Ipvs) }{ tab(View::Conntrack) }
            </div>
            <p class="panel-note" id="rules-status" data-hits={hit_count.to_string()}>{ status }{ for switch }{ for goto }</p>
            <p class="panel-note" id="rules-changes">{ changes }</p>
            // Keyed by the view, so switching tabs starts a fresh box at
            // the top rather than at the previous text's scroll position.
            <RulesText key={view.command()} doc={doc} hits={Rc::new(shown_hits)} mark={mark} label={format!("{} on {}", view.command(), p.node)} />
        </section>
    }
}
