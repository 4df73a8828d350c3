//! A node's rule text as lines the inspector can mark: which rule each line
//! is (so the selected packet's rule hits can be highlighted) and which
//! lines are new since the learner last looked.
//!
//! The iptables lines are produced in exactly the order and words of
//! [`Ruleset::render_with_builtins`] (a test checks the two agree), walking
//! the same structure the packets walk, so a highlighted line is the rule
//! the packet matched, not a look-alike found by searching the text.

use svcsim_core::proxy::conntrack::Listing;
use svcsim_core::proxy::rules::Ruleset;
use svcsim_core::vecmap::VecSet;

/// Which rule a line renders: table, chain, 0-based index within the chain
/// (the same triple a trace `RuleHit` carries).
pub type RuleKey = (String, String, u32);

/// One line of rule text.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleLine {
    pub text: String,
    /// The rule this line renders; `None` for headers, chain declarations
    /// and `COMMIT`.
    pub key: Option<RuleKey>,
    /// The line was not in the previous version of this node's text.
    pub changed: bool,
}

/// A whole rendered text, with the version it was rendered from.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RulesDoc {
    pub lines: Vec<RuleLine>,
    /// Lines of the previous version that are gone now.
    pub removed: usize,
}

impl RulesDoc {
    /// `iptables-save` of a node's program, built-in chains included.
    pub fn iptables(rules: &Ruleset) -> RulesDoc {
        let mut lines = Vec::new();
        let plain = |text: String| RuleLine {
            text,
            key: None,
            changed: false,
        };
        for t in &rules.tables {
            lines.push(plain(format!("*{}", t.name.as_str())));
            // iptables-save lists the built-in chains first.
            let shown = || {
                let first = t.chains.iter().filter(|c| c.builtin);
                first.chain(t.chains.iter().filter(|c| !c.builtin))
            };
            for c in shown() {
                let policy = if c.builtin { "ACCEPT" } else { "-" };
                lines.push(plain(format!(":{} {policy} [0:0]", c.name)));
            }
            for c in shown() {
                for (i, r) in c.rules.iter().enumerate() {
                    let mut text = format!("-A {}", c.name);
                    r.render_args(&mut text);
                    lines.push(RuleLine {
                        text,
                        key: Some((t.name.as_str().to_string(), c.name.clone(), i as u32)),
                        changed: false,
                    });
                }
            }
            lines.push(plain("COMMIT".into()));
        }
        RulesDoc { lines, removed: 0 }
    }

    /// Any other text (`ipvsadm -Ln`), line by line, with no rule keys.
    pub fn plain(text: &str) -> RulesDoc {
        RulesDoc {
            lines: text
                .lines()
                .map(|l| RuleLine {
                    text: l.to_string(),
                    key: None,
                    changed: false,
                })
                .collect(),
            removed: 0,
        }
    }

    /// Mark the lines that `prev` did not have (compared as a multiset of
    /// texts, so a rule that only moved is not "changed", and one of two
    /// identical lines is), and count the lines that went away.
    pub fn mark_changes(mut self, prev: &RulesDoc) -> RulesDoc {
        let mut old: svcsim_core::vecmap::VecMap<&str, usize> = Default::default();
        for l in &prev.lines {
            *old.entry(l.text.as_str()).or_default() += 1;
        }
        for l in &mut self.lines {
            match old.get_mut(l.text.as_str()) {
                Some(n) if *n > 0 => *n -= 1,
                _ => l.changed = true,
            }
        }
        self.removed = old.values().sum();
        self
    }

    /// The whole text, as the command would print it.
    #[cfg(test)]
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }

    pub fn changed(&self) -> usize {
        self.lines.iter().filter(|l| l.changed).count()
    }

    /// The rules of `self` that render the same text as the `hits` lines of
    /// `walked`, an earlier program of the same node: where the rules a
    /// packet matched are after a re-sync moved them (each line taken
    /// once). Also how many of those rules have no line any more.
    pub fn same_rules(
        &self,
        walked: &RulesDoc,
        hits: &VecSet<RuleKey>,
    ) -> (VecSet<RuleKey>, usize) {
        let mut wanted: svcsim_core::vecmap::VecMap<&str, usize> = Default::default();
        for l in &walked.lines {
            if l.key.as_ref().is_some_and(|k| hits.contains(k)) {
                *wanted.entry(l.text.as_str()).or_default() += 1;
            }
        }
        let mut found = VecSet::new();
        for l in &self.lines {
            if let (Some(k), Some(n)) = (&l.key, wanted.get_mut(l.text.as_str())) {
                if *n > 0 {
                    *n -= 1;
                    found.insert(k.clone());
                }
            }
        }
        (found, wanted.values().sum())
    }

    /// How many lines render one of `hits`.
    pub fn hit_count(&self, hits: &VecSet<RuleKey>) -> usize {
        self.lines
            .iter()
            .filter(|l| l.key.as_ref().is_some_and(|k| hits.contains(k)))
            .count()
    }
}

/// The line above a node's `conntrack -L` in the inspector: how many
/// entries by state, and which of them are listed (the newest `newest`,
/// and the selected request's), since a busy node tracks thousands
/// (closed connections wait 120 s in TIME_WAIT, DNS queries 30 s).
pub fn conntrack_summary(l: &Listing, newest: usize) -> String {
    let mut summary = match l.total {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    };
    if !l.by_state.is_empty() {
        let parts: Vec<String> = l.by_state.iter().map(|(s, n)| format!("{n} {s}")).collect();
        summary.push_str(&format!(": {}", parts.join(", ")));
    }
    if l.listed < l.total {
        let recent = newest.min(l.total);
        summary.push_str(&format!("; listed: the newest {recent}"));
        if l.listed > recent {
            summary.push_str(&format!(
                " and {} older of the selected request",
                l.listed - recent
            ));
        }
        summary.push_str(&format!(" ({} not listed)", l.total - l.listed));
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use svcsim_core::{Sim, SimTime};

    #[test]
    fn a_busy_conntrack_table_is_counted_by_state_and_listed_in_part() {
        let listing = |total, listed| Listing {
            text: String::new(),
            total,
            listed,
            by_state: vec![("ESTABLISHED", 1), ("TIME_WAIT", 5), ("UDP", total - 6)],
        };
        assert_eq!(
            conntrack_summary(&listing(11, 4), 3),
            "11 entries: 1 ESTABLISHED, 5 TIME_WAIT, 5 UDP; listed: the newest 3 and 1 older of the selected request (7 not listed)"
        );
        assert_eq!(
            conntrack_summary(&listing(11, 3), 3),
            "11 entries: 1 ESTABLISHED, 5 TIME_WAIT, 5 UDP; listed: the newest 3 (8 not listed)"
        );
        assert_eq!(
            conntrack_summary(&listing(11, 11), 300),
            "11 entries: 1 ESTABLISHED, 5 TIME_WAIT, 5 UDP"
        );
        let empty = Listing {
            text: String::new(),
            total: 0,
            listed: 0,
            by_state: vec![],
        };
        assert_eq!(conntrack_summary(&empty, 300), "0 entries");
    }

    fn sim(name: &str) -> Sim {
        let l = svcsim_manifests::builtin::load(name)
            .expect("exists")
            .expect("loads");
        Sim::new(l.objects, l.scenario).expect("builds")
    }

    #[test]
    fn lines_are_the_save_text() {
        let mut s = sim("mixed");
        let rules = s.node_rules("node-1").expect("node");
        let doc = RulesDoc::iptables(&rules);
        assert_eq!(doc.text(), rules.render_with_builtins());
        assert!(doc.lines.iter().any(|l| l.key.is_some()));
    }

    #[test]
    fn every_recorded_hit_has_a_line() {
        let mut s = sim("clusterip");
        s.run_until(SimTime::from_secs(2));
        let mut hits = 0;
        for ev in s.drain_trace() {
            let svcsim_core::sim::TraceKind::Hop(h) = ev.kind else {
                continue;
            };
            let svcsim_core::sim::trace::Place::Node { name, .. } = &h.from else {
                continue;
            };
            let doc = RulesDoc::iptables(&s.node_rules(name).expect("node"));
            let keys: VecSet<RuleKey> = h
                .decision
                .rules
                .iter()
                .map(|r| (r.table.clone(), r.chain.clone(), r.index))
                .collect();
            assert_eq!(doc.hit_count(&keys), keys.len(), "{:?}", h.decision.rules);
            hits += keys.len();
        }
        assert!(hits > 0);
    }

    #[test]
    fn hits_follow_their_rules_into_a_later_program() {
        // rollout replaces microservice-one's pods from 10 s: rules that
        // packets matched before the new pods took over, carried into the
        // rules after.
        let mut s = sim("rollout");
        let mut walked = Vec::new();
        while s
            .next_event_time()
            .is_some_and(|t| t <= SimTime::from_secs(20))
        {
            s.step();
            for ev in s.drain_trace() {
                let svcsim_core::sim::TraceKind::Hop(h) = ev.kind else {
                    continue;
                };
                let svcsim_core::sim::trace::Place::Node { name, .. } = &h.from else {
                    continue;
                };
                if h.decision
                    .rules
                    .iter()
                    .any(|r| r.chain.starts_with("KUBE-SEP-"))
                {
                    walked.push((name.clone(), h.decision.clone()));
                }
            }
        }
        let mut carried = 0;
        for (node, d) in walked {
            let Some((_, before)) = s.node_rules_at(&node, d.rules_sync.expect("sync")) else {
                continue; // older than the programs a node keeps
            };
            let before = RulesDoc::iptables(&before);
            let now = RulesDoc::iptables(&s.node_rules(&node).expect("node"));
            let keys: VecSet<RuleKey> = d
                .rules
                .iter()
                .map(|r| (r.table.clone(), r.chain.clone(), r.index))
                .collect();
            assert_eq!(before.hit_count(&keys), keys.len());
            let (moved, gone) = now.same_rules(&before, &keys);
            assert_eq!(moved.len() + gone, keys.len());
            assert_eq!(now.hit_count(&moved), moved.len());
            // Each carried hit renders the same rule text as before.
            let text = |d: &RulesDoc, k: &RuleKey| {
                d.lines
                    .iter()
                    .find(|l| l.key.as_ref() == Some(k))
                    .map(|l| l.text.clone())
            };
            for k in &moved {
                let t = text(&now, k);
                assert!(keys.iter().any(|o| text(&before, o) == t), "{k:?}");
            }
            // Some rules changed (a KUBE-SVC chain's probabilities, an
            // endpoint's KUBE-SEP chain); the Service's entry did not.
            if gone > 0 && !moved.is_empty() {
                assert!(
                    moved.iter().any(|(_, c, _)| c == "KUBE-SERVICES"),
                    "{moved:?}"
                );
                carried += 1;
            }
        }
        assert!(carried > 0, "no kept program lost the packet's endpoint");
    }

    #[test]
    fn changes_are_marked() {
        let a = RulesDoc::plain("x\ny\ny\nz");
        let b = RulesDoc::plain("y\nx\nw\ny").mark_changes(&a);
        let changed: Vec<&str> = b
            .lines
            .iter()
            .filter(|l| l.changed)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(changed, ["w"]);
        assert_eq!(b.removed, 1);
    }
}
