//! The race-day monitor's table as plain Rust (no Leptos, so it is unit-tested): which
//! rows a filter keeps, in which order a sort puts them, and how a row's figures read.
//!
//! The page (`pages::console`) keeps the rows as the server last sent them and
//! recomputes the order only when new rows arrive or the organiser changes the sort
//! or the filter; the ages that tick every second do not reorder anything. It draws
//! only the rows in view ([`window`]).

use std::cmp::Ordering;

use crate::protocol::{console::RunnerRow, race::Status};

/// "No signal > 5 min": a last fix older than this, in seconds (or none at all).
pub const NO_SIGNAL_S: u64 = 300;

/// "Battery < 20 %".
pub const LOW_BATTERY_PCT: f64 = 20.0;

/// The column a table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// The board's order (the server's).
    Board,
    /// Bib.
    Bib,
    /// Name.
    Name,
    /// Status.
    Status,
    /// Age of the last fix (none: oldest of all).
    Age,
    /// The door of the last fix.
    WayIn,
    /// Battery (unknown after every level).
    Battery,
    /// GPS accuracy (unknown after every radius).
    Accuracy,
    /// Fixes in the last 10 minutes.
    Fixes,
}

/// A column and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub key: SortKey,
    /// Largest first.
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            key: SortKey::Board,
            descending: false,
        }
    }
}

impl Sort {
    /// The sort after a click on `key`'s header: the other direction if it is the
    /// current column, else that column ascending.
    pub fn toggled(self, key: SortKey) -> Self {
        Self {
            key,
            descending: self.key == key && !self.descending,
        }
    }
}

/// What the organiser asked to see.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Only runners with this status.
    pub status: Option<Status>,
    /// Only runners whose last fix is older than [`NO_SIGNAL_S`] (or who sent none).
    pub no_signal: bool,
    /// Only runners whose battery is known and under [`LOW_BATTERY_PCT`].
    pub low_battery: bool,
    /// Only runners whose bib or name contains this (any case).
    pub text: String,
}

impl Filter {
    /// Whether `row` is shown.
    pub fn keeps(&self, row: &RunnerRow) -> bool {
        if self.status.is_some_and(|s| s != row.status) {
            return false;
        }
        if self.no_signal && row.last_fix_age_s.is_some_and(|age| age <= NO_SIGNAL_S) {
            return false;
        }
        // A negative level is an app saying "unknown".
        if self.low_battery
            && !row
                .battery_pct
                .is_some_and(|b| (0.0..LOW_BATTERY_PCT).contains(&b))
        {
            return false;
        }
        let text = self.text.trim().to_lowercase();
        text.is_empty()
            || row.bib.as_str().to_lowercase().contains(&text)
            || row.name.to_lowercase().contains(&text)
    }
}

/// The indices of the rows `filter` keeps, sorted by `sort`; ties keep the board's
/// order.
pub fn order(rows: &[RunnerRow], sort: Sort, filter: &Filter) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..rows.len())
        .filter(|&i| filter.keeps(&rows[i]))
        .collect();
    if sort.key != SortKey::Board {
        kept.sort_by(|&a, &b| compare(&rows[a], &rows[b], sort.key));
    }
    if sort.descending {
        kept.reverse();
    }
    kept
}

fn compare(a: &RunnerRow, b: &RunnerRow, key: SortKey) -> Ordering {
    // Unknown figures sort after every known one.
    let unknown_last = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match key {
        SortKey::Board => Ordering::Equal,
        SortKey::Bib => a.bib.cmp(&b.bib),
        SortKey::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        SortKey::Status => a.status.label().cmp(b.status.label()),
        SortKey::Age => unknown_last(
            a.last_fix_age_s.map(|s| s as f64),
            b.last_fix_age_s.map(|s| s as f64),
        ),
        SortKey::WayIn => a.way_in.cmp(&b.way_in),
        SortKey::Battery => unknown_last(known_battery(a), known_battery(b)),
        SortKey::Accuracy => unknown_last(a.accuracy_m, b.accuracy_m),
        SortKey::Fixes => a.fixes_10_min.cmp(&b.fixes_10_min),
    }
}

fn known_battery(row: &RunnerRow) -> Option<f64> {
    row.battery_pct.filter(|b| *b >= 0.0)
}

/// Rows drawn beyond each edge of those in view, so that a quick scroll shows no gap.
pub const OVERSCAN: usize = 15;

/// The rows to draw, `start..end` of `total`, in a box `viewport_px` high scrolled
/// down by `scroll_px`, each row `row_px` high: those in view and [`OVERSCAN`] more
/// on each side. Only these are in the page, however many runners there are.
pub fn window(
    total: usize,
    scroll_px: f64,
    viewport_px: f64,
    row_px: f64,
) -> std::ops::Range<usize> {
    let row_px = row_px.max(1.0);
    let first = (scroll_px.max(0.0) / row_px) as usize;
    let in_view = (viewport_px.max(0.0) / row_px).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN).min(total);
    let end = (first + in_view + OVERSCAN).min(total);
    start..end
}

/// How a door reads: "Runner page", "OwnTracks", "Traccar / OsmAnd", ...
pub fn way_in_label(source: Option<&str>) -> &'static str {
    match source {
        None => "–",
        Some("websocket") => "Runner page",
        Some("owntracks") => "OwnTracks",
        Some("osmand") => "Traccar / OsmAnd",
        Some("batch") => "Batch upload",
        Some(_) => "Other",
    }
}

/// "8 s", "4 min 05 s", "2 h 03 min"; "never" before the first fix.
pub fn age_label(age_s: Option<u64>) -> String {
    match age_s {
        None => "never".to_owned(),
        Some(s @ 0..60) => format!("{s} s"),
        Some(s @ 60..3600) => format!("{} min {:02} s", s / 60, s % 60),
        Some(s) => format!("{} h {:02} min", s / 3600, s / 60 % 60),
    }
}

/// "63 %", or "–" when unknown (none, or negative).
pub fn battery_label(battery_pct: Option<f64>) -> String {
    battery_pct
        .filter(|b| *b >= 0.0)
        .map_or_else(|| "–".to_owned(), |b| format!("{b:.0} %"))
}

/// "±12 m", or "–".
pub fn accuracy_label(accuracy_m: Option<f64>) -> String {
    accuracy_m.map_or_else(|| "–".to_owned(), |a| format!("±{a:.0} m"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RunnerId;

    fn row(bib: &str, age: Option<u64>, battery: Option<f64>, status: Status) -> RunnerRow {
        RunnerRow {
            bib: RunnerId::parse(bib).unwrap(),
            name: format!("Runner {bib}"),
            status,
            last_fix_age_s: age,
            way_in: age.map(|_| "osmand".to_owned()),
            battery_pct: battery,
            accuracy_m: None,
            fixes_10_min: 0,
        }
    }

    fn bibs(rows: &[RunnerRow], order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| rows[i].bib.to_string()).collect()
    }

    #[test]
    fn filters_keep_no_signal_and_low_battery_runners() {
        let rows = [
            row("1", Some(10), Some(80.0), Status::Running),
            row("2", Some(301), Some(15.0), Status::Stale),
            row("3", None, None, Status::NotStarted),
            row("4", Some(20), Some(-1.0), Status::Running),
            row("5", Some(600), Some(5.0), Status::Stale),
        ];
        let only = |filter: Filter| bibs(&rows, &order(&rows, Sort::default(), &filter));
        assert_eq!(only(Filter::default()), ["1", "2", "3", "4", "5"]);
        let no_signal = Filter {
            no_signal: true,
            ..Filter::default()
        };
        assert_eq!(only(no_signal.clone()), ["2", "3", "5"]);
        let low = Filter {
            low_battery: true,
            ..Filter::default()
        };
        assert_eq!(only(low.clone()), ["2", "5"], "a negative level is unknown");
        assert_eq!(
            only(Filter {
                status: Some(Status::Stale),
                text: "runner 5".into(),
                ..Filter::default()
            }),
            ["5"]
        );
    }

    #[test]
    fn sorts_put_unknown_figures_last_and_flip_on_a_second_click() {
        let rows = [
            row("1", Some(10), Some(80.0), Status::Running),
            row("2", None, None, Status::NotStarted),
            row("3", Some(400), Some(15.0), Status::Stale),
        ];
        let by = |sort| bibs(&rows, &order(&rows, sort, &Filter::default()));
        let age = Sort::default().toggled(SortKey::Age);
        assert_eq!(by(age), ["1", "3", "2"]);
        assert_eq!(by(age.toggled(SortKey::Age)), ["2", "3", "1"]);
        assert_eq!(
            by(Sort::default().toggled(SortKey::Battery)),
            ["3", "1", "2"]
        );
    }

    #[test]
    fn only_the_rows_in_view_and_a_margin_are_drawn() {
        assert_eq!(window(5000, 0.0, 600.0, 30.0), 0..36);
        assert_eq!(window(5000, 3000.0, 600.0, 30.0), 85..136);
        assert_eq!(window(5000, 1e9, 600.0, 30.0), 5000..5000);
        assert_eq!(window(12, 0.0, 600.0, 30.0), 0..12);
        assert_eq!(window(0, 0.0, 600.0, 0.0), 0..0);
    }

    #[test]
    fn figures_read_plainly() {
        assert_eq!(age_label(None), "never");
        assert_eq!(age_label(Some(8)), "8 s");
        assert_eq!(age_label(Some(245)), "4 min 05 s");
        assert_eq!(age_label(Some(7380)), "2 h 03 min");
        assert_eq!(battery_label(Some(-1.0)), "–");
        assert_eq!(way_in_label(Some("websocket")), "Runner page");
    }
}
