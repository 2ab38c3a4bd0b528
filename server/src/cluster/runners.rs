//! Following every runner's channel. A node that tracks an event follows all of them
//! (its leaderboard needs every fix, wherever it was taken): from the start when it
//! starts with one, or from the moment the event is created in the console
//! ([`crate::roster::settings`]) on a node that started without.

use std::sync::atomic::Ordering;

use super::Cluster;

impl Cluster {
    /// Whether this node follows every runner's channel.
    pub(crate) fn follows_runners(&self) -> bool {
        self.follow_runners.load(Ordering::Relaxed)
    }

    /// Follows every runner's channel from now on (once; a later link subscribes to
    /// them by itself, `link::connect`). The event is new: there is no history to
    /// catch up on.
    pub(crate) async fn follow_all_runners(&self) {
        if self.follow_runners.swap(true, Ordering::Relaxed) {
            return;
        }
        let Some(mut link) = self.link() else {
            return;
        };
        if let Err(err) = link.sink.psubscribe(self.keys.runner_pattern()).await {
            tracing::warn!(%err, "cluster: following every runner failed; linking again");
            self.broken.notify_one();
        }
    }
}
