//! Split times, as chip timing records them: once per runner and timing point (each
//! checkpoint in course order, then the finish), at the time the runner passed the
//! point's distance, interpolated between the two fixes on either side of it.
//!
//! The race ([`super::Race::record`]) hands the book each runner's progress before
//! and after every fix on the course; whatever point lies between the two is passed
//! then. Progress never goes backwards, and the book keeps the next point each runner
//! has to pass, so a point is passed once whatever the fixes do. A runner first seen
//! past a point (a phone switched on late) has no time there: nothing is made up.
//!
//! The rank at a point is the order of the crossing times known: a split that arrives
//! late (a phone that was offline) but crossed earlier moves ahead of those after it.
//! A split sent live carries its rank when it was recorded; reads rank afresh.

use std::collections::HashMap;

use spectate_app::protocol::{RunnerId, splits::Split};
use time::{OffsetDateTime, UtcOffset};

use super::FINISH_WITHIN_M;
use crate::event::Event;

/// A place where splits are taken.
#[derive(Clone, Debug)]
struct Point {
    name: String,
    distance_m: f64,
    /// Progress at which it counts as passed: its distance, except within
    /// [`FINISH_WITHIN_M`] of the end, where the race says a runner has finished (GPS
    /// often stops a few metres short of the line).
    trigger_m: f64,
    finish: bool,
}

#[derive(Debug, Default)]
struct Runner {
    /// The next point to pass.
    next: usize,
    /// Splits in point order.
    splits: Vec<Split>,
}

/// Every runner's splits, and each point's crossing times (for ranks).
#[derive(Debug)]
pub struct SplitBook {
    points: Vec<Point>,
    /// The race's start (the gun), ms since the Unix epoch.
    start_ms: u64,
    /// The event's UTC offset at its start, for times of day.
    offset: UtcOffset,
    runners: HashMap<RunnerId, Runner>,
    /// Per point, the crossing times recorded, sorted.
    crossed: Vec<Vec<u64>>,
}

impl SplitBook {
    /// An empty book for `event`, its race starting at the event's start.
    pub fn new(event: &Event) -> Self {
        let length = event.course.length_m();
        let finish_at = (length - FINISH_WITHIN_M).max(0.0);
        let mut points: Vec<Point> = event
            .checkpoints
            .iter()
            .map(|c| Point {
                name: c.name.clone(),
                distance_m: c.distance_m,
                trigger_m: c.distance_m.min(finish_at),
                finish: false,
            })
            .collect();
        points.push(Point {
            name: "Finish".into(),
            distance_m: length,
            trigger_m: finish_at,
            finish: true,
        });
        Self {
            crossed: vec![Vec::new(); points.len()],
            points,
            start_ms: unix_ms(event.start),
            offset: event.start.offset(),
            runners: HashMap::new(),
        }
    }

    /// Timing points: the checkpoints and the finish.
    pub fn points(&self) -> usize {
        self.points.len()
    }

    /// The race's start, ms since the Unix epoch.
    pub fn start_ms(&self) -> u64 {
        self.start_ms
    }

    /// Forgets every split: the race starts again at `start_ms`.
    pub fn restart(&mut self, start_ms: u64) {
        self.start_ms = start_ms;
        self.runners.clear();
        self.crossed.iter_mut().for_each(Vec::clear);
    }

    /// `runner`'s first fix on the course puts them `at_m` along: points behind them
    /// were passed when nobody saw, and get no split.
    pub fn join(&mut self, runner: &RunnerId, at_m: f64) {
        let behind = self.points.partition_point(|p| p.trigger_m <= at_m);
        let state = self.runners.entry(runner.clone()).or_default();
        state.next = state.next.max(behind);
    }

    /// `runner` went from `from` to `to` (each `(ms, metres along)`): the splits of
    /// the points in between, interpolated, each recorded in the book.
    pub fn cross(&mut self, runner: &RunnerId, from: (u64, f64), to: (u64, f64)) -> Vec<Split> {
        let (t0, d0) = from;
        let (t1, d1) = (to.0.max(from.0), to.1);
        let mut out = Vec::new();
        loop {
            let next = self.runners.get(runner).map_or(0, |r| r.next);
            let Some(point) = self.points.get(next) else {
                break;
            };
            if point.trigger_m > d1 {
                break;
            }
            // The line itself, or where the runner got to if GPS stopped short of it.
            let target = point.distance_m.min(d1);
            let share = if d1 > d0 {
                ((target - d0) / (d1 - d0)).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let at_ms = t0 + ((t1 - t0) as f64 * share).round() as u64;
            let split = self.make(runner, next, at_ms);
            self.insert(split.clone());
            out.push(split);
        }
        out
    }

    /// Builds `runner`'s split at point `index`, passed at `at_ms`.
    fn make(&self, runner: &RunnerId, index: usize, at_ms: u64) -> Split {
        let point = &self.points[index];
        let earlier = self
            .runners
            .get(runner)
            .and_then(|r| r.splits.iter().rev().find(|s| s.point < index))
            .map(|s| (s.at_ms, s.distance_m));
        let since = earlier.or((at_ms >= self.start_ms).then_some((self.start_ms, 0.0)));
        let pace_s_per_km = since.and_then(|(t, d)| {
            let metres = point.distance_m - d;
            (metres >= 1.0 && at_ms > t).then(|| tenth((at_ms - t) as f64 / metres))
        });
        Split {
            bib: runner.clone(),
            point: index,
            name: point.name.clone(),
            finish: point.finish,
            distance_m: tenth(point.distance_m),
            at_ms,
            time: self.time_of_day(at_ms),
            elapsed_ms: at_ms.checked_sub(self.start_ms),
            pace_s_per_km,
            rank: self.rank(index, at_ms),
        }
    }

    /// Records `split` as it is (one decided elsewhere: the store's at a restart, the
    /// cluster's). Replaces the runner's split at that point if it differs; true if
    /// the book changed. A split for a point the event does not have is refused.
    pub fn adopt(&mut self, split: Split) -> bool {
        let matches = self
            .points
            .get(split.point)
            .is_some_and(|p| p.name == split.name);
        if !matches {
            return false;
        }
        let current = self
            .runners
            .get(&split.bib)
            .and_then(|r| r.splits.iter().find(|s| s.point == split.point));
        if current == Some(&split) {
            return false;
        }
        self.insert(split);
        true
    }

    fn insert(&mut self, split: Split) {
        let times = &mut self.crossed[split.point];
        let state = self.runners.entry(split.bib.clone()).or_default();
        if let Ok(i) = state.splits.binary_search_by_key(&split.point, |s| s.point) {
            let old = state.splits.remove(i).at_ms;
            if let Ok(j) = times.binary_search(&old) {
                times.remove(j);
            }
        }
        let at = times.partition_point(|&t| t <= split.at_ms);
        times.insert(at, split.at_ms);
        state.next = state.next.max(split.point + 1);
        spectate_app::protocol::splits::merge(&mut state.splits, split);
    }

    /// 1 + how many crossed `index` before `at_ms`.
    fn rank(&self, index: usize, at_ms: u64) -> usize {
        self.crossed[index].partition_point(|&t| t < at_ms) + 1
    }

    /// `runner`'s splits, point order, ranked by what is known now.
    pub fn of(&self, runner: &RunnerId) -> Vec<Split> {
        self.runners.get(runner).map_or_else(Vec::new, |r| {
            r.splits.iter().map(|s| self.ranked(s)).collect()
        })
    }

    /// Every split, by point and then by crossing time.
    pub fn all(&self) -> Vec<Split> {
        let mut out: Vec<Split> = self
            .runners
            .values()
            .flat_map(|r| r.splits.iter().map(|s| self.ranked(s)))
            .collect();
        out.sort_by(|a, b| {
            (a.point, a.at_ms, a.bib.as_str()).cmp(&(b.point, b.at_ms, b.bib.as_str()))
        });
        out
    }

    /// Each finisher's race time (the finish split's elapsed time).
    pub fn finish_times(&self) -> HashMap<RunnerId, u64> {
        self.runners
            .iter()
            .filter_map(|(bib, r)| {
                let last = r.splits.last().filter(|s| s.finish)?;
                Some((bib.clone(), last.elapsed_ms?))
            })
            .collect()
    }

    fn ranked(&self, split: &Split) -> Split {
        Split {
            rank: self.rank(split.point, split.at_ms),
            ..split.clone()
        }
    }

    /// `HH:MM:SS` of `at_ms` at the event's offset.
    fn time_of_day(&self, at_ms: u64) -> String {
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
            .map_or(OffsetDateTime::UNIX_EPOCH, |t| t.to_offset(self.offset));
        format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
    }
}

/// Milliseconds since the Unix epoch of `t` (0 before it).
pub fn unix_ms(t: OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::Race;
    use super::*;

    fn bib(n: &str) -> RunnerId {
        RunnerId::parse(n).unwrap()
    }

    /// The demo race, and a clock 30 minutes after its start.
    fn race() -> (Race, u64) {
        let event = Arc::new(Event::demo());
        let start = unix_ms(event.start);
        (Race::new(event), start + 30 * 60_000)
    }

    /// `runner` at `metres` along the demo course at `t`; the splits it recorded.
    fn at(race: &Race, runner: &str, metres: f64, t: u64) -> Vec<Split> {
        let p = race.event().course.position_at(metres);
        race.record_splits(&bib(runner), p, t).unwrap()
    }

    #[test]
    fn a_split_is_timed_between_the_fixes_around_the_checkpoint_and_taken_once() {
        let (race, t) = race();
        assert!(at(&race, "1", 2_900.0, t).is_empty());
        // 3 km lies halfway between 2.9 km at t and 3.1 km at t + 40 s.
        let splits = at(&race, "1", 3_100.0, t + 40_000);
        assert_eq!(splits.len(), 1, "{splits:?}");
        let split = &splits[0];
        assert_eq!((split.point, split.name.as_str()), (0, "3 km"));
        assert!(split.at_ms.abs_diff(t + 20_000) < 1_000, "{split:?}");
        assert_eq!(split.elapsed_ms, Some(split.at_ms - race.start_ms()));
        // 3 km in 30 min 20 s from the gun: 10:07 per km.
        let pace = split.pace_s_per_km.unwrap();
        assert!((pace - 606.7).abs() < 1.0, "{pace}");
        assert_eq!(split.rank, 1);
        // The time of day at the event's offset (+01:00): 09:30:20.
        assert_eq!(split.time, "09:30:20");
        // GPS noise back across the line and forward again records nothing more.
        assert!(at(&race, "1", 2_990.0, t + 50_000).is_empty());
        assert!(at(&race, "1", 3_200.0, t + 60_000).is_empty());
        assert_eq!(race.book().of(&bib("1")).len(), 1);
    }

    #[test]
    fn several_points_between_two_fixes_each_get_their_own_time() {
        let (race, t) = race();
        // At 10 m/s, so the race expects the runner where the next fix puts them.
        at(&race, "2", 1_500.0, t - 50_000);
        at(&race, "2", 2_000.0, t);
        // 2 km to 10.4 km in 840 s: 3 km after 100 s, 6.4 km after 440 s, 10 km after 800 s.
        let splits = at(&race, "2", 10_400.0, t + 840_000);
        let got: Vec<(usize, u64)> = splits
            .iter()
            .map(|s| (s.point, (s.at_ms - t + 500) / 1000))
            .collect();
        assert_eq!(got, [(0, 100), (1, 440), (2, 800)], "{splits:?}");
        // The section pace of the second: 3.4 km in 340 s.
        let pace = splits[1].pace_s_per_km.unwrap();
        assert!((pace - 100.0).abs() < 1.0, "{pace}");
    }

    #[test]
    fn a_runner_first_seen_past_a_checkpoint_gets_no_time_there() {
        let (race, t) = race();
        assert!(at(&race, "3", 3_500.0, t).is_empty());
        let splits = at(&race, "3", 6_500.0, t + 600_000);
        assert_eq!(splits.len(), 1);
        assert_eq!(splits[0].name, "Halfway");
        // Measured from the start: nothing earlier to measure from.
        let book = race.book();
        assert_eq!(book.of(&bib("3")).len(), 1);
    }

    #[test]
    fn ranks_follow_the_crossing_times_and_the_finish_is_a_split() {
        let (race, t) = race();
        let length = race.event().course.length_m();
        at(&race, "4", 2_900.0, t);
        let first = at(&race, "4", 3_100.0, t + 40_000);
        assert_eq!(first[0].rank, 1);
        // Runner 5's phone was offline: it reports later that it crossed earlier.
        at(&race, "5", 2_950.0, t - 10_000);
        let late = at(&race, "5", 3_050.0, t + 10_000);
        assert_eq!(late[0].rank, 1, "crossed first");
        let ranks: Vec<(String, usize)> = race
            .book()
            .all()
            .into_iter()
            .map(|s| (s.bib.to_string(), s.rank))
            .collect();
        assert_eq!(ranks, [("5".into(), 1), ("4".into(), 2)]);
        // The finish: GPS stops 10 m short of the line; that fix's time is the finish.
        at(&race, "4", length - 200.0, t + 4_000_000);
        let finish = at(&race, "4", length - 10.0, t + 4_060_000);
        let last = finish.last().unwrap();
        assert!(last.finish && last.name == "Finish", "{finish:?}");
        assert_eq!(last.at_ms, t + 4_060_000);
        let board = race.leaderboard(t + 4_100_000);
        let row = board.standings.iter().find(|s| s.bib == bib("4")).unwrap();
        assert_eq!(row.finish_time_ms, last.elapsed_ms);
    }

    #[test]
    fn an_adopted_split_replaces_the_own_and_a_restart_forgets_them() {
        let (race, t) = race();
        at(&race, "6", 2_900.0, t);
        let mine = at(&race, "6", 3_100.0, t + 40_000).remove(0);
        let theirs = Split {
            at_ms: mine.at_ms + 1_500,
            ..mine.clone()
        };
        assert!(race.book().adopt(theirs.clone()));
        assert!(
            !race.book().adopt(theirs.clone()),
            "the same again changes nothing"
        );
        assert_eq!(race.book().of(&bib("6")), std::slice::from_ref(&theirs));
        // A point the event does not have is refused.
        let stranger = Split {
            name: "Somewhere else".into(),
            ..theirs
        };
        assert!(!race.book().adopt(stranger));
        race.restart_at(t + 60_000);
        assert!(race.book().all().is_empty());
        assert_eq!(race.start_ms(), t + 60_000);
    }
}
