//! `GET /api/race`: what a spectator's page starts from (the event, its board, the
//! map tiles), and the same view handed to server rendering, so the first paint and
//! the JSON never disagree.

use std::sync::Arc;

use axum::{Json, extract::State};
use spectate_app::{protocol::race::RaceView, race_data::RaceSource};

use crate::{hub::now_ms, state::AppState};

/// The view as of now; without an event, only the tiles.
pub fn view(state: &AppState) -> RaceView {
    let race = state.hub.race.get();
    // One instant for the board and the clock the page counts "ago" from.
    let now = now_ms();
    RaceView {
        event: race.map(|r| r.event_info().clone()),
        board: race.map(|r| r.leaderboard(now)),
        tiles: state.tiles.clone(),
        now_ms: now,
    }
}

/// The handler.
pub async fn race(State(state): State<AppState>) -> Json<RaceView> {
    Json(view(&state))
}

/// The source server rendering reads the view from, once per page.
pub fn source(state: AppState) -> RaceSource {
    RaceSource(Arc::new(move || view(&state)))
}
