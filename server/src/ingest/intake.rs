//! The intake: the one way in for a runner's fix, whichever door it came through.
//!
//! First the rules that need no history ([`Intake::check`], see [`super::check`]):
//! every reading finite, the time not in the far future. Then, for one request's fixes at once
//! ([`Intake::take`]), the rules that need each runner's latest fix (duplicate,
//! impossible jump), one transaction for every fix that is kept, and only after the
//! commit the publication of each runner's newest. So a fix a follower sees is on disk,
//! and a fix a sender was told to send again was neither stored nor seen.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use spectate_app::protocol::{FixOutcome, LatLng, Publication, RunnerId};

use super::{
    DeviceFix,
    check::{CheckedFix, Refusal, check_at},
};
use crate::{
    hub::{Hub, now_ms},
    store::{Store, StoredFix},
};

/// The ingestion rules, each runner's latest accepted fix, and the store.
#[derive(Debug)]
pub struct Intake {
    hub: Arc<Hub>,
    store: Store,
    latest: Mutex<HashMap<RunnerId, (u64, LatLng)>>,
    /// Fastest believable speed between two fixes, metres per second.
    max_speed_mps: f64,
    /// Told every runner's newest fix, once stored and published.
    alerts: Option<Arc<crate::alerts::Alerts>>,
}

impl Intake {
    /// Rules over `hub` and `store`, with `max_speed_mps` as the jump limit.
    pub fn new(hub: Arc<Hub>, store: Store, max_speed_mps: f64) -> Self {
        Self {
            hub,
            store,
            latest: Mutex::default(),
            max_speed_mps,
            alerts: None,
        }
    }

    /// The same rules, telling `alerts` every runner's newest fix.
    pub fn with_alerts(mut self, alerts: Arc<crate::alerts::Alerts>) -> Self {
        self.alerts = Some(alerts);
        self
    }

    /// An SOS from `runner` at `position`, whichever door it came through (Traccar
    /// Client's `alarm=sos`, the runner page's button): the one way into
    /// [`crate::alerts::Alerts::sos`]. Returns once its alert is stored.
    pub async fn sos(
        &self,
        runner: &RunnerId,
        position: LatLng,
    ) -> Result<(), crate::alerts::AlertError> {
        match &self.alerts {
            Some(alerts) => {
                alerts.sos(runner, position).await?;
                // A page that connects from now on must not be told of the last one.
                self.hub.access.revocations.forget_told(runner);
                Ok(())
            }
            // Only an intake built without alerts (a tool) has none to raise.
            None => Ok(()),
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

    /// The rules that need no history; a refusal is counted.
    pub fn check(&self, fix: &DeviceFix) -> Result<CheckedFix, Refusal> {
        check_at(fix, now_ms()).inspect_err(|refusal| self.count(refusal.label()))
    }

    /// One fix of `runner`, arrived through `source`: [`Self::check`], then
    /// [`Self::take`].
    pub async fn accept(
        &self,
        runner: &RunnerId,
        fix: &DeviceFix,
        source: &'static str,
    ) -> Result<FixOutcome, Refusal> {
        let fix = self.check(fix)?;
        let mut outcomes = self.take(&[(runner.clone(), fix)], source).await?;
        outcomes
            .pop()
            .ok_or_else(|| Refusal::NotStored("no outcome for the fix".into()))
    }

    /// One request's checked fixes, arrived through `source`: the rules that need
    /// each runner's latest fix, then every fix that is kept is stored, all in one
    /// transaction, then each fix that is its runner's newest is published, oldest
    /// first (so each runner's newest ends up live). Returns the fixes' outcomes in the
    /// order given. If the store fails, none is stored and none is published.
    pub async fn take(
        &self,
        fixes: &[(RunnerId, CheckedFix)],
        source: &'static str,
    ) -> Result<Vec<FixOutcome>, Refusal> {
        // In a cluster whose Redis is unreachable, refuse before storing: the sender
        // keeps the fixes and sends them again, and they are then both stored and
        // delivered.
        self.hub.ready_to_publish()?;
        let mut order: Vec<usize> = (0..fixes.len()).collect();
        order.sort_by_key(|&i| fixes[i].1.taken_ms);
        let dropped = self.judge(fixes, &order);
        let kept: Vec<usize> = order
            .into_iter()
            .filter(|&i| dropped[i].is_none())
            .collect();
        if !kept.is_empty() {
            let stored = kept.iter().map(|&i| stored(&fixes[i], source)).collect();
            self.store.append_all(stored).await.map_err(|err| {
                self.count("store_failed");
                Refusal::NotStored(err.to_string())
            })?;
        }
        let newest = self.newest(fixes, &kept);
        let mut outcomes: Vec<FixOutcome> = dropped
            .into_iter()
            .map(|d| d.unwrap_or(FixOutcome::Late))
            .collect();
        for &i in &newest {
            let (runner, fix) = &fixes[i];
            let publication = Publication::Fix {
                runner: runner.clone(),
                position: fix.fix.position,
            };
            self.hub
                .publish_confirmed(publication, Some(fix.taken_ms))
                .await?;
            outcomes[i] = FixOutcome::Published;
        }
        if let Some(alerts) = &self.alerts {
            let newest: std::collections::HashSet<usize> = newest.into_iter().collect();
            for &i in &kept {
                let (runner, fix) = &fixes[i];
                let reading = crate::alerts::monitor::Reading {
                    position: fix.fix.position,
                    battery_pct: fix.fix.battery_pct,
                    accuracy_m: fix.fix.accuracy_m,
                    source,
                    received_ms: fix.received_ms,
                };
                alerts.observe(runner, reading, newest.contains(&i)).await;
            }
        }
        for outcome in &outcomes {
            self.count(outcome.as_str());
        }
        Ok(outcomes)
    }

    /// The fixes (taken in `order`) that the rules drop, and why; `None` for a fix
    /// that is kept. A request's earlier fixes count as their runner's latest too.
    fn judge(&self, fixes: &[(RunnerId, CheckedFix)], order: &[usize]) -> Vec<Option<FixOutcome>> {
        let latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let mut earlier: HashMap<&RunnerId, (u64, LatLng)> = HashMap::new();
        let mut dropped = vec![None; fixes.len()];
        for &i in order {
            let (runner, fix) = &fixes[i];
            let last = earlier.get(runner).or_else(|| latest.get(runner)).copied();
            match self.rule(last, fix) {
                Some(outcome) => dropped[i] = Some(outcome),
                None if last.is_none_or(|(t, _)| fix.taken_ms >= t) => {
                    earlier.insert(runner, (fix.taken_ms, fix.fix.position));
                }
                None => {}
            }
        }
        dropped
    }

    /// Whether `fix` is dropped, given its runner's latest fix `last`.
    fn rule(&self, last: Option<(u64, LatLng)>, fix: &CheckedFix) -> Option<FixOutcome> {
        let (t, p) = last?;
        let position = fix.fix.position;
        if t == fix.taken_ms && p == position {
            return Some(FixOutcome::Duplicate);
        }
        // Only a device's own times say how fast it moved: times of arrival bunch up
        // when a phone that was offline sends what it kept (the seed protocol has no
        // device time), and a replay plays a race faster than it was run.
        let too_fast = fix.device_time
            && fix.taken_ms > t
            && p.distance_m(&position) / ((fix.taken_ms - t) as f64 / 1000.0) > self.max_speed_mps;
        too_fast.then_some(FixOutcome::ImpossibleJump)
    }

    /// Of the stored fixes `kept` (oldest first), those that are now their runner's
    /// newest. Decided after the commit: another request's fix of the same runner may
    /// have landed meanwhile, and only the newest may be the live position. A fix
    /// taken at the same time as the latest, elsewhere, replaces it: the later word
    /// wins.
    fn newest(&self, fixes: &[(RunnerId, CheckedFix)], kept: &[usize]) -> Vec<usize> {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .copied()
            .filter(|&i| {
                let (runner, fix) = &fixes[i];
                match latest.get(runner) {
                    Some(&(t, _)) if fix.taken_ms < t => false,
                    _ => {
                        latest.insert(runner.clone(), (fix.taken_ms, fix.fix.position));
                        true
                    }
                }
            })
            .collect()
    }

    fn count(&self, outcome: &str) {
        self.hub.stats.ingested.with_label_values(&[outcome]).inc();
    }
}

/// What the store keeps of `fix`.
fn stored((runner, fix): &(RunnerId, CheckedFix), source: &'static str) -> StoredFix {
    StoredFix {
        runner: runner.clone(),
        position: fix.fix.position,
        taken_ms: fix.taken_ms,
        received_ms: fix.received_ms,
        speed_mps: fix.fix.speed_mps,
        accuracy_m: fix.fix.accuracy_m,
        altitude_m: fix.fix.altitude_m,
        battery_pct: fix.fix.battery_pct,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::Access, config::Limits};

    fn fix(lat: f64, taken_ms: u64) -> DeviceFix {
        DeviceFix::at(LatLng::parse(lat, 0.0).unwrap(), Some(taken_ms))
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
        assert_eq!(accept(fix(0.0, t)).await.unwrap(), FixOutcome::Published);
        assert_eq!(accept(fix(0.0, t)).await.unwrap(), FixOutcome::Duplicate);
        assert_eq!(accept(fix(0.0, t - 1000)).await.unwrap(), FixOutcome::Late);
        // 0.001 degrees of latitude is 111 m: in 10 s that is 11 m/s, believable...
        assert_eq!(
            accept(fix(0.001, t + 10_000)).await.unwrap(),
            FixOutcome::Published
        );
        // ...but 1.1 km in 10 s is not.
        assert_eq!(
            accept(fix(0.011, t + 20_000)).await.unwrap(),
            FixOutcome::ImpossibleJump
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

    #[tokio::test]
    async fn a_batch_is_judged_in_time_order_and_stored_whole() {
        let hub = Arc::new(Hub::new(Limits::default(), Access::open_for_tests()));
        let dir =
            std::env::temp_dir().join(format!("spectate-intake-batch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).unwrap();
        let intake = Intake::new(hub, store.clone(), 12.0);
        let r = RunnerId::parse("6").unwrap();
        let t = now_ms() - 60_000;
        // Given newest first: the 10 s old fix is judged after the 20 s old one, the
        // jump against the fix before it in time, the repeat as a duplicate.
        let batch = [
            fix(0.001, t + 10_000),
            fix(0.0, t),
            fix(0.5, t + 20_000),
            fix(0.0, t),
        ];
        let checked: Vec<_> = batch
            .into_iter()
            .map(|f| (r.clone(), intake.check(&f).unwrap()))
            .collect();
        let outcomes = intake.take(&checked, "batch").await.unwrap();
        assert_eq!(
            outcomes,
            [
                FixOutcome::Published,
                FixOutcome::Published,
                FixOutcome::ImpossibleJump,
                FixOutcome::Duplicate
            ]
        );
        assert_eq!(store.track(r).await.unwrap().len(), 2);
    }
}
