//! News between the nodes' consoles: a change an organiser (or the server) makes on
//! one node that every other node applies to its own store, race and pages. Each kind
//! has its own Redis channel ([`Channel`]); the module that makes the change publishes
//! it ([`Cluster::tell`]) and follows it on the other nodes ([`Cluster::news`]):
//!
//! - [`Channel::Field`]: the event's field and token revocations
//!   (`crate::roster::cluster`).
//! - [`Channel::Alerts`]: safety alerts raised, acknowledged, resolved
//!   (`crate::alerts::cluster`).
//! - [`Channel::RaceControl`]: the announcement (`crate::race_control::cluster`).
//!
//! Each arrives within the time of one pub/sub message. A node that is down or cut off
//! from Redis when a change is made misses it (pub/sub keeps nothing); a module can
//! also keep its latest news in Redis ([`Cluster::keep`]) for such a node to read when
//! it links again ([`Cluster::kept`], [`Cluster::link_changes`]).

use tokio::sync::broadcast;

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
    /// Publishes `payload` (JSON) on `channel` to every node; false if Redis could not
    /// be reached.
    pub async fn tell(&self, channel: Channel, payload: String) -> bool {
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
    pub async fn keep(&self, channel: Channel, scope: u64, payload: &str) {
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
    pub async fn kept(&self, channel: Channel, scope: u64) -> Option<String> {
        let mut link = lock(&self.link).clone()?;
        redis::cmd("GET")
            .arg(self.keys.kept(channel, scope))
            .query_async(&mut link.conn)
            .await
            .inspect_err(|err| tracing::warn!(%err, "cluster: kept news not read"))
            .ok()
            .flatten()
    }

    /// What any node (this one too) publishes on `channel`, as it arrives.
    pub fn news(&self, channel: Channel) -> broadcast::Receiver<String> {
        self.news.sender(channel).subscribe()
    }

    /// Changes each time the link to Redis goes up (true) or down.
    pub fn link_changes(&self) -> tokio::sync::watch::Receiver<bool> {
        self.up.subscribe()
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
