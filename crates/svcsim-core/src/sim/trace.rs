//! The trace: every hop, state change and outcome, in simulated-time order.
//!
//! The trace is the single source of truth for the UI, the CLI, the tests and
//! the metrics. It is serde-serializable; `svcsim trace` writes it as JSON
//! lines and [`TraceHasher`] hashes exactly those lines, so "same trace" means
//! "same bytes" on every target.

use crate::net::{Endpoint4, Protocol};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

use super::Command;

/// Identifies one request end to end (its DNS lookup, connection and reply).
pub type RequestId = u64;

/// Where a packet is. Indices refer to the sim's arenas, and names are
/// included so a trace line reads on its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Place {
    /// An external client on the Internet.
    External { client: u32, name: String },
    /// The cloud load balancer of a Service.
    LoadBalancer { service: u32, name: String },
    /// A node's network stack (netfilter runs here).
    Node { node: u32, name: String },
    /// A pod (server, client pod, or CoreDNS).
    Pod { pod: u32, name: String },
    /// An address nobody answers for.
    Nowhere { ip: String },
}

/// What a packet is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PacketKind {
    DnsQuery,
    DnsReply,
    Syn,
    SynAck,
    Request,
    Response,
    Reset,
}

/// One rule that matched while a packet walked netfilter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit {
    pub table: String,
    pub chain: String,
    /// 0-based index of the rule within its chain.
    pub index: u32,
}

/// What decided a hop's fate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// iptables rules that matched (first packet of a connection only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleHit>,
    /// Which of the node's kube-proxy syncs wrote the rules in `rules`
    /// (1 for the first): the hits are positions in that program, which a
    /// later sync may reorder. [`crate::Sim::node_rules_at`] returns it
    /// while it is recent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_sync: Option<u64>,
    /// IPVS virtual server and scheduler that picked the backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipvs: Option<String>,
    /// The packet followed an existing conntrack entry instead of the rules.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conntrack: bool,
    /// NetworkPolicy verdict, when one was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// A short human note: "DNAT to 10.244.1.2:3000", "LB picked node-2".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A packet moving from one place to the next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    pub request: RequestId,
    pub packet: PacketKind,
    pub proto: Protocol,
    pub from: Place,
    pub to: Place,
    /// Addresses as the packet left `from`...
    pub src: Endpoint4,
    pub dst: Endpoint4,
    /// ...and after any NAT applied on the way to `to`.
    pub src_after: Endpoint4,
    pub dst_after: Endpoint4,
    /// When it arrives at `to` (the hop's own time is when it left).
    pub arrive: SimTime,
    pub decision: Decision,
}

/// How a request ended. Exactly one per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Ok,
    /// Connection refused: REJECT (no endpoints) or nothing listening.
    Refused,
    /// No answer within the timeout: stale rule to a dead pod, blackholed node.
    Timeout,
    /// Silently dropped by policy (ETP Local, LB health check, source
    /// ranges, NetworkPolicy). The client sees a timeout; the reason says why.
    Dropped,
    /// The name does not exist.
    Nxdomain,
    /// The connection was reset mid-request (pod died, overload).
    Reset,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
            Outcome::Dropped => "dropped",
            Outcome::Nxdomain => "nxdomain",
            Outcome::Reset => "reset",
        }
    }
}

/// The end of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEnd {
    pub request: RequestId,
    pub client: u32,
    pub outcome: Outcome,
    /// Why, in a few words: "REJECT: no endpoints", "DROP: no local endpoint".
    pub reason: String,
    /// Where it failed or was served.
    pub at: Place,
    /// The Service it went through, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The pod that served it (ok) or was targeted (failures), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    pub latency_us: u64,
    /// Source address the server pod saw (shows SNAT vs preserved client IP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_src: Option<String>,
}

/// A Kubernetes-style event, as `kubectl get events` shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct K8sEvent {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    /// `pod/web-1`, `node/node-2`, `service/ms-service`.
    pub object: String,
    pub message: String,
}

/// One line of the trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TraceKind {
    Hop(Hop),
    /// A packet of a request died here, now: dropped, refused by nobody,
    /// blackholed. The request itself ends later, when its client gives up
    /// (`End` with the same outcome and reason); this line says where and
    /// when the packet was lost, so the UI can mark the spot at once.
    Lost {
        request: RequestId,
        outcome: Outcome,
        reason: String,
        at: Place,
    },
    End(RequestEnd),
    /// A command was applied (scripted, CLI, UI).
    Command {
        command: Command,
    },
    Event(K8sEvent),
    /// A pod changed state (`Pending`, `Running`, `Ready`, ...).
    PodState {
        pod: u32,
        name: String,
        state: String,
    },
    /// The EndpointSlice controller wrote a Service's endpoints.
    Endpoints {
        service: String,
        ready: u32,
        serving: u32,
        terminating: u32,
    },
    /// kube-proxy on a node synced its rules to API version `version`.
    ProxySync {
        node: String,
        version: u64,
    },
}

/// A trace line: time plus what happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub t: SimTime,
    #[serde(flatten)]
    pub kind: TraceKind,
}

impl TraceEvent {
    /// The JSON line `svcsim trace` writes for this event.
    pub fn to_json_line(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).expect("trace events serialise")
    }
}

/// FNV-1a over the trace's JSON lines (each followed by `\n`). Cheap, stable,
/// and identical on native and wasm because it hashes the same bytes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TraceHasher {
    state: u64,
    count: u64,
}

impl TraceHasher {
    pub fn new() -> TraceHasher {
        TraceHasher {
            state: 0xcbf2_9ce4_8422_2325,
            count: 0,
        }
    }
    pub fn add(&mut self, ev: &TraceEvent) {
        for b in ev.to_json_line().bytes().chain(std::iter::once(b'\n')) {
            self.state ^= b as u64;
            self.state = self.state.wrapping_mul(0x0100_0000_01b3);
        }
        self.count += 1;
    }
    /// Hex digest, e.g. `9c1e0f3a5b7d2e41`.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.state)
    }
    pub fn count(&self) -> u64 {
        self.count
    }
}
