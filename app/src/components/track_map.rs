//! The static map ([`StaticMap`], SVG) that the server renders before the live map
//! takes over, and [`Track`], a followed runner's recent fixes.
//!
//! The view fits itself to every point on screen (with a minimum span, so one runner
//! is not zoomed to a pixel). Positions are projected equirectangularly around the
//! middle latitude, which is exact enough at the scale of a race course.

use std::collections::VecDeque;

use leptos::prelude::*;

use super::live_map::declutter::{
    Label, MARK_SIDES, Placement, RUNNER_SIDES, Rank, Rect, Side, declutter,
};
use crate::{
    protocol::{
        RunnerId,
        race::{Standing, Status},
    },
    race_data::RaceSignals,
};

/// Points kept per trail.
pub const TRAIL_POINTS: usize = 120;
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 600.0;
const PAD: f64 = 40.0;
/// Smallest span shown, in degrees of latitude (about 330 m).
const MIN_SPAN_DEG: f64 = 0.003;

/// One runner's recent fixes, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Track {
    /// `(lat, lng, ts_ms)` of each fix.
    pub points: VecDeque<(f64, f64, u64)>,
}

impl Track {
    /// Appends a fix, ignoring repeats and fixes older than the newest one.
    pub fn push(&mut self, lat: f64, lng: f64, ts: u64) {
        if self.points.back().is_some_and(|&(_, _, last)| ts <= last) {
            return;
        }
        if self.points.len() == TRAIL_POINTS {
            self.points.pop_front();
        }
        self.points.push_back((lat, lng, ts));
    }

    /// The newest fix.
    pub fn last(&self) -> Option<(f64, f64, u64)> {
        self.points.back().copied()
    }

    /// Speed in km/h at each fix, measured as the board measures pace (see
    /// [`crate::pace`]): the distance covered over the pace window up to the fix, the
    /// track taken in legs long enough for GPS noise not to add up.
    pub fn speeds(&self) -> Vec<(u64, f64)> {
        let points: Vec<(f64, f64, u64)> = self.points.iter().copied().collect();
        crate::pace::speeds(&crate::pace::track_distances(&points))
            .into_iter()
            .map(|(t, mps)| (t, mps * 3.6))
            .collect()
    }
}

/// Maps degrees to the SVG's pixel box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    mid_lat_cos: f64,
    centre_x: f64,
    centre_y: f64,
    scale: f64,
}

impl Projection {
    /// Fits every `(lat, lng)` into the box.
    pub fn fit(points: impl Iterator<Item = (f64, f64)>) -> Option<Self> {
        let (mut lat0, mut lat1, mut lng0, mut lng1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lat, lng) in points {
            lat0 = lat0.min(lat);
            lat1 = lat1.max(lat);
            lng0 = lng0.min(lng);
            lng1 = lng1.max(lng);
        }
        if lat0 > lat1 {
            return None;
        }
        let mid_lat_cos = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.01);
        let span_x = ((lng1 - lng0) * mid_lat_cos).max(MIN_SPAN_DEG);
        let span_y = (lat1 - lat0).max(MIN_SPAN_DEG);
        let scale = ((WIDTH - 2.0 * PAD) / span_x).min((HEIGHT - 2.0 * PAD) / span_y);
        Some(Self {
            mid_lat_cos,
            centre_x: (lng0 + lng1) / 2.0 * mid_lat_cos,
            centre_y: (lat0 + lat1) / 2.0,
            scale,
        })
    }

    /// Pixel position of a coordinate.
    pub fn project(&self, lat: f64, lng: f64) -> (f64, f64) {
        let x = WIDTH / 2.0 + (lng * self.mid_lat_cos - self.centre_x) * self.scale;
        let y = HEIGHT / 2.0 - (lat - self.centre_y) * self.scale;
        (x, y)
    }
}

/// Pixels between a runner's dot and their label on the static map.
const STATIC_LABEL_GAP: f64 = 11.0;

/// Where the static map's labels go: `marks` (text, point), then one placement per
/// runner of `dots` (standing, followed, point) whose `labels` entry is some. Text
/// sizes are estimated (bold 18 px runner labels, 15 px checkpoint labels).
fn static_labels(
    marks: &[(String, (f64, f64))],
    dots: &[(&Standing, bool, (f64, f64))],
    labels: &[Option<String>],
) -> Vec<Placement> {
    let width = |text: &str, per_char: f64| text.chars().count() as f64 * per_char + 4.0;
    let mut boxes: Vec<Label> = marks
        .iter()
        .map(|(name, at)| Label {
            at: *at,
            size: (width(name, 9.0), 20.0),
            gap: 6.0,
            pointer: 0.0,
            rank: Rank::Mark,
            was_shown: false,
            sides: MARK_SIDES,
        })
        .collect();
    let mut obstacles: Vec<(Rect, Option<usize>)> = marks
        .iter()
        .map(|(_, at)| (Rect::around(*at, 6.0), None))
        .collect();
    for ((_, followed, (x, y)), label) in dots.iter().zip(labels) {
        if *followed {
            obstacles.push((Rect::around((*x, *y), 9.0), Some(boxes.len())));
        }
        boxes.push(Label {
            // The text's middle sits a little above the dot's.
            at: (*x, *y - 2.0),
            size: label
                .as_deref()
                .map_or((0.0, 0.0), |t| (width(t, 11.0), 22.0)),
            gap: STATIC_LABEL_GAP - 2.0,
            pointer: 0.0,
            rank: if *followed {
                Rank::Followed
            } else {
                Rank::Field
            },
            was_shown: false,
            sides: RUNNER_SIDES,
        });
    }
    // The SVG's own box: a label never runs off the picture if a side inside is free.
    let frame = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: WIDTH,
        y1: HEIGHT,
    };
    declutter(&boxes, &obstacles, Some(frame))
}

/// The static map: the course, its marks, and every runner's last known position
/// from the board, as SVG. The server renders it for the first paint; the live map
/// replaces it once Leaflet is up (and a browser without scripts keeps it).
#[component]
pub fn StaticMap(
    /// The event and its board.
    race: RaceSignals,
    /// Followed runners (drawn larger, labelled with their name).
    follows: Signal<Vec<RunnerId>>,
) -> impl IntoView {
    let drawing = move || {
        race.event.with(|event| race.board.with(|board| {
            let line: Vec<(f64, f64)> = event
                .as_ref()
                .map(|e| e.line.iter().map(|&[a, b]| (a, b)).collect())
                .unwrap_or_default();
            let runners: Vec<(&Standing, f64, f64)> = board
                .iter()
                .flat_map(|b| &b.standings)
                .filter_map(|s| s.at.map(|[lat, lng]| (s, lat, lng)))
                .collect();
            // The event's size, not the rows the page was sent (the top of the board).
            let field = event
                .as_ref()
                .map_or(0, |e| e.runners.max(e.entrants.len()))
                .max(runners.len());
            let projection = Projection::fit(
                line.iter()
                    .copied()
                    .chain(runners.iter().map(|&(_, a, b)| (a, b))),
            );
            let Some(projection) = projection else {
                let hint = if follows.with(Vec::is_empty) {
                    "Follow a runner to see them here"
                } else {
                    "Waiting for positions…"
                };
                return view! {
                    <text class="map-hint" x=WIDTH / 2.0 y=HEIGHT / 2.0 text-anchor="middle">{hint}</text>
                }
                .into_any();
            };
            let course: String = line
                .iter()
                .map(|&(lat, lng)| {
                    let (x, y) = projection.project(lat, lng);
                    format!("{x:.1},{y:.1} ")
                })
                .collect();
            // Labels that would overlap are left out, as on the live map: checkpoints
            // first, then followed runners, then the field (sizes estimated from the
            // text: this map is a stand-in until the live one is up).
            let marks: Vec<(String, (f64, f64))> = event
                .iter()
                .flat_map(|e| super::live_map::drawn_marks(&e.marks))
                .map(|(name, at, _)| (name, projection.project(at[0], at[1])))
                .collect();
            let dots: Vec<(&Standing, bool, (f64, f64))> = runners
                .iter()
                .map(|&(s, lat, lng)| {
                    (s, follows.with(|f| f.contains(&s.bib)), projection.project(lat, lng))
                })
                .collect();
            let runner_labels: Vec<Option<String>> = dots
                .iter()
                .map(|(s, followed, _)| {
                    // Names for followed runners; bibs while the field is small enough
                    // to read.
                    if *followed {
                        Some(format!("{} {}", s.bib, s.name))
                    } else {
                        (field <= super::live_map::LABEL_ALL_UP_TO).then(|| s.bib.to_string())
                    }
                })
                .collect();
            let placed = static_labels(&marks, &dots, &runner_labels);
            let (mark_places, runner_places) = placed.split_at(marks.len());
            let marks = marks
                .into_iter()
                .zip(mark_places)
                .map(|((name, (x, y)), p)| {
                    view! {
                        <circle class="mark" cx=format!("{x:.1}") cy=format!("{y:.1}") r="6"/>
                        {p.shown.then(|| view! {
                            <text class="mark-text" x=format!("{x:.1}") y=format!("{:.1}", y - 10.0) text-anchor="middle">{name}</text>
                        })}
                    }
                })
                .collect_view();
            let dots = dots
                .into_iter()
                .zip(runner_labels)
                .zip(runner_places)
                .map(|(((s, followed, (x, y)), label), p)| {
                    let label = label.filter(|_| p.shown).map(|label| {
                        let (lx, ly, anchor) = match p.side {
                            Side::Left => (x - STATIC_LABEL_GAP, y + 4.0, "end"),
                            Side::Bottom => (x, y + STATIC_LABEL_GAP + 16.0, "middle"),
                            Side::Top => (x, y - STATIC_LABEL_GAP - 2.0, "middle"),
                            Side::Right => (x + STATIC_LABEL_GAP, y + 4.0, "start"),
                        };
                        view! {
                            <text class="marker-label" x=format!("{lx:.1}") y=format!("{ly:.1}") text-anchor=anchor>{label}</text>
                        }
                    });
                    view! {
                        <g class="runner" class:followed=followed class:stale=s.status == Status::Stale
                            data-runner=s.bib.to_string() data-lat=s.at.map(|a| a[0].to_string()) data-lng=s.at.map(|a| a[1].to_string())>
                            <circle class="marker" cx=format!("{x:.1}") cy=format!("{y:.1}") r=if followed { "9" } else { "6" }/>
                            {label}
                        </g>
                    }
                })
                .collect_view();
            view! {
                <polyline class="course" points=course/>
                {marks}
                {dots}
            }
            .into_any()
        }))
    };
    view! {
        <svg class="track-map static-map" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label="Map of the course and the runners' last known positions">
            <rect class="map-bg" width=WIDTH height=HEIGHT/>
            {drawing}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_keeps_points_inside_the_box() {
        let pts = [(37.24, -121.97), (37.25, -121.95), (37.23, -121.96)];
        let p = Projection::fit(pts.iter().copied()).unwrap();
        for (lat, lng) in pts {
            let (x, y) = p.project(lat, lng);
            assert!((PAD - 0.01..=WIDTH - PAD + 0.01).contains(&x), "{x}");
            assert!((PAD - 0.01..=HEIGHT - PAD + 0.01).contains(&y), "{y}");
        }
        // North is up.
        assert!(p.project(37.25, -121.96).1 < p.project(37.23, -121.96).1);
    }

    #[test]
    fn a_single_point_sits_in_the_middle() {
        let p = Projection::fit([(10.0, 20.0)].into_iter()).unwrap();
        assert_eq!(p.project(10.0, 20.0), (WIDTH / 2.0, HEIGHT / 2.0));
        assert!(Projection::fit(std::iter::empty()).is_none());
    }

    #[test]
    fn speeds_come_from_the_distance_covered() {
        let mut t = Track::default();
        // 0.001 degree of latitude is about 111 m; one every 30 s is 13.3 km/h.
        for i in 0..5u64 {
            t.push(10.0 + 0.001 * i as f64, 20.0, i * 30_000);
        }
        let speeds = t.speeds();
        assert_eq!(speeds.len(), 4);
        for (_, v) in speeds {
            assert!((v - 13.34).abs() < 0.1, "{v}");
        }
    }

    #[test]
    fn tracks_ignore_stale_fixes_and_stay_bounded() {
        let mut t = Track::default();
        t.push(1.0, 1.0, 10);
        t.push(2.0, 2.0, 5);
        assert_eq!(t.last(), Some((1.0, 1.0, 10)));
        for i in 0..500 {
            t.push(0.0, 0.0, 11 + i);
        }
        assert_eq!(t.points.len(), TRAIL_POINTS);
    }
}
