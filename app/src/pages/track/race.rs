//! The runner's own race on their page, from their leaderboard row: done and to go,
//! rank, pace, the next checkpoint and when they should reach it, the finish, and
//! their last splits. Big figures: read at arm's length, while running.

use leptos::prelude::*;

use crate::{
    components::splits::{SplitsTable, use_runner_splits},
    format,
    protocol::{
        RunnerId,
        race::{Standing, Status},
    },
    race_data::{RaceSignals, use_clock},
};

/// How many of their latest splits the runner sees (the panel spectators open has
/// them all): the page must stay short enough to read on the move.
const LAST_SPLITS: usize = 3;

/// The runner's race, from their leaderboard row: done and to go, rank, pace, the
/// next checkpoint and the finish, with when they should reach them, and their last
/// splits.
#[component]
pub fn TrackRace(
    /// Whose race.
    runner: RunnerId,
    /// Their row, once the server has one.
    row: Signal<Option<Standing>>,
    /// The server's clock at the first paint.
    now_ms: u64,
    /// The event and board (the field's size).
    race: RaceSignals,
) -> impl IntoView {
    let now = use_clock(now_ms);
    let field = move || {
        race.board
            .with(|b| b.as_ref().map_or(0, |b| b.runners.max(b.standings.len())))
    };
    let fact =
        |label: &'static str, id: &'static str, value: Box<dyn Fn() -> String + Send + Sync>| {
            view! { <div><dt>{label}</dt><dd data-testid=id>{value}</dd></div> }
        };
    let with =
        move |f: fn(&Standing, u64, usize) -> String| -> Box<dyn Fn() -> String + Send + Sync> {
            Box::new(move || {
                let (t, n) = (now.get(), field());
                row.with(|s| s.as_ref().map_or("–".to_owned(), |s| f(s, t, n)))
            })
        };
    let splits = use_runner_splits(runner, race);
    let last_splits = Signal::derive(move || {
        splits.with(|all| all[all.len().saturating_sub(LAST_SPLITS)..].to_vec())
    });
    let started = move || row.with(|s| s.as_ref().is_some_and(|s| s.last_seen_ms.is_some()));
    view! {
        <section class="track-race" aria-label="Your race">
            {move || (!started()).then(|| view! {
                <p class="muted">"Your race shows here from your first position."</p>
            })}
            <dl class="track-facts">
                {fact("Done", "track-done", with(|s, _, _| format::distance(s.distance_m)))}
                {fact("To go", "track-to-go", with(|s, _, _| format::distance((s.finish.distance_m - s.distance_m).max(0.0))))}
                {fact("Rank", "track-rank", with(|s, _, n| if s.last_seen_ms.is_some() && s.position > 0 { format!("{} of {n}", s.position) } else { "–".to_owned() }))}
                {fact("Pace", "track-pace", with(|s, _, _| format::pace(s.pace_s_per_km)))}
                {fact("Next checkpoint", "track-next", with(|s, _, _| match (&s.next_checkpoint, s.status) {
                    (_, Status::Finished) => "none: you finished".to_owned(),
                    (Some(c), _) => format!("{}, {} away", c.name, format::distance((c.distance_m - s.distance_m).max(0.0))),
                    (None, _) => "the finish".to_owned(),
                }))}
                {fact("Reach it", "track-next-eta", with(|s, now, _| match &s.next_checkpoint {
                    Some(c) if s.status != Status::Finished => format::eta(now, c.eta_ms),
                    _ => format::eta(now, s.finish.eta_ms),
                }))}
                {fact("Finish", "track-finish", with(|s, now, _| if s.finished_ms.is_some() { "finished".to_owned() } else { format::eta(now, s.finish.eta_ms) }))}
            </dl>
            <SplitsTable splits=last_splits/>
        </section>
    }
}
