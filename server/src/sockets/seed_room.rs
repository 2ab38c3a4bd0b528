//! The seed broadcast room on `/room`: each text frame goes to every other member.
//!
//! Frames longer than the room limit, or faster than the rate limit, are not relayed;
//! the sender gets a `too_large` or `rate_limited` error frame instead.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{State, WebSocketUpgrade},
    response::Response,
};
use spectate_app::protocol::{ProtocolError, seed::SeedError};

use super::{Connection, Inbound, configure};
use crate::{
    hub::{ConnId, Hub, WireFormat, rate_limit::TokenBucket},
    state::AppState,
};

/// `/room` with an upgrade: the seed room socket.
pub async fn upgrade(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    let hub = state.hub.clone();
    configure(upgrade, &hub).on_upgrade(move |socket| run(Connection::open(socket, hub)))
}

/// Room membership that ends when dropped.
#[derive(Debug)]
pub struct Membership {
    hub: Arc<Hub>,
    conn: ConnId,
}

impl Membership {
    /// Joins the room.
    pub fn join(conn: &Connection, format: WireFormat) -> Self {
        conn.hub.room.join(conn.id, conn.outbox.clone(), format);
        Self {
            hub: conn.hub.clone(),
            conn: conn.id,
        }
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.hub.room.leave(self.conn);
    }
}

/// Checks a room message against the size and rate limits.
pub fn check_message(hub: &Hub, bucket: &mut TokenBucket, text: &str) -> Result<(), ProtocolError> {
    let max = hub.limits.room_max_chars;
    let chars = text.chars().count();
    if chars > max {
        return Err(ProtocolError::TooLarge(format!(
            "room messages are limited to {max} characters; this one has {chars}"
        )));
    }
    if text.trim().is_empty() {
        return Err(ProtocolError::BadMessage("room message is empty".into()));
    }
    if !bucket.try_take(Instant::now()) {
        return Err(ProtocolError::RateLimited(format!(
            "too many room messages: at most {} at once and {} per second",
            hub.limits.room_burst, hub.limits.room_per_second
        )));
    }
    Ok(())
}

/// A fresh rate limiter for one connection's room messages.
pub fn room_bucket(hub: &Hub) -> TokenBucket {
    TokenBucket::new(
        hub.limits.room_burst,
        hub.limits.room_per_second,
        Instant::now(),
    )
}

async fn run(mut conn: Connection) {
    let hub = conn.hub.clone();
    let membership = Membership::join(&conn, WireFormat::Seed);
    let mut bucket = room_bucket(&hub);
    while let Inbound::Text(text) = conn.next_text().await {
        match check_message(&hub, &mut bucket, &text) {
            Ok(()) => {
                hub.room.say(conn.id, &text);
            }
            Err(err) => {
                hub.stats.reject();
                conn.send(SeedError::encode(&err));
            }
        }
    }
    drop(membership);
    conn.finish().await;
}
