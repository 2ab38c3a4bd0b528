//! Pace and speed, measured one way for the whole app: the board's pace (the server's
//! race) and the runner panel's speed chart (the browser, from the fixes it receives)
//! both take the distance covered over the same window of the recent past, so a
//! spectator never reads "Pace 4:01 /km" beside "Speed 17.3 km/h".
//!
//! The board's distance is progress along the course. The browser has the raw fixes:
//! summing the legs between consecutive fixes would add every fix's GPS noise to the
//! distance (a zigzag of 5 m errors on 7 m steps reads 20 to 30 % fast), so
//! [`track_distances`] measures the track in legs of at least [`LEG_M`], over which
//! the noise of a fix is a small part of the leg.

use crate::protocol::LatLng;

/// Pace and speed are measured over this much of the recent past.
pub const PACE_WINDOW_MS: u64 = 5 * 60 * 1000;
/// Less than this of data says more about GPS noise than about pace.
pub const PACE_MIN_SPAN_MS: u64 = 10_000;
/// Shortest leg of a track measured by [`track_distances`], metres: about 15 s of
/// running, ten times a phone's usual GPS error.
pub const LEG_M: f64 = 50.0;

/// Speed in m/s from `first` to `last`, two `(ms, metres covered)` samples; none over
/// less than [`PACE_MIN_SPAN_MS`] or without progress.
pub fn speed_between((t0, d0): (u64, f64), (t1, d1): (u64, f64)) -> Option<f64> {
    (t1 >= t0 + PACE_MIN_SPAN_MS && d1 > d0).then(|| (d1 - d0) / ((t1 - t0) as f64 / 1000.0))
}

/// The speed at each sample of `samples` (`(ms, metres covered)`, oldest first), over
/// the [`PACE_WINDOW_MS`] up to it: what the board's pace was at that moment, as
/// `(ms, m/s)`.
pub fn speeds(samples: &[(u64, f64)]) -> Vec<(u64, f64)> {
    let mut from = 0;
    samples
        .iter()
        .enumerate()
        .filter_map(|(i, &(t, d))| {
            while from < i && t.saturating_sub(samples[from].0) > PACE_WINDOW_MS {
                from += 1;
            }
            speed_between(samples[from], (t, d)).map(|v| (t, v))
        })
        .collect()
}

/// Metres covered at each fix of a track (`(lat, lng, ms)`, oldest first), measured
/// in legs of at least [`LEG_M`]: a fix within a leg counts its straight distance
/// from the leg's start, so its noise is not added up, only its own error remains.
pub fn track_distances(points: &[(f64, f64, u64)]) -> Vec<(u64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    let mut anchor: Option<LatLng> = None;
    let mut covered = 0.0;
    for &(lat, lng, t) in points {
        let Ok(here) = LatLng::parse(lat, lng) else {
            continue;
        };
        let from_anchor = anchor.map_or(0.0, |a| a.distance_m(&here));
        out.push((t, covered + from_anchor));
        if anchor.is_none() || from_anchor >= LEG_M {
            covered += from_anchor;
            anchor = Some(here);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_needs_ten_seconds_and_progress() {
        assert_eq!(speed_between((0, 0.0), (9_999, 50.0)), None);
        assert_eq!(speed_between((0, 50.0), (20_000, 50.0)), None);
        assert_eq!(speed_between((0, 0.0), (20_000, 70.0)), Some(3.5));
    }

    #[test]
    fn speeds_are_taken_over_the_window_up_to_each_sample() {
        // 2 m/s for ten minutes, then 4 m/s: five minutes on, the window holds only
        // the faster running.
        let samples: Vec<(u64, f64)> = (0..=40u64)
            .map(|k| {
                let t = k * 30_000;
                let d = if t <= 600_000 {
                    t as f64 / 500.0
                } else {
                    1200.0 + (t - 600_000) as f64 / 250.0
                };
                (t, d)
            })
            .collect();
        let v = speeds(&samples);
        assert_eq!(v[0], (30_000, 2.0), "the first sample alone has no speed");
        assert!((v[19].1 - 2.0).abs() < 1e-9, "{:?}", v[19]);
        assert!((v[39].1 - 4.0).abs() < 1e-9, "{:?}", v[39]);
    }

    #[test]
    fn a_zigzag_of_noise_is_not_added_to_the_distance() {
        // 1 m/s due north, a fix a second, each 4 m east or west of the line in turn:
        // the sum of the steps is four times the distance, the legs are not.
        let metre = 1.0 / 111_195.0;
        let points: Vec<(f64, f64, u64)> = (0..=300u64)
            .map(|k| {
                let east = if k % 2 == 0 { 4.0 } else { -4.0 };
                (
                    45.0 + k as f64 * metre,
                    6.0 + east * metre * 1.414,
                    k * 1000,
                )
            })
            .collect();
        let (t, d) = *track_distances(&points).last().unwrap();
        assert_eq!(t, 300_000);
        assert!((d - 300.0).abs() < 6.0, "{d}");
    }
}
