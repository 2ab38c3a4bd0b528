//! `GET/POST /admin/runners/import`: participants from a CSV file, previewed before
//! anything is saved.
//!
//! The first POST uploads the file (multipart) and answers a preview: each row that
//! has a problem, with the problem (from the file itself, [`super::csv`], or from the
//! field it would make, the event's rules), and what the import would add or change.
//! Only a file without problems gets the confirm button, which posts the same text
//! back (kept in the page, so no half-done import waits on the server) with
//! `confirm`; that POST checks it all again and applies it as one change
//! ([`super::Roster::apply`], which updates runners by bib).

use std::collections::HashMap;

use axum::{
    extract::{Multipart, State, multipart::MultipartRejection},
    http::StatusCode,
    response::Response,
};

use super::{
    Change,
    csv::{self, Row},
    history,
    pages::{STYLE, no_event, problem_list, respond},
};
use crate::{
    console::{
        ConsoleError,
        guard::{Organiser, SameOrigin},
        sign_in::{escape, page},
    },
    event::{Runner, field},
    state::AppState,
};

/// The largest request: the server's limit for every body (a larger one is refused
/// before it gets here, [`crate::http::body_deadline`]).
pub(crate) const MAX_BODY: usize = crate::http::body_deadline::MAX_BODY_BYTES;
/// The largest file taken: the request less room for the form around it.
pub(crate) const MAX_FILE: usize = MAX_BODY - 64 * 1024;

/// [`MAX_FILE`] in words.
pub(crate) fn max_file() -> String {
    format!("{:.1} MB", MAX_FILE as f64 / (1024.0 * 1024.0))
}
/// Changes listed in a preview; the rest are counted.
const SHOWN_CHANGES: usize = 200;

/// `GET /admin/runners/import`: the upload form.
pub(crate) async fn form(_organiser: Organiser) -> Response {
    respond(StatusCode::OK, import_page("", &[]))
}

/// `POST /admin/runners/import`: the preview, or with `confirm` the import.
pub(crate) async fn upload(
    _origin: SameOrigin,
    organiser: Organiser,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let refused = |status, message: String| respond(status, import_page("", &[message]));
    let (bytes, confirm) = match read_upload(multipart, "choose a CSV file to import").await {
        Ok(upload) => upload,
        Err((status, message)) => return refused(status, message),
    };
    let rows = match csv::read(&bytes) {
        Ok(rows) => rows,
        Err(err) => return refused(StatusCode::BAD_REQUEST, format!("{err}; nothing was saved")),
    };
    let Some(event) = state.event() else {
        return no_event();
    };
    let preview = Preview::of(&event.runners, rows);
    if confirm && preview.ready() {
        let runners = preview
            .rows
            .into_iter()
            .filter_map(|(row, _)| row.runner)
            .collect();
        return match state
            .roster
            .apply(&organiser.name, Change::Upsert(runners))
            .await
        {
            Ok(applied) => respond(
                StatusCode::OK,
                page(
                    "Runners imported",
                    &format!(
                        "<h1>Runners imported</h1><p id=\"imported\">{} added, {} updated, {} unchanged.</p>\
                         <p><a href=\"/admin/runners\">Runners</a></p>",
                        applied.added, applied.updated, applied.unchanged
                    ),
                ),
            ),
            Err(super::RosterError::Invalid(problems)) => {
                respond(StatusCode::BAD_REQUEST, import_page("", &problems))
            }
            Err(super::RosterError::Store(err)) => {
                axum::response::IntoResponse::into_response(ConsoleError::Store(err))
            }
            Err(err) => refused(StatusCode::CONFLICT, err.to_string()),
        };
    }
    // The text was checked as UTF-8 by `csv::read`.
    let text = String::from_utf8_lossy(&bytes);
    let status = if preview.ready() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    respond(status, preview.render(&text))
}

/// The file's bytes (an upload `file`, or the `csv` text a preview posts back) and
/// whether the import is confirmed; or why there is none (`choose` says what to
/// choose when no file came). The event page's course upload reads its file here too.
pub(crate) async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
    choose: &str,
) -> Result<(Vec<u8>, bool), (StatusCode, String)> {
    let mut parts = read_parts(multipart).await?;
    let confirm = parts.iter().any(|(name, _)| name == "confirm");
    let bytes = parts
        .iter_mut()
        .find(|(name, data)| matches!(name.as_str(), "file" | "csv") && !data.is_empty())
        .map(|(_, data)| std::mem::take(data))
        .ok_or((StatusCode::BAD_REQUEST, choose.to_owned()))?;
    Ok((bytes, confirm))
}

/// Every part of a multipart form, by name (files and fields alike), each at most
/// [`MAX_FILE`]; or why the form could not be read.
pub(crate) async fn read_parts(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Vec<(String, Vec<u8>)>, (StatusCode, String)> {
    let too_big = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the file is larger than {}; nothing was saved", max_file()),
        )
    };
    let bad = |e: String| {
        (
            StatusCode::BAD_REQUEST,
            format!("the upload could not be read ({e}); nothing was saved"),
        )
    };
    let mut multipart = multipart.map_err(|e| bad(e.body_text()))?;
    let mut parts = Vec::new();
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(e) => return Err(bad(e.body_text())),
        };
        let name = part.name().unwrap_or_default().to_owned();
        let data = match part.bytes().await {
            Ok(data) => data,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(e) => return Err(bad(e.body_text())),
        };
        if data.len() > MAX_FILE {
            return Err(too_big());
        }
        parts.push((name, data.to_vec()));
    }
    Ok(parts)
}

/// What one row would do.
#[derive(Debug)]
enum Effect {
    New,
    Update(String),
    Unchanged,
}

/// The rows of a file, each with its problems and its effect, and the problems of
/// the field it would make that no row explains.
#[derive(Debug)]
struct Preview {
    rows: Vec<(Row, Effect)>,
    general: Vec<String>,
}

impl Preview {
    fn of(field_now: &[Runner], mut rows: Vec<Row>) -> Self {
        let existing: HashMap<&str, &Runner> =
            field_now.iter().map(|r| (r.bib.as_str(), r)).collect();
        let incoming: Vec<Runner> = rows.iter().filter_map(|r| r.runner.clone()).collect();
        let mut general = Vec::new();
        // The field the import would make, checked by the event's rules. Duplicate
        // bibs and empty names are the rows' own problems, said once already.
        if let Ok((after, _, _)) = super::changed(field_now, Change::Upsert(incoming), "", 0) {
            let row_of: HashMap<String, usize> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.bib.clone(), i))
                .collect();
            for problem in field::problems(&after) {
                let field::ProblemKind::DeviceTwice { other } = &problem.kind else {
                    continue;
                };
                let message = problem.message(&after, |_| String::new());
                let bib = after
                    .get(problem.runner)
                    .map(|r| r.bib.to_string())
                    .unwrap_or_default();
                match row_of.get(&bib).or_else(|| row_of.get(other.as_str())) {
                    Some(&i) => rows[i].problems.push(message),
                    None => general.push(message),
                }
            }
        }
        let rows = rows
            .into_iter()
            .map(|row| {
                let effect = match (
                    &row.runner,
                    row.runner
                        .as_ref()
                        .and_then(|r| existing.get(r.bib.as_str())),
                ) {
                    (Some(new), Some(old)) => {
                        history::edited(old, new).map_or(Effect::Unchanged, Effect::Update)
                    }
                    _ => Effect::New,
                };
                (row, effect)
            })
            .collect();
        Self { rows, general }
    }

    fn ready(&self) -> bool {
        self.general.is_empty() && self.rows.iter().all(|(r, _)| r.problems.is_empty())
    }

    fn render(&self, text: &str) -> String {
        let count = |f: fn(&Effect) -> bool| self.rows.iter().filter(|(_, e)| f(e)).count();
        let (new, updated, unchanged) = (
            count(|e| matches!(e, Effect::New)),
            count(|e| matches!(e, Effect::Update(_))),
            count(|e| matches!(e, Effect::Unchanged)),
        );
        let bad: Vec<&Row> = self
            .rows
            .iter()
            .map(|(r, _)| r)
            .filter(|r| !r.problems.is_empty())
            .collect();
        let mut out = format!(
            "<p id=\"summary\">{} rows: {new} new, {updated} to update, {unchanged} unchanged, {} with problems.</p>\n",
            self.rows.len(),
            bad.len()
        );
        if !self.ready() {
            out.push_str("<p role=\"alert\" class=\"problem\">Nothing has been saved. Fix these rows in the file and upload it again.</p>\n");
            out.push_str(&problem_list(&self.general));
            out.push_str("<div class=\"wide\"><table id=\"bad-rows\"><thead><tr><th>Line</th><th>Bib</th><th>Name</th><th>Problems</th></tr></thead><tbody>");
            for row in &bad {
                let name = row.runner.as_ref().map_or("", |r| r.name.as_str());
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"problem\">{}</td></tr>",
                    row.line,
                    escape(&row.bib),
                    escape(name),
                    escape(&row.problems.join("; "))
                ));
            }
            out.push_str("</tbody></table></div>\n");
        }
        let changes: Vec<String> = self
            .rows
            .iter()
            .filter_map(|(row, effect)| {
                let runner = row.runner.as_ref()?;
                let what = match effect {
                    Effect::New => history::added(runner),
                    Effect::Update(what) => format!("{}: {what}", runner.bib),
                    Effect::Unchanged => return None,
                };
                Some(format!("<li>{}</li>", escape(&what)))
            })
            .collect();
        if !changes.is_empty() {
            out.push_str(&format!(
                "<h2>Changes</h2><ul id=\"changes\">{}</ul>",
                changes[..changes.len().min(SHOWN_CHANGES)].concat()
            ));
            if changes.len() > SHOWN_CHANGES {
                out.push_str(&format!(
                    "<p>and {} more.</p>",
                    changes.len() - SHOWN_CHANGES
                ));
            }
        }
        if self.ready() && !changes.is_empty() {
            out.push_str(&format!(
                "<form method=\"post\" action=\"/admin/runners/import\" enctype=\"multipart/form-data\">\
                 <textarea name=\"csv\" hidden>{}</textarea>\
                 <button type=\"submit\" name=\"confirm\" value=\"yes\" id=\"confirm\">Import {} runners</button></form>\n",
                escape(text),
                new + updated
            ));
        }
        import_page(&out, &[])
    }
}

/// The import page: `preview` (if any) above the upload form.
fn import_page(preview: &str, problems: &[String]) -> String {
    page(
        "Import runners",
        &format!(
            "{STYLE}<p><a href=\"/admin\">Console</a> · <a href=\"/admin/runners\">Runners</a></p>\n\
             <h1>Import runners from CSV</h1>\n{}{preview}\n\
             <form method=\"post\" action=\"/admin/runners/import\" enctype=\"multipart/form-data\" id=\"upload\">\n\
             <label>CSV file (bib, first name, last name, category, device id; at most {}) \
             <input type=\"file\" name=\"file\" accept=\".csv,text/csv,text/plain\" required></label>\n\
             <button type=\"submit\">Preview</button>\n</form>\n\
             <p>Runners are matched by bib: a bib already in the event is updated, a new one is added. \
             Nothing is saved before you confirm the preview.</p>",
            problem_list(problems),
            max_file(),
        ),
    )
}
