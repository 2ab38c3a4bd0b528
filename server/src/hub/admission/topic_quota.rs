//! Topics per address: the sockets of one address without a token hold at most
//! `--max-topics-per-ip` distinct topics between them.
//!
//! The per-connection limit alone lets one address fill the server's table: 1,000
//! sockets of 256 ids each reach the default `--max-topics` of 100,000 (the audit did
//! it), and then real spectators get `limit_reached` for real runners. Counting
//! distinct topics per address bounds what one address can put in memory; a topic
//! that several of its sockets follow counts once. Topics with room kept for them
//! in the table (the event's runners, `presence`) and the hub's own (`field`,
//! `board`) are not counted: they cannot fill it.

use std::{
    collections::{BTreeSet, HashMap},
    net::IpAddr,
    sync::Mutex,
};

use spectate_app::protocol::{ProtocolError, Topic};

/// The topics held per address.
#[derive(Debug)]
pub struct TopicQuota {
    /// For each address, each topic held and by how many of its connections.
    held: Mutex<HashMap<IpAddr, HashMap<Topic, u32>>>,
    max_per_address: usize,
}

impl TopicQuota {
    /// At most `max_per_address` distinct topics per address.
    pub fn new(max_per_address: usize) -> Self {
        Self {
            held: Mutex::default(),
            max_per_address,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, HashMap<Topic, u32>>> {
        // Every update leaves the map consistent before anything could panic.
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks that `address` may hold `topics` as well (those it holds are free).
    pub fn check(&self, address: IpAddr, topics: &[Topic]) -> Result<(), ProtocolError> {
        let held = self.lock();
        self.room_for(held.get(&address), topics)
    }

    fn room_for(
        &self,
        mine: Option<&HashMap<Topic, u32>>,
        topics: &[Topic],
    ) -> Result<(), ProtocolError> {
        let holds = mine.map_or(0, HashMap::len);
        let new = topics
            .iter()
            .filter(|t| !mine.is_some_and(|m| m.contains_key(*t)))
            .collect::<BTreeSet<_>>()
            .len();
        if holds + new > self.max_per_address {
            return Err(ProtocolError::LimitReached(format!(
                "the sockets of your address hold {holds} of the {} topics an address may hold without a token, and asked for {new} more",
                self.max_per_address
            )));
        }
        Ok(())
    }

    /// Holds `topic` for one more connection of `address`, if the quota allows.
    pub fn hold(&self, address: IpAddr, topic: &Topic) -> Result<(), ProtocolError> {
        let mut held = self.lock();
        self.room_for(held.get(&address), std::slice::from_ref(topic))?;
        *held
            .entry(address)
            .or_default()
            .entry(topic.clone())
            .or_default() += 1;
        Ok(())
    }

    /// Gives back one connection's hold of `topic`.
    pub fn release(&self, address: IpAddr, topic: &Topic) {
        let mut held = self.lock();
        let Some(mine) = held.get_mut(&address) else {
            return;
        };
        if let Some(n) = mine.get_mut(topic) {
            *n -= 1;
            if *n == 0 {
                mine.remove(topic);
            }
        }
        if mine.is_empty() {
            held.remove(&address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    #[test]
    fn an_address_holds_at_most_its_quota_of_distinct_topics() {
        let quota = TopicQuota::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        quota.hold(a, &topic("runner:1")).unwrap();
        quota.hold(a, &topic("runner:1")).unwrap();
        quota.hold(a, &topic("runner:2")).unwrap();
        assert!(quota.hold(a, &topic("runner:3")).is_err());
        assert!(
            quota
                .check(a, &[topic("runner:2"), topic("runner:1")])
                .is_ok()
        );
        quota.hold(b, &topic("runner:3")).unwrap();
        // runner:1 is held twice: one release keeps it.
        quota.release(a, &topic("runner:1"));
        assert!(quota.check(a, &[topic("runner:3")]).is_err());
        quota.release(a, &topic("runner:1"));
        quota.hold(a, &topic("runner:3")).unwrap();
        quota.release(a, &topic("runner:2"));
        quota.release(a, &topic("runner:3"));
        assert!(
            quota.lock().get(&a).is_none(),
            "nothing left of the address"
        );
    }
}
