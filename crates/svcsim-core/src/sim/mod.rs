//! The discrete-event engine: [`Sim`].
//!
//! # Contract
//! - `Sim` is a pure state machine. It reads no clock and does no I/O. Time
//!   moves only when the driver calls [`Sim::step`] or [`Sim::run_until`].
//! - Inputs are [`Command`]s, applied with [`Sim::apply`] (now) or stamped
//!   with a time in the scenario's `events`.
//! - Outputs are [`TraceEvent`]s, drained with [`Sim::drain_trace`], plus
//!   read-only views ([`Sim::view`]) and [`Metrics`].
//! - Events run in `(time, insertion sequence)` order, so same-time events are
//!   FIFO and a run is a function of its inputs and seed.
//! - `Sim: Clone`; a clone is a checkpoint. The UI scrubs backwards by
//!   restoring the nearest checkpoint and replaying forward.

mod build;
mod command;
mod controllers;
mod dataplane;
mod invariants;
mod kproxy;
pub mod metrics;
pub(crate) mod queue;
mod state;
pub mod trace;
mod view;

pub use build::BuildError;
pub use command::Command;
pub use metrics::Metrics;
pub use state::*;
pub use trace::{Outcome, TraceEvent, TraceHasher, TraceKind};
pub use view::*;

use crate::model::Namespace;
use crate::proxy;
use crate::rng::Stream;
use crate::scenario::ScenarioSpec;
use crate::time::{SimDuration, SimTime};
use crate::vecmap::VecMap;
use std::sync::Arc;

/// Something scheduled to happen.
#[derive(Clone, Debug)]
pub(crate) enum Ev {
    Command(Box<Command>),
    PodStarted(PodId, u32),
    PodProbe(PodId, u32),
    PodAppExit(PodId, u32),
    PodGone(PodId, u32),
    PodRestart(PodId, u32),
    ChurnCrash,
    ChurnNodeFail,
    NodeGrace(NodeId, u32),
    NodeEvict(NodeId, u32),
    NodeRecover(NodeId, u32),
    SliceSync(SvcId),
    ProxyWatch(NodeId, u64),
    ProxySync(NodeId),
    LbProvision(SvcId),
    LbHealth(SvcId),
    Reconcile,
    ClientArrival(ClientId),
    Packet(Box<dataplane::Packet>),
    ServeDone(PodId, u64, u32),
    Deadline(u64),
}

/// The API server's view of Services and EndpointSlices at one moment,
/// shared (immutably) by every kube-proxy that has caught up with it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ApiSnapshot {
    pub version: u64,
    pub services: Vec<crate::model::Service>,
    pub slices: Vec<crate::model::EndpointSlice>,
}

/// How many earlier rule programs a node keeps for the trace's rule hits
/// (`KubeProxy::past`).
pub(crate) const PAST_PROGRAMS: usize = 16;

/// kube-proxy on one node.
#[derive(Clone, Debug)]
pub(crate) struct KubeProxy {
    /// What its informers have seen.
    pub view: Arc<ApiSnapshot>,
    /// The view its current rules were built from. The rule program is a
    /// pure function of this view and the node's facts, so it is generated
    /// lazily, the first time a packet or an inspector needs it; that keeps
    /// building a thousand-node cluster cheap without changing behaviour.
    pub synced: Arc<ApiSnapshot>,
    pub last_sync: Option<SimTime>,
    pub sync_scheduled: bool,
    pub rules: Option<Arc<proxy::rules::Ruleset>>,
    /// How many times this kube-proxy has synced; the current rules are
    /// sync number `syncs` (trace decisions name it, `rules_sync`).
    pub syncs: u64,
    /// While tracing, the last few programs that packets walked before a
    /// sync replaced them: (sync number, when that sync ran, program), so
    /// an inspector can show a packet's rule hits in the rules it walked.
    pub past: Vec<(u64, SimTime, Arc<proxy::rules::Ruleset>)>,
    /// IPVS mode's program (virtual servers plus scheduler state), built
    /// lazily like `rules`; `None` until needed or after a sync.
    pub ipvs: Option<proxy::ipvs::IpvsState>,
    /// The last program generated before a sync, whose scheduler state the
    /// next one takes over (`IpvsState::carry_over`).
    pub ipvs_before: Option<proxy::ipvs::IpvsState>,
    /// The node's connection-tracking table.
    pub conntrack: proxy::conntrack::Table,
    pub recent: proxy::netfilter::RecentTable,
    pub rng: Stream,
}

/// The simulation.
#[derive(Clone)]
pub struct Sim {
    pub(crate) spec: ScenarioSpec,
    pub(crate) now: SimTime,
    seq: u64,
    queue: queue::EventQueue,
    pub(crate) nodes: Vec<NodeState>,
    pub(crate) proxies: Vec<KubeProxy>,
    pub(crate) pods: Vec<PodState>,
    pub(crate) replica_sets: Vec<RsState>,
    pub(crate) deployments: Vec<DeployState>,
    pub(crate) services: Vec<SvcState>,
    pub(crate) namespaces: VecMap<String, Namespace>,
    pub(crate) policies: Vec<crate::model::NetworkPolicy>,
    pub(crate) clients: Vec<ClientState>,
    pub(crate) api: Arc<ApiSnapshot>,
    /// Open requests by id. Hashed (looked up several times per event);
    /// it is only iterated to renumber keep-alive slots, where order does
    /// not matter (see `fixed_hash`).
    pub(crate) requests: crate::fixed_hash::FixedMap<u64, dataplane::Request>,
    pub(crate) next_request: u64,
    pub(crate) metrics: Metrics,
    trace: Vec<TraceEvent>,
    tracing: bool,
    pub(crate) events_processed: u64,
    pub(crate) cloud_lb: bool,
    pub(crate) proxy_mode: crate::scenario::ProxyMode,
    pub(crate) lb_next_ip: u64,
    pub(crate) rng_names: Stream,
    pub(crate) rng_churn_pod: Stream,
    pub(crate) rng_churn_node: Stream,
    pub(crate) rng_lb: Stream,
    pub(crate) rng_serve: Stream,
    pub(crate) slice_sync_pending: Vec<bool>,
    pub(crate) reconcile_pending: bool,
    pub(crate) coredns: Vec<PodId>,
    /// Bumped whenever pods, namespaces or policies change, so the cached
    /// NetworkPolicy index knows when to rebuild.
    pub(crate) topology_epoch: u64,
    /// ClusterIP -> Service key, rebuilt when the API snapshot changes.
    pub(crate) vip_cache: Option<(u64, Arc<VecMap<crate::net::Ipv4Addr, String>>)>,
    /// CoreDNS's zone, rebuilt when the API snapshot changes.
    pub(crate) dns_cache: Option<(u64, Arc<crate::dns::Zone>)>,
    /// The data path's A answers by query name, for the API version in
    /// `.0` (the zone's answer is a function of that version and the name).
    pub(crate) dns_answers: (
        u64,
        crate::fixed_hash::FixedMap<String, kproxy::CachedAnswer>,
    ),
    /// Each client's resolver search candidates for its target name.
    pub(crate) search_lists: Vec<Option<Arc<[String]>>>,
    /// Responses produced by pods that were not running: must stay 0.
    pub(crate) served_by_dead: u64,
    /// (namespace, label key, label value) -> pods, for selector lookups.
    pub(crate) pods_by_label: VecMap<(String, String, String), Vec<PodId>>,
    pub(crate) netpol_cache: Option<(u64, Arc<crate::netpol::PolicyIndex>)>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("now", &self.now)
            .field("nodes", &self.nodes.len())
            .field("pods", &self.pods.len())
            .field("services", &self.services.len())
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The scenario settings this run uses.
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    /// Time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Number of events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Apply a command now. It is recorded in the trace like a scripted one.
    pub fn apply(&mut self, cmd: Command) {
        self.apply_command(cmd);
    }

    /// Process the next event. Returns false when nothing is pending.
    pub fn step(&mut self) -> bool {
        let Some(s) = self.queue.pop() else {
            return false;
        };
        debug_assert!(s.at >= self.now, "time went backwards");
        self.now = s.at;
        self.events_processed += 1;
        self.dispatch(s.ev);
        true
    }

    /// Process every event up to and including time `t`, then set the clock
    /// to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        while let Some(at) = self.queue.peek_time() {
            if at > t {
                break;
            }
            self.step();
        }
        if t > self.now {
            self.now = t;
        }
    }

    /// Run for `d` more simulated time.
    pub fn run_for(&mut self, d: SimDuration) {
        let t = self.now + d;
        self.run_until(t);
    }

    /// Take the trace events recorded since the last drain.
    pub fn drain_trace(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.trace)
    }

    /// Turn trace recording off (metrics still count). Benchmarks use this.
    pub fn set_tracing(&mut self, on: bool) {
        self.tracing = on;
    }

    /// Metrics so far.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub(crate) fn schedule(&mut self, at: SimTime, ev: Ev) {
        let seq = self.seq;
        self.seq += 1;
        self.queue.push(queue::Scheduled { at, seq, ev });
    }

    /// Schedule `ev` a fixed `d` from now in a FIFO lane of the queue
    /// (request deadlines, one lane per timeout; packet hops, one per
    /// latency).
    pub(crate) fn schedule_lane(&mut self, d: SimDuration, ev: Ev) {
        let seq = self.seq;
        self.seq += 1;
        let at = self.now + d;
        self.queue.push_after(d, queue::Scheduled { at, seq, ev });
    }

    pub(crate) fn schedule_in(&mut self, d: SimDuration, ev: Ev) {
        self.schedule(self.now + d, ev);
    }

    pub(crate) fn record(&mut self, kind: TraceKind) {
        if self.tracing {
            self.trace.push(TraceEvent { t: self.now, kind });
        }
    }

    pub(crate) fn k8s_event(&mut self, type_: &str, reason: &str, object: String, message: String) {
        if self.tracing {
            self.record(TraceKind::Event(trace::K8sEvent {
                type_: type_.to_string(),
                reason: reason.to_string(),
                object,
                message,
            }));
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Command(c) => self.apply_command(*c),
            Ev::PodStarted(p, e) => self.on_pod_started(p, e),
            Ev::PodProbe(p, e) => self.on_pod_probe(p, e),
            Ev::PodAppExit(p, e) => self.on_pod_app_exit(p, e),
            Ev::PodGone(p, e) => self.on_pod_gone(p, e),
            Ev::PodRestart(p, e) => self.on_pod_restart(p, e),
            Ev::ChurnCrash => self.on_churn_crash(),
            Ev::ChurnNodeFail => self.on_churn_node_fail(),
            Ev::NodeGrace(n, e) => self.on_node_grace(n, e),
            Ev::NodeEvict(n, e) => self.on_node_evict(n, e),
            Ev::NodeRecover(n, e) => self.on_node_recover_timer(n, e),
            Ev::SliceSync(s) => self.on_slice_sync(s),
            Ev::ProxyWatch(n, v) => self.on_proxy_watch(n, v),
            Ev::ProxySync(n) => self.on_proxy_sync(n),
            Ev::LbProvision(s) => self.on_lb_provision(s),
            Ev::LbHealth(s) => self.on_lb_health(s),
            Ev::Reconcile => self.on_reconcile(),
            Ev::ClientArrival(c) => self.on_client_arrival(c),
            Ev::Packet(p) => self.on_packet(*p),
            Ev::ServeDone(p, r, e) => self.on_serve_done(p, r, e),
            Ev::Deadline(r) => self.on_deadline(r),
        }
    }
}
