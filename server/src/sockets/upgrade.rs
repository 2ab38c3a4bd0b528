//! The door of every socket: what the upgrade request says ([`SocketRequest`]), the
//! connection limits, the handshake's checks (token, Origin) and the upgrade
//! ([`accept`]). A refused client gets a plain HTTP answer with the reason.

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::{FromRequestParts, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, Uri, request::Parts},
    response::{IntoResponse, Response},
};

use super::Connection;
use crate::{
    auth::Handshake,
    hub::{Hub, admission::Refused, stats::DropReason},
    proxy::Client,
};

/// Everything a socket endpoint needs from the upgrade request.
#[derive(Debug)]
pub struct SocketRequest {
    /// The pending upgrade.
    pub upgrade: WebSocketUpgrade,
    /// Request headers (Origin, subprotocols).
    pub headers: HeaderMap,
    /// The request URI (`?token=`, `?v=`).
    pub uri: Uri,
    /// The client's address as per-address limits count it ([`Client::limit_key`]:
    /// an IPv6 client by its /64): the peer's, or the one a trusted proxy forwarded
    /// (see [`crate::proxy`]).
    pub peer: IpAddr,
    /// Whether the client reached us over HTTPS (a trusted proxy says so).
    pub https: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for SocketRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let upgrade = WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let client = Client::of(&parts.extensions);
        Ok(Self {
            upgrade,
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
            peer: client.limit_key(),
            https: client.https,
        })
    }
}

/// Applies the frame-size limits to an upgrade. Tungstenite's own limit sits well above
/// ours so that an oversized frame normally reaches [`Connection::next_text`], which
/// closes with 1009 and a reason; only absurd frames are cut off by tungstenite itself.
pub fn configure(upgrade: WebSocketUpgrade, hub: &Hub) -> WebSocketUpgrade {
    let ours = hub.limits.max_frame_bytes;
    let hard = ours.saturating_mul(4).max(64 * 1024);
    upgrade
        .max_message_size(hard)
        .max_frame_size(hard)
        // Small buffers: most sockets are idle spectators.
        .read_buffer_size(512)
        .write_buffer_size(8 * 1024)
}

/// Admits the connection (total and per-address limits), checks the handshake (token,
/// Origin) and upgrades; or answers 503/429/401/403 with the reason. `run` then serves
/// the socket with what the handshake established.
pub fn accept<F, Fut>(hub: Arc<Hub>, request: SocketRequest, run: F) -> Response
where
    F: FnOnce(Connection, Handshake) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admitted = match hub.admission.admit(request.peer) {
        Ok(admitted) => admitted,
        Err(refused) => {
            hub.stats.dropped(DropReason::ConnectionLimit, 1);
            let status = match refused {
                Refused::Full(_) => StatusCode::SERVICE_UNAVAILABLE,
                Refused::TooManyFromAddress(_) => StatusCode::TOO_MANY_REQUESTS,
            };
            return (status, refused.to_string()).into_response();
        }
    };
    match hub
        .access
        .handshake(&request.headers, &request.uri, request.https)
    {
        Ok(handshake) => configure(request.upgrade, &hub).on_upgrade(move |socket| {
            run(Connection::open(socket, hub, Some(admitted)), handshake)
        }),
        Err(rejection) => rejection.into_response(),
    }
}
