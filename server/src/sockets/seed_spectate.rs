//! The seed spectate protocol on `/` and `/spectate`, wire-compatible with the seed.
//!
//! A client says `{"initialRequest":true,"following":[ids],"userId":id}` and then
//! publishes `{"userId":id,"lat":x,"lng":y}`; every connection following that id gets
//! the fix in the same shape. Unlike the seed, follows are dropped when the socket
//! closes, a second hello replaces the follow list, and publishing needs a token for
//! that runner (`?token=` on the URL, or a `"token"` field in the hello) unless the
//! server runs open (demo); a refused fix gets an error frame with the reason's code.

use std::{collections::BTreeSet, sync::Arc};

use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, Uri},
    response::Response,
};
use spectate_app::protocol::{
    ProtocolError, RunnerId,
    seed::{SeedError, SeedInbound},
};

use super::{Connection, Inbound};
use crate::{
    auth::{Handshake, Verified},
    hub::{FixRecord, Hub, WireFormat, follows::Follower, now_ms},
    state::AppState,
};

/// `GET /spectate` (and `/` with an upgrade): the seed spectate socket.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    super::accept(state.hub.clone(), &headers, &uri, upgrade, run)
}

/// The runners a connection follows; unfollows them all when dropped, so no exit
/// path (close, error, cancellation) can leak a subscription.
pub struct FollowSet {
    hub: Arc<Hub>,
    conn: crate::hub::ConnId,
    runners: BTreeSet<RunnerId>,
}

impl std::fmt::Debug for FollowSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowSet")
            .field("conn", &self.conn)
            .field("runners", &self.runners.len())
            .finish()
    }
}

impl FollowSet {
    /// An empty set for `conn`.
    pub fn new(hub: Arc<Hub>, conn: crate::hub::ConnId) -> Self {
        Self {
            hub,
            conn,
            runners: BTreeSet::new(),
        }
    }

    /// Follows `runner` (with a snapshot for formats that want one).
    pub fn add(&mut self, runner: &RunnerId, follower: Follower) -> Result<(), ProtocolError> {
        if self.runners.contains(runner) {
            return Ok(());
        }
        let limit = self.hub.limits.max_follows_per_conn;
        if self.runners.len() >= limit {
            return Err(ProtocolError::LimitReached(format!(
                "a connection may follow at most {limit} runners"
            )));
        }
        self.hub.follows.follow(self.conn, runner, follower, true)?;
        self.runners.insert(runner.clone());
        Ok(())
    }

    /// Stops following `runner`.
    pub fn remove(&mut self, runner: &RunnerId) {
        if self.runners.remove(runner) {
            self.hub.follows.unfollow(self.conn, runner);
        }
    }

    /// Makes the set exactly `wanted`.
    pub fn replace(
        &mut self,
        wanted: &[RunnerId],
        follower: &Follower,
    ) -> Result<(), ProtocolError> {
        let keep: BTreeSet<&RunnerId> = wanted.iter().collect();
        let stale: Vec<RunnerId> = self
            .runners
            .iter()
            .filter(|r| !keep.contains(r))
            .cloned()
            .collect();
        for runner in &stale {
            self.remove(runner);
        }
        wanted
            .iter()
            .try_for_each(|runner| self.add(runner, follower.clone()))
    }
}

impl Drop for FollowSet {
    fn drop(&mut self) {
        for runner in std::mem::take(&mut self.runners) {
            self.hub.follows.unfollow(self.conn, &runner);
        }
    }
}

/// Accepts a fix if `identity` may publish for its runner, and fans it out.
pub fn publish(
    hub: &Hub,
    identity: Option<&Verified>,
    runner: RunnerId,
    position: spectate_app::protocol::LatLng,
) -> Result<(), ProtocolError> {
    hub.access.check_publish(identity, &runner)?;
    hub.follows.publish(FixRecord {
        runner,
        position,
        ts: now_ms(),
    })?;
    Ok(())
}

async fn run(mut conn: Connection, mut handshake: Handshake) {
    let hub = conn.hub.clone();
    let follower = Follower {
        outbox: conn.outbox.clone(),
        format: WireFormat::Seed,
    };
    let mut follows = FollowSet::new(hub.clone(), conn.id);
    while let Inbound::Text(text) = conn.next_text().await {
        let outcome = SeedInbound::parse(&text).and_then(|msg| match msg {
            SeedInbound::Hello {
                following,
                user_id: _,
                token,
            } => {
                if let Some(token) = token {
                    handshake.authenticate(&hub.access, &token)?;
                }
                follows.replace(&following, &follower)
            }
            SeedInbound::Fix { user_id, position } => {
                publish(&hub, handshake.identity.as_ref(), user_id, position)
            }
        });
        if let Err(err) = outcome {
            hub.stats.reject();
            conn.send(SeedError::encode(&err));
        }
    }
    drop(follows);
    drop(follower);
    conn.finish().await;
}
