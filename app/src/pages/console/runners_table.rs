//! The monitor's table of every runner: sortable by each column (a button in each
//! header, `aria-sort` saying which), filterable by status, "no signal > 5 min",
//! "battery < 20 %" and a search. Rows are keyed by bib; the order is computed from
//! the rows as read ([`crate::monitor_table::order`]) and each cell reads its row's
//! own signal, so a poll rewrites changed cells only.

use leptos::prelude::*;

use super::monitor::{FIRST_ROWS, Monitor};
use crate::{
    monitor_table::{
        Filter, Sort, SortKey, accuracy_label, age_label, battery_label, order, way_in_label,
    },
    protocol::{RunnerId, console::RunnerRow, race::Status},
};

const COLUMNS: [(SortKey, &str); 8] = [
    (SortKey::Bib, "Bib"),
    (SortKey::Name, "Name"),
    (SortKey::Status, "Status"),
    (SortKey::Age, "Last fix"),
    (SortKey::WayIn, "Way in"),
    (SortKey::Battery, "Battery"),
    (SortKey::Accuracy, "Accuracy"),
    (SortKey::Fixes, "Fixes, 10 min"),
];

const STATUSES: [Status; 5] = [
    Status::NotStarted,
    Status::Running,
    Status::Finished,
    Status::Stale,
    Status::OffCourse,
];

/// The table, its filters and its count.
#[component]
pub fn RunnersTable(monitor: Monitor) -> impl IntoView {
    let sort = RwSignal::new(Sort::default());
    let filter = RwSignal::new(Filter::default());
    let show_all = RwSignal::new(false);
    // Indices of the rows to show: recomputed when rows arrive or the organiser
    // changes the sort or the filter, never by the ticking ages.
    let kept = Memo::new(move |_| {
        monitor
            .rows
            .with(|rows| filter.with(|f| order(rows, sort.get(), f)))
    });
    let shown = Memo::new(move |_| {
        let limit = if show_all.get() {
            usize::MAX
        } else {
            FIRST_ROWS
        };
        monitor.rows.with(|rows| {
            kept.with(|kept| {
                kept.iter()
                    .take(limit)
                    .map(|&i| rows[i].bib.clone())
                    .collect::<Vec<RunnerId>>()
            })
        })
    });
    let count = move || {
        let (kept, all) = (kept.with(Vec::len), monitor.rows.with(Vec::len));
        format!("{kept} of {all} runners")
    };
    let set_status = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let status = STATUSES.into_iter().find(|s| status_value(*s) == value);
        filter.update(|f| f.status = status);
    };
    let header = move |(key, label): (SortKey, &'static str)| {
        let aria = move || match sort.get() {
            Sort { key: k, descending } if k == key => {
                if descending {
                    "descending"
                } else {
                    "ascending"
                }
            }
            _ => "none",
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button type="button" class="sort" data-sort=label
                    on:click=move |_| sort.update(|s| *s = s.toggled(key))>{label}</button>
            </th>
        }
    };
    view! {
        <section class="monitor-runners" aria-labelledby="runners-title">
            <h2 id="runners-title">"Runners"</h2>
            <div class="monitor-filters">
                <label>"Search "
                    <input type="search" data-testid="filter-text" placeholder="Bib or name"
                        on:input=move |ev| filter.update(|f| f.text = event_target_value(&ev))/>
                </label>
                <label>"Status "
                    <select data-testid="filter-status" on:change=set_status>
                        <option value="">"All"</option>
                        {STATUSES.into_iter().map(|s| view! {
                            <option value=status_value(s)>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <input type="checkbox" data-testid="filter-no-signal"
                        on:change=move |ev| filter.update(|f| f.no_signal = event_target_checked(&ev))/>
                    " No signal > 5 min"
                </label>
                <label>
                    <input type="checkbox" data-testid="filter-low-battery"
                        on:change=move |ev| filter.update(|f| f.low_battery = event_target_checked(&ev))/>
                    " Battery < 20 %"
                </label>
                <span class="muted" role="status" data-testid="runner-count">{count}</span>
            </div>
            <div class="monitor-scroll">
                <table class="monitor-table" id="monitor-table">
                    <thead><tr>{COLUMNS.into_iter().map(header).collect_view()}</tr></thead>
                    <tbody>
                        <For each=move || shown.get() key=|bib| bib.clone()
                            children=move |bib| row_view(monitor, &bib)/>
                    </tbody>
                </table>
            </div>
            {move || (!monitor.loaded.get()).then(|| view! { <p class="muted">"Reading the runners…"</p> })}
            {move || {
                let hidden = kept.with(Vec::len).saturating_sub(FIRST_ROWS);
                (hidden > 0 && !show_all.get()).then(|| view! {
                    <button type="button" data-testid="show-all" on:click=move |_| show_all.set(true)>
                        {format!("Show all ({hidden} more)")}
                    </button>
                })
            }}
        </section>
    }
}

/// The `<select>` value of a status: its wire name.
fn status_value(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "not_started",
        Status::Running => "running",
        Status::Finished => "finished",
        Status::Stale => "stale",
        Status::OffCourse => "off_course",
    }
}

/// One runner's row: static bib and name, every other cell from the row's signal.
fn row_view(monitor: Monitor, bib: &RunnerId) -> AnyView {
    let Some(cell) = monitor.cells.with_value(|cells| cells.get(bib).cloned()) else {
        return ().into_any();
    };
    let name = cell.with_untracked(|r| r.name.clone());
    let age_cell = cell.clone();
    let read = move |f: fn(&RunnerRow) -> String| {
        let cell = cell.clone();
        move || cell.with(f)
    };
    let status = read(|r| r.status.label().to_owned());
    let state = read(|r| status_value(r.status).to_owned());
    let way_in = read(|r| way_in_label(r.way_in.as_deref()).to_owned());
    let battery = read(|r| battery_label(r.battery_pct));
    let accuracy = read(|r| accuracy_label(r.accuracy_m));
    let fixes = read(|r| r.fixes_10_min.to_string());
    let age = move || {
        let age = age_cell.with(|r| r.last_fix_age_s);
        age_label(age.map(|a| a + monitor.elapsed_s()))
    };
    view! {
        <tr data-bib=bib.to_string() data-status=state>
            <td>{bib.to_string()}</td>
            <td>{name}</td>
            <td>{status}</td>
            <td class="num">{age}</td>
            <td>{way_in}</td>
            <td class="num">{battery}</td>
            <td class="num">{accuracy}</td>
            <td class="num">{fixes}</td>
        </tr>
    }
    .into_any()
}
