//! The console's runner pages: `GET /admin/runners` (the field, searched and paged,
//! with a form to add a runner), `GET/POST /admin/runners/{bib}` (edit one, see its
//! history, pair its phone) and `POST /admin/runners/{bib}/remove`. Plain server-
//! rendered forms like the sign-in's: they work before any script loads.

use axum::{
    Form,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{Extensions, HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use spectate_app::protocol::RunnerId;

use super::{Change, RosterError};
use crate::{
    console::{
        ConsoleError,
        guard::{Organiser, SameOrigin},
        sign_in::{escape, page},
    },
    event::Runner,
    state::AppState,
};

/// Runners on one page of the list.
pub(crate) const PAGE_ROWS: usize = 50;

/// The wider layout and the tables of the runner pages (the console's base style is
/// for one narrow form).
pub(crate) const STYLE: &str = "<style>body{max-width:64rem}.wide{overflow-x:auto}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;\
border-bottom:1px solid #ddd;vertical-align:top}.inline{display:flex;gap:.5rem;flex-wrap:wrap;\
align-items:end}.inline label{flex:1 1 8rem;margin:0}.problem{color:#a00}\
a,code{overflow-wrap:anywhere}.remove{margin-top:2rem}figure{margin:.5rem 0}\
figure svg{display:block;width:100%;max-width:36rem;background:#f7f9fb}\
.check input{display:inline;width:auto;margin-right:.4rem}fieldset{margin:.8rem 0}</style>";

/// The list's query: a search and a page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: usize,
}

/// A runner as the forms send it.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct RunnerForm {
    #[serde(default)]
    bib: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
    /// Device ids, separated by spaces or commas.
    #[serde(default)]
    devices: String,
}

impl RunnerForm {
    fn runner(&self) -> Result<Runner, RosterError> {
        let bib = RunnerId::parse(&self.bib)
            .map_err(|e| RosterError::Invalid(vec![format!("bib {:?}: {e}", self.bib.trim())]))?;
        Ok(Runner {
            bib,
            name: self.name.trim().to_owned(),
            category: Some(self.category.trim().to_owned()).filter(|c| !c.is_empty()),
            devices: self
                .devices
                .split([' ', ','])
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }

    fn of(runner: &Runner) -> Self {
        Self {
            bib: runner.bib.to_string(),
            name: runner.name.clone(),
            category: runner.category.clone().unwrap_or_default(),
            devices: runner.devices.join(" "),
        }
    }
}

/// `GET /admin/runners`: the field, searched by bib, name, category or device.
pub(crate) async fn list(
    _organiser: Organiser,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    list_page(&state, &query, &RunnerForm::default(), &[], StatusCode::OK)
}

fn list_page(
    state: &AppState,
    query: &ListQuery,
    form: &RunnerForm,
    problems: &[String],
    status: StatusCode,
) -> Response {
    let Some(event) = state.event() else {
        return no_event();
    };
    let wanted = query.q.trim().to_lowercase();
    let found: Vec<&Runner> = event
        .runners
        .iter()
        .filter(|r| wanted.is_empty() || matches(r, &wanted))
        .collect();
    let pages = found.len().div_ceil(PAGE_ROWS).max(1);
    let at = query.page.min(pages - 1);
    let mut rows = String::new();
    for r in found.iter().skip(at * PAGE_ROWS).take(PAGE_ROWS) {
        let bib = escape(r.bib.as_str());
        rows.push_str(&format!(
            "<tr><td><a href=\"/admin/runners/{bib}\">{bib}</a></td><td><a href=\"/admin/runners/{bib}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
            escape(&r.name),
            escape(r.category.as_deref().unwrap_or("")),
            escape(&r.devices.join(" ")),
        ));
    }
    let q = escape(query.q.trim());
    let pager = |page: usize, label: &str| {
        format!(
            "<a href=\"/admin/runners?q={}&amp;page={page}\">{label}</a>",
            url_part(query.q.trim())
        )
    };
    let mut nav = format!("Page {} of {pages}", at + 1);
    if at > 0 {
        nav = format!("{} · {nav}", pager(at - 1, "Previous"));
    }
    if at + 1 < pages {
        nav = format!("{nav} · {}", pager(at + 1, "Next"));
    }
    let body = format!(
        "{STYLE}<p><a href=\"/admin\">Console</a> · <a href=\"/admin/runners/import\">Import from CSV</a></p>\n\
         <h1>Runners</h1>\n<p id=\"count\">{shown} of {total} runners</p>\n\
         <form method=\"get\" action=\"/admin/runners\" class=\"inline\" role=\"search\">\
         <label>Search bib, name, category or device <input name=\"q\" value=\"{q}\" type=\"search\"></label>\
         <button type=\"submit\">Search</button></form>\n\
         <div class=\"wide\"><table id=\"runners\"><thead><tr><th>Bib</th><th>Name</th><th>Category</th><th>Devices</th></tr></thead>\n\
         <tbody>{rows}</tbody></table></div>\n<p id=\"pages\">{nav}</p>\n\
         <h2>Add a runner</h2>\n{problems}{form}",
        shown = found.len(),
        total = event.runners.len(),
        problems = problem_list(problems),
        form = runner_form("/admin/runners", form, "Add runner"),
    );
    respond(status, page("Runners", &body))
}

/// `POST /admin/runners`: adds a runner, then shows their page.
pub(crate) async fn add(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    Form(form): Form<RunnerForm>,
) -> Response {
    let change = form
        .runner()
        .map(|runner| Change::Put { was: None, runner });
    let done = match change {
        Ok(change) => state.roster.apply(&organiser.name, change).await,
        Err(err) => Err(err),
    };
    match done {
        Ok(_) => see_other(&format!("/admin/runners/{}", url_part(form.bib.trim()))),
        Err(RosterError::Invalid(problems)) => list_page(
            &state,
            &ListQuery::default(),
            &form,
            &problems,
            StatusCode::BAD_REQUEST,
        ),
        Err(err) => refused(err, "Not added"),
    }
}

/// `POST /admin/runners/{bib}`: saves the edited runner, then shows their page.
pub(crate) async fn edit(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    Path(bib): Path<String>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<RunnerForm>,
) -> Response {
    let Ok(was) = RunnerId::parse(&bib) else {
        return not_found(&bib);
    };
    let done = match form.runner() {
        Ok(runner) => {
            let change = Change::Put {
                was: Some(was.clone()),
                runner,
            };
            state.roster.apply(&organiser.name, change).await
        }
        Err(err) => Err(err),
    };
    match done {
        Ok(_) => see_other(&format!("/admin/runners/{}", url_part(form.bib.trim()))),
        Err(RosterError::Invalid(problems)) => {
            let origin = super::runner_page::origin(&headers, &extensions);
            let status = StatusCode::BAD_REQUEST;
            super::runner_page::render(&state, &was, &origin, Some(&form), &problems, status).await
        }
        Err(err) => refused(err, "Not saved"),
    }
}

/// `POST /admin/runners/{bib}/remove`: the runner leaves the field (and the board).
pub(crate) async fn remove(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    Path(bib): Path<String>,
) -> Response {
    let Ok(bib) = RunnerId::parse(&bib) else {
        return not_found(&bib);
    };
    match state
        .roster
        .apply(&organiser.name, Change::Remove(bib))
        .await
    {
        Ok(_) => see_other("/admin/runners"),
        Err(err) => refused(err, "Not removed"),
    }
}

/// `POST /admin/runners/{bib}/revoke`: the runner's tokens stop working (their
/// sockets are closed); their page then shows a new one.
pub(crate) async fn revoke(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    Path(bib): Path<String>,
) -> Response {
    let Ok(bib) = RunnerId::parse(&bib) else {
        return not_found(&bib);
    };
    match state.roster.revoke_tokens(&organiser.name, &bib).await {
        Ok(_) => see_other(&format!("/admin/runners/{}", url_part(bib.as_str()))),
        Err(err) => refused(err, "Not revoked"),
    }
}

/// The page of a refused change, titled `title` (a form shows the problems of an
/// invalid change beside itself instead).
fn refused(err: RosterError, title: &str) -> Response {
    match err {
        RosterError::Invalid(problems) => {
            let body = format!("<h1>{title}</h1>{}", problem_list(&problems));
            respond(StatusCode::BAD_REQUEST, page(title, &body))
        }
        RosterError::NoSuchRunner(bib) => not_found(bib.as_str()),
        RosterError::NoEvent => no_event(),
        RosterError::Store(err) => ConsoleError::Store(err).into_response(),
    }
}

fn matches(runner: &Runner, wanted: &str) -> bool {
    runner.bib.as_str().to_lowercase() == wanted
        || runner.name.to_lowercase().contains(wanted)
        || runner
            .category
            .as_deref()
            .is_some_and(|c| c.to_lowercase() == wanted)
        || runner.devices.iter().any(|d| d.to_lowercase() == wanted)
}

/// The add or edit form, filled with `form`.
pub(crate) fn runner_form(action: &str, form: &RunnerForm, button: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\" id=\"runner-form\">\n\
         <label>Bib <input name=\"bib\" value=\"{}\" required></label>\n\
         <label>Name <input name=\"name\" value=\"{}\" required></label>\n\
         <label>Category <input name=\"category\" value=\"{}\"></label>\n\
         <label>Device ids (separated by spaces) <input name=\"devices\" value=\"{}\"></label>\n\
         <button type=\"submit\">{button}</button>\n</form>",
        escape(&form.bib),
        escape(&form.name),
        escape(&form.category),
        escape(&form.devices),
    )
}

/// The form's values for `runner`.
pub(crate) fn form_of(runner: &Runner) -> RunnerForm {
    RunnerForm::of(runner)
}

/// Problems as an alert list (nothing when there are none).
pub(crate) fn problem_list(problems: &[String]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let items: String = problems
        .iter()
        .map(|p| format!("<li>{}</li>", escape(p)))
        .collect();
    format!("<ul role=\"alert\" id=\"problems\" class=\"problem\">{items}</ul>\n")
}

/// A console page: never from a shared cache (another organiser's view).
pub(crate) fn respond(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A 303 to `to` (the browser follows with a GET).
pub(crate) fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => see_other("/admin/runners"),
    }
}

pub(crate) fn not_found(bib: &str) -> Response {
    respond(
        StatusCode::NOT_FOUND,
        page(
            "No such runner",
            &format!(
                "<p role=\"alert\">Runner {} is not in the event.</p><p><a href=\"/admin/runners\">Runners</a></p>",
                escape(bib)
            ),
        ),
    )
}

pub(crate) fn no_event() -> Response {
    respond(
        StatusCode::CONFLICT,
        page(
            "No event",
            "<p role=\"alert\">This server tracks no event yet: <a href=\"/admin/event\">create it</a>, \
             or start the server with --event FILE.</p>",
        ),
    )
}

/// `text` for a URL's path or query: bibs are `A-Z a-z 0-9 - _ .`, searches anything.
pub(crate) fn url_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
