//! The one way in for every socket's subscriptions, whatever the topic:
//! [`Hub::check_subscribe`] says whether a connection may have a topic (checked
//! before anything is asked of the cluster), [`Hub::subscribe`] adds it, and
//! [`Hub::unsubscribe`] takes it away. `field` and `board` are the hub's own; every
//! other topic is the registry's.

use spectate_app::protocol::{ProtocolError, Topic};

use super::{ConnId, Hub, WireFormat, now_ms, topics};

impl Hub {
    /// Whether a connection of `format` (`trusted`: with a token, or on an open
    /// server) may subscribe to `topic`; checked before anything is asked of the
    /// cluster. `field` and `board` are the hub's own and need an event. On an event
    /// server, a follower without a token cannot bring a topic into memory for a
    /// runner who is not in the event (`not_found`): the table is the server's, not
    /// any anonymous client's to fill.
    pub fn check_subscribe(
        &self,
        topic: &Topic,
        format: WireFormat,
        trusted: bool,
    ) -> Result<(), ProtocolError> {
        match topic {
            Topic::Field | Topic::Board if format != WireFormat::App => Err(
                ProtocolError::BadMessage(format!("{topic} is a protocol v1 topic (/ws)")),
            ),
            Topic::Field | Topic::Board if self.race.get().is_none() => {
                Err(ProtocolError::BadMessage(format!(
                    "{topic} needs an event; this server tracks none"
                )))
            }
            Topic::Runner(runner)
                if !trusted
                    && !self.topics.is_entrant(runner)
                    && self.topics.seq(topic).is_none() =>
            {
                Err(ProtocolError::NotFound(format!(
                    "runner {} is not in this event",
                    runner.as_str()
                )))
            }
            _ => Ok(()),
        }
    }

    /// Subscribes `conn` to `topic`: the one way in for every socket, whatever the
    /// topic, once [`Self::check_subscribe`] allows it. `field` and `board` are the
    /// hub's own; every other topic is the registry's, and for a connection that
    /// takes the board a runner's snapshot is followed by their board row. Returns
    /// false if `conn` was already subscribed (it still gets the snapshot, as asked).
    pub fn subscribe(
        &self,
        conn: ConnId,
        topic: &Topic,
        subscriber: &topics::Subscriber,
        from: topics::StartFrom,
        trusted: bool,
    ) -> Result<bool, ProtocolError> {
        self.check_subscribe(topic, subscriber.format, trusted)?;
        match (topic, self.race.get()) {
            (Topic::Field, Some(_)) => Ok(self.field.subscribe(conn, &subscriber.outbox, now_ms())),
            (Topic::Board, Some(race)) => Ok(self.board.subscribe(conn, &subscriber.outbox, race)),
            _ => {
                let presence = matches!(topic, Topic::Presence).then(|| {
                    self.topics
                        .presence_frame(self.connections.len(), &self.remote_audience())
                });
                let added = self
                    .topics
                    .subscribe(conn, topic, subscriber, from, presence)?;
                if let Topic::Runner(runner) = topic
                    && subscriber.format == WireFormat::App
                    && let Some(row) = self.board.row_frame(conn, runner)
                {
                    subscriber.outbox.push_catchup(row);
                }
                Ok(added)
            }
        }
    }

    /// Removes `conn` from `topic`, if it was there.
    pub fn unsubscribe(&self, conn: ConnId, topic: &Topic) {
        match topic {
            Topic::Field => {
                self.field.unsubscribe(conn);
            }
            Topic::Board => {
                self.board.unsubscribe(conn);
            }
            _ => self.topics.unsubscribe(conn, topic),
        }
    }
}
