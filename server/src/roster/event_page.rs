//! The console's event page, `/admin/event`: the event's name, start, time zone,
//! privacy, checkpoints and safety thresholds in one form, the course GPX in an upload
//! of its own, the course drawn with its checkpoints on a map and the elevation
//! profile, and the history of the settings' changes.
//!
//! Plain server-rendered HTML like the other console pages. Every change goes through
//! [`super::Roster::set_event`]; a refused one shows the page again with the form as
//! sent and every problem listed, and nothing saved.
//!
//! - `GET /admin/event`; `POST /admin/event` (the form);
//! - `POST /admin/event/course` (multipart, `file`: a GPX file up to
//!   [`super::import_page::MAX_FILE`]);
//! - on a server that tracks no event yet, the page is the form to create one: the
//!   same fields and the course's GPX file in one multipart `POST /admin/event/new`;
//!   the server tracks it at once, and the runners come next (form or CSV).

use axum::{
    Form,
    extract::{Multipart, State, multipart::MultipartRejection},
    http::StatusCode,
    response::Response,
};
use spectate_app::format::clock;

use super::{
    RosterError, event_drawing,
    import_page::{read_parts, read_upload},
    pages::{no_event, problem_list, respond},
};
use crate::{
    console::{
        ConsoleError,
        guard::{Organiser, SameOrigin},
        redirect,
        sign_in::{escape, page},
    },
    event::settings::Settings,
    state::AppState,
};

mod form;

/// `GET /admin/event`.
pub(crate) async fn show(
    organiser: Organiser,
    State(state): State<AppState>,
) -> Result<Response, ConsoleError> {
    render(&state, &organiser, StatusCode::OK, None, &[]).await
}

/// `POST /admin/event`: the settings form.
pub(crate) async fn save(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let settings = match form::read(&fields) {
        Ok(settings) => settings,
        Err(problems) => {
            let sent = form::Sent::Fields(fields);
            return render(
                &state,
                &organiser,
                StatusCode::BAD_REQUEST,
                Some(sent),
                &problems,
            )
            .await;
        }
    };
    save_settings(&state, &organiser, settings, None).await
}

/// `POST /admin/event/course`: a new course GPX file.
pub(crate) async fn upload_course(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    let bytes = match read_upload(multipart, "choose a GPX file for the course").await {
        Ok((bytes, _)) => bytes,
        Err((status, problem)) => {
            return render(&state, &organiser, status, None, &[problem]).await;
        }
    };
    let Ok(gpx) = String::from_utf8(bytes) else {
        let problem =
            "the file is not text (UTF-8): choose the course's GPX file; nothing was saved";
        return render(
            &state,
            &organiser,
            StatusCode::BAD_REQUEST,
            None,
            &[problem.into()],
        )
        .await;
    };
    let Some(settings) = stored_settings(&state).await? else {
        return Ok(no_event());
    };
    let done = state
        .roster
        .set_event(&organiser.name, settings, Some(gpx))
        .await;
    answer(&state, &organiser, done, None).await
}

/// `POST /admin/event/new`: the event created with its course (multipart: the
/// settings' fields and `file`).
pub(crate) async fn create(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ConsoleError> {
    let parts = match read_parts(multipart).await {
        Ok(parts) => parts,
        Err((status, problem)) => {
            return render(&state, &organiser, status, None, &[problem]).await;
        }
    };
    let (mut fields, mut gpx) = (Vec::new(), None);
    for (name, data) in parts {
        match name.as_str() {
            "file" if !data.is_empty() => gpx = Some(data),
            "file" => {}
            _ => fields.push((name, String::from_utf8_lossy(&data).into_owned())),
        }
    }
    let settings = match form::read(&fields) {
        Ok(settings) => settings,
        Err(problems) => {
            let sent = Some(form::Sent::Fields(fields));
            return render(&state, &organiser, StatusCode::BAD_REQUEST, sent, &problems).await;
        }
    };
    let gpx = match gpx.map(String::from_utf8) {
        Some(Ok(gpx)) => gpx,
        problem => {
            let problem = match problem {
                None => "choose the course's GPX file",
                Some(_) => "the course file is not text (UTF-8): choose its GPX file",
            };
            let sent = Some(form::Sent::Settings(settings));
            let problems = [format!("{problem}; nothing was saved")];
            return render(&state, &organiser, StatusCode::BAD_REQUEST, sent, &problems).await;
        }
    };
    save_settings(&state, &organiser, settings, Some(gpx)).await
}

/// Makes `settings` (and `gpx`) the event's; the form as sent again if refused.
async fn save_settings(
    state: &AppState,
    organiser: &Organiser,
    settings: Settings,
    gpx: Option<String>,
) -> Result<Response, ConsoleError> {
    let done = state
        .roster
        .set_event(&organiser.name, settings.clone(), gpx)
        .await;
    answer(state, organiser, done, Some(form::Sent::Settings(settings))).await
}

/// Back to the page when done; the page with the problems when refused.
async fn answer(
    state: &AppState,
    organiser: &Organiser,
    done: Result<Option<String>, RosterError>,
    sent: Option<form::Sent>,
) -> Result<Response, ConsoleError> {
    match done {
        Ok(_) => Ok(redirect("/admin/event", None)),
        Err(RosterError::NoEvent) => Ok(no_event()),
        Err(RosterError::Store(err)) => Err(ConsoleError::Store(err)),
        Err(RosterError::Invalid(mut problems)) => {
            problems.push("nothing was saved".into());
            render(
                state,
                organiser,
                StatusCode::UNPROCESSABLE_ENTITY,
                sent,
                &problems,
            )
            .await
        }
        Err(err) => {
            let problems = [err.to_string()];
            render(state, organiser, StatusCode::BAD_REQUEST, sent, &problems).await
        }
    }
}

/// The settings as stored, if the server tracks an event.
async fn stored_settings(state: &AppState) -> Result<Option<Settings>, ConsoleError> {
    let stored = state.store.settings().await?;
    Ok(stored.and_then(|toml| Settings::read(&toml).ok().map(|(s, _)| s)))
}

/// `_organiser`: only a signed-in organiser's request renders it (the console's
/// header, [`crate::console::frame`], says who).
async fn render(
    state: &AppState,
    _organiser: &Organiser,
    status: StatusCode,
    sent: Option<form::Sent>,
    problems: &[String],
) -> Result<Response, ConsoleError> {
    let (Some(race), Some(stored)) = (state.hub.race(), stored_settings(state).await?) else {
        let sent = sent.unwrap_or_else(|| form::Sent::Settings(form::blank()));
        return Ok(respond(
            status,
            page("Create the event", &new_event(&sent, problems)),
        ));
    };
    let event = race.event();
    let info = race.event_info();
    let sent = sent.unwrap_or(form::Sent::Settings(stored));
    let waypoints: String = event
        .course
        .waypoint_names()
        .map(|w| format!("<option value=\"{}\">", escape(w)))
        .collect();
    let history: String = state
        .store
        .event_changes(20)
        .await?
        .iter()
        .map(|c| {
            format!(
                "<li>{} · {}: {}</li>",
                clock(c.at_ms, info.utc_offset_min),
                escape(&c.who),
                escape(&c.what)
            )
        })
        .collect();
    let history = if history.is_empty() {
        "<p>No change since the event file was imported.</p>".to_owned()
    } else {
        format!("<ul id=\"event-history\">{history}</ul>")
    };
    let body = format!(
        "<h1>Event</h1>\n{problems}\
         <form method=\"post\" action=\"/admin/event\" id=\"settings\">{fields}\
         <datalist id=\"waypoints\">{waypoints}</datalist>\
         <button type=\"submit\">Save the event</button></form>\n\
         <h2>Course</h2>\n{drawing}\
         <form method=\"post\" action=\"/admin/event/course\" enctype=\"multipart/form-data\" id=\"course\">\
         <label>A new course (GPX, up to {max}) <input type=\"file\" name=\"file\" accept=\".gpx,application/gpx+xml\" required></label>\
         <button type=\"submit\">Upload the course</button></form>\n\
         <h2>Changes</h2>\n{history}",
        problems = problem_list(problems),
        fields = form::fields(&sent),
        drawing = event_drawing::course(&info),
        max = super::import_page::max_file(),
    );
    Ok(respond(status, page("Event", &body)))
}

/// The form that creates the event, on a server that tracks none.
fn new_event(sent: &form::Sent, problems: &[String]) -> String {
    format!(
        "<h1>Create the event</h1>\n\
         <p>This server tracks no event yet. Give its settings and its course; the runners \
         come next, one by one or from a CSV file on the <a href=\"/admin/runners\">Runners</a> page.</p>\n\
         {problems}\
         <form method=\"post\" action=\"/admin/event/new\" enctype=\"multipart/form-data\" id=\"settings\">{fields}\
         <label>The course (GPX, up to {max}) <input type=\"file\" name=\"file\" accept=\".gpx,application/gpx+xml\" required></label>\
         <button type=\"submit\">Create the event</button></form>",
        problems = problem_list(problems),
        fields = form::fields(sent),
        max = super::import_page::max_file(),
    )
}
