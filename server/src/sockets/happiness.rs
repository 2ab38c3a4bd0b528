//! The seed happiness feed over a WebSocket: `{"happiness":x}` to every client, each
//! time the feed produces a value. The socket is read-only; anything a client sends
//! gets an error frame (binary closes with 1003).

use std::sync::Arc;

use axum::{extract::ws::WebSocket, response::Response};
use spectate_app::protocol::{ProtocolError, seed::SeedError};
use tokio::sync::broadcast::error::RecvError;

use super::{Connection, Inbound};
use crate::{feeds::happiness::happiness_series, hub::Hub};

/// Answers an upgrade on `/happiness`.
pub fn upgrade(hub: Arc<Hub>, upgrade: axum::extract::WebSocketUpgrade) -> Response {
    super::configure(upgrade, &hub).on_upgrade(move |socket| run(socket, hub))
}

async fn run(socket: WebSocket, hub: Arc<Hub>) {
    let Ok(mut subscription) = hub.series.subscribe(&happiness_series()) else {
        return;
    };
    let mut conn = Connection::open(socket, hub.clone());
    loop {
        tokio::select! {
            point = subscription.live.recv() => match point {
                Ok(point) => conn.send(point.happiness_frame()),
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            },
            inbound = conn.next_text() => match inbound {
                Inbound::Text(_) => {
                    hub.stats.reject();
                    conn.send(SeedError::encode(&ProtocolError::BadMessage(
                        "the happiness feed is read-only; it accepts no messages".into(),
                    )));
                }
                Inbound::End => break,
            },
        }
    }
    conn.finish().await;
}
