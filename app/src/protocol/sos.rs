//! What a runner's page is told of its SOS after the server stored it: that an
//! organiser has seen it, then that it was resolved. Sent only to that runner's own
//! authenticated sockets (PROTOCOL.md, "sos"), never on a topic, so nobody else can
//! subscribe to it.

use serde::{Deserialize, Serialize};

use super::console::Stage;

/// `{"type":"sos","alert":12,"stage":"acknowledged","at_ms":...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SosNotice {
    /// The alert's number (the organisers' list has the same).
    pub alert: i64,
    /// `acknowledged` (an organiser has seen it) or `resolved`.
    pub stage: Stage,
    /// When the organiser did so, ms since the Unix epoch.
    pub at_ms: u64,
}
