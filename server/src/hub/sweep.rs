//! The sweep: on a single node, topics that nobody listens to lose the history that
//! aged out (`--history-secs`), and leave memory once they have none. (A cluster node
//! leaves the topics it no longer follows on its own: [`crate::cluster`].)

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::task::JoinHandle;

use super::{Hub, every::every};

/// Starts the sweep, a few times per history lifetime (between 1 s and a minute).
pub(crate) fn start(hub: Arc<Hub>) -> JoinHandle<()> {
    let period =
        (hub.limits.history_age / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    every(hub, period, |hub| {
        if !hub.in_cluster() {
            let dropped = hub.topics.sweep(Instant::now());
            if dropped > 0 {
                tracing::debug!(dropped, "sweep: idle topics with no history left");
            }
        }
    })
}
