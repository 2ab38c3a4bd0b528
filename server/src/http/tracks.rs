//! `GET /api/runners/{bib}/track.gpx`: a runner's stored track as a GPX file, to keep
//! or to load into any mapping tool.

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use spectate_app::protocol::RunnerId;

use crate::{state::AppState, store::gpx_export::to_gpx};

/// The track, or 404/400/503 with the reason.
pub async fn track_gpx(State(state): State<AppState>, Path(bib): Path<String>) -> Response {
    let runner = match RunnerId::parse(&bib) {
        Ok(runner) => runner,
        Err(err) => return (StatusCode::BAD_REQUEST, format!("{err}\n")).into_response(),
    };
    let fixes = match state.store.track(runner.clone()).await {
        Ok(fixes) => fixes,
        Err(err) => {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("{err}\n")).into_response();
        }
    };
    if fixes.is_empty() {
        return (
            StatusCode::NOT_FOUND,
            format!("no stored fixes for runner {runner}\n"),
        )
            .into_response();
    }
    let name = state
        .event()
        .and_then(|e| e.runner(&runner).map(|r| r.name.clone()))
        .map_or_else(
            || format!("Runner {runner}"),
            |name| format!("{name} ({runner})"),
        );
    match to_gpx(&name, &fixes) {
        Ok(gpx) => (
            [
                (header::CONTENT_TYPE, "application/gpx+xml".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"runner-{runner}.gpx\""),
                ),
            ],
            gpx,
        )
            .into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{err}\n")).into_response(),
    }
}
