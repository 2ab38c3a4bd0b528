//! Who is signed in, and whether a request that changes state came from our own pages.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

use spectate_app::console_nav::ConsoleFrame;

use super::{ConsoleError, sessions::SessionId};
use crate::{hub::now_ms, proxy::Client, state::AppState};

/// A signed-in organiser: the request carried the cookie of a live session.
#[derive(Clone, Debug)]
pub struct Organiser {
    /// Their user name.
    pub name: String,
    /// Their session's id (to sign out).
    pub session: SessionId,
}

impl FromRequestParts<AppState> for Organiser {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = SessionId::from_headers(&parts.headers).ok_or(ConsoleError::NotSignedIn)?;
        let stored = state
            .store
            .session(session.key())
            .await?
            .ok_or(ConsoleError::NotSignedIn)?;
        if stored.expires_ms <= now_ms() {
            return Err(ConsoleError::NotSignedIn);
        }
        // The page being made is this organiser's: its header says so.
        super::frame::signed_in(&stored.user);
        Ok(Self {
            name: stored.user,
            session,
        })
    }
}

/// A signed-in organiser, for the JSON and stream endpoints: refused with 401 (not
/// sent to the sign-in form, which a script cannot follow).
#[derive(Clone, Debug)]
pub struct ApiOrganiser(pub Organiser);

impl FromRequestParts<AppState> for ApiOrganiser {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        match Organiser::from_request_parts(parts, state).await {
            Ok(organiser) => Ok(Self(organiser)),
            Err(ConsoleError::NotSignedIn) => Err((
                axum::http::StatusCode::UNAUTHORIZED,
                "sign in first: /admin/sign-in\n",
            )
                .into_response()),
            Err(other) => Err(other.into_response()),
        }
    }
}

/// A state-changing request that came from our own pages (or from no browser at all:
/// a client without `Origin` cannot carry a victim's cookie). Refused with 403 when
/// its `Origin` is another site's or its `Sec-Fetch-Site` says it is not same-origin.
#[derive(Clone, Copy, Debug)]
pub struct SameOrigin {
    /// Whether the client came over HTTPS (the cookie is then Secure).
    pub https: bool,
}

impl FromRequestParts<AppState> for SameOrigin {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let https = Client::of(&parts.extensions).https;
        if same_origin(&parts.headers, https) {
            Ok(Self { https })
        } else {
            state.console.cross_site.inc();
            Err(ConsoleError::CrossSite)
        }
    }
}

fn same_origin(headers: &HeaderMap, https: bool) -> bool {
    // Sent by every current browser: `same-site` is a sibling subdomain, which
    // SameSite=Strict lets through, so only our own origin (or a typed URL) passes.
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    crate::auth::origin::is_own(headers, https)
}

/// In front of the Leptos app's pages: one under `/admin/` (the monitor, ...) renders
/// only for a signed-in organiser; without a session the browser is sent to the
/// sign-in form. A middleware, because `leptos_axum` mounts every page of the app at
/// once; the other pages pass untouched. The organiser and the event's name go into
/// the request, for the page's console header.
pub async fn admin_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/admin/") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let organiser = match Organiser::from_request_parts(&mut parts, &state).await {
        Ok(organiser) => organiser,
        Err(refusal) => return refusal.into_response(),
    };
    // What the Leptos console header shows (it reads the request's extensions).
    parts.extensions.insert(ConsoleFrame {
        organiser: organiser.name,
        event: state.event().map(|e| e.name.clone()),
    });
    next.run(Request::from_parts(parts, body)).await
}
