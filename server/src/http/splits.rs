//! Split times over HTTP: `GET /api/runners/{bib}/splits` (one runner's, JSON, for
//! the runner panel and the runner's page) and `GET /api/splits.csv` (everyone's, for
//! the organiser's spreadsheet). Both come from the race's split book, which the store
//! fills at start; ranks are the order of the crossing times known now. Like the
//! other reads of the race, a private event's need a token.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use spectate_app::protocol::{
    RunnerId,
    splits::{RunnerSplits, race_time},
};

use super::no_event;
use crate::state::AppState;

fn no_cache(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A runner's splits: 400 for a malformed bib, 404 for a bib not in the event.
pub async fn runner_splits(State(state): State<AppState>, Path(bib): Path<String>) -> Response {
    let Some(race) = state.hub.race() else {
        return no_event();
    };
    let runner = match RunnerId::parse(&bib) {
        Ok(runner) => runner,
        Err(err) => return (StatusCode::BAD_REQUEST, format!("{err}\n")).into_response(),
    };
    let event = race.event();
    let Some(entrant) = event.runner(&runner) else {
        return (
            StatusCode::NOT_FOUND,
            format!("runner {runner} is not in this event\n"),
        )
            .into_response();
    };
    let book = race.book();
    let body = RunnerSplits {
        bib: runner.clone(),
        name: entrant.name.clone(),
        points: book.points(),
        splits: book.of(&runner),
    };
    drop(book);
    no_cache(Json(body).into_response())
}

/// Every split of the event as CSV, by timing point and then crossing order.
pub async fn splits_csv(State(state): State<AppState>) -> Response {
    let Some(race) = state.hub.race() else {
        return no_event();
    };
    let splits = race.book().all();
    let event = race.event();
    let offset = event.start.offset();
    let mut out = String::from(
        "bib,name,category,checkpoint,distance_km,clock_time,elapsed,section_pace_per_km,rank\n",
    );
    for split in &splits {
        let runner = event.runner(&split.bib);
        let cells = [
            split.bib.to_string(),
            runner.map(|r| r.name.clone()).unwrap_or_default(),
            runner.and_then(|r| r.category.clone()).unwrap_or_default(),
            split.name.clone(),
            format!("{:.3}", split.distance_m / 1000.0),
            clock_time(split.at_ms, offset),
            split.elapsed_ms.map(race_time).unwrap_or_default(),
            split.pace_s_per_km.map(pace).unwrap_or_default(),
            split.rank.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    let name = file_name(&event.name);
    no_cache(
        (
            [
                (
                    header::CONTENT_TYPE,
                    "text/csv; charset=utf-8; header=present".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}-splits.csv\""),
                ),
            ],
            out,
        )
            .into_response(),
    )
}

/// `2026-11-29T09:42:17.250+01:00`: the crossing at the event's offset, to the ms.
fn clock_time(at_ms: u64, offset: time::UtcOffset) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.to_offset(offset).format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// `5:07`.
fn pace(s_per_km: f64) -> String {
    let s = s_per_km.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break. A
/// cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) gets
/// a leading `'`: names come from the event file, but a spreadsheet should not run them.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The event's name as a file name: letters and digits, the rest `-`.
fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() {
        "event".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("Ada"), "Ada");
        assert_eq!(cell("Hopper, Grace"), "\"Hopper, Grace\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("-1,2"), "\"'-1,2\"");
        assert_eq!(file_name("Spectate demo run"), "Spectate-demo-run");
        assert_eq!(file_name("***"), "event");
        assert_eq!(pace(307.4), "5:07");
        assert_eq!(
            clock_time(
                1_764_405_737_250,
                time::UtcOffset::from_hms(1, 0, 0).unwrap()
            ),
            "2025-11-29T09:42:17.25+01:00"
        );
    }
}
