//! The runner page's outbox: fixes taken but not yet acknowledged by the server.
//!
//! Every fix is published with a request id and stays queued until the server's
//! `ack` (or `error`) for that id arrives. When the link drops, nothing is lost: on
//! reconnect the whole queue is sent again, oldest first, with the device times the
//! fixes were taken at. Plain Rust, so it is unit-tested without a browser.

use std::collections::VecDeque;

use crate::protocol::{ClientMsg, LatLng, RunnerId, Topic, v1::Payload};

/// Fixes waiting for their acknowledgement, at most [`FixQueue::CAPACITY`].
#[derive(Debug, Clone, PartialEq)]
pub struct FixQueue {
    next_id: u64,
    pending: VecDeque<(u64, LatLng, u64)>,
}

impl Default for FixQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl FixQueue {
    /// Fixes kept while offline (about 8 hours at one every 5 s); past it the oldest
    /// go, because the newest matter most to spectators.
    pub const CAPACITY: usize = 6_000;

    /// An empty queue.
    pub fn new() -> Self {
        Self {
            next_id: 1,
            pending: VecDeque::new(),
        }
    }

    /// Queues a fix of `runner` taken at `taken_ms` and returns its `publish`.
    pub fn push(&mut self, runner: &RunnerId, position: LatLng, taken_ms: u64) -> ClientMsg {
        let id = self.next_id;
        self.next_id += 1;
        if self.pending.len() == Self::CAPACITY {
            self.pending.pop_front();
        }
        self.pending.push_back((id, position, taken_ms));
        publish(runner, id, position, taken_ms)
    }

    /// The server answered request `id` (ack or error): it leaves the queue.
    /// Returns true if it was queued.
    pub fn settle(&mut self, id: u64) -> bool {
        let before = self.pending.len();
        self.pending.retain(|(queued, _, _)| *queued != id);
        self.pending.len() != before
    }

    /// Every queued fix again, oldest first (after a reconnect).
    pub fn replay(&self, runner: &RunnerId) -> Vec<ClientMsg> {
        self.pending
            .iter()
            .map(|&(id, position, taken_ms)| publish(runner, id, position, taken_ms))
            .collect()
    }

    /// Fixes waiting.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True when everything was acknowledged.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

fn publish(runner: &RunnerId, id: u64, position: LatLng, taken_ms: u64) -> ClientMsg {
    ClientMsg::Publish {
        id: Some(id),
        topic: Topic::Runner(runner.clone()),
        data: Payload::fix_at(position, taken_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64) -> LatLng {
        LatLng::parse(lat, 2.0).unwrap()
    }

    #[test]
    fn unacknowledged_fixes_are_replayed_in_order_with_their_times() {
        let runner = RunnerId::parse("7").unwrap();
        let mut queue = FixQueue::new();
        let first = queue.push(&runner, at(1.0), 1_000);
        queue.push(&runner, at(2.0), 2_000);
        queue.push(&runner, at(3.0), 3_000);
        assert!(
            matches!(&first, ClientMsg::Publish { id: Some(1), data, .. } if data.t == Some(1_000))
        );
        assert!(queue.settle(2));
        assert!(!queue.settle(2));
        let again = queue.replay(&runner);
        let ids: Vec<Option<u64>> = again.iter().map(ClientMsg::id).collect();
        assert_eq!(ids, [Some(1), Some(3)]);
        assert_eq!(again[0], first);
        queue.settle(1);
        queue.settle(3);
        assert!(queue.is_empty());
    }

    #[test]
    fn past_capacity_the_oldest_fix_goes() {
        let runner = RunnerId::parse("7").unwrap();
        let mut queue = FixQueue::new();
        for i in 0..=FixQueue::CAPACITY as u64 {
            queue.push(&runner, at(0.0), i);
        }
        assert_eq!(queue.len(), FixQueue::CAPACITY);
        assert_eq!(queue.replay(&runner)[0].id(), Some(2));
    }
}
