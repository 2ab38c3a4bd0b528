//! Periodic work that stops when the server shuts down: the presence announcements,
//! the keepalive sweep, the happiness feed and the demo runners all run on it.

use std::{sync::Arc, time::Duration};

use tokio::{task::JoinHandle, time::MissedTickBehavior};

use super::Hub;

/// Calls `tick` at once and then every `period` (a late tick delays the next rather
/// than bunching up), until shutdown begins.
pub fn every(
    hub: Arc<Hub>,
    period: Duration,
    mut tick: impl FnMut(&Hub) + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut shutdown = hub.shutdown_signal();
        loop {
            tokio::select! {
                _ = ticker.tick() => tick(&hub),
                () = super::wait_for_shutdown(&mut shutdown) => break,
            }
        }
    })
}
