//! Presence in the registry: who listens on this node ([`Audience`], what a cluster
//! node reports), and the counts announced to rooms and to `presence` subscribers (the
//! timer that calls [`TopicRegistry::announce_presence`] is [`crate::hub::presence`]).

use std::collections::BTreeMap;

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{ServerMsg, Topic};

use super::TopicRegistry;
use crate::hub::WireFormat;

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

impl TopicRegistry {
    /// This node's own audience: followers per runner and members per room, for the
    /// cluster's presence report.
    pub fn local_audience(&self) -> Audience {
        let mut audience = Audience::default();
        for shard in self.all_shards() {
            for (topic, state) in shard.iter() {
                let n = state.subscribers.len();
                match topic {
                    Topic::Runner(runner) if n > 0 && self.is_entrant(runner) => {
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

    /// The presence frame for `online` spectators: followers per runner.
    /// `remote` is what the cluster's other nodes reported (empty on a single node).
    pub fn presence_frame(&self, online: usize, remote: &Audience) -> Utf8Bytes {
        presence_frame(online + remote.online, self.followers(remote))
    }

    /// Followers per runner (only the event's count: anyone may follow any id, and an
    /// id nobody runs is not news), here and on the other nodes, at most
    /// [`PRESENCE_MAX_RUNNERS`] (the most followed).
    fn followers(&self, remote: &Audience) -> BTreeMap<String, usize> {
        let mut followers = BTreeMap::new();
        for shard in self.all_shards() {
            for (topic, state) in shard.iter() {
                if let Topic::Runner(runner) = topic
                    && !state.subscribers.is_empty()
                    && self.is_entrant(runner)
                {
                    followers.insert(runner.as_str().to_owned(), state.subscribers.len());
                }
            }
        }
        for (runner, n) in &remote.followers {
            *followers.entry(runner.clone()).or_default() += n;
        }
        if followers.len() > PRESENCE_MAX_RUNNERS {
            let mut counts: Vec<(String, usize)> = followers.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts.truncate(PRESENCE_MAX_RUNNERS);
            followers = counts.into_iter().collect();
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
        let followers = self.followers(remote);
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
}

/// Runners listed in a presence frame at most (the most followed): the frame stays
/// under about 20 KB whatever ids clients follow.
pub(crate) const PRESENCE_MAX_RUNNERS: usize = 1000;

pub(super) fn room_presence(topic: &Topic, online: usize) -> Utf8Bytes {
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
