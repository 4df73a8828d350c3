//! svcsim's simulation core: a deterministic, sans-IO discrete-event model of
//! a Kubernetes cluster's Services.
//!
//! The core reads no clock, does no I/O and draws no OS entropy. It builds for
//! native targets and for `wasm32-unknown-unknown`, and the same inputs and
//! seed give the same trace, byte for byte, on both.

pub mod decimal;
pub mod dns;
pub mod fixed_hash;
pub mod model;
pub mod net;
pub mod netpol;
pub mod order;
pub mod proxy;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod vecmap;

pub use scenario::ScenarioSpec;
pub use sim::{Command, Sim};
pub use time::{SimDuration, SimTime};
