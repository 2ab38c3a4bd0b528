//! The race-day monitor's data (`GET /admin/runners.json`): for every runner of the
//! event, their status on the board, how old their last fix is, which way it came
//! in, the battery and accuracy it reported, and how many fixes arrived in the last
//! ten minutes.
//!
//! Each runner's [`Tracker`] is kept by [`super::Alerts`] from the same feed as the
//! safety rules: every fix the intake stored.

use axum::{Json, extract::State};
use spectate_app::protocol::console::RunnerRow;

use super::{AlertError, Alerts};
use crate::{console::guard::ApiOrganiser, hub::now_ms, state::AppState};

/// Minutes of fixes counted ([`Tracker::recent_fixes`]).
const RECENT_MINUTES: u64 = 10;

/// One stored fix, as the monitor and the rules see it.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    /// Where.
    pub position: spectate_app::protocol::LatLng,
    /// Battery, percent, if the app said.
    pub battery_pct: Option<f64>,
    /// Accuracy radius, metres, if the app said.
    pub accuracy_m: Option<f64>,
    /// The door it came through (`owntracks`, `osmand`, `websocket`, `batch`, ...).
    pub source: &'static str,
    /// When the server received it, ms since the Unix epoch.
    pub received_ms: u64,
}

impl From<&crate::store::StoredFix> for Reading {
    fn from(fix: &crate::store::StoredFix) -> Self {
        Self {
            position: fix.position,
            battery_pct: fix.battery_pct,
            accuracy_m: fix.accuracy_m,
            source: fix.source,
            received_ms: fix.received_ms,
        }
    }
}

/// What the monitor knows of one runner's tracker. Fixes are counted per minute in
/// ten buckets, so the memory is the same for a phone that sends every second.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    latest: Option<Reading>,
    /// `(minute since the epoch, fixes received in it)`, by minute modulo 10.
    per_minute: [(u64, u32); RECENT_MINUTES as usize],
}

impl Tracker {
    /// Counts a stored fix; `newest`: it is the runner's newest (its battery,
    /// accuracy and door are the current ones).
    pub fn record(&mut self, reading: Reading, newest: bool) {
        let minute = reading.received_ms / 60_000;
        let slot = &mut self.per_minute[(minute % RECENT_MINUTES) as usize];
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += 1;
        if newest || self.latest.is_none() {
            self.latest = Some(reading);
        }
    }

    /// Fixes received in the current minute and the nine before it.
    pub fn recent_fixes(&self, now_ms: u64) -> u32 {
        let now = now_ms / 60_000;
        self.per_minute
            .iter()
            .filter(|(minute, _)| *minute <= now && now - minute < RECENT_MINUTES)
            .map(|(_, n)| n)
            .sum()
    }
}

impl Alerts {
    /// The monitor's rows, in the board's order; empty without an event.
    pub fn monitor(&self, now_ms: u64) -> Vec<RunnerRow> {
        let Some(race) = self.race() else {
            return Vec::new();
        };
        let board = race.leaderboard(now_ms);
        let inner = self.lock();
        board
            .standings
            .into_iter()
            .map(|standing| {
                let tracker = inner.trackers.get(&standing.bib);
                let latest = tracker.and_then(|t| t.latest);
                RunnerRow {
                    name: standing.name,
                    status: standing.status,
                    last_fix_age_s: latest.map(|r| now_ms.saturating_sub(r.received_ms) / 1000),
                    way_in: latest.map(|r| r.source.to_owned()),
                    battery_pct: latest.and_then(|r| r.battery_pct),
                    accuracy_m: latest.and_then(|r| r.accuracy_m),
                    fixes_10_min: tracker.map_or(0, |t| t.recent_fixes(now_ms)),
                    bib: standing.bib,
                }
            })
            .collect()
    }
}

/// `GET /admin/runners.json`.
pub async fn runners(
    _: ApiOrganiser,
    State(state): State<AppState>,
) -> Result<Json<Vec<RunnerRow>>, AlertError> {
    Ok(Json(state.alerts.monitor(now_ms())))
}

#[cfg(test)]
mod tests {
    use spectate_app::protocol::RunnerId;

    use super::*;

    #[test]
    fn fixes_are_counted_over_the_last_ten_minutes() {
        let reading = |received_ms| Reading {
            position: spectate_app::protocol::LatLng::parse(0.0, 0.0).unwrap(),
            battery_pct: None,
            accuracy_m: None,
            source: "osmand",
            received_ms,
        };
        let minute = 60_000;
        let t0 = 1_000 * minute;
        let mut tracker = Tracker::default();
        for t in [t0, t0 + 1, t0 + 5 * minute, t0 + 9 * minute] {
            tracker.record(reading(t), true);
        }
        assert_eq!(tracker.recent_fixes(t0 + 9 * minute), 4);
        assert_eq!(
            tracker.recent_fixes(t0 + 10 * minute),
            2,
            "minute t0 is out"
        );
        // A bucket reused ten minutes on starts again.
        tracker.record(reading(t0 + 10 * minute), true);
        assert_eq!(tracker.recent_fixes(t0 + 10 * minute), 3);
        assert_eq!(tracker.recent_fixes(t0 + 30 * minute), 0);
    }

    #[tokio::test]
    async fn only_the_events_runners_are_watched() {
        let dir = std::env::temp_dir().join(format!("spectate-monitor-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let event = std::sync::Arc::new(crate::event::Event::demo());
        let race = std::sync::Arc::new(crate::race::Race::new(event));
        let hub = std::sync::Arc::new(
            crate::hub::Hub::new(Default::default(), crate::auth::Access::open_for_tests())
                .with_race(race),
        );
        let alerts = Alerts::new(hub, crate::store::Store::open(&dir).unwrap());
        let reading = Reading {
            position: spectate_app::protocol::LatLng::parse(0.0, 0.0).unwrap(),
            battery_pct: Some(5.0),
            accuracy_m: None,
            source: "websocket",
            received_ms: now_ms(),
        };
        for id in ["1", "made-up-1", "made-up-2"] {
            alerts
                .observe(&RunnerId::parse(id).unwrap(), reading, true)
                .await;
        }
        {
            let inner = alerts.lock();
            assert_eq!((inner.trackers.len(), inner.watches.len()), (1, 1));
        }
        assert_eq!(
            alerts.list().await.unwrap().len(),
            1,
            "runner 1's low battery"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
