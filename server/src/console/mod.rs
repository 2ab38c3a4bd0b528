//! The organiser's console (issue 19): `/admin`, behind a sign-in.
//!
//! - [`password`]: user names and Argon2id password hashes.
//! - [`add_user`]: `spectate admin add-user NAME`, the one way an organiser is made.
//! - [`sessions`]: session ids and their cookie (HttpOnly, SameSite=Strict, Secure
//!   over HTTPS); the store keeps each id's hash and expiry (`store::console`).
//! - [`limits`]: sign-in attempts per address and per user.
//! - [`guard`]: who is signed in ([`guard::Organiser`]) and the cross-site check of
//!   every state-changing request ([`guard::SameOrigin`]).
//! - [`sign_in`]: the pages and forms: sign in, the console, sign out; and
//!   [`sign_in::page`], which every plain console page is made by.
//! - [`frame`]: the console's header on those pages (the Leptos pages draw the same
//!   one), and the middleware that tells a page who is signed in.
//! - [`race_control`]: `/admin/race`: DNS / DNF / DSQ and the announcement.
//!
//! Requests that change state are refused from another site twice over: the session
//! cookie is SameSite=Strict, so another site's form posts without it, and the
//! request's `Origin` (and `Sec-Fetch-Site`) must be our own ([`guard::SameOrigin`]).

pub mod add_user;
pub(crate) mod frame;
pub mod guard;
pub mod limits;
pub mod password;
pub mod race_control;
pub mod sessions;
pub mod sign_in;

use std::time::Duration;

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use prometheus::{Encoder, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};
use tower_http::compression::CompressionLayer;

use crate::{state::AppState, store::StoreError};

/// How long a session lasts by default: a race day.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Password checks at once. Each takes 19 MiB (Argon2id's memory cost) on a
/// blocking thread; without a bound, attempts from many addresses at once would take
/// as many threads and as much memory as they like.
pub const CONCURRENT_CHECKS: usize = 2;

/// The console's settings.
#[derive(Clone, Copy, Debug)]
pub struct ConsoleConfig {
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Sign-in attempts allowed.
    pub sign_in: limits::SignInLimits,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            session_ttl: SESSION_TTL,
            sign_in: limits::SignInLimits::default(),
        }
    }
}

/// The console's shared part: its limits, session length and figures.
#[derive(Debug)]
pub struct Console {
    /// Sign-in attempts allowed.
    pub limiter: limits::SignInLimiter,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Password checks running at once, at most [`CONCURRENT_CHECKS`].
    pub checks: tokio::sync::Semaphore,
    registry: Registry,
    /// Sign-in attempts by outcome (`ok`, `refused`, `limited`).
    pub sign_ins: IntCounterVec,
    /// POSTs under `/admin` refused as another site's ([`guard::SameOrigin`]).
    pub cross_site: IntCounter,
}

impl Console {
    /// A console with these settings.
    pub fn new(config: ConsoleConfig) -> Self {
        let registry =
            Registry::new_custom(Some("spectate".into()), None).expect("a valid metrics prefix");
        let sign_ins = IntCounterVec::new(
            Opts::new(
                "console_sign_ins_total",
                "Sign-in attempts to the organiser's console, by outcome",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let cross_site = IntCounter::new(
            "console_cross_site_refused_total",
            "Requests that change state under /admin refused as another site's",
        )
        .expect("valid metric");
        for metric in [
            Box::new(sign_ins.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(cross_site.clone()),
        ] {
            registry.register(metric).expect("metric names are unique");
        }
        for outcome in ["ok", "refused", "limited"] {
            sign_ins.with_label_values(&[outcome]);
        }
        Self {
            limiter: limits::SignInLimiter::new(config.sign_in),
            session_ttl: config.session_ttl,
            checks: tokio::sync::Semaphore::new(CONCURRENT_CHECKS),
            registry,
            sign_ins,
            cross_site,
        }
    }

    /// Counts one sign-in attempt.
    pub(crate) fn count(&self, outcome: &str) {
        self.sign_ins.with_label_values(&[outcome]).inc();
    }

    /// The console's figures in the Prometheus text format (for `/metrics`).
    pub fn render_metrics(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into a Vec cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

/// The console's routes, each inside its page's frame ([`frame::scope`]).
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(sign_in::console))
        .route(
            "/admin/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route("/admin/sign-out", post(sign_in::sign_out))
        .route("/admin/alerts", get(crate::alerts::http::list))
        // 5,000 runners are 0.73 MB of JSON (11 KB brotli), polled every few seconds.
        .route(
            "/admin/runners.json",
            get(crate::alerts::monitor::runners).layer(CompressionLayer::new()),
        )
        .route(
            "/admin/runners/{bib}/trail.json",
            get(crate::alerts::trail::trail),
        )
        .route("/admin/alerts/live", get(crate::alerts::http::live))
        .route(
            "/admin/alerts/{id}/acknowledge",
            post(crate::alerts::http::acknowledge),
        )
        .route(
            "/admin/alerts/{id}/resolve",
            post(crate::alerts::http::resolve),
        )
        .route("/admin/race", get(race_control::race_page))
        .route("/admin/race/status", post(race_control::set_status_form))
        .route(
            "/admin/runners/{bib}/status",
            post(race_control::set_status),
        )
        .route("/admin/announcement", post(race_control::announce))
        .route(
            "/admin/announcement/clear",
            post(race_control::clear_announcement),
        )
        .merge(crate::roster::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            frame::scope,
        ))
}

/// Why a console request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No session, or one that is forged, ended or signed out: sign in first.
    #[error("sign in first")]
    NotSignedIn,
    /// A state-changing request from another site's page.
    #[error("refused: this request came from another site's page")]
    CrossSite,
    /// The store failed; the details are logged, not shown.
    #[error("the server could not read or write its store")]
    Store(#[from] StoreError),
    /// No random session id could be had.
    #[error("the server could not make a session")]
    Random,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            Self::NotSignedIn => redirect("/admin/sign-in", None),
            Self::CrossSite => (StatusCode::FORBIDDEN, format!("{self}\n")).into_response(),
            Self::Store(ref err) => {
                tracing::error!(%err, "console: store failed");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("{self}\n")).into_response()
            }
            Self::Random => {
                tracing::error!("console: no random session id");
                (StatusCode::INTERNAL_SERVER_ERROR, format!("{self}\n")).into_response()
            }
        }
    }
}

/// A 303 to `to` (the browser follows it with a GET), setting `cookie` if given.
pub(crate) fn redirect(to: &'static str, cookie: Option<String>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
    if let Some(value) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
