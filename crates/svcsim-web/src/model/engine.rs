//! The driver around the core's [`Sim`]: displayed time, checkpoints,
//! scrubbing, recorded commands, and the buffers the widgets read.
//!
//! DESIGN.md "Time" and "Scrubbing":
//! - The sim is always run exactly to the displayed time. Hops are recorded
//!   when they *leave*, with their arrival time, so everything a frame needs
//!   is already in the trace; no look-ahead is required.
//! - Every [`CHECKPOINT_EVERY`] of simulated time the sim is cloned. At most
//!   [`MAX_CHECKPOINTS`] are kept: when there would be more, every other one
//!   is dropped and the interval doubles, so memory stays bounded however
//!   long the run.
//! - User commands are recorded with the simulated time they were applied
//!   at. Going back restores the last checkpoint at or before the target and
//!   replays forward silently, re-applying recorded commands at their times;
//!   the core is deterministic, so the replay reproduces the run exactly,
//!   including the trace count and the metrics. A new command applied after
//!   going back starts a new branch: recorded commands and checkpoints later
//!   than it are dropped.

use super::clock::Clock;
use super::compare::{self, Comparison, Variation};
use super::layout::Layout;
use super::log::{Events, Log};
use super::packets::{compose, FrameShapes, Labels, Packets};
use super::requests::RequestBook;
use super::series::{Mark, Series};
use svcsim_core::model::Object;
use svcsim_core::scenario::ScenarioSpec;
use svcsim_core::sim::trace::{Outcome, TraceEvent, TraceKind};
use svcsim_core::sim::{ClusterView, Command, Metrics, Sim};
use svcsim_core::time::{SimDuration, SimTime};

/// Simulated time between checkpoints (before any thinning).
pub const CHECKPOINT_EVERY: SimDuration = SimDuration(5_000_000_000);
/// How long a finished hop glows, in wall-clock milliseconds...
const GLOW_WALL_MS: f64 = 700.0;
/// ...but never longer than this in simulated time (at high speeds the
/// glow of a whole second of traffic would be a solid smear).
const GLOW_MAX: SimDuration = SimDuration(150_000_000);

/// Most checkpoints kept at once.
pub const MAX_CHECKPOINTS: usize = 60;

#[derive(Clone)]
struct Checkpoint {
    at: SimTime,
    sim: Sim,
    trace_count: u64,
    series: Mark,
}

/// The running simulation and everything derived from its trace.
pub struct Engine {
    pub scenario: String,
    pub caption: String,
    pub seed: u64,
    objects: Vec<Object>,
    spec: ScenarioSpec,
    sim: Sim,
    pub clock: Clock,
    /// The simulated-time window the last frame showed.
    pub window: (SimTime, SimTime),
    checkpoints: Vec<Checkpoint>,
    every: SimDuration,
    max_checkpoints: usize,
    next_checkpoint: SimTime,
    commands: Vec<(SimTime, Command)>,
    next_cmd: usize,
    /// The furthest simulated time reached in this run.
    pub horizon: SimTime,
    /// Trace events consumed up to the displayed time.
    pub trace_count: u64,
    pub packets: Packets,
    pub labels: Labels,
    pub log: Log,
    pub events: Events,
    /// Recent requests hop by hop, for the packet inspector.
    pub requests: RequestBook,
    pub layout: Layout,
    /// What the last frame drew (for hover hit-testing).
    pub shapes: FrameShapes,
    pub reduced_motion: bool,
    pub dark: bool,
    /// The packet under the pointer (trace sequence number), highlighted.
    pub hover_seq: Option<u64>,
    /// A hop mentioned a pod the layout has not placed yet.
    needs_layout: bool,
    /// Wall time of the last frame, for labels raised outside a frame.
    last_wall_ms: f64,
    /// Loader warnings, for the banner.
    pub warnings: Vec<String>,
    /// Success rate and latency over time, for the charts.
    pub series: Series,
    /// Requests whose lost packet was labelled, still waiting for their
    /// end (so the end does not label the same loss a second time).
    labelled_losses: svcsim_core::vecmap::VecSet<u64>,
    /// How the displayed time kept pace with the speed asked for.
    pace: Pace,
}

/// Frames whose simulation outgrew its wall-time budget since the last
/// look, and where that look was (wall ms, displayed time).
#[derive(Clone, Copy, Debug, Default)]
struct Pace {
    short_frames: u32,
    mark: Option<(f64, SimTime)>,
}

/// Slices a frame's simulation is cut into, so that a frame over its
/// budget stops part way instead of missing the next vsync.
const FRAME_SLICES: u64 = 8;

/// Below this share of the speed asked for, the page says what speed the
/// display kept.
const PACE_REMARK: f64 = 0.9;

/// The few words drawn where a request failed.
pub fn failure_label(outcome: Outcome, reason: &str) -> String {
    if let Some(label) = super::netpol::drop_label(reason) {
        return label;
    }
    let r = reason.trim();
    if r.contains(':') || !r.bytes().any(|c| c.is_ascii_lowercase()) {
        r.to_string()
    } else {
        format!("{}: {r}", outcome.as_str().to_ascii_uppercase())
    }
}

impl Engine {
    /// Load a built-in scenario; `seed` overrides the scenario's own.
    pub fn builtin(name: &str, seed: Option<u64>) -> Result<Engine, String> {
        let loaded = match svcsim_manifests::builtin::load(name) {
            Some(Ok(l)) => l,
            Some(Err(d)) => return Err(svcsim_manifests::render(&d)),
            None => return Err(format!("no built-in scenario named {name:?}")),
        };
        let warnings = loaded.warnings.iter().map(|w| w.message.clone()).collect();
        let mut e = Engine::new(name, loaded.objects, loaded.scenario, seed)?;
        e.warnings = warnings;
        Ok(e)
    }

    pub fn new(
        name: &str,
        objects: Vec<Object>,
        mut spec: ScenarioSpec,
        seed: Option<u64>,
    ) -> Result<Engine, String> {
        if let Some(s) = seed {
            spec.seed = s;
        }
        let sim = Sim::new(objects.clone(), spec.clone()).map_err(|e| e.to_string())?;
        let mut layout = Layout::default();
        layout.update(&sim.view());
        let first = Checkpoint {
            at: SimTime::ZERO,
            sim: sim.clone(),
            trace_count: 0,
            series: Mark::default(),
        };
        Ok(Engine {
            scenario: name.to_string(),
            caption: spec.caption.clone(),
            seed: spec.seed,
            objects,
            spec,
            sim,
            clock: Clock::default(),
            window: (SimTime::ZERO, SimTime::ZERO),
            checkpoints: vec![first],
            every: CHECKPOINT_EVERY,
            max_checkpoints: MAX_CHECKPOINTS,
            next_checkpoint: SimTime::ZERO + CHECKPOINT_EVERY,
            commands: Vec::new(),
            next_cmd: 0,
            horizon: SimTime::ZERO,
            trace_count: 0,
            packets: Packets::default(),
            labels: Labels::default(),
            log: Log::default(),
            events: Events::default(),
            requests: RequestBook::default(),
            layout,
            shapes: FrameShapes::default(),
            reduced_motion: false,
            dark: false,
            hover_seq: None,
            needs_layout: false,
            last_wall_ms: 0.0,
            warnings: Vec::new(),
            series: Series::default(),
            labelled_losses: Default::default(),
            pace: Pace::default(),
        })
    }

    /// Start the same scenario again, with `seed`. Speed, theme and motion
    /// settings carry over; commands and checkpoints do not.
    pub fn restart(&mut self, seed: u64) -> Result<(), String> {
        let mut fresh = Engine::new(
            &self.scenario,
            self.objects.clone(),
            self.spec.clone(),
            Some(seed),
        )?;
        fresh.clock.speed = self.clock.speed;
        fresh.clock.playing = self.clock.playing;
        fresh.reduced_motion = self.reduced_motion;
        fresh.dark = self.dark;
        fresh.warnings = std::mem::take(&mut self.warnings);
        *self = fresh;
        Ok(())
    }

    /// The displayed simulated time (the sim is always exactly there).
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }
    pub fn view(&self) -> ClusterView {
        self.sim.view()
    }
    pub fn metrics(&self) -> &Metrics {
        self.sim.metrics()
    }
    /// The cluster's API objects at the displayed time (NetworkPolicy
    /// questions are asked of these).
    pub fn objects(&self) -> Vec<Object> {
        self.sim.objects()
    }
    pub fn duration(&self) -> SimTime {
        SimTime::ZERO + self.spec.duration
    }
    pub fn recorded_commands(&self) -> &[(SimTime, Command)] {
        &self.commands
    }
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }
    /// The sim, for the inspectors' read-only queries (rule text, conntrack,
    /// DNS lookups). They take `&mut` only because the node programs and the
    /// DNS zone are generated lazily and cached; none changes the run.
    pub fn sim_for_queries(&mut self) -> &mut Sim {
        &mut self.sim
    }

    /// One animation frame at wall time `wall_ms`: advance the displayed
    /// time, run the sim there, and compose what to draw.
    ///
    /// The simulation runs in slices; after each, `over_budget` says
    /// whether the frame has used its share of wall time. If it has, the
    /// frame stops where the sim got to: the displayed time falls behind
    /// the speed asked for (the clock moves on from there next frame)
    /// rather than the page missing frames. A slower display changes no
    /// result: the run is the same, only shown later.
    pub fn frame(&mut self, wall_ms: f64, over_budget: &mut dyn FnMut() -> bool) {
        self.last_wall_ms = wall_ms;
        let before = self.now();
        let target = self.clock.advance(wall_ms, before);
        if target > before {
            let span = target.0 - before.0;
            for k in 1..=FRAME_SLICES {
                self.advance_to(SimTime(before.0 + span * k / FRAME_SLICES), Some(wall_ms));
                if k < FRAME_SLICES && over_budget() {
                    self.pace.short_frames += 1;
                    break;
                }
            }
            self.window = (before, self.now());
        }
        self.labels.expire(wall_ms);
        if self.needs_layout {
            // A pod appeared since the last snapshot and already has
            // traffic: place it now rather than fly its packets to the
            // fallback spot until the next snapshot.
            self.needs_layout = false;
            let v = self.sim.view();
            self.layout.update(&v);
        }
        self.recompose();
    }

    /// The speed the display actually kept since the last call, if frames
    /// were cut short in that time and it fell below 90 % of the speed
    /// asked for (`None` otherwise, or when paused). Called with each
    /// snapshot.
    pub fn take_pace(&mut self) -> Option<f64> {
        let (wall, now) = (self.last_wall_ms, self.now());
        let short = std::mem::take(&mut self.pace.short_frames);
        let mark = self.pace.mark.replace((wall, now));
        let (w0, t0) = mark?;
        if short == 0 || !self.clock.playing || wall <= w0 {
            return None;
        }
        // Simulated ns per wall ms, / 1e6 = simulated s per wall s.
        let kept = now.0.saturating_sub(t0.0) as f64 / (wall - w0) / 1e6;
        // A frame cut short now and then costs a few per cent: not worth
        // a remark next to the speed.
        (kept < PACE_REMARK * self.clock.speed).then_some(kept)
    }

    /// How long finished hops glow at the current speed.
    fn glow(&self) -> SimDuration {
        let ns = GLOW_WALL_MS * self.clock.speed * 1e6;
        SimDuration((ns as u64).min(GLOW_MAX.0))
    }

    /// Drop hops that can no longer be drawn and compose the frame.
    fn recompose(&mut self) {
        let glow = self.glow();
        self.packets
            .prune(SimTime(self.window.0 .0.saturating_sub(glow.0)));
        self.shapes = compose(
            &self.packets,
            &self.layout,
            self.window.0,
            self.window.1,
            glow,
            self.reduced_motion,
        );
    }

    /// Run to `target`. `wall_ms` is the frame's wall time when the events
    /// are to be shown (labels, log), `None` for a silent replay.
    fn advance_to(&mut self, target: SimTime, wall_ms: Option<f64>) {
        loop {
            self.apply_due(wall_ms);
            let mut stop = target.min(self.next_checkpoint);
            if let Some((t, _)) = self.commands.get(self.next_cmd) {
                stop = stop.min(*t);
            }
            let stop = stop.max(self.now());
            self.sim.run_until(stop);
            self.consume(wall_ms);
            if self.now() >= self.next_checkpoint {
                self.take_checkpoint();
            }
            self.apply_due(wall_ms);
            if wall_ms.is_none() {
                // Only hops still in flight (or glowing) at the end matter.
                self.packets
                    .prune(SimTime(self.now().0.saturating_sub(GLOW_MAX.0)));
            }
            if self.now() >= target {
                break;
            }
        }
        self.horizon = self.horizon.max(self.now());
    }

    /// Re-apply recorded commands whose time has come.
    fn apply_due(&mut self, wall_ms: Option<f64>) {
        while let Some((t, c)) = self.commands.get(self.next_cmd) {
            if *t > self.now() {
                break;
            }
            let c = c.clone();
            self.next_cmd += 1;
            self.sim.apply(c);
            self.consume(wall_ms);
        }
    }

    fn take_checkpoint(&mut self) {
        let at = self.next_checkpoint;
        self.next_checkpoint = at + self.every;
        let i = self.checkpoints.partition_point(|c| c.at < at);
        if self.checkpoints.get(i).is_some_and(|c| c.at == at) {
            return; // replaying over a stretch already checkpointed
        }
        self.checkpoints.insert(
            i,
            Checkpoint {
                at,
                sim: self.sim.clone(),
                trace_count: self.trace_count,
                series: self.series.mark(),
            },
        );
        if self.checkpoints.len() > self.max_checkpoints {
            // Keep 0, 2e, 4e, ...: still evenly spaced, at twice the interval.
            let mut k = 0;
            self.checkpoints.retain(|_| {
                k += 1;
                k % 2 == 1
            });
            self.every = SimDuration(self.every.0 * 2);
            let last = self.checkpoints.last().map_or(SimTime::ZERO, |c| c.at);
            self.next_checkpoint = last + self.every;
            while self.next_checkpoint <= self.now() {
                self.next_checkpoint += self.every;
            }
        }
    }

    /// Take the trace the sim produced and feed it to the buffers.
    fn consume(&mut self, wall_ms: Option<f64>) {
        for ev in self.sim.drain_trace() {
            let seq = self.trace_count;
            self.trace_count += 1;
            self.feed(seq, ev, wall_ms);
        }
    }

    fn feed(&mut self, seq: u64, ev: TraceEvent, wall_ms: Option<f64>) {
        self.requests.add(seq, &ev);
        if let Some(wall) = wall_ms {
            self.log.add(seq, &ev);
            match &ev.kind {
                // The label goes up where and when the packet died...
                TraceKind::Lost {
                    request,
                    outcome,
                    reason,
                    at,
                } => {
                    self.labels
                        .add(at.clone(), failure_label(*outcome, reason), wall);
                    self.labelled_losses.insert(*request);
                }
                // ...not again when the client gives up on it (a refusal
                // or NXDOMAIN has no earlier loss and is labelled here).
                TraceKind::End(e)
                    if !self.labelled_losses.remove(&e.request) && e.outcome != Outcome::Ok =>
                {
                    self.labels
                        .add(e.at.clone(), failure_label(e.outcome, &e.reason), wall);
                }
                _ => {}
            }
        }
        if let TraceKind::End(e) = &ev.kind {
            self.series.record(ev.t, e);
        }
        match ev.kind {
            TraceKind::Hop(h) => {
                if !self.layout.knows(&h.to) || !self.layout.knows(&h.from) {
                    self.needs_layout = true;
                }
                self.packets.push(seq, ev.t, h)
            }
            TraceKind::Event(k) => self.events.add(seq, ev.t, &k),
            _ => {}
        }
    }

    /// Apply a user command at the displayed time and record it.
    pub fn apply(&mut self, cmd: Command) {
        let now = self.now();
        let dropped = self.commands.len() - self.next_cmd;
        self.commands.truncate(self.next_cmd);
        self.checkpoints.retain(|c| c.at <= now);
        if let Some(last) = self.checkpoints.last() {
            let mut next = last.at + self.every;
            while next <= now {
                next += self.every;
            }
            self.next_checkpoint = next;
        }
        if dropped > 0 {
            self.log.note(
                now,
                format!(
                    "a new command after going back: {dropped} later recorded command(s) dropped"
                ),
            );
        }
        self.commands.push((now, cmd.clone()));
        self.next_cmd = self.commands.len();
        self.horizon = now;
        self.sim.apply(cmd);
        self.consume(Some(self.last_wall_ms));
    }

    /// Jump to `target` (scrubbing). Forward runs on silently; backward
    /// restores the nearest earlier checkpoint and replays.
    pub fn seek(&mut self, target: SimTime) {
        let now = self.now();
        if target == now {
            return;
        }
        self.packets.clear();
        self.labels.clear();
        self.labelled_losses.clear();
        if target < now {
            let i = self
                .checkpoints
                .partition_point(|c| c.at <= target)
                .saturating_sub(1);
            let Some(ck) = self.checkpoints.get(i).cloned() else {
                return;
            };
            self.sim = ck.sim;
            self.trace_count = ck.trace_count;
            self.next_cmd = self.commands.partition_point(|(t, _)| *t < ck.at);
            self.next_checkpoint = ck.at + self.every;
            self.log.truncate_after(target);
            self.events.truncate_after(target);
            self.series.restore(&ck.series);
            self.requests.truncate_after(target);
        }
        self.advance_to(target, None);
        self.log.note(
            target,
            format!(
                "jumped from {} to {} (replayed silently{})",
                super::format::sim_time(now),
                super::format::sim_time(target),
                if target < now {
                    " from the last checkpoint"
                } else {
                    ""
                }
            ),
        );
        self.window = (target, target);
        self.recompose();
    }

    /// Go to the next event the sim (or the command record) has pending.
    pub fn step(&mut self) {
        self.clock.playing = false;
        let mut next = self.sim.next_event_time();
        if let Some((t, _)) = self.commands.get(self.next_cmd) {
            next = Some(next.map_or(*t, |n| n.min(*t)));
        }
        if let Some(t) = next {
            let before = self.now();
            self.advance_to(t.max(before), Some(self.last_wall_ms));
            self.window = (before, self.now());
            self.recompose();
        }
    }

    /// Run this scenario twice from zero to the displayed time, as loaded
    /// and with `v` changed, with the commands recorded so far.
    pub fn compare(&self, v: Variation) -> Result<Comparison, String> {
        compare::compare(&self.objects, &self.spec, &self.commands, self.now(), v)
    }

    /// Refresh the layout from a fresh view (a few times a second).
    pub fn relayout(&mut self, view: &ClusterView) {
        self.layout.update(view);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn summary(e: &Engine) -> (u64, String) {
        let m = e.metrics();
        (
            e.trace_count,
            format!(
                "{} {:?} {:?} {:?} {} {:?}",
                m.requests,
                m.outcomes,
                m.reasons,
                m.per_pod,
                m.latency_us.quantile_permille(990),
                // The charts' series must survive scrubbing exactly too.
                e.series.points(e.now(), 10_000),
            ),
        )
    }

    fn play(e: &mut Engine, to_ms: u64, frame_ms: u64) {
        while e.now() < SimTime::from_millis(to_ms) {
            let t = (e.now() + SimDuration::from_millis(frame_ms)).min(SimTime::from_millis(to_ms));
            e.advance_to(t, Some(0.0));
        }
    }

    /// The first Deployment pod in `default` (not a client), as
    /// `namespace/name`: a pod the tests can kill.
    pub(crate) fn first_server_pod(e: &Engine) -> String {
        e.view()
            .pods
            .iter()
            .find(|p| p.owner.is_some() && !p.is_client && p.namespace == "default")
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .expect("a Deployment pod")
    }

    #[test]
    fn scrub_back_and_forward_reproduces_the_run() {
        let mut e = Engine::builtin("clusterip", None).expect("loads");
        play(&mut e, 6_000, 250);
        let victim = first_server_pod(&e);
        e.apply(Command::KillPod { pod: victim });
        play(&mut e, 12_000, 250);
        let original = summary(&e);

        // Back before the command, then forward again: the recorded command
        // is re-applied at its time and the run is the same.
        e.seek(SimTime::from_millis(3_000));
        assert!(summary(&e).0 < original.0);
        play(&mut e, 12_000, 100);
        assert_eq!(summary(&e), original);

        // A silent jump gives the same numbers as playing.
        e.seek(SimTime::from_millis(1_000));
        e.seek(SimTime::from_millis(12_000));
        assert_eq!(summary(&e), original);

        // And the same as a fresh run that applies the command at 6s.
        let mut f = Engine::builtin("clusterip", None).expect("loads");
        play(&mut f, 6_000, 1000);
        f.apply(Command::KillPod {
            pod: first_server_pod(&f),
        });
        play(&mut f, 12_000, 3000);
        assert_eq!(summary(&f), original);
    }

    #[test]
    fn a_command_after_going_back_drops_the_later_branch() {
        let mut e = Engine::builtin("clusterip", None).expect("loads");
        play(&mut e, 8_000, 500);
        e.apply(Command::CordonNode {
            node: "node-1".into(),
        });
        e.seek(SimTime::from_millis(4_000));
        e.apply(Command::CordonNode {
            node: "node-2".into(),
        });
        assert_eq!(e.recorded_commands().len(), 1);
        assert_eq!(e.recorded_commands()[0].0, SimTime::from_millis(4_000));
    }

    #[test]
    fn a_frame_over_its_budget_stops_part_way_and_changes_no_result() {
        let mut full = Engine::builtin("clusterip", None).expect("loads");
        let mut cut = Engine::builtin("clusterip", None).expect("loads");
        for e in [&mut full, &mut cut] {
            e.clock.set_speed(100.0);
        }
        // 60 frames of 16 ms at 100×: 1.6 s of simulated time each.
        let mut wall = 0.0;
        full.frame(wall, &mut || false);
        cut.frame(wall, &mut || true);
        cut.take_pace();
        for _ in 0..60 {
            wall += 16.0;
            full.frame(wall, &mut || false);
            cut.frame(wall, &mut || true);
        }
        // Cut after the first of eight slices, the display ran at 1/8.
        assert_eq!(full.now(), SimTime::from_millis(60 * 1_600));
        assert_eq!(cut.now(), SimTime::from_millis(60 * 200));
        let kept = cut.take_pace().expect("frames were cut short");
        assert!((kept - 12.5).abs() < 0.01, "{kept}");
        assert_eq!(full.take_pace(), None);
        // The cut run, caught up, is the same run.
        play(&mut cut, 60 * 1_600, 250);
        assert_eq!(summary(&cut), summary(&full));
    }

    #[test]
    fn checkpoints_stay_bounded() {
        let mut e = Engine::builtin("clusterip", None).expect("loads");
        e.every = SimDuration::from_millis(200);
        e.next_checkpoint = SimTime::ZERO + e.every;
        e.max_checkpoints = 8;
        play(&mut e, 10_000, 100);
        assert!(e.checkpoint_count() <= 8, "{}", e.checkpoint_count());
        // Still evenly spaced from zero.
        let times: Vec<u64> = e.checkpoints.iter().map(|c| c.at.0).collect();
        for (i, t) in times.iter().enumerate() {
            assert_eq!(*t, i as u64 * e.every.0, "{times:?}");
        }
        // And scrubbing still reproduces.
        let original = summary(&e);
        e.seek(SimTime::from_millis(2_345));
        e.seek(SimTime::from_millis(10_000));
        assert_eq!(summary(&e), original);
    }

    #[test]
    fn step_goes_to_the_next_event() {
        let mut e = Engine::builtin("nodeport", None).expect("loads");
        let next = e.sim.next_event_time().expect("something is scheduled");
        e.step();
        assert!(!e.clock.playing);
        assert_eq!(e.now(), next);
    }

    /// Every button the UI offers, on every built-in scenario, applied at
    /// a few seconds in and then scrubbed over: nothing panics (a panic in
    /// wasm freezes the tab), and the replay still matches.
    #[test]
    fn every_ui_command_runs_on_every_builtin() {
        use svcsim_core::scenario::ProxyMode;
        for name in svcsim_manifests::builtin::names() {
            let mut e = Engine::builtin(name, None).expect("builtin loads");
            play(&mut e, 2_000, 500);
            let v = e.view();
            let pod = v
                .pods
                .iter()
                .find(|p| !p.is_client && p.namespace == "default")
                .map(|p| format!("{}/{}", p.namespace, p.name))
                .unwrap_or_else(|| "default/none".into());
            let node = v.nodes.first().map(|n| n.name.clone()).unwrap_or_default();
            let dep = v
                .deployments
                .first()
                .map(|d| format!("{}/{}", d.namespace, d.name))
                .unwrap_or_else(|| "default/none".into());
            let svc = v
                .services
                .iter()
                .find(|s| s.namespace == "default" && s.name != "kubernetes")
                .map(|s| format!("{}/{}", s.namespace, s.name))
                .unwrap_or_else(|| "default/none".into());
            let cmds = vec![
                Command::SetPodReadiness {
                    pod: pod.clone(),
                    ready: false,
                },
                Command::CrashPod { pod: pod.clone() },
                Command::SetPodReadiness {
                    pod: pod.clone(),
                    ready: true,
                },
                Command::KillPod { pod },
                Command::Scale {
                    deployment: dep.clone(),
                    replicas: 4,
                },
                Command::Rollout {
                    deployment: dep.clone(),
                    image: "my-repo/x:v2".into(),
                },
                Command::Scale {
                    deployment: dep,
                    replicas: 1,
                },
                Command::SetExternalTrafficPolicy {
                    service: svc.clone(),
                    policy: "Local".into(),
                },
                Command::SetSessionAffinity {
                    service: svc,
                    affinity: "ClientIP".into(),
                },
                Command::SetProxyMode {
                    mode: ProxyMode::Ipvs,
                },
                Command::SetCloudLoadBalancer { present: false },
                Command::CordonNode { node: node.clone() },
                Command::DrainNode {
                    node: node.clone(),
                    force: false,
                },
                Command::UncordonNode { node: node.clone() },
                Command::FailNode { node: node.clone() },
                Command::RecoverNode { node },
                Command::SetProxyMode {
                    mode: ProxyMode::Iptables,
                },
                Command::SetCloudLoadBalancer { present: true },
            ];
            for (i, c) in cmds.into_iter().enumerate() {
                e.apply(c);
                play(&mut e, 2_000 + 400 * (i as u64 + 1), 200);
            }
            play(&mut e, 12_000, 1000);
            let original = summary(&e);
            e.seek(SimTime::from_millis(1_000));
            e.seek(SimTime::from_millis(12_000));
            assert_eq!(summary(&e), original, "{name}");
        }
    }

    #[test]
    fn failure_labels_read_well() {
        assert_eq!(
            failure_label(Outcome::Refused, "REJECT: no endpoints"),
            "REJECT: no endpoints"
        );
        assert_eq!(failure_label(Outcome::Nxdomain, "NXDOMAIN"), "NXDOMAIN");
        assert_eq!(
            failure_label(Outcome::Timeout, "connect timeout"),
            "TIMEOUT: connect timeout"
        );
    }
}
