//! `/healthz` for load balancers (is Redis reachable, do the store's writes work),
//! `/api/stats` for people and tests, `/metrics` for Prometheus.
//!
//! `/api/stats` reports live gauges (connections, subscriptions, room members) so a
//! test can check that every subscription is gone after its clients disconnect.

use std::time::Duration;

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{hub::stats::StatsSnapshot, state::AppState};

/// How long `/healthz` waits for the store's write probe.
const PROBE_WAIT: Duration = Duration::from_secs(1);

/// `GET /healthz`: 200 "ok" while the server can take fixes in; 503 "degraded: ..."
/// while a cluster node cannot reach Redis, or while the store's writes fail (a full
/// disk): trackers are then told to send again (503) and nothing is published. A
/// degraded node still serves its connected clients, but a load balancer should send
/// new ones to a node that delivers the whole cluster's events and stores their fixes.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let degraded = |why: String| (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
    if state.hub.in_cluster() && state.hub.ready_to_publish().is_err() {
        return degraded("degraded: the cluster's Redis is unreachable; reconnecting\n".into());
    }
    match state.store.check_writes(PROBE_WAIT).await {
        Some(failure) => degraded(format!(
            "degraded: the store cannot write ({failure}); fixes are refused until it can\n"
        )),
        None => "ok".into_response(),
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
    body.push_str(&state.console.render_metrics());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
