//! For every built-in scenario, the rule hits recorded on packets are
//! consistent with the rule program kube-proxy had on that node at that
//! moment (the same program `svcsim rules` prints): every hit names an
//! existing rule, jumps lead to the next hit's chain, and the last DNAT hit
//! is where the packet went. Each sampled packet is checked twice: at once,
//! against the node's rules then, and at the end of the run against
//! `Sim::node_rules_at(node, rules_sync)`, which must still give the
//! program it walked after later syncs replaced it.

use svcsim_core::proxy::rules::{Ruleset, TableName, Target};
use svcsim_core::sim::trace::{Hop, Place};
use svcsim_core::sim::TraceKind;
use svcsim_core::{Sim, SimTime};

#[test]
fn recorded_rule_hits_match_the_nodes_rules() {
    for name in svcsim_manifests::builtin::names() {
        let text = svcsim_manifests::builtin::get(name).expect("built-in exists");
        let loaded = svcsim_manifests::load(text, name).expect("built-in loads");
        let mut sim = Sim::new(loaded.objects, loaded.scenario).expect("builds");
        // Long enough for `rollout` (from 10 s) to re-sync every node.
        let end = SimTime::from_secs(25);
        let mut sampled = Vec::new();
        let mut seen = 0u64;
        while sim.next_event_time().is_some_and(|t| t <= end) {
            sim.step();
            for ev in sim.drain_trace() {
                let TraceKind::Hop(h) = ev.kind else {
                    continue;
                };
                if h.decision.rules.is_empty() {
                    continue;
                }
                seen += 1;
                // A sample: every 13th packet that walked the rules.
                if seen % 13 != 1 {
                    continue;
                }
                let Place::Node { name: node, .. } = &h.from else {
                    panic!("{name}: rule hits recorded away from a node: {h:?}");
                };
                let sync = h.decision.rules_sync.expect("rule hits name their sync");
                let current = rules_sync_of(&sim, node);
                assert_eq!(
                    current,
                    Some(sync),
                    "{name}: a packet walked rules of another sync"
                );
                let (_, rules) = sim.node_rules_at(node, sync).expect("the current program");
                assert_hits_in(name, &rules, &h);
                sampled.push((node.clone(), sync, h));
            }
        }
        assert!(
            !sampled.is_empty() || matches!(*name, "externalname" | "headless"),
            "{name}: no packet walked the rules"
        );
        // Later: the rules those packets walked, though kube-proxy may have
        // synced since.
        let (mut replaced, mut gone) = (0, 0);
        for (node, sync, h) in &sampled {
            let now = rules_sync_of(&sim, node);
            match sim.node_rules_at(node, *sync) {
                Some((_, rules)) => {
                    replaced += usize::from(now != Some(*sync));
                    assert_hits_in(name, &rules, h);
                }
                None => gone += 1,
            }
        }
        if *name == "rollout" {
            assert!(
                replaced > 0,
                "{name}: no sampled packet's rules were re-synced ({gone} too old)"
            );
        }
    }
}

/// Every hit of `h` names a rule of `rules`; jumps lead on; the last DNAT
/// is where the packet went.
fn assert_hits_in(name: &str, rules: &Ruleset, h: &Hop) {
    let Place::Node { name: node, .. } = &h.from else {
        unreachable!("checked by the caller");
    };
    let mut last_dnat = None;
    for (i, hit) in h.decision.rules.iter().enumerate() {
        let table = match hit.table.as_str() {
            "nat" => TableName::Nat,
            "filter" => TableName::Filter,
            t => panic!("{name}: unknown table {t}"),
        };
        let chain = rules
            .table(table)
            .and_then(|t| t.chain(&hit.chain))
            .unwrap_or_else(|| panic!("{name}: {node} has no chain {}", hit.chain));
        let rule = chain
            .rules
            .get(hit.index as usize)
            .unwrap_or_else(|| panic!("{name}: {node} {} has no rule {}", hit.chain, hit.index));
        match &rule.target {
            Some(Target::Jump(c)) | Some(Target::Goto(c)) => {
                if let Some(next) = h.decision.rules.get(i + 1) {
                    // The next hit is in the jumped-to chain, or (when
                    // nothing there matched) back in a chain already on the
                    // walk.
                    let earlier = h.decision.rules[..=i].iter().any(|x| x.chain == next.chain);
                    let builtin = next.chain.chars().all(|ch| ch.is_ascii_uppercase());
                    assert!(
                        next.chain == *c || earlier || builtin,
                        "{name}: after jumping to {c}, next hit is in {}",
                        next.chain
                    );
                }
            }
            Some(Target::Dnat(ep)) => last_dnat = Some(*ep),
            _ => {}
        }
    }
    if let Some(ep) = last_dnat {
        assert_eq!(ep, h.dst_after, "{name}: DNAT target vs packet");
    }
}

/// Switching kube-proxy to IPVS re-syncs every node; a packet that walked
/// the iptables program just before still finds it.
#[test]
fn the_program_walked_before_a_mode_switch_is_kept() {
    let text = svcsim_manifests::builtin::get("clusterip").expect("built-in exists");
    let loaded = svcsim_manifests::load(text, "clusterip").expect("built-in loads");
    let mut sim = Sim::new(loaded.objects, loaded.scenario).expect("builds");
    let mut walked = None;
    while walked.is_none() {
        assert!(sim.step(), "no packet walked the rules");
        for ev in sim.drain_trace() {
            if let TraceKind::Hop(h) = ev.kind {
                if h.decision.rules_sync.is_some() && walked.is_none() {
                    walked = Some(h);
                }
            }
        }
    }
    let h = walked.expect("a hop");
    let Place::Node { name: node, .. } = &h.from else {
        panic!("rule hits away from a node");
    };
    sim.apply(svcsim_core::Command::SetProxyMode {
        mode: svcsim_core::scenario::ProxyMode::Ipvs,
    });
    let now = rules_sync_of(&sim, node);
    assert_ne!(now, h.decision.rules_sync, "the switch re-synced the node");
    let (_, rules) = sim
        .node_rules_at(node, h.decision.rules_sync.expect("sync"))
        .expect("the iptables program is kept");
    assert_hits_in("clusterip", &rules, &h);
}

/// Which kube-proxy sync `node`'s current rules are.
fn rules_sync_of(sim: &Sim, node: &str) -> Option<u64> {
    sim.view()
        .nodes
        .iter()
        .find(|n| n.name == node)
        .map(|n| n.rules_sync)
}
