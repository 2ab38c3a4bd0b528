//! Live counters, read by `/api/stats` and by tests that check nothing leaks.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::Serialize;

/// Counters updated by the socket tasks.
#[derive(Debug, Default)]
pub struct Stats {
    /// Open WebSocket connections, all endpoints together.
    pub connections: AtomicUsize,
    /// Open streaming HTTP responses (SSE / NDJSON).
    pub streams: AtomicUsize,
    /// Frames queued for delivery since start.
    pub delivered: AtomicU64,
    /// Connections closed because their outbox overflowed.
    pub slow_consumers: AtomicU64,
    /// Inputs rejected with an error frame or close.
    pub rejected: AtomicU64,
}

/// A point-in-time copy of every counter, as served at `/api/stats`.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Open WebSocket connections.
    pub connections: usize,
    /// Open streaming HTTP responses.
    pub streams: usize,
    /// (connection, runner) follow pairs.
    pub subscriptions: usize,
    /// Runners the hub knows (followed or published).
    pub runners: usize,
    /// (connection, series) subscriptions.
    pub series_subscriptions: usize,
    /// Connections in the broadcast room.
    pub room_members: usize,
    /// Frames queued since start.
    pub delivered: u64,
    /// Slow consumers cut off since start.
    pub slow_consumers: u64,
    /// Rejected inputs since start.
    pub rejected: u64,
}

impl Stats {
    /// Counts one rejected input.
    pub fn reject(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }
}

/// Keeps a gauge raised while alive: cleanup happens even if the task is cancelled.
#[derive(Debug)]
pub struct GaugeGuard<'a>(&'a AtomicUsize);

impl<'a> GaugeGuard<'a> {
    /// Raises `gauge` by one until the guard drops.
    pub fn raise(gauge: &'a AtomicUsize) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self(gauge)
    }
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
