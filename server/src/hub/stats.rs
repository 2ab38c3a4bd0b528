//! The hub's figures: Prometheus metrics (`/metrics`) and the JSON of `/api/stats`.
//!
//! Counters and histograms are `prometheus` types updated where things happen; the
//! gauges that describe the registry (topics, subscriptions) are read from it when
//! scraped, so the hot path pays nothing for them. Each [`Hub`](super::Hub) has its
//! own registry rather than the process-wide default one, so tests that start many
//! servers in one process see only their own server's figures.

use std::sync::atomic::{AtomicUsize, Ordering};

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder, core::Collector,
};
use serde::Serialize;

use super::topics::TopicCounts;

/// Why a frame or a connection was dropped, as the `reason` label says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// A slow consumer was cut off (close 4008).
    SlowConsumer,
    /// A waiting runner fix was replaced by a newer one (conflation).
    Conflated,
    /// An idle client was cut off (close 4000).
    IdleTimeout,
    /// A connection was refused at the door: server or per-address limit.
    ConnectionLimit,
}

impl DropReason {
    fn label(self) -> &'static str {
        match self {
            Self::SlowConsumer => "slow_consumer",
            Self::Conflated => "conflated",
            Self::IdleTimeout => "idle_timeout",
            Self::ConnectionLimit => "connection_limit",
        }
    }
}

/// Live figures of one server.
#[derive(Debug)]
pub struct Stats {
    registry: Registry,
    /// Open streaming HTTP responses (SSE / NDJSON).
    pub streams: AtomicUsize,
    /// Messages written to sockets (each message of a batched frame counts).
    pub delivered: IntCounter,
    /// Events accepted, by topic kind.
    pub published: IntCounterVec,
    /// Drops by reason.
    pub dropped: IntCounterVec,
    /// Inputs rejected with an error frame or close, by error code.
    pub rejected: IntCounterVec,
    /// Runner fixes taken in, whichever way they came, by what became of them.
    pub ingested: IntCounterVec,
    /// Seconds from an event's publish to its frame being written to a socket.
    pub latency: Histogram,
    /// Frames each writer found waiting when it woke (the queue depth it drained).
    pub batch: Histogram,
    gauges: IntGaugeVec,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    /// Fresh metrics in a registry of their own.
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("spectate".into()), None).expect("a valid metrics prefix");
        let delivered = IntCounter::new(
            "delivered_frames_total",
            "Messages written to sockets (each message of a batched frame counts)",
        )
        .expect("valid metric");
        let published = IntCounterVec::new(
            Opts::new("published_events_total", "Events accepted, by topic kind"),
            &["kind"],
        )
        .expect("valid metric");
        let dropped = IntCounterVec::new(
            Opts::new(
                "dropped_total",
                "Frames conflated and connections cut off, by reason",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let rejected = IntCounterVec::new(
            Opts::new("rejected_inputs_total", "Inputs refused, by error code"),
            &["code"],
        )
        .expect("valid metric");
        let ingested = IntCounterVec::new(
            Opts::new(
                "ingest_total",
                "Runner fixes taken in (every way in), by outcome",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "publish_to_send_seconds",
                "Time from an event's publish to its frame being written to a socket",
            )
            .buckets(vec![
                0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05,
                0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
        )
        .expect("valid metric");
        let batch = Histogram::with_opts(
            HistogramOpts::new(
                "write_batch_frames",
                "Frames waiting in a connection's queue when its writer drained it",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0, 4096.0]),
        )
        .expect("valid metric");
        let gauges = IntGaugeVec::new(
            Opts::new("hub", "Current state of the hub, by what is counted"),
            &["what"],
        )
        .expect("valid metric");
        for metric in [
            Box::new(delivered.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(published.clone()),
            Box::new(dropped.clone()),
            Box::new(rejected.clone()),
            Box::new(ingested.clone()),
            Box::new(latency.clone()),
            Box::new(batch.clone()),
            Box::new(gauges.clone()),
        ] {
            registry.register(metric).expect("metric names are unique");
        }
        Self {
            registry,
            streams: AtomicUsize::new(0),
            delivered,
            published,
            dropped,
            rejected,
            ingested,
            latency,
            batch,
            gauges,
        }
    }

    /// Counts one rejected input, by its error code (`bad_json`, `too_large`, ...).
    pub fn reject(&self, code: &str) {
        self.rejected.with_label_values(&[code]).inc();
    }

    /// Counts drops.
    pub fn dropped(&self, reason: DropReason, n: u64) {
        if n > 0 {
            self.dropped.with_label_values(&[reason.label()]).inc_by(n);
        }
    }

    fn gauge(&self, what: &str) -> IntGauge {
        self.gauges.with_label_values(&[what])
    }

    /// The Prometheus text exposition, with the registry gauges as of now.
    pub fn render(&self, counts: &TopicCounts, connections: usize, addresses: usize) -> String {
        let gauges = [
            ("connections", connections),
            ("streams", self.streams.load(Ordering::Relaxed)),
            ("topics", counts.topics),
            ("runners", counts.runners),
            ("runner_subscriptions", counts.runner_subscriptions),
            ("series_subscriptions", counts.series_subscriptions),
            ("room_members", counts.room_members),
            ("presence_subscriptions", counts.presence_subscriptions),
            ("field_subscriptions", counts.field_subscriptions),
            ("board_subscriptions", counts.board_subscriptions),
            ("client_addresses", addresses),
        ];
        for (what, value) in gauges {
            self.gauge(what).set(value as i64);
        }
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into a Vec cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    /// The `/api/stats` figures.
    pub fn snapshot(&self, counts: &TopicCounts, connections: usize) -> StatsSnapshot {
        let sum = |vec: &IntCounterVec, label: &str| vec.with_label_values(&[label]).get();
        StatsSnapshot {
            connections,
            streams: self.streams.load(Ordering::Relaxed),
            subscriptions: counts.runner_subscriptions,
            runners: counts.runners,
            series_subscriptions: counts.series_subscriptions,
            room_members: counts.room_members,
            topics: counts.topics,
            field_subscriptions: counts.field_subscriptions,
            board_subscriptions: counts.board_subscriptions,
            delivered: self.delivered.get(),
            slow_consumers: sum(&self.dropped, DropReason::SlowConsumer.label()),
            conflated: sum(&self.dropped, DropReason::Conflated.label()),
            rejected: self
                .rejected
                .collect()
                .iter()
                .flat_map(|family| family.get_metric())
                .map(|m| m.get_counter().get_value() as u64)
                .sum(),
        }
    }
}

/// A point-in-time copy of the figures, as served at `/api/stats`.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Open WebSocket connections.
    pub connections: usize,
    /// Open streaming HTTP responses.
    pub streams: usize,
    /// (connection, runner) follow pairs.
    pub subscriptions: usize,
    /// Runners the hub knows (followed or published).
    pub runners: usize,
    /// (connection, series) subscriptions.
    pub series_subscriptions: usize,
    /// (connection, room) memberships.
    pub room_members: usize,
    /// Topics in memory.
    pub topics: usize,
    /// Connections on the `field` topic.
    #[serde(default)]
    pub field_subscriptions: usize,
    /// Connections on the `board` topic.
    #[serde(default)]
    pub board_subscriptions: usize,
    /// Frames written since start.
    pub delivered: u64,
    /// Slow consumers cut off since start.
    pub slow_consumers: u64,
    /// Runner fixes replaced in lagging queues since start.
    pub conflated: u64,
    /// Rejected inputs since start.
    pub rejected: u64,
}
