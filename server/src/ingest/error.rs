//! What a tracker app is told when its request is refused: a status it can act on
//! and a sentence a person can read.

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use spectate_app::protocol::ProtocolError;

use super::Refusal;

/// A refused ingestion request.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The request does not parse, or the fix is impossible (coordinates, time).
    #[error("{0}")]
    BadInput(String),
    /// No valid credentials for the runner (missing, forged or expired token).
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials for someone else.
    #[error("{0}")]
    Forbidden(String),
    /// The device id is not registered in the event file.
    #[error("{0}")]
    UnknownDevice(String),
    /// The fix could not be stored; the tracker should send it again.
    #[error("{0}")]
    Unavailable(String),
    /// This address named too many unknown device ids; it may try again later.
    #[error("{message}")]
    TooManyLookups {
        /// What happened and what to do.
        message: String,
        /// Seconds until the address may try again (`Retry-After`).
        retry_after_s: u64,
    },
}

/// Each refusal of the intake as a tracker understands it: a fix it must fix (400),
/// or one to send again (503).
impl From<Refusal> for IngestError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::FromTheFuture { .. } | Refusal::NotFinite { .. } => {
                Self::BadInput(refusal.to_string())
            }
            Refusal::NotStored(_) => Self::Unavailable(refusal.to_string()),
            Refusal::NotPublished(err) => err.into(),
        }
    }
}

impl From<ProtocolError> for IngestError {
    fn from(err: ProtocolError) -> Self {
        match err {
            ProtocolError::TokenMissing(m)
            | ProtocolError::TokenInvalid(m)
            | ProtocolError::TokenExpired(m) => Self::Unauthorized(m),
            ProtocolError::TokenWrongSubject(m) | ProtocolError::OriginForbidden(m) => {
                Self::Forbidden(m)
            }
            // A full topic table is a reason to try again, never to drop the fix:
            // OsmAnd-protocol apps treat a 4xx as final.
            ProtocolError::Unavailable(m) | ProtocolError::LimitReached(m) => Self::Unavailable(m),
            other => Self::BadInput(other.to_string()),
        }
    }
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadInput(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::UnknownDevice(_) => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyLookups { retry_after_s, .. } => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, retry_after_s.to_string())],
                    format!("{self}\n"),
                )
                    .into_response();
            }
        };
        (status, format!("{self}\n")).into_response()
    }
}
