//! The built-in scenarios. Each is an ordinary scenario file under
//! `crates/svcsim-manifests/scenarios/`, embedded at build time and loaded
//! through the same strict path as a user's file, so the built-ins are
//! also the loader's first test cases.

use crate::{Diagnostic, Loaded};

/// `(name, file text)`, in the order the UI lists them.
const SCENARIOS: &[(&str, &str)] = &[
    ("clusterip", include_str!("../scenarios/clusterip.yaml")),
    ("nodeport", include_str!("../scenarios/nodeport.yaml")),
    (
        "loadbalancer",
        include_str!("../scenarios/loadbalancer.yaml"),
    ),
    (
        "externalname",
        include_str!("../scenarios/externalname.yaml"),
    ),
    ("headless", include_str!("../scenarios/headless.yaml")),
    ("mixed", include_str!("../scenarios/mixed.yaml")),
    ("rollout", include_str!("../scenarios/rollout.yaml")),
    (
        "default-deny",
        include_str!("../scenarios/default-deny.yaml"),
    ),
    ("wrong-port", include_str!("../scenarios/wrong-port.yaml")),
    (
        "hardcoded-ip",
        include_str!("../scenarios/hardcoded-ip.yaml"),
    ),
    ("laptop", include_str!("../scenarios/laptop.yaml")),
];

const NAMES: &[&str] = &[
    "clusterip",
    "nodeport",
    "loadbalancer",
    "externalname",
    "headless",
    "mixed",
    "rollout",
    "default-deny",
    "wrong-port",
    "hardcoded-ip",
    "laptop",
];

/// The built-in scenario names.
pub fn names() -> &'static [&'static str] {
    NAMES
}

/// A built-in scenario's file text.
pub fn get(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Load a built-in scenario. `None` for an unknown name; the built-ins are
/// tested to load without errors, so `Some(Err(_))` means a broken build.
pub fn load(name: &str) -> Option<Result<Loaded, Vec<Diagnostic>>> {
    let text = get(name)?;
    Some(crate::load(text, &format!("builtin:{name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_table() {
        let table: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
        assert_eq!(table, NAMES);
    }

    #[test]
    fn every_builtin_loads_cleanly() {
        for name in names() {
            let l = match load(name) {
                Some(Ok(l)) => l,
                Some(Err(d)) => panic!("{name}:\n{}", crate::render(&d)),
                None => panic!("{name} missing"),
            };
            let unexpected: Vec<_> = l
                .warnings
                .iter()
                .filter(|w| !(*name == "wrong-port" && w.message.contains("after DNAT")))
                .collect();
            assert!(unexpected.is_empty(), "{name}: {unexpected:?}");
            assert!(!l.scenario.caption.is_empty(), "{name} has no caption");
            assert!(!l.scenario.clients.is_empty(), "{name} has no clients");
        }
    }
}
