//! The hub: who listens to what, and the fan-out from one publisher to many sockets.
//!
//! A [`Hub`] is one shared handle (`Arc<Hub>`) that every socket task and the demo
//! runners hold. Its parts each own one kind of topic:
//!
//! - [`follows`]: runner fixes, fanned out to the connections following each runner.
//! - [`series`]: numeric series such as `happiness`, with their recent points.
//! - [`room`]: the broadcast room.
//! - [`outbox`]: the bounded per-connection queue that all of them deliver into.
//!
//! Publishers never wait on a socket: delivery is a `try_send` into each recipient's
//! outbox, and a recipient whose outbox is full is disconnected (close 4008) instead of
//! slowing anyone else down.

pub mod follows;
pub mod outbox;
pub mod rate_limit;
pub mod room;
pub mod series;
pub mod stats;

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use tokio::sync::watch;

use crate::{auth::Access, config::Limits};

pub use follows::{FixRecord, FollowRegistry};
pub use outbox::{Outbox, OutboxReceiver};
pub use room::Room;
pub use series::SeriesHub;
pub use stats::Stats;

/// Identifies one socket connection for the lifetime of the process.
pub type ConnId = u64;

/// How a connection wants its frames encoded: each format is encoded at most once per
/// message, however many recipients share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireFormat {
    /// The seed apps' shapes (`{"userId":..}`, raw room text).
    Seed,
    /// The typed `/ws` protocol.
    App,
}

/// All shared live state of one server.
#[derive(Debug)]
pub struct Hub {
    /// Runner fixes and their followers.
    pub follows: FollowRegistry,
    /// Numeric series.
    pub series: SeriesHub,
    /// The broadcast room.
    pub room: Room,
    /// Counters exposed at `/api/stats`.
    pub stats: Stats,
    /// Limits every connection is held to.
    pub limits: Limits,
    /// Who may publish (tokens, origins, open mode).
    pub access: Access,
    next_conn_id: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Hub {
    /// An empty hub.
    pub fn new(limits: Limits, access: Access) -> Self {
        Self {
            follows: FollowRegistry::new(limits.max_runners),
            series: SeriesHub::default(),
            room: Room::default(),
            stats: Stats::default(),
            limits,
            access,
            next_conn_id: AtomicU64::new(1),
            shutdown: watch::channel(false).0,
        }
    }

    /// A fresh connection id.
    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Tells every connection and stream to close (1001) and finish.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// A receiver that turns `true` when shutdown begins.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

/// Milliseconds since the Unix epoch, as carried in `ts` fields.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
