//! A live line chart drawn as SVG: the y range is fixed by the caller, the x axis
//! spans the points on screen, and the newest value is marked and labelled.
//!
//! SVG keeps the first cut small and server-renderable; the spectator-experience work
//! decides between this and a canvas/uPlot chart for 10,000-point series.

use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// Pixel coordinates of each `(t, v)` in a box, for a y range of `y_min..y_max`.
pub fn layout(points: &[(u64, f64)], y_min: f64, y_max: f64) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let span_t = (last.0.saturating_sub(first.0)).max(1) as f64;
    let span_y = (y_max - y_min).max(f64::EPSILON);
    points
        .iter()
        .map(|&(t, v)| {
            let x = if points.len() == 1 {
                WIDTH - RIGHT
            } else {
                LEFT + (t - first.0) as f64 / span_t * (WIDTH - LEFT - RIGHT)
            };
            let y =
                TOP + (1.0 - (v.clamp(y_min, y_max) - y_min) / span_y) * (HEIGHT - TOP - BOTTOM);
            (x, y)
        })
        .collect()
}

/// The chart.
#[component]
pub fn LineChart(
    /// `(t_ms, value)`, oldest first.
    points: Signal<Vec<(u64, f64)>>,
    /// Bottom of the y axis.
    y_min: f64,
    /// Top of the y axis.
    y_max: f64,
    /// What the series is, for the accessible label.
    label: &'static str,
) -> impl IntoView {
    let grid = (0..=4)
        .map(|i| {
            let v = y_min + (y_max - y_min) * f64::from(i) / 4.0;
            let y = TOP + (1.0 - f64::from(i) / 4.0) * (HEIGHT - TOP - BOTTOM);
            view! {
                <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y/>
                <text class="axis" x=LEFT - 8.0 y=y + 4.0 text-anchor="end">{format!("{v}")}</text>
            }
        })
        .collect_view();
    let line = move || {
        points.with(|pts| {
            layout(pts, y_min, y_max)
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let newest = move || {
        points.with(|pts| {
            let &(_, value) = pts.last()?;
            let &(x, y) = layout(pts, y_min, y_max).last()?;
            Some(view! {
                <circle class="newest" cx=x cy=y r="4"/>
                <text class="newest-label" x=x - 6.0 y=y - 8.0 text-anchor="end">{format!("{value:.2}")}</text>
            })
        })
    };
    let span = move || {
        points.with(|pts| match (pts.first(), pts.last()) {
            (Some(a), Some(b)) if b.0 > a.0 => format!("last {} s", (b.0 - a.0) / 1000),
            _ => String::new(),
        })
    };
    view! {
        <svg class="line-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label
            data-points=move || points.with(Vec::len).to_string()>
            {grid}
            <polyline class="series" points=line/>
            {newest}
            <text class="axis" x=WIDTH - RIGHT y=HEIGHT - 8.0 text-anchor="end">{span}</text>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_spans_the_box_and_clamps_values() {
        let pts = layout(&[(1000, 0.0), (2000, 10.0), (3000, 20.0)], 0.0, 10.0);
        assert_eq!(pts[0].0, LEFT);
        assert_eq!(pts[2].0, WIDTH - RIGHT);
        assert_eq!(pts[0].1, HEIGHT - BOTTOM);
        assert_eq!(pts[1].1, TOP);
        assert_eq!(pts[2].1, TOP, "values above the range are clamped");
        assert!(layout(&[], 0.0, 1.0).is_empty());
    }
}
