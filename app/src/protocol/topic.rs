//! Topics: the names a client subscribes to and publishes on.
//!
//! A topic is written `kind:name` on the wire, and parsed here once into [`Topic`], so
//! the hub never handles a topic string it has not checked:
//!
//! - `runner:<id>`: one runner's fixes;
//! - `series:<name>`: a numeric series such as `series:happiness`;
//! - `room:<name>`: a chat room where spectators send cheers;
//! - `presence`: how many spectators are online and how many follow each runner;
//! - `field`: every runner of the event's latest position, coalesced (one frame a
//!   second for the whole field, see [`super::field`]);
//! - `board`: the top of the event's leaderboard, pushed when it changes.

use std::{fmt, sync::Arc};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::{ProtocolError, RunnerId, SeriesName, errors::Quoted};

/// The name of a room (same alphabet as a runner id).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomName(Arc<str>);

impl RoomName {
    /// Parses a room name.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        // Same rules as a series name; reuse its parser for one alphabet everywhere.
        SeriesName::parse(text)
            .map(|s| Self(Arc::from(s.as_str())))
            .map_err(|e| ProtocolError::BadId(e.to_string().replace("series name", "room name")))
    }

    /// The room everybody lands in (`/room` and the room page).
    pub fn lobby() -> Self {
        Self(Arc::from("lobby"))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoomName({})", self.0)
    }
}

/// What a subscription or a publication is about.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `runner:<id>`: one runner's fixes.
    Runner(RunnerId),
    /// `series:<name>`: a numeric series.
    Series(SeriesName),
    /// `room:<name>`: a chat room.
    Room(RoomName),
    /// `presence`: spectators online and followers per runner.
    Presence,
    /// `field`: the whole field's latest positions, coalesced.
    Field,
    /// `board`: the top of the leaderboard.
    Board,
}

/// The kind of a topic, for limits and history rules that differ by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TopicKind {
    /// Runner fixes.
    Runner,
    /// Series points.
    Series,
    /// Room messages.
    Room,
    /// Presence counts.
    Presence,
    /// The field stream.
    Field,
    /// The pushed leaderboard.
    Board,
}

impl Topic {
    /// Parses `kind:name`.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        match text {
            "presence" => return Ok(Self::Presence),
            "field" => return Ok(Self::Field),
            "board" => return Ok(Self::Board),
            _ => {}
        }
        let Some((kind, name)) = text.split_once(':') else {
            return Err(ProtocolError::BadMessage(format!(
                "topic {} has no kind; write runner:<id>, series:<name>, room:<name>, presence, field or board",
                Quoted(truncate(text))
            )));
        };
        match kind {
            "runner" => RunnerId::parse(name).map(Self::Runner),
            "series" => SeriesName::parse(name).map(Self::Series),
            "room" => RoomName::parse(name).map(Self::Room),
            _ => Err(ProtocolError::BadMessage(format!(
                "unknown topic kind {}; use runner, series, room or presence",
                Quoted(truncate(kind))
            ))),
        }
    }

    /// Which kind of topic this is.
    pub fn kind(&self) -> TopicKind {
        match self {
            Self::Runner(_) => TopicKind::Runner,
            Self::Series(_) => TopicKind::Series,
            Self::Room(_) => TopicKind::Room,
            Self::Presence => TopicKind::Presence,
            Self::Field => TopicKind::Field,
            Self::Board => TopicKind::Board,
        }
    }
}

/// Keeps echoed input short in error messages.
fn truncate(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Runner(id) => write!(f, "runner:{}", id.as_str()),
            Self::Series(name) => write!(f, "series:{}", name.as_str()),
            Self::Room(name) => write!(f, "room:{}", name.as_str()),
            Self::Presence => f.write_str("presence"),
            Self::Field => f.write_str("field"),
            Self::Board => f.write_str("board"),
        }
    }
}

impl fmt::Debug for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Topic({self})")
    }
}

impl Serialize for Topic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Topic::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_through_their_text() {
        for text in [
            "runner:12",
            "runner:anna-3",
            "series:happiness",
            "room:lobby",
            "presence",
            "field",
            "board",
        ] {
            let topic = Topic::parse(text).unwrap();
            assert_eq!(topic.to_string(), text);
            let json = serde_json::to_string(&topic).unwrap();
            assert_eq!(serde_json::from_str::<Topic>(&json).unwrap(), topic);
        }
    }

    #[test]
    fn bad_topics_say_what_is_wrong() {
        let err = Topic::parse("12").unwrap_err();
        assert!(err.to_string().contains("no kind"), "{err}");
        let err = Topic::parse("city:paris").unwrap_err();
        assert!(err.to_string().contains("unknown topic kind"), "{err}");
        let err = Topic::parse("runner:<b>").unwrap_err();
        assert_eq!(err.code(), super::super::ErrorCode::BadId);
        let err = Topic::parse("room:a b").unwrap_err();
        assert!(err.to_string().contains("room name"), "{err}");
    }
}
