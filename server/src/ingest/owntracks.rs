//! OwnTracks in HTTP mode: `POST /api/owntracks` with the app's JSON.
//!
//! Identity comes from HTTP Basic auth, as the app sends it (user = the runner's bib,
//! password = the runner's token from `spectate token --bib`). Only on an open server
//! (where anyone may publish) may the `X-Limit-U` header (a bib) or `X-Limit-D` (a
//! device registered in the event file) name the runner instead: a header is no
//! credential. The app expects a JSON array in reply: `[]`. Messages other than
//! `location` (waypoints, transitions, cards) are answered `[]` and ignored, and so is
//! an empty body (the app sends one when a contact is cleared) once the sender is
//! identified: anything but a 2xx makes the app queue it again and hold back its
//! locations behind it.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde::Deserialize;
use spectate_app::protocol::{LatLng, RunnerId};

use super::{DeviceFix, FixOutcome, error::IngestError};
use crate::state::AppState;

/// The parts of an OwnTracks message we use.
#[derive(Debug, Deserialize)]
pub(crate) struct Message {
    #[serde(rename = "_type")]
    kind: String,
    lat: Option<f64>,
    lon: Option<f64>,
    /// Seconds since the epoch.
    tst: Option<u64>,
    acc: Option<f64>,
    alt: Option<f64>,
    /// km/h.
    vel: Option<f64>,
    batt: Option<f64>,
}

/// `POST /api/owntracks`.
pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, IngestError> {
    if body.trim_ascii().is_empty() {
        identify(&state, &headers)?;
        return Ok(reply(None));
    }
    let message = Message::parse(&body)?;
    if !message.is_location() {
        return Ok(reply(None));
    }
    let runner = identify(&state, &headers)?;
    let fix = message.fix()?;
    let outcome = state.intake.accept(&runner, &fix, "owntracks").await?;
    Ok(reply(Some(outcome)))
}

impl Message {
    /// Reads a request body.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, IngestError> {
        serde_json::from_slice(body)
            .map_err(|e| IngestError::BadInput(format!("not an OwnTracks message: {e}")))
    }

    /// Only `location` messages carry a fix; the others are answered and ignored.
    pub(crate) fn is_location(&self) -> bool {
        self.kind == "location"
    }

    /// The fix of a `location` message, in our units.
    pub(crate) fn fix(&self) -> Result<DeviceFix, IngestError> {
        let (Some(lat), Some(lon)) = (self.lat, self.lon) else {
            return Err(IngestError::BadInput(
                "a location needs both lat and lon".into(),
            ));
        };
        Ok(DeviceFix {
            position: LatLng::parse(lat, lon)?,
            taken_ms: self.tst.map(|s| s.saturating_mul(1000)),
            speed_mps: self.vel.map(|kmh| kmh / 3.6),
            accuracy_m: self.acc,
            altitude_m: self.alt,
            battery_pct: self.batt,
        })
    }
}

/// Who is publishing: Basic auth (bib + token), else, on an open server only, the
/// X-Limit headers.
fn identify(state: &AppState, headers: &HeaderMap) -> Result<RunnerId, IngestError> {
    let access = &state.hub.access;
    if let Some((user, password)) = basic_auth(headers) {
        let runner = RunnerId::parse(&user)?;
        let identity = if password.is_empty() {
            None
        } else {
            Some(access.verify(&password)?)
        };
        access.check_publish(identity.as_ref(), &runner)?;
        return Ok(runner);
    }
    let unidentified = || {
        IngestError::Unauthorized(
            "identify with HTTP Basic auth: user = your bib, password = your token (spectate token --bib N)".into(),
        )
    };
    if !access.open_publishing {
        return Err(unidentified());
    }
    // An open server: the headers may name the runner, a registered device first.
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let device = header("x-limit-d").and_then(|d| state.event()?.runner_for_device(d).cloned());
    match (device, header("x-limit-u")) {
        (Some(runner), _) => Ok(runner),
        (None, Some(user)) => Ok(RunnerId::parse(user)?),
        (None, None) => Err(unidentified()),
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `[]`, as the app expects, with the outcome in a header for people and tests.
fn reply(outcome: Option<FixOutcome>) -> Response {
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        "[]",
    )
        .into_response();
    if let Some(outcome) = outcome {
        response.headers_mut().insert(
            "x-spectate-outcome",
            HeaderValue::from_static(outcome.as_str()),
        );
    }
    response
}
