//! Ingestion: fixes from the tracker apps runners already carry, over plain HTTP.
//!
//! - [`owntracks`]: OwnTracks in HTTP mode (`POST /api/owntracks`).
//! - [`osmand`]: the OsmAnd protocol as Traccar Client and OsmAnd send it
//!   (`/api/osmand`, query or form parameters, or Traccar Client 9's JSON).
//! - [`batch`]: a JSON array of fixes (`POST /api/fixes`, bearer token).
//! - [`error`]: what a tracker is told when its request is refused.
//!
//! Both parse their format into one [`DeviceFix`] (units normalised: metres per
//! second, milliseconds since the epoch), and [`Intake::accept`] applies the same rules
//! to every fix, whichever app sent it: not from the far future; an exact duplicate is
//! dropped; a jump faster than the event's speed limit is dropped; a fix older than
//! the runner's latest is stored (it belongs to the track) but never replaces the live
//! position. A fix is acknowledged only once the [`Store`] has committed it. Each
//! outcome is counted in `/metrics` (`spectate_ingest_total{outcome}`).

pub mod batch;
pub mod error;
pub mod osmand;
pub mod owntracks;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use spectate_app::protocol::{LatLng, Publication, RunnerId};

use crate::{
    hub::{Hub, now_ms},
    store::{Store, StoredFix},
};

/// A fix as a tracker reported it, in our units.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceFix {
    /// Where.
    pub position: LatLng,
    /// When the device took it, ms since the Unix epoch (the server's time if the
    /// device gave none).
    pub taken_ms: u64,
    /// Speed over ground, metres per second.
    pub speed_mps: Option<f64>,
    /// Accuracy radius, metres.
    pub accuracy_m: Option<f64>,
    /// Altitude, metres.
    pub altitude_m: Option<f64>,
    /// Battery, percent.
    pub battery_pct: Option<f64>,
}

/// What became of a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Published to the runner's followers.
    Published,
    /// The same fix (time and place) was already taken.
    Duplicate,
    /// Older than the runner's latest fix: stored, but kept out of the live position.
    Late,
    /// Would need a speed above the limit from the latest fix.
    ImpossibleJump,
}

impl Outcome {
    /// The label used in metrics and the `X-Spectate-Outcome` header.
    pub fn label(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Duplicate => "duplicate",
            Self::Late => "late",
            Self::ImpossibleJump => "impossible_jump",
        }
    }
}

/// How far ahead of the server's clock a device's time may be.
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

/// The ingestion rules, each runner's latest accepted fix, and the store.
#[derive(Debug)]
pub struct Intake {
    hub: Arc<Hub>,
    store: Store,
    latest: Mutex<HashMap<RunnerId, (u64, LatLng)>>,
    /// Fastest believable speed between two fixes, metres per second.
    max_speed_mps: f64,
}

/// What the rules make of a fix before it is stored.
enum Verdict {
    Drop(Outcome),
    Keep,
}

impl Intake {
    /// Rules over `hub` and `store`, with `max_speed_mps` as the jump limit.
    pub fn new(hub: Arc<Hub>, store: Store, max_speed_mps: f64) -> Self {
        Self {
            hub,
            store,
            latest: Mutex::default(),
            max_speed_mps,
        }
    }

    /// Remembers `runner`'s latest fix (a restart restoring from the store).
    pub fn remember(&self, runner: &RunnerId, taken_ms: u64, position: LatLng) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let entry = latest.entry(runner.clone()).or_insert((taken_ms, position));
        if taken_ms >= entry.0 {
            *entry = (taken_ms, position);
        }
    }

    /// When `runner`'s latest fix was taken, if any is known.
    pub fn latest_ms(&self, runner: &RunnerId) -> Option<u64> {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.get(runner).map(|&(t, _)| t)
    }

    /// Forgets `runner`'s latest fix, so the next is judged on its own: a new edition
    /// of the demo race starts its runners back at the start line, a jump the rules
    /// would otherwise refuse.
    pub fn forget(&self, runner: &RunnerId) {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        latest.remove(runner);
    }

    fn judge(&self, runner: &RunnerId, fix: &DeviceFix) -> Verdict {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        match latest.get(runner) {
            Some(&(t, p)) if t == fix.taken_ms && p == fix.position => {
                Verdict::Drop(Outcome::Duplicate)
            }
            Some(&(t, p))
                if fix.taken_ms > t
                    && p.distance_m(&fix.position) / ((fix.taken_ms - t) as f64 / 1000.0)
                        > self.max_speed_mps =>
            {
                Verdict::Drop(Outcome::ImpossibleJump)
            }
            _ => Verdict::Keep,
        }
    }

    /// Applies the rules to `fix` of `runner` (arrived through `source`), stores it,
    /// and publishes it if it is the runner's newest.
    pub async fn accept(
        &self,
        runner: &RunnerId,
        fix: &DeviceFix,
        source: &'static str,
    ) -> Result<Outcome, error::IngestError> {
        let now = now_ms();
        if fix.taken_ms > now + MAX_CLOCK_AHEAD_MS {
            self.count("far_future");
            return Err(error::IngestError::BadInput(format!(
                "the fix is timestamped {} s in the future; check the device's clock",
                (fix.taken_ms - now) / 1000
            )));
        }
        // In a cluster whose Redis is unreachable, refuse before storing: the
        // tracker keeps the fix and sends it again, and it is then both stored and
        // delivered.
        self.hub.ready_to_publish()?;
        if let Verdict::Drop(outcome) = self.judge(runner, fix) {
            self.count(outcome.label());
            return Ok(outcome);
        }
        let stored = StoredFix {
            runner: runner.clone(),
            position: fix.position,
            taken_ms: fix.taken_ms,
            received_ms: now,
            speed_mps: fix.speed_mps,
            accuracy_m: fix.accuracy_m,
            altitude_m: fix.altitude_m,
            battery_pct: fix.battery_pct,
            source,
        };
        self.store.append(stored).await.map_err(|e| {
            self.count("store_failed");
            error::IngestError::Unavailable(format!(
                "the fix could not be stored ({e}); send it again"
            ))
        })?;
        // Decided after the commit: another fix of the same runner may have landed
        // meanwhile, and only the newest may be the live position.
        let newest = {
            let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
            match latest.get(runner) {
                Some(&(t, _)) if fix.taken_ms <= t => false,
                _ => {
                    latest.insert(runner.clone(), (fix.taken_ms, fix.position));
                    true
                }
            }
        };
        let outcome = if newest {
            let publication = Publication::Fix {
                runner: runner.clone(),
                position: fix.position,
            };
            self.hub
                .publish_confirmed(publication, Some(fix.taken_ms))
                .await?;
            Outcome::Published
        } else {
            Outcome::Late
        };
        self.count(outcome.label());
        Ok(outcome)
    }

    /// Publishes a fix that came over the WebSocket and stores it, without the
    /// tracker rules: socket clients (the runner page, tools) send each fix once and
    /// in order, and are told of a refusal on the spot. Spectators get the fix at once;
    /// the call returns (and the client gets its ack) once the fix is committed. If the
    /// commit fails the client sends the fix again, and followers may see it twice:
    /// better than making every follower wait for the disk.
    pub async fn record(
        &self,
        runner: &RunnerId,
        position: LatLng,
        taken_ms: u64,
        source: &'static str,
    ) -> Result<(), error::IngestError> {
        self.hub.ready_to_publish()?;
        self.remember(runner, taken_ms, position);
        let publication = Publication::Fix {
            runner: runner.clone(),
            position,
        };
        self.hub
            .publish_confirmed(publication, Some(taken_ms))
            .await?;
        let stored = StoredFix {
            runner: runner.clone(),
            position,
            taken_ms,
            received_ms: now_ms(),
            speed_mps: None,
            accuracy_m: None,
            altitude_m: None,
            battery_pct: None,
            source,
        };
        self.store.append(stored).await.map_err(|e| {
            self.count("store_failed");
            error::IngestError::Unavailable(format!(
                "the fix could not be stored ({e}); send it again"
            ))
        })
    }

    fn count(&self, outcome: &str) {
        self.hub.stats.ingested.with_label_values(&[outcome]).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::Access, config::Limits};

    fn fix(lat: f64, taken_ms: u64) -> DeviceFix {
        DeviceFix {
            position: LatLng::parse(lat, 0.0).unwrap(),
            taken_ms,
            speed_mps: None,
            accuracy_m: None,
            altitude_m: None,
            battery_pct: None,
        }
    }

    #[tokio::test]
    async fn the_rules_keep_the_latest_position_believable() {
        let hub = Arc::new(Hub::new(Limits::default(), Access::open_for_tests()));
        let dir = std::env::temp_dir().join(format!("spectate-intake-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).unwrap();
        let intake = Intake::new(hub.clone(), store.clone(), 12.0);
        let r = RunnerId::parse("5").unwrap();
        let t = now_ms() - 60_000;
        let accept = |f: DeviceFix| {
            let (intake, r) = (&intake, &r);
            async move { intake.accept(r, &f, "osmand").await }
        };
        assert_eq!(accept(fix(0.0, t)).await.unwrap(), Outcome::Published);
        assert_eq!(accept(fix(0.0, t)).await.unwrap(), Outcome::Duplicate);
        assert_eq!(accept(fix(0.0, t - 1000)).await.unwrap(), Outcome::Late);
        // 0.001 degrees of latitude is 111 m: in 10 s that is 11 m/s, believable...
        assert_eq!(
            accept(fix(0.001, t + 10_000)).await.unwrap(),
            Outcome::Published
        );
        // ...but 1.1 km in 10 s is not.
        assert_eq!(
            accept(fix(0.011, t + 20_000)).await.unwrap(),
            Outcome::ImpossibleJump
        );
        assert!(accept(fix(0.0, now_ms() + 3_600_000)).await.is_err());
        // Stored: the published ones and the late one, in device-time order.
        let track = store.track(r.clone()).await.unwrap();
        let times: Vec<u64> = track.iter().map(|f| f.taken_ms).collect();
        assert_eq!(times, [t - 1000, t, t + 10_000]);
        let latest = hub.topics.latest_fixes();
        assert_eq!(
            latest[0].position.lat(),
            0.001,
            "the latest is the newest believable fix"
        );
        let metrics = hub.stats.render(&hub.topics.counts(), 0, 0);
        assert!(
            metrics.contains("spectate_ingest_total{outcome=\"late\"} 1"),
            "{metrics}"
        );
    }
}
