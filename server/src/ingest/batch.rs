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
//! Every fix is checked before any is taken: the request is refused as a whole (400,
//! naming the fix) if any is malformed, from the far future or not the sender's to
//! publish. Then the intake takes them all at once (oldest first, so each runner's
//! newest fix ends up live) and stores every kept fix in one transaction: a request
//! answered 503 stored nothing, so sending it again duplicates nothing. The answer
//! lists each fix's outcome in the order of the request:
//! `{"outcomes": ["published", "late", ...]}`.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, header},
};
use serde::{Deserialize, Serialize};
use spectate_app::protocol::{FixOutcome, LatLng, RunnerId};

use super::{DeviceFix, error::IngestError};
use crate::state::AppState;

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
    outcomes: Vec<FixOutcome>,
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
    let identity = token.map(|t| access.verify(t)).transpose()?;
    // Check everything before taking anything.
    let mut checked = Vec::with_capacity(fixes.len());
    for (i, fix) in fixes.into_iter().enumerate() {
        access.check_publish(identity.as_ref(), &fix.runner)?;
        let (runner, device_fix) = fix.into_device_fix(i)?;
        let device_fix = state
            .intake
            .check(&device_fix)
            .map_err(|refusal| IngestError::BadInput(format!("fix {i}: {refusal}")))?;
        checked.push((runner, device_fix));
    }
    let outcomes = state.intake.take(&checked, "batch").await?;
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
                taken_ms: self.t,
                speed_mps: self.speed,
                accuracy_m: self.accuracy,
                altitude_m: self.altitude,
                battery_pct: self.battery,
            },
        ))
    }
}
