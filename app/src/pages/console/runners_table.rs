//! The monitor's table of every runner: sortable by each column (a button in each
//! header, `aria-sort` saying which), filterable by status, "no signal > 5 min",
//! "battery < 20 %" and a search. The order is computed from the rows as read
//! ([`crate::monitor_table::order`]); only the rows in the scroll box's view are
//! drawn ([`crate::monitor_table::window`], with spacers above and below, and
//! `aria-rowcount` / `aria-rowindex` for screen readers), keyed by place and bib; each
//! cell reads its row's own signal, so a poll rewrites changed cells only.

use leptos::prelude::*;

use super::monitor::Monitor;
use crate::{
    monitor_table::{
        Filter, Sort, SortKey, accuracy_label, age_label, battery_label, order, way_in_label,
        window,
    },
    protocol::{RunnerId, console::RunnerRow, race::Status},
};

/// A row's height in pixels, as the stylesheet sets it (`.monitor-table tbody tr`);
/// the page corrects it from a drawn row if the two differ.
const ROW_PX: f64 = 30.0;

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

const STATUSES: [Status; 8] = [
    Status::NotStarted,
    Status::Running,
    Status::Finished,
    Status::Stale,
    Status::OffCourse,
    Status::Dns,
    Status::Dnf,
    Status::Dsq,
];

/// The table, its filters and its count.
#[component]
pub fn RunnersTable(monitor: Monitor) -> impl IntoView {
    let sort = RwSignal::new(Sort::default());
    let filter = RwSignal::new(Filter::default());
    // What the scroll box shows: only those rows are drawn (5,000 rows in the page
    // made every tick and every sort lay out 5,000 rows).
    let scroll_px = RwSignal::new(0.0);
    let viewport_px = RwSignal::new(600.0);
    let row_px = RwSignal::new(ROW_PX);
    // Indices of the rows to show: recomputed when rows arrive or the organiser
    // changes the sort or the filter, never by the ticking ages.
    let kept = Memo::new(move |_| {
        monitor
            .rows
            .with(|rows| filter.with(|f| order(rows, sort.get(), f)))
    });
    let range = Memo::new(move |_| {
        window(
            kept.with(Vec::len),
            scroll_px.get(),
            viewport_px.get(),
            row_px.get(),
        )
    });
    // (place in the order, bib) of the rows drawn.
    let shown = Memo::new(move |_| {
        let range = range.get();
        monitor.rows.with(|rows| {
            kept.with(|kept| {
                kept[range.clone()]
                    .iter()
                    .enumerate()
                    .map(|(n, &i)| (range.start + n, rows[i].bib.clone()))
                    .collect::<Vec<(usize, RunnerId)>>()
            })
        })
    });
    let above = move || format!("{}px", range.get().start as f64 * row_px.get());
    let below = move || {
        let hidden = kept.with(Vec::len).saturating_sub(range.get().end);
        format!("{}px", hidden as f64 * row_px.get())
    };
    let on_scroll = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(scroller) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                return;
            };
            scroll_px.set(f64::from(scroller.scroll_top()));
            viewport_px.set(f64::from(scroller.client_height()));
            // The CSS sets the height; the drawn row says what it came to.
            if let Some(row) = scroller
                .query_selector("tbody tr[data-bib]")
                .ok()
                .flatten()
                .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok())
                && row.offset_height() > 0
                && f64::from(row.offset_height()) != row_px.get_untracked()
            {
                row_px.set(f64::from(row.offset_height()));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
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
            <div class="monitor-scroll" on:scroll=on_scroll>
                <table class="monitor-table" id="monitor-table"
                    aria-rowcount=move || kept.with(Vec::len) + 1>
                    <thead><tr aria-rowindex="1">{COLUMNS.into_iter().map(header).collect_view()}</tr></thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true"><td colspan="8" style:height=above></td></tr>
                        <For each=move || shown.get() key=|row| row.clone()
                            children=move |(place, bib)| row_view(monitor, place, &bib)/>
                        <tr class="spacer" aria-hidden="true"><td colspan="8" style:height=below></td></tr>
                    </tbody>
                </table>
            </div>
            {move || (!monitor.loaded.get()).then(|| view! { <p class="muted">"Reading the runners…"</p> })}
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
        Status::Dns => "dns",
        Status::Dnf => "dnf",
        Status::Dsq => "dsq",
    }
}

/// One runner's row: static bib and name, every other cell from the row's signal.
fn row_view(monitor: Monitor, place: usize, bib: &RunnerId) -> AnyView {
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
        <tr data-bib=bib.to_string() data-status=state aria-rowindex=place + 2>
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
