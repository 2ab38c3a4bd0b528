//! `/admin/monitor`: the race-day monitor. Rendered by the server (behind the
//! organiser's sign-in) with its controls and empty lists; once hydrated, the browser
//! fills them and keeps them live:
//!
//! - **Runners: polled** from `/admin/runners.json` every [`POLL_EVERY_S`] s. Every
//!   row changes every second (its age), so a push would carry the whole field anyway;
//!   a poll is one compressed request per organiser, bounded, and needs no new socket
//!   rights for organisers. Between polls the ages tick in the browser, each second.
//! - **Alerts: pushed** by the server's stream (`/admin/alerts/live`), because they
//!   must arrive at once and at every signed-in organiser (an acknowledgement made by
//!   one shows at the others'). The list is read at start and again whenever the
//!   stream (re)opens or says it fell behind, so nothing is missed.
//!
//! Fast with 5,000 runners: only the rows in view are drawn, each reading its own
//! signal, so a poll rewrites only the cells that changed and the ages' tick touches
//! a screenful of rows, whatever the field.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use super::browser;
use super::{alerts_panel::AlertsPanel, monitor_map::MonitorMap, runners_table::RunnersTable};
use crate::{
    console_alerts::AlertList,
    protocol::{RunnerId, console::RunnerRow},
    race_data::use_race_view,
};

/// Seconds between two reads of the runners.
pub const POLL_EVERY_S: u32 = 5;

/// The monitor's state, shared by its parts.
#[derive(Clone, Copy, Debug)]
pub struct Monitor {
    /// The rows as last read, in the board's order.
    pub rows: RwSignal<Vec<RunnerRow>>,
    /// Each runner's row as a signal of its own: what a table row draws.
    pub cells: StoredValue<HashMap<RunnerId, ArcRwSignal<RunnerRow>>>,
    /// When the rows were read (the browser's clock, ms).
    pub read_ms: RwSignal<f64>,
    /// The browser's clock, ticking every second.
    pub now_ms: RwSignal<f64>,
    /// Every alert known.
    pub alerts: RwSignal<AlertList>,
    /// Alerts that arrived while the page was open (highlighted until acted on).
    pub fresh: RwSignal<HashSet<i64>>,
    /// The alert shown on the map.
    pub selected: RwSignal<Option<i64>>,
    /// What went wrong last (a session that ended, a refused POST), if anything.
    pub problem: RwSignal<Option<String>>,
    /// Whether the runners were read at least once.
    pub loaded: RwSignal<bool>,
}

impl Monitor {
    fn new() -> Self {
        Self {
            rows: RwSignal::new(Vec::new()),
            cells: StoredValue::new(HashMap::new()),
            read_ms: RwSignal::new(0.0),
            now_ms: RwSignal::new(0.0),
            alerts: RwSignal::new(AlertList::default()),
            fresh: RwSignal::new(HashSet::new()),
            selected: RwSignal::new(None),
            problem: RwSignal::new(None),
            loaded: RwSignal::new(false),
        }
    }

    /// Whole seconds since the rows were read: added to each row's age.
    pub fn elapsed_s(&self) -> u64 {
        ((self.now_ms.get() - self.read_ms.get()) / 1000.0).max(0.0) as u64
    }

    /// A runner's name, if the rows have them.
    pub fn name_of(&self, bib: &RunnerId) -> Option<String> {
        self.cells
            .with_value(|cells| cells.get(bib).map(|c| c.with_untracked(|r| r.name.clone())))
    }

    /// Takes freshly read rows: each changed row's signal is set, new runners get
    /// one, and the list (which the order is computed from) is replaced.
    pub fn take_rows(&self, rows: Vec<RunnerRow>) {
        self.cells.update_value(|cells| {
            for row in &rows {
                match cells.get(&row.bib) {
                    Some(cell) => {
                        if cell.with_untracked(|known| known != row) {
                            cell.set(row.clone());
                        }
                    }
                    None => {
                        cells.insert(row.bib.clone(), ArcRwSignal::new(row.clone()));
                    }
                }
            }
        });
        self.rows.set(rows);
        if !self.loaded.get_untracked() {
            self.loaded.set(true);
        }
    }

    /// Acknowledge (`"acknowledge"`) or resolve (`"resolve"`) alert `id`.
    pub fn advance(&self, id: i64, step: &'static str) {
        self.fresh.update(|f| {
            f.remove(&id);
        });
        #[cfg(feature = "hydrate")]
        browser::advance(*self, id, step);
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, step);
    }
}

/// The monitor page.
#[component]
pub fn MonitorPage() -> impl IntoView {
    let monitor = Monitor::new();
    let race = use_race_view(&[]);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            browser::start(monitor);
        }
    });
    view! {
        <section class="page monitor-page">
            <h1>"Race-day monitor"</h1>
            <p class="muted">"Runners are read every " {POLL_EVERY_S} " s; alerts arrive live."</p>
            {move || monitor.problem.get().map(|p| view! {
                <p class="notice" role="alert" data-testid="monitor-problem">{p}</p>
            })}
            <div class="monitor-top">
                <AlertsPanel monitor=monitor/>
                <MonitorMap monitor=monitor race=race/>
            </div>
            <RunnersTable monitor=monitor/>
        </section>
    }
}
