//! The race as the course sees it: each runner's progress along the course, pace,
//! ETAs, status, and the leaderboard.
//!
//! Every published fix of an event runner goes through [`Race::record`]. The fix is
//! projected onto the course line. On loops and out-and-back courses a place is passed
//! more than once, so of the candidate spots the one consistent with the runner's
//! previous progress wins. Progress never goes backwards: GPS noise can make a runner
//! look a few metres behind, but a spectator should never see them lose ground they
//! covered.
//!
//! The race also keeps the split times ([`splits`]): a fix that carries a runner past
//! a checkpoint or the finish records the split there.
//!
//! The event can change while the race runs (the console edits the field,
//! [`crate::roster`]): [`Race::replace`] swaps in the new one whole, with what is
//! made from it, and the next fix and the next board see it.

mod choose;
mod current;
mod splits;
pub(crate) mod verdicts;

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, RwLock},
};

pub use spectate_app::pace::PACE_WINDOW_MS;
pub use spectate_app::protocol::race::{Ahead, Leaderboard, STALE_AFTER_MS, Standing, Status};
use spectate_app::protocol::{LatLng, RunnerId, race::EventInfo, splits::Split};

use self::choose::{Expected, choose};
use self::current::Current;
pub use self::splits::{SplitBook, unix_ms};
use self::verdicts::Verdicts;

use crate::event::Event;

/// Farther than this from the course line, a runner is off course.
pub const OFF_COURSE_M: f64 = 100.0;
/// Within this of the end of the course, a runner has finished.
pub const FINISH_WITHIN_M: f64 = 30.0;
/// The course line sent to pages has a point about this often, metres: close
/// enough to follow every street, a few kilobytes for a marathon.
pub const LINE_STEP_M: f64 = 25.0;
/// The pace assumed for a runner whose own is not known yet (6:00 per km).
const TYPICAL_SPEED_MPS: f64 = 1000.0 / 360.0;

#[derive(Debug, Default)]
struct Progress {
    distance_m: f64,
    off_course: bool,
    last_ms: u64,
    /// (time, distance) within the pace window, oldest first.
    samples: VecDeque<(u64, f64)>,
    finished_ms: Option<u64>,
    started: bool,
    /// The latest fix on the course.
    at: Option<LatLng>,
    /// When the latest fix on the course was taken, and the progress it left.
    last_on: Option<(u64, f64)>,
}

impl Progress {
    /// Over the pace window, measured as the runner panel's speed chart measures it
    /// (`spectate_app::pace`), so the two agree.
    fn speed_mps(&self) -> Option<f64> {
        spectate_app::pace::speed_between(*self.samples.front()?, *self.samples.back()?)
    }
}

/// The race of one event.
#[derive(Debug)]
pub struct Race {
    /// Replaced whole ([`Race::replace`]); a std lock held only to clone the `Arc`.
    current: RwLock<Arc<Current>>,
    runners: Mutex<HashMap<RunnerId, Progress>>,
    /// The split times (locked after `runners` where both are).
    splits: Mutex<SplitBook>,
    /// The organiser's DNS / DNF / DSQ (locked after `runners` where both are).
    verdicts: Verdicts,
}

impl Race {
    /// An empty race of `event`.
    pub fn new(event: Arc<Event>) -> Self {
        Self {
            splits: Mutex::new(SplitBook::new(&event)),
            current: RwLock::new(Current::of(event)),
            runners: Mutex::default(),
            verdicts: Verdicts::default(),
        }
    }

    fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Races `event` from now on: a changed field (same course and checkpoints). A
    /// runner no longer in it leaves the board and their fixes are ignored; the
    /// progress of those still in it is kept.
    pub fn replace(&self, event: Arc<Event>) {
        let current = Current::of(event);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = current;
    }

    /// Swaps in `event` whose settings changed ([`crate::roster::settings`]): its
    /// timing points and the start at `start_ms` too. On the same course, progress
    /// made is kept (points now behind a runner get no split); on a new course, where
    /// the old distances mean nothing, each runner is placed again by their next fix.
    pub fn replace_settings(&self, event: Arc<Event>, start_ms: u64) {
        let same_course = self.event().course_gpx == event.course_gpx;
        let along: Vec<(RunnerId, f64)> = {
            let mut runners = self.runners.lock().unwrap_or_else(|e| e.into_inner());
            if !same_course {
                runners.clear();
            }
            runners
                .iter()
                .filter(|(_, p)| p.started)
                .map(|(bib, p)| (bib.clone(), p.distance_m))
                .collect()
        };
        {
            let mut book = self.book();
            let mut replanned = book.replanned(&event, start_ms);
            for (bib, at_m) in &along {
                replanned.join(bib, *at_m);
            }
            *book = replanned;
        }
        self.replace(event);
    }

    /// The organiser's DNS / DNF / DSQ on runners.
    pub(crate) fn verdicts(&self) -> &Verdicts {
        &self.verdicts
    }

    /// Whether `runner`'s latest fix was far from the course line.
    pub fn off_course(&self, runner: &RunnerId) -> bool {
        let runners = self.runners.lock().unwrap_or_else(|e| e.into_inner());
        runners.get(runner).is_some_and(|p| p.off_course)
    }

    /// Starts the race over at `start_ms` (ms since the Unix epoch): nobody has
    /// started, and no split is recorded (a new edition of the demo race).
    pub fn restart_at(&self, start_ms: u64) {
        self.runners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.book().restart(start_ms);
    }

    /// The split times.
    pub fn book(&self) -> std::sync::MutexGuard<'_, SplitBook> {
        self.splits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When the race started (the gun), ms since the Unix epoch.
    pub fn start_ms(&self) -> u64 {
        self.book().start_ms()
    }

    /// The event as pages draw it (see [`describe`]).
    pub fn event_info(&self) -> Arc<EventInfo> {
        self.current().info.clone()
    }

    /// The event being raced.
    pub fn event(&self) -> Arc<Event> {
        self.current().event.clone()
    }

    /// Whether `runner` is in the event's field now.
    pub fn has_runner(&self, runner: &RunnerId) -> bool {
        self.current().bibs.contains(runner)
    }

    /// Takes `runner`'s fix at `position`, received at `now_ms`. Fixes of runners not
    /// in the event are ignored (false).
    pub fn record(&self, runner: &RunnerId, position: LatLng, now_ms: u64) -> bool {
        self.record_splits(runner, position, now_ms).is_some()
    }

    /// [`Self::record`], returning the splits the fix recorded (a checkpoint or the
    /// finish passed since the runner's previous fix on the course); `None` for a
    /// runner not in the event.
    pub fn record_splits(
        &self,
        runner: &RunnerId,
        position: LatLng,
        now_ms: u64,
    ) -> Option<Vec<Split>> {
        let current = self.current();
        if !current.bibs.contains(runner) {
            return None;
        }
        let course = &current.event.course;
        let mut runners = self.runners.lock().unwrap_or_else(|e| e.into_inner());
        let progress = runners.entry(runner.clone()).or_default();
        // Where the runner should be by now, at their pace (or a typical one).
        let expected = progress.started.then(|| {
            let elapsed_s = now_ms.saturating_sub(progress.last_ms).min(600_000) as f64 / 1000.0;
            let speed = progress.speed_mps().unwrap_or(TYPICAL_SPEED_MPS);
            Expected {
                progress_m: progress.distance_m,
                here_m: progress.distance_m + speed * elapsed_s,
            }
        });
        progress.last_ms = now_ms;
        let candidates = course.candidates(position, OFF_COURSE_M);
        let Some(along) = choose(&candidates, expected) else {
            progress.off_course = true;
            return Some(Vec::new());
        };
        progress.off_course = false;
        progress.started = true;
        progress.at = Some(position);
        progress.distance_m = progress.distance_m.max(along);
        let now = (now_ms, progress.distance_m);
        let splits = match progress.last_on.replace(now) {
            Some(before) => self.book().cross(runner, before, now),
            None => {
                self.book().join(runner, progress.distance_m);
                Vec::new()
            }
        };
        progress.samples.push_back((now_ms, progress.distance_m));
        while progress
            .samples
            .front()
            .is_some_and(|&(t, _)| now_ms.saturating_sub(t) > PACE_WINDOW_MS)
        {
            progress.samples.pop_front();
        }
        if progress.finished_ms.is_none()
            && progress.distance_m >= course.length_m() - FINISH_WITHIN_M
        {
            progress.finished_ms = Some(now_ms);
        }
        Some(splits)
    }

    /// The leaderboard as of `now_ms`.
    pub fn leaderboard(&self, now_ms: u64) -> Leaderboard {
        let event = self.event();
        let course_m = event.course.length_m();
        let (start_ms, finish_times) = {
            let book = self.book();
            (book.start_ms(), book.finish_times())
        };
        let runners = self.runners.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines: Vec<Standing> = event
            .runners
            .iter()
            .map(|runner| {
                let progress = runners.get(&runner.bib);
                let distance_m = progress.map_or(0.0, |p| p.distance_m);
                let status = match progress {
                    None => Status::NotStarted,
                    Some(p) if p.finished_ms.is_some() => Status::Finished,
                    Some(p) if now_ms.saturating_sub(p.last_ms) > STALE_AFTER_MS => Status::Stale,
                    Some(p) if p.off_course => Status::OffCourse,
                    Some(p) if !p.started => Status::NotStarted,
                    Some(_) => Status::Running,
                };
                // Without signal, the pace of minutes ago is not theirs now: no pace,
                // and no ETA made from it.
                let speed = progress
                    .filter(|_| status != Status::Stale)
                    .and_then(Progress::speed_mps);
                let eta = |at_m: f64| speed.and_then(|v| eta_ms(now_ms, at_m - distance_m, v));
                let finish_eta = eta(course_m);
                Standing {
                    position: 0,
                    bib: runner.bib.clone(),
                    name: runner.name.clone(),
                    category: runner.category.clone(),
                    status,
                    reason: None,
                    distance_m: tenth(distance_m),
                    gap_m: 0.0,
                    gap_s: None,
                    pace_s_per_km: speed.map(|v| tenth(1000.0 / v)),
                    last_seen_ms: progress.map(|p| p.last_ms),
                    at: progress
                        .and_then(|p| p.at)
                        .map(|p| [micro(p.lat()), micro(p.lng())]),
                    next_checkpoint: event
                        .checkpoints
                        .iter()
                        .find(|c| c.distance_m > distance_m)
                        .map(|c| Ahead {
                            name: c.name.clone(),
                            distance_m: tenth(c.distance_m),
                            eta_ms: eta(c.distance_m),
                        }),
                    finish: Ahead {
                        name: "finish".into(),
                        distance_m: tenth(course_m),
                        eta_ms: if status == Status::Finished {
                            None
                        } else {
                            finish_eta
                        },
                    },
                    finished_ms: progress.and_then(|p| p.finished_ms),
                    finish_time_ms: if status == Status::Finished {
                        finish_times.get(&runner.bib).copied()
                    } else {
                        finish_eta.and_then(|at| at.checked_sub(start_ms))
                    },
                }
            })
            .collect();
        // Finishers in finishing order, then by distance; those without a fix last;
        // those out of the race after everyone ranked.
        self.verdicts.apply(&mut lines);
        lines.sort_by(|a, b| {
            let key = |s: &Standing| {
                let out = s.status.out_of_race().is_some();
                (
                    out,
                    s.finished_ms.unwrap_or(u64::MAX),
                    s.last_seen_ms.is_none(),
                )
            };
            key(a)
                .cmp(&key(b))
                .then(b.distance_m.total_cmp(&a.distance_m))
        });
        let ranked = lines
            .iter()
            .take_while(|s| s.status.out_of_race().is_none())
            .count();
        let leader = lines.first().map_or(0.0, |s| s.distance_m);
        let first_finish = lines.first().and_then(|s| s.finished_ms);
        for (i, line) in lines.iter_mut().take(ranked).enumerate() {
            line.position = i + 1;
            line.gap_m = tenth((leader - line.distance_m).max(0.0));
            line.gap_s = line
                .finished_ms
                .zip(first_finish)
                .map(|(at, first)| tenth(at.saturating_sub(first) as f64 / 1000.0));
        }
        Leaderboard {
            event: event.name.clone(),
            course_m,
            runners: lines.len(),
            standings: lines,
        }
    }
}

/// To a tenth (of a metre, of a second per km): what a board shows and more, without
/// the 17 digits of a float (a fifth of a row's bytes, sent to every spectator).
fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// To a millionth of a degree (about 10 cm).
fn micro(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// An ETA further ahead than this says nothing a spectator can use.
const MAX_ETA_AHEAD_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

/// When a runner at `speed_mps` covers `remaining_m` more, from `now_ms`; none for a
/// runner so slow that the time would be days away (or past the clock's end).
fn eta_ms(now_ms: u64, remaining_m: f64, speed_mps: f64) -> Option<u64> {
    let ahead_ms = remaining_m.max(0.0) / speed_mps * 1000.0;
    if !(0.0..=MAX_ETA_AHEAD_MS).contains(&ahead_ms) {
        return None;
    }
    now_ms.checked_add(ahead_ms as u64)
}

#[cfg(test)]
mod tests;
