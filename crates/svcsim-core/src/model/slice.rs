//! `discovery.k8s.io/v1` EndpointSlice.

use super::ObjectMeta;
use serde::{Deserialize, Serialize};

/// The label that ties a slice to its Service
/// (`discovery.LabelServiceName` in k8s.io/api/discovery/v1).
pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSlice {
    #[serde(default = "discovery_v1")]
    pub api_version: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default = "ipv4")]
    pub address_type: String,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    #[serde(default)]
    pub ports: Vec<EndpointPort>,
}

fn discovery_v1() -> String {
    "discovery.k8s.io/v1".to_string()
}
fn ipv4() -> String {
    "IPv4".to_string()
}

impl EndpointSlice {
    /// The owning Service's name, from the `kubernetes.io/service-name` label.
    pub fn service_name(&self) -> Option<&str> {
        self.metadata
            .labels
            .get(LABEL_SERVICE_NAME)
            .map(String::as_str)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "EndpointConditions::is_unset")]
    pub conditions: EndpointConditions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<ObjectReference>,
}

/// Endpoint conditions. A nil `ready` means ready and a nil `serving` means
/// "same as ready" (k8s.io/api/discovery/v1 types.go, EndpointConditions docs);
/// a nil `terminating` means not terminating.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serving: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminating: Option<bool>,
}

impl EndpointConditions {
    pub fn is_unset(&self) -> bool {
        self.ready.is_none() && self.serving.is_none() && self.terminating.is_none()
    }
    pub fn is_ready(&self) -> bool {
        self.ready.unwrap_or(true)
    }
    pub fn is_serving(&self) -> bool {
        self.serving.unwrap_or_else(|| self.is_ready())
    }
    pub fn is_terminating(&self) -> bool {
        self.terminating.unwrap_or(false)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}
