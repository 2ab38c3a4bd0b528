//! The console's pages and forms: `GET/POST /admin/sign-in`, `GET /admin` (who is
//! signed in, and a sign-out button) and `POST /admin/sign-out`. Plain server-
//! rendered HTML: they work before any script loads, and a form post is what the
//! SameSite and Origin checks are about.

use axum::{
    Form,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    ConsoleError,
    guard::{Organiser, SameOrigin},
    limits::Limited,
    password::{self, UserName},
    redirect,
    sessions::{SessionId, cleared_cookie},
};
use crate::{hub::now_ms, proxy::Client, state::AppState, store::console::StoredSession};

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    name: String,
    password: String,
}

/// `GET /admin/sign-in`: the form.
pub async fn sign_in_page() -> Html<String> {
    Html(form_page(None))
}

/// `POST /admin/sign-in`: a session cookie and a 303 to `/admin`; 401 for a wrong
/// name or password (the same answer for both), 429 past the attempts allowed.
pub async fn sign_in(
    origin: SameOrigin,
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    Form(form): Form<SignInForm>,
) -> Result<Response, ConsoleError> {
    let console = &state.console;
    let client = Client::of(&extensions);
    // Counted under the name as given (at most 64 characters: the longest name), so
    // that a name that cannot exist is limited like one that does.
    let tried: String = form.name.trim().chars().take(64).collect();
    if let Err(limited) = console.limiter.try_attempt(client.ip, &tried) {
        console.count("limited");
        tracing::warn!(address = %client.ip, ?limited, "console: sign-in attempts limited");
        let why = match limited {
            Limited::Address => "Too many sign-in attempts from your address.",
            Limited::User => "Too many sign-in attempts for this user.",
        };
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            Html(form_page(Some(&format!(
                "{why} Wait a minute and try again."
            )))),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(response);
    }
    let user = UserName::parse(form.name.trim()).ok();
    let stored = match &user {
        Some(user) => state.store.password_hash(user.as_str()).await?,
        None => None,
    };
    // Argon2 is CPU and memory by design: off the async workers, a few at a time.
    let SignInForm { password, .. } = form;
    let matches = {
        let _permit = console.checks.acquire().await;
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .unwrap_or(false)
    };
    let Some(user) = user.filter(|_| matches) else {
        console.count("refused");
        tracing::info!(address = %client.ip, "console: wrong name or password");
        return Ok((
            StatusCode::UNAUTHORIZED,
            Html(form_page(Some("Wrong name or password."))),
        )
            .into_response());
    };
    let session = SessionId::new().map_err(|_| ConsoleError::Random)?;
    let now = now_ms();
    let ttl = console.session_ttl;
    state
        .store
        .open_session(
            session.key(),
            StoredSession {
                user: user.to_string(),
                expires_ms: now + ttl.as_millis() as u64,
            },
            now,
        )
        .await?;
    console.count("ok");
    tracing::info!(%user, "console: signed in");
    Ok(redirect(
        "/admin",
        Some(session.cookie(ttl.as_secs(), origin.https)),
    ))
}

/// `GET /admin`: the console (for now: who is signed in, and a way out).
pub async fn console(organiser: Organiser) -> Response {
    let name = escape(&organiser.name);
    let body = format!(
        "<h1>Organiser's console</h1>\n\
         <p>Signed in as <strong id=\"organiser\">{name}</strong>.</p>\n\
         <p><a href=\"/admin/event\">Event</a>: name, start, course, checkpoints, safety alerts.</p>\n\
         <p><a href=\"/admin/runners\">Runners</a>: the field, CSV import, pairing phones.</p>\n\
         <p><a href=\"/admin/race\">Race control</a>: DNS, DNF, DSQ and announcements.</p>\n\
         <p><a href=\"/admin/monitor\">Race-day monitor</a>: every runner's tracker, and the safety alerts.</p>\n\
         <form method=\"post\" action=\"/admin/sign-out\"><button type=\"submit\">Sign out</button></form>"
    );
    let mut response = Html(page("Console", &body)).into_response();
    // Another organiser's page must not come from a shared cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /admin/sign-out`: ends the session and forgets the cookie.
pub async fn sign_out(
    origin: SameOrigin,
    State(state): State<AppState>,
    organiser: Organiser,
) -> Result<Response, ConsoleError> {
    state.store.close_session(organiser.session.key()).await?;
    tracing::info!(user = %organiser.name, "console: signed out");
    Ok(redirect(
        "/admin/sign-in",
        Some(cleared_cookie(origin.https)),
    ))
}

fn form_page(problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p role=\"alert\" id=\"problem\">{}</p>\n", escape(p)))
        .unwrap_or_default();
    page(
        "Sign in",
        &format!(
            "<h1>Organiser's sign-in</h1>\n{problem}\
             <form method=\"post\" action=\"/admin/sign-in\">\n\
             <label>Name <input name=\"name\" autocomplete=\"username\" required></label>\n\
             <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\n\
             <button type=\"submit\">Sign in</button>\n</form>"
        ),
    )
}

/// A console page: `body` under `title`, in the console's plain style.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"same-origin\">\
         <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\">\
         <title>{title} · Spectate</title>\
         <style>*{{box-sizing:border-box}}body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         label{{display:block;margin:.8rem 0}}input,select{{display:block;width:100%;padding:.4rem}}\
         table{{border-collapse:collapse}}th,td{{padding:.2rem .5rem .2rem 0;text-align:left}}.wide{{overflow-x:auto}}\
         [role=alert]{{color:#a00}}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
}

/// Text as HTML text: the five characters that could end it escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
