//! Runners on a map: each followed runner's trail and a labelled marker, drawn as SVG.
//!
//! The view fits itself to every point on screen (with a minimum span, so one runner
//! is not zoomed to a pixel). Positions are projected equirectangularly around the
//! middle latitude, which is exact enough at the scale of a race course. A tiled slippy
//! map replaces this in the spectator-experience work; the projection math stays
//! useful for tests and the no-tiles fallback.

use std::collections::{BTreeMap, VecDeque};

use leptos::prelude::*;

use crate::protocol::RunnerId;

/// Points kept per trail.
pub const TRAIL_POINTS: usize = 120;
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 600.0;
const PAD: f64 = 40.0;
/// Smallest span shown, in degrees of latitude (about 330 m).
const MIN_SPAN_DEG: f64 = 0.003;
const COLOURS: [&str; 8] = [
    "#e4572e", "#2e86ab", "#4caf50", "#9c27b0", "#ff9800", "#00897b", "#d81b60", "#5c6bc0",
];

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

/// The map: trails and markers of `tracks`, or a hint when there is nothing to show.
#[component]
pub fn TrackMap(
    /// Followed runners' tracks.
    tracks: Signal<BTreeMap<RunnerId, Track>>,
    /// How many runners are followed (to choose the empty-state hint).
    followed: Signal<usize>,
) -> impl IntoView {
    let drawing = move || {
        tracks.with(|tracks| {
            let projection = Projection::fit(
                tracks.values().flat_map(|t| t.points.iter().map(|&(lat, lng, _)| (lat, lng))),
            );
            let Some(projection) = projection else {
                let hint = if followed.get() == 0 {
                    "Follow a runner to see them here"
                } else {
                    "Waiting for positions…"
                };
                return view! {
                    <text class="map-hint" x=WIDTH / 2.0 y=HEIGHT / 2.0 text-anchor="middle">{hint}</text>
                }
                .into_any();
            };
            tracks
                .iter()
                .enumerate()
                .filter_map(|(i, (id, track))| {
                    let (lat, lng, ts) = track.last()?;
                    let colour = COLOURS[i % COLOURS.len()];
                    let trail: String = track
                        .points
                        .iter()
                        .map(|&(lat, lng, _)| {
                            let (x, y) = projection.project(lat, lng);
                            format!("{x:.1},{y:.1} ")
                        })
                        .collect();
                    let (x, y) = projection.project(lat, lng);
                    Some(view! {
                        <g class="runner" data-runner=id.to_string() data-lat=lat.to_string()
                            data-lng=lng.to_string() data-ts=ts.to_string()>
                            <polyline class="trail" points=trail stroke=colour/>
                            <circle class="marker" cx=format!("{x:.1}") cy=format!("{y:.1}") r="9" fill=colour/>
                            <text class="marker-label" x=format!("{:.1}", x + 13.0) y=format!("{:.1}", y + 5.0)>
                                {id.to_string()}
                            </text>
                        </g>
                    })
                })
                .collect_view()
                .into_any()
        })
    };
    view! {
        <svg class="track-map" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label="Map of followed runners">
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
