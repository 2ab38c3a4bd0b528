//! Cluster mode: several Spectate nodes share their topics through Redis.
//!
//! With `--redis-url`, a node stops numbering events itself. Every publish, whatever
//! door it came through, goes to Redis as one Lua script ([`publisher`]) that, in one
//! atomic step, takes the topic's next `seq` (`INCR`), appends the event to the
//! topic's bounded history (a stream whose entry ids *are* the seqs), and publishes it
//! on the topic's channel. Every node subscribed to that channel ([`link`]) applies
//! the event to its local [`TopicRegistry`](crate::hub::TopicRegistry), which fans it
//! out to that node's sockets exactly as on a single node. So:
//!
//! - **Global order**: Redis runs scripts one at a time, and pub/sub delivers a
//!   connection's messages in order, so every node sees every topic's events in seq
//!   order; a node applies only the event right after the last it has, so a duplicate
//!   is skipped and a hole is filled from the stream before anything after it.
//! - **Encode once per node**: an event crosses Redis once per node that follows its
//!   topic, and each node encodes it once for all its sockets.
//! - **Only what is followed**: a node subscribes to a topic's channel when its first
//!   client follows it and leaves it after a while without any. The exception is an
//!   event's runners: every node's leaderboard needs every fix, so a node with an
//!   event follows all `runner:` channels (one pattern).
//! - **Shared history**: snapshot and resume on any node read the same stream, so a
//!   client that reconnects to another node resumes with exactly what it missed. The
//!   `epoch` of the welcome frame is the cluster's, kept in Redis.
//! - **Presence** ([`presence`]): each node reports its audience under a key that
//!   expires, so a dead node's spectators drop out of the counts within seconds.
//!
//! When Redis is unreachable a node keeps its sockets and serves what it has, refuses
//! publishes with `unavailable` (trackers and the runner page send again later),
//! reports `degraded` in `/healthz` and reconnects with backoff. If Redis came back
//! without its data, the epoch changed: the node tells every subscriber with a
//! `restarted` gap, and numbering starts again.

pub mod alerts;
pub mod keys;
pub mod link;
pub mod news;
pub mod presence;
pub mod publisher;
mod runners;

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use spectate_app::protocol::{EventData, ProtocolError, Topic, TopicKind};
use tokio::{
    sync::{Notify, mpsc, oneshot, watch},
    task::JoinHandle,
};

use crate::hub::{ConnId, Hub, topics::Audience};

/// How many publishes may wait for Redis before new ones are refused.
const QUEUE: usize = 65_536;

/// Counters of the traffic between this node and Redis, for `/metrics` and the
/// benchmark.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Events this node published through Redis.
    pub published: AtomicU64,
    /// Bytes of those publishes' payloads.
    pub published_bytes: AtomicU64,
    /// Events this node received from Redis (pub/sub and history reads).
    pub received: AtomicU64,
    /// Bytes of those events' payloads.
    pub received_bytes: AtomicU64,
    /// Holes in history found while applying (announced as gaps).
    pub gaps: AtomicU64,
    /// Times the link to Redis was (re)established.
    pub connects: AtomicU64,
    /// Publishes refused or failed because Redis was unreachable.
    pub refused: AtomicU64,
}

/// One publish on its way to Redis.
#[derive(Debug)]
pub struct Outgoing {
    topic: Topic,
    data: EventData,
    from: Option<ConnId>,
    done: Option<oneshot::Sender<Result<(), ProtocolError>>>,
    /// For a publish made at most once cluster-wide: the key its first offer sets.
    once: Option<String>,
}

/// This node's membership of a cluster.
#[derive(Debug)]
pub struct Cluster {
    /// This node's name in Redis (random per run).
    pub node: String,
    /// Names in Redis.
    pub keys: keys::Keys,
    client: redis::Client,
    link: Mutex<Option<link::Link>>,
    up: watch::Sender<bool>,
    /// Topics whose channel this node subscribes to, because a client here follows them.
    wanted: Mutex<HashSet<Topic>>,
    outgoing: mpsc::Sender<Outgoing>,
    incoming: Mutex<Option<mpsc::Receiver<Outgoing>>>,
    /// A node with an event follows every runner (its leaderboard needs every fix);
    /// set when the node starts with one, or later ([`runners`]).
    follow_runners: AtomicBool,
    /// Events kept per topic in Redis.
    history_len: usize,
    leader: AtomicBool,
    /// The cluster's epoch, as last read from Redis.
    epoch: Mutex<String>,
    remote: Mutex<Audience>,
    /// Wakes the link to reconnect (a publish saw the epoch change, a report failed).
    broken: Notify,
    /// Traffic counters.
    pub traffic: Traffic,
    /// News between the consoles, as it arrives ([`news`]).
    news: news::Channels,
}

/// Why cluster mode could not start.
#[derive(Debug, thiserror::Error)]
#[error("invalid --redis-url: {0}")]
pub struct ClusterError(String);

impl Cluster {
    /// A node of the cluster at `redis_url`; nothing connects until [`start`].
    pub fn new(
        redis_url: &str,
        prefix: &str,
        follow_runners: bool,
        history_len: usize,
    ) -> Result<Self, ClusterError> {
        let client = redis::Client::open(redis_url).map_err(|e| ClusterError(e.to_string()))?;
        let (outgoing, incoming) = mpsc::channel(QUEUE);
        Ok(Self {
            node: format!("{:012x}", fastrand::u64(..) >> 16),
            keys: keys::Keys::new(prefix),
            client,
            link: Mutex::new(None),
            up: watch::channel(false).0,
            wanted: Mutex::new(HashSet::new()),
            outgoing,
            incoming: Mutex::new(Some(incoming)),
            follow_runners: AtomicBool::new(follow_runners),
            history_len: history_len.max(1),
            leader: AtomicBool::new(false),
            epoch: Mutex::new(String::new()),
            remote: Mutex::new(Audience::default()),
            broken: Notify::new(),
            traffic: Traffic::default(),
            news: news::Channels::default(),
        })
    }

    /// True while the link to Redis is up.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Waits until the link is up, at most `timeout`; true if it is.
    pub async fn wait_up(&self, timeout: std::time::Duration) -> bool {
        let mut up = self.up.subscribe();
        tokio::time::timeout(timeout, up.wait_for(|up| *up))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// True if this node holds the lease for cluster-wide feeds (the happiness
    /// series): one node produces them, not every node.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Relaxed)
    }

    /// What the other nodes last reported.
    pub fn remote_audience(&self) -> Audience {
        lock(&self.remote).clone()
    }

    /// Hands `data` on `topic` to Redis to be numbered and delivered; refused at once
    /// while Redis is unreachable or the queue is full.
    pub fn publish(
        &self,
        topic: Topic,
        data: EventData,
        from: Option<ConnId>,
    ) -> Result<(), ProtocolError> {
        self.enqueue(Outgoing {
            topic,
            data,
            from,
            done: None,
            once: None,
        })
    }

    /// [`Self::publish`], once cluster-wide for the name `once`: the publishing script
    /// sets a key for it, and an offer that finds the key already set is dropped. Every
    /// node that records a runner's split offers it; followers get it once.
    pub fn publish_once(
        &self,
        topic: Topic,
        data: EventData,
        once: &str,
    ) -> Result<(), ProtocolError> {
        self.enqueue(Outgoing {
            topic,
            data,
            from: None,
            done: None,
            once: Some(self.keys.once(once)),
        })
    }

    /// [`Self::publish`], resolving once Redis has taken it: what an acknowledgement
    /// to a tracker must wait for.
    pub async fn publish_confirmed(
        &self,
        topic: Topic,
        data: EventData,
    ) -> Result<(), ProtocolError> {
        let (done, result) = oneshot::channel();
        self.enqueue(Outgoing {
            topic,
            data,
            from: None,
            done: Some(done),
            once: None,
        })?;
        result.await.unwrap_or_else(|_| Err(unavailable()))
    }

    fn enqueue(&self, outgoing: Outgoing) -> Result<(), ProtocolError> {
        if !self.is_up() {
            self.traffic.refused.fetch_add(1, Ordering::Relaxed);
            return Err(unavailable());
        }
        self.outgoing.try_send(outgoing).map_err(|_| {
            self.traffic.refused.fetch_add(1, Ordering::Relaxed);
            ProtocolError::Unavailable("the cluster's publish queue is full; try again".into())
        })
    }

    /// Makes sure this node follows `topics` in Redis and has their history, so a
    /// snapshot or resume served here is the cluster's. Cheap when already followed.
    /// While Redis is down the topics are remembered and followed on reconnect.
    pub async fn follow(&self, hub: &Hub, topics: &[Topic]) {
        for topic in topics {
            // Presence is reported apart; the field and the board are made on each
            // node from the runners' fixes it already receives.
            if matches!(
                topic.kind(),
                TopicKind::Presence | TopicKind::Field | TopicKind::Board
            ) {
                continue;
            }
            if self.follows_runners() && matches!(topic, Topic::Runner(_)) {
                if hub.topics.seq(topic).is_none() {
                    self.catch_up(hub, topic).await;
                }
                continue;
            }
            if !lock(&self.wanted).insert(topic.clone()) {
                continue;
            }
            let Some(mut link) = self.link() else {
                continue;
            };
            if let Err(err) = link.sink.subscribe(self.keys.channel(topic)).await {
                tracing::warn!(%err, %topic, "cluster: subscribe failed");
                self.broken.notify_one();
                continue;
            }
            self.catch_up(hub, topic).await;
        }
    }

    /// True if this node subscribes to `topic`'s channel.
    pub fn follows(&self, topic: &Topic) -> bool {
        matches!(topic.kind(), TopicKind::Presence)
            || (self.follows_runners() && matches!(topic, Topic::Runner(_)))
            || lock(&self.wanted).contains(topic)
    }

    /// Reads what `topic`'s stream has past this node's latest and applies it.
    async fn catch_up(&self, hub: &Hub, topic: &Topic) {
        let Some(mut link) = self.link() else {
            return;
        };
        let after = hub.topics.seq(topic).unwrap_or(0);
        match link.history(self, topic, after, None).await {
            Ok(events) => link::apply(hub, self, topic, events),
            Err(err) => {
                tracing::warn!(%err, %topic, "cluster: history read failed");
                self.broken.notify_one();
            }
        }
    }

    fn link(&self) -> Option<link::Link> {
        lock(&self.link).clone()
    }

    fn set_link(&self, link: Option<link::Link>) {
        let up = link.is_some();
        *lock(&self.link) = link;
        self.up.send_replace(up);
    }
}

impl Cluster {
    /// The cluster's lines of `/metrics` (Prometheus text format).
    pub fn render_metrics(&self) -> String {
        let t = &self.traffic;
        let counters = [
            (
                "published",
                "Events this node published through Redis.",
                &t.published,
            ),
            (
                "published_bytes",
                "Payload bytes this node published through Redis.",
                &t.published_bytes,
            ),
            (
                "received",
                "Events this node received from Redis.",
                &t.received,
            ),
            (
                "received_bytes",
                "Payload bytes this node received from Redis.",
                &t.received_bytes,
            ),
            (
                "gaps",
                "Holes in history announced to clients as gaps.",
                &t.gaps,
            ),
            (
                "connects",
                "Times the link to Redis was established.",
                &t.connects,
            ),
            (
                "refused",
                "Publishes refused or failed because Redis was unreachable.",
                &t.refused,
            ),
        ];
        let mut out = format!(
            "# HELP spectate_cluster_up 1 while the link to Redis is up.\n# TYPE spectate_cluster_up gauge\nspectate_cluster_up {}\n",
            u8::from(self.is_up())
        );
        for (name, help, counter) in counters {
            out.push_str(&format!(
                "# HELP spectate_cluster_{name}_total {help}\n# TYPE spectate_cluster_{name}_total counter\nspectate_cluster_{name}_total {}\n",
                counter.load(Ordering::Relaxed)
            ));
        }
        out.push_str(&format!(
            "# HELP spectate_cluster_leader 1 while this node produces the cluster-wide feeds.\n# TYPE spectate_cluster_leader gauge\nspectate_cluster_leader {}\n",
            u8::from(self.is_leader())
        ));
        out
    }
}

/// Starts the link, the publisher and the presence reports.
pub fn start(hub: Arc<Hub>, cluster: Arc<Cluster>) -> Vec<JoinHandle<()>> {
    let incoming = lock(&cluster.incoming)
        .take()
        .expect("a cluster starts once");
    vec![
        tokio::spawn(link::run(hub.clone(), cluster.clone())),
        tokio::spawn(publisher::run(cluster.clone(), incoming)),
        presence::start(hub, cluster),
    ]
}

/// The refusal while Redis is unreachable.
pub fn unavailable() -> ProtocolError {
    ProtocolError::Unavailable("the cluster's Redis is unreachable; try again shortly".into())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The hub knows the cluster only through this (see [`crate::hub::relay`]).
impl crate::hub::relay::Relay for Cluster {
    fn publish(
        &self,
        topic: Topic,
        data: EventData,
        from: Option<ConnId>,
    ) -> Result<(), ProtocolError> {
        Cluster::publish(self, topic, data, from)
    }

    fn publish_once(&self, topic: Topic, data: EventData, once: &str) -> Result<(), ProtocolError> {
        Cluster::publish_once(self, topic, data, once)
    }

    fn publish_confirmed(
        &self,
        topic: Topic,
        data: EventData,
    ) -> crate::hub::relay::RelayFuture<'_, Result<(), ProtocolError>> {
        Box::pin(Cluster::publish_confirmed(self, topic, data))
    }

    fn follow<'a>(
        &'a self,
        hub: &'a Hub,
        topics: &'a [Topic],
    ) -> crate::hub::relay::RelayFuture<'a, ()> {
        Box::pin(Cluster::follow(self, hub, topics))
    }

    fn ready(&self) -> Result<(), ProtocolError> {
        if self.is_up() {
            Ok(())
        } else {
            Err(unavailable())
        }
    }

    fn is_leader(&self) -> bool {
        Cluster::is_leader(self)
    }

    fn remote_audience(&self) -> Audience {
        Cluster::remote_audience(self)
    }

    fn render_metrics(&self) -> String {
        Cluster::render_metrics(self)
    }
}
