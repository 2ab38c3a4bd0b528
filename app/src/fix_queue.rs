//! The runner page's outbox: fixes taken but not yet acknowledged by the server.
//!
//! Every fix is published with a request id and stays queued until the server's
//! `ack` (or a final `error`) for that id arrives. One fix is in flight at a time: the
//! next goes when the previous is answered, so the server stores and publishes them
//! strictly in order, and a phone flushing an hour kept offline cannot overrun the
//! per-connection publish rate. A refusal that says "later" (`rate_limited`, or
//! `unavailable` when the store failed) holds the queue; [`FixQueue::resume`] sends
//! the same fix again. When the link drops nothing is lost: on reconnect
//! [`FixQueue::replay`] starts again from the oldest unacknowledged fix, with the
//! device time it was taken at. Plain Rust, so it is unit-tested without a browser.

use std::collections::VecDeque;

use crate::protocol::{ClientMsg, LatLng, RunnerId, Topic, v1::Payload};

/// Fixes waiting for their acknowledgement, at most [`FixQueue::CAPACITY`].
#[derive(Debug, Clone, PartialEq)]
pub struct FixQueue {
    next_id: u64,
    pending: VecDeque<(u64, LatLng, u64)>,
    /// The fix sent and not yet answered.
    in_flight: Option<u64>,
    /// Held after a "later" refusal, until [`FixQueue::resume`].
    held: bool,
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
            in_flight: None,
            held: false,
        }
    }

    /// Queues a fix of `runner` taken at `taken_ms`; returns the `publish` to send
    /// now, if the queue is free to send (this fix or an older one).
    pub fn push(
        &mut self,
        runner: &RunnerId,
        position: LatLng,
        taken_ms: u64,
    ) -> Option<ClientMsg> {
        let id = self.next_id;
        self.next_id += 1;
        if self.pending.len() == Self::CAPACITY {
            self.pending.pop_front();
        }
        self.pending.push_back((id, position, taken_ms));
        self.next(runner)
    }

    /// The server acknowledged request `id`, or refused it for good: it leaves the
    /// queue. Returns whether it was queued, and the next `publish` to send.
    pub fn settle(&mut self, runner: &RunnerId, id: u64) -> (bool, Option<ClientMsg>) {
        let before = self.pending.len();
        self.pending.retain(|(queued, _, _)| *queued != id);
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        (self.pending.len() != before, self.next(runner))
    }

    /// The server said "later" to request `id`: it stays first in line, and nothing
    /// is sent until [`FixQueue::resume`].
    pub fn hold(&mut self, id: u64) {
        if self.in_flight == Some(id) {
            self.in_flight = None;
            self.held = true;
        }
    }

    /// After a hold: the `publish` to send again.
    pub fn resume(&mut self, runner: &RunnerId) -> Option<ClientMsg> {
        self.held = false;
        self.next(runner)
    }

    /// After a reconnect: what was in flight may never have arrived, so sending starts
    /// again from the oldest unacknowledged fix.
    pub fn replay(&mut self, runner: &RunnerId) -> Option<ClientMsg> {
        self.in_flight = None;
        self.held = false;
        self.next(runner)
    }

    /// Fixes waiting.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// True when everything was acknowledged.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    fn next(&mut self, runner: &RunnerId) -> Option<ClientMsg> {
        if self.in_flight.is_some() || self.held {
            return None;
        }
        let &(id, position, taken_ms) = self.pending.front()?;
        self.in_flight = Some(id);
        Some(publish(runner, id, position, taken_ms))
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

    fn runner() -> RunnerId {
        RunnerId::parse("7").unwrap()
    }

    fn id_of(msg: Option<ClientMsg>) -> Option<u64> {
        msg.and_then(|m| m.id())
    }

    #[test]
    fn one_fix_is_in_flight_and_the_next_goes_on_its_ack() {
        let r = runner();
        let mut queue = FixQueue::new();
        let first = queue
            .push(&r, at(1.0), 1_000)
            .expect("an idle queue sends at once");
        assert!(
            matches!(&first, ClientMsg::Publish { id: Some(1), data, .. } if data.t == Some(1_000))
        );
        assert_eq!(queue.push(&r, at(2.0), 2_000), None);
        assert_eq!(queue.push(&r, at(3.0), 3_000), None);
        assert_eq!(queue.len(), 3);
        let (was_queued, next) = queue.settle(&r, 1);
        assert!(was_queued);
        assert_eq!(id_of(next), Some(2));
        assert_eq!(id_of(queue.settle(&r, 2).1), Some(3));
        assert_eq!(queue.settle(&r, 3), (true, None));
        assert!(queue.is_empty());
        // An answer for something unknown changes nothing.
        assert_eq!(queue.settle(&r, 3), (false, None));
    }

    #[test]
    fn a_reconnect_starts_again_from_the_oldest_unacknowledged_fix() {
        let r = runner();
        let mut queue = FixQueue::new();
        queue.push(&r, at(1.0), 1_000);
        queue.push(&r, at(2.0), 2_000);
        // The link drops with fix 1 in flight: it is sent again, with its own time.
        let again = queue.replay(&r).unwrap();
        assert!(
            matches!(&again, ClientMsg::Publish { id: Some(1), data, .. } if data.t == Some(1_000))
        );
        assert_eq!(id_of(queue.settle(&r, 1).1), Some(2));
    }

    #[test]
    fn a_later_refusal_holds_the_fix_first_in_line_until_resumed() {
        let r = runner();
        let mut queue = FixQueue::new();
        queue.push(&r, at(1.0), 1_000);
        queue.push(&r, at(2.0), 2_000);
        queue.hold(1);
        // Held: a new fix waits too, so order is kept.
        assert_eq!(queue.push(&r, at(3.0), 3_000), None);
        assert_eq!(id_of(queue.resume(&r)), Some(1));
        assert_eq!(id_of(queue.settle(&r, 1).1), Some(2));
        assert_eq!(id_of(queue.settle(&r, 2).1), Some(3));
    }

    #[test]
    fn past_capacity_the_oldest_fix_goes() {
        let r = runner();
        let mut queue = FixQueue::new();
        for i in 0..=FixQueue::CAPACITY as u64 {
            queue.push(&r, at(0.0), i);
        }
        assert_eq!(queue.len(), FixQueue::CAPACITY);
        assert_eq!(id_of(queue.replay(&r)), Some(2));
    }
}
