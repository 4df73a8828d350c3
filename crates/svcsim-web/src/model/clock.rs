//! Mapping wall-clock frames to simulated time.
//!
//! DESIGN.md "Time": the displayed time advances by the wall-clock time
//! between frames times the speed factor, and only while playing. The core
//! never waits on the wall clock; the UI just asks it to catch up.

use svcsim_core::decimal::Fixed;
use svcsim_core::time::SimTime;

/// Slowest and fastest speed the slider offers.
pub const MIN_SPEED: f64 = 0.01;
pub const MAX_SPEED: f64 = 100.0;
/// The speed the page opens at: slow enough that a request's hops (tens of
/// microseconds to a few milliseconds each) are visible as moving dots.
pub const DEFAULT_SPEED: f64 = 0.02;

/// A frame gap longer than this (a background tab, a debugger pause) counts
/// as this much, so coming back does not fast-forward minutes at once.
const MAX_FRAME_GAP_MS: f64 = 100.0;

/// The displayed time and how it moves.
#[derive(Clone, Debug)]
pub struct Clock {
    pub playing: bool,
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    last_wall_ms: Option<f64>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            playing: true,
            speed: DEFAULT_SPEED,
            last_wall_ms: None,
        }
    }
}

impl Clock {
    /// The simulated time to display at wall time `wall_ms`, given the time
    /// displayed now. Paused, it stays put (but the frame is still noted, so
    /// resuming does not jump).
    pub fn advance(&mut self, wall_ms: f64, display: SimTime) -> SimTime {
        let gap = match self.last_wall_ms {
            Some(prev) => (wall_ms - prev).clamp(0.0, MAX_FRAME_GAP_MS),
            None => 0.0,
        };
        self.last_wall_ms = Some(wall_ms);
        if !self.playing {
            return display;
        }
        // ms of wall time × speed = ms of sim time; × 1e6 = ns.
        let ns = (gap * self.speed * 1e6).round();
        SimTime(display.0.saturating_add(ns as u64))
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.speed = if speed.is_finite() {
            speed.clamp(MIN_SPEED, MAX_SPEED)
        } else {
            DEFAULT_SPEED
        };
    }
}

/// The speed slider is logarithmic: position 0..=400 covers 0.01× to 100×,
/// a factor of ten per 100 steps.
pub fn slider_to_speed(pos: f64) -> f64 {
    let p = pos.clamp(0.0, 400.0);
    MIN_SPEED * 10f64.powf(p / 100.0)
}

pub fn speed_to_slider(speed: f64) -> f64 {
    let s = speed.clamp(MIN_SPEED, MAX_SPEED);
    ((s / MIN_SPEED).log10() * 100.0).round()
}

/// "0.02×", "1×", "25×".
pub fn speed_label(speed: f64) -> String {
    if speed >= 10.0 {
        format!("{}×", Fixed(speed, 0))
    } else if speed >= 1.0 {
        format!("{}×", Fixed(speed, 1))
    } else if speed >= 0.1 {
        format!("{}×", Fixed(speed, 2))
    } else {
        format!("{}×", Fixed(speed, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_by_wall_time_times_speed() {
        let mut c = Clock::default();
        c.set_speed(0.5);
        let t = c.advance(1000.0, SimTime::ZERO);
        assert_eq!(t, SimTime::ZERO, "the first frame only starts the clock");
        let t = c.advance(1016.0, t);
        assert_eq!(t, SimTime(8_000_000), "16 ms at 0.5× is 8 ms");
    }

    #[test]
    fn pause_stops_time_and_long_gaps_are_capped() {
        let mut c = Clock::default();
        c.set_speed(1.0);
        c.advance(0.0, SimTime::ZERO);
        c.playing = false;
        assert_eq!(c.advance(50.0, SimTime(7)), SimTime(7));
        c.playing = true;
        // 10 s in a background tab counts as 100 ms.
        assert_eq!(c.advance(10_050.0, SimTime(7)), SimTime(7 + 100_000_000));
    }

    #[test]
    fn slider_is_logarithmic_and_round_trips() {
        assert!((slider_to_speed(0.0) - 0.01).abs() < 1e-12);
        assert!((slider_to_speed(200.0) - 1.0).abs() < 1e-9);
        assert!((slider_to_speed(400.0) - 100.0).abs() < 1e-6);
        for s in [0.01, 0.02, 0.5, 1.0, 10.0, 100.0] {
            let back = slider_to_speed(speed_to_slider(s));
            assert!((back / s - 1.0).abs() < 0.03, "{s} -> {back}");
        }
        let mut c = Clock::default();
        c.set_speed(f64::NAN);
        assert_eq!(c.speed, DEFAULT_SPEED);
        c.set_speed(1e9);
        assert_eq!(c.speed, MAX_SPEED);
    }
}
