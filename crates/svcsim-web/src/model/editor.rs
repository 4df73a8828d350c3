//! The YAML editor's logic: validating the text, what "Apply" sends to the
//! running simulation, and mapping a diagnostic's line and column to a
//! place in the textarea.
//!
//! Apply works like `kubectl apply`: the objects in the text are created or
//! updated, and objects missing from the text are left alone (no
//! `--prune`). The loader allocates ClusterIPs and NodePorts for the text
//! on its own, so a Service that already runs keeps the addresses it has
//! (the API server would refuse to change `spec.clusterIP`, and keeps an
//! allocated nodePort an apply omits); only new Services take the
//! loader's.

use super::engine::Engine;
use svcsim_core::model::Object;
use svcsim_core::sim::ClusterView;
use svcsim_manifests::{Diagnostic, Loaded};

/// The file name diagnostics carry.
pub const FILE: &str = "editor.yaml";

/// Validate `text` as a scenario file.
pub fn check(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    svcsim_manifests::load(text, FILE)
}

/// The objects an Apply of `loaded` sends, given what runs now.
pub fn objects_for_apply(loaded: &Loaded, running: &ClusterView) -> Vec<Object> {
    loaded
        .objects
        .iter()
        .cloned()
        .map(|mut o| {
            if let Object::Service(s) = &mut o {
                let ns = s.metadata.ns().to_string();
                if let Some(old) = running
                    .services
                    .iter()
                    .find(|v| v.namespace == ns && v.name == s.metadata.name)
                {
                    // `kubectl get svc` columns: CLUSTER-IP, PORT(S) as
                    // `3200:30008/TCP,...`.
                    if old.cluster_ip.parse::<std::net::Ipv4Addr>().is_ok() {
                        s.spec.cluster_ip = Some(old.cluster_ip.clone());
                        s.spec.cluster_ips = vec![old.cluster_ip.clone()];
                    }
                    for p in &mut s.spec.ports {
                        let running = old.ports.split(',').find_map(|q| {
                            let (port, rest) = q.trim().split_once(':')?;
                            let np = rest.split('/').next()?;
                            (port.parse::<i32>().ok()? == p.port).then(|| np.parse::<i32>().ok())?
                        });
                        if let (Some(np), Some(_)) = (running, p.node_port) {
                            p.node_port = Some(np);
                        }
                    }
                }
            }
            o
        })
        .collect()
}

/// The name the scenario bar shows for a scenario run from the editor.
pub const CUSTOM: &str = "custom";

/// A fresh engine running `text` as a scenario file (its Scenario document
/// included); `seed` overrides the file's.
pub fn engine_from_yaml(text: &str, seed: Option<u64>) -> Result<Engine, String> {
    let loaded = check(text).map_err(|d| {
        let errors = d.iter().filter(|d| d.is_error()).count();
        format!("the YAML has {errors} error(s); see the editor")
    })?;
    let warnings = loaded.warnings.iter().map(|w| w.message.clone()).collect();
    let mut e = Engine::new(CUSTOM, loaded.objects, loaded.scenario, seed)?;
    e.warnings = warnings;
    Ok(e)
}

/// The textarea offset (UTF-16 code units, as `setSelectionRange` counts)
/// of 1-based `line` and `col` (columns count characters). Past the end of
/// a line or the text, the nearest place.
pub fn offset_of(text: &str, line: usize, col: usize) -> u32 {
    let mut units = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line.max(1) {
            let within: u32 = l
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| c.len_utf16() as u32)
                .sum();
            return units + within;
        }
        units += l.chars().map(|c| c.len_utf16() as u32).sum::<u32>() + 1;
    }
    units.saturating_sub(1)
}

/// The number of lines, for the gutter.
pub fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_utf16_units() {
        let t = "ab\nxé𝄞z\n";
        assert_eq!(offset_of(t, 1, 1), 0);
        assert_eq!(offset_of(t, 2, 1), 3);
        assert_eq!(offset_of(t, 2, 3), 5);
        // 𝄞 is two UTF-16 units.
        assert_eq!(offset_of(t, 2, 4), 7);
        assert_eq!(offset_of(t, 9, 1), 9);
        assert_eq!(line_count(t), 3);
    }

    #[test]
    fn an_invalid_name_is_placed_and_escaping_is_the_renderers_job() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: <img src=x onerror=alert(1)>\nspec:\n  containers: [{name: a, image: a}]\n";
        let d = check(text).expect_err("invalid");
        let e = d.iter().find(|d| d.is_error()).unwrap();
        assert_eq!(e.line, 4, "{d:?}");
        assert!(e.path.contains("metadata.name"), "{e:?}");
    }

    #[test]
    fn apply_keeps_running_addresses() {
        let mut e = crate::model::engine::Engine::builtin("nodeport", None).unwrap();
        let view = e.view();
        let text = svcsim_manifests::builtin::get("nodeport").unwrap();
        let loaded = check(text).unwrap();
        let objs = objects_for_apply(&loaded, &view);
        e.apply(svcsim_core::sim::Command::Apply { objects: objs });
        let after = e.view();
        for s in &view.services {
            let a = after
                .services
                .iter()
                .find(|x| x.name == s.name && x.namespace == s.namespace)
                .unwrap();
            assert_eq!(a.cluster_ip, s.cluster_ip, "{}", s.name);
        }
    }
}
