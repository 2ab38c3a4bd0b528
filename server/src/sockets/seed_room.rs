//! The seed broadcast room on `/room`: each text frame goes to every other member.
//!
//! Seed members are subscribers of `room:lobby` like the room page's members, so the
//! two kinds of client hear each other. Frames longer than the room limit, or faster
//! than the rate limit, are not relayed; the sender gets a `too_large` or
//! `rate_limited` error frame instead. A member that showed a runner token is ended
//! when the organisers revoke it: the `token_invalid` error frame, then the close
//! ([`crate::auth::revocations::Farewell::SeedError`]).

use axum::{extract::State, response::Response};
use spectate_app::protocol::{Publication, RoomName, Topic, seed::SeedError};

use super::{
    Connection, Inbound, SocketRequest, publishing::PublishGate, subscriptions::SubscriptionSet,
};
use crate::{
    auth::{Handshake, revocations::Farewell},
    hub::{WireFormat, topics::StartFrom},
    state::AppState,
};

/// An upgrade on `/room`: the seed room socket.
pub async fn upgrade(State(state): State<AppState>, request: SocketRequest) -> Response {
    super::accept(state.hub.clone(), request, run)
}

async fn run(mut conn: Connection, handshake: Handshake) {
    let hub = conn.hub.clone();
    let room = RoomName::lobby();
    let mut membership =
        SubscriptionSet::new(hub.clone(), conn.id, conn.outbox.clone(), WireFormat::Seed);
    // Redis is asked for the room (in a cluster) only once the client may join it.
    let joined = match hub.access.check_follow(handshake.identity.as_ref()) {
        Ok(()) => {
            hub.follow(&[Topic::Room(room.clone())]).await;
            membership.add(&Topic::Room(room.clone()), StartFrom::Fresh)
        }
        Err(err) => Err(err),
    };
    if let Err(err) = joined {
        conn.send(SeedError::encode(&err));
        drop(membership);
        conn.finish().await;
        return;
    }
    let mut gate = PublishGate::new(&hub);
    let revocations = hub.access.revocations.clone();
    let identity = handshake.identity.as_ref();
    revocations.hold(conn.id, identity, &conn.outbox, Farewell::SeedError);
    while let Inbound::Text(text) = conn.next_text().await {
        let said = Publication::Say {
            room: room.clone(),
            text: text.to_string(),
            name: None,
        };
        // The seed room has no publish rate of its own: only the room's limits apply.
        let outcome = gate
            .check_room_text(&hub, &text)
            .and_then(|()| hub.publish(said, Some(conn.id)));
        if let Err(err) = outcome {
            hub.stats.reject(err.code().as_str());
            conn.send(SeedError::encode(&err));
        }
    }
    revocations.release(conn.id);
    drop(membership);
    conn.finish().await;
}
