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
        Arc, Mutex, MutexGuard, OnceLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{
    EventData, LatLng, ProtocolError, RunnerId, ServerMsg, Topic, TopicKind,
    seed::{Happiness, SeedFix},
    v1::{Gap, GapReason},
};

use super::{ConnId, Outbox, WireFormat, outbox::Pushed};

const SHARDS: usize = 64;

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
    fn snapshot_len(&self, kind: TopicKind) -> usize {
        let len = match kind {
            // Bounded by time too: see `trail`.
            TopicKind::Runner => self.max_events,
            TopicKind::Series => 300,
            // The room page keeps its own lines; a newcomer starts with a clean slate.
            TopicKind::Room => 0,
            TopicKind::Presence | TopicKind::Field | TopicKind::Board => 0,
        };
        len.min(self.max_events)
    }

    /// History length for a `kind` topic: series keep a full chart even when the
    /// resume history is set shorter.
    fn keep(&self, kind: TopicKind) -> usize {
        match kind {
            TopicKind::Series => self.max_events.max(300),
            _ => self.max_events,
        }
    }
}

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
    fn new(
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
            (_, EventData::Fix { .. }) => self.frame(WireFormat::App),
        }
    }
}

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

/// An event numbered by the cluster, to [`TopicRegistry::apply`].
#[derive(Clone, Debug, PartialEq)]
pub struct Numbered {
    /// Its number in the topic, cluster-wide.
    pub seq: u64,
    /// What.
    pub data: EventData,
    /// The connection here that sent it, if it came from this node.
    pub from: Option<ConnId>,
}

/// What [`TopicRegistry::apply`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Events delivered (duplicates are not counted).
    pub applied: usize,
    /// Holes found: lost history, each announced to subscribers.
    pub gaps: usize,
    /// The topic's `seq` afterwards.
    pub seq: u64,
    /// Subscribers whose waiting fix was replaced, summed over the events.
    pub conflated: usize,
}

/// Who listens on one node, beyond its connection count: what a cluster node reports
/// so that presence counts are cluster-wide.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Audience {
    /// Spectators online (open connections).
    #[serde(default)]
    pub online: usize,
    /// Followers per runner.
    #[serde(default)]
    pub followers: BTreeMap<String, usize>,
    /// Members per room.
    #[serde(default)]
    pub rooms: BTreeMap<String, usize>,
}

impl Audience {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Audience) {
        self.online += other.online;
        for (runner, n) in &other.followers {
            *self.followers.entry(runner.clone()).or_default() += n;
        }
        for (room, n) in &other.rooms {
            *self.rooms.entry(room.clone()).or_default() += n;
        }
    }
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
        }
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
                if self.topics.fetch_add(1, Ordering::Relaxed) >= self.max_topics {
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

    /// Applies events numbered elsewhere (by the cluster, in Redis), in order: each
    /// one after the topic's current `seq` is delivered and kept, older ones are
    /// duplicates and skipped. A hole before an event means history was lost: the
    /// topic's subscribers get an empty snapshot with a `too_old` gap first, so
    /// nobody mistakes the jump for continuity. A topic nobody here has seen yet
    /// just starts at the first event it is given.
    pub fn apply(
        &self,
        topic: &Topic,
        events: Vec<Numbered>,
        mut on_applied: impl FnMut(&Numbered),
    ) -> Result<Applied, ProtocolError> {
        let rules = self.history;
        let now = Instant::now();
        let mut shard = self.shard(topic);
        let state = self.entry(&mut shard, topic)?;
        let mut applied = Applied::default();
        for numbered in events {
            if numbered.seq <= state.seq {
                continue;
            }
            if numbered.seq > state.seq + 1 {
                let fresh = state.seq == 0 && state.history.is_empty();
                if !fresh {
                    applied.gaps += 1;
                    state.history.clear();
                    let header = ServerMsg::Snapshot {
                        topic: topic.clone(),
                        seq: numbered.seq - 1,
                        resumed: false,
                        gap: Some(Gap {
                            after: state.seq,
                            reason: GapReason::TooOld,
                        }),
                        count: 0,
                    };
                    push_to_app_subscribers(state, &header.encode().into());
                }
                state.seq = numbered.seq - 1;
            }
            state.seq = numbered.seq;
            on_applied(&numbered);
            let published = now
                .checked_sub(Duration::from_millis(
                    super::now_ms().saturating_sub(numbered.data.ts()),
                ))
                .unwrap_or(now);
            let event = Event::new(topic, numbered.seq, numbered.data, numbered.from, published);
            let fanout = deliver(state, event, now);
            applied.conflated += fanout.conflated;
            applied.applied += 1;
        }
        applied.seq = state.seq;
        state.trim(rules.keep(topic.kind()), rules.max_age, now);
        Ok(applied)
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

    /// Drops `topic` and its history if nobody here listens to it; true if dropped.
    /// A cluster node calls it when it stops following a topic in Redis, since the
    /// history would go stale.
    pub fn forget_if_idle(&self, topic: &Topic) -> bool {
        let mut shard = self.shard(topic);
        if shard.get(topic).is_some_and(|s| s.subscribers.is_empty()) {
            shard.remove(topic);
            self.topics.fetch_sub(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Forgets every topic's numbering and history, telling each subscriber with an
    /// empty snapshot and a `restarted` gap: the cluster's shared state was lost (Redis
    /// restarted without its data), so its sequence numbers begin again.
    pub fn restart_all(&self) {
        for mut shard in self.all_shards() {
            for (topic, state) in shard.iter_mut() {
                let header = ServerMsg::Snapshot {
                    topic: topic.clone(),
                    seq: 0,
                    resumed: false,
                    gap: Some(Gap {
                        after: state.seq,
                        reason: GapReason::Restarted,
                    }),
                    count: 0,
                };
                state.seq = 0;
                state.history.clear();
                if !matches!(topic, Topic::Presence) {
                    push_to_app_subscribers(state, &header.encode().into());
                }
            }
        }
    }

    /// Topics in memory with nobody listening here.
    pub fn idle_topics(&self) -> Vec<Topic> {
        let mut out = Vec::new();
        for shard in self.all_shards() {
            out.extend(
                shard
                    .iter()
                    .filter(|(_, s)| s.subscribers.is_empty())
                    .map(|(t, _)| t.clone()),
            );
        }
        out
    }

    /// Topics in memory.
    pub fn topics(&self) -> Vec<Topic> {
        let mut out = Vec::new();
        for shard in self.all_shards() {
            out.extend(shard.keys().cloned());
        }
        out
    }

    /// This node's own audience: followers per runner and members per room, for the
    /// cluster's presence report.
    pub fn local_audience(&self) -> Audience {
        let mut audience = Audience::default();
        for shard in self.all_shards() {
            for (topic, state) in shard.iter() {
                let n = state.subscribers.len();
                match topic {
                    Topic::Runner(runner) if n > 0 => {
                        audience.followers.insert(runner.as_str().to_owned(), n);
                    }
                    Topic::Room(room) if n > 0 => {
                        audience.rooms.insert(room.as_str().to_owned(), n);
                    }
                    _ => {}
                }
            }
        }
        audience
    }

    /// The latest fix of every runner that has one.
    pub fn latest_fixes(&self) -> Vec<LatestFix> {
        let mut out = Vec::new();
        for shard in self.all_shards() {
            for (topic, state) in shard.iter() {
                let Topic::Runner(runner) = topic else {
                    continue;
                };
                if let Some(EventData::Fix { lat, lng, ts, .. }) =
                    state.history.back().map(|e| &e.data)
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

    /// The presence frame for `online` spectators: followers per runner.
    /// `remote` is what the cluster's other nodes reported (empty on a single node).
    pub fn presence_frame(&self, online: usize, remote: &Audience) -> Utf8Bytes {
        let mut followers = self.followers();
        for (runner, n) in &remote.followers {
            *followers.entry(runner.clone()).or_default() += n;
        }
        presence_frame(online + remote.online, followers)
    }

    fn followers(&self) -> BTreeMap<String, usize> {
        let mut followers = BTreeMap::new();
        for shard in self.all_shards() {
            for (topic, state) in shard.iter() {
                if let Topic::Runner(runner) = topic
                    && !state.subscribers.is_empty()
                {
                    followers.insert(runner.as_str().to_owned(), state.subscribers.len());
                }
            }
        }
        followers
    }

    /// Sends presence to whoever should hear of a change: each room's members when
    /// its count changed, and `presence` subscribers when the spectator count or any
    /// runner's follower count changed. Called on a timer, so updates are throttled.
    /// `remote` is what the cluster's other nodes reported (empty on a single node).
    pub fn announce_presence(&self, online: usize, remote: &Audience) {
        for mut shard in self.all_shards() {
            for (topic, state) in shard.iter_mut() {
                let Topic::Room(room) = topic else {
                    continue;
                };
                let members =
                    state.subscribers.len() + remote.rooms.get(room.as_str()).copied().unwrap_or(0);
                if state.announced == Some(members) {
                    continue;
                }
                state.announced = Some(members);
                let frame = room_presence(topic, members);
                for subscriber in state.subscribers.values() {
                    if subscriber.format == WireFormat::App {
                        subscriber.outbox.push(frame.clone());
                    }
                }
            }
        }
        let mut followers = self.followers();
        for (runner, n) in &remote.followers {
            *followers.entry(runner.clone()).or_default() += n;
        }
        let online = online + remote.online;
        {
            let mut last = self.last_presence.lock().unwrap_or_else(|e| e.into_inner());
            if last
                .as_ref()
                .is_some_and(|(o, f)| *o == online && *f == followers)
            {
                return;
            }
            *last = Some((online, followers.clone()));
        }
        let frame = presence_frame(online, followers);
        let shard = self.shard(&Topic::Presence);
        if let Some(state) = shard.get(&Topic::Presence) {
            for subscriber in state.subscribers.values() {
                subscriber.outbox.push(frame.clone());
            }
        }
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

    /// Topics in memory, from a counter (cheap).
    pub fn topic_count(&self) -> usize {
        self.topics.load(Ordering::Relaxed)
    }
}

/// Queues `event` to every subscriber of `state` (not back to its sender) and keeps
/// it in history.
fn deliver(state: &mut TopicState, event: Arc<Event>, now: Instant) -> Fanout {
    // Only runner fixes may replace each other in a lagging client's queue.
    let key = matches!(event.topic, Topic::Runner(_)).then_some(state.key);
    let mut fanout = Fanout {
        seq: event.seq,
        ..Fanout::default()
    };
    for (conn, subscriber) in &state.subscribers {
        if event.from == Some(*conn) {
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

/// Decides what a subscriber starting `from` gets: (resumed, gap, events).
fn snapshot(
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

fn room_presence(topic: &Topic, online: usize) -> Utf8Bytes {
    ServerMsg::Presence {
        topic: topic.clone(),
        online,
        followers: None,
    }
    .encode()
    .into()
}

fn presence_frame(online: usize, followers: BTreeMap<String, usize>) -> Utf8Bytes {
    ServerMsg::Presence {
        topic: Topic::Presence,
        online,
        followers: Some(followers),
    }
    .encode()
    .into()
}
