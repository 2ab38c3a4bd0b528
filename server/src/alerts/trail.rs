//! `GET /admin/runners/{bib}/trail.json`: a runner's last stored positions, for the
//! monitor's map (an alert shown with where the runner came from). Behind the
//! console's sign-in: a runner's track on a private event is not public, and the
//! alerts it is drawn for are not either.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use spectate_app::protocol::{
    RunnerId,
    console::{TRAIL_POINTS, Trail, TrailPoint},
};

use crate::{console::guard::ApiOrganiser, state::AppState, store::StoreError};

/// Why a trail could not be given.
#[derive(Debug, thiserror::Error)]
pub enum TrailError {
    /// The bib is not one (empty, too long, odd characters).
    #[error("{0}")]
    BadBib(String),
    /// The event has no runner with this bib (or the server tracks no event).
    #[error("no runner {0} in the event")]
    NotInEvent(RunnerId),
    /// The store failed; logged, not shown.
    #[error("the store cannot be read; try again")]
    Store(#[from] StoreError),
}

impl IntoResponse for TrailError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadBib(_) => StatusCode::BAD_REQUEST,
            Self::NotInEvent(_) => StatusCode::NOT_FOUND,
            Self::Store(err) => {
                tracing::error!(%err, "trail: store failed");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        (status, format!("{self}\n")).into_response()
    }
}

/// The runner's last [`TRAIL_POINTS`] stored positions, oldest first (empty before
/// their first fix).
pub async fn trail(
    _: ApiOrganiser,
    State(state): State<AppState>,
    Path(bib): Path<String>,
) -> Result<Json<Trail>, TrailError> {
    let runner = RunnerId::parse(&bib).map_err(|err| TrailError::BadBib(err.to_string()))?;
    if state
        .event()
        .as_ref()
        .and_then(|event| event.runner(&runner))
        .is_none()
    {
        return Err(TrailError::NotInEvent(runner));
    }
    let track = state.store.track(runner.clone()).await?;
    let points = track[track.len().saturating_sub(TRAIL_POINTS)..]
        .iter()
        .map(|fix| TrailPoint {
            lat: fix.position.lat(),
            lng: fix.position.lng(),
            received_ms: fix.received_ms,
        })
        .collect();
    Ok(Json(Trail { runner, points }))
}
