//! `ObjectMeta`, labels and label selectors (`k8s.io/apimachinery/pkg/apis/meta/v1`).

use crate::vecmap::VecMap;
use serde::{Deserialize, Serialize};

/// Labels and annotations. A `VecMap` so that iteration order, and hence
/// every output derived from it, is deterministic.
pub type Labels = VecMap<String, String>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub annotations: Labels,
}

impl ObjectMeta {
    /// The namespace, defaulted to `default` as the API server does for
    /// namespaced objects created without one.
    pub fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}

/// `metav1.LabelSelector`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// One `matchExpressions` entry. `operator` is `In`, `NotIn`, `Exists` or
/// `DoesNotExist`; it stays a string so validation can name a bad one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

impl LabelSelector {
    /// True when the selector has no requirements at all, which in a
    /// LabelSelector (unlike a Service's map selector) means "everything".
    pub fn is_empty(&self) -> bool {
        self.match_labels.as_ref().is_none_or(|m| m.is_empty())
            && self.match_expressions.as_ref().is_none_or(|e| e.is_empty())
    }

    /// `metav1.LabelSelectorAsSelector(...).Matches(labels)`: every
    /// requirement must hold. An unknown operator matches nothing, the
    /// conservative reading of an input validation should have refused.
    pub fn matches(&self, labels: &Labels) -> bool {
        let by_label = self
            .match_labels
            .iter()
            .flatten()
            .all(|(k, v)| labels.get(k) == Some(v));
        by_label
            && self.match_expressions.iter().flatten().all(|r| {
                let values = r.values.as_deref().unwrap_or(&[]);
                match r.operator.as_str() {
                    "In" => labels.get(&r.key).is_some_and(|v| values.contains(v)),
                    "NotIn" => labels.get(&r.key).is_none_or(|v| !values.contains(v)),
                    "Exists" => labels.contains_key(&r.key),
                    "DoesNotExist" => !labels.contains_key(&r.key),
                    _ => false,
                }
            })
    }
}

/// A Service's `spec.selector` semantics: a plain map where every pair must
/// match. An empty map selects nothing here because a Service with no
/// selector has no controller-managed endpoints.
pub fn map_selector_matches(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
