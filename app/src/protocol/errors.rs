//! What goes wrong on a socket, and how the server says so.
//!
//! Every bad input becomes a [`ProtocolError`]: the connection gets an error frame with
//! its [`ErrorCode`] and a readable message, and keeps working. Inputs that make the
//! connection itself unusable end it with a [`CloseCode`] and a reason instead.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Echoes a piece of input in a message, quoted and escaped as `{:?}` would, but
/// through `Display`: the release browser bundle is built without Debug formatting
/// (`.cargo/wasm-size.toml`), where `{:?}` prints nothing.
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            // As Debug does for a string: a single quote needs no escape inside "".
            match c {
                '\'' => f.write_str("'")?,
                c => write!(f, "{}", c.escape_debug())?,
            }
        }
        f.write_str("\"")
    }
}

/// A single character, quoted and escaped like [`Quoted`].
#[derive(Clone, Copy, Debug)]
pub struct QuotedChar(pub char);

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // As Debug does for a char: a double quote needs no escape inside ''.
            '"' => f.write_str("'\"'"),
            c => write!(f, "'{}'", c.escape_debug()),
        }
    }
}

/// Machine-readable error codes carried by error frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not valid JSON.
    BadJson,
    /// Valid JSON, but not a message this endpoint understands (unknown type,
    /// missing or mistyped field).
    BadMessage,
    /// A runner id or series name broke the id rules.
    BadId,
    /// A coordinate was non-finite or out of range.
    BadCoordinates,
    /// Too many messages too fast; the message was dropped.
    RateLimited,
    /// The message was larger than this endpoint allows; it was dropped.
    TooLarge,
    /// A per-connection or server-wide limit was reached (follows, runners).
    LimitReached,
    /// The action needs a token and none was given.
    TokenMissing,
    /// The token is malformed or its signature does not match (forged, or from
    /// another server).
    TokenInvalid,
    /// The token was valid but has expired.
    TokenExpired,
    /// The token is valid but for someone else (another runner, or a role that may
    /// not do this).
    TokenWrongSubject,
    /// Tokens are refused on a connection opened by a page of another site
    /// (cross-site WebSocket hijacking).
    OriginForbidden,
    /// The server could not store it just now; send it again.
    Unavailable,
    /// No such thing here: a runner who is not in the event this server tracks.
    NotFound,
}

impl ErrorCode {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadJson => "bad_json",
            Self::BadMessage => "bad_message",
            Self::BadId => "bad_id",
            Self::BadCoordinates => "bad_coordinates",
            Self::RateLimited => "rate_limited",
            Self::TooLarge => "too_large",
            Self::LimitReached => "limit_reached",
            Self::TokenMissing => "token_missing",
            Self::TokenInvalid => "token_invalid",
            Self::TokenExpired => "token_expired",
            Self::TokenWrongSubject => "token_wrong_subject",
            Self::OriginForbidden => "origin_forbidden",
            Self::Unavailable => "unavailable",
            Self::NotFound => "not_found",
        }
    }
}

/// A rejected input, with the message shown to the client.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    /// See [`ErrorCode::BadJson`].
    #[error("malformed JSON: {0}")]
    BadJson(String),
    /// See [`ErrorCode::BadMessage`].
    #[error("{0}")]
    BadMessage(String),
    /// See [`ErrorCode::BadId`].
    #[error("{0}")]
    BadId(String),
    /// See [`ErrorCode::BadCoordinates`].
    #[error("{0}")]
    BadCoordinates(String),
    /// See [`ErrorCode::RateLimited`].
    #[error("{0}")]
    RateLimited(String),
    /// See [`ErrorCode::TooLarge`].
    #[error("{0}")]
    TooLarge(String),
    /// See [`ErrorCode::LimitReached`].
    #[error("{0}")]
    LimitReached(String),
    /// See [`ErrorCode::TokenMissing`].
    #[error("{0}")]
    TokenMissing(String),
    /// See [`ErrorCode::TokenInvalid`].
    #[error("{0}")]
    TokenInvalid(String),
    /// See [`ErrorCode::TokenExpired`].
    #[error("{0}")]
    TokenExpired(String),
    /// See [`ErrorCode::TokenWrongSubject`].
    #[error("{0}")]
    TokenWrongSubject(String),
    /// See [`ErrorCode::OriginForbidden`].
    #[error("{0}")]
    OriginForbidden(String),
    /// See [`ErrorCode::Unavailable`].
    #[error("{0}")]
    Unavailable(String),
    /// See [`ErrorCode::NotFound`].
    #[error("{0}")]
    NotFound(String),
}

impl ProtocolError {
    /// The code that goes with this error on the wire.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadJson(_) => ErrorCode::BadJson,
            Self::BadMessage(_) => ErrorCode::BadMessage,
            Self::BadId(_) => ErrorCode::BadId,
            Self::BadCoordinates(_) => ErrorCode::BadCoordinates,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::TooLarge(_) => ErrorCode::TooLarge,
            Self::LimitReached(_) => ErrorCode::LimitReached,
            Self::TokenMissing(_) => ErrorCode::TokenMissing,
            Self::TokenInvalid(_) => ErrorCode::TokenInvalid,
            Self::TokenExpired(_) => ErrorCode::TokenExpired,
            Self::TokenWrongSubject(_) => ErrorCode::TokenWrongSubject,
            Self::OriginForbidden(_) => ErrorCode::OriginForbidden,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::NotFound(_) => ErrorCode::NotFound,
        }
    }

    /// Classifies a serde_json failure: syntax errors are `bad_json`, shape errors
    /// (wrong type, missing field, out-of-range value) are `bad_message`, except
    /// where a domain parser already said precisely what was wrong.
    pub fn from_json(err: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let text = err.to_string();
        match err.classify() {
            Category::Syntax | Category::Eof | Category::Io => Self::BadJson(text),
            Category::Data if text.starts_with("lat ") || text.starts_with("lng ") => {
                Self::BadCoordinates(text)
            }
            Category::Data
                if text.contains("runner id")
                    || text.contains("series name")
                    || text.contains("room name") =>
            {
                Self::BadId(text)
            }
            Category::Data => Self::BadMessage(text),
        }
    }
}

/// WebSocket close codes the server sends, each with a fixed reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    /// 1001: the server is shutting down; reconnect later (to another node).
    GoingAway,
    /// 1003: a binary frame arrived where only JSON text is accepted.
    UnsupportedData,
    /// 1007: a text frame that is not valid UTF-8.
    InvalidPayload,
    /// 1008: the client broke a policy (e.g. kept flooding after errors).
    PolicyViolation,
    /// 1009: a frame larger than the endpoint's limit.
    MessageTooBig,
    /// 1011: an unexpected server-side failure.
    InternalError,
    /// 4000: nothing arrived from the client (not even a pong) for too long.
    IdleTimeout,
    /// 4003: the token the socket authenticated with was revoked by the organisers.
    TokenRevoked,
    /// 4008: the client read too slowly and its outbound queue overflowed.
    SlowConsumer,
}

impl CloseCode {
    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            Self::GoingAway => 1001,
            Self::UnsupportedData => 1003,
            Self::InvalidPayload => 1007,
            Self::PolicyViolation => 1008,
            Self::MessageTooBig => 1009,
            Self::InternalError => 1011,
            Self::IdleTimeout => 4000,
            Self::TokenRevoked => 4003,
            Self::SlowConsumer => 4008,
        }
    }

    /// The default reason sent with the code (at most 123 bytes, as RFC 6455 requires).
    pub fn reason(self) -> &'static str {
        match self {
            Self::GoingAway => "server shutting down; reconnect shortly",
            Self::UnsupportedData => "binary frames are not accepted; send JSON text",
            Self::InvalidPayload => "a text frame must be valid UTF-8",
            Self::PolicyViolation => "policy violation",
            Self::MessageTooBig => "frame exceeds the size limit",
            Self::InternalError => "internal server error",
            Self::IdleTimeout => "idle timeout: no frame or pong from the client",
            Self::TokenRevoked => "token revoked by the organisers; ask them for a new one",
            Self::SlowConsumer => "outbound queue full: client reads too slowly",
        }
    }
}
