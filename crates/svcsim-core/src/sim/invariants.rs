//! Invariants the simulation must keep after every event. The property
//! tests call [`Sim::check_invariants`] after each step of randomly built
//! scenarios with faults; any violation names what broke.

use super::*;

impl Sim {
    /// Check the model's invariants; returns the first broken one.
    ///
    /// - Every request that started has either ended exactly once or is
    ///   still open (`requests_started == ended + open`).
    /// - Endpoints are a subset of ready or serving pods: every endpoint the
    ///   EndpointSlice controller wrote as ready belongs to a pod that is
    ///   ready now, or the Service has a slice sync pending (the controller's
    ///   propagation delay), or the pod's node is down but not yet NotReady
    ///   (the node-monitor grace period), which is exactly the window real
    ///   clusters have.
    /// - No request was served by a pod that was not running
    ///   (`served_by_dead == 0`); such deliveries must end as failures.
    /// - Time is never before the last processed event (`step` asserts it).
    pub fn check_invariants(&self) -> Result<(), String> {
        let started = self.next_request - 1;
        let ended = self.metrics.requests;
        let open = self.requests.len() as u64;
        if started != ended + open {
            return Err(format!(
                "requests: started {started} != ended {ended} + open {open}"
            ));
        }
        for (si, s) in self.services.iter().enumerate() {
            if s.deleted || s.user_slices || self.slice_sync_pending[si] {
                continue;
            }
            let pna = s.obj.spec.publish_not_ready_addresses.unwrap_or(false);
            for sl in &s.slices {
                for e in &sl.endpoints {
                    if !e.conditions.is_ready() || pna {
                        continue;
                    }
                    let Some(ip) = e.addresses.first().and_then(|a| a.parse().ok()) else {
                        return Err(format!("{}: endpoint without address", s.key()));
                    };
                    let Some(p) = self.pod_by_ip(ip) else {
                        return Err(format!("{}: ready endpoint {ip} has no pod", s.key()));
                    };
                    let pod = &self.pods[p.idx()];
                    let node = &self.nodes[pod.node.idx()];
                    let node_window = !node.up && node.ready;
                    if !pod.ready && !node_window {
                        return Err(format!(
                            "{}: endpoint {ip} is ready but pod {} is {}",
                            s.key(),
                            pod.key(),
                            pod.status_word(node.ready)
                        ));
                    }
                }
            }
        }
        // Lifecycles finish: a pod deleted on a live node is gone once its
        // grace period and teardown have passed, and a crashed container on
        // a live node restarts when its back-off ends.
        for pod in &self.pods {
            if pod.phase == PodPhase::Gone || !self.nodes[pod.node.idx()].up {
                continue;
            }
            if let Some(since) = pod.deleting_since {
                let grace = SimDuration::from_secs(pod.spec.grace_period_seconds().max(0) as u64);
                let limit = since + grace + SimDuration::from_secs(2);
                // A pod whose node was down may still be catching up.
                if self.now > limit && self.nodes[pod.node.idx()].epoch == 0 {
                    return Err(format!(
                        "pod {} is still Terminating at {}",
                        pod.key(),
                        self.now
                    ));
                }
            }
            if let Some(until) = pod.backoff_until {
                if self.now > until + SimDuration::from_secs(1) && pod.deleting_since.is_none() {
                    return Err(format!(
                        "pod {} did not restart after its back-off",
                        pod.key()
                    ));
                }
            }
        }
        if self.served_by_dead > 0 {
            return Err(format!(
                "{} requests were served by pods that were not running",
                self.served_by_dead
            ));
        }
        Ok(())
    }
}
