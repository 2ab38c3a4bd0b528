//! `GET /admin/runners/{bib}`: one runner's page: the edit form, the remove button,
//! the history of changes to them, and the pairing of their phone (the tracking link,
//! OwnTracks and Traccar Client settings, with QR codes), made with a fresh token.

use axum::{
    extract::{Path, State},
    http::{Extensions, HeaderMap, StatusCode},
    response::Response,
};
use spectate_app::protocol::RunnerId;

use super::{
    pages::{
        RunnerForm, form_of, no_event, not_found, problem_list, respond, runner_form, url_part,
    },
    pairing::{PAIRING_TTL, Pairing, pairing},
};
use crate::{
    auth::Subject,
    console::{
        ConsoleError,
        guard::Organiser,
        sign_in::{escape, page},
    },
    hub::now_ms,
    proxy::Client,
    state::AppState,
};

/// Changes shown in a runner's history.
const HISTORY_ROWS: usize = 20;

/// The handler.
pub(crate) async fn show(
    _organiser: Organiser,
    State(state): State<AppState>,
    Path(bib): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    let Ok(bib) = RunnerId::parse(&bib) else {
        return not_found(&bib);
    };
    let origin = origin(&headers, &extensions);
    render(&state, &bib, &origin, None, &[], StatusCode::OK).await
}

/// The server's origin as the organiser's browser reached it: the links a phone
/// follows point there.
pub(crate) fn origin(headers: &HeaderMap, extensions: &Extensions) -> String {
    let scheme = if Client::of(extensions).https {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// The page of runner `bib`, its form filled with `form` (a refused edit) or the
/// runner as stored, with `problems` above it.
pub(crate) async fn render(
    state: &AppState,
    bib: &RunnerId,
    origin: &str,
    form: Option<&RunnerForm>,
    problems: &[String],
    status: StatusCode,
) -> Response {
    let Some(event) = state.event() else {
        return no_event();
    };
    let Some(runner) = event.runner(bib) else {
        return not_found(bib.as_str());
    };
    let history = match state
        .store
        .field_history(Some(bib.clone()), HISTORY_ROWS)
        .await
    {
        Ok(history) => history,
        Err(err) => return axum::response::IntoResponse::into_response(ConsoleError::Store(err)),
    };
    let history: String = history
        .iter()
        .map(|c| {
            let at = time::OffsetDateTime::from_unix_timestamp((c.at_ms / 1000) as i64)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default();
            format!(
                "<li><time>{}</time> {}: {}</li>",
                escape(&at),
                escape(&c.who),
                escape(&c.what)
            )
        })
        .collect();
    // Issued no earlier than the runner's last revocation, so that it works.
    let access = &state.hub.access;
    let iat = access.revocations.issue_time(&runner.bib, now_ms() / 1000);
    let token = access.keys.sign(
        &Subject::Runner(runner.bib.clone()),
        iat,
        iat + PAIRING_TTL.as_secs(),
    );
    let paired = pairing(origin, runner, &token);
    let shown = form.map_or_else(|| form_of(runner), RunnerForm::clone);
    let path = format!("/admin/runners/{}", url_part(bib.as_str()));
    let body = format!(
        "<h1>Runner {bib} · {name}</h1>\n{problems}{form}\n\
         {pairing}\n<h2>History</h2>\n<ul id=\"history\">{history}</ul>\n\
         <form method=\"post\" action=\"{path}/remove\" class=\"remove\"><button type=\"submit\" id=\"remove\">Remove runner {bib} from the event</button></form>",
        bib = escape(bib.as_str()),
        name = escape(&runner.name),
        problems = problem_list(problems),
        form = runner_form(&path, &shown, "Save"),
        pairing = pairing_section(&paired, &path),
    );
    respond(status, page(&format!("Runner {bib}"), &body))
}

fn pairing_section(paired: &Pairing, path: &str) -> String {
    let qr = |text: &str, id: &str, label: &str| match crate::qr::svg(text, 240, label) {
        Ok(svg) => format!("<figure id=\"{id}\">{svg}</figure>"),
        Err(err) => format!("<p class=\"problem\">{}</p>", escape(&err)),
    };
    let traccar_device = match &paired.traccar_device {
        Some(device) => format!("<code id=\"traccar-device\">{}</code>", escape(device)),
        None => "none yet: give the runner a device id above (one nobody can guess)".into(),
    };
    format!(
        "<h2>Pair the runner's phone</h2>\n\
         <h3>Runner page (phone browser)</h3>\n\
         <p><a id=\"track-link\" href=\"{track}\">{track}</a></p>{track_qr}\n\
         <h3>OwnTracks</h3>\n\
         <p><a id=\"owntracks-link\" href=\"{ot_link}\">Open in OwnTracks</a> (or scan the code with the phone's camera). \
         Or set it by hand: mode HTTP, URL <code id=\"owntracks-url\">{ot_url}</code>, user <code id=\"owntracks-user\">{ot_user}</code>, \
         password <code id=\"owntracks-password\">{ot_password}</code>.</p>{ot_qr}\n\
         <h3>Traccar Client</h3>\n\
         <p>Server URL <code id=\"traccar-url\">{traccar}</code>, device identifier {traccar_device}.</p>\n\
         <p><small>The links carry a new token for this runner each time this page is shown, valid for 7 days.</small></p>\n\
         <form method=\"post\" action=\"{path}/revoke\"><button type=\"submit\" id=\"revoke\">Revoke all of this runner's tokens</button> \
         (a lost phone: the old links and settings stop working at once; pair again with the new ones shown here)</form>",
        track = escape(&paired.track_link),
        track_qr = qr(
            &paired.track_link,
            "track-qr",
            "QR code of the runner page link",
        ),
        ot_link = escape(&paired.owntracks_link),
        ot_url = escape(&paired.owntracks_url),
        ot_user = escape(&paired.owntracks_user),
        ot_password = escape(&paired.owntracks_password),
        ot_qr = qr(
            &paired.owntracks_link,
            "owntracks-qr",
            "QR code that sets up OwnTracks",
        ),
        traccar = escape(&paired.traccar_url),
    )
}
