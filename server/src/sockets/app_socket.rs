//! `/ws`: protocol v1, spoken by Spectate's pages and tools (see PROTOCOL.md).
//!
//! The version is chosen at the handshake, by the `spectate.v1` subprotocol or `?v=1`
//! (the default when neither is given); anything else is refused with 400 before the
//! upgrade, so a future v2 client talking to this server learns so at once. The
//! connection then starts with a `welcome`, and each client message is answered
//! (when it carries an `id`) with an `ack`, an `authed`, a `pong` or an `error`: a
//! rejected request never ends the connection.

use std::sync::Arc;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use spectate_app::protocol::{
    ClientMsg, FixOutcome, PROTOCOL_VERSION, ProtocolError, Publication, ServerMsg, Topic,
    console::Alarm,
    v1::{AnnouncedLimits, Resume, SUBPROTOCOL},
};

use super::{
    Connection, Inbound, SocketRequest, publishing::PublishGate, subscriptions::SubscriptionSet,
};
use crate::{
    auth::{Handshake, Verified, revocations::Farewell},
    hub::{ConnId, Hub, WireFormat, topics::StartFrom},
    ingest::{DeviceFix, Intake},
    state::AppState,
};

/// The handshake's choices in the query string (`?token=` is read by the auth layer).
#[derive(Debug, Default, Deserialize)]
struct HandshakeQuery {
    /// The protocol version.
    v: Option<String>,
    /// Batched frames.
    batch: Option<String>,
}

/// Whether the client asked for batched frames (`?batch=1`; see
/// [`Connection::batch_frames`]). Anything else given is refused before the upgrade.
fn wants_batches(batch: Option<&str>) -> Result<bool, String> {
    match batch {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => Err(format!(
            "batch={other:?} is not understood; batch=1 asks for several messages per frame, one per line"
        )),
    }
}

/// Why the handshake's version choice was refused.
fn check_version(request: &SocketRequest, version: Option<&str>) -> Result<bool, String> {
    let offered: Vec<&str> = request
        .headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    if !offered.is_empty() && !offered.contains(&SUBPROTOCOL) {
        return Err(format!(
            "unsupported subprotocol {}; this server speaks {SUBPROTOCOL}",
            offered.join(", ")
        ));
    }
    match version {
        None | Some("1") => Ok(!offered.is_empty()),
        Some(other) => Err(format!(
            "unsupported protocol version {other:?}; this server speaks v{PROTOCOL_VERSION} (?v=1)"
        )),
    }
}

/// `GET /ws`: the v1 socket (`?token=` authenticates it at once).
pub async fn upgrade(State(state): State<AppState>, mut request: SocketRequest) -> Response {
    let query = axum::extract::Query::<HandshakeQuery>::try_from_uri(&request.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    match check_version(&request, query.v.as_deref()) {
        Ok(true) => request.upgrade = request.upgrade.protocols([SUBPROTOCOL]),
        Ok(false) => {}
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    }
    let batches = match wants_batches(query.batch.as_deref()) {
        Ok(batches) => batches,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let intake = state.intake.clone();
    super::accept(state.hub.clone(), request, move |mut conn, handshake| {
        if batches {
            conn.batch_frames();
        }
        run(conn, handshake, intake)
    })
}

/// Per-connection state of protocol v1.
struct Session {
    topics: SubscriptionSet,
    gate: PublishGate,
    handshake: Handshake,
    intake: Arc<Intake>,
}

/// The frame that confirms a token.
fn authed(id: Option<u64>, identity: &Verified) -> String {
    ServerMsg::Authed {
        id,
        subject: identity.subject.to_string(),
        expires: identity.expires,
    }
    .encode()
}

impl Session {
    /// Whether this connection may subscribe to all of `topics`: its token (on a
    /// private event), its limits, and each topic's own rules. Checked before
    /// anything is asked of the cluster.
    fn admissible(&mut self, hub: &Hub, topics: &[Topic]) -> Result<(), ProtocolError> {
        hub.access.check_follow(self.handshake.identity.as_ref())?;
        // With a token, or on an open server (where anyone may publish, and so bring,
        // any topic), a follower may follow any id, beyond its address's quota.
        let trusted = self.handshake.identity.is_some() || hub.access.open_publishing;
        self.topics.set_trusted(trusted);
        self.topics.check_room_for(topics)?;
        topics
            .iter()
            .try_for_each(|topic| hub.check_subscribe(topic, WireFormat::App, trusted))
    }

    /// Handles one request; `Ok(Some(frame))` is the reply to send, if any.
    async fn handle(
        &mut self,
        hub: &Hub,
        conn: ConnId,
        msg: ClientMsg,
    ) -> Result<Option<String>, ProtocolError> {
        let id = msg.id();
        let ack = || id.map(|id| ServerMsg::Ack { id, outcome: None }.encode());
        match msg {
            ClientMsg::Subscribe { topics, resume, .. } => {
                self.admissible(hub, &topics)?;
                for topic in &topics {
                    let from = start_from(resume.as_ref(), topic, &hub.epoch());
                    self.topics.add(topic, from)?;
                }
                Ok(ack())
            }
            ClientMsg::Unsubscribe { topics, .. } => {
                topics.iter().for_each(|t| self.topics.remove(t));
                Ok(ack())
            }
            ClientMsg::Publish { topic, data, .. } => {
                if let Topic::Room(_) = topic
                    && !self.topics.contains(&topic)
                {
                    return Err(ProtocolError::BadMessage(format!(
                        "subscribe to {topic} before sending to it"
                    )));
                }
                let (taken_ms, alarm) = (data.t, data.alarm);
                let identity = self.handshake.identity.as_ref();
                match Publication::parse(&topic, data)? {
                    // A runner's fix: the ack comes only once the store has committed
                    // it, so a phone that got its ack can forget the fix.
                    Publication::Fix { runner, position } => {
                        let fix = DeviceFix::at(position, taken_ms);
                        let outcome = self
                            .gate
                            .take_fix(hub, &self.intake, identity, &runner, &fix, "websocket")
                            .await?;
                        // The runner page's SOS: the fix went in first (where it came
                        // from), and the ack waits for the stored alert, as
                        // Traccar Client's `alarm=sos` does.
                        if alarm == Some(Alarm::Sos) {
                            self.intake.sos(&runner, position).await.map_err(|err| {
                                ProtocolError::Unavailable(format!("the SOS was not stored: {err}"))
                            })?;
                        }
                        let outcome = (outcome != FixOutcome::Published).then_some(outcome);
                        Ok(id.map(|id| ServerMsg::Ack { id, outcome }.encode()))
                    }
                    publication => {
                        self.gate.publish(hub, identity, publication, conn)?;
                        Ok(ack())
                    }
                }
            }
            ClientMsg::Auth { token, .. } => {
                let identity = self.handshake.authenticate(&hub.access, &token)?;
                Ok(Some(authed(id, identity)))
            }
            ClientMsg::Ping { .. } => Ok(Some(ServerMsg::Pong { id }.encode())),
        }
    }
}

/// Where a subscription starts, from the client's resume point for `topic`.
fn start_from(resume: Option<&Resume>, topic: &Topic, epoch: &str) -> StartFrom {
    match resume.and_then(|r| r.since.get(topic).map(|seq| (r, *seq))) {
        None => StartFrom::Fresh,
        Some((resume, seq)) if resume.epoch == epoch => StartFrom::After(seq),
        Some((_, seq)) => StartFrom::AfterOtherEpoch(seq),
    }
}

async fn run(mut conn: Connection, handshake: Handshake, intake: Arc<Intake>) {
    let hub = conn.hub.clone();
    conn.send(
        ServerMsg::Welcome {
            protocol: PROTOCOL_VERSION,
            epoch: hub.epoch(),
            open_publishing: hub.access.open_publishing,
            heartbeat_ms: hub.limits.heartbeat.as_millis() as u64,
            limits: AnnouncedLimits {
                max_topics: hub.limits.max_topics_per_conn,
                max_frame_bytes: hub.limits.max_frame_bytes,
            },
        }
        .encode(),
    );
    if let Some(identity) = &handshake.identity {
        conn.send(authed(None, identity));
    }
    // A runner token revoked from the console closes this socket (4003).
    let revocations = hub.access.revocations.clone();
    revocations.hold(
        conn.id,
        handshake.identity.as_ref(),
        &conn.outbox,
        Farewell::CloseCode,
    );
    let mut session = Session {
        topics: SubscriptionSet::new(hub.clone(), conn.id, conn.outbox.clone(), WireFormat::App)
            .counted_for(conn.peer),
        gate: PublishGate::new(&hub),
        handshake,
        intake,
    };
    while let Inbound::Text(text) = conn.next_text().await {
        let msg = ClientMsg::parse(&text);
        let id = msg.as_ref().ok().and_then(ClientMsg::id);
        let auth = matches!(msg, Ok(ClientMsg::Auth { .. }));
        let outcome = match msg {
            Ok(ClientMsg::Subscribe { id, topics, resume }) if hub.in_cluster() => {
                // In a cluster the node first follows the topics in Redis, so the
                // snapshot (or resume) is the cluster's, not just this node's; and
                // again after, in case the node left a topic meanwhile. Only once
                // the client may have them: Redis is asked for nothing refused.
                match session.admissible(&hub, &topics) {
                    Err(err) => Err(err),
                    Ok(()) => {
                        hub.follow(&topics).await;
                        let outcome = session
                            .handle(
                                &hub,
                                conn.id,
                                ClientMsg::Subscribe {
                                    id,
                                    topics: topics.clone(),
                                    resume,
                                },
                            )
                            .await;
                        hub.follow(&topics).await;
                        outcome
                    }
                }
            }
            Ok(msg) => session.handle(&hub, conn.id, msg).await,
            Err(err) => Err(err),
        };
        if auth && outcome.is_ok() {
            revocations.hold(
                conn.id,
                session.handshake.identity.as_ref(),
                &conn.outbox,
                Farewell::CloseCode,
            );
        }
        match outcome {
            Ok(Some(reply)) => conn.send(reply),
            Ok(None) => {}
            Err(err) => {
                hub.stats.reject(err.code().as_str());
                conn.send(ServerMsg::error(id, &err).encode());
            }
        }
    }
    revocations.release(conn.id);
    drop(session);
    conn.finish().await;
}
