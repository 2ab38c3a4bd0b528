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

    /// The book for `event`'s timing points (the console changed the course or the
    /// checkpoints), the race starting at `start_ms`, with every split of this one
    /// whose point is still there under the same name and index.
    pub fn replanned(&self, event: &Event, start_ms: u64) -> Self {
        let mut book = Self::new(event);
        book.start_ms = start_ms;
        for split in self.all() {
            book.adopt(split);
        }
        book
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
mod tests;
