//! Safety alerts (issue 19): raised by the server, kept in the store, pushed live to
//! signed-in organisers, acknowledged and resolved by them (who and when).
//!
//! - [`rules`]: the thresholds (`[safety]` in the event file) and each runner's
//!   [`rules::Watch`]: no signal, no movement away from a checkpoint, low battery.
//! - [`http`]: `/admin/alerts` (JSON), its live stream (Server-Sent Events) and the
//!   acknowledge / resolve POSTs, all behind the console's sign-in.
//! - [`monitor`]: each runner's tracker health for the race-day monitor
//!   (`/admin/runners.json`), kept from the same feed.
//! - [`trail`]: a runner's last positions for the monitor's map.
//!
//! The ways in: the intake tells [`Alerts::observe`] every fix it stored, and which
//! is each runner's newest (battery and movement are judged on those); an
//! SOS (Traccar Client's `alarm=sos` over the OsmAnd protocol, or the runner page's
//! button: a fix with `alarm: "sos"` on the socket) comes to [`Alerts::sos`] through
//! the intake (`Intake::sos`); and a sweep every [`SWEEP_EVERY`] looks at the passing of time.
//! An alert is stored before it is pushed, and an SOS is answered only once its alert
//! is stored: a phone told 200 has raised an alert that survives a restart.
//!
//! Every change to an alert, raised here or by another node of the cluster, takes
//! one way in, [`Alerts::apply`]: stored, the open ones noted, pushed to the live
//! streams. [`cluster`] numbers alerts across the nodes and carries the changes.

mod changes;
pub mod cluster;
pub mod http;
pub mod monitor;
pub mod rules;
pub mod trail;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use spectate_app::protocol::{LatLng, RunnerId};
use tokio::{
    sync::broadcast,
    task::JoinHandle,
    time::{Duration, Instant},
};

use crate::{
    cluster::Cluster,
    hub::now_ms,
    race::Race,
    store::{Store, StoreError},
};
use rules::{Thresholds, Watch};

/// How often the time-based rules are looked at: a 10-minute rule fires within 15 s
/// of its threshold.
pub const SWEEP_EVERY: Duration = Duration::from_secs(15);

/// Alerts a slow organiser's stream may fall behind by before it is told to reload.
const LIVE_BACKLOG: usize = 256;

// The alert's wire types are the console's protocol, shared with the monitor page.
pub use spectate_app::protocol::console::{Alert, Kind, Stage, Step};

/// Why an alert could not be raised or moved on.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// No alert has this number.
    #[error("no alert {0}")]
    NotFound(i64),
    /// The alert is past that stage already.
    #[error("alert {id} is {stage:?} already")]
    Stage {
        /// The alert.
        id: i64,
        /// Its stage.
        stage: Stage,
    },
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// In a cluster, Redis could not number the alert.
    #[error("{0}")]
    Cluster(#[from] spectate_app::protocol::ProtocolError),
}

/// The rules, every runner's watch and the alerts not yet resolved.
#[derive(Debug)]
pub struct Alerts {
    /// The race is the hub's: an event created in the console is watched from then on.
    hub: Arc<crate::hub::Hub>,
    store: Store,
    /// Held for map updates, never across an await.
    inner: Mutex<Inner>,
    live: broadcast::Sender<Alert>,
    /// The cluster this node is part of, if any: it numbers the alerts and carries
    /// their changes to the other nodes.
    cluster: Option<Arc<Cluster>>,
}

#[derive(Debug, Default)]
struct Inner {
    watches: HashMap<RunnerId, Watch>,
    trackers: HashMap<RunnerId, monitor::Tracker>,
    /// Runner and kind of every alert not resolved: one of each at a time.
    open: HashSet<(RunnerId, Kind)>,
    /// The highest alert number stored here.
    last_id: i64,
}

impl Alerts {
    /// The alerts of the event `hub` races (none but SOS without one), kept in `store`.
    pub fn new(hub: Arc<crate::hub::Hub>, store: Store) -> Self {
        Self {
            hub,
            store,
            inner: Mutex::default(),
            live: broadcast::channel(LIVE_BACKLOG).0,
            cluster: None,
        }
    }

    /// The race watched, if the server tracks an event.
    fn race(&self) -> Option<&Arc<Race>> {
        self.hub.race()
    }

    /// The event's thresholds as they are now: the console can change them while the
    /// race runs ([`crate::roster::settings`]), so they are read from the race each
    /// time (an `Arc` clone; every fix reads them).
    fn thresholds(&self) -> Thresholds {
        self.race()
            .map_or_else(Thresholds::default, |race| race.event().safety)
    }

    /// Where the event's checkpoints are now, for the sweep (not per fix).
    fn checkpoints(&self) -> Vec<LatLng> {
        self.race().map_or_else(Vec::new, |race| {
            let event = race.event();
            event
                .checkpoints
                .iter()
                .map(|c| event.course.position_at(c.distance_m))
                .collect()
        })
    }

    /// The alerts of a node of `cluster`: numbered by it, shared with the other nodes.
    pub fn with_cluster(self, cluster: Option<Arc<Cluster>>) -> Self {
        Self { cluster, ..self }
    }

    /// Reads the stored alerts not yet resolved, so none is raised twice.
    pub async fn restore(&self) -> Result<usize, StoreError> {
        let stored = self.store.alerts().await?;
        let last_id = stored.iter().map(|a| a.id).max().unwrap_or(0);
        let open: Vec<_> = stored
            .into_iter()
            .filter(|a| a.stage != Stage::Resolved)
            .map(|a| (a.runner, a.kind))
            .collect();
        let count = open.len();
        let mut inner = self.lock();
        inner.open.extend(open);
        inner.last_id = inner.last_id.max(last_id);
        Ok(count)
    }

    /// Whether `runner` is in the event's field as it is now: only they are watched,
    /// so that fixes for made-up ids (an `--open` server takes them) cannot grow the
    /// maps.
    fn in_field(&self, runner: &RunnerId) -> bool {
        self.race().is_some_and(|race| race.has_runner(runner))
    }

    /// A stored fix read back at start: counted, and the runner watched from now,
    /// raising nothing (what it showed was raised, or not, before the restart).
    pub fn remember(&self, runner: &RunnerId, reading: monitor::Reading) {
        if !self.in_field(runner) {
            return;
        }
        let mut inner = self.lock();
        inner
            .trackers
            .entry(runner.clone())
            .or_default()
            .record(reading, true);
        let now = Instant::now();
        let off_course = self.off_course(runner);
        let thresholds = self.thresholds();
        let watch = inner
            .watches
            .entry(runner.clone())
            .or_insert_with(|| Watch::new(reading.position, now));
        let _ = watch.fix(
            reading.position,
            reading.battery_pct,
            off_course,
            now,
            &thresholds,
        );
    }

    /// A runner's fix, stored (and published if `newest`: the runner's newest): counted
    /// for the monitor; if newest, judged by the rules, which may raise low battery.
    pub async fn observe(&self, runner: &RunnerId, reading: monitor::Reading, newest: bool) {
        if !self.in_field(runner) {
            return;
        }
        let (position, battery_pct) = (reading.position, reading.battery_pct);
        // The race took this fix before the alerts see it (the intake publishes first).
        let off_course = self.off_course(runner);
        let thresholds = self.thresholds();
        let raised = {
            let mut inner = self.lock();
            inner
                .trackers
                .entry(runner.clone())
                .or_default()
                .record(reading, newest);
            if !newest {
                return;
            }
            let now = Instant::now();
            let watch = inner
                .watches
                .entry(runner.clone())
                .or_insert_with(|| Watch::new(position, now));
            watch.fix(position, battery_pct, off_course, now, &thresholds)
        };
        for kind in raised {
            if let Err(err) = self.raise(runner, kind, position).await {
                tracing::error!(%err, %runner, kind = kind.as_str(), "an alert could not be stored");
            }
        }
    }

    /// An SOS from `runner`'s tracker at `position`; returns once its alert is stored
    /// (or one is already open).
    pub async fn sos(&self, runner: &RunnerId, position: LatLng) -> Result<(), AlertError> {
        self.raise(runner, Kind::Sos, position).await.map(drop)
    }

    /// Looks at the passing of time for every runner who is running.
    pub async fn sweep(&self) {
        let now_wall = now_ms();
        let (started, finished) = match self.race() {
            Some(race) => (race.start_ms() <= now_wall, race.book().finish_times()),
            None => (false, HashMap::new()),
        };
        if !started {
            return;
        }
        let (thresholds, checkpoints) = (self.thresholds(), self.checkpoints());
        let raised: Vec<(RunnerId, Kind, LatLng)> = {
            let mut inner = self.lock();
            let now = Instant::now();
            let radius = thresholds.checkpoint_radius_m;
            inner
                .watches
                .iter_mut()
                .filter(|(runner, _)| !finished.contains_key(*runner))
                .flat_map(|(runner, watch)| {
                    let near = checkpoints
                        .iter()
                        .any(|c| c.distance_m(&watch.position) <= radius);
                    let position = watch.position;
                    watch
                        .sweep(now, near, &thresholds)
                        .into_iter()
                        .map(move |kind| (runner.clone(), kind, position))
                })
                .collect()
        };
        for (runner, kind, position) in raised {
            if let Err(err) = self.raise(&runner, kind, position).await {
                tracing::error!(%err, %runner, kind = kind.as_str(), "an alert could not be stored");
            }
        }
    }

    /// Whether the race has `runner` off the course now.
    fn off_course(&self, runner: &RunnerId) -> bool {
        self.race().is_some_and(|r| r.off_course(runner))
    }

    /// Every stored alert, newest first.
    pub async fn list(&self) -> Result<Vec<Alert>, StoreError> {
        self.store.alerts().await
    }

    /// Every alert raised or moved on from now.
    pub fn subscribe(&self) -> broadcast::Receiver<Alert> {
        self.live.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sweeps every [`SWEEP_EVERY`] until aborted.
pub fn start(alerts: Arc<Alerts>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            alerts.sweep().await;
        }
    })
}
