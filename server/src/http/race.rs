//! `GET /api/race`: what a spectator's page starts from (the event, the top of its
//! board, the map tiles), and the same view handed to server rendering, so the first
//! paint and the JSON never disagree.
//!
//! The view is bounded whatever the size of the race: the board's top and the
//! followed runners' rows (`?follow=12,57`), and of the entrants only those rows
//! name. At 5,000 runners the whole board was 1.6 MB and the rendered page 2.6 MB;
//! the rest of the field reaches the page over the socket (`field`) and
//! `/api/entrants`.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Query, State},
};
use serde::Deserialize;
use spectate_app::{
    protocol::{
        RunnerId,
        race::{EventInfo, Leaderboard, RaceView},
    },
    race_data::RaceSource,
};

use crate::{hub::now_ms, state::AppState};

/// The query of `/api/race`.
#[derive(Debug, Default, Deserialize)]
pub struct RaceQuery {
    /// Followed runners, comma-separated bibs (unknown or malformed ones are ignored).
    follow: Option<String>,
}

/// The view as of now for a page following `follows`; without an event, only the
/// tiles.
pub fn view(state: &AppState, follows: &[RunnerId]) -> RaceView {
    let race = state.hub.race();
    // One instant for the board and the clock the page counts "ago" from.
    let now = now_ms();
    let board = race.map(|r| state.hub.board.latest(r).view(follows));
    let event = race.map(|r| {
        let mut info = EventInfo::clone(&r.event_info());
        if let Some(board) = &board {
            info.entrants.retain(|e| {
                board.standings.iter().any(|s| s.bib == e.bib) || follows.contains(&e.bib)
            });
        }
        info
    });
    RaceView {
        event,
        board,
        tiles: state.tiles.clone(),
        now_ms: now,
        announcement: state.hub.board.announcement(),
    }
}

/// The handler.
pub async fn race(
    State(state): State<AppState>,
    query: Result<Query<RaceQuery>, axum::extract::rejection::QueryRejection>,
) -> Json<RaceView> {
    let follows: Vec<RunnerId> = query
        .ok()
        .and_then(|Query(q)| q.follow)
        .map(|list| {
            list.split(',')
                .filter_map(|bib| RunnerId::parse(bib).ok())
                .take(state.hub.limits.max_topics_per_conn)
                .collect()
        })
        .unwrap_or_default();
    Json(view(&state, &follows))
}

/// The view of a private event for a request without a valid token: the course and
/// the marks, no runner.
fn closed_view(state: &AppState) -> RaceView {
    let race = state.hub.race();
    RaceView {
        event: race.map(|r| EventInfo {
            entrants: Vec::new(),
            runners: 0,
            ..EventInfo::clone(&r.event_info())
        }),
        board: race.map(|r| Leaderboard {
            event: r.event_info().name.clone(),
            course_m: r.event_info().course_m,
            standings: Vec::new(),
            runners: 0,
        }),
        tiles: state.tiles.clone(),
        now_ms: now_ms(),
        announcement: None,
    }
}

/// The source server rendering reads the view from, once per page. On a private
/// event the page's request must carry a token (see [`super::private`]).
pub fn source(state: AppState) -> RaceSource {
    RaceSource(Arc::new(move |follows| {
        let readable = !state.hub.access.private.is_on()
            || leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
                state
                    .hub
                    .access
                    .check_read(&parts.headers, &parts.uri)
                    .is_ok()
            });
        if readable {
            view(&state, follows)
        } else {
            closed_view(&state)
        }
    }))
}
