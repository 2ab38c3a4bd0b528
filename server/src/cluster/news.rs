//! News between the nodes' consoles: a change an organiser (or the server) makes on
//! one node that every other node applies to its own store, race and pages. Each kind
//! has its own Redis channel ([`Channel`]); the module that makes the change publishes
//! it ([`Cluster::tell`]) and follows it on the other nodes ([`Cluster::news`]):
//!
//! Every message is an [`Envelope`]: the news and the node it comes from, so a node
//! skips its own. [`listen`] is the one loop that follows a channel.
//!
//! - [`Channel::Field`]: the event's field and token revocations
//!   (`crate::roster::cluster`).
//! - [`Channel::Alerts`]: safety alerts raised, acknowledged, resolved
//!   (`crate::alerts::cluster`).
//! - [`Channel::RaceControl`]: the announcement (`crate::race_control::cluster`).
//!
//! Each arrives within the time of one pub/sub message. A node that is down or cut off
//! from Redis when a change is made misses it (pub/sub keeps nothing); a module can
//! also keep its latest news in Redis ([`Cluster::keep_news`]) for such a node to read
//! when it links again ([`Heard::Linked`], [`Cluster::kept_news`]).

use std::{future::Future, sync::Arc};

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::{
    sync::broadcast::{self, error::RecvError},
    task::JoinHandle,
};

use super::{Cluster, lock};

/// Messages waiting for a slow follower before it misses some.
const BACKLOG: usize = 256;

/// How long kept news lives in Redis, seconds: longer than any race.
const KEPT_S: u64 = 7 * 24 * 3600;

/// A kind of news, with its own channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// The field and revocations.
    Field,
    /// Safety alerts.
    Alerts,
    /// The announcement.
    RaceControl,
}

impl Channel {
    /// Every channel, which the link subscribes to.
    pub const ALL: [Self; 3] = [Self::Field, Self::Alerts, Self::RaceControl];

    /// Its name under the cluster's prefix.
    pub fn name(self) -> &'static str {
        match self {
            Self::Field => "field",
            Self::Alerts => "alerts",
            Self::RaceControl => "race_control",
        }
    }
}

/// A message between nodes: the node it comes from, and the news.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope<T> {
    node: String,
    news: T,
}

/// What a follower of a channel hears ([`listen`]).
#[derive(Debug)]
pub enum Heard<T> {
    /// News another node published.
    News(T),
    /// The link to Redis came up (at start, or after a cut): news published while it
    /// was down did not arrive.
    Linked,
}

/// The news of each channel as it arrives, for the modules that follow it.
#[derive(Debug)]
pub struct Channels {
    senders: [broadcast::Sender<String>; 3],
}

impl Default for Channels {
    fn default() -> Self {
        Self {
            senders: std::array::from_fn(|_| broadcast::channel(BACKLOG).0),
        }
    }
}

impl Channels {
    fn sender(&self, channel: Channel) -> &broadcast::Sender<String> {
        // One sender per variant, in declaration order.
        &self.senders[channel as usize]
    }
}

impl Cluster {
    /// Publishes `news` on `channel` to the other nodes, in an [`Envelope`]; false if
    /// it could not be sent.
    pub async fn tell_news<T: Serialize>(&self, channel: Channel, news: &T) -> bool {
        match self.envelope(news) {
            Some(payload) => self.tell(channel, payload).await,
            None => false,
        }
    }

    /// Keeps `news` in Redis as the latest of `channel` for `scope` (the race), for a
    /// node that links later to read ([`Self::kept_news`]); for [`KEPT_S`].
    pub async fn keep_news<T: Serialize>(&self, channel: Channel, scope: u64, news: &T) {
        if let Some(payload) = self.envelope(news) {
            self.keep(channel, scope, &payload).await;
        }
    }

    /// The latest news of `channel` for `scope` kept in Redis, unless there is none or
    /// this node kept it.
    pub async fn kept_news<T: DeserializeOwned>(&self, channel: Channel, scope: u64) -> Option<T> {
        let payload = self.kept(channel, scope).await?;
        self.opened(channel, &payload)
    }

    fn envelope<T: Serialize>(&self, news: &T) -> Option<String> {
        let node = self.node.clone();
        serde_json::to_string(&Envelope { node, news })
            .inspect_err(|err| tracing::warn!(%err, "cluster: news could not be encoded"))
            .ok()
    }

    /// The news in `payload`, unless this node sent it (or it cannot be read).
    fn opened<T: DeserializeOwned>(&self, channel: Channel, payload: &str) -> Option<T> {
        match serde_json::from_str::<Envelope<T>>(payload) {
            Ok(envelope) if envelope.node == self.node => None,
            Ok(envelope) => Some(envelope.news),
            Err(err) => {
                tracing::warn!(%err, channel = channel.name(), "cluster: undecodable news skipped");
                None
            }
        }
    }

    /// Publishes `payload` (JSON) on `channel` to every node; false if Redis could not
    /// be reached.
    async fn tell(&self, channel: Channel, payload: String) -> bool {
        let Some(mut link) = lock(&self.link).clone() else {
            tracing::warn!(
                channel = channel.name(),
                "cluster: news not sent, Redis is unreachable"
            );
            return false;
        };
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(self.keys.news(channel))
            .arg(payload)
            .query_async(&mut link.conn)
            .await;
        sent.inspect_err(|err| {
            tracing::warn!(%err, channel = channel.name(), "cluster: news not published");
        })
        .is_ok()
    }

    /// Keeps `payload` in Redis as the latest of `channel` for `scope` (the race), for
    /// a node that links later ([`Self::kept`]); for [`KEPT_S`].
    async fn keep(&self, channel: Channel, scope: u64, payload: &str) {
        let Some(mut link) = lock(&self.link).clone() else {
            return;
        };
        let kept: redis::RedisResult<()> = redis::cmd("SET")
            .arg(self.keys.kept(channel, scope))
            .arg(payload)
            .arg("EX")
            .arg(KEPT_S)
            .query_async(&mut link.conn)
            .await;
        if let Err(err) = kept {
            tracing::warn!(%err, channel = channel.name(), "cluster: news not kept");
        }
    }

    /// The latest of `channel` for `scope` that a node kept, if any.
    async fn kept(&self, channel: Channel, scope: u64) -> Option<String> {
        let mut link = lock(&self.link).clone()?;
        redis::cmd("GET")
            .arg(self.keys.kept(channel, scope))
            .query_async(&mut link.conn)
            .await
            .inspect_err(|err| tracing::warn!(%err, "cluster: kept news not read"))
            .ok()
            .flatten()
    }

    /// The Redis channels of every kind of news.
    pub(crate) fn news_channels(&self) -> Vec<String> {
        Channel::ALL.iter().map(|c| self.keys.news(*c)).collect()
    }

    /// A message on Redis channel `name`: handed to its followers if it is news;
    /// false if `name` is no news channel.
    pub(crate) fn news_arrived(&self, name: &str, payload: &[u8]) -> bool {
        let Some(channel) = Channel::ALL
            .into_iter()
            .find(|c| self.keys.news(*c) == name)
        else {
            return false;
        };
        if let Ok(text) = std::str::from_utf8(payload) {
            // No follower (no event on this node): nothing to apply.
            let _ = self.news.sender(channel).send(text.to_owned());
        }
        true
    }
}

/// Hands `handle` the news other nodes publish on `channel`, in order, and
/// [`Heard::Linked`] each time the link to Redis comes up; until the server stops.
/// Start it before the link, so that nothing is missed.
pub fn listen<T, F, Fut>(cluster: &Arc<Cluster>, channel: Channel, mut handle: F) -> JoinHandle<()>
where
    T: DeserializeOwned + Send + 'static,
    F: FnMut(Heard<T>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let mut news = cluster.news.sender(channel).subscribe();
    let mut link = cluster.up.subscribe();
    let cluster = cluster.clone();
    tokio::spawn(async move {
        loop {
            let payload = tokio::select! {
                received = news.recv() => match received {
                    Ok(payload) => payload,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, channel = channel.name(), "cluster: news missed");
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                },
                changed = link.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if *link.borrow_and_update() {
                        handle(Heard::Linked).await;
                    }
                    continue;
                }
            };
            if let Some(news) = cluster.opened(channel, &payload) {
                handle(Heard::News(news)).await;
            }
        }
    })
}
