//! The hub: who listens to what, and the fan-out from one publisher to many sockets.
//!
//! A [`Hub`] is one shared handle (`Arc<Hub>`) that every socket task, feed and demo
//! runner holds. Its parts:
//!
//! - [`topics`]: every topic's subscribers, sequence numbers and history.
//! - [`field`]: the `field` topic, every runner's latest position once a second.
//! - [`board`]: the leaderboard computed once per interval, pushed (`board`, and each
//!   followed runner's row) and cached for HTTP.
//! - [`outbox`]: the bounded per-connection queue that all delivery goes into.
//! - [`admission`]: connection limits, checked before a socket is upgraded, and the
//!   topics one address may hold.
//! - [`connections`]: every open socket, for shutdown and [`keepalive`] to reach.
//! - [`presence`]: the timer that tells rooms and `presence` subscribers who is there.
//! - [`rate_limit`]: the token bucket behind publish and room rate limits.
//! - `subscribing`: the one way in (and out) for every socket's subscriptions.
//! - `splits`: split times out of the race, to [`crate::timing`] and onto runner topics.
//! - [`sweep`]: idle topics whose history aged out leave memory.
//! - [`stats`]: Prometheus metrics and the `/api/stats` figures.
//!
//! Publishers never wait on a socket: delivery is a push into each subscriber's
//! outbox, and a subscriber whose outbox is over its bound is disconnected (close
//! 4008) instead of slowing anyone else down.

pub mod admission;
pub mod board;
pub mod connections;
pub mod every;
pub(crate) mod field;
pub mod keepalive;
pub mod outbox;
pub mod presence;
pub mod rate_limit;
pub mod relay;
mod rulings;
mod splits;
pub mod stats;
mod subscribing;
pub(crate) mod sweep;
pub mod topics;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use spectate_app::protocol::{EventData, LatLng, ProtocolError, Publication, RunnerId, TopicKind};
use tokio::sync::watch;

use crate::{auth::Access, config::Limits};

pub use admission::Admission;
pub use outbox::{Outbox, OutboxBounds, OutboxReceiver};
pub(crate) use splits::News;
pub use stats::Stats;
pub use topics::{Fanout, TopicRegistry};

/// Identifies one socket connection for the lifetime of the process.
pub type ConnId = u64;

/// How a connection wants its frames encoded: each format is encoded at most once per
/// event, however many recipients share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireFormat {
    /// The seed apps' shapes (`{"userId":..}`, `{"happiness":..}`, raw room text).
    Seed,
    /// Protocol v1 of `/ws`.
    App,
}

/// All shared live state of one server.
#[derive(Debug)]
pub struct Hub {
    /// Every topic, its subscribers and history.
    pub topics: TopicRegistry,
    /// The `field` topic.
    pub(crate) field: field::Field,
    /// The leaderboard's one computation, and the `board` topic.
    pub(crate) board: board::Board,
    /// Metrics.
    pub stats: Stats,
    /// Limits every connection is held to.
    pub limits: Limits,
    /// Who may publish (tokens, origins, open mode).
    pub access: Access,
    /// Connection limits.
    pub admission: Admission,
    /// The race of the event being tracked, fed with every runner fix: set at start,
    /// or once when an organiser creates the event in the console
    /// ([`Self::start_race`]); never replaced (its event is, inside it).
    race: std::sync::OnceLock<Arc<crate::race::Race>>,
    /// Open sockets.
    pub connections: connections::Connections,
    /// Where publications go beyond this process: the cluster (`--redis-url`), or
    /// none on a single node.
    relay: Option<Arc<dyn relay::Relay>>,
    /// Names this run of the server (or the cluster's shared state); sequence
    /// numbers are only comparable within one.
    epoch: std::sync::Mutex<String>,
    next_conn_id: AtomicU64,
    shutdown: watch::Sender<bool>,
    /// Tokio's clock, so tests can drive keepalive with a paused clock.
    started: tokio::time::Instant,
    /// Where the splits the race records go to be stored and published
    /// ([`crate::timing`]); unset, they stay in the race's memory.
    timing: Option<tokio::sync::mpsc::UnboundedSender<News>>,
    /// Where the statuses adopted from other nodes go to be stored
    /// ([`crate::race_control::cluster`]); unset, they stay in the race's memory.
    rulings: Option<tokio::sync::mpsc::UnboundedSender<crate::race_control::cluster::Ruled>>,
}

impl Hub {
    /// An empty hub.
    pub fn new(limits: Limits, access: Access) -> Self {
        Self {
            topics: TopicRegistry::new(
                limits.max_topics,
                topics::HistoryRules {
                    max_events: limits.history_events,
                    max_age: limits.history_age,
                    trail: limits.trail,
                },
            ),
            field: field::Field::default(),
            board: board::Board::default(),
            stats: Stats::new(),
            admission: Admission::new(
                limits.max_connections,
                limits.max_connections_per_ip,
                limits.max_topics_per_ip,
            ),
            connections: connections::Connections::default(),
            race: std::sync::OnceLock::new(),
            limits,
            access,
            // Random, so a restarted server never accepts a resume meant for the old one.
            epoch: std::sync::Mutex::new(format!("{:016x}", fastrand::u64(..))),
            relay: None,
            next_conn_id: AtomicU64::new(1),
            shutdown: watch::channel(false).0,
            started: tokio::time::Instant::now(),
            timing: None,
            rulings: None,
        }
    }

    /// The hub of a server tracking `race`: only its runners count in presence.
    pub fn with_race(self, race: Arc<crate::race::Race>) -> Self {
        let event = race.event();
        let entrants = event.runners.iter().map(|r| r.bib.clone());
        Self {
            topics: self.topics.with_entrants(entrants),
            race: std::sync::OnceLock::from(race),
            ..self
        }
    }

    /// The hub of a node that publishes through `relay` (a cluster).
    pub fn with_relay(self, relay: Arc<dyn relay::Relay>) -> Self {
        Self {
            relay: Some(relay),
            ..self
        }
    }

    /// The race of the event being tracked, if any.
    pub fn race(&self) -> Option<&Arc<crate::race::Race>> {
        self.race.get()
    }

    /// Starts tracking `race` on a server that tracked no event (the console created
    /// it): its runners count in presence, and its topics open. Gives `race` back if
    /// the server tracks an event already.
    pub(crate) fn start_race(
        &self,
        race: Arc<crate::race::Race>,
    ) -> Result<(), Arc<crate::race::Race>> {
        let event = race.event();
        self.race.set(race)?;
        self.topics
            .set_entrants(event.runners.iter().map(|r| r.bib.clone()));
        self.board.touch();
        Ok(())
    }

    /// The relay this node publishes through (a cluster), if any.
    pub fn relay(&self) -> Option<&Arc<dyn relay::Relay>> {
        self.relay.as_ref()
    }

    /// True on a node of a cluster.
    pub fn in_cluster(&self) -> bool {
        self.relay.is_some()
    }

    /// Whether this node produces the cluster-wide feeds: the leader of a cluster,
    /// or a single node.
    pub fn is_feed_leader(&self) -> bool {
        self.relay.as_ref().is_none_or(|r| r.is_leader())
    }

    /// The epoch clients resume against.
    pub fn epoch(&self) -> String {
        self.epoch.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Adopts the cluster's epoch.
    pub fn set_epoch(&self, epoch: &str) {
        *self.epoch.lock().unwrap_or_else(|e| e.into_inner()) = epoch.to_owned();
    }

    /// What the cluster's other nodes report of their audience (empty on one node).
    pub fn remote_audience(&self) -> topics::Audience {
        self.relay
            .as_ref()
            .map(|r| r.remote_audience())
            .unwrap_or_default()
    }

    /// In a cluster, makes sure this node follows `topics` and has their history
    /// before a subscriber is served a snapshot; nothing to do on a single node.
    pub async fn follow(&self, topics: &[spectate_app::protocol::Topic]) {
        if let Some(relay) = &self.relay {
            relay.follow(self, topics).await;
        }
    }

    /// Refuses with `unavailable` while this node is in a cluster whose Redis is
    /// unreachable: publishing would fail, so ingestion must not store either.
    pub fn ready_to_publish(&self) -> Result<(), ProtocolError> {
        self.relay.as_ref().map_or(Ok(()), |r| r.ready())
    }

    /// Milliseconds since the hub started: the keepalive clock.
    pub fn clock_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// A fresh connection id.
    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    /// How large each connection's outbox may grow.
    pub fn outbox_bounds(&self) -> OutboxBounds {
        OutboxBounds {
            conflate_after: self.limits.conflate_after_bytes,
            max_bytes: self.limits.outbox_bytes,
        }
    }

    /// Publishes a checked point or room message (access was checked by the caller)
    /// and counts it. `from` is not sent its own room messages. (Fixes: the intake.)
    pub fn publish(
        &self,
        publication: Publication,
        from: Option<ConnId>,
    ) -> Result<Fanout, ProtocolError> {
        self.publish_taken_at(publication, from, None)
    }

    /// [`Self::publish`], for a fix whose device time is known: the race measures
    /// pace by when fixes were taken, not by when they happened to arrive.
    pub fn publish_taken_at(
        &self,
        publication: Publication,
        from: Option<ConnId>,
        taken_ms: Option<u64>,
    ) -> Result<Fanout, ProtocolError> {
        let topic = publication.topic();
        let ts = now_ms();
        // In a cluster the race hears every fix as it comes back from Redis.
        if let (Publication::Fix { runner, position }, None) = (&publication, &self.relay) {
            self.record_fix(runner, *position, taken_ms.unwrap_or(ts));
        }
        let data = event_data(publication, ts, taken_ms);
        if let Some(relay) = &self.relay {
            relay.publish(topic.clone(), data, from)?;
            self.count_published(&topic, 0);
            return Ok(Fanout::default());
        }
        let fanout = self.topics.publish(&topic, data, from)?;
        self.count_published(&topic, fanout.conflated);
        Ok(fanout)
    }

    /// The one way a runner's fix reaches the race (progress, pace, the board) and
    /// the field: on a single node when it is published, in a cluster when it comes
    /// back from Redis numbered, on every node alike. Fixes of runners not in the
    /// event stay out of both.
    /// A fix that carries the runner past a checkpoint or the finish records the split
    /// there (once: see `race::splits`), which [`crate::timing`] stores and publishes.
    pub fn record_fix(&self, runner: &RunnerId, position: LatLng, taken_ms: u64) {
        if let Some(race) = self.race.get()
            && let Some(splits) = race.record_splits(runner, position, taken_ms)
        {
            self.board.touch();
            self.field.record(runner, position, taken_ms);
            for split in splits {
                self.timing_news(News::Recorded(split));
            }
        }
    }

    /// Counts by kind, the field's and the board's subscribers included (walks every
    /// shard: for stats, not for hot paths).
    pub fn counts(&self) -> topics::TopicCounts {
        topics::TopicCounts {
            field_subscriptions: self.field.subscribers(),
            board_subscriptions: self.board.subscribers(),
            ..self.topics.counts()
        }
    }

    /// [`Self::publish_taken_at`] for a fix the intake stored, resolving once it is taken: on
    /// a single node at once, in a cluster once Redis has numbered it, so an
    /// acknowledgement means every node will deliver it.
    pub async fn publish_confirmed(
        &self,
        publication: Publication,
        taken_ms: Option<u64>,
    ) -> Result<(), ProtocolError> {
        let Some(relay) = &self.relay else {
            return self
                .publish_taken_at(publication, None, taken_ms)
                .map(|_| ());
        };
        let topic = publication.topic();
        let data = event_data(publication, now_ms(), taken_ms);
        relay.publish_confirmed(topic.clone(), data).await?;
        self.count_published(&topic, 0);
        Ok(())
    }

    pub(super) fn count_published(&self, topic: &spectate_app::protocol::Topic, conflated: usize) {
        let kind = match topic.kind() {
            TopicKind::Runner => "runner",
            TopicKind::Series => "series",
            TopicKind::Room => "room",
            TopicKind::Presence => "presence",
            TopicKind::Field => "field",
            TopicKind::Board => "board",
        };
        self.stats.published.with_label_values(&[kind]).inc();
        self.stats
            .dropped(stats::DropReason::Conflated, conflated as u64);
    }

    /// Tells every connection (close 1001) and stream to finish.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
        self.connections.for_each(|outbox| {
            outbox.close(spectate_app::protocol::CloseCode::GoingAway, None);
        });
    }

    /// A receiver that turns `true` when shutdown begins.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

/// Resolves once shutdown has begun (or the hub is gone).
pub async fn wait_for_shutdown(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|down| *down).await;
}

/// The event a publication becomes, received at `ts`.
fn event_data(publication: Publication, ts: u64, taken_ms: Option<u64>) -> EventData {
    match publication {
        Publication::Fix { position, .. } => EventData::Fix {
            lat: position.lat(),
            lng: position.lng(),
            ts,
            t: taken_ms,
        },
        Publication::Point { value, .. } => EventData::Point { t: ts, value },
        Publication::Say { text, name, .. } => EventData::Say { text, ts, name },
    }
}

/// Milliseconds since the Unix epoch, as carried in `ts` fields.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
