//! `GET /api/leaderboard`: every runner of the event by distance along the course,
//! with gap, pace, next checkpoint and finish ETAs, and status. CORS is open, like
//! the other public reads.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::{hub::now_ms, state::AppState};

/// The board, or 404 when the server tracks no event.
pub async fn leaderboard(State(state): State<AppState>) -> Response {
    match state.hub.race.get() {
        Some(race) => Json(race.leaderboard(now_ms())).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "no event: start the server with --event FILE (or --demo)\n",
        )
            .into_response(),
    }
}
