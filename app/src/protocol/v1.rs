//! Protocol v1 of `/ws`: topics, acknowledged requests, sequence numbers and resume.
//!
//! Every frame is one JSON object with a `"type"` tag; PROTOCOL.md at the repository
//! root is the reference for people, this module is the reference for code. A client
//! picks the version with the `spectate.v1` subprotocol or `?v=1` (the default), so a
//! v2 can come later without breaking v1 clients.
//!
//! The shape, in one breath: the server greets with `welcome` (its `epoch` and
//! heartbeat); the client `subscribe`s to many topics at once, optionally resuming
//! from the last `seq` it saw of each; for every topic the server answers with a
//! `snapshot` header that says whether the resume worked (or which gap it could not
//! fill) followed by that many `event` frames, then live `event`s. Requests that carry
//! an `id` are answered with an `ack` or an `error` with the same `id`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    ErrorCode, LatLng, ProtocolError, RoomName, RunnerId, SeriesName, Topic, field::FieldRow,
    race::Standing,
};

// The name check lives beside the other small rules; re-exported where it always was.
pub use super::cheer_name::{MAX_NAME_CHARS, check_name};

/// Version of this protocol, announced in [`ServerMsg::Welcome`].
pub const PROTOCOL_VERSION: u32 = 1;

/// The WebSocket subprotocol that selects this version.
pub const SUBPROTOCOL: &str = "spectate.v1";

/// What a client sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Start receiving these topics. Each gets a `snapshot` header and its events.
    Subscribe {
        /// Echoed in the `ack` or `error`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Topics to add (already subscribed ones are answered again, harmlessly).
        topics: Vec<Topic>,
        /// Where the client left off, to get only what it missed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    /// Stop receiving these topics.
    Unsubscribe {
        /// Echoed in the `ack`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Topics to drop (unknown ones are ignored).
        topics: Vec<Topic>,
    },
    /// Publish on a topic: a fix on `runner:<id>` (needs that runner's token unless the
    /// server is open), a point on `series:<name>` (needs a publisher token unless
    /// open), a message on `room:<name>` (anyone subscribed to the room).
    Publish {
        /// Echoed in the `ack` or `error`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Where to publish.
        topic: Topic,
        /// What to publish; which fields depends on the topic's kind.
        data: Payload,
    },
    /// Present a token (from `spectate token`).
    Auth {
        /// Echoed in the `authed` or `error`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// The signed token.
        token: String,
    },
    /// Asks for a `pong`: an application-level round trip (browsers cannot send
    /// WebSocket pings).
    Ping {
        /// Echoed in the `pong`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
}

/// The last sequence number a client saw of each topic, from a previous connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The server `epoch` those numbers belong to (from the old `welcome`).
    pub epoch: String,
    /// Topic -> last `seq` seen.
    pub since: BTreeMap<Topic, u64>,
}

/// The body of a `publish`. Which fields belong depends on the topic; see
/// [`Publication::parse`], which turns it into something the hub can use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// Latitude (runner topics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude (runner topics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lng: Option<f64>,
    /// The value (series topics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The message (room topics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The name the sender chose to sign a room message with (room topics; optional,
    /// see [`check_name`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the device took the fix, ms since the Unix epoch (runner topics; the
    /// server's time if absent). A phone that queued fixes while offline sends them
    /// with their own times, so pace and ETAs stay right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<u64>,
    /// An alarm raised with this fix (runner topics): `"sos"` from the runner page's
    /// SOS button. The `ack` comes once the alert is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<super::console::Alarm>,
}

impl Payload {
    /// A fix taken at `t` (ms since the Unix epoch).
    pub fn fix_at(position: LatLng, t: u64) -> Self {
        Self {
            t: Some(t),
            ..Self::fix(position)
        }
    }

    /// A fix.
    pub fn fix(position: LatLng) -> Self {
        Self {
            lat: Some(position.lat()),
            lng: Some(position.lng()),
            ..Self::default()
        }
    }

    /// A series value.
    pub fn value(value: f64) -> Self {
        Self {
            value: Some(value),
            ..Self::default()
        }
    }

    /// A room message.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A room message signed with the sender's chosen name.
    pub fn signed_text(text: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::text(text)
        }
    }
}

/// A checked publication: the topic and the data that fits it.
#[derive(Clone, Debug, PartialEq)]
pub enum Publication {
    /// A runner's position.
    Fix {
        /// Whose.
        runner: RunnerId,
        /// Where.
        position: LatLng,
    },
    /// A value of a series.
    Point {
        /// Which series.
        series: SeriesName,
        /// The value (finite).
        value: f64,
    },
    /// A message said in a room.
    Say {
        /// Which room.
        room: RoomName,
        /// The text, as sent (shown as text, never as HTML).
        text: String,
        /// The name the sender signed it with, if any (checked by [`check_name`]).
        name: Option<String>,
    },
}

impl Publication {
    /// Checks that `data` has exactly the fields `topic` takes.
    pub fn parse(topic: &Topic, data: Payload) -> Result<Self, ProtocolError> {
        let shape = |wanted: &str| {
            ProtocolError::BadMessage(format!("publish on {topic} takes data {wanted}"))
        };
        match topic {
            Topic::Runner(runner) => match data {
                Payload {
                    lat: Some(lat),
                    lng: Some(lng),
                    value: None,
                    text: None,
                    name: None,
                    t: _,
                    alarm: _,
                } => Ok(Self::Fix {
                    runner: runner.clone(),
                    position: LatLng::parse(lat, lng)?,
                }),
                _ => Err(shape("{\"lat\":..,\"lng\":..}")),
            },
            Topic::Series(series) => match data {
                Payload {
                    value: Some(value),
                    lat: None,
                    lng: None,
                    text: None,
                    name: None,
                    t: None,
                    alarm: None,
                } if value.is_finite() => Ok(Self::Point {
                    series: series.clone(),
                    value,
                }),
                Payload { value: Some(v), .. } if data.lat.is_none() && !v.is_finite() => Err(
                    ProtocolError::BadMessage("series values must be finite numbers".into()),
                ),
                _ => Err(shape("{\"value\":..}")),
            },
            Topic::Room(room) => match data {
                Payload {
                    text: Some(text),
                    name,
                    lat: None,
                    lng: None,
                    value: None,
                    t: None,
                    alarm: None,
                } => {
                    if let Some(name) = &name {
                        check_name(name)?;
                    }
                    Ok(Self::Say {
                        room: room.clone(),
                        text,
                        name,
                    })
                }
                _ => Err(shape("{\"text\":..} (and optionally \"name\")")),
            },
            Topic::Presence | Topic::Field | Topic::Board => Err(ProtocolError::BadMessage(
                format!("{topic} is kept by the server; nobody publishes on it"),
            )),
        }
    }

    /// The topic this publication goes to.
    pub fn topic(&self) -> Topic {
        match self {
            Self::Fix { runner, .. } => Topic::Runner(runner.clone()),
            Self::Point { series, .. } => Topic::Series(series.clone()),
            Self::Say { room, .. } => Topic::Room(room.clone()),
        }
    }
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

    /// The request id, if the client gave one.
    pub fn id(&self) -> Option<u64> {
        match self {
            Self::Subscribe { id, .. }
            | Self::Unsubscribe { id, .. }
            | Self::Publish { id, .. }
            | Self::Auth { id, .. }
            | Self::Ping { id } => *id,
        }
    }
}

/// Limits the client should know about, sent in the `welcome`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedLimits {
    /// Topics one connection may hold at once.
    pub max_topics: usize,
    /// Largest text frame the server accepts, in bytes.
    pub max_frame_bytes: usize,
}

/// Why a resume could not be served from history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The events after the client's `seq` are no longer in the bounded history.
    TooOld,
    /// The `epoch` differs: the server restarted and its sequence numbers began again.
    Restarted,
    /// The client's `seq` is ahead of the topic: it cannot be from this topic's history.
    Unknown,
}

/// Events a client missed and will never get: it received a fresh snapshot instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The last `seq` the client had seen.
    pub after: u64,
    /// Why the missed events cannot be replayed.
    pub reason: GapReason,
}

/// The data of one event; its shape depends on the topic's kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventData {
    /// A fix on a `runner:` topic.
    Fix {
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lng: f64,
        /// When the server received it, ms since the Unix epoch.
        ts: u64,
        /// When it was taken, ms since the Unix epoch: the device's own time where it
        /// gave one (tracker apps, the runner page), else when the server received it;
        /// absent on seed-protocol fixes. Fixes kept while offline arrive late: this,
        /// not `ts`, is when the runner was there.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        t: Option<u64>,
    },
    /// A point on a `series:` topic.
    Point {
        /// When, ms since the Unix epoch.
        t: u64,
        /// The value.
        value: f64,
    },
    /// A message on a `room:` topic.
    Say {
        /// The text, as sent.
        text: String,
        /// When the server received it, ms since the Unix epoch.
        ts: u64,
        /// The name its sender signed it with; absent for an unsigned message (a seed
        /// client's, or an older page's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A runner passed a checkpoint or the finish (on a `runner:` topic), once per
    /// runner and point. Its shape (`{"split":{..},"ts":..}`) matches none of the
    /// others, so a client that predates it fails to read the event and skips it.
    Split {
        /// The split (boxed: it is five times the size of a fix).
        split: Box<super::splits::Split>,
        /// When the server recorded it, ms since the Unix epoch.
        ts: u64,
    },
    /// The organiser set a runner's status (on a `runner:` topic, in a cluster only:
    /// the way every node's board learns it). Skipped by pages, like a shape they do
    /// not know.
    Ruling {
        /// The status set.
        ruling: super::race::Ruling,
        /// When the server published it, ms since the Unix epoch.
        ts: u64,
    },
}

impl EventData {
    /// When the server took it in, ms since the Unix epoch.
    pub fn ts(&self) -> u64 {
        match self {
            Self::Fix { ts, .. }
            | Self::Say { ts, .. }
            | Self::Split { ts, .. }
            | Self::Ruling { ts, .. } => *ts,
            Self::Point { t, .. } => *t,
        }
    }
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First frame on every connection.
    Welcome {
        /// [`PROTOCOL_VERSION`].
        protocol: u32,
        /// Names this server's run: sequence numbers are only comparable within one.
        epoch: String,
        /// Whether anyone may publish without a token (demo/open mode).
        open_publishing: bool,
        /// The server pings this often; it closes a connection silent for three times
        /// as long.
        heartbeat_ms: u64,
        /// Limits the client should stay within.
        limits: AnnouncedLimits,
    },
    /// A request with an `id` succeeded.
    Ack {
        /// The request's `id`.
        id: u64,
        /// For a runner's fix that was taken in but not published (a duplicate, a
        /// late fix, an impossible jump): what became of it. Absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<super::FixOutcome>,
    },
    /// The token presented with `auth` (or `?token=`) was accepted.
    Authed {
        /// The `auth` request's `id`, if it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Who the token speaks for: `runner:<id>`, `publisher` or `admin`.
        subject: String,
        /// When it expires, in seconds since the Unix epoch.
        expires: u64,
    },
    /// Starts a topic's snapshot: `count` `event` frames of this topic follow at once.
    Snapshot {
        /// Which topic.
        topic: Topic,
        /// The topic's latest `seq` (0: nothing published yet).
        seq: u64,
        /// True: the events that follow are exactly those after the client's resume
        /// point. False: they are a fresh snapshot; drop what you had for this topic.
        resumed: bool,
        /// Set when the client asked to resume and could not be served from history.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gap: Option<Gap>,
        /// How many `event` frames of this snapshot follow.
        count: usize,
    },
    /// Something happened on a topic.
    Event {
        /// Which topic.
        topic: Topic,
        /// Position in the topic, from 1, without holes in history; live runner fixes
        /// may skip numbers when the server conflates a lagging client's queue.
        seq: u64,
        /// What happened.
        data: EventData,
    },
    /// Who is there: spectators online (`presence`), or members of a room.
    Presence {
        /// `presence` or `room:<name>`.
        topic: Topic,
        /// Spectators online, or room members.
        online: usize,
        /// On `presence`: followers per runner id (runners with none are left out).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        followers: Option<BTreeMap<String, usize>>,
    },
    /// The `field` topic: the latest position of every runner that moved since the
    /// previous frame (`full`: of every runner with a position; the snapshot's one
    /// frame). See [`super::field`].
    Field {
        /// Frames of the field are numbered from 1, one per cadence with a change.
        seq: u64,
        /// When the frame was made, ms since the Unix epoch.
        t: u64,
        /// True: every runner with a position (replace what you had); false: only
        /// those that moved.
        full: bool,
        /// The origin of the rows' positions, `[lat, lng]` degrees.
        o: [f64; 2],
        /// The rows.
        r: Vec<FieldRow>,
    },
    /// The `board` topic: the top of the leaderboard, sent when it changed.
    Board {
        /// The computation's number, from 1.
        seq: u64,
        /// When the board was computed, ms since the Unix epoch.
        t: u64,
        /// Runners on the whole board (the event's entrants).
        runners: usize,
        /// The first rows, leader first.
        top: Vec<Standing>,
        /// The field's version ([`super::race::EventInfo::field`]): a new one means
        /// runners were added, renamed or removed; `/api/entrants` has them.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        field: String,
        /// The event's version ([`super::race::EventInfo::settings`]).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        settings: String,
    },
    /// A followed runner's row of the leaderboard, sent to the subscribers of their
    /// `runner:` topic that also take `board`, after its snapshot and whenever the
    /// row changes.
    Standing {
        /// `runner:<bib>`.
        topic: Topic,
        /// The row (boxed: a row is ten times the size of any other message).
        row: Box<Standing>,
    },
    /// The organisers' announcement, to every subscriber of `board`: when it is set or
    /// cleared (absent: no announcement), and after the `board` snapshot once one was.
    Announcement {
        /// The message; each page shows it if it is for its audience.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        announcement: Option<super::announcement::Announcement>,
    },
    /// An organiser acknowledged or resolved this runner's SOS: sent to that runner's
    /// own authenticated sockets only.
    Sos(super::sos::SosNotice),
    /// The answer to a `ping`.
    Pong {
        /// The `ping`'s `id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
    /// A request was rejected; the connection stays open.
    Error {
        /// The request's `id`, if it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// The topic at fault, when one was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<Topic>,
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
    pub fn error(id: Option<u64>, err: &ProtocolError) -> Self {
        Self::Error {
            id,
            topic: None,
            code: err.code(),
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publication(json: &str) -> Result<Publication, ProtocolError> {
        match ClientMsg::parse(json)? {
            ClientMsg::Publish { topic, data, .. } => Publication::parse(&topic, data),
            other => panic!("not a publish: {other:?}"),
        }
    }

    #[test]
    fn publish_data_must_fit_the_topic() {
        let fix = publication(r#"{"type":"publish","topic":"runner:3","data":{"lat":1,"lng":2}}"#);
        assert_eq!(
            fix.unwrap(),
            Publication::Fix {
                runner: RunnerId::parse("3").unwrap(),
                position: LatLng::parse(1.0, 2.0).unwrap()
            }
        );
        let err =
            publication(r#"{"type":"publish","topic":"runner:3","data":{"value":2}}"#).unwrap_err();
        assert!(err.to_string().contains("\"lat\""), "{err}");
        let err =
            publication(r#"{"type":"publish","topic":"runner:3","data":{"lat":1,"lng":200}}"#)
                .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadCoordinates, "{err}");
        let err = publication(r#"{"type":"publish","topic":"presence","data":{}}"#).unwrap_err();
        assert!(err.to_string().contains("nobody publishes"), "{err}");
        let err = publication(r#"{"type":"publish","topic":"room:x","data":{"text":"a","x":1}}"#)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadMessage, "{err}");
        assert!(
            publication(r#"{"type":"publish","topic":"series:s","data":{"value":1.5}}"#).is_ok()
        );
    }

    #[test]
    fn a_room_message_may_be_signed_with_a_checked_name() {
        let said =
            publication(r#"{"type":"publish","topic":"room:x","data":{"text":"go","name":"Zoé"}}"#);
        assert!(matches!(said, Ok(Publication::Say { name: Some(n), .. }) if n == "Zoé"));
        let unsigned = publication(r#"{"type":"publish","topic":"room:x","data":{"text":"go"}}"#);
        assert!(matches!(unsigned, Ok(Publication::Say { name: None, .. })));
        let refused = |name: &str| {
            let data = serde_json::json!({"text": "go", "name": name});
            publication(&format!(
                r#"{{"type":"publish","topic":"room:x","data":{data}}}"#
            ))
            .unwrap_err()
        };
        let long = refused(&"x".repeat(MAX_NAME_CHARS + 1));
        assert_eq!(long.code(), ErrorCode::TooLarge);
        assert!(long.to_string().contains("at most 40 characters"), "{long}");
        for bad in ["a\nb", "tab\there", "\u{202E}evil", "  "] {
            assert_eq!(refused(bad).code(), ErrorCode::BadMessage, "{bad:?}");
        }
        assert!(refused("a\u{7}").to_string().contains("control characters"));
        assert!(check_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        // A name belongs to room messages only.
        let err = publication(
            r#"{"type":"publish","topic":"runner:3","data":{"lat":1,"lng":2,"name":"x"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadMessage);
        // An older client's event (no name) still reads, and so does a newer one's
        // with fields this version does not know.
        let old = r#"{"type":"event","topic":"room:lobby","seq":1,"data":{"text":"hi","ts":5}}"#;
        assert!(matches!(
            ServerMsg::parse(old),
            Ok(ServerMsg::Event {
                data: EventData::Say { name: None, .. },
                ..
            })
        ));
    }

    #[test]
    fn unknown_types_missing_fields_and_bad_topics_are_rejected() {
        let code = |json: &str| ClientMsg::parse(json).unwrap_err().code();
        assert_eq!(code(r#"{"type":"dance"}"#), ErrorCode::BadMessage);
        assert_eq!(code(r#"{"type":"subscribe"}"#), ErrorCode::BadMessage);
        assert_eq!(code("not json"), ErrorCode::BadJson);
        assert_eq!(
            code(r#"{"type":"subscribe","topics":["runner:a b"]}"#),
            ErrorCode::BadId
        );
        assert_eq!(
            code(r#"{"type":"subscribe","topics":["room:<x>"]}"#),
            ErrorCode::BadId
        );
    }

    #[test]
    fn resume_points_are_keyed_by_topic() {
        let msg = ClientMsg::parse(
            r#"{"type":"subscribe","id":4,"topics":["runner:7"],
                "resume":{"epoch":"e1","since":{"runner:7":41}}}"#,
        )
        .unwrap();
        let ClientMsg::Subscribe { id, resume, .. } = &msg else {
            panic!("{msg:?}")
        };
        assert_eq!(*id, Some(4));
        let since = &resume.as_ref().unwrap().since;
        assert_eq!(since[&Topic::parse("runner:7").unwrap()], 41);
        assert_eq!(ClientMsg::parse(&msg.encode()).unwrap(), msg);
    }

    #[test]
    fn server_messages_round_trip() {
        let topic = Topic::parse("runner:a").unwrap();
        let msgs = [
            ServerMsg::Welcome {
                protocol: PROTOCOL_VERSION,
                epoch: "e".into(),
                open_publishing: true,
                heartbeat_ms: 20_000,
                limits: AnnouncedLimits {
                    max_topics: 3,
                    max_frame_bytes: 4,
                },
            },
            ServerMsg::Snapshot {
                topic: topic.clone(),
                seq: 9,
                resumed: false,
                gap: Some(Gap {
                    after: 2,
                    reason: GapReason::TooOld,
                }),
                count: 1,
            },
            ServerMsg::Event {
                topic: topic.clone(),
                seq: 9,
                data: EventData::Fix {
                    lat: 1.0,
                    lng: 2.0,
                    ts: 3,
                    t: Some(2),
                },
            },
            ServerMsg::Event {
                topic: Topic::parse("series:s").unwrap(),
                seq: 1,
                data: EventData::Point { t: 1, value: 0.5 },
            },
            ServerMsg::Event {
                topic: Topic::parse("room:lobby").unwrap(),
                seq: 2,
                data: EventData::Say {
                    text: "<b>hi</b>".into(),
                    ts: 9,
                    name: None,
                },
            },
            ServerMsg::Event {
                topic: Topic::parse("room:cheer-7").unwrap(),
                seq: 3,
                data: EventData::Say {
                    text: "Allez!".into(),
                    ts: 10,
                    name: Some("Zoé".into()),
                },
            },
            ServerMsg::Presence {
                topic: Topic::Presence,
                online: 3,
                followers: Some(BTreeMap::from([("7".to_owned(), 2)])),
            },
            ServerMsg::Pong { id: Some(1) },
            ServerMsg::error(Some(5), &ProtocolError::RateLimited("slow down".into())),
            ServerMsg::Event {
                topic: topic.clone(),
                seq: 10,
                data: split_data(),
            },
        ];
        for msg in msgs {
            assert_eq!(ServerMsg::parse(&msg.encode()).unwrap(), msg);
        }
    }

    fn split_data() -> EventData {
        EventData::Split {
            split: Box::new(crate::protocol::splits::Split {
                bib: RunnerId::parse("a").unwrap(),
                point: 0,
                name: "3 km".into(),
                finish: false,
                distance_m: 3000.0,
                at_ms: 1_000,
                time: "09:00:01".into(),
                elapsed_ms: Some(1_000),
                pace_s_per_km: Some(0.3),
                rank: 1,
            }),
            ts: 2_000,
        }
    }
}
