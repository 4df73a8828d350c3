//! Lenient loading: a multi-document YAML (or JSON) stream of Kubernetes
//! objects, decoded as-is. Unknown fields are ignored, nothing is defaulted
//! or validated, and `List` objects are flattened. Kinds svcsim does not model
//! are reported in [`Loaded::skipped`], never dropped silently.

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

/// Decode every document of a YAML/JSON stream. Errors carry the document
/// index and the decoder's message.
pub fn parse_objects(text: &str) -> Result<Loaded, String> {
    // YAML 1.2 booleans only: a bare `y` or `n` (a namespace name in
    // Kubernetes' network-policy e2e suite) is a string, not a boolean.
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(
        text,
        serde_saphyr::options! { strict_booleans: true },
    )
    .map_err(|e| format!("YAML: {e}"))?;
    let mut out = Loaded::default();
    for (i, doc) in docs.into_iter().enumerate() {
        push_doc(doc, i, &mut out)?;
    }
    Ok(out)
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
    fn loads_services_and_slices_and_reports_others() {
        let y = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  clusterIP: 10.0.0.1\n  ports:\n  - port: 80\n---\nkind: ConfigMap\nmetadata:\n  name: cm\n";
        let l = parse_objects(y).unwrap();
        assert_eq!(l.objects.len(), 1);
        assert_eq!(l.skipped, vec![("ConfigMap".to_string(), "cm".to_string())]);
    }
}
