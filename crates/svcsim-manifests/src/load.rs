//! The strict loading pipeline: text → positioned YAML tree → strict decode
//! → limits → defaulting → allocation → validation → warnings.
//!
//! The order follows kube-apiserver's create path (`reference/validation.md`
//! §1.4): decode strictly, default, allocate ClusterIPs and NodePorts, then
//! validate. Allocation errors for a Service are reported *instead of* its
//! other validation errors, as the API server does, because allocation runs
//! first and returns at once.

use crate::alloc::{self, Allocators};
use crate::de::{self, closest, quoted_list, Ctx, DeError, Decode};
use crate::diag::{Diagnostic, Severity};
use crate::tree::{self, Budget, Node, NodeKind, Pos};
use crate::validate::{self, Errs};
use crate::{defaults, Limits, Loaded, Skipped};
use svcsim_core::model::*;
use svcsim_core::scenario::{
    parse_duration, ScenarioDoc, ScenarioSpec, TimedCommand, SCENARIO_API_VERSION,
};
use svcsim_core::sim::Command;
use svcsim_core::vecmap::VecMap;
use svcsim_core::SimDuration;

/// The kinds svcsim models, with the apiVersion each must carry.
pub const KINDS: &[(&str, &str)] = &[
    ("Namespace", "v1"),
    ("Node", "v1"),
    ("Pod", "v1"),
    ("Deployment", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("Service", "v1"),
    ("EndpointSlice", "discovery.k8s.io/v1"),
    ("NetworkPolicy", "networking.k8s.io/v1"),
];

/// Scripted-event actions and their fields, for strict checking of
/// `spec.events` (serde cannot deny unknown fields through `flatten`). A
/// field ending in `?` is optional.
/// `command_fields_cover_every_variant` keeps this in step with `Command`.
pub const ACTIONS: &[(&str, &[&str])] = &[
    ("killPod", &["pod"]),
    ("crashPod", &["pod"]),
    ("setPodReadiness", &["pod", "ready"]),
    ("failNode", &["node"]),
    ("recoverNode", &["node"]),
    ("cordonNode", &["node"]),
    ("uncordonNode", &["node"]),
    ("drainNode", &["node", "force?"]),
    ("scale", &["deployment", "replicas"]),
    ("rollout", &["deployment", "image"]),
    ("setExternalTrafficPolicy", &["service", "policy"]),
    ("setSessionAffinity", &["service", "affinity"]),
    ("setProxyMode", &["mode"]),
    ("setCloudLoadBalancer", &["present"]),
    ("apply", &["objects"]),
    ("delete", &["kind", "name"]),
];

/// Diagnostics reported at most per file.
const MAX_DIAGNOSTICS: usize = 500;

/// One decoded object with the tree it came from (for positions).
struct Entry {
    obj: Object,
    node: Node,
}

struct Loader<'f> {
    file: &'f str,
    limits: Limits,
    diags: Vec<Diagnostic>,
    entries: Vec<Entry>,
    scenario: Option<(ScenarioDoc, Node)>,
    skipped: Vec<Skipped>,
}

impl Loader<'_> {
    fn diag(&mut self, sev: Severity, pos: Pos, path: &str, message: String) {
        // Hostile input can produce one error per line; past a screenful of
        // hundreds nobody reads on, and rendering them all costs time.
        if self.diags.len() >= MAX_DIAGNOSTICS {
            if self.diags.len() == MAX_DIAGNOSTICS {
                self.diags.push(Diagnostic {
                    severity: Severity::Error,
                    file: self.file.to_string(),
                    line: pos.line,
                    col: pos.col,
                    path: String::new(),
                    message: format!("too many problems; stopping after {MAX_DIAGNOSTICS}"),
                });
            }
            return;
        }
        self.diags.push(Diagnostic {
            severity: sev,
            file: self.file.to_string(),
            line: pos.line,
            col: pos.col,
            path: path.to_string(),
            message,
        });
    }

    fn error(&mut self, pos: Pos, path: &str, message: String) {
        self.diag(Severity::Error, pos, path, message);
    }

    /// Report field errors of an object, each placed at its path's node.
    fn field_errs(&mut self, sev: Severity, node: &Node, errs: Errs) {
        for e in errs.0 {
            let pos = find_pos(node, &e.path);
            self.diag(sev, pos, &e.path, e.message);
        }
    }

    fn flush_ctx(&mut self, ctx: Ctx) {
        for f in ctx.findings.into_inner() {
            self.error(f.pos, &f.path, f.message);
        }
    }

    fn de_error(&mut self, e: DeError) {
        self.error(e.pos, &e.path, e.message);
    }

    /// One top-level node: an object, a List, or the Scenario.
    fn collect(&mut self, node: &Node, in_list: bool) {
        let NodeKind::Map(entries) = &node.kind else {
            let what = match &node.kind {
                NodeKind::Seq(_) => "a list".to_string(),
                _ => format!("the scalar {:?}", node.as_str().unwrap_or("")),
            };
            self.error(
                node.pos,
                "",
                format!("expected a Kubernetes object (a mapping with apiVersion and kind), found {what}"),
            );
            return;
        };
        let kind = match node.get("kind") {
            Some(k) => match k.as_str() {
                Some(s) if !s.is_empty() => s.to_string(),
                _ => {
                    self.error(k.pos, "kind", "must be a non-empty string".into());
                    return;
                }
            },
            None => {
                self.error(
                    node.pos,
                    "kind",
                    "Required value: every object needs apiVersion and kind".into(),
                );
                return;
            }
        };
        let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");

        if kind == "List" || (kind.ends_with("List") && node.get("items").is_some()) {
            if in_list {
                self.error(
                    node.pos,
                    "kind",
                    "a List may not contain another List".into(),
                );
                return;
            }
            for (k, _) in entries {
                let key = k.as_str().unwrap_or("");
                if !matches!(key, "apiVersion" | "kind" | "items" | "metadata") {
                    let mut msg = "unknown field".to_string();
                    if let Some(s) = closest(key, &["apiVersion", "kind", "items", "metadata"]) {
                        msg += &format!("; did you mean {s:?}?");
                    }
                    self.error(k.pos, key, msg);
                }
            }
            match node.get("items").map(|i| &i.kind) {
                Some(NodeKind::Seq(items)) => {
                    for item in items {
                        self.collect(item, true);
                    }
                }
                Some(_) if node.get("items").is_some_and(Node::is_null) => {}
                Some(_) => {
                    let pos = node.get("items").map_or(node.pos, |n| n.pos);
                    self.error(pos, "items", "expected a list of objects".into());
                }
                None => {}
            }
            return;
        }

        if kind == "Scenario" {
            self.scenario_doc(node, api_version);
            return;
        }

        let Some((_, want)) = KINDS.iter().find(|(k, _)| *k == kind) else {
            let name = node
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string();
            self.diag(
                Severity::Warning,
                node.pos,
                "",
                format!("{kind} {name:?} skipped: svcsim does not model this kind"),
            );
            self.skipped.push(Skipped {
                kind,
                name,
                line: node.pos.line,
            });
            return;
        };
        if api_version != *want {
            let pos = node.get("apiVersion").map_or(node.pos, |n| n.pos);
            let msg = if api_version.is_empty() {
                format!("Required value: {kind} objects use apiVersion {want:?}")
            } else {
                // kubectl's RESTMapper error for an unknown group/version.
                format!("no matches for kind {kind:?} in version {api_version:?} (svcsim reads {want:?})")
            };
            self.error(pos, "apiVersion", msg);
            return;
        }
        let body = node.without_keys(&["kind"]);
        let ctx = Ctx::default();
        let obj = decode_object(&kind, &body, &ctx);
        self.flush_ctx(ctx);
        match obj {
            Ok(obj) => self.entries.push(Entry {
                obj,
                node: node.clone(),
            }),
            Err(e) => self.de_error(e),
        }
    }

    fn scenario_doc(&mut self, node: &Node, api_version: &str) {
        if api_version != SCENARIO_API_VERSION {
            let pos = node.get("apiVersion").map_or(node.pos, |n| n.pos);
            self.error(
                pos,
                "apiVersion",
                format!("no matches for kind \"Scenario\" in version {api_version:?} (use {SCENARIO_API_VERSION:?})"),
            );
            return;
        }
        if let Some((_, first)) = &self.scenario {
            let line = first.pos.line;
            self.error(
                node.pos,
                "",
                format!(
                    "only one Scenario document is allowed per file (the first is on line {line})"
                ),
            );
            return;
        }
        // Decode without `spec.events` (flattened commands need their own
        // strict pass), then the events.
        let events_node = node.get("spec").and_then(|s| s.get("events")).cloned();
        let stripped = replace_key(node, "spec", |s| s.without_keys(&["events"]));
        let ctx = Ctx::default();
        let doc: Result<ScenarioDoc, DeError> = de::decode(&stripped, "", &ctx);
        self.flush_ctx(ctx);
        let mut doc = match doc {
            Ok(d) => d,
            Err(e) => {
                self.de_error(e);
                return;
            }
        };
        if let Some(ev) = events_node {
            doc.spec.events = self.events(&ev);
        }
        self.scenario = Some((doc, node.clone()));
    }

    fn events(&mut self, node: &Node) -> Vec<TimedCommand> {
        let mut out = Vec::new();
        let items = match &node.kind {
            NodeKind::Seq(items) => items,
            _ if node.is_null() => return out,
            _ => {
                self.error(node.pos, "spec.events", "expected a list of events".into());
                return out;
            }
        };
        if items.len() > self.limits.max_events {
            self.error(
                node.pos,
                "spec.events",
                format!(
                    "too many events: {} (the limit is {})",
                    items.len(),
                    self.limits.max_events
                ),
            );
            return out;
        }
        for (i, ev) in items.iter().enumerate() {
            let path = format!("spec.events[{i}]");
            if let Some(c) = self.event(ev, &path) {
                out.push(c);
            }
        }
        out
    }

    fn event(&mut self, ev: &Node, path: &str) -> Option<TimedCommand> {
        let NodeKind::Map(entries) = &ev.kind else {
            self.error(
                ev.pos,
                path,
                "expected a mapping with `at` and `action`".into(),
            );
            return None;
        };
        let at = match ev.get("at") {
            None => {
                self.error(ev.pos, &format!("{path}.at"), "Required value".into());
                return None;
            }
            Some(n) => match parse_duration(n.as_str().unwrap_or("")) {
                Ok(d) => d,
                Err(message) => {
                    self.error(n.pos, &format!("{path}.at"), message);
                    return None;
                }
            },
        };
        let action_node = match ev.get("action") {
            Some(a) => a,
            None => {
                self.error(ev.pos, &format!("{path}.action"), "Required value".into());
                return None;
            }
        };
        let action = action_node.as_str().unwrap_or("");
        let Some((_, fields)) = ACTIONS.iter().find(|(a, _)| *a == action) else {
            let names: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
            let mut msg = format!(
                "Unsupported value: {action:?}: supported values: {}",
                quoted_list(&names)
            );
            if let Some(s) = closest(action, &names) {
                msg += &format!("; did you mean {s:?}?");
            }
            self.error(action_node.pos, &format!("{path}.action"), msg);
            return None;
        };
        let mut ok = true;
        for (k, _) in entries {
            let key = k.as_str().unwrap_or("");
            if key == "at"
                || key == "action"
                || fields.iter().any(|f| f.trim_end_matches('?') == key)
            {
                continue;
            }
            let mut known: Vec<&str> = vec!["at", "action"];
            known.extend(fields.iter().map(|f| f.trim_end_matches('?')));
            let mut msg = format!("unknown field for action {action:?}");
            if let Some(s) = closest(key, &known) {
                msg += &format!("; did you mean {s:?}?");
            } else {
                msg += &format!("; known fields are {}", quoted_list(&known));
            }
            self.error(k.pos, &format!("{path}.{key}"), msg);
            ok = false;
        }
        for f in fields.iter().filter(|f| !f.ends_with('?')) {
            if ev.get(f).is_none() {
                self.error(ev.pos, &format!("{path}.{f}"), "Required value".into());
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let command = if action == "apply" {
            let objs = ev.get("objects")?;
            let NodeKind::Seq(items) = &objs.kind else {
                self.error(
                    objs.pos,
                    &format!("{path}.objects"),
                    "expected a list of objects".into(),
                );
                return None;
            };
            let mut objects = Vec::new();
            for item in items {
                let before = self.entries.len();
                let diags_before = self.diags.len();
                self.collect(item, true);
                // Objects in an `apply` event are decoded like top-level
                // ones, but belong to the event, not to the initial state.
                let added: Vec<Entry> = self.entries.drain(before..).collect();
                if self.diags.len() > diags_before {
                    continue;
                }
                objects.extend(added.into_iter().map(|mut e| {
                    defaults::object(&mut e.obj);
                    e.obj
                }));
            }
            Command::Apply { objects }
        } else {
            self.command(ev, path, action)?
        };
        Some(TimedCommand { at, command })
    }

    /// One field of an event, decoded strictly; `None` (with the error
    /// recorded) when it has the wrong type.
    fn field<T: Decode>(&mut self, ev: &Node, path: &str, name: &str) -> Option<T> {
        // Presence was checked against `ACTIONS` by the caller.
        let node = ev.get(name)?;
        let ctx = Ctx::default();
        let r = de::decode(node, &format!("{path}.{name}"), &ctx);
        self.flush_ctx(ctx);
        r.map_err(|e| self.de_error(e)).ok()
    }

    /// Every action but `apply`, field by field. (Decoding the tagged
    /// `Command` enum through serde would buffer it in serde's `Content`,
    /// which costs a second copy of every decoder in the wasm bundle.)
    fn command(&mut self, ev: &Node, path: &str, action: &str) -> Option<Command> {
        Some(match action {
            "killPod" => Command::KillPod {
                pod: self.field(ev, path, "pod")?,
            },
            "crashPod" => Command::CrashPod {
                pod: self.field(ev, path, "pod")?,
            },
            "setPodReadiness" => Command::SetPodReadiness {
                pod: self.field(ev, path, "pod")?,
                ready: self.field(ev, path, "ready")?,
            },
            "failNode" => Command::FailNode {
                node: self.field(ev, path, "node")?,
            },
            "recoverNode" => Command::RecoverNode {
                node: self.field(ev, path, "node")?,
            },
            "cordonNode" => Command::CordonNode {
                node: self.field(ev, path, "node")?,
            },
            "uncordonNode" => Command::UncordonNode {
                node: self.field(ev, path, "node")?,
            },
            "drainNode" => Command::DrainNode {
                node: self.field(ev, path, "node")?,
                force: match ev.get("force") {
                    Some(_) => self.field(ev, path, "force")?,
                    None => false,
                },
            },
            "scale" => Command::Scale {
                deployment: self.field(ev, path, "deployment")?,
                replicas: self.field(ev, path, "replicas")?,
            },
            "rollout" => Command::Rollout {
                deployment: self.field(ev, path, "deployment")?,
                image: self.field(ev, path, "image")?,
            },
            "setExternalTrafficPolicy" => Command::SetExternalTrafficPolicy {
                service: self.field(ev, path, "service")?,
                policy: self.field(ev, path, "policy")?,
            },
            "setSessionAffinity" => Command::SetSessionAffinity {
                service: self.field(ev, path, "service")?,
                affinity: self.field(ev, path, "affinity")?,
            },
            "setProxyMode" => Command::SetProxyMode {
                mode: self.field(ev, path, "mode")?,
            },
            "setCloudLoadBalancer" => Command::SetCloudLoadBalancer {
                present: self.field(ev, path, "present")?,
            },
            "delete" => Command::Delete {
                kind: self.field(ev, path, "kind")?,
                name: self.field(ev, path, "name")?,
            },
            // `apply` is decoded by the caller, and the caller found the
            // action in `ACTIONS`, which `command_fields_cover_every_variant`
            // keeps in step with this match.
            other => unreachable!("action {other:?} is in ACTIONS but not decoded"),
        })
    }
}

/// A copy of a mapping with one key's value transformed.
fn replace_key(node: &Node, key: &str, f: impl Fn(&Node) -> Node) -> Node {
    match &node.kind {
        NodeKind::Map(entries) => Node {
            pos: node.pos,
            kind: NodeKind::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        if k.as_str() == Some(key) {
                            (k.clone(), f(v))
                        } else {
                            (k.clone(), v.clone())
                        }
                    })
                    .collect(),
            ),
        },
        _ => node.clone(),
    }
}

/// Strictly decode a modelled kind (its `kind` key already removed).
pub(crate) fn decode_object(kind: &str, body: &Node, ctx: &Ctx) -> Result<Object, DeError> {
    Ok(match kind {
        "Namespace" => Object::Namespace(de::decode(body, "", ctx)?),
        "Node" => Object::Node(de::decode(body, "", ctx)?),
        "Pod" => Object::Pod(de::decode(body, "", ctx)?),
        "Deployment" => Object::Deployment(de::decode(body, "", ctx)?),
        "ReplicaSet" => Object::ReplicaSet(de::decode(body, "", ctx)?),
        "Service" => Object::Service(de::decode(body, "", ctx)?),
        "EndpointSlice" => Object::EndpointSlice(de::decode(body, "", ctx)?),
        "NetworkPolicy" => Object::NetworkPolicy(de::decode(body, "", ctx)?),
        other => {
            return Err(DeError {
                pos: body.pos,
                path: "kind".into(),
                message: format!("svcsim does not model kind {other:?}"),
            })
        }
    })
}

/// The position of the node at a field path such as
/// `spec.ports[0].nodePort`, or of its deepest existing ancestor (a
/// defaulted field has no node of its own). The API server's paths differ
/// from the manifest's in two places: `spec.clusterIPs` is often written as
/// `clusterIP`, and `spec.LoadBalancerSourceRanges` has a capital L.
pub fn find_pos(root: &Node, path: &str) -> Pos {
    let mut node = root;
    for seg in segments(path) {
        let next = match (&node.kind, seg) {
            (NodeKind::Seq(items), Seg::Index(i)) => items.get(i),
            (NodeKind::Map(_), Seg::Key(k)) => node
                .get(k)
                .or_else(|| {
                    if k == "clusterIPs" {
                        node.get("clusterIP")
                    } else {
                        None
                    }
                })
                .or_else(|| match &node.kind {
                    NodeKind::Map(entries) => entries
                        .iter()
                        .find(|(key, _)| key.as_str().is_some_and(|s| s.eq_ignore_ascii_case(k)))
                        .map(|(_, v)| v),
                    _ => None,
                }),
            (NodeKind::Map(_), Seg::Index(i)) => node.get(&i.to_string()),
            // `clusterIP: x` standing in for `clusterIPs[0]`.
            (NodeKind::Scalar { .. }, Seg::Index(0)) => Some(node),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node.pos
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            let inner = &r[..end];
            out.push(match inner.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(inner),
            });
            rest = r.get(end + 1..).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(Seg::Key(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

/// The pipeline behind [`crate::load`].
pub fn load(text: &str, file: &str, limits: Limits) -> Result<Loaded, Vec<Diagnostic>> {
    let mut l = Loader {
        file,
        limits,
        diags: Vec::new(),
        entries: Vec::new(),
        scenario: None,
        skipped: Vec::new(),
    };
    let start = Pos { line: 1, col: 1 };
    if text.len() > limits.max_bytes {
        l.error(
            start,
            "",
            format!(
                "input is {} bytes, over the limit of {} bytes ({} KiB)",
                text.len(),
                limits.max_bytes,
                limits.max_bytes / 1024
            ),
        );
        return Err(l.diags);
    }
    let budget = Budget {
        max_depth: limits.max_depth,
        max_nodes: limits.max_yaml_nodes,
    };
    let docs = match tree::parse_stream(text, budget) {
        Ok(d) => d,
        Err(e) => {
            l.error(e.pos, "", e.message);
            return Err(l.diags);
        }
    };
    for doc in &docs {
        if let Some(root) = doc.root.as_ref().filter(|r| !r.is_null()) {
            l.collect(root, false);
        }
    }
    let (scenario, scenario_node) = match l.scenario.take() {
        Some((doc, node)) => (doc.spec, Some(node)),
        None => (ScenarioSpec::default(), None),
    };
    let snode = scenario_node.clone().unwrap_or(Node {
        pos: start,
        kind: NodeKind::Map(Vec::new()),
    });
    check_limits(&mut l, &scenario, &snode);
    if l.diags.iter().any(Diagnostic::is_error) {
        return Err(l.diags);
    }

    // Defaulting, then allocation, then validation.
    let manifests: Vec<Object> = l.entries.iter().map(|e| e.obj.clone()).collect();
    for e in &mut l.entries {
        defaults::object(&mut e.obj);
    }
    let cluster = &scenario.cluster;
    let allocators = Allocators::new(&cluster.service_cidr, &cluster.node_port_range);
    if allocators.is_none() {
        if crate::names::parse_cidr4(&cluster.service_cidr).is_none_or(|c| c.size() < 8) {
            let p = "spec.cluster.serviceCIDR";
            l.error(
                find_pos(&snode, p),
                p,
                format!("invalid service CIDR {:?}: expected an IPv4 CIDR with at least 8 addresses, e.g. 10.96.0.0/12", cluster.service_cidr),
            );
        } else {
            let p = "spec.cluster.nodePortRange";
            l.error(
                find_pos(&snode, p),
                p,
                format!(
                    "invalid NodePort range {:?}: expected FIRST-LAST, e.g. 30000-32767",
                    cluster.node_port_range
                ),
            );
        }
        return Err(l.diags);
    }
    let Some(mut allocators) = allocators else {
        return Err(l.diags);
    };
    let entries = std::mem::take(&mut l.entries);
    let mut entries = entries;
    let mut alloc_failed = vec![false; entries.len()];
    // Pre-validation of cluster IPs, then reservation of requested values,
    // in file order.
    for (i, e) in entries.iter_mut().enumerate() {
        if let Object::Service(svc) = &mut e.obj {
            let mut errs = Errs::default();
            alloc::normalize(svc);
            let pre = validate::service_cluster_ips(svc);
            if pre.0.is_empty() {
                errs = alloc::reserve(svc, &mut allocators);
            } else {
                errs.0.extend(pre.0);
            }
            if !errs.0.is_empty() {
                alloc_failed[i] = true;
                let node = e.node.clone();
                l.field_errs(Severity::Error, &node, errs);
            }
        }
    }
    for (i, e) in entries.iter_mut().enumerate() {
        if alloc_failed[i] {
            continue;
        }
        if let Object::Service(svc) = &mut e.obj {
            let errs = alloc::allocate(svc, &mut allocators);
            if !errs.0.is_empty() {
                alloc_failed[i] = true;
                let node = e.node.clone();
                l.field_errs(Severity::Error, &node, errs);
            }
        }
    }
    // Validation, and duplicates (`kubectl create` answers AlreadyExists).
    let mut seen: VecMap<(String, String, String), usize> = VecMap::new();
    for (i, e) in entries.iter().enumerate() {
        let m = e.obj.meta();
        let key = (e.obj.kind().to_string(), m.ns().to_string(), m.name.clone());
        if let Some(line) = seen.get(&key) {
            let pos = find_pos(&e.node, "metadata.name");
            l.error(
                pos,
                "metadata.name",
                format!(
                    "{} {:?} already exists in namespace {:?} (line {line})",
                    key.0, key.2, key.1
                ),
            );
        } else if !m.name.is_empty() {
            seen.insert(key, e.node.pos.line);
        }
        if alloc_failed[i] {
            continue;
        }
        let errs = validate::object(&e.obj);
        l.field_errs(Severity::Error, &e.node, errs);
    }
    // Warnings.
    let objects: Vec<Object> = entries.iter().map(|e| e.obj.clone()).collect();
    let shapes = validate::pod_shapes(&objects);
    let services: Vec<&Service> = objects
        .iter()
        .filter_map(|o| match o {
            Object::Service(s) => Some(s),
            _ => None,
        })
        .collect();
    // The policy check compares every policy port with every Service; on a
    // pathological file (thousands of both) it is skipped rather than slow.
    let policies = entries
        .iter()
        .filter(|e| matches!(e.obj, Object::NetworkPolicy(_)))
        .count();
    let check_policies = policies.saturating_mul(services.len()) <= 250_000;
    for e in &entries {
        let w = match &e.obj {
            Object::Service(s) => validate::service_warnings(s, &shapes),
            Object::NetworkPolicy(n) if check_policies => {
                validate::network_policy_warnings(n, &services, &shapes)
            }
            _ => Errs::default(),
        };
        l.field_errs(Severity::Warning, &e.node, w);
    }
    scenario_checks(&mut l, &scenario, &snode, &objects);

    if l.diags.iter().any(Diagnostic::is_error) {
        return Err(l.diags);
    }
    Ok(Loaded {
        objects,
        manifests,
        scenario,
        warnings: l.diags,
        skipped: l.skipped,
    })
}

fn check_limits(l: &mut Loader, scenario: &ScenarioSpec, snode: &Node) {
    let lim = l.limits;
    if l.entries.len() > lim.max_objects {
        let pos = l.entries[lim.max_objects].node.pos;
        l.error(
            pos,
            "",
            format!(
                "too many objects: {} (the limit is {})",
                l.entries.len(),
                lim.max_objects
            ),
        );
        return;
    }
    let node_objs = l
        .entries
        .iter()
        .filter(|e| matches!(e.obj, Object::Node(_)))
        .count();
    let nodes = node_objs + scenario.nodes.len();
    if nodes > lim.max_nodes {
        let p = "spec.nodes";
        l.error(
            find_pos(snode, p),
            p,
            format!("too many nodes: {nodes} (the limit is {})", lim.max_nodes),
        );
    }
    let mut pods: i64 = 0;
    let mut over: Option<(Pos, &'static str)> = None;
    for e in &l.entries {
        let (n, path) = match &e.obj {
            Object::Pod(_) => (1, "metadata"),
            Object::Deployment(d) => (
                i64::from(d.spec.replicas.unwrap_or(1).max(0)),
                "spec.replicas",
            ),
            Object::ReplicaSet(r) => (
                i64::from(r.spec.replicas.unwrap_or(1).max(0)),
                "spec.replicas",
            ),
            _ => continue,
        };
        pods += n;
        if pods > lim.max_pods as i64 && over.is_none() {
            over = Some((find_pos(&e.node, path), path));
        }
    }
    if let Some((pos, path)) = over {
        l.error(
            pos,
            path,
            format!(
                "too many pods: the objects ask for {pods} (the limit is {})",
                lim.max_pods
            ),
        );
    }
    for (i, ev) in scenario.events.iter().enumerate() {
        if let Command::Scale { replicas, .. } = &ev.command {
            if *replicas < 0 || *replicas as usize > lim.max_pods {
                let p = format!("spec.events[{i}].replicas");
                l.error(
                    find_pos(snode, &p),
                    &p,
                    format!(
                        "replicas {replicas} is outside 0..={} (the pod limit)",
                        lim.max_pods
                    ),
                );
            }
        }
    }
    if scenario.clients.len() > lim.max_clients {
        let p = "spec.clients";
        l.error(
            find_pos(snode, p),
            p,
            format!(
                "too many clients: {} (the limit is {})",
                scenario.clients.len(),
                lim.max_clients
            ),
        );
    }
    let max_duration = SimDuration::from_secs(lim.max_duration_secs);
    if scenario.duration > max_duration {
        let p = "spec.duration";
        l.error(
            find_pos(snode, p),
            p,
            format!(
                "duration {} is over the limit of {}",
                svcsim_core::scenario::format_duration(scenario.duration),
                svcsim_core::scenario::format_duration(max_duration)
            ),
        );
    }
    let mut total_rate = 0.0;
    for (i, c) in scenario.clients.iter().enumerate() {
        if !c.rate.is_finite() || c.rate < 0.0 {
            let p = format!("spec.clients[{i}].rate");
            l.error(
                find_pos(snode, &p),
                &p,
                format!(
                    "rate must be a non-negative number of requests per second, not {}",
                    c.rate
                ),
            );
        } else {
            total_rate += c.rate;
        }
        if c.concurrency as usize > lim.max_concurrency {
            let p = format!("spec.clients[{i}].concurrency");
            l.error(
                find_pos(snode, &p),
                &p,
                format!(
                    "concurrency {} is over the limit of {}",
                    c.concurrency, lim.max_concurrency
                ),
            );
        }
    }
    if total_rate > lim.max_total_rate {
        let p = "spec.clients";
        l.error(
            find_pos(snode, p),
            p,
            format!(
                "the clients' rates add up to {total_rate} requests/s, over the limit of {}",
                lim.max_total_rate
            ),
        );
    }
}

/// Checks on the Scenario document that need the objects: names that
/// events and clients refer to. These are warnings: the simulation reports
/// a missing target as an outcome ("no such Service"), which can be the
/// point of a scenario.
fn scenario_checks(l: &mut Loader, s: &ScenarioSpec, snode: &Node, objects: &[Object]) {
    let find_svc = |name: &str, ns: &str| {
        objects.iter().find_map(|o| match o {
            Object::Service(svc) if svc.metadata.name == name && svc.metadata.ns() == ns => {
                Some(svc)
            }
            _ => None,
        })
    };
    let split = |n: &str| -> (String, String) {
        match n.split_once('/') {
            Some((ns, name)) => (ns.to_string(), name.to_string()),
            None => ("default".to_string(), n.to_string()),
        }
    };
    let mut node_names: Vec<String> = s.nodes.iter().map(|n| n.name.clone()).collect();
    node_names.extend(objects.iter().filter_map(|o| match o {
        Object::Node(n) => Some(n.metadata.name.clone()),
        _ => None,
    }));
    if node_names.is_empty() {
        node_names = (1..=3).map(|i| format!("node-{i}")).collect();
    }
    for (i, c) in s.clients.iter().enumerate() {
        let p = format!("spec.clients[{i}].target");
        for (prefix, need) in [
            ("nodeport:", ServiceType::NodePort),
            ("lb:", ServiceType::LoadBalancer),
            // Any Service with a selector can be port-forwarded to.
            ("port-forward:", ServiceType::ClusterIP),
        ] {
            if let Some(name) = c.target.strip_prefix(prefix) {
                let (ns, name) = split(name);
                match find_svc(&name, &ns) {
                    None => l.diag(
                        Severity::Warning,
                        find_pos(snode, &p),
                        &p,
                        format!("no Service {name:?} in namespace {ns:?}"),
                    ),
                    Some(svc) => {
                        let ty = svc.service_type();
                        let fine = ty == need
                            || (need == ServiceType::NodePort && ty == ServiceType::LoadBalancer)
                            || (prefix == "port-forward:" && ty != ServiceType::ExternalName);
                        if !fine {
                            l.diag(
                                Severity::Warning,
                                find_pos(snode, &p),
                                &p,
                                format!(
                                    "Service {name:?} is of type {}; {prefix}… needs {}",
                                    ty.as_str(),
                                    need.as_str()
                                ),
                            );
                        }
                    }
                }
            }
        }
        if let Some((host, port)) = c.target.rsplit_once(':') {
            // A short DNS name (`ms-service:3200`): the Service must exist in
            // the client's namespace and expose that port. Longer names may
            // be pod hostnames or outside names, which are not checked.
            let is_name = !host.is_empty()
                && !host.contains('.')
                && !host.contains(':')
                && host.bytes().any(|b| b.is_ascii_alphabetic());
            let special = ["nodeport:", "lb:", "port-forward:"]
                .iter()
                .any(|p| c.target.starts_with(p));
            if is_name && !special && c.kind == svcsim_core::scenario::ClientKind::InCluster {
                match find_svc(host, &c.namespace) {
                    None => {
                        let names: Vec<&str> = objects
                            .iter()
                            .filter_map(|o| match o {
                                Object::Service(s) if s.metadata.ns() == c.namespace => {
                                    Some(s.metadata.name.as_str())
                                }
                                _ => None,
                            })
                            .collect();
                        let mut msg = format!(
                            "no Service {host:?} in namespace {:?}; the name will not resolve",
                            c.namespace
                        );
                        if let Some(s) = closest(host, &names) {
                            msg += &format!("; did you mean {s:?}?");
                        }
                        l.diag(Severity::Warning, find_pos(snode, &p), &p, msg);
                    }
                    Some(svc) => {
                        let port: Option<i32> = port.parse().ok();
                        let ty = svc.service_type();
                        let proxied = ty != ServiceType::ExternalName && !svc.is_headless();
                        if let Some(port) = port.filter(|_| proxied) {
                            if !svc.spec.ports.iter().any(|sp| sp.port == port) {
                                let list: Vec<String> = svc
                                    .spec
                                    .ports
                                    .iter()
                                    .map(|sp| sp.port.to_string())
                                    .collect();
                                l.diag(
                                    Severity::Warning,
                                    find_pos(snode, &p),
                                    &p,
                                    format!(
                                        "Service {host:?} has no port {port} (its ports: {}); clients call the Service's port, not the targetPort",
                                        list.join(", ")
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
        if c.target.is_empty() {
            l.diag(
                Severity::Warning,
                find_pos(snode, &format!("spec.clients[{i}]")),
                &p,
                "empty target: this client sends nothing".into(),
            );
        }
        if let Some(n) = &c.node {
            if !node_names.contains(n) {
                let pp = format!("spec.clients[{i}].node");
                l.diag(
                    Severity::Warning,
                    find_pos(snode, &pp),
                    &pp,
                    format!("no node named {n:?}"),
                );
            }
        }
    }
    for (i, ev) in s.events.iter().enumerate() {
        let node = match &ev.command {
            Command::FailNode { node }
            | Command::RecoverNode { node }
            | Command::CordonNode { node }
            | Command::UncordonNode { node }
            | Command::DrainNode { node, .. } => node,
            _ => continue,
        };
        if !node_names.contains(node) {
            let p = format!("spec.events[{i}].node");
            l.diag(
                Severity::Warning,
                find_pos(snode, &p),
                &p,
                format!("no node named {node:?}"),
            );
        }
    }
    for (i, w) in s.workloads.iter().enumerate() {
        let exists = objects.iter().any(|o| matches!(o, Object::Deployment(d) if d.metadata.name == w.deployment && d.metadata.ns() == w.namespace));
        if !exists {
            let p = format!("spec.workloads[{i}].deployment");
            l.diag(
                Severity::Warning,
                find_pos(snode, &p),
                &p,
                format!(
                    "no Deployment {:?} in namespace {:?}",
                    w.deployment, w.namespace
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compile-time check: a new `Command` variant fails this match until
    /// `ACTIONS` learns its fields.
    #[test]
    fn command_fields_cover_every_variant() {
        fn action(c: &Command) -> &'static str {
            match c {
                Command::KillPod { .. } => "killPod",
                Command::CrashPod { .. } => "crashPod",
                Command::SetPodReadiness { .. } => "setPodReadiness",
                Command::FailNode { .. } => "failNode",
                Command::RecoverNode { .. } => "recoverNode",
                Command::CordonNode { .. } => "cordonNode",
                Command::UncordonNode { .. } => "uncordonNode",
                Command::DrainNode { .. } => "drainNode",
                Command::Scale { .. } => "scale",
                Command::Rollout { .. } => "rollout",
                Command::SetExternalTrafficPolicy { .. } => "setExternalTrafficPolicy",
                Command::SetSessionAffinity { .. } => "setSessionAffinity",
                Command::SetProxyMode { .. } => "setProxyMode",
                Command::SetCloudLoadBalancer { .. } => "setCloudLoadBalancer",
                Command::Apply { .. } => "apply",
                Command::Delete { .. } => "delete",
            }
        }
        let samples = [
            Command::SetPodReadiness {
                pod: "p".into(),
                ready: true,
            },
            Command::Scale {
                deployment: "d".into(),
                replicas: 2,
            },
            Command::Rollout {
                deployment: "d".into(),
                image: "i".into(),
            },
            Command::SetExternalTrafficPolicy {
                service: "s".into(),
                policy: "Local".into(),
            },
            Command::SetSessionAffinity {
                service: "s".into(),
                affinity: "ClientIP".into(),
            },
            Command::SetProxyMode {
                mode: Default::default(),
            },
            Command::SetCloudLoadBalancer { present: true },
            Command::Delete {
                kind: "Pod".into(),
                name: "p".into(),
            },
            Command::KillPod { pod: "p".into() },
            Command::FailNode { node: "n".into() },
            Command::DrainNode {
                node: "n".into(),
                force: true,
            },
        ];
        for c in samples {
            let v = serde_json::to_value(&c).unwrap();
            let name = action(&c);
            assert_eq!(v["action"], name);
            let (_, fields) = ACTIONS.iter().find(|(a, _)| *a == name).unwrap();
            let mut keys: Vec<&str> = v
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "action")
                .collect();
            keys.sort();
            let mut want: Vec<&str> = fields.iter().map(|f| f.trim_end_matches('?')).collect();
            want.sort();
            assert_eq!(keys, want, "{name}");
        }
    }

    #[test]
    fn find_pos_walks_paths() {
        let docs = tree::parse_stream(
            "spec:\n  clusterIP: abc\n  ports:\n  - port: 1\n    nodePort: 2\n",
            Budget {
                max_depth: 10,
                max_nodes: 100,
            },
        )
        .unwrap();
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(
            find_pos(root, "spec.ports[0].nodePort"),
            Pos { line: 5, col: 15 }
        );
        assert_eq!(
            find_pos(root, "spec.clusterIPs[0]"),
            Pos { line: 2, col: 14 }
        );
        assert_eq!(
            find_pos(root, "spec.ports[0].targetPort"),
            Pos { line: 4, col: 5 }
        );
    }
}
