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
//! Fixes go through the same topics as protocol v1, so both kinds of client see the
//! same runners.

use axum::{extract::State, response::Response};
use spectate_app::protocol::{
    ProtocolError, Publication, Topic,
    seed::{SeedError, SeedInbound},
};

use super::{
    Connection, Inbound, SocketRequest, publishing::PublishGate, subscriptions::SubscriptionSet,
};
use crate::{
    auth::Handshake,
    hub::{Hub, WireFormat},
    state::AppState,
};

/// `GET /spectate` (and an upgrade on `/`): the seed spectate socket.
pub async fn upgrade(State(state): State<AppState>, request: SocketRequest) -> Response {
    super::accept(state.hub.clone(), request, run)
}

async fn run(mut conn: Connection, mut handshake: Handshake) {
    let hub = conn.hub.clone();
    let mut follows =
        SubscriptionSet::new(hub.clone(), conn.id, conn.outbox.clone(), WireFormat::Seed)
            .counted_for(conn.peer);
    let mut gate = PublishGate::new(&hub);
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
        let outcome = parsed.and_then(|msg| match msg {
            SeedInbound::Hello {
                following,
                user_id: _,
                token,
            } => {
                let topics: Vec<Topic> = following.into_iter().map(Topic::Runner).collect();
                hello_allowed(
                    &hub,
                    &mut handshake,
                    token.as_deref(),
                    &mut follows,
                    &topics,
                )?;
                follows.replace(&topics)
            }
            SeedInbound::Fix { user_id, position } => gate
                .publish(
                    &hub,
                    handshake.identity.as_ref(),
                    Publication::Fix {
                        runner: user_id,
                        position,
                    },
                    conn.id,
                    None,
                )
                .map(|_| ()),
        });
        if let Err(err) = outcome {
            hub.stats.reject(err.code().as_str());
            conn.send(SeedError::encode(&err));
        }
    }
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
