//! One connection's subscriptions, released when the connection ends.
//!
//! A [`SubscriptionSet`] is the only way a socket (or stream) subscribes to topics.
//! It enforces the per-connection topic limit and, for a connection without a token,
//! its address's topic quota (see [`crate::hub::admission::topic_quota`]); because it
//! unsubscribes everything in `Drop`, no exit path of a handler (error, close, panic,
//! cancellation) can leave a dead connection registered in the hub or holding its
//! address's quota.

use std::{collections::BTreeSet, net::IpAddr, sync::Arc};

use spectate_app::protocol::{ProtocolError, Topic};

use crate::hub::{
    ConnId, Hub, Outbox, WireFormat,
    topics::{StartFrom, Subscriber},
};

/// The topics one connection is subscribed to.
pub struct SubscriptionSet {
    hub: Arc<Hub>,
    conn: ConnId,
    subscriber: Subscriber,
    topics: BTreeSet<Topic>,
    /// The connection holds a token (see [`Hub::subscribe`]).
    trusted: bool,
    /// The address whose topic quota an untrusted connection counts against.
    address: Option<IpAddr>,
    /// The topics this set holds in its address's quota.
    counted: BTreeSet<Topic>,
}

impl std::fmt::Debug for SubscriptionSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionSet")
            .field("conn", &self.conn)
            .field("topics", &self.topics.len())
            .finish()
    }
}

impl SubscriptionSet {
    /// No subscriptions yet; frames will go to `outbox` in `format`.
    pub fn new(hub: Arc<Hub>, conn: ConnId, outbox: Outbox, format: WireFormat) -> Self {
        Self {
            hub,
            conn,
            subscriber: Subscriber { outbox, format },
            topics: BTreeSet::new(),
            trusted: false,
            address: None,
            counted: BTreeSet::new(),
        }
    }

    /// Counts the topics of this set against `address`'s quota while the connection
    /// holds no token.
    pub fn counted_for(mut self, address: Option<IpAddr>) -> Self {
        self.address = address;
        self
    }

    /// Whether the connection holds a token (or the server is open): one that does
    /// may follow ids outside the event, and its address's quota does not apply.
    pub fn set_trusted(&mut self, trusted: bool) {
        self.trusted = trusted;
    }

    /// The address whose quota `topic` would count against, if any: topics with
    /// room kept in the table and the hub's own cannot fill it.
    fn quota_for(&self, topic: &Topic) -> Option<IpAddr> {
        let counts = !matches!(topic, Topic::Field | Topic::Board)
            && !self.hub.topics.reserved(topic)
            && !self.topics.contains(topic);
        self.address.filter(|_| counts && !self.trusted)
    }

    /// Checks that subscribing to `topics` stays within the per-connection limit and
    /// the address's quota.
    pub fn check_room_for(&self, topics: &[Topic]) -> Result<(), ProtocolError> {
        let limit = self.hub.limits.max_topics_per_conn;
        let new: BTreeSet<&Topic> = topics
            .iter()
            .filter(|t| !self.topics.contains(*t))
            .collect();
        if self.topics.len() + new.len() > limit {
            return Err(ProtocolError::LimitReached(format!(
                "a connection may hold at most {limit} topics; it holds {} and asked for {} more",
                self.topics.len(),
                new.len()
            )));
        }
        self.check_quota(new.into_iter())
    }

    /// Checks the address's quota for `topics`.
    fn check_quota<'t>(
        &self,
        topics: impl Iterator<Item = &'t Topic>,
    ) -> Result<(), ProtocolError> {
        let Some(address) = self.address.filter(|_| !self.trusted) else {
            return Ok(());
        };
        let counted: Vec<Topic> = topics
            .filter(|t| self.quota_for(t).is_some())
            .cloned()
            .collect();
        self.hub.admission.topics().check(address, &counted)
    }

    /// Subscribes to `topic` (the snapshot is queued at once).
    pub fn add(&mut self, topic: &Topic, from: StartFrom) -> Result<(), ProtocolError> {
        self.check_room_for(std::slice::from_ref(topic))?;
        self.subscribe(topic, from)
    }

    /// Subscribes to `topic` within the address's quota, without the per-connection
    /// check (the caller made it).
    fn subscribe(&mut self, topic: &Topic, from: StartFrom) -> Result<(), ProtocolError> {
        let quota = self.quota_for(topic);
        if let Some(address) = quota {
            self.hub.admission.topics().hold(address, topic)?;
        }
        let subscribed = self
            .hub
            .subscribe(self.conn, topic, &self.subscriber, from, self.trusted);
        match (subscribed, quota) {
            (Ok(_), Some(_)) => {
                self.counted.insert(topic.clone());
            }
            (Ok(_), None) => {}
            (Err(err), quota) => {
                if let Some(address) = quota {
                    self.hub.admission.topics().release(address, topic);
                }
                return Err(err);
            }
        }
        self.topics.insert(topic.clone());
        Ok(())
    }

    /// Unsubscribes from `topic`, if subscribed.
    pub fn remove(&mut self, topic: &Topic) {
        if self.topics.remove(topic) {
            self.hub.unsubscribe(self.conn, topic);
            self.release(topic);
        }
    }

    fn release(&mut self, topic: &Topic) {
        if let Some(address) = self.address
            && self.counted.remove(topic)
        {
            self.hub.admission.topics().release(address, topic);
        }
    }

    /// True if subscribed to `topic`.
    pub fn contains(&self, topic: &Topic) -> bool {
        self.topics.contains(topic)
    }

    /// Checks that the set may become exactly `wanted`: the per-connection limit
    /// and the address's quota.
    pub fn check_replace(&self, wanted: &[Topic]) -> Result<(), ProtocolError> {
        let keep: BTreeSet<&Topic> = wanted.iter().collect();
        let limit = self.hub.limits.max_topics_per_conn;
        if keep.len() > limit {
            return Err(ProtocolError::LimitReached(format!(
                "a connection may hold at most {limit} topics; this asks for {}",
                keep.len()
            )));
        }
        self.check_quota(keep.into_iter())
    }

    /// Makes the set exactly `wanted` (the seed hello replaces the follow list), or
    /// leaves it as it was and says why: all or nothing. Topics kept are not
    /// re-subscribed.
    pub fn replace(&mut self, wanted: &[Topic]) -> Result<(), ProtocolError> {
        self.check_replace(wanted)?;
        let keep: BTreeSet<&Topic> = wanted.iter().collect();
        let new: Vec<Topic> = keep
            .iter()
            .filter(|t| !self.topics.contains(**t))
            .map(|t| (*t).clone())
            .collect();
        // The new ones first, so that a refusal halfway leaves the old list whole.
        for (i, topic) in new.iter().enumerate() {
            if let Err(err) = self.subscribe(topic, StartFrom::Fresh) {
                new[..i].iter().for_each(|t| self.remove(t));
                return Err(err);
            }
        }
        let stale: Vec<Topic> = self
            .topics
            .iter()
            .filter(|t| !keep.contains(t))
            .cloned()
            .collect();
        stale.iter().for_each(|t| self.remove(t));
        Ok(())
    }
}

impl Drop for SubscriptionSet {
    fn drop(&mut self) {
        for topic in std::mem::take(&mut self.topics) {
            self.hub.unsubscribe(self.conn, &topic);
            self.release(&topic);
        }
    }
}
