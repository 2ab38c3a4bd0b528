//! `/healthz` for load balancers, `/api/stats` for people and tests, `/metrics` for
//! Prometheus.
//!
//! `/api/stats` reports live gauges (connections, subscriptions, room members) so a
//! test can check that every subscription is gone after its clients disconnect.

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

use crate::{hub::stats::StatsSnapshot, state::AppState};

/// `GET /healthz`: 200 "ok" while the server runs.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /api/stats`: the hub's figures as JSON.
pub async fn stats(State(state): State<AppState>) -> Json<StatsSnapshot> {
    let hub = &state.hub;
    Json(
        hub.stats
            .snapshot(&hub.topics.counts(), hub.connections.len()),
    )
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let hub = &state.hub;
    let body = hub.stats.render(
        &hub.topics.counts(),
        hub.connections.len(),
        hub.admission.addresses(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
