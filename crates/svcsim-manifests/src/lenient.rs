//! Lenient loading: a multi-document YAML (or JSON) stream of Kubernetes
//! objects, decoded as-is. Unknown fields are ignored, nothing is defaulted
//! or validated, and `List` objects are flattened. Kinds svcsim does not model
//! are reported in [`Loaded::skipped`], never dropped silently.

use crate::tree::{is_null_str, parse_stream, Budget, Node, NodeKind};
use serde_json::Value;
use svcsim_core::model::Object;

/// What a lenient load produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    /// `(kind, name)` of each object that was not of a modelled kind
    /// (including the svcsim `Scenario` document, which callers handle).
    pub skipped: Vec<(String, String)>,
    /// The raw documents of kind `Scenario`, for callers that read them.
    pub scenario_docs: Vec<Value>,
}

const MODELLED: &[&str] = &[
    "Namespace",
    "Node",
    "Pod",
    "Deployment",
    "ReplicaSet",
    "Service",
    "EndpointSlice",
    "NetworkPolicy",
];

/// Decode every document of a YAML/JSON stream. Errors carry the position
/// (or the document index) and the decoder's message. The YAML is read with
/// the strict loader's parser and budgets (so hostile input is refused the
/// same way) under the YAML 1.2 core schema: a bare `y` or `n` (namespace
/// names in Kubernetes' network-policy e2e suite) is a string.
pub fn parse_objects(text: &str) -> Result<Loaded, String> {
    if text.len() > crate::LIMITS.max_bytes {
        return Err(format!(
            "input is {} bytes, over the limit of {} bytes",
            text.len(),
            crate::LIMITS.max_bytes
        ));
    }
    let budget = Budget {
        max_depth: crate::LIMITS.max_depth,
        max_nodes: crate::LIMITS.max_yaml_nodes,
    };
    let docs = parse_stream(text, budget)
        .map_err(|e| format!("YAML {}:{}: {}", e.pos.line, e.pos.col, e.message))?;
    let mut out = Loaded::default();
    for (i, doc) in docs.into_iter().enumerate() {
        let value = doc.root.as_ref().map_or(Value::Null, to_json);
        push_doc(value, i, &mut out)?;
    }
    Ok(out)
}

/// A YAML node as JSON, by the YAML 1.2 core schema: plain scalars may be
/// null, booleans or numbers; quoted ones are always strings.
fn to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar { value, plain } => {
            if !plain {
                return Value::String(value.clone());
            }
            if is_null_str(value) {
                return Value::Null;
            }
            match value.as_str() {
                "true" | "True" | "TRUE" => return Value::Bool(true),
                "false" | "False" | "FALSE" => return Value::Bool(false),
                _ => {}
            }
            if let Some(n) = parse_int(value) {
                return Value::Number(n.into());
            }
            if let Some(f) = parse_float(value) {
                if let Some(n) = serde_json::Number::from_f64(f) {
                    return Value::Number(n);
                }
            }
            Value::String(value.clone())
        }
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// Core-schema integers: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
fn parse_int(s: &str) -> Option<i64> {
    if let Some(h) = s.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok();
    }
    if let Some(o) = s.strip_prefix("0o") {
        return i64::from_str_radix(o, 8).ok();
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Core-schema floats (no `.inf`/`.nan`, which Kubernetes objects never hold).
fn parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let ok = !body.is_empty()
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if ok {
        svcsim_core::decimal::parse(s)
    } else {
        None
    }
}

fn push_doc(doc: Value, index: usize, out: &mut Loaded) -> Result<(), String> {
    if doc.is_null() {
        return Ok(());
    }
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind == "List" || kind.ends_with("List") && doc.get("items").is_some() {
        if let Some(Value::Array(items)) = doc.get("items") {
            for item in items.clone() {
                push_doc(item, index, out)?;
            }
        }
        return Ok(());
    }
    if kind == "Scenario" {
        out.scenario_docs.push(doc);
        return Ok(());
    }
    if MODELLED.contains(&kind.as_str()) {
        let obj: Object = serde_json::from_value(doc)
            .map_err(|e| format!("document {}: {kind}: {e}", index + 1))?;
        out.objects.push(obj);
    } else {
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        out.skipped.push((kind, name));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_2_scalars() {
        let y = "kind: Namespace\nmetadata:\n  name: y\n  labels:\n    a: n\n    b: '1'\n";
        let l = parse_objects(y).unwrap();
        assert_eq!(l.objects[0].meta().name, "y");
        assert_eq!(l.objects[0].meta().labels["a"], "n");
        assert_eq!(
            to_json(
                &parse_stream(
                    "[1, 0x1f, -2, 1.5, true, ~, '3']",
                    Budget {
                        max_depth: 8,
                        max_nodes: 100
                    }
                )
                .unwrap()[0]
                    .root
                    .clone()
                    .unwrap()
            )
            .to_string(),
            r#"[1,31,-2,1.5,true,null,"3"]"#
        );
    }

    #[test]
    fn loads_services_and_slices_and_reports_others() {
        let y = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  clusterIP: 10.0.0.1\n  ports:\n  - port: 80\n---\nkind: ConfigMap\nmetadata:\n  name: cm\n";
        let l = parse_objects(y).unwrap();
        assert_eq!(l.objects.len(), 1);
        assert_eq!(l.skipped, vec![("ConfigMap".to_string(), "cm".to_string())]);
    }
}
