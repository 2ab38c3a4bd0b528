//! One runner's panel: bib, name, status, distance, pace, ETAs to the next
//! checkpoint and the finish, last seen; and their speed over time, from the fixes
//! the page receives, measured as the board measures pace (`crate::pace`) so the two
//! agree.

use leptos::prelude::*;

use crate::{
    components::{
        chart_model::XAxis,
        live_chart::{Chart, LiveChart},
        share::ShareButton,
        splits::{SplitsTable, use_runner_splits},
        track_map::Track,
    },
    format,
    protocol::{RunnerId, race::Status, splits::race_time},
    race_data::RaceSignals,
};

/// The brand's orange (`--brand` in the style sheet), for the runner's own series.
const BRAND: &str = "#c4400e";

/// The panel of `runner`.
#[component]
#[allow(clippy::needless_pass_by_value)] // Leptos props are owned.
pub fn RunnerPanel(
    /// Whose panel.
    runner: RunnerId,
    /// Event and board.
    race: RaceSignals,
    /// Their recent fixes, if followed.
    track: Signal<Option<Track>>,
    /// Whether they are followed (only followed runners' fixes are kept).
    followed: Signal<bool>,
    /// The page's clock, ms since the Unix epoch.
    now_ms: Signal<u64>,
    /// Closes the panel.
    close: Callback<()>,
) -> impl IntoView {
    let splits = use_runner_splits(runner.clone(), race);
    let bib = runner.clone();
    let standing = Memo::new(move |_| {
        race.board.with(|b| {
            b.as_ref()
                .and_then(|b| b.standings.iter().find(|s| s.bib == bib).cloned())
        })
    });
    // Clock times in the event's time zone, as the board's "no signal since" is.
    let offset_min = race
        .event
        .with_untracked(|e| e.as_ref().map(|e| e.utc_offset_min));
    let chart = Chart::new(
        offset_min.map_or_else(XAxis::local_time, |offset_min| XAxis::Time { offset_min }),
        Some(600e3),
        &[("Speed", BRAND, "km/h")],
    )
    .with_axis_titles("Speed (km/h)", "Time of day");
    // A runner without signal has no speed now: the legend gives none, as the board
    // gives no pace.
    Effect::new(move |_| {
        let silent = standing.with(|s| s.as_ref().is_some_and(|s| s.status == Status::Stale));
        chart.show_latest(0, !silent);
    });
    Effect::new(move |_| {
        track.with(|t| {
            chart.clear(0);
            if let Some(t) = t {
                for (at, kmh) in t.speeds() {
                    chart.push(0, at as f64, kmh);
                }
            }
        });
    });
    // The course's elevation profile, with the runner on it. The legend gives the
    // runner's elevation; the course's last point (the finish) is no figure to show.
    let profile = Chart::new(
        XAxis::Metres,
        None,
        &[("Course", "#5f6b7a", "m"), ("Runner", BRAND, "m")],
    )
    .without_latest(0)
    .with_axis_titles("Elevation (m)", "Distance (km)");
    let has_profile = Memo::new(move |_| {
        race.event
            .with(|e| e.as_ref().is_some_and(|e| !e.profile.is_empty()))
    });
    Effect::new(move |_| {
        race.event.with(|event| {
            let Some(event) = event else { return };
            profile.clear(0);
            for &[d, e] in &event.profile {
                profile.push(0, d, e);
            }
        });
    });
    Effect::new(move |_| {
        let at = standing.with(|s| {
            s.as_ref()
                .filter(|s| s.last_seen_ms.is_some())
                .map(|s| s.distance_m)
        });
        profile.clear(1);
        if let Some(d) = at
            && let Some(e) = race
                .event
                .with_untracked(|e| e.as_ref().and_then(|e| elevation_at(&e.profile, d)))
        {
            profile.push(1, d, e);
        }
    });
    // A runner of the field outside the top of the board has no row here: their name
    // comes from the entrants.
    let entrant = runner.clone();
    let name = move || {
        standing.get().map(|s| s.name).unwrap_or_else(|| {
            race.event.with(|e| {
                e.as_ref()
                    .and_then(|e| e.entrant(&entrant))
                    .map_or_else(|| "Not in this event".to_owned(), |e| e.name.clone())
            })
        })
    };
    let (share_title, share_label) = {
        let (a, b) = (name.clone(), name.clone());
        (
            Signal::derive(move || format!("Follow {} live", a())),
            Signal::derive(move || format!("Share a link to follow {}", b())),
        )
    };
    let line = |label: &'static str, value: Box<dyn Fn() -> String + Send + Sync>| {
        view! { <div><dt>{label}</dt><dd>{value}</dd></div> }
    };
    let with = move |f: fn(&crate::protocol::race::Standing, u64) -> String| -> Box<dyn Fn() -> String + Send + Sync> {
        Box::new(move || {
            let now = now_ms.get();
            standing.with(|s| s.as_ref().map_or("–".to_owned(), |s| f(s, now)))
        })
    };
    let last_seen = move || {
        let now = now_ms.get();
        let board_seen = standing.with(|s| s.as_ref().and_then(|s| s.last_seen_ms));
        let live_seen = track.with(|t| t.as_ref().and_then(Track::last).map(|p| p.2));
        board_seen
            .max(live_seen)
            .map_or("no fix yet".to_owned(), |t| format::ago(now, t))
    };
    view! {
        <section class="panel runner-panel" data-runner=runner.to_string() aria-labelledby="runner-title">
            <header class="panel-head">
                <h2 id="runner-title"><span class="bib">{runner.to_string()}</span>" "{name}</h2>
                <div class="panel-tools">
                    <ShareButton path=format!("/?follow={runner}")
                        title=share_title label=share_label/>
                    <button type="button" class="close" aria-label="Close the runner panel" on:click=move |_| close.run(())>"×"</button>
                </div>
            </header>
            <dl class="facts">
                {line("Status", Box::new(move || {
                    let offset = race.utc_offset_min();
                    standing.with(|s| s.as_ref().map_or("–".to_owned(), |s| format::status(s, offset)))
                }))}
                {line("Distance", with(|s, _| format::distance(s.distance_m)))}
                {line("Pace", with(|s, _| format::pace(s.pace_s_per_km)))}
                {line("Position", with(|s, _| if s.last_seen_ms.is_some() && s.position > 0 { format!("{} · {}", s.position, format::standing_gap(s)) } else { "–".to_owned() }))}
                {line("Next", with(|s, now| s.next_checkpoint.as_ref().map_or("–".to_owned(), |c| match c.eta_ms { Some(_) => format!("{} {}", c.name, format::eta(now, c.eta_ms)), None => c.name.clone() })))}
                {line("Finish", with(finish))}
                <div><dt>"Last seen"</dt><dd class="last-seen">{last_seen}</dd></div>
            </dl>
            <SplitsTable splits=splits/>
            {move || (!followed.get()).then(|| view! {
                <p class="muted">"Follow this runner to chart their speed."</p>
            })}
            <LiveChart chart=chart label=format!("Speed of runner {runner}") controls=false/>
            {move || has_profile.get().then(|| view! {
                <div class="profile-chart">
                    <LiveChart chart=profile label="Elevation along the course, and where the runner is".to_owned() controls=false/>
                </div>
            })}
        </section>
    }
}

/// The finish line of the panel: the ETA with the projected finish time beside it
/// ("in 12 min · projected 1:02:30"), or the time once finished.
fn finish(s: &crate::protocol::race::Standing, now: u64) -> String {
    match (s.finished_ms, s.finish_time_ms) {
        (Some(_), Some(time)) => format!("finished in {}", race_time(time)),
        (Some(_), None) => "finished".to_owned(),
        (None, Some(time)) if s.finish.eta_ms.is_some() => format!(
            "{} · projected {}",
            format::eta(now, s.finish.eta_ms),
            race_time(time)
        ),
        (None, _) => format::eta(now, s.finish.eta_ms),
    }
}

/// Elevation at `d` metres, interpolated along a `[metres, elevation]` profile.
pub fn elevation_at(profile: &[[f64; 2]], d: f64) -> Option<f64> {
    let i = profile.partition_point(|p| p[0] <= d);
    match (
        i.checked_sub(1).and_then(|j| profile.get(j)),
        profile.get(i),
    ) {
        (Some(a), Some(b)) if b[0] > a[0] => {
            Some(a[1] + (b[1] - a[1]) * (d - a[0]) / (b[0] - a[0]))
        }
        (Some(a), _) => Some(a[1]),
        (None, Some(b)) => Some(b[1]),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elevation_is_interpolated_along_the_profile() {
        let profile = [[0.0, 100.0], [100.0, 110.0], [200.0, 90.0]];
        assert_eq!(elevation_at(&profile, 50.0), Some(105.0));
        assert_eq!(elevation_at(&profile, 150.0), Some(100.0));
        assert_eq!(elevation_at(&profile, 500.0), Some(90.0));
        assert_eq!(elevation_at(&[], 5.0), None);
    }
}
