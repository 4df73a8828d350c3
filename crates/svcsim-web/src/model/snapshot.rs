//! What the widgets render: a copy of the engine's state taken a few times a
//! second (and after every user action), never every frame.
//!
//! Widgets compare snapshots by revision number only, so a snapshot is
//! cheap to pass around behind an `Rc` and a re-render happens exactly when
//! a new one is taken.

use super::engine::Engine;
use super::layout::Layout;
use super::log::{EventRow, LogEntry};
use super::netpol::Policies;
use super::series::Point;
use std::rc::Rc;
use svcsim_core::sim::{ClusterView, Metrics};
use svcsim_core::time::SimTime;

#[derive(Clone, Debug)]
pub struct Snapshot {
    pub rev: u64,
    pub view: ClusterView,
    pub metrics: Metrics,
    pub layout: Layout,
    pub trace_count: u64,
    pub now: SimTime,
    pub horizon: SimTime,
    pub duration: SimTime,
    pub playing: bool,
    pub speed: f64,
    /// The speed the display kept when it could not keep `speed` (the
    /// simulation needed more than a frame's budget), else `None`.
    pub pace: Option<f64>,
    pub scenario: String,
    pub caption: String,
    pub seed: u64,
    pub log: Vec<LogEntry>,
    pub events: Vec<EventRow>,
    pub in_flight: usize,
    pub commands: usize,
    /// When the recorded commands apply (marks on the timeline).
    pub command_times: Vec<SimTime>,
    pub checkpoints: usize,
    /// Success rate and latency over time, at most [`SERIES_POINTS`] points.
    pub series: Vec<Point>,
    /// NetworkPolicies at the displayed time (empty when there are none).
    pub policies: Rc<Policies>,
}

/// Points in the over-time charts.
pub const SERIES_POINTS: usize = 120;

impl PartialEq for Snapshot {
    fn eq(&self, o: &Self) -> bool {
        self.rev == o.rev
    }
}

impl Snapshot {
    /// Take a snapshot (refreshing the engine's layout from the same view,
    /// so the SVG and the canvas agree on where things are).
    pub fn take(e: &mut Engine, rev: u64) -> Snapshot {
        let view = e.view();
        e.relayout(&view);
        Snapshot {
            rev,
            metrics: e.metrics().clone(),
            layout: e.layout.clone(),
            trace_count: e.trace_count,
            now: e.now(),
            horizon: e.horizon.max(e.now()),
            duration: e.duration(),
            playing: e.clock.playing,
            speed: e.clock.speed,
            pace: e.take_pace(),
            scenario: e.scenario.clone(),
            caption: e.caption.clone(),
            seed: e.seed,
            log: e.log.entries.iter().cloned().collect(),
            events: e.events.rows.iter().cloned().collect(),
            in_flight: e.shapes.in_window,
            commands: e.recorded_commands().len(),
            command_times: e.recorded_commands().iter().map(|(t, _)| *t).collect(),
            checkpoints: e.checkpoint_count(),
            series: e.series.points(e.now(), SERIES_POINTS),
            policies: Rc::new(if view.policies.is_empty() {
                Policies::default()
            } else {
                Policies::from_objects(&e.objects())
            }),
            view,
        }
    }
}
