//! The gate every publication from a socket passes: rate limit, authorization, and
//! the room's text rules, before the hub numbers and fans it out.
//!
//! One gate per connection, shared by the v1 protocol and the seed protocol, so a fix
//! is judged the same way whichever door it came through.

use std::time::Instant;

use spectate_app::protocol::{ProtocolError, Publication};

use crate::{
    auth::Verified,
    hub::{ConnId, Fanout, Hub, rate_limit::TokenBucket},
};

/// A connection's publish allowance.
#[derive(Debug)]
pub struct PublishGate {
    publishes: TokenBucket,
    room: TokenBucket,
}

impl PublishGate {
    /// A full allowance, at the hub's limits.
    pub fn new(hub: &Hub) -> Self {
        let limits = &hub.limits;
        let now = Instant::now();
        Self {
            publishes: TokenBucket::new(limits.publish_burst, limits.publish_per_second, now),
            room: TokenBucket::new(limits.room_burst, limits.room_per_second, now),
        }
    }

    /// Checks `publication` against the limits and `identity`'s rights, then publishes
    /// it as `from` (room messages are not echoed to their sender); `taken_ms` is a
    /// fix's device time, if the client gave one.
    pub fn publish(
        &mut self,
        hub: &Hub,
        identity: Option<&Verified>,
        publication: Publication,
        from: ConnId,
        taken_ms: Option<u64>,
    ) -> Result<Fanout, ProtocolError> {
        self.admit(hub, identity, &publication)?;
        let from = matches!(publication, Publication::Say { .. }).then_some(from);
        hub.publish_taken_at(publication, from, taken_ms)
    }

    /// The checks of [`Self::publish`] alone: rate, rights, room rules.
    pub fn admit(
        &mut self,
        hub: &Hub,
        identity: Option<&Verified>,
        publication: &Publication,
    ) -> Result<(), ProtocolError> {
        let limits = &hub.limits;
        if !self.publishes.try_take(Instant::now()) {
            return Err(ProtocolError::RateLimited(format!(
                "too many publishes: at most {} at once and {} per second",
                limits.publish_burst, limits.publish_per_second
            )));
        }
        match publication {
            Publication::Fix { runner, .. } => hub.access.check_publish(identity, runner),
            Publication::Point { .. } => hub.access.check_series_publish(identity),
            Publication::Say { text, .. } => self.check_room_text(hub, text),
        }
    }

    /// The room's rules: not empty, not too long, not too fast.
    pub fn check_room_text(&mut self, hub: &Hub, text: &str) -> Result<(), ProtocolError> {
        let max = hub.limits.room_max_chars;
        let chars = text.chars().count();
        if chars > max {
            return Err(ProtocolError::TooLarge(format!(
                "room messages are limited to {max} characters; this one has {chars}"
            )));
        }
        if text.trim().is_empty() {
            return Err(ProtocolError::BadMessage("room message is empty".into()));
        }
        if !self.room.try_take(Instant::now()) {
            return Err(ProtocolError::RateLimited(format!(
                "too many room messages: at most {} at once and {} per second",
                hub.limits.room_burst, hub.limits.room_per_second
            )));
        }
        Ok(())
    }
}
