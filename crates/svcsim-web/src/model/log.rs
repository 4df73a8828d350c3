//! The text event log (what the animation shows, in words) and the
//! `kubectl get events` table, both built from trace events.
//!
//! Entries carry the trace sequence number they came from. After a scrub
//! backwards the log is cut back to the target time and replay then skips
//! anything at or below the last sequence number already logged, so no line
//! is ever shown twice.

use super::format;
use std::collections::VecDeque;
use svcsim_core::scenario::ProxyMode;
use svcsim_core::sim::trace::{K8sEvent, Outcome, TraceEvent, TraceKind};
use svcsim_core::sim::Command;
use svcsim_core::time::SimTime;

/// Lines kept in the log; older ones fall off.
pub const LOG_CAP: usize = 400;
/// Rows kept in the Events table.
pub const EVENTS_CAP: usize = 200;

/// What a log line is about, for filtering and colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    Ok,
    Failed(Outcome),
    Pod,
    Event { warning: bool },
    Command,
    Endpoints,
}

impl LogKind {
    /// CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            LogKind::Ok => "ok",
            LogKind::Failed(_) => "fail",
            LogKind::Pod => "pod",
            LogKind::Event { warning: true } => "warn",
            LogKind::Event { warning: false } => "event",
            LogKind::Command => "cmd",
            LogKind::Endpoints => "eps",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Unique within the page's life (never reused, even after a scrub
    /// drops lines): the key that lets the list move lines instead of
    /// rewriting all of them when new ones arrive on top.
    pub id: u64,
    /// Trace sequence number; `None` for the UI's own notes.
    pub seq: Option<u64>,
    pub t: SimTime,
    pub kind: LogKind,
    pub text: String,
}

/// A command in the words a learner would type or see.
pub fn describe_command(c: &Command) -> String {
    match c {
        Command::KillPod { pod } => format!("$ kubectl delete pod {pod}"),
        Command::CrashPod { pod } => format!("the main container of pod {pod} crashes"),
        Command::SetPodReadiness { pod, ready } => format!(
            "the readiness probe of pod {pod} now {}",
            if *ready { "passes" } else { "fails" }
        ),
        Command::FailNode { node } => format!("node {node} stops responding"),
        Command::RecoverNode { node } => format!("node {node} comes back"),
        Command::CordonNode { node } => format!("$ kubectl cordon {node}"),
        Command::UncordonNode { node } => format!("$ kubectl uncordon {node}"),
        Command::DrainNode { node, force } => format!(
            "$ kubectl drain {node} --ignore-daemonsets{}",
            if *force { " --force" } else { "" }
        ),
        Command::Scale {
            deployment,
            replicas,
        } => format!("$ kubectl scale deployment {deployment} --replicas={replicas}"),
        Command::Rollout { deployment, image } => {
            format!("$ kubectl set image deployment/{deployment} *={image}")
        }
        Command::SetExternalTrafficPolicy { service, policy } => {
            format!("Service {service}: externalTrafficPolicy set to {policy}")
        }
        Command::SetSessionAffinity { service, affinity } => {
            format!("Service {service}: sessionAffinity set to {affinity}")
        }
        Command::SetProxyMode { mode } => format!(
            "kube-proxy switches to {} mode on every node",
            match mode {
                ProxyMode::Iptables => "iptables",
                ProxyMode::Ipvs => "IPVS",
            }
        ),
        Command::SetCloudLoadBalancer { present } => format!(
            "the cloud load-balancer controller is {}",
            if *present { "installed" } else { "removed" }
        ),
        Command::Apply { objects } => format!("$ kubectl apply ({} object(s))", objects.len()),
        Command::Delete { kind, name } => format!("$ kubectl delete {kind} {name}"),
    }
}

/// The line a trace event becomes, if any (hops are animated, not logged;
/// kube-proxy syncs are too frequent to be worth a line each).
pub fn describe(ev: &TraceEvent) -> Option<(LogKind, String)> {
    match &ev.kind {
        // A loss is labelled on the picture at once; its log line is the
        // request's end, when the client gives up.
        TraceKind::Hop(_) | TraceKind::ProxySync { .. } | TraceKind::Lost { .. } => None,
        TraceKind::End(e) => {
            let via = e
                .service
                .as_deref()
                .map(|s| format!(" via {s}"))
                .unwrap_or_default();
            let pod = e
                .pod
                .as_deref()
                .map(|p| format!(" → {p}"))
                .unwrap_or_default();
            let kind = if e.outcome == Outcome::Ok {
                LogKind::Ok
            } else {
                LogKind::Failed(e.outcome)
            };
            // A served request ends back at its client, so "at" only says
            // something for failures: where the packet died.
            let at = if e.outcome == Outcome::Ok {
                String::new()
            } else {
                format!(" at {}", format::place(&e.at))
            };
            Some((
                kind,
                format!(
                    "request #{} {}{via}{pod}: {}{at} ({})",
                    e.request,
                    e.outcome.as_str(),
                    // A policy drop names the policy, as on the canvas.
                    super::netpol::drop_line(&e.reason).unwrap_or_else(|| e.reason.clone()),
                    format::latency_us(e.latency_us)
                ),
            ))
        }
        TraceKind::PodState { name, state, .. } => {
            Some((LogKind::Pod, format!("pod {name} is {state}")))
        }
        TraceKind::Event(k) => Some((
            LogKind::Event {
                warning: k.type_ == "Warning",
            },
            format!("{} {} {}: {}", k.type_, k.reason, k.object, k.message),
        )),
        TraceKind::Command { command } => Some((LogKind::Command, describe_command(command))),
        TraceKind::Endpoints {
            service,
            ready,
            serving,
            terminating,
        } => Some((
            LogKind::Endpoints,
            format!(
                "EndpointSlice of {service}: {ready} ready, {serving} serving, {terminating} terminating"
            ),
        )),
    }
}

/// The log lines, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Log {
    pub entries: VecDeque<LogEntry>,
    next_id: u64,
}

impl Log {
    /// Add the line for trace event number `seq`, unless it was logged
    /// already (replay after a scrub).
    pub fn add(&mut self, seq: u64, ev: &TraceEvent) {
        if self
            .entries
            .iter()
            .rev()
            .find_map(|e| e.seq)
            .is_some_and(|last| last >= seq)
        {
            return;
        }
        if let Some((kind, text)) = describe(ev) {
            self.push(LogEntry {
                id: 0,
                seq: Some(seq),
                t: ev.t,
                kind,
                text,
            });
        }
    }
    /// A line that is not a trace event (a jump in time, a dropped branch).
    pub fn note(&mut self, t: SimTime, text: String) {
        self.push(LogEntry {
            id: 0,
            seq: None,
            t,
            kind: LogKind::Command,
            text,
        });
    }
    fn push(&mut self, mut e: LogEntry) {
        e.id = self.next_id;
        self.next_id += 1;
        if self.entries.len() >= LOG_CAP {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }
    /// Drop lines after `t` (scrub backwards).
    pub fn truncate_after(&mut self, t: SimTime) {
        while self.entries.back().is_some_and(|e| e.t > t) {
            self.entries.pop_back();
        }
    }
}

/// One row of `kubectl get events`.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRow {
    pub seq: u64,
    pub t: SimTime,
    pub event: K8sEvent,
}

/// The Events table, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Events {
    pub rows: VecDeque<EventRow>,
}

impl Events {
    pub fn add(&mut self, seq: u64, t: SimTime, event: &K8sEvent) {
        if self.rows.back().is_some_and(|e| e.seq >= seq) {
            return;
        }
        if self.rows.len() >= EVENTS_CAP {
            self.rows.pop_front();
        }
        self.rows.push_back(EventRow {
            seq,
            t,
            event: event.clone(),
        });
    }
    pub fn truncate_after(&mut self, t: SimTime) {
        while self.rows.back().is_some_and(|e| e.t > t) {
            self.rows.pop_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_ev(t: u64, state: &str) -> TraceEvent {
        TraceEvent {
            t: SimTime(t),
            kind: TraceKind::PodState {
                pod: 1,
                name: "web-1".into(),
                state: state.into(),
            },
        }
    }

    #[test]
    fn replayed_lines_are_not_repeated_and_truncation_cuts_by_time() {
        let mut l = Log::default();
        l.add(0, &pod_ev(10, "Pending"));
        l.add(1, &pod_ev(20, "Ready"));
        l.add(1, &pod_ev(20, "Ready"));
        assert_eq!(l.entries.len(), 2);
        l.truncate_after(SimTime(15));
        assert_eq!(l.entries.len(), 1);
        l.add(1, &pod_ev(20, "Ready"));
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[1].text, "pod web-1 is Ready");
        // A note does not hide the next trace line.
        l.note(SimTime(20), "jumped".into());
        l.add(2, &pod_ev(30, "Terminating"));
        assert_eq!(l.entries.len(), 4);
    }
}
