//! The leaderboard panel: position, bib, name, distance, gap and pace of the top of
//! the board and of every followed runner, as the server pushes them; a row's name
//! focuses the runner (their panel), its star follows or unfollows them. Narrow
//! enough for a phone without scrolling sideways.
//!
//! "Show all" fetches the rest of the board on demand, a page at a time
//! (`/api/leaderboard?offset=..&limit=..`): a spectator who never asks never pays for
//! a board of thousands, and one who does gets it as it is now, not pushed.

use leptos::prelude::*;

use crate::{
    format,
    protocol::{
        RunnerId,
        race::{Standing, Status},
    },
    race_data::RaceSignals,
};

/// Rows shown before "Show all".
pub const TOP_ROWS: usize = 25;
/// Fetches the next page of the whole board into `all`.
fn fetch_page(all: RwSignal<Option<Vec<Standing>>>) {
    #[cfg(feature = "hydrate")]
    {
        /// Rows fetched per page of the whole board.
        const PAGE_ROWS: usize = 500;
        let offset = all.with_untracked(|a| a.as_ref().map_or(0, Vec::len));
        leptos::task::spawn_local(async move {
            let url = format!("/api/leaderboard?offset={offset}&limit={PAGE_ROWS}");
            match crate::race_data::fetch_json::<crate::protocol::race::Leaderboard>(&url).await {
                Ok(page) => all.update(|a| {
                    let rows = a.get_or_insert_with(Vec::new);
                    // A page asked twice (two quick clicks) is added once.
                    if rows.len() == offset {
                        rows.extend(page.standings);
                    }
                }),
                Err(err) => leptos::logging::warn!("the leaderboard did not load: {err}"),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = all;
}

/// A row's key: everything the row shows, so that a row is redrawn whenever any of
/// it changes (a gap that grows while the runner's own figures stay included, a name
/// an organiser corrected, a DNF's reason): the whole row always comes from one board.
type RowKey = (
    RunnerId,
    String,
    usize,
    (Status, Option<String>),
    [u64; 3],
    Option<u64>,
    Option<u64>,
);

fn row_key(s: &Standing) -> RowKey {
    (
        s.bib.clone(),
        s.name.clone(),
        s.position,
        (s.status, s.reason.clone()),
        [
            s.distance_m.to_bits(),
            s.gap_m.to_bits(),
            s.gap_s.map_or(u64::MAX, f64::to_bits),
        ],
        s.pace_s_per_km.map(f64::to_bits),
        s.last_seen_ms,
    )
}

/// When a runner without signal was last heard from, if they have none.
fn no_signal(s: &Standing) -> Option<u64> {
    s.last_seen_ms.filter(|_| s.status == Status::Stale)
}

/// The panel.
#[component]
pub fn Leaderboard(
    /// The board.
    race: RaceSignals,
    /// Followed runners.
    follows: Signal<Vec<RunnerId>>,
    /// Follow (true) or unfollow (false) a runner.
    toggle: Callback<(RunnerId, bool)>,
    /// The runner whose panel is open.
    focus: RwSignal<Option<RunnerId>>,
) -> impl IntoView {
    let show_all = RwSignal::new(false);
    // The whole board, fetched page by page while "Show all" is on.
    let all = RwSignal::new(None::<Vec<Standing>>);
    let total = move || {
        race.board
            .with(|b| b.as_ref().map_or(0, |b| b.runners.max(b.standings.len())))
    };
    let loaded = move || all.with(|a| a.as_ref().map_or(0, Vec::len));
    // The top of the board and every followed runner; the rest on request (a
    // thousand rows would cost a phone every refresh).
    let rows = move || {
        if show_all.get()
            && let Some(rows) = all.get()
        {
            return rows;
        }
        follows.with(|f| {
            race.board.with(|b| {
                b.as_ref().map_or_else(Vec::new, |b| {
                    b.standings
                        .iter()
                        .enumerate()
                        .filter(|(i, s)| *i < TOP_ROWS || f.contains(&s.bib))
                        .map(|(_, s)| s.clone())
                        .collect()
                })
            })
        })
    };
    let toggle_all = move |_| {
        let on = !show_all.get_untracked();
        show_all.set(on);
        // Each time it opens, the board as it is now.
        all.set(None);
        if on {
            fetch_page(all);
        }
    };
    view! {
        <section class="panel leaderboard" aria-labelledby="board-title">
            <h2 id="board-title">"Leaderboard"</h2>
            {move || race.board.with(Option::is_none).then(|| view! {
                <p class="muted">"No event on this server: follow runners by id above."</p>
            })}
            <div class="table-scroll">
            <table class="board">
                <thead><tr>
                    <th scope="col">"#"</th><th scope="col">"Runner"</th>
                    <th scope="col">"Distance"</th><th scope="col">"Gap"</th><th scope="col">"Pace"</th>
                    <th scope="col"><span class="visually-hidden">"Follow"</span></th>
                </tr></thead>
                <tbody>
                    <For each=rows key=row_key children=move |s| {
                        let bib = s.bib.clone();
                        let followed = { let bib = bib.clone(); Memo::new(move |_| follows.with(|f| f.contains(&bib))) };
                        let focus_bib = bib.clone();
                        let toggle_bib = bib.clone();
                        let focused = { let bib = bib.clone(); move || focus.with(|f| f.as_ref() == Some(&bib)) };
                        view! {
                            <tr data-runner=bib.to_string() data-status=s.status.label() class:followed=move || followed.get() class:focused=focused>
                                <td class="pos">{if s.last_seen_ms.is_some() && s.position > 0 { s.position.to_string() } else { "–".to_owned() }}</td>
                                // Named by what it shows ("7 Margaret Hamilton"): a name that differs
                                // from the visible text fails speech users (WCAG 2.5.3).
                                <td class="name"><button type="button" class="link"
                                    on:click=move |_| focus.set(Some(focus_bib.clone()))>
                                    <span class="bib">{bib.to_string()}</span>" "{s.name.clone()}</button>
                                    {s.status.out_of_race().map(|_| view! {
                                        <small class="verdict">{format::status(&s, 0)}</small>
                                    })}
                                    {no_signal(&s).map(|last| view! {
                                        <small class="no-signal">{move || format::no_signal_since(last, race.utc_offset_min())}</small>
                                    })}</td>
                                <td class="distance">{format::distance(s.distance_m)}</td>
                                <td class="gap">{format::standing_gap(&s)}</td>
                                <td class="pace">{format::pace(s.pace_s_per_km)}</td>
                                <td><button type="button" class="follow-toggle"
                                    aria-pressed=move || followed.get().to_string()
                                    aria-label=format!("Follow {} ({})", s.name, bib)
                                    on:click=move |_| toggle.run((toggle_bib.clone(), !followed.get_untracked()))>
                                    <span aria-hidden="true">{move || if followed.get() { "★" } else { "☆" }}</span></button></td>
                            </tr>
                        }
                    }/>
                </tbody>
            </table>
            </div>
            {move || (show_all.get() && loaded() > 0 && loaded() < total()).then(|| view! {
                <button type="button" class="show-more" on:click=move |_| fetch_page(all)>
                    {move || format!("Show more ({} of {})", loaded(), total())}
                </button>
            })}
            {move || (total() > TOP_ROWS).then(|| view! {
                <button type="button" class="show-all" aria-expanded=move || show_all.get().to_string()
                    on:click=toggle_all>
                    {move || if show_all.get() { "Show the top only".to_owned() } else { format!("Show all {}", total()) }}
                </button>
            })}
        </section>
    }
}
