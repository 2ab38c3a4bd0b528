//! `/healthz` for load balancers, `/api/stats` for people and tests, `/metrics` for
//! Prometheus.
//!
//! `/api/stats` reports live gauges (connections, subscriptions, room members) so a
//! test can check that every subscription is gone after its clients disconnect.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{hub::stats::StatsSnapshot, state::AppState};

/// `GET /healthz`: 200 "ok" while the server runs; 503 "degraded: ..." while a cluster
/// node cannot reach Redis. A degraded node still serves its connected clients, but a
/// load balancer should send new ones to a node that delivers the whole cluster's
/// events.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.hub.ready_to_publish() {
        Err(_) if state.hub.in_cluster() => (
            StatusCode::SERVICE_UNAVAILABLE,
            "degraded: the cluster's Redis is unreachable; reconnecting\n",
        )
            .into_response(),
        _ => "ok".into_response(),
    }
}

/// `GET /api/stats`: the hub's figures as JSON.
pub async fn stats(State(state): State<AppState>) -> Json<StatsSnapshot> {
    let hub = &state.hub;
    Json(hub.stats.snapshot(&hub.counts(), hub.connections.len()))
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let hub = &state.hub;
    let mut body = hub.stats.render(
        &hub.counts(),
        hub.connections.len(),
        hub.admission.addresses(),
    );
    if let Some(relay) = hub.relay() {
        body.push_str(&relay.render_metrics());
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
