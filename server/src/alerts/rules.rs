//! The safety rules, per runner, as pure functions of what the server saw and when:
//! the thresholds (the event file's `[safety]` table), and each runner's [`Watch`],
//! which says which alerts a new fix or the passing of time raises.
//!
//! Each rule is armed until it fires, and armed again only once its condition has
//! cleared (a fix after the silence, movement after the stillness, the battery
//! charged again): an organiser who resolved an alert is not sent the same one again
//! on the next sweep while nothing has changed.

use serde::Deserialize;
use spectate_app::protocol::LatLng;
use tokio::time::{Duration, Instant};

use super::Kind;

/// A runner who moved less than this is standing still (GPS jitter while standing
/// is typically 5 to 20 m).
pub const STILL_RADIUS_M: f64 = 50.0;

/// A low-battery alert is armed again once the battery is this many points above
/// the threshold (a level that wavers around it raises one alert, not many).
const BATTERY_HYSTERESIS_PCT: f64 = 5.0;

/// The event file's `[safety]` table; every rule is on by default, 0 turns one off.
#[derive(Clone, Copy, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// No fix for this many minutes from a runner who is running.
    pub no_signal_minutes: u32,
    /// No movement for this many minutes while running and away from a checkpoint.
    pub no_movement_minutes: u32,
    /// Battery under this percentage.
    pub battery_percent: f64,
    /// Within this many metres of a checkpoint, standing still is expected.
    pub checkpoint_radius_m: f64,
    /// Off the course (the board's `off_course`: the latest fix farther than
    /// `race::OFF_COURSE_M` from the line) for this many minutes.
    pub off_course_minutes: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            no_signal_minutes: 10,
            no_movement_minutes: 10,
            battery_percent: 15.0,
            checkpoint_radius_m: 100.0,
            off_course_minutes: 10,
        }
    }
}

impl Thresholds {
    fn no_signal(&self) -> Option<Duration> {
        (self.no_signal_minutes > 0).then(|| minutes(self.no_signal_minutes))
    }

    fn no_movement(&self) -> Option<Duration> {
        (self.no_movement_minutes > 0).then(|| minutes(self.no_movement_minutes))
    }

    fn off_course(&self) -> Option<Duration> {
        (self.off_course_minutes > 0).then(|| minutes(self.off_course_minutes))
    }
}

fn minutes(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 60)
}

/// What the server knows of one runner's tracker.
#[derive(Clone, Debug)]
pub struct Watch {
    /// The latest position.
    pub position: LatLng,
    /// When the latest fix arrived.
    last_fix: Instant,
    /// Where the runner last moved, and when.
    anchor: (LatLng, Instant),
    /// Since when every fix has been off the course, if the latest is.
    off_course_since: Option<Instant>,
    /// The rules that may fire.
    armed_no_signal: bool,
    armed_no_movement: bool,
    armed_battery: bool,
    armed_off_course: bool,
}

impl Watch {
    /// A runner's first fix.
    pub fn new(position: LatLng, now: Instant) -> Self {
        Self {
            position,
            last_fix: now,
            anchor: (position, now),
            off_course_since: None,
            armed_no_signal: true,
            armed_no_movement: true,
            armed_battery: true,
            armed_off_course: true,
        }
    }

    /// A new fix (`off_course`: whether the race found it far from the course line):
    /// the alerts it raises (low battery), re-arming what it clears. A level the app
    /// does not know (Traccar's -1) never gets here: the intake's check drops a
    /// battery outside 0..=100.
    pub fn fix(
        &mut self,
        position: LatLng,
        battery_pct: Option<f64>,
        off_course: bool,
        now: Instant,
        limits: &Thresholds,
    ) -> Vec<Kind> {
        self.position = position;
        self.last_fix = now;
        self.armed_no_signal = true;
        if off_course {
            self.off_course_since.get_or_insert(now);
        } else {
            self.off_course_since = None;
            self.armed_off_course = true;
        }
        if position.distance_m(&self.anchor.0) > STILL_RADIUS_M {
            self.anchor = (position, now);
            self.armed_no_movement = true;
        }
        let mut raised = Vec::new();
        if let Some(level) = battery_pct.filter(|_| limits.battery_percent > 0.0) {
            if level < limits.battery_percent && self.armed_battery {
                self.armed_battery = false;
                raised.push(Kind::LowBattery);
            } else if level >= limits.battery_percent + BATTERY_HYSTERESIS_PCT {
                self.armed_battery = true;
            }
        }
        raised
    }

    /// The alerts the passing of time raises by `now`, for a runner who is running
    /// (`near_checkpoint`: whether the latest position is within the radius of one).
    pub fn sweep(&mut self, now: Instant, near_checkpoint: bool, limits: &Thresholds) -> Vec<Kind> {
        let mut raised = Vec::new();
        if let Some(after) = limits.no_signal()
            && self.armed_no_signal
            && now.saturating_duration_since(self.last_fix) >= after
        {
            self.armed_no_signal = false;
            raised.push(Kind::NoSignal);
        }
        if let Some(after) = limits.no_movement()
            && self.armed_no_movement
            && !near_checkpoint
            && now.saturating_duration_since(self.anchor.1) >= after
        {
            self.armed_no_movement = false;
            raised.push(Kind::NoMovement);
        }
        // Counted from the first fix off the course, while every fix since is off it;
        // a runner who then goes silent is still off course as far as anyone knows
        // (their silence is the no-signal rule's).
        if let Some(after) = limits.off_course()
            && self.armed_off_course
            && self
                .off_course_since
                .is_some_and(|since| now.saturating_duration_since(since) >= after)
        {
            self.armed_off_course = false;
            raised.push(Kind::OffCourse);
        }
        raised
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64) -> LatLng {
        LatLng::parse(lat, 0.0).unwrap()
    }

    #[test]
    fn each_rule_fires_once_until_its_condition_clears() {
        let limits = Thresholds::default();
        let t0 = Instant::now();
        let mut watch = Watch::new(at(0.0), t0);
        let min = |n: u64| t0 + Duration::from_secs(n * 60);
        assert!(watch.sweep(min(9), false, &limits).is_empty());
        assert_eq!(
            watch.sweep(min(10), false, &limits),
            [Kind::NoSignal, Kind::NoMovement]
        );
        assert!(watch.sweep(min(20), false, &limits).is_empty(), "once");
        // A fix in the same place: signal is back, stillness goes on.
        assert!(
            watch
                .fix(at(0.0001), None, false, min(21), &limits)
                .is_empty()
        );
        assert_eq!(watch.sweep(min(31), false, &limits), [Kind::NoSignal]);
        // Moving (0.001 degrees is 111 m) re-arms the stillness rule; standing still
        // by a checkpoint is no alert (the silence is).
        watch.fix(at(0.001), None, false, min(32), &limits);
        assert_eq!(watch.sweep(min(42), true, &limits), [Kind::NoSignal]);
        assert!(
            watch
                .fix(at(0.001), Some(50.0), false, min(42), &limits)
                .is_empty()
        );
        assert_eq!(
            watch.fix(at(0.001), Some(14.0), false, min(43), &limits),
            [Kind::LowBattery]
        );
        assert!(
            watch
                .fix(at(0.001), Some(16.0), false, min(44), &limits)
                .is_empty()
        );
        assert!(
            watch
                .fix(at(0.001), Some(12.0), false, min(45), &limits)
                .is_empty(),
            "not re-armed at 16"
        );
        watch.fix(at(0.001), Some(20.0), false, min(46), &limits);
        assert_eq!(
            watch.fix(at(0.001), Some(10.0), false, min(47), &limits),
            [Kind::LowBattery]
        );
    }

    #[test]
    fn the_event_file_sets_the_thresholds_and_its_mistakes_have_a_line() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/e.toml");
        let head = "name = \"R\"\nstart = \"2026-11-29T09:00:00+01:00\"\ntimezone = \"UTC\"\ncourse = \"garmin-activity.gpx\"\n[[runners]]\nbib = 1\nname = \"A\"\n";
        let event = crate::event::Event::parse(head, &path).unwrap();
        assert_eq!(event.safety, Thresholds::default());
        let text = format!("{head}[safety]\nno_signal_minutes = 5\nbattery_percent = 20\n");
        let event = crate::event::Event::parse(&text, &path).unwrap();
        assert_eq!(
            event.safety,
            Thresholds {
                no_signal_minutes: 5,
                battery_percent: 20.0,
                ..Thresholds::default()
            }
        );
        let text = format!("{head}[safety]\nno_signal = 5\n");
        let err = crate::event::Event::parse(&text, &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no_signal") && err.contains(":9"), "{err}");
    }
}
