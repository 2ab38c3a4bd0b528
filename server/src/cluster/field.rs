//! Changes to the event's field across the cluster: a change made on one node
//! ([`crate::roster::Roster::apply`], a token revocation) is published on one Redis
//! channel, and every other node applies it to its own store and race
//! ([`crate::roster::follow_cluster`]), within the time of one pub/sub message.
//!
//! A node that is down or cut off from Redis when a change is made misses it (pub/sub
//! keeps nothing): it keeps the field it had until the next change, which carries the
//! whole field.

use super::{Cluster, lock};

impl Cluster {
    /// Publishes `payload` (a change to the field, JSON) to the other nodes; false if
    /// Redis could not be reached.
    pub async fn announce_field(&self, payload: String) -> bool {
        let Some(mut link) = lock(&self.link).clone() else {
            return false;
        };
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(self.keys.field_channel())
            .arg(payload)
            .query_async(&mut link.conn)
            .await;
        sent.inspect_err(|err| tracing::warn!(%err, "cluster: a field change was not published"))
            .is_ok()
    }

    /// The changes to the field published by any node (this one's too), as they arrive.
    pub fn field_news(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.field_news.subscribe()
    }

    /// A message on the field channel.
    pub(crate) fn field_arrived(&self, payload: &[u8]) {
        if let Ok(text) = std::str::from_utf8(payload) {
            // No receiver (no event on this node): nothing to apply.
            let _ = self.field_news.send(text.to_owned());
        }
    }
}
