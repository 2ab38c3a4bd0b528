//! A topic's history: what is kept ([`HistoryRules`]), each [`Event`] with its frames
//! encoded once per wire format, and what a subscriber starting from a given point
//! gets (a fresh snapshot, exactly what it missed, or a gap said plainly). A runner's
//! fresh snapshot is a trail, thinned to [`TRAIL_SNAPSHOT_FIXES`].

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{
    EventData, LatLng, RunnerId, ServerMsg, Topic, TopicKind,
    seed::{Happiness, SeedFix},
    v1::{Gap, GapReason},
};

use super::{StartFrom, TopicRegistry, TopicState};
use crate::hub::{ConnId, WireFormat};

/// How much history each topic keeps, and how much of it a fresh snapshot carries.
#[derive(Clone, Copy, Debug)]
pub struct HistoryRules {
    /// Events kept per topic for resume (the newest ones).
    pub max_events: usize,
    /// Events older than this are dropped from history.
    pub max_age: Duration,
    /// A runner's fresh snapshot carries the fixes of this much recent time: the trail
    /// a spectator sees at once.
    pub trail: Duration,
}

impl HistoryRules {
    /// How many of the newest events a fresh snapshot of a `kind` topic carries: a
    /// runner's recent trail, a chart's worth of points, the last few cheers.
    pub(super) fn snapshot_len(&self, kind: TopicKind) -> usize {
        let len = match kind {
            // Bounded by time too: see `trail`.
            TopicKind::Runner => self.max_events,
            TopicKind::Series => 300,
            // The last cheers: someone who joins later sees what was said.
            TopicKind::Room => ROOM_SNAPSHOT,
            TopicKind::Presence | TopicKind::Field | TopicKind::Board => 0,
        };
        len.min(self.max_events)
    }

    /// History length for a `kind` topic: series keep a full chart even when the
    /// resume history is set shorter.
    pub(super) fn keep(&self, kind: TopicKind) -> usize {
        match kind {
            TopicKind::Series => self.max_events.max(300),
            _ => self.max_events,
        }
    }
}

/// Messages of a room a fresh subscriber gets: the last ones said (within the
/// history's age), so that someone who opens the page later sees the cheers before
/// theirs. Seed `/room` clients get none: their protocol has no snapshot.
pub const ROOM_SNAPSHOT: usize = 20;

/// One thing that happened on a topic.
#[derive(Debug)]
pub struct Event {
    /// Where.
    pub topic: Topic,
    /// Its number in the topic.
    pub seq: u64,
    /// What.
    pub data: EventData,
    /// The connection that published it (room messages are not echoed to it).
    pub from: Option<ConnId>,
    /// When the hub accepted it.
    pub published: Instant,
    app: OnceLock<Utf8Bytes>,
    seed: OnceLock<Utf8Bytes>,
}

impl Event {
    pub(super) fn new(
        topic: &Topic,
        seq: u64,
        data: EventData,
        from: Option<ConnId>,
        published: Instant,
    ) -> Arc<Self> {
        Arc::new(Self {
            topic: topic.clone(),
            seq,
            data,
            from,
            published,
            app: OnceLock::new(),
            seed: OnceLock::new(),
        })
    }

    /// The frame for `format`, encoded on first use and shared afterwards.
    pub fn frame(&self, format: WireFormat) -> Utf8Bytes {
        match format {
            WireFormat::App => self.app.get_or_init(|| {
                ServerMsg::Event {
                    topic: self.topic.clone(),
                    seq: self.seq,
                    data: self.data.clone(),
                }
                .encode()
                .into()
            }),
            WireFormat::Seed => self.seed.get_or_init(|| self.seed_frame()),
        }
        .clone()
    }

    /// The seed apps' shapes: `{"userId":..,"lat":..,"lng":..}`, `{"happiness":x}`,
    /// or a room message's raw text.
    fn seed_frame(&self) -> Utf8Bytes {
        match (&self.topic, &self.data) {
            (Topic::Runner(runner), EventData::Fix { lat, lng, .. }) => {
                serde_json::to_string(&SeedFix {
                    user_id: runner,
                    lat: *lat,
                    lng: *lng,
                })
                .expect("seed fix serializes")
                .into()
            }
            (_, EventData::Point { value, .. }) => {
                serde_json::to_string(&Happiness { happiness: *value })
                    .expect("happiness serializes")
                    .into()
            }
            (_, EventData::Say { text, .. }) => text.as_str().into(),
            // Not sent to seed subscribers (see `deliver`).
            (_, EventData::Fix { .. } | EventData::Split { .. } | EventData::Ruling { .. }) => {
                self.frame(WireFormat::App)
            }
        }
    }
}

/// Decides what a subscriber starting `from` gets: (resumed, gap, events).
pub(super) fn snapshot(
    state: &TopicState,
    from: StartFrom,
    fresh_len: usize,
    max_age: Option<Duration>,
) -> (bool, Option<Gap>, Vec<Arc<Event>>) {
    let now = Instant::now();
    let fresh = || {
        let skip = state.history.len().saturating_sub(fresh_len);
        let events = state
            .history
            .iter()
            .skip(skip)
            .filter(|e| max_age.is_none_or(|age| now.saturating_duration_since(e.published) <= age))
            .cloned()
            .collect::<Vec<_>>();
        match max_age {
            Some(_) => thin_trail(events),
            None => events,
        }
    };
    let gap = |after, reason| Some(Gap { after, reason });
    match from {
        StartFrom::Fresh => (false, None, fresh()),
        StartFrom::AfterOtherEpoch(after) => (false, gap(after, GapReason::Restarted), fresh()),
        StartFrom::After(after) if after > state.seq => {
            (false, gap(after, GapReason::Unknown), fresh())
        }
        StartFrom::After(after) => {
            // Events after `after` are all in history if history reaches back to it
            // (or if nothing happened since).
            let oldest = state.history.front().map_or(state.seq + 1, |e| e.seq);
            if after + 1 >= oldest {
                let missed = state
                    .history
                    .iter()
                    .filter(|e| e.seq > after)
                    .cloned()
                    .collect();
                (true, None, missed)
            } else {
                (false, gap(after, GapReason::TooOld), fresh())
            }
        }
    }
}

/// Fixes a fresh runner snapshot carries at most: the newest [`TRAIL_RECENT`] as they
/// are, older ones thinned evenly. A trail is drawn, not replayed: 64 fixes (about
/// 7 KB) draw ten minutes of running as well as 256 (28 KB) do, and a spectator who
/// follows several runners gets their trails at once.
pub const TRAIL_SNAPSHOT_FIXES: usize = 64;
/// Of [`TRAIL_SNAPSHOT_FIXES`], the newest fixes kept at full resolution.
pub const TRAIL_RECENT: usize = 16;

/// A trail bounded to [`TRAIL_SNAPSHOT_FIXES`], oldest first, keeping the oldest and
/// the newest fixes.
fn thin_trail(events: Vec<Arc<Event>>) -> Vec<Arc<Event>> {
    if events.len() <= TRAIL_SNAPSHOT_FIXES {
        return events;
    }
    let (older, recent) = events.split_at(events.len() - TRAIL_RECENT);
    let keep = TRAIL_SNAPSHOT_FIXES - TRAIL_RECENT;
    let mut out: Vec<Arc<Event>> = (0..keep)
        .map(|i| older[i * (older.len() - 1) / (keep - 1)].clone())
        .collect();
    out.dedup_by_key(|e| e.seq);
    out.extend(recent.iter().cloned());
    out
}

/// A runner's latest position, for pages rendered on the server.
#[derive(Clone, Debug, PartialEq)]
pub struct LatestFix {
    /// Whose.
    pub runner: RunnerId,
    /// Where.
    pub position: LatLng,
    /// When, ms since the Unix epoch.
    pub ts: u64,
}

impl TopicRegistry {
    /// The latest fix of every runner that has one.
    pub fn latest_fixes(&self) -> Vec<LatestFix> {
        let mut out = Vec::new();
        for shard in self.all_shards() {
            for (topic, state) in shard.iter() {
                let Topic::Runner(runner) = topic else {
                    continue;
                };
                // The newest fix (a split may have come after it).
                if let Some(EventData::Fix { lat, lng, ts, .. }) = state
                    .history
                    .iter()
                    .rev()
                    .map(|e| &e.data)
                    .find(|d| matches!(d, EventData::Fix { .. }))
                    && let Ok(position) = LatLng::parse(*lat, *lng)
                {
                    out.push(LatestFix {
                        runner: runner.clone(),
                        position,
                        ts: *ts,
                    });
                }
            }
        }
        out
    }
}

impl TopicRegistry {
    /// Ages the history of the topics nobody here listens to, and drops those left
    /// with nothing to remember: without it a room with one message, or a runner
    /// followed once, stayed in memory until a restart. Returns the topics dropped.
    pub fn sweep(&self, now: Instant) -> usize {
        let rules = self.history;
        let mut dropped = 0;
        for mut shard in self.all_shards() {
            shard.retain(|topic, state| {
                if !state.subscribers.is_empty() {
                    return true;
                }
                state.trim(rules.keep(topic.kind()), rules.max_age, now);
                let keep = !state.history.is_empty();
                dropped += usize::from(!keep);
                keep
            });
        }
        self.topics
            .fetch_sub(dropped, std::sync::atomic::Ordering::Relaxed);
        dropped
    }
}
