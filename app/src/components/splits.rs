//! A runner's split times as a table (checkpoint, time of day, elapsed, section pace,
//! rank), and [`use_runner_splits`], which keeps them fresh: fetched once from
//! `/api/runners/{bib}/splits`, then merged with each split the runner's topic brings.
//! The runner panel shows it; the runner's own page can show it the same way.

use leptos::prelude::*;

use crate::{
    format,
    live::LiveSocket,
    protocol::{
        EventData, RunnerId, ServerMsg, Topic,
        splits::{Split, merge, race_time},
    },
    race_data::RaceSignals,
};

/// The table of `splits` (point order).
#[component]
pub fn SplitsTable(
    /// The splits to show, first point first.
    #[prop(into)]
    splits: Signal<Vec<Split>>,
) -> impl IntoView {
    let empty = move || splits.with(Vec::is_empty);
    view! {
        <div class="splits-wrap">
            <table class="splits">
                <caption>"Splits"</caption>
                <thead><tr>
                    <th scope="col">"Checkpoint"</th>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Elapsed"</th>
                    <th scope="col">"Pace/km"</th>
                    <th scope="col"><span aria-hidden="true">"#"</span><span class="visually-hidden">"Rank"</span></th>
                </tr></thead>
                <tbody>
                    <For each=move || splits.get() key=|s| (s.point, s.at_ms, s.rank) children=|s| view! {
                        <tr data-point=s.point.to_string() class:finish=s.finish>
                            <th scope="row" class="checkpoint">{s.name.clone()}</th>
                            <td class="time">{s.time.clone()}</td>
                            <td class="elapsed">{s.elapsed_ms.map_or_else(|| "–".to_owned(), race_time)}</td>
                            // The unit is in the header: the table fits a phone.
                            <td class="pace">{format::pace(s.pace_s_per_km).trim_end_matches(" /km").to_owned()}</td>
                            <td class="rank">{s.rank.to_string()}</td>
                        </tr>
                    }/>
                </tbody>
            </table>
            {move || empty().then(|| view! {
                <p class="muted splits-empty">"No split yet: a time appears as the runner passes each checkpoint."</p>
            })}
        </div>
    }
}

/// `runner`'s splits: fetched once the event says they are one of its runners, then
/// kept up to date by every split on their topic (while the page follows them), and
/// fetched again when the socket had to start that topic over after a gap.
pub fn use_runner_splits(runner: RunnerId, race: RaceSignals) -> RwSignal<Vec<Split>> {
    let splits = RwSignal::new(Vec::<Split>::new());
    let entrant = {
        let runner = runner.clone();
        Memo::new(move |_| {
            race.event
                .with(|e| e.as_ref().is_some_and(|e| e.entrant(&runner).is_some()))
        })
    };
    // Asked at most once per cause: the panel's opening, each gap.
    let fetched = RwSignal::new(0u32);
    let wanted = RwSignal::new(1u32);
    {
        let runner = runner.clone();
        Effect::new(move |_| {
            let want = wanted.get();
            if entrant.get() && fetched.get_untracked() < want {
                fetched.set(want);
                fetch(runner.clone(), splits);
            }
        });
    }
    let topic = Topic::Runner(runner.clone());
    LiveSocket::expect().listen(Vec::new, move |msg| match msg {
        ServerMsg::Event {
            topic: t,
            data: EventData::Split { split, .. },
            ..
        } if *t == topic && split.bib == runner => {
            splits.update(|s| merge(s, split.as_ref().clone()));
        }
        ServerMsg::Snapshot {
            topic: t,
            gap: Some(_),
            ..
        } if *t == topic => wanted.update(|w| *w += 1),
        _ => {}
    });
    splits
}

/// GETs `runner`'s splits into `splits`.
fn fetch(runner: RunnerId, splits: RwSignal<Vec<Split>>) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let url = format!("/api/runners/{runner}/splits");
        match crate::race_data::fetch_json::<crate::protocol::splits::RunnerSplits>(&url).await {
            Ok(fresh) => splits.update(|s| {
                for split in fresh.splits {
                    merge(s, split);
                }
            }),
            Err(err) => leptos::logging::warn!("the splits of {runner} did not load: {err}"),
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (runner, splits);
}
