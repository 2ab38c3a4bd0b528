//! The presence timer: once per interval, rooms whose member count changed and
//! `presence` subscribers (spectators online, followers per runner) hear the news.
//!
//! A timer rather than an announcement on every join and leave: a thousand spectators
//! arriving in a second cost one update per room, not a thousand.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

use super::Hub;

/// Starts the timer; it ends when the server shuts down.
pub fn start(hub: Arc<Hub>, interval: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut shutdown = hub.shutdown_signal();
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    let online = hub.connections.len();
                    hub.topics.announce_presence(online);
                }
                () = crate::sockets::wait_for_shutdown(&mut shutdown) => break,
            }
        }
    })
}
