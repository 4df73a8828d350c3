//! Kubernetes API objects as svcsim reads and writes them.
//!
//! These mirror the `core/v1`, `apps/v1`, `discovery.k8s.io/v1` and
//! `networking.k8s.io/v1` types field for field (camelCase on the wire), but only
//! the fields svcsim models. They are *API* objects: enum-like fields such as
//! `spec.type` stay strings, exactly as a client sent them, so that validation
//! (in `svcsim-manifests`) can answer with the API server's own wording and so
//! that kube-proxy replay can render values the API server would have refused.
//! Typed accessors (`Service::service_type()` and friends) apply Kubernetes'
//! defaults for code that has already validated its input.
//!
//! The structs are lenient on decode (unknown fields are ignored by serde);
//! strictness is the manifests crate's job, which reports unknown fields with a
//! path, a line and a "did you mean".

mod meta;
mod netpol;
mod node;
mod pod;
mod service;
mod slice;
mod workload;

pub use meta::*;
pub use netpol::*;
pub use node::*;
pub use pod::*;
pub use service::*;
pub use slice::*;
pub use workload::*;

use serde::{Deserialize, Serialize};

/// Any object svcsim understands, tagged by `kind` as in a manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
#[allow(clippy::large_enum_variant)]
pub enum Object {
    Namespace(Namespace),
    Node(Node),
    Pod(Pod),
    Deployment(Deployment),
    ReplicaSet(ReplicaSet),
    Service(Service),
    EndpointSlice(EndpointSlice),
    NetworkPolicy(NetworkPolicy),
}

impl Object {
    /// The object's metadata, whatever its kind.
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::Node(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::ReplicaSet(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::EndpointSlice(o) => &o.metadata,
            Object::NetworkPolicy(o) => &o.metadata,
        }
    }

    /// The `kind` string as it appears in a manifest.
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Namespace(_) => "Namespace",
            Object::Node(_) => "Node",
            Object::Pod(_) => "Pod",
            Object::Deployment(_) => "Deployment",
            Object::ReplicaSet(_) => "ReplicaSet",
            Object::Service(_) => "Service",
            Object::EndpointSlice(_) => "EndpointSlice",
            Object::NetworkPolicy(_) => "NetworkPolicy",
        }
    }
}

/// `intstr.IntOrString` from `k8s.io/apimachinery/pkg/util/intstr`: a port
/// number or a port name (targetPort, maxSurge, NetworkPolicy ports).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i32),
    Str(String),
}

/// By hand rather than `#[serde(untagged)]`, which buffers every value in
/// serde's `Content` and so doubles the decoders in the wasm bundle.
impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is out of range for a 32-bit integer")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is out of range for a 32-bit integer")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl std::fmt::Display for IntOrString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::Str(s) => f.write_str(s),
        }
    }
}
