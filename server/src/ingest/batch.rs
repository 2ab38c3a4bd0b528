//! The batch endpoint: `POST /api/fixes` with a JSON array of fixes, for tools and
//! phones that upload what they collected offline.
//!
//! ```text
//! Authorization: Bearer <token>
//! [{"runner": 7, "lat": 48.85, "lng": 2.35, "t": 1700000000000,
//!   "speed": 3.1, "accuracy": 5, "altitude": 35, "battery": 80}, ...]
//! ```
//!
//! `t` is milliseconds since the epoch (the server's time if absent); speed is m/s.
//! Each fix passes the same rules as every other ingestion path (taken oldest first,
//! so each runner's newest fix ends up live) and the answer lists each one's outcome
//! in the order of the request: `{"outcomes": ["published", "late", ...]}`. The
//! request is refused as a whole (400) if any fix is malformed, so a client never
//! has to guess which half was taken.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, header},
};
use serde::{Deserialize, Serialize};
use spectate_app::protocol::{LatLng, RunnerId};

use super::{DeviceFix, error::IngestError};
use crate::{hub::now_ms, state::AppState};

/// Fixes one request may carry.
pub const MAX_BATCH: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchFix {
    runner: RunnerId,
    lat: f64,
    lng: f64,
    t: Option<u64>,
    speed: Option<f64>,
    accuracy: Option<f64>,
    altitude: Option<f64>,
    battery: Option<f64>,
}

/// The answer: one outcome per fix, in order.
#[derive(Debug, Serialize)]
pub struct BatchOutcome {
    outcomes: Vec<&'static str>,
}

/// `POST /api/fixes`.
pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BatchOutcome>, IngestError> {
    let fixes = parse(&body)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let access = &state.hub.access;
    let identity = token.map(|t| access.keys.verify(t)).transpose()?;
    // Check everything before taking anything.
    let mut parsed = Vec::with_capacity(fixes.len());
    for (i, fix) in fixes.into_iter().enumerate() {
        access.check_publish(identity.as_ref(), &fix.runner)?;
        let (runner, fix) = fix.into_device_fix(i)?;
        parsed.push((i, runner, fix));
    }
    // Oldest first, so that each runner's newest fix is the one left live.
    parsed.sort_by_key(|(_, _, fix)| fix.taken_ms);
    let mut outcomes = vec![""; parsed.len()];
    for (i, runner, fix) in &parsed {
        outcomes[*i] = state.intake.accept(runner, fix, "batch").await?.label();
    }
    Ok(Json(BatchOutcome { outcomes }))
}

/// Reads a request body: a JSON array of at most [`MAX_BATCH`] fixes.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<BatchFix>, IngestError> {
    let fixes: Vec<BatchFix> = serde_json::from_slice(body)
        .map_err(|e| IngestError::BadInput(format!("expected a JSON array of fixes: {e}")))?;
    if fixes.len() > MAX_BATCH {
        return Err(IngestError::BadInput(format!(
            "{} fixes in one request; the limit is {MAX_BATCH}",
            fixes.len()
        )));
    }
    Ok(fixes)
}

impl BatchFix {
    /// The runner and the fix in our units; `i` (its place in the batch) names it in
    /// errors.
    pub(crate) fn into_device_fix(self, i: usize) -> Result<(RunnerId, DeviceFix), IngestError> {
        let position = LatLng::parse(self.lat, self.lng)
            .map_err(|e| IngestError::BadInput(format!("fix {i}: {e}")))?;
        Ok((
            self.runner,
            DeviceFix {
                position,
                taken_ms: self.t.unwrap_or_else(now_ms),
                speed_mps: self.speed,
                accuracy_m: self.accuracy,
                altitude_m: self.altitude,
                battery_pct: self.battery,
            },
        ))
    }
}
