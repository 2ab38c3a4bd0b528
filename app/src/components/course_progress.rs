//! "Your runners": every followed runner on the course's elevation profile at once (a
//! progress bar from start to finish, with the checkpoints), and beside each their
//! distance, finish ETA and projected finish time (from their current pace), or their
//! time once they finished. It reads the board's rows of the followed runners, which
//! the server pushes; nothing here is computed in the page but the drawing.

use leptos::prelude::*;

use crate::{
    components::{runner_panel::elevation_at, split_alerts::NotifyButton},
    format,
    protocol::{
        RunnerId,
        race::{EventInfo, Standing, Status},
        splits::race_time,
    },
    race_data::RaceSignals,
};

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 150.0;
/// The band the profile is drawn in (labels of marks below it, runners above).
const TOP: f64 = 34.0;
const BOTTOM: f64 = 120.0;

/// Where things go on the drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    course_m: f64,
    low: f64,
    high: f64,
}

impl Scale {
    /// The scale of `event`'s course and profile.
    pub fn of(event: &EventInfo) -> Self {
        let (low, high) = event
            .profile
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[1]), hi.max(p[1]))
            });
        Self {
            course_m: event.course_m.max(1.0),
            low: if low.is_finite() { low } else { 0.0 },
            high: if high.is_finite() { high } else { 0.0 },
        }
    }

    /// The x of `d` metres along.
    pub fn x(&self, d: f64) -> f64 {
        (d / self.course_m).clamp(0.0, 1.0) * WIDTH
    }

    /// The y of an elevation (the middle of the band on a flat or unknown profile).
    pub fn y(&self, elevation: Option<f64>) -> f64 {
        match elevation {
            // At least 20 m of range, so a flat course does not look like the Alps.
            Some(e) if self.high > self.low => {
                let range = (self.high - self.low).max(20.0);
                let mid = (self.high + self.low) / 2.0;
                let top = mid + range / 2.0;
                TOP + (top - e) / range * (BOTTOM - TOP)
            }
            _ => (TOP + BOTTOM) / 2.0,
        }
    }
}

/// The SVG path of the profile's area (a flat band without elevations).
pub fn profile_path(event: &EventInfo, scale: &Scale) -> String {
    let mut d = format!("M0,{BOTTOM}");
    if event.profile.is_empty() {
        let y = scale.y(None);
        d.push_str(&format!(" L0,{y:.1} L{WIDTH},{y:.1}"));
    } else {
        for p in &event.profile {
            d.push_str(&format!(
                " L{:.1},{:.1}",
                scale.x(p[0]),
                scale.y(Some(p[1]))
            ));
        }
    }
    d.push_str(&format!(" L{WIDTH},{BOTTOM} Z"));
    d
}

/// "finish in 12 min · projected 1:02:30", "finished in 58:40", "not started",
/// "DNF — knee injury".
pub fn finish_line(row: &Standing, now_ms: u64) -> String {
    if row.status.out_of_race().is_some() {
        return crate::format::status(row, 0);
    }
    match row.status {
        Status::Finished => row.finish_time_ms.map_or_else(
            || "finished".to_owned(),
            |t| format!("finished in {}", race_time(t)),
        ),
        Status::NotStarted if row.last_seen_ms.is_none() => "not started".to_owned(),
        // The board gives a silent runner no pace, so no ETA either.
        Status::Stale => "no signal: no ETA".to_owned(),
        _ => match (row.finish.eta_ms, row.finish_time_ms) {
            (Some(eta), Some(time)) => format!(
                "finish {} · projected {}",
                format::eta(now_ms, Some(eta)),
                race_time(time)
            ),
            (Some(eta), None) => format!("finish {}", format::eta(now_ms, Some(eta))),
            _ => "no pace yet".to_owned(),
        },
    }
}

/// The panel; nothing without an event or a followed runner.
#[component]
pub fn CourseProgress(
    /// Event and board.
    race: RaceSignals,
    /// Followed runners, in the order followed.
    follows: Signal<Vec<RunnerId>>,
    /// The page's clock.
    now_ms: Signal<u64>,
    /// Opens a runner's panel.
    focus: RwSignal<Option<RunnerId>>,
) -> impl IntoView {
    let scale = Memo::new(move |_| race.event.with(|e| e.as_ref().map(Scale::of)));
    let path = Memo::new(move |_| {
        race.event.with(|e| {
            e.as_ref()
                .zip(scale.get())
                .map(|(e, s)| profile_path(e, &s))
        })
    });
    // Each followed runner with their row, if the board has one.
    let rows = Memo::new(move |_| {
        follows.with(|f| {
            race.board.with(|b| {
                f.iter()
                    .map(|bib| {
                        let row = b
                            .as_ref()
                            .and_then(|b| b.standings.iter().find(|s| s.bib == *bib).cloned());
                        (bib.clone(), row)
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let marks = move || {
        race.event.with(|e| {
            e.as_ref()
                .map(|e| e.marks.clone())
                .unwrap_or_default()
                .into_iter()
                .zip(std::iter::repeat(scale.get()))
                .filter_map(|(m, s)| Some((m, s?)))
                .collect::<Vec<_>>()
        })
    };
    let name_of = move |bib: &RunnerId, row: &Option<Standing>| {
        row.as_ref().map(|r| r.name.clone()).or_else(|| {
            race.event.with(|e| {
                e.as_ref()
                    .and_then(|e| e.entrant(bib))
                    .map(|e| e.name.clone())
            })
        })
    };
    let visible = move || race.event.with(Option::is_some) && follows.with(|f| !f.is_empty());
    move || {
        visible().then(|| view! {
            <section class="panel course-progress" aria-labelledby="progress-title">
                <h2 id="progress-title">"Your runners"</h2>
                // The drawing stretches to the panel's width; the labels and the runners'
                // dots sit on it as HTML, placed in percent, so text is never squashed.
                <div class="progress-drawing" role="img"
                    aria-label="The course from start to finish, its elevation, and where each followed runner is">
                    <svg class="progress-profile" viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" aria-hidden="true">
                        <path class="profile-area" d=move || path.get().unwrap_or_default()/>
                        {move || marks().into_iter().map(|(m, s)| {
                            let x = format!("{:.1}", s.x(m.distance_m));
                            view! { <line class="progress-mark" x1=x.clone() x2=x y1=TOP.to_string() y2=BOTTOM.to_string()/> }
                        }).collect_view()}
                    </svg>
                    {move || marks().into_iter().map(|(m, s)| {
                        let x = s.x(m.distance_m) / WIDTH * 100.0;
                        // The end labels stay inside the drawing.
                        let shift = if x < 4.0 { "0%" } else if x > 96.0 { "-100%" } else { "-50%" };
                        view! {
                            <span class="progress-mark-label" aria-hidden="true"
                                style=format!("left:{x:.2}%;top:{}px;transform:translateX({shift})", BOTTOM + 4.0)>
                                {m.name.clone()}
                            </span>
                        }
                    }).collect_view()}
                    {move || {
                        let Some(s) = scale.get() else { return Vec::new() };
                        let profile = race.event.with(|e| e.as_ref().map(|e| e.profile.clone()).unwrap_or_default());
                        rows.get().into_iter().enumerate().filter_map(|(i, (bib, row))| {
                            let row = row.filter(|r| r.last_seen_ms.is_some())?;
                            let x = s.x(row.distance_m) / WIDTH * 100.0;
                            let y = s.y(elevation_at(&profile, row.distance_m));
                            // Labels alternate in height, so neighbours overlap less.
                            let lift = if i % 2 == 0 { "" } else { " high" };
                            Some(view! {
                                <span class=format!("progress-runner{lift}") data-runner=bib.to_string() aria-hidden="true"
                                    style=format!("left:{x:.2}%;top:{y:.1}px")>
                                    <span class="progress-dot"></span>
                                    <span class="progress-bib">{bib.to_string()}</span>
                                </span>
                            })
                        }).collect::<Vec<_>>()
                    }}
                </div>
                <ul class="progress-list">
                    {move || rows.get().into_iter().map(|(bib, row)| {
                        let name = name_of(&bib, &row).unwrap_or_default();
                        let distance = row.as_ref().filter(|r| r.last_seen_ms.is_some()).map(|r| format::distance(r.distance_m));
                        let line = {
                            let row = row.clone();
                            move || row.as_ref().map_or_else(|| "not in this event".to_owned(), |r| finish_line(r, now_ms.get()))
                        };
                        let open = bib.clone();
                        view! {
                            <li data-runner=bib.to_string()>
                                <button type="button" class="link" on:click=move |_| focus.set(Some(open.clone()))>
                                    <span class="bib">{bib.to_string()}</span>" "{name}
                                </button>
                                {distance.map(|d| view! { <span class="progress-distance">{d}</span> })}
                                <span class="progress-finish">{line}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <NotifyButton/>
            </section>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::race::Ahead;

    fn row(status: Status, eta: Option<u64>, time: Option<u64>) -> Standing {
        Standing {
            position: 1,
            bib: RunnerId::parse("7").unwrap(),
            name: "Ada".into(),
            category: None,
            status,
            reason: None,
            distance_m: 5000.0,
            gap_m: 0.0,
            gap_s: None,
            pace_s_per_km: Some(300.0),
            last_seen_ms: Some(1),
            at: None,
            next_checkpoint: None,
            finish: Ahead {
                name: "finish".into(),
                distance_m: 10_000.0,
                eta_ms: eta,
            },
            finished_ms: None,
            finish_time_ms: time,
        }
    }

    #[test]
    fn the_finish_reads_as_an_eta_and_a_projected_time_then_the_time() {
        let running = row(Status::Running, Some(720_000), Some(3_750_000));
        assert_eq!(
            finish_line(&running, 0),
            "finish in 12 min · projected 1:02:30"
        );
        let done = row(Status::Finished, None, Some(3_520_000));
        assert_eq!(finish_line(&done, 0), "finished in 58:40");
        let mut out = row(Status::Dnf, None, None);
        out.reason = Some("knee injury".into());
        assert_eq!(finish_line(&out, 0), "DNF — knee injury");
        let slow = row(Status::Running, None, None);
        assert_eq!(finish_line(&slow, 0), "no pace yet");
        let silent = row(Status::Stale, None, None);
        assert_eq!(finish_line(&silent, 0), "no signal: no ETA");
    }

    #[test]
    fn the_profile_spans_the_drawing_and_a_flat_course_sits_in_the_middle() {
        let mut event = EventInfo {
            name: "x".into(),
            course_m: 1000.0,
            line: Vec::new(),
            marks: Vec::new(),
            profile: vec![[0.0, 100.0], [500.0, 140.0], [1000.0, 100.0]],
            entrants: Vec::new(),
            runners: 0,
            utc_offset_min: 0,
            field: String::new(),
            settings: String::new(),
        };
        let scale = Scale::of(&event);
        assert_eq!(scale.x(500.0), 500.0);
        assert_eq!(scale.x(5000.0), WIDTH);
        assert_eq!(scale.y(Some(140.0)), TOP);
        assert_eq!(scale.y(Some(100.0)), BOTTOM);
        assert!(profile_path(&event, &scale).starts_with("M0,120 L0.0,120.0 L500.0,34.0"));
        event.profile.clear();
        let flat = Scale::of(&event);
        assert_eq!(flat.y(Some(3.0)), (TOP + BOTTOM) / 2.0);
    }
}
