//! The chart model's unit tests: reduction, windows, bounds and ticks.

use super::*;

fn chart(n: usize) -> ChartModel {
    let mut c = ChartModel::new(XAxis::Time { offset_min: 0 }, Some(60_000.0));
    let s = c.add_series("a", "red", "");
    for i in 0..n {
        c.push(s, i as f64 * 100.0, (i % 7) as f64);
    }
    c
}

#[test]
fn ten_thousand_points_reduce_to_at_most_one_column_per_pixel() {
    let mut c = chart(10_000);
    c.window = None;
    let range = c.x_range().unwrap();
    assert_eq!(range, (0.0, 999_900.0));
    let cols = c.columns(0, range, 600);
    assert!(cols.len() <= 600 && cols.len() > 590, "{}", cols.len());
    // Every column of ~17 points of a 0..6 saw tooth spans the whole range.
    assert!(cols.iter().skip(1).all(|c| c.min == 0.0 && c.max == 6.0));
    // 0..6 padded to -0.3..6.3, widened to round steps of 2.
    assert_eq!(c.y_range(range), (-2.0, 8.0));
    let labels: Vec<String> = c.y_ticks((-2.0, 8.0)).into_iter().map(|t| t.1).collect();
    assert_eq!(labels, ["-2", "0", "2", "4", "6", "8"]);
}

#[test]
fn the_window_follows_the_newest_point_until_paused() {
    let mut c = chart(1000);
    assert_eq!(c.x_range(), Some((99_900.0 - 60_000.0, 99_900.0)));
    c.paused_at = Some(50_000.0);
    c.push(0, 200_000.0, 1.0);
    assert_eq!(c.x_range(), Some((-10_000.0, 50_000.0)), "paused stays put");
    c.paused_at = None;
    assert_eq!(c.x_range(), Some((140_000.0, 200_000.0)));
    c.window = Some(3_600_000.0);
    assert_eq!(c.x_range().unwrap().1, 200_000.0);
}

#[test]
fn repeats_and_old_points_are_dropped_and_series_stay_bounded() {
    let mut c = chart(3);
    c.push(0, 100.0, 9.0);
    c.push(0, f64::NAN, 9.0);
    assert_eq!(c.len(), 3);
    c.push(0, 200.0, 9.0);
    assert_eq!(c.len(), 4, "same time, another value: kept");
    let mut big = chart(POINTS_PER_SERIES + 10);
    assert_eq!(big.len(), POINTS_PER_SERIES);
    big.clear(0);
    assert!(big.is_empty());
}

#[test]
fn nearest_and_ticks_read_as_a_person_expects() {
    let c = chart(1000);
    assert_eq!(c.nearest(0, 99_840.0), Some((99_800.0, 4.0)), "998 % 7");
    // 12:00:00 UTC; 1 minute window: ticks every 10 s, on round seconds.
    let noon = 12.0 * 3600e3;
    let ticks = c.x_ticks((noon - 60e3 + 1.0, noon), 6);
    assert_eq!(ticks.first().unwrap().1, "11:59:10");
    assert_eq!(ticks.last().unwrap().1, "12:00:00");
    let paris = ChartModel::new(XAxis::Time { offset_min: 60 }, None);
    assert_eq!(paris.x_label(noon, 60e3), "13:00");
    let km = ChartModel::new(XAxis::Metres, None);
    assert_eq!(km.x_ticks((0.0, 12_800.0), 6)[1].1, "5 km");
    assert_eq!(nice_step(0.37), 0.5);
    assert_eq!(nice_step(130.0), 200.0);
    let mut speeds = ChartModel::new(XAxis::Metres, None);
    speeds.y_fixed = Some((107.0, 109.0));
    let labels: Vec<String> = speeds
        .y_ticks((107.0, 109.0))
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(
        labels,
        ["107.0", "107.5", "108.0", "108.5", "109.0"],
        "no repeated labels"
    );
}
