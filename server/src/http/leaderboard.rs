//! `GET /api/leaderboard`: every runner of the event by distance along the course,
//! with gap, pace, next checkpoint and finish ETAs, and status; and `GET
//! /api/entrants`, every runner's bib, name and category. CORS is open, like the other
//! public reads, and both are compressed.
//!
//! The board is not computed per request: it is the hub's one computation of the
//! interval ([`crate::hub::board`]), encoded once and served with an `ETag`, so a
//! client that asks again within the interval gets `304 Not Modified` and no body.
//! `?offset=N&limit=M` serves one page of it (a phone's "Show all").

use axum::{
    Json,
    body::Body,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::no_event;
use crate::state::AppState;

/// The paging query.
#[derive(Debug, Default, Deserialize)]
pub struct Page {
    /// Rows to skip (leader first).
    offset: Option<usize>,
    /// Rows to return.
    limit: Option<usize>,
}

/// The board (or a page of it), or 404 when the server tracks no event.
pub async fn leaderboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(race) = state.hub.race() else {
        return no_event();
    };
    let Ok(Query(page)) = page else {
        return (
            StatusCode::BAD_REQUEST,
            "offset and limit must be whole numbers: /api/leaderboard?offset=25&limit=100\n",
        )
            .into_response();
    };
    let computed = state.hub.board.latest(race);
    let etag = computed.etag().to_owned();
    let paged = page.offset.is_some() || page.limit.is_some();
    let etag = if paged {
        format!(
            "{}-{}-{}\"",
            etag.trim_end_matches('"'),
            page.offset.unwrap_or(0),
            page.limit.unwrap_or(usize::MAX)
        )
    } else {
        etag
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let etag_header = HeaderValue::from_str(&etag).ok();
    if fresh {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Some(value) = etag_header {
            response.headers_mut().insert(header::ETAG, value);
        }
        return response;
    }
    let mut response = if paged {
        Json(computed.page(page.offset.unwrap_or(0), page.limit.unwrap_or(usize::MAX)))
            .into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            Body::from(computed.json()),
        )
            .into_response()
    };
    if let Some(value) = etag_header {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Every entrant (bib, name, category), in bib order: what the page searches and
/// labels with, fetched once after the first paint.
pub async fn entrants(State(state): State<AppState>) -> Response {
    match state.hub.race() {
        Some(race) => Json(&race.event_info().entrants).into_response(),
        None => no_event(),
    }
}
