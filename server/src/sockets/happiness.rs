//! The seed happiness feed over a WebSocket: `{"happiness":x}` to every client, each
//! time the feed produces a value. The socket is read-only; anything a client sends
//! gets an error frame (binary closes with 1003).

use std::sync::Arc;

use axum::response::Response;
use spectate_app::protocol::{ProtocolError, Topic, seed::SeedError};

use super::{Connection, Inbound, SocketRequest, subscriptions::SubscriptionSet};
use crate::{
    auth::Handshake,
    feeds::happiness::happiness_series,
    hub::{Hub, WireFormat, topics::StartFrom},
};

/// Upgrades `/happiness` to the seed socket.
pub fn upgrade(hub: Arc<Hub>, request: SocketRequest) -> Response {
    super::accept(hub, request, run)
}

async fn run(mut conn: Connection, _handshake: Handshake) {
    let hub = conn.hub.clone();
    let mut feed =
        SubscriptionSet::new(hub.clone(), conn.id, conn.outbox.clone(), WireFormat::Seed);
    hub.follow(&[Topic::Series(happiness_series())]).await;
    if feed
        .add(&Topic::Series(happiness_series()), StartFrom::Fresh)
        .is_ok()
    {
        while let Inbound::Text(_) = conn.next_text().await {
            hub.stats.reject("bad_message");
            conn.send(SeedError::encode(&ProtocolError::BadMessage(
                "the happiness feed is read-only; it accepts no messages".into(),
            )));
        }
    }
    drop(feed);
    conn.finish().await;
}
