//! The gate every publication from a socket passes: rate limit, authorization, and
//! the room's text rules. A runner's fix then goes into the [`Intake`] (rules, store,
//! publish), like a tracker's over HTTP; points and room messages go to the hub.
//!
//! One gate per connection, shared by the v1 protocol and the seed protocol, so a fix
//! is judged the same way whichever door it came through; and the one place where the
//! intake's refusals become error frames.

use std::time::Instant;

use spectate_app::protocol::{FixOutcome, ProtocolError, Publication, RunnerId};

use crate::{
    auth::Verified,
    hub::{ConnId, Fanout, Hub, rate_limit::TokenBucket},
    ingest::{DeviceFix, Intake, Refusal},
};

/// Each refusal of the intake as an error frame: a fix to correct (`bad_message`), or
/// one to send again (`unavailable`).
impl From<Refusal> for ProtocolError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::FromTheFuture { .. } | Refusal::NotFinite { .. } => {
                Self::BadMessage(refusal.to_string())
            }
            Refusal::NotStored(_) => Self::Unavailable(refusal.to_string()),
            Refusal::NotPublished(err) => err,
        }
    }
}

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

    /// Checks a point or a room message against the limits and `identity`'s rights,
    /// then publishes it as `from` (room messages are not echoed to their sender). A
    /// runner's fix goes through [`Self::take_fix`] instead.
    pub fn publish(
        &mut self,
        hub: &Hub,
        identity: Option<&Verified>,
        publication: Publication,
        from: ConnId,
    ) -> Result<Fanout, ProtocolError> {
        self.take_publish(hub)?;
        match &publication {
            Publication::Fix { runner, .. } => {
                return Err(ProtocolError::BadMessage(format!(
                    "a fix of {runner} goes through the intake, not straight to the hub"
                )));
            }
            Publication::Point { .. } => hub.access.check_series_publish(identity)?,
            Publication::Say { text, .. } => self.check_room_text(hub, text)?,
        }
        let from = matches!(publication, Publication::Say { .. }).then_some(from);
        hub.publish(publication, from)
    }

    /// A runner's fix, arrived through `source`: the publish rate and `identity`'s
    /// rights, then the intake, which stores it and only then publishes it. Resolves
    /// with what became of it once that is done.
    pub async fn take_fix(
        &mut self,
        hub: &Hub,
        intake: &Intake,
        identity: Option<&Verified>,
        runner: &RunnerId,
        fix: &DeviceFix,
        source: &'static str,
    ) -> Result<FixOutcome, ProtocolError> {
        self.take_publish(hub)?;
        hub.access.check_publish(identity, runner)?;
        Ok(intake.accept(runner, fix, source).await?)
    }

    /// One publish of the connection's allowance.
    fn take_publish(&mut self, hub: &Hub) -> Result<(), ProtocolError> {
        let limits = &hub.limits;
        if self.publishes.try_take(Instant::now()) {
            return Ok(());
        }
        Err(ProtocolError::RateLimited(format!(
            "too many publishes: at most {} at once and {} per second",
            limits.publish_burst, limits.publish_per_second
        )))
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
