//! `/ws`: Spectate's own typed protocol, used by the browser pages.
//!
//! The connection starts with a `welcome`. Then the page follows runners (getting their
//! recent fixes at once), subscribes to series (getting their recent points), joins the
//! room and talks in it. Every rejected request gets an `error` frame and the
//! connection goes on.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, Uri},
    response::Response,
};
use spectate_app::protocol::{ClientMsg, PROTOCOL_VERSION, ProtocolError, SeriesName, ServerMsg};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use super::{
    Connection, Inbound,
    seed_room::{Membership, check_message, room_bucket},
    seed_spectate::{FollowSet, publish},
};
use crate::{
    auth::{Handshake, Verified},
    hub::{Hub, Outbox, WireFormat, follows::Follower},
    state::AppState,
};

/// Series one connection may subscribe to at once.
const MAX_SERIES_PER_CONN: usize = 16;

/// `GET /ws`: the app socket (`?token=` authenticates it at once).
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    super::accept(state.hub.clone(), &headers, &uri, upgrade, run)
}

/// A task forwarding one series into an outbox, stopped when dropped.
#[derive(Debug)]
struct SeriesForwarder(JoinHandle<()>);

impl Drop for SeriesForwarder {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn subscribe_series(
    hub: &Hub,
    outbox: &Outbox,
    series: &SeriesName,
) -> Result<SeriesForwarder, ProtocolError> {
    let mut subscription = hub.series.subscribe(series)?;
    for point in &subscription.recent {
        outbox.push(point.app_frame());
    }
    let outbox = outbox.clone();
    Ok(SeriesForwarder(tokio::spawn(async move {
        loop {
            match subscription.live.recv().await {
                Ok(point) => {
                    outbox.push(point.app_frame());
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    })))
}

/// Per-connection state of the app protocol.
struct Session {
    hub: Arc<Hub>,
    follower: Follower,
    follows: FollowSet,
    series: HashMap<SeriesName, SeriesForwarder>,
    room: Option<Membership>,
    room_bucket: crate::hub::rate_limit::TokenBucket,
    handshake: Handshake,
}

/// The frame that confirms a token.
fn authed(identity: &Verified) -> String {
    ServerMsg::Authed {
        subject: identity.subject.to_string(),
        expires: identity.expires,
    }
    .encode()
}

impl Session {
    fn handle(&mut self, conn: &Connection, msg: ClientMsg) -> Result<(), ProtocolError> {
        match msg {
            ClientMsg::Follow { runners } => runners
                .iter()
                .try_for_each(|r| self.follows.add(r, self.follower.clone())),
            ClientMsg::Unfollow { runners } => {
                runners.iter().for_each(|r| self.follows.remove(r));
                Ok(())
            }
            ClientMsg::Auth { token } => {
                let identity = self.handshake.authenticate(&self.hub.access, &token)?;
                conn.send(authed(identity));
                Ok(())
            }
            ClientMsg::Publish { runner, position } => publish(
                &self.hub,
                self.handshake.identity.as_ref(),
                runner,
                position,
            ),
            ClientMsg::SubscribeSeries { series } => {
                if self.series.contains_key(&series) {
                    return Ok(());
                }
                if self.series.len() >= MAX_SERIES_PER_CONN {
                    return Err(ProtocolError::LimitReached(format!(
                        "a connection may subscribe to at most {MAX_SERIES_PER_CONN} series"
                    )));
                }
                let forwarder = subscribe_series(&self.hub, &conn.outbox, &series)?;
                self.series.insert(series, forwarder);
                Ok(())
            }
            ClientMsg::UnsubscribeSeries { series } => {
                self.series.remove(&series);
                Ok(())
            }
            ClientMsg::JoinRoom => {
                if self.room.is_none() {
                    self.room = Some(Membership::join(conn, WireFormat::App));
                }
                Ok(())
            }
            ClientMsg::LeaveRoom => {
                self.room = None;
                Ok(())
            }
            ClientMsg::RoomSend { text } => {
                if self.room.is_none() {
                    return Err(ProtocolError::BadMessage(
                        "join the room (join_room) before sending to it".into(),
                    ));
                }
                check_message(&self.hub, &mut self.room_bucket, &text)?;
                self.hub.room.say(conn.id, &text);
                Ok(())
            }
        }
    }
}

async fn run(mut conn: Connection, handshake: Handshake) {
    let hub = conn.hub.clone();
    conn.send(
        ServerMsg::Welcome {
            protocol: PROTOCOL_VERSION,
            open_publishing: hub.access.open_publishing,
        }
        .encode(),
    );
    if let Some(identity) = &handshake.identity {
        conn.send(authed(identity));
    }
    let mut session = Session {
        hub: hub.clone(),
        follower: Follower {
            outbox: conn.outbox.clone(),
            format: WireFormat::App,
        },
        follows: FollowSet::new(hub.clone(), conn.id),
        series: HashMap::new(),
        room: None,
        room_bucket: room_bucket(&hub),
        handshake,
    };
    while let Inbound::Text(text) = conn.next_text().await {
        let outcome = ClientMsg::parse(&text).and_then(|msg| session.handle(&conn, msg));
        if let Err(err) = outcome {
            hub.stats.reject();
            conn.send(ServerMsg::error(&err).encode());
        }
    }
    drop(session);
    conn.finish().await;
}
