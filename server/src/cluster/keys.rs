//! The names this cluster uses in Redis: every key and channel under one prefix.

use spectate_app::protocol::Topic;

/// Redis key and channel names, all under one prefix so several clusters (or tests)
/// can share a Redis.
#[derive(Clone, Debug)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Names under `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The channel a topic's events are published on.
    pub fn channel(&self, topic: &Topic) -> String {
        format!("{}:t:{topic}", self.prefix)
    }

    /// The pattern matching every runner channel.
    pub fn runner_pattern(&self) -> String {
        format!("{}:t:runner:*", self.prefix)
    }

    /// The topic of a channel name, if it is one of ours.
    pub fn topic_of(&self, channel: &str) -> Option<Topic> {
        let name = channel.strip_prefix(&self.prefix)?.strip_prefix(":t:")?;
        Topic::parse(name).ok()
    }

    /// The channel of one kind of news between consoles (`super::news`), not a topic.
    pub fn news(&self, channel: super::news::Channel) -> String {
        format!("{}:{}", self.prefix, channel.name())
    }

    /// The latest news of `channel` kept for `scope` (a race, by its start).
    pub fn kept(&self, channel: super::news::Channel, scope: u64) -> String {
        format!("{}:{}:kept:{scope}", self.prefix, channel.name())
    }

    /// The counter that numbers safety alerts across the cluster.
    pub fn alert_ids(&self) -> String {
        format!("{}:alerts:id", self.prefix)
    }

    /// The number of the open alert of `whose`, while one is open.
    pub fn open_alert(&self, whose: super::alerts::Whose<'_>) -> String {
        format!(
            "{}:alerts:open:{}:{}:{}",
            self.prefix, whose.race_start_ms, whose.runner, whose.kind
        )
    }

    /// Every alert as it is now, by number (a hash of JSON).
    pub fn alert_record(&self) -> String {
        format!("{}:alerts:record", self.prefix)
    }

    /// A topic's sequence counter.
    pub fn seq(&self, topic: &Topic) -> String {
        format!("{}:seq:{topic}", self.prefix)
    }

    /// A topic's history stream.
    pub fn history(&self, topic: &Topic) -> String {
        format!("{}:h:{topic}", self.prefix)
    }

    /// The cluster's epoch: changes only when Redis loses its data.
    pub fn epoch(&self) -> String {
        format!("{}:epoch", self.prefix)
    }

    /// The sorted set of live nodes (score: last report, ms).
    pub fn nodes(&self) -> String {
        format!("{}:nodes", self.prefix)
    }

    /// One node's audience report.
    pub fn node(&self, node: &str) -> String {
        format!("{}:node:{node}", self.prefix)
    }

    /// The lease of the node that runs the cluster-wide feeds.
    pub fn leader(&self) -> String {
        format!("{}:leader", self.prefix)
    }

    /// Set by the first publish under the name `once` (see [`Cluster::publish_once`]).
    pub fn once(&self, once: &str) -> String {
        format!("{}:once:{once}", self.prefix)
    }
}
