//! The topic registry: every topic's subscribers, sequence counter and bounded history.
//!
//! One registry serves all kinds of topic (runners, series, rooms, presence), so the
//! rules that make the hub trustworthy live in one place:
//!
//! - **Sequence numbers**: each topic numbers its events from 1, assigned under the
//!   topic's lock, so every subscriber sees the same order.
//! - **History**: the recent events of each topic, bounded by count and by age. A new
//!   subscriber gets a snapshot from it; a returning one gets exactly what it missed,
//!   or is told plainly which gap could not be filled (and gets a fresh snapshot).
//! - **Encode once**: an [`Event`] caches one frame per wire format; every subscriber
//!   of that format gets the same bytes.
//! - **No global lock**: topics are spread over shards, each a `std::sync::Mutex`
//!   held only for map updates and non-blocking pushes, never across an `.await`.
//!   Delivering while the shard is locked is what makes a snapshot line up exactly
//!   with the live events after it: no gap, no duplicate.

use std::{
    collections::{BTreeMap, HashMap, VecDeque, hash_map::Entry},
    hash::{BuildHasher, RandomState},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{EventData, ProtocolError, RunnerId, ServerMsg, Topic, TopicKind};

use super::{ConnId, Outbox, WireFormat, outbox::Pushed};

mod history;
mod numbered;
mod presence;

use history::snapshot;
pub use history::{
    Event, HistoryRules, LatestFix, ROOM_SNAPSHOT, TRAIL_RECENT, TRAIL_SNAPSHOT_FIXES,
};
pub use numbered::{Applied, Numbered};
pub use presence::Audience;
use presence::room_presence;

const SHARDS: usize = 64;

/// One subscriber of a topic.
#[derive(Clone, Debug)]
pub struct Subscriber {
    /// Where its frames go.
    pub outbox: Outbox,
    /// How it wants them encoded.
    pub format: WireFormat,
}

/// Where a subscriber wants to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartFrom {
    /// A fresh snapshot.
    Fresh,
    /// Right after this `seq`, seen on this very server run.
    After(u64),
    /// After this `seq`, but seen on an earlier run of the server.
    AfterOtherEpoch(u64),
}

#[derive(Debug)]
struct TopicState {
    /// Conflation key of the topic's frames in outboxes.
    key: u64,
    seq: u64,
    subscribers: HashMap<ConnId, Subscriber>,
    history: VecDeque<Arc<Event>>,
    /// Room topics: the member count last announced.
    announced: Option<usize>,
}

impl TopicState {
    fn trim(&mut self, keep: usize, max_age: Duration, now: Instant) {
        while self.history.len() > keep {
            self.history.pop_front();
        }
        while self
            .history
            .front()
            .is_some_and(|e| now.saturating_duration_since(e.published) > max_age)
        {
            self.history.pop_front();
        }
    }
}

/// What one publish reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fanout {
    /// The event's sequence number.
    pub seq: u64,
    /// Subscribers whose outbox took the event.
    pub queued: usize,
    /// Subscribers whose waiting frame for the same runner was replaced.
    pub conflated: usize,
    /// Subscribers cut off because their outbox was over its bound.
    pub overflowed: usize,
}

/// Counts by kind, for `/api/stats` and `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TopicCounts {
    /// Topics in memory.
    pub topics: usize,
    /// Runners the hub knows (followed or published).
    pub runners: usize,
    /// (connection, runner) pairs.
    pub runner_subscriptions: usize,
    /// (connection, series) pairs.
    pub series_subscriptions: usize,
    /// (connection, room) pairs.
    pub room_members: usize,
    /// (connection, presence) pairs.
    pub presence_subscriptions: usize,
    /// Connections on `field` (filled in by [`super::Hub::counts`]).
    pub field_subscriptions: usize,
    /// Connections on `board` (filled in by [`super::Hub::counts`]).
    pub board_subscriptions: usize,
}

type Shard = HashMap<Topic, TopicState>;

/// Every topic of the server.
#[derive(Debug)]
pub struct TopicRegistry {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    next_key: AtomicU64,
    topics: AtomicUsize,
    subscriptions: AtomicUsize,
    max_topics: usize,
    history: HistoryRules,
    /// The presence frame last sent, to send only changes.
    last_presence: Mutex<Option<(usize, BTreeMap<String, usize>)>>,
    /// The event's runners: only they count in presence (any runner without an event).
    /// Replaced when the field changes ([`Self::set_entrants`]); a std lock, held only
    /// for a lookup.
    entrants: std::sync::RwLock<Option<std::collections::HashSet<RunnerId>>>,
}

impl TopicRegistry {
    /// An empty registry holding at most `max_topics` topics.
    pub fn new(max_topics: usize, history: HistoryRules) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            next_key: AtomicU64::new(1),
            topics: AtomicUsize::new(0),
            subscriptions: AtomicUsize::new(0),
            max_topics,
            history,
            last_presence: Mutex::new(None),
            entrants: std::sync::RwLock::new(None),
        }
    }

    /// The registry of a server tracking an event of `entrants`.
    pub fn with_entrants(self, entrants: impl IntoIterator<Item = RunnerId>) -> Self {
        self.set_entrants(entrants);
        self
    }

    /// The event's runners are now `entrants` (the console changed the field).
    pub(crate) fn set_entrants(&self, entrants: impl IntoIterator<Item = RunnerId>) {
        let entrants = Some(entrants.into_iter().collect());
        *self.entrants.write().unwrap_or_else(|e| e.into_inner()) = entrants;
    }

    fn entrants(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, Option<std::collections::HashSet<RunnerId>>> {
        self.entrants.read().unwrap_or_else(|e| e.into_inner())
    }

    fn shard(&self, topic: &Topic) -> MutexGuard<'_, Shard> {
        let index = self.hasher.hash_one(topic) as usize % self.shards.len();
        // Every update leaves a shard consistent before anything that could panic, so
        // a poisoned lock is safe to keep using.
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn all_shards(&self) -> impl Iterator<Item = MutexGuard<'_, Shard>> {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn entry<'m>(
        &self,
        shard: &'m mut Shard,
        topic: &Topic,
    ) -> Result<&'m mut TopicState, ProtocolError> {
        match shard.entry(topic.clone()) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                // The event's runners and presence have room kept for them: a table
                // filled with other topics never refuses a runner's first fix.
                let cap = if self.reserved(topic) {
                    self.max_topics
                } else {
                    self.max_topics.saturating_sub(self.reserve())
                };
                if self.topics.fetch_add(1, Ordering::Relaxed) >= cap {
                    self.topics.fetch_sub(1, Ordering::Relaxed);
                    return Err(ProtocolError::LimitReached(format!(
                        "the server holds at most {} topics",
                        self.max_topics
                    )));
                }
                Ok(e.insert(TopicState {
                    key: self.next_key.fetch_add(1, Ordering::Relaxed),
                    seq: 0,
                    subscribers: HashMap::new(),
                    history: VecDeque::new(),
                    announced: None,
                }))
            }
        }
    }

    /// Whether `topic` has room kept for it in the table: the event's runners and
    /// `presence`.
    pub(crate) fn reserved(&self, topic: &Topic) -> bool {
        match topic {
            Topic::Presence => true,
            Topic::Runner(runner) => self.entrants().as_ref().is_some_and(|e| e.contains(runner)),
            _ => false,
        }
    }

    /// Places kept for reserved topics.
    fn reserve(&self) -> usize {
        1 + self.entrants().as_ref().map_or(0, |e| e.len())
    }

    /// Whether `runner` is one of the event's (true for anyone without an event).
    pub fn is_entrant(&self, runner: &RunnerId) -> bool {
        self.entrants().as_ref().is_none_or(|e| e.contains(runner))
    }

    /// Adds `conn` to `topic`. App subscribers get the snapshot first (a `snapshot`
    /// header and its events), queued before any live event can overtake it; on
    /// `presence`, `presence_frame` follows the header. Returns false if `conn` was
    /// already subscribed (it still gets the snapshot, as asked).
    pub fn subscribe(
        &self,
        conn: ConnId,
        topic: &Topic,
        subscriber: &Subscriber,
        from: StartFrom,
        presence_frame: Option<Utf8Bytes>,
    ) -> Result<bool, ProtocolError> {
        let rules = self.history;
        let mut shard = self.shard(topic);
        let state = self.entry(&mut shard, topic)?;
        state.trim(rules.keep(topic.kind()), rules.max_age, Instant::now());
        if subscriber.format == WireFormat::App {
            let trail = matches!(topic, Topic::Runner(_)).then_some(rules.trail);
            let (resumed, gap, events) =
                snapshot(state, from, rules.snapshot_len(topic.kind()), trail);
            let header = ServerMsg::Snapshot {
                topic: topic.clone(),
                seq: state.seq,
                resumed,
                gap,
                count: events.len(),
            };
            // The catch-up has a budget of its own: a fresh subscriber is never cut
            // off as slow for what it asked for at once (see `outbox`).
            subscriber.outbox.push_catchup(header.encode().into());
            for event in events {
                subscriber.outbox.push_catchup(event.frame(WireFormat::App));
            }
            if let Some(frame) = presence_frame {
                subscriber.outbox.push_catchup(frame);
            }
        }
        let added = match state.subscribers.entry(conn) {
            Entry::Occupied(mut e) => {
                e.insert(subscriber.clone());
                false
            }
            Entry::Vacant(e) => {
                e.insert(subscriber.clone());
                self.subscriptions.fetch_add(1, Ordering::Relaxed);
                true
            }
        };
        if let Topic::Room(_) = topic {
            // The newcomer learns the count at once; the others at the next tick.
            let online = state.subscribers.len();
            if subscriber.format == WireFormat::App {
                subscriber.outbox.push(room_presence(topic, online));
            }
        }
        Ok(added)
    }

    /// Queues `frame` to `topic`'s protocol v1 subscribers that `wants`, outside the
    /// topic's numbering and history: a followed runner's board row beside their
    /// fixes. While a subscriber lags, a newer row replaces the one still waiting.
    /// Returns how many took it.
    pub fn push_beside(
        &self,
        topic: &Topic,
        frame: &Utf8Bytes,
        wants: impl Fn(ConnId) -> bool,
    ) -> usize {
        let now = Instant::now();
        let shard = self.shard(topic);
        let Some(state) = shard.get(topic) else {
            return 0;
        };
        // A key of its own, apart from the topic's fixes.
        let key = Some(state.key | 1 << 63);
        state
            .subscribers
            .iter()
            .filter(|(conn, s)| s.format == WireFormat::App && wants(**conn))
            .filter(|(_, s)| {
                matches!(
                    s.outbox.push_published(frame.clone(), now, key),
                    Pushed::Queued | Pushed::Conflated
                )
            })
            .count()
    }

    /// Removes `conn` from `topic`, if it was there.
    pub fn unsubscribe(&self, conn: ConnId, topic: &Topic) {
        let mut shard = self.shard(topic);
        let Some(state) = shard.get_mut(topic) else {
            return;
        };
        if state.subscribers.remove(&conn).is_some() {
            self.subscriptions.fetch_sub(1, Ordering::Relaxed);
        }
        // A topic with nobody listening and nothing to remember is just a name.
        if state.subscribers.is_empty() && state.history.is_empty() {
            shard.remove(topic);
            self.topics.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Numbers an event, queues it to every subscriber (not back to `from`) and
    /// keeps it in the topic's history.
    pub fn publish(
        &self,
        topic: &Topic,
        data: EventData,
        from: Option<ConnId>,
    ) -> Result<Fanout, ProtocolError> {
        let rules = self.history;
        let now = Instant::now();
        let mut shard = self.shard(topic);
        let state = self.entry(&mut shard, topic)?;
        state.seq += 1;
        let event = Event::new(topic, state.seq, data, from, now);
        let fanout = deliver(state, event, now);
        state.trim(rules.keep(topic.kind()), rules.max_age, now);
        Ok(fanout)
    }

    /// The topic's latest `seq` here, if the topic is in memory.
    pub fn seq(&self, topic: &Topic) -> Option<u64> {
        self.shard(topic).get(topic).map(|state| state.seq)
    }

    /// True if anyone here listens to `topic`.
    pub fn has_subscribers(&self, topic: &Topic) -> bool {
        self.shard(topic)
            .get(topic)
            .is_some_and(|state| !state.subscribers.is_empty())
    }

    /// Topics in memory.
    pub fn topics(&self) -> Vec<Topic> {
        let mut out = Vec::new();
        for shard in self.all_shards() {
            out.extend(shard.keys().cloned());
        }
        out
    }

    /// Counts by kind (walks every shard: for stats, not for hot paths).
    pub fn counts(&self) -> TopicCounts {
        let mut counts = TopicCounts::default();
        for shard in self.all_shards() {
            counts.topics += shard.len();
            for (topic, state) in shard.iter() {
                let n = state.subscribers.len();
                match topic.kind() {
                    TopicKind::Runner => {
                        counts.runners += 1;
                        counts.runner_subscriptions += n;
                    }
                    TopicKind::Series => counts.series_subscriptions += n,
                    TopicKind::Room => counts.room_members += n,
                    TopicKind::Presence => counts.presence_subscriptions += n,
                    // Kept by the hub's field and board, not here.
                    TopicKind::Field | TopicKind::Board => {}
                }
            }
        }
        counts
    }

    /// All (connection, topic) pairs, from a counter (cheap).
    pub fn subscription_count(&self) -> usize {
        self.subscriptions.load(Ordering::Relaxed)
    }
}

/// Queues `event` to every subscriber of `state` (not back to its sender) and keeps
/// it in history.
fn deliver(state: &mut TopicState, event: Arc<Event>, now: Instant) -> Fanout {
    // Only runner fixes may replace each other in a lagging client's queue (a split
    // is never conflated away).
    let fix = matches!(event.data, EventData::Fix { .. });
    let key = (fix && matches!(event.topic, Topic::Runner(_))).then_some(state.key);
    // The seed apps know fixes, points and messages only.
    let seed_shape = !matches!(
        event.data,
        EventData::Split { .. } | EventData::Ruling { .. }
    );
    let mut fanout = Fanout {
        seq: event.seq,
        ..Fanout::default()
    };
    for (conn, subscriber) in &state.subscribers {
        if event.from == Some(*conn) || (subscriber.format == WireFormat::Seed && !seed_shape) {
            continue;
        }
        let frame = event.frame(subscriber.format);
        match subscriber.outbox.push_published(frame, now, key) {
            Pushed::Queued => fanout.queued += 1,
            Pushed::Conflated => fanout.conflated += 1,
            Pushed::Overflowed => fanout.overflowed += 1,
            Pushed::Gone => {}
        }
    }
    state.history.push_back(event);
    fanout
}

fn push_to_app_subscribers(state: &TopicState, frame: &Utf8Bytes) {
    for subscriber in state.subscribers.values() {
        if subscriber.format == WireFormat::App {
            subscriber.outbox.push(frame.clone());
        }
    }
}
