//! `/healthz` for load balancers and `/api/stats` for people and tests.
//!
//! `/api/stats` reports live gauges (connections, subscriptions, room members) so a
//! test can check that every subscription is gone after its clients disconnect.

use std::sync::atomic::Ordering;

use axum::{Json, extract::State};

use crate::{hub::stats::StatsSnapshot, state::AppState};

/// `GET /healthz`: 200 "ok" while the server runs.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /api/stats`: the hub's counters as JSON.
pub async fn stats(State(state): State<AppState>) -> Json<StatsSnapshot> {
    let hub = &state.hub;
    Json(StatsSnapshot {
        connections: hub.stats.connections.load(Ordering::Relaxed),
        streams: hub.stats.streams.load(Ordering::Relaxed),
        subscriptions: hub.follows.subscription_count(),
        runners: hub.follows.runner_count(),
        series_subscriptions: hub.series.subscriber_count(),
        room_members: hub.room.member_count(),
        delivered: hub.stats.delivered.load(Ordering::Relaxed),
        slow_consumers: hub.stats.slow_consumers.load(Ordering::Relaxed),
        rejected: hub.stats.rejected.load(Ordering::Relaxed),
    })
}
