//! The race control page, `/admin/race`: set a runner's DNS / DNF / DSQ with a reason
//! (or put them back in the race), see who is out of the race with who set it and
//! when, and publish or clear the announcement to spectators and runners.
//!
//! Plain server-rendered HTML like the sign-in pages: it works before any script
//! loads, and every form posts through the console's cross-site check. The changes
//! themselves are [`crate::race_control`]'s; this only reads forms and draws pages.
//!
//! - `GET /admin/race`: the page.
//! - `POST /admin/runners/{bib}/status` (`status`, `reason`): the status of one runner;
//!   `POST /admin/race/status` is the page's form of it, with the bib as a field.
//! - `POST /admin/announcement` (`text`, `audience`) and `/admin/announcement/clear`.
//!
//! Each answers a 303 back to the page when done, and the page again with the
//! problem (and a 4xx) when the input was refused.

use axum::{
    Form,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use spectate_app::format::clock;

use super::{
    ConsoleError,
    guard::{Organiser, SameOrigin},
    redirect,
    sign_in::{escape, page},
};
use crate::{
    race::verdicts::MAX_REASON_CHARS,
    race_control::{self, ControlError, MAX_ANNOUNCEMENT_CHARS},
    state::AppState,
};

/// A status form's fields (the bib only on the page's form).
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    bib: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// The announcement form's fields.
#[derive(Debug, Deserialize)]
pub struct AnnouncementForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    audience: String,
}

/// `GET /admin/race`.
pub async fn race_page(
    State(state): State<AppState>,
    _organiser: Organiser,
) -> Result<Response, ConsoleError> {
    render(&state, StatusCode::OK, None).await
}

/// `POST /admin/runners/{bib}/status`.
pub async fn set_status(
    _origin: SameOrigin,
    State(state): State<AppState>,
    organiser: Organiser,
    Path(bib): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, ConsoleError> {
    let done = race_control::set_status(
        &state.hub,
        &state.store,
        &bib,
        &form.status,
        &form.reason,
        &organiser.name,
    )
    .await;
    answer(&state, done.map(drop)).await
}

/// `POST /admin/race/status`: the page's form, whose bib is a field.
pub async fn set_status_form(
    origin: SameOrigin,
    state: State<AppState>,
    organiser: Organiser,
    Form(form): Form<StatusForm>,
) -> Result<Response, ConsoleError> {
    let bib = Path(form.bib.clone());
    set_status(origin, state, organiser, bib, Form(form)).await
}

/// `POST /admin/announcement`.
pub async fn announce(
    _origin: SameOrigin,
    State(state): State<AppState>,
    organiser: Organiser,
    Form(form): Form<AnnouncementForm>,
) -> Result<Response, ConsoleError> {
    let done = race_control::announce(
        &state.hub,
        &state.store,
        state.cluster.as_deref(),
        &form.text,
        &form.audience,
        &organiser.name,
    )
    .await;
    answer(&state, done.map(drop)).await
}

/// `POST /admin/announcement/clear`.
pub async fn clear_announcement(
    _origin: SameOrigin,
    State(state): State<AppState>,
    organiser: Organiser,
) -> Result<Response, ConsoleError> {
    let done = race_control::clear_announcement(
        &state.hub,
        &state.store,
        state.cluster.as_deref(),
        &organiser.name,
    )
    .await;
    answer(&state, done).await
}

/// Back to the page when done; the page with the problem when refused.
async fn answer(
    state: &AppState,
    done: Result<(), ControlError>,
) -> Result<Response, ConsoleError> {
    match done {
        Ok(()) => Ok(redirect("/admin/race", None)),
        Err(ControlError::Store(err)) => Err(ConsoleError::Store(err)),
        Err(err) => render(state, err.status(), Some(&err.to_string())).await,
    }
}

async fn render(
    state: &AppState,
    status: StatusCode,
    problem: Option<&str>,
) -> Result<Response, ConsoleError> {
    let announcement = state.store.announcement().await?;
    let race = state.hub.race();
    let offset = race.map_or(0, |r| r.event_info().utc_offset_min);
    let problem = problem
        .map(|p| format!("<p role=\"alert\" id=\"problem\">{}</p>\n", escape(p)))
        .unwrap_or_default();
    let out: Vec<String> = race
        .map(|race| {
            let info = race.event_info();
            race.verdicts()
                .all()
                .into_iter()
                .map(|(bib, v)| {
                    let name = info.entrant(&bib).map_or("", |e| e.name.as_str());
                    format!(
                        "<tr data-runner=\"{bib}\"><td>{bib}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                        escape(name),
                        v.status().out_of_race().unwrap_or(""),
                        escape(&v.reason),
                        escape(&v.by),
                        clock(v.at_ms, offset),
                        bib = escape(bib.as_str()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let out = if out.is_empty() {
        "<p id=\"out-none\">Nobody is out of the race.</p>".to_owned()
    } else {
        format!(
            "<div class=\"wide\"><table id=\"out\"><thead><tr><th scope=\"col\">Bib</th><th scope=\"col\">Runner</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">Reason</th>\
             <th scope=\"col\">Set by, at</th></tr></thead><tbody>{}</tbody></table></div>",
            out.concat()
        )
    };
    let current = match &announcement {
        Some((a, by)) => format!(
            "<p>Up now, for {}: <q id=\"announcement\">{}</q> <small>({} at {})</small></p>\n\
             <form method=\"post\" action=\"/admin/announcement/clear\"><button type=\"submit\">Clear the announcement</button></form>",
            a.audience.as_str(),
            escape(&a.text),
            escape(by),
            clock(a.at_ms, offset),
        ),
        None => "<p id=\"announcement-none\">No announcement is up.</p>".to_owned(),
    };
    let body = format!(
        "<h1>Race control</h1>\n{problem}\
         <h2>Runner status</h2>\n\
         <form method=\"post\" action=\"/admin/race/status\">\n\
         <label>Bib <input name=\"bib\" required autocomplete=\"off\"></label>\n\
         <label>Status <select name=\"status\">\
         <option value=\"dnf\">DNF: did not finish</option>\
         <option value=\"dns\">DNS: did not start</option>\
         <option value=\"dsq\">DSQ: disqualified</option>\
         <option value=\"racing\">Racing (back in the race)</option></select></label>\n\
         <label>Reason (needed for DNS, DNF, DSQ) <input name=\"reason\" maxlength=\"{MAX_REASON_CHARS}\"></label>\n\
         <button type=\"submit\">Set status</button>\n</form>\n\
         <h2>Out of the race</h2>\n{out}\n\
         <h2>Announcement</h2>\n{current}\n\
         <form method=\"post\" action=\"/admin/announcement\">\n\
         <label>Message <input name=\"text\" required maxlength=\"{MAX_ANNOUNCEMENT_CHARS}\"></label>\n\
         <label>For <select name=\"audience\">\
         <option value=\"both\">Spectators and runners</option>\
         <option value=\"spectators\">Spectators</option>\
         <option value=\"runners\">Runners</option></select></label>\n\
         <button type=\"submit\">Publish</button>\n</form>"
    );
    let mut response = (status, Html(page("Race control", &body))).into_response();
    // Another organiser's page must not come from a shared cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
