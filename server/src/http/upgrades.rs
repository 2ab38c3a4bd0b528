//! Sends WebSocket upgrades on page paths to the seed sockets.
//!
//! The seed clients connect to `ws://HOST:PORT` (path `/`) and `/room`, which are also
//! the paths of Spectate's pages. This middleware looks at each request before the
//! router: an upgrade request on one of those paths is answered by the seed socket,
//! anything else goes on to the page.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};

use crate::{
    sockets::{self, SocketRequest},
    state::AppState,
};

/// True if the request asks to become a WebSocket.
pub fn wants_websocket(headers: &HeaderMap) -> bool {
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let connection = headers
        .get(header::CONNECTION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
        });
    upgrade && connection
}

/// Extracts the upgrade from a whole request (for handlers that also serve plain GETs).
pub async fn take_upgrade(req: Request, state: &AppState) -> Result<SocketRequest, Response> {
    let (mut parts, _body) = req.into_parts();
    SocketRequest::from_request_parts(&mut parts, state).await
}

/// The middleware: seed upgrades on `/` and `/room`, everything else to the router.
pub async fn route_seed_upgrades(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if !wants_websocket(req.headers()) {
        return next.run(req).await;
    }
    match req.uri().path() {
        "/" => match take_upgrade(req, &state).await {
            Ok(request) => sockets::seed_spectate::upgrade(State(state), request).await,
            Err(rejection) => rejection,
        },
        "/room" => match take_upgrade(req, &state).await {
            Ok(request) => sockets::seed_room::upgrade(State(state), request).await,
            Err(rejection) => rejection,
        },
        _ => next.run(req).await,
    }
}
