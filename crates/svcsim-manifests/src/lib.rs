//! Kubernetes manifests in and out.
//!
//! Two ways in:
//! - [`lenient`]: objects taken as kube-proxy (or any controller) receives
//!   them, already admitted, with no defaulting or validation. Used by replay
//!   tools such as `svcsim rules` and `svcsim route` on kube-proxy's own test
//!   cases.
//! - the strict path (parse → validate → default → allocate), which answers
//!   like the API server does.

pub mod lenient;
