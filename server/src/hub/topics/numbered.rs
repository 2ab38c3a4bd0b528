//! Events numbered elsewhere: a cluster node applies what Redis numbered
//! ([`TopicRegistry::apply`]), announces the holes it finds as gaps, starts numbering
//! again when Redis lost its data, and forgets topics it no longer follows.

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use spectate_app::protocol::{
    EventData, ProtocolError, ServerMsg, Topic,
    v1::{Gap, GapReason},
};

use super::{Event, TopicRegistry, deliver, push_to_app_subscribers};
use crate::hub::ConnId;

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

impl TopicRegistry {
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
                    crate::hub::now_ms().saturating_sub(numbered.data.ts()),
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
}
