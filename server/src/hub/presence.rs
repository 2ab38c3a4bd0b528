//! The presence timer: once per interval, rooms whose member count changed and
//! `presence` subscribers (spectators online, followers per runner) hear the news.
//!
//! A timer rather than an announcement on every join and leave: a thousand spectators
//! arriving in a second cost one update per room, not a thousand.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

use super::{Hub, every::every};

/// Starts the timer; it ends when the server shuts down.
pub fn start(hub: Arc<Hub>, interval: Duration) -> JoinHandle<()> {
    every(hub, interval, |hub| {
        hub.topics
            .announce_presence(hub.connections.len(), &hub.remote_audience());
    })
}
