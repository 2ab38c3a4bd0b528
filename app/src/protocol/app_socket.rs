//! The typed protocol of `/ws`, spoken by Spectate's own pages.
//!
//! Every frame is one JSON object with a `"type"` tag. The client follows runners,
//! subscribes to series and joins the room; the server answers with a `welcome`, then
//! `fix`, `point`, `room_message`, `room_presence` and `error` frames.

use serde::{Deserialize, Serialize};

use super::{ErrorCode, LatLng, ProtocolError, RunnerId, SeriesName};

/// Version of this protocol, announced in [`ServerMsg::Welcome`].
pub const PROTOCOL_VERSION: u32 = 0;

/// What a page sends to the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Start receiving these runners' fixes (the latest known ones arrive at once).
    Follow {
        /// Runners to follow.
        runners: Vec<RunnerId>,
    },
    /// Stop receiving these runners' fixes.
    Unfollow {
        /// Runners to stop following.
        runners: Vec<RunnerId>,
    },
    /// Present a token (from `spectate token`) to publish as its subject.
    Auth {
        /// The signed token.
        token: String,
    },
    /// Publish a fix: needs a token for that runner, unless the server is open.
    Publish {
        /// Whose position.
        runner: RunnerId,
        /// Where they are.
        #[serde(flatten)]
        position: LatLng,
    },
    /// Start receiving a series' points (its recent points arrive at once).
    SubscribeSeries {
        /// Which series.
        series: SeriesName,
    },
    /// Stop receiving a series.
    UnsubscribeSeries {
        /// Which series.
        series: SeriesName,
    },
    /// Join the broadcast room.
    JoinRoom,
    /// Leave the broadcast room.
    LeaveRoom,
    /// Say something to everyone else in the room.
    RoomSend {
        /// Plain text; shown as text, never as HTML.
        text: String,
    },
}

impl ClientMsg {
    /// Parses one text frame.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        serde_json::from_str(text).map_err(|e| ProtocolError::from_json(&e))
    }

    /// Encodes for sending.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("client messages always serialize")
    }
}

/// What the server sends to a page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First frame on every connection.
    Welcome {
        /// [`PROTOCOL_VERSION`] of the server.
        protocol: u32,
        /// Whether anyone may publish fixes (demo/open mode).
        open_publishing: bool,
    },
    /// The token presented with `auth` (or `?token=`) was accepted.
    Authed {
        /// Who the token speaks for: `runner:<id>`, `publisher` or `admin`.
        subject: String,
        /// When it expires, in seconds since the Unix epoch.
        expires: u64,
    },
    /// A runner's position.
    Fix {
        /// Whose position.
        runner: RunnerId,
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lng: f64,
        /// When the server received it, in milliseconds since the Unix epoch.
        ts: u64,
    },
    /// One point of a series.
    Point {
        /// Which series.
        series: SeriesName,
        /// Milliseconds since the Unix epoch.
        t: u64,
        /// The value.
        value: f64,
    },
    /// A message said in the room by someone else.
    RoomMessage {
        /// The text, as sent.
        text: String,
        /// Milliseconds since the Unix epoch.
        ts: u64,
    },
    /// How many connections are in the room now.
    RoomPresence {
        /// Count of room members, this connection included.
        online: usize,
    },
    /// A request was rejected; the connection stays open.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// What a person should read.
        message: String,
    },
}

impl ServerMsg {
    /// Parses one text frame.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        serde_json::from_str(text).map_err(|e| ProtocolError::from_json(&e))
    }

    /// Encodes for sending.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }

    /// The error frame for a rejected request.
    pub fn error(err: &ProtocolError) -> Self {
        Self::Error {
            code: err.code(),
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_is_flat_and_checks_coordinates() {
        let msg = ClientMsg::parse(r#"{"type":"publish","runner":3,"lat":1.0,"lng":2.0}"#).unwrap();
        assert_eq!(
            msg,
            ClientMsg::Publish {
                runner: RunnerId::parse("3").unwrap(),
                position: LatLng::parse(1.0, 2.0).unwrap()
            }
        );
        let err =
            ClientMsg::parse(r#"{"type":"publish","runner":3,"lat":1.0,"lng":200}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadCoordinates, "{err}");
    }

    #[test]
    fn unknown_types_and_missing_fields_are_bad_messages() {
        assert_eq!(
            ClientMsg::parse(r#"{"type":"dance"}"#).unwrap_err().code(),
            ErrorCode::BadMessage
        );
        assert_eq!(
            ClientMsg::parse(r#"{"type":"follow"}"#).unwrap_err().code(),
            ErrorCode::BadMessage
        );
        assert_eq!(
            ClientMsg::parse("not json").unwrap_err().code(),
            ErrorCode::BadJson
        );
    }

    #[test]
    fn server_messages_round_trip() {
        let msgs = [
            ServerMsg::Welcome {
                protocol: PROTOCOL_VERSION,
                open_publishing: true,
            },
            ServerMsg::Fix {
                runner: RunnerId::parse("a").unwrap(),
                lat: 1.0,
                lng: 2.0,
                ts: 3,
            },
            ServerMsg::RoomMessage {
                text: "<b>hi</b>".into(),
                ts: 9,
            },
            ServerMsg::error(&ProtocolError::RateLimited("slow down".into())),
        ];
        for msg in msgs {
            assert_eq!(ServerMsg::parse(&msg.encode()).unwrap(), msg);
        }
    }
}
