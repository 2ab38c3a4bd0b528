//! The seed spectate protocol on `/` and `/spectate`, wire-compatible with the seed.
//!
//! A client says `{"initialRequest":true,"following":[ids],"userId":id}` and then
//! publishes `{"userId":id,"lat":x,"lng":y}`; every connection following that id gets
//! the fix in the same shape. Unlike the seed, follows are dropped when the socket
//! closes, a second hello replaces the follow list, and publishing needs a token for
//! that runner (`?token=` on the URL, or a `"token"` field in the hello) unless the
//! server runs open (demo); a refused fix gets an error frame with the reason's code.
//! A hello is all or nothing: one that cannot be followed whole (over a limit, a
//! runner not in the event) leaves the follow list as it was.
//! Fixes go through the same intake as every other way in (rules, store, then
//! publish) and the same topics as protocol v1, so both kinds of client see the same
//! runners. The protocol has no acknowledgements: a fix the rules drop (a duplicate,
//! an impossible jump) is dropped silently, as its followers would want.
//! A socket that showed a runner token (on the URL or in a hello) is ended when the
//! organisers revoke that token: the `token_invalid` error frame, then the close
//! ([`crate::auth::revocations::Farewell::SeedError`]).

use std::sync::Arc;

use axum::{extract::State, response::Response};
use spectate_app::protocol::{
    ProtocolError, Topic,
    seed::{SeedError, SeedInbound},
};

use super::{
    Connection, Inbound, SocketRequest, publishing::PublishGate, subscriptions::SubscriptionSet,
};
use crate::{
    auth::{Handshake, revocations::Farewell},
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
        SubscriptionSet::new(hub.clone(), conn.id, conn.outbox.clone(), WireFormat::Seed)
            .counted_for(conn.peer);
    let mut gate = PublishGate::new(&hub);
    let revocations = hub.access.revocations.clone();
    let hold = |handshake: &Handshake, conn: &Connection| {
        revocations.hold(
            conn.id,
            handshake.identity.as_ref(),
            &conn.outbox,
            Farewell::SeedError,
        );
    };
    hold(&handshake, &conn);
    while let Inbound::Text(text) = conn.next_text().await {
        let parsed = SeedInbound::parse(&text);
        if let Ok(SeedInbound::Hello {
            following, token, ..
        }) = &parsed
            && hub.in_cluster()
        {
            // The node follows the runners in Redis first, so that their snapshot is
            // the cluster's; only once the hello would be allowed.
            let topics: Vec<Topic> = following.iter().cloned().map(Topic::Runner).collect();
            let mut trial = handshake.clone();
            if hello_allowed(&hub, &mut trial, token.as_deref(), &mut follows, &topics).is_ok() {
                hub.follow(&topics).await;
            }
        }
        let hello = matches!(parsed, Ok(SeedInbound::Hello { .. }));
        let outcome = match parsed {
            Ok(SeedInbound::Hello {
                following,
                user_id: _,
                token,
            }) => {
                let topics: Vec<Topic> = following.into_iter().map(Topic::Runner).collect();
                hello_allowed(
                    &hub,
                    &mut handshake,
                    token.as_deref(),
                    &mut follows,
                    &topics,
                )
                .and_then(|()| follows.replace(&topics))
            }
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
        if hello {
            // A hello's token is the socket's from now, even if its follows failed.
            hold(&handshake, &conn);
        }
        if let Err(err) = outcome {
            hub.stats.reject(err.code().as_str());
            conn.send(SeedError::encode(&err));
        }
    }
    revocations.release(conn.id);
    drop(follows);
    conn.finish().await;
}

/// Checks a hello before its follow list replaces the old one: its token (which it
/// then carries), the right to follow, the limits and every runner's own rules.
fn hello_allowed(
    hub: &Hub,
    handshake: &mut Handshake,
    token: Option<&str>,
    follows: &mut SubscriptionSet,
    topics: &[Topic],
) -> Result<(), ProtocolError> {
    if let Some(token) = token {
        handshake.authenticate(&hub.access, token)?;
    }
    if !topics.is_empty() {
        hub.access.check_follow(handshake.identity.as_ref())?;
    }
    // With a token, or on an open server, a follower may follow any id.
    let trusted = handshake.identity.is_some() || hub.access.open_publishing;
    follows.set_trusted(trusted);
    follows.check_replace(topics)?;
    topics
        .iter()
        .try_for_each(|topic| hub.check_subscribe(topic, WireFormat::Seed, trusted))
}
