//! The seed spectate protocol on `/` and `/spectate`, wire-compatible with the seed.
//!
//! A client says `{"initialRequest":true,"following":[ids],"userId":id}` and then
//! publishes `{"userId":id,"lat":x,"lng":y}`; every connection following that id gets
//! the fix in the same shape. Unlike the seed, follows are dropped when the socket
//! closes, a second hello replaces the follow list, and publishing needs a token for
//! that runner (`?token=` on the URL, or a `"token"` field in the hello) unless the
//! server runs open (demo); a refused fix gets an error frame with the reason's code.
//! Fixes go through the same intake as every other way in (rules, store, then
//! publish) and the same topics as protocol v1, so both kinds of client see the same
//! runners. The protocol has no acknowledgements: a fix the rules drop (a duplicate,
//! an impossible jump) is dropped silently, as its followers would want.

use std::sync::Arc;

use axum::{extract::State, response::Response};
use spectate_app::protocol::{
    ProtocolError, RunnerId, Topic,
    seed::{SeedError, SeedInbound},
};

use super::{
    Connection, Inbound, SocketRequest, publishing::PublishGate, subscriptions::SubscriptionSet,
};
use crate::{
    auth::Handshake,
    hub::{Hub, WireFormat},
    ingest::{DeviceFix, Intake},
    state::AppState,
};

/// `GET /spectate` (and an upgrade on `/`): the seed spectate socket.
pub async fn upgrade(State(state): State<AppState>, request: SocketRequest) -> Response {
    let intake = state.intake.clone();
    super::accept(state.hub.clone(), request, move |conn, handshake| {
        run(conn, handshake, intake)
    })
}

async fn run(mut conn: Connection, mut handshake: Handshake, intake: Arc<Intake>) {
    let hub = conn.hub.clone();
    let mut follows =
        SubscriptionSet::new(hub.clone(), conn.id, conn.outbox.clone(), WireFormat::Seed);
    let mut gate = PublishGate::new(&hub);
    while let Inbound::Text(text) = conn.next_text().await {
        let parsed = SeedInbound::parse(&text);
        if let Ok(SeedInbound::Hello { following, .. }) = &parsed {
            let topics: Vec<Topic> = following.iter().cloned().map(Topic::Runner).collect();
            hub.follow(&topics).await;
        }
        let outcome = match parsed {
            Ok(SeedInbound::Hello {
                following,
                user_id: _,
                token,
            }) => greet(
                &hub,
                &mut handshake,
                &mut follows,
                following,
                token.as_deref(),
            ),
            // The seed's fixes carry no time: the intake stamps them on arrival.
            Ok(SeedInbound::Fix { user_id, position }) => gate
                .take_fix(
                    &hub,
                    &intake,
                    handshake.identity.as_ref(),
                    &user_id,
                    &DeviceFix::at(position, None),
                    "seed",
                )
                .await
                .map(|_| ()),
            Err(err) => Err(err),
        };
        if let Err(err) = outcome {
            hub.stats.reject(err.code().as_str());
            conn.send(SeedError::encode(&err));
        }
    }
    drop(follows);
    conn.finish().await;
}

/// A hello: its token, if any, then its follow list, which replaces the last one.
fn greet(
    hub: &Hub,
    handshake: &mut Handshake,
    follows: &mut SubscriptionSet,
    following: Vec<RunnerId>,
    token: Option<&str>,
) -> Result<(), ProtocolError> {
    if let Some(token) = token {
        handshake.authenticate(&hub.access, token)?;
    }
    if !following.is_empty() {
        hub.access.check_follow(handshake.identity.as_ref())?;
    }
    let topics: Vec<Topic> = following.into_iter().map(Topic::Runner).collect();
    follows.replace(&topics)
}
