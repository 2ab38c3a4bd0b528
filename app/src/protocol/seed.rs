//! The seed apps' message formats, kept exactly as their clients send and expect them.
//!
//! - spectate (`/` and `/spectate`): `{"initialRequest":true,"following":[ids],"userId":id}`
//!   then fixes `{"userId":id,"lat":x,"lng":y}`; followers receive the fix in that shape.
//! - happiness (`/happiness`): `{"happiness":x}` with `0 <= x < 10`.
//! - room (`/room`): plain text frames, relayed as sent.
//!
//! Errors go back as `{"error":{"code":"...","message":"..."}}`, which a seed client
//! that does not know about them can ignore.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ErrorCode, LatLng, ProtocolError, RunnerId};

/// A message from a seed spectate client.
#[derive(Clone, Debug, PartialEq)]
pub enum SeedInbound {
    /// The first message: who to follow, and (optionally) who the client is.
    Hello {
        /// Runners whose fixes this connection wants.
        following: Vec<RunnerId>,
        /// The client's own runner id, if it publishes.
        user_id: Option<RunnerId>,
        /// A token to publish with (an extension; seed clients send none).
        token: Option<String>,
    },
    /// A position published by the client for `user_id`.
    Fix {
        /// Whose position this is (trusted only in open mode).
        user_id: RunnerId,
        /// Where they are.
        position: LatLng,
    },
}

#[derive(Deserialize)]
struct RawHello {
    #[serde(rename = "initialRequest")]
    _initial_request: Value,
    #[serde(default)]
    following: Vec<RunnerId>,
    #[serde(rename = "userId", default)]
    user_id: Option<RunnerId>,
    #[serde(default)]
    token: Option<String>,
}

#[derive(Deserialize)]
struct RawFix {
    #[serde(rename = "userId")]
    user_id: RunnerId,
    lat: f64,
    lng: f64,
}

impl SeedInbound {
    /// Parses one text frame from a seed client.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ProtocolError::from_json(&e))?;
        let Value::Object(map) = &value else {
            return Err(ProtocolError::BadMessage(
                "expected a JSON object: {\"initialRequest\":true,...} or {\"userId\":..,\"lat\":..,\"lng\":..}".into(),
            ));
        };
        if map.contains_key("initialRequest") {
            let raw: RawHello =
                serde_json::from_value(value).map_err(|e| ProtocolError::from_json(&e))?;
            Ok(Self::Hello {
                following: raw.following,
                user_id: raw.user_id,
                token: raw.token,
            })
        } else if map.contains_key("lat") || map.contains_key("lng") || map.contains_key("userId") {
            let raw: RawFix =
                serde_json::from_value(value).map_err(|e| ProtocolError::from_json(&e))?;
            Ok(Self::Fix {
                user_id: raw.user_id,
                position: LatLng::parse(raw.lat, raw.lng)?,
            })
        } else {
            Err(ProtocolError::BadMessage(
                "unknown message: expected {\"initialRequest\":true,\"following\":[..]} or {\"userId\":..,\"lat\":..,\"lng\":..}".into(),
            ))
        }
    }
}

/// A fix as seed followers receive it.
#[derive(Debug, Serialize)]
pub struct SeedFix<'a> {
    /// Whose position.
    #[serde(rename = "userId")]
    pub user_id: &'a RunnerId,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lng: f64,
}

/// One value of the happiness feed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Happiness {
    /// The value, `0 <= happiness < 10`.
    pub happiness: f64,
}

/// The error frame sent to seed clients.
#[derive(Debug, Serialize, Deserialize)]
pub struct SeedError {
    /// What went wrong.
    pub error: SeedErrorBody,
}

/// Body of a [`SeedError`].
#[derive(Debug, Serialize, Deserialize)]
pub struct SeedErrorBody {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// What a person should read.
    pub message: String,
}

impl SeedError {
    /// Encodes a protocol error as a seed error frame.
    pub fn encode(err: &ProtocolError) -> String {
        let frame = SeedError {
            error: SeedErrorBody {
                code: err.code(),
                message: err.to_string(),
            },
        };
        serde_json::to_string(&frame).unwrap_or_else(|_| String::from("{\"error\":{}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> RunnerId {
        RunnerId::parse(s).unwrap()
    }

    #[test]
    fn parses_the_seed_hello_with_numbers_or_strings() {
        let hello = SeedInbound::parse(r#"{"initialRequest":true,"following":[1,"2"],"userId":7}"#)
            .unwrap();
        assert_eq!(
            hello,
            SeedInbound::Hello {
                following: vec![id("1"), id("2")],
                user_id: Some(id("7")),
                token: None
            }
        );
    }

    #[test]
    fn parses_a_fix() {
        let fix = SeedInbound::parse(r#"{"userId":"anna","lat":51.5,"lng":-0.12}"#).unwrap();
        assert_eq!(
            fix,
            SeedInbound::Fix {
                user_id: id("anna"),
                position: LatLng::parse(51.5, -0.12).unwrap()
            }
        );
    }

    #[test]
    fn each_bad_input_gets_its_own_code() {
        let code = |t: &str| SeedInbound::parse(t).unwrap_err().code();
        assert_eq!(code("{nope"), ErrorCode::BadJson);
        assert_eq!(code("[1,2]"), ErrorCode::BadMessage);
        assert_eq!(code(r#"{"hello":1}"#), ErrorCode::BadMessage);
        assert_eq!(
            code(r#"{"userId":1,"lat":"x","lng":2}"#),
            ErrorCode::BadMessage
        );
        assert_eq!(code(r#"{"userId":1,"lng":2}"#), ErrorCode::BadMessage);
        assert_eq!(
            code(r#"{"userId":1,"lat":95,"lng":2}"#),
            ErrorCode::BadCoordinates
        );
        assert_eq!(
            code(r#"{"userId":1,"lat":1e999,"lng":2}"#),
            ErrorCode::BadJson
        );
        assert_eq!(code(r#"{"userId":1.5,"lat":1,"lng":2}"#), ErrorCode::BadId);
    }

    #[test]
    fn seed_fix_encodes_exactly_like_the_seed() {
        let runner = id("3");
        let text = serde_json::to_string(&SeedFix {
            user_id: &runner,
            lat: 1.5,
            lng: -2.25,
        })
        .unwrap();
        assert_eq!(text, r#"{"userId":3,"lat":1.5,"lng":-2.25}"#);
    }
}
