//! A private event (`private = true`, or `--private`) is read only with a token, over
//! HTTP as over the sockets: the board, the race view, the entrants and the tracks
//! answer 401 without one, and the server-rendered page shows the course but no
//! runner.
//!
//! A spectator gets a link with `?token=` (`spectate token --role spectator`). The page
//! it opens keeps the token in an HttpOnly, SameSite=Strict cookie, which the page's
//! socket and its reads then carry by themselves (a page's script never sees it).

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use spectate_app::protocol::ProtocolError;

use crate::{
    auth::{Access, access::TOKEN_COOKIE},
    hub::now_ms,
    state::AppState,
};

/// Lets a read through if the event is public or the request carries a valid token;
/// 401 with the reason otherwise.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state
        .hub
        .access
        .check_read(request.headers(), request.uri())
    {
        Ok(()) => next.run(request).await,
        Err(err @ ProtocolError::BadMessage(_)) => {
            (StatusCode::BAD_REQUEST, format!("{err}\n")).into_response()
        }
        Err(err) => (StatusCode::UNAUTHORIZED, format!("{err}\n")).into_response(),
    }
}

/// A page opened with a valid `?token=` answers with the token in the cookie.
pub async fn remember_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let from_query = Access::request_token(&Default::default(), request.uri())
        .ok()
        .flatten();
    let verified = from_query.as_deref().and_then(|t| {
        state
            .hub
            .access
            .keys
            .verify(t)
            .ok()
            .map(|v| (t.to_owned(), v))
    });
    // Secure when the client came over HTTPS: our own TLS, or a trusted proxy's that
    // says so (any client could send `X-Forwarded-Proto`; the accept loop decides).
    let https = crate::proxy::Client::of(request.extensions()).https;
    let mut response = next.run(request).await;
    if let Some((token, verified)) = verified {
        let max_age = verified.expires.saturating_sub(now_ms() / 1000);
        let secure = if https { "; Secure" } else { "" };
        let cookie = format!(
            "{TOKEN_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
