//! What a live chart holds and how it lays it out, apart from any drawing, so it can
//! be tested without a browser.
//!
//! Each series keeps at most [`POINTS_PER_SERIES`] points in a ring. Drawing 10,000
//! points 10 times a second would be wasteful: a chart is a few hundred pixels wide,
//! so [`ChartModel::columns`] reduces the visible points to, per pixel column, the
//! first, lowest, highest and last value (the "M4" reduction). A line through those
//! four per column is pixel-identical to the line through every point, and its cost
//! depends on the chart's width, not on the number of points.

use std::collections::VecDeque;

/// Points kept per series.
pub const POINTS_PER_SERIES: usize = 20_000;

/// One series: a name, a colour, and its points `(x, value)`, x ascending.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Shown in the legend and the tooltip.
    pub name: String,
    /// CSS colour.
    pub colour: &'static str,
    /// Unit shown after values ("km/h"), may be empty.
    pub unit: &'static str,
    /// `(x, value)`, x ascending.
    pub points: VecDeque<(f64, f64)>,
    /// Whether the legend gives its latest value (not for a backdrop such as the
    /// course's profile, whose last point is the finish's).
    pub show_latest: bool,
}

/// How the x axis reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum XAxis {
    /// Milliseconds since the Unix epoch, shown as local clock time; the offset is
    /// the viewer's, in minutes east of UTC.
    Time {
        /// Minutes to add to UTC for local time.
        offset_min: i32,
    },
    /// Metres, shown in kilometres.
    Metres,
}

/// One pixel column of a reduced series: first, lowest, highest and last value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    /// The column, 0 at the left edge.
    pub x: usize,
    /// First value in the column.
    pub first: f64,
    /// Lowest.
    pub min: f64,
    /// Highest.
    pub max: f64,
    /// Last.
    pub last: f64,
}

/// A chart's data and view: the window it shows, and whether it is paused.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartModel {
    /// The series, in legend order.
    pub series: Vec<Series>,
    /// How the x axis reads.
    pub axis: XAxis,
    /// Width of the visible window in x units; `None` shows everything.
    pub window: Option<f64>,
    /// While paused, the right edge stays here; points keep being collected.
    pub paused_at: Option<f64>,
    /// A fixed value range (happiness is 0 to 10); `None` fits the data.
    pub y_fixed: Option<(f64, f64)>,
    /// What the axes show, `(y, x)`: "Speed (km/h)", "Time of day".
    pub axis_titles: Option<(&'static str, &'static str)>,
}

impl XAxis {
    /// Clock time in the viewer's time zone (UTC on the server, which draws no
    /// canvas).
    pub fn local_time() -> Self {
        #[cfg(feature = "hydrate")]
        let offset_min = -(js_sys::Date::new_0().get_timezone_offset() as i32);
        #[cfg(not(feature = "hydrate"))]
        let offset_min = 0;
        Self::Time { offset_min }
    }
}

impl ChartModel {
    /// An empty chart.
    pub fn new(axis: XAxis, window: Option<f64>) -> Self {
        Self {
            series: Vec::new(),
            axis,
            window,
            paused_at: None,
            y_fixed: None,
            axis_titles: None,
        }
    }

    /// Adds a series; returns its index.
    pub fn add_series(&mut self, name: &str, colour: &'static str, unit: &'static str) -> usize {
        self.series.push(Series {
            name: name.to_owned(),
            colour,
            unit,
            points: VecDeque::new(),
            show_latest: true,
        });
        self.series.len() - 1
    }

    /// Appends a point; one before the series' last x is dropped (x must not go
    /// back), one at the same x is kept (a burst of values within one millisecond),
    /// and the oldest goes once the series is full.
    pub fn push(&mut self, series: usize, x: f64, value: f64) {
        let Some(s) = self.series.get_mut(series) else {
            return;
        };
        if !x.is_finite() || !value.is_finite() || s.points.back().is_some_and(|&(l, _)| x < l) {
            return;
        }
        if s.points.len() == POINTS_PER_SERIES {
            s.points.pop_front();
        }
        s.points.push_back((x, value));
    }

    /// Empties a series (a fresh snapshot follows).
    pub fn clear(&mut self, series: usize) {
        if let Some(s) = self.series.get_mut(series) {
            s.points.clear();
        }
    }

    /// Points held, all series together.
    pub fn len(&self) -> usize {
        self.series.iter().map(|s| s.points.len()).sum()
    }

    /// Whether no series has a point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The x range shown: the window ending at the newest point (or where paused).
    pub fn x_range(&self) -> Option<(f64, f64)> {
        let newest = self
            .series
            .iter()
            .filter_map(|s| s.points.back().map(|p| p.0))
            .reduce(f64::max)?;
        let oldest = self
            .series
            .iter()
            .filter_map(|s| s.points.front().map(|p| p.0))
            .reduce(f64::min)?;
        let end = self.paused_at.unwrap_or(newest);
        let start = match self.window {
            Some(w) => end - w,
            None => oldest,
        };
        Some((start, if end > start { end } else { start + 1.0 }))
    }

    /// The value range of what is shown: the fixed one, or the data's widened to
    /// round ticks ([`nice_step`]), never empty.
    pub fn y_range(&self, x_range: (f64, f64)) -> (f64, f64) {
        if let Some(fixed) = self.y_fixed {
            return fixed;
        }
        let (lo, hi) = self.data_range(x_range);
        let step = nice_step((hi - lo) / 5.0);
        ((lo / step).floor() * step, (hi / step).ceil() * step)
    }

    /// Round values and their labels for the y axis of `range`.
    pub fn y_ticks(&self, (lo, hi): (f64, f64)) -> Vec<(f64, String)> {
        let step = nice_step((hi - lo) / 5.0);
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let mut v = (lo / step).ceil() * step;
        let mut out = Vec::new();
        while v <= hi + step * 1e-9 && out.len() < 12 {
            out.push((v, format!("{:.*}", decimals, v + 0.0)));
            v += step;
        }
        out
    }

    /// The data's value range, padded by 5 % and never empty.
    fn data_range(&self, (x0, x1): (f64, f64)) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for s in &self.series {
            for &(_, v) in visible(&s.points, x0, x1) {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.05).max(if hi == lo { 1.0 } else { 0.0 });
        (lo - pad, hi + pad)
    }

    /// Series `series` between `x0` and `x1` reduced to `width` pixel columns.
    pub fn columns(&self, series: usize, (x0, x1): (f64, f64), width: usize) -> Vec<Column> {
        let Some(s) = self.series.get(series) else {
            return Vec::new();
        };
        let width = width.max(1);
        let span = (x1 - x0).max(f64::MIN_POSITIVE);
        let mut out: Vec<Column> = Vec::with_capacity(width);
        for &(x, v) in visible(&s.points, x0, x1) {
            let col = (((x - x0) / span) * (width - 1) as f64)
                .round()
                .clamp(0.0, (width - 1) as f64) as usize;
            match out.last_mut() {
                Some(c) if c.x == col => {
                    c.min = c.min.min(v);
                    c.max = c.max.max(v);
                    c.last = v;
                }
                _ => out.push(Column {
                    x: col,
                    first: v,
                    min: v,
                    max: v,
                    last: v,
                }),
            }
        }
        out
    }

    /// The point of `series` nearest to `x`, if any is shown.
    pub fn nearest(&self, series: usize, x: f64) -> Option<(f64, f64)> {
        let (x0, x1) = self.x_range()?;
        let pts = visible(&self.series.get(series)?.points, x0, x1);
        let i = pts.partition_point(|p| p.0 < x);
        [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|i| pts.get(i).map(|p| **p))
            .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
    }

    /// Tick positions and labels for the x axis, at most `max_ticks`.
    pub fn x_ticks(&self, (x0, x1): (f64, f64), max_ticks: usize) -> Vec<(f64, String)> {
        let steps: &[f64] = match self.axis {
            XAxis::Time { .. } => &[
                1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3,
                7200e3, 21600e3,
            ],
            XAxis::Metres => &[100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 10e3, 20e3],
        };
        let span = x1 - x0;
        let step = steps
            .iter()
            .copied()
            .find(|s| span / s <= max_ticks.max(1) as f64)
            .unwrap_or(steps[steps.len() - 1]);
        let offset = match self.axis {
            XAxis::Time { offset_min } => f64::from(offset_min) * 60e3,
            XAxis::Metres => 0.0,
        };
        // Ticks on round local times: 12:05:00, not 12:04:37.
        let mut t = ((x0 + offset) / step).ceil() * step - offset;
        let mut out = Vec::new();
        while t <= x1 && out.len() <= max_ticks {
            out.push((t, self.x_label(t, step)));
            t += step;
        }
        out
    }

    /// How an x reads: "12:05", "12:05:30", "3.5 km".
    pub fn x_label(&self, x: f64, step: f64) -> String {
        match self.axis {
            XAxis::Time { offset_min } => {
                let s =
                    ((x / 1000.0).floor() as i64 + i64::from(offset_min) * 60).rem_euclid(86_400);
                let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
                if step >= 60e3 {
                    format!("{h:02}:{m:02}")
                } else {
                    format!("{h:02}:{m:02}:{sec:02}")
                }
            }
            XAxis::Metres if step >= 1000.0 => format!("{:.0} km", x / 1000.0),
            XAxis::Metres => format!("{:.1} km", x / 1000.0),
        }
    }
}

/// The points with x in `x0..=x1`.
fn visible(points: &VecDeque<(f64, f64)>, x0: f64, x1: f64) -> Vec<&(f64, f64)> {
    let start = points.partition_point(|p| p.0 < x0);
    let end = points.partition_point(|p| p.0 <= x1);
    points.range(start..end).collect()
}

/// A round step near `raw`: 1, 2 or 5 times a power of ten.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let scaled = raw / magnitude;
    let nice = if scaled <= 1.0 {
        1.0
    } else if scaled <= 2.0 {
        2.0
    } else if scaled <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

#[cfg(test)]
mod tests;
