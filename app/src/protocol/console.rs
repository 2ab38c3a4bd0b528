//! What the organiser's console reads over HTTP (issue 19): the safety alerts
//! (`/admin/alerts` and its live stream), the monitor's rows (`/admin/runners.json`)
//! and a runner's trail (`/admin/runners/{bib}/trail.json`).
//!
//! Defined here once, so the server that writes them and the monitor page that reads
//! them cannot drift apart.

use serde::{Deserialize, Serialize};

use super::{LatLng, RunnerId, race::Status};

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The runner pressed SOS on their tracker or their runner page.
    Sos,
    /// No fix for the event's `no_signal_minutes`.
    NoSignal,
    /// No movement for `no_movement_minutes`, away from every checkpoint.
    NoMovement,
    /// Battery under `battery_percent`.
    LowBattery,
    /// Off the course for `off_course_minutes`.
    OffCourse,
}

impl Kind {
    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sos => "sos",
            Self::NoSignal => "no_signal",
            Self::NoMovement => "no_movement",
            Self::LowBattery => "low_battery",
            Self::OffCourse => "off_course",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Sos,
            Self::NoSignal,
            Self::NoMovement,
            Self::LowBattery,
            Self::OffCourse,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// How an organiser reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sos => "SOS",
            Self::NoSignal => "No signal",
            Self::NoMovement => "No movement",
            Self::LowBattery => "Low battery",
            Self::OffCourse => "Off course",
        }
    }
}

/// An alarm a runner's fix can carry (`alarm` in a v1 `publish`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alarm {
    /// The runner asks for help: raises an [`Kind::Sos`] alert.
    Sos,
}

/// Where an alert is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Raised; no organiser has taken it yet.
    Raised,
    /// An organiser is on it.
    Acknowledged,
    /// Dealt with.
    Resolved,
}

/// Who moved an alert on, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The organiser.
    pub by: String,
    /// When, ms since the Unix epoch.
    pub at_ms: u64,
}

/// One alert, as stored and as sent to organisers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The store's number for it.
    pub id: i64,
    /// Whose.
    pub runner: RunnerId,
    /// What about.
    pub kind: Kind,
    /// The runner's last known position when it was raised.
    pub position: LatLng,
    /// When it was raised, ms since the Unix epoch.
    pub raised_ms: u64,
    /// Where it is now.
    pub stage: Stage,
    /// Who acknowledged it, and when.
    pub acknowledged: Option<Step>,
    /// Who resolved it, and when.
    pub resolved: Option<Step>,
}

/// One row of the race-day monitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunnerRow {
    /// The runner's bib.
    pub bib: RunnerId,
    /// Their name.
    pub name: String,
    /// Their status on the board (`not_started`, `running`, `finished`, `stale` for
    /// no signal, `off_course`).
    pub status: Status,
    /// Seconds since their last fix arrived; `None` before the first.
    pub last_fix_age_s: Option<u64>,
    /// The door of their last fix (`websocket` for the runner page, `owntracks`,
    /// `osmand` for Traccar Client and OsmAnd, `batch`).
    pub way_in: Option<String>,
    /// The battery their app last reported, percent.
    pub battery_pct: Option<f64>,
    /// The accuracy their app last reported, metres.
    pub accuracy_m: Option<f64>,
    /// Fixes received in the last ten minutes (by whole minutes).
    pub fixes_10_min: u32,
}

/// One point of a runner's recent trail.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrailPoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// When the server received it, ms since the Unix epoch.
    pub received_ms: u64,
}

/// A runner's last stored positions, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// Whose.
    pub runner: RunnerId,
    /// At most [`TRAIL_POINTS`] positions, oldest first.
    pub points: Vec<TrailPoint>,
}

/// How many positions a trail holds.
pub const TRAIL_POINTS: usize = 30;
