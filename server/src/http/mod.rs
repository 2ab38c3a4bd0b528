//! Plain HTTP endpoints, and the routing of seed WebSocket upgrades that share a path
//! with a page.
//!
//! - [`assets`]: the site's static files under hashed names, cached for a year; the
//!   pages revalidated.
//! - [`site_files`]: where those files come from: the binary itself, or `--site-root`.
//! - [`upgrades`]: a WebSocket upgrade on `/` or `/room` goes to the seed sockets; a
//!   plain GET on the same path still renders the page.
//! - [`happiness_stream`]: `/happiness` as WebSocket, Server-Sent Events or NDJSON.
//! - [`stats`]: `/healthz`, `/api/stats` and `/metrics`.
//! - [`tracks`]: stored tracks as GPX.
//! - [`leaderboard`]: the race's standings, pace and ETAs as JSON.
//! - [`race`]: the event, its board and the map tiles, for pages (JSON and SSR).
//! - [`splits`]: split times, one runner's as JSON and everyone's as CSV.
//! - [`private`]: the reads of a private event need a token (query or cookie).
//! - [`body_deadline`]: a request's body must arrive within `--body-timeout-secs`.
//! - [`framing`]: who may frame our pages (`/embed`: `--embed-origin`; the rest: us).

pub mod assets;
pub mod body_deadline;
pub mod framing;
pub mod happiness_stream;
pub mod leaderboard;
pub mod private;
pub mod race;
pub(crate) mod site_files;
pub mod splits;
pub mod stats;
pub mod tracks;
pub mod upgrades;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// 404 for a read of the race (board, splits) on a server that tracks no event.
pub(crate) fn no_event() -> Response {
    (
        StatusCode::NOT_FOUND,
        "no event: start the server with --event FILE (or --demo)\n",
    )
        .into_response()
}
