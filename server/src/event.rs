//! The event file: what an organiser writes to set up a race, parsed into an
//! [`Event`] that the server, `spectate token --bib` and the ingestion endpoints use.
//!
//! ```toml
//! name = "Riverside 10k"
//! start = "2026-11-29T09:00:00+01:00"   # RFC 3339, with the event's local offset
//! timezone = "Europe/Paris"              # for showing times to spectators
//! course = "course.gpx"                  # relative to this file
//! private = false                        # true: following needs a token
//!
//! [[checkpoints]]
//! name = "Bridge"
//! distance_km = 4.2                      # or: waypoint = "Bridge" (a GPX waypoint)
//!
//! [[runners]]
//! bib = 42                               # number or text; it is the runner's id
//! name = "Ada Lovelace"
//! category = "F40"                       # optional
//! devices = ["ada-phone"]                # tracker device ids (OsmAnd, OwnTracks)
//! ```
//!
//! Parsing is strict (unknown keys are errors, so a typo is not silently ignored) and
//! every problem is reported with its line, all at once, so one `spectate event
//! check` run lists everything to fix.

use std::{
    collections::HashMap,
    ops::Range,
    path::{Path, PathBuf},
    sync::Arc,
};

use serde::Deserialize;
use spectate_app::protocol::RunnerId;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use toml::Spanned;

use crate::course::Course;

mod errors;
pub(crate) mod export;
pub(crate) mod field;
pub(crate) mod settings;

use errors::line_of;
pub use errors::{EventErrors, Problem};

/// The demo event's text.
const DEMO_EVENT: &str = include_str!("../assets/demo/event.toml");

/// A checked event.
#[derive(Debug)]
pub struct Event {
    /// Shown to spectators.
    pub name: String,
    /// The start.
    pub start: OffsetDateTime,
    /// IANA time zone name, for showing local times.
    pub timezone: String,
    /// The course line.
    pub course: Course,
    /// Where the course came from.
    pub course_path: PathBuf,
    /// The course's GPX text as read, so the settings can be checked again with the
    /// same course ([`crate::roster::settings`]) and sent to other nodes.
    pub course_gpx: Arc<str>,
    /// Checkpoints in order along the course.
    pub checkpoints: Vec<Checkpoint>,
    /// The field, in file order.
    pub runners: Vec<Runner>,
    /// The safety alerts' thresholds (`[safety]`, defaults when absent).
    pub safety: crate::alerts::rules::Thresholds,
    /// Following needs a token.
    pub private: bool,
    devices: HashMap<String, RunnerId>,
}

/// A named place along the course.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Its name.
    pub name: String,
    /// Metres from the start.
    pub distance_m: f64,
}

/// One runner.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub struct Runner {
    /// Bib number (or text): the runner's id on every topic.
    pub bib: RunnerId,
    /// Full name.
    pub name: String,
    /// Category, if any.
    pub category: Option<String>,
    /// Tracker device ids that publish for this runner.
    pub devices: Vec<String>,
}

impl Event {
    /// The runner a tracker device publishes for.
    pub fn runner_for_device(&self, device: &str) -> Option<&RunnerId> {
        self.devices.get(device)
    }

    /// The runner with this bib.
    pub fn runner(&self, bib: &RunnerId) -> Option<&Runner> {
        self.runners.iter().find(|r| &r.bib == bib)
    }

    /// Reads and checks an event file.
    pub fn load(path: &Path) -> Result<Self, EventErrors> {
        Self::read(path).map(|(event, _)| event)
    }

    /// [`Self::load`], with the file's text.
    pub fn read(path: &Path) -> Result<(Self, String), EventErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            EventErrors::single(path, None, format!("cannot read the event file: {e}"))
        })?;
        Self::parse(&text, path).map(|event| (event, text))
    }

    /// The bundled demo event's text (see [`Self::demo`]).
    pub fn demo_text() -> &'static str {
        DEMO_EVENT
    }

    /// The bundled demo event (`assets/demo/event.toml` with its course), which needs
    /// no file on disk.
    pub fn demo() -> Self {
        let path = Path::new("assets/demo/event.toml");
        Self::parse_with(DEMO_EVENT, path, |_| Ok(crate::course::DEMO_GPX.to_owned()))
            .expect("the bundled demo event is valid")
    }

    /// Checks an event file's text; `path` names it in errors and anchors the course.
    pub fn parse(text: &str, path: &Path) -> Result<Self, EventErrors> {
        Self::parse_with(text, path, |course| std::fs::read_to_string(course))
    }

    /// [`Self::parse`], reading the course through `read_course`.
    pub(crate) fn parse_with(
        text: &str,
        path: &Path,
        read_course: impl Fn(&Path) -> std::io::Result<String>,
    ) -> Result<Self, EventErrors> {
        Self::check(text, path, Field::Needed, |at| {
            let shown = at.display();
            let gpx = read_course(at)
                .map_err(|e| vec![format!("cannot read the course {shown}: {e}")])?;
            let course = Course::from_gpx(&gpx).map_err(|e| {
                let each = e.messages().into_iter();
                each.map(|m| format!("course {shown}: {m}"))
                    .collect::<Vec<_>>()
            })?;
            Ok((course, Arc::from(gpx)))
        })
    }

    /// The console's settings `text` (no runners needed yet) with `course`, read once.
    pub(crate) fn parse_settings(
        text: &str,
        path: &Path,
        course: Course,
        gpx: Arc<str>,
    ) -> Result<Self, EventErrors> {
        Self::check(text, path, Field::MayBeEmpty, |_| Ok((course, gpx)))
    }

    /// Checks `text`; `course_at` gives the course at its path, or its problems.
    fn check(
        text: &str,
        path: &Path,
        field: Field,
        course_at: impl FnOnce(&Path) -> Result<(Course, Arc<str>), Vec<String>>,
    ) -> Result<Self, EventErrors> {
        let raw: RawEvent = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            EventErrors::single(path, line, e.message().to_owned())
        })?;
        let mut errors = EventErrors {
            file: path.to_owned(),
            problems: Vec::new(),
        };
        let mut problem = |span: Option<Range<usize>>, message: String| {
            errors.problems.push(Problem {
                line: span.map(|s| line_of(text, s.start)),
                message,
            });
        };

        if raw.name.get_ref().trim().is_empty() {
            problem(Some(raw.name.span()), "name is empty".into());
        }
        let start = OffsetDateTime::parse(raw.start.get_ref(), &Rfc3339)
            .map_err(|e| {
                problem(
                    Some(raw.start.span()),
                    format!(
                        "start {:?} is not an RFC 3339 time with an offset, like 2026-11-29T09:00:00+01:00 ({e})",
                        raw.start.get_ref()
                    ),
                );
            })
            .ok();
        if !looks_like_time_zone(raw.timezone.get_ref()) {
            problem(
                Some(raw.timezone.span()),
                format!(
                    "timezone {:?} is not an IANA zone name like Europe/Paris or UTC",
                    raw.timezone.get_ref()
                ),
            );
        }

        let base = path.parent().unwrap_or(Path::new("."));
        let course_path = base.join(raw.course.get_ref());
        let (course, course_gpx) = match course_at(&course_path) {
            Ok((course, gpx)) => (Some(course), gpx),
            Err(messages) => {
                for message in messages {
                    problem(Some(raw.course.span()), message);
                }
                (None, Arc::from(""))
            }
        };

        let mut checkpoints = Vec::new();
        for raw_cp in &raw.checkpoints {
            let span = Some(raw_cp.name.span());
            let name = raw_cp.name.get_ref().clone();
            let distance_m = match (&raw_cp.distance_km, &raw_cp.waypoint, &course) {
                (Some(_), Some(_), _) | (None, None, _) => {
                    problem(
                        span,
                        format!("checkpoint {name:?} needs exactly one of distance_km or waypoint"),
                    );
                    continue;
                }
                (_, _, None) => continue,
                (Some(km), None, Some(course)) => {
                    let m = km * 1000.0;
                    if !(m.is_finite() && m > 0.0 && m <= course.length_m()) {
                        problem(
                            span,
                            format!(
                                "checkpoint {name:?} at {km} km is off the course, which is {:.2} km long",
                                course.length_m() / 1000.0
                            ),
                        );
                        continue;
                    }
                    m
                }
                (None, Some(waypoint), Some(course)) => match course.waypoint(waypoint) {
                    Some(p) => course.distance_of(p),
                    None => {
                        problem(
                            span,
                            format!(
                                "checkpoint {name:?}: the course has no waypoint called {waypoint:?}"
                            ),
                        );
                        continue;
                    }
                },
            };
            if let Some(last) = checkpoints.last().map(|c: &Checkpoint| c.distance_m)
                && distance_m <= last
            {
                problem(
                    span,
                    format!(
                        "checkpoint {name:?} is not after the one before it; list checkpoints in course order"
                    ),
                );
            }
            checkpoints.push(Checkpoint { name, distance_m });
        }

        let runners: Vec<Runner> = raw
            .runners
            .iter()
            .map(|raw_runner| Runner {
                bib: raw_runner.bib.get_ref().clone(),
                name: raw_runner.name.trim().to_owned(),
                category: raw_runner.category.clone(),
                devices: raw_runner
                    .devices
                    .iter()
                    .map(|d| d.get_ref().clone())
                    .collect(),
            })
            .collect();
        // Each problem at its line: the device's when it is about one, else the bib's.
        let bib_line = |i: usize| {
            raw.runners
                .get(i)
                .map(|r| line_of(text, r.bib.span().start))
        };
        for found in field::problems(&runners) {
            let raw_runner = raw.runners.get(found.runner);
            let span = match (raw_runner, found.device) {
                (Some(r), Some(d)) => r.devices.get(d).map(Spanned::span),
                (Some(r), None) => Some(r.bib.span()),
                (None, _) => None,
            };
            let message = found.message(&runners, |first| {
                format!("first on line {}", bib_line(first).unwrap_or(0))
            });
            problem(span, message);
        }
        let devices = field::devices_of(&runners);
        if runners.is_empty() && field == Field::Needed {
            problem(
                None,
                "the event has no runners; add [[runners]] entries".into(),
            );
        }

        match (start, course) {
            (Some(start), Some(course)) if errors.problems.is_empty() => Ok(Self {
                name: raw.name.into_inner(),
                start,
                timezone: raw.timezone.into_inner(),
                course,
                course_path,
                course_gpx,
                checkpoints,
                runners,
                safety: raw.safety,
                private: raw.private,
                devices,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether an event may have no runners: an event file's must, the console's not yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Needed,
    MayBeEmpty,
}

/// IANA zone names are `UTC` or `Area/Location` made of letters, digits, `_+-`.
fn looks_like_time_zone(name: &str) -> bool {
    name == "UTC"
        || (name.contains('/')
            && name.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-'))
            }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    name: Spanned<String>,
    start: Spanned<String>,
    timezone: Spanned<String>,
    course: Spanned<String>,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    checkpoints: Vec<RawCheckpoint>,
    #[serde(default)]
    runners: Vec<RawRunner>,
    #[serde(default)]
    safety: crate::alerts::rules::Thresholds,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheckpoint {
    name: Spanned<String>,
    distance_km: Option<f64>,
    waypoint: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunner {
    bib: Spanned<RunnerId>,
    name: String,
    category: Option<String>,
    #[serde(default)]
    devices: Vec<Spanned<String>>,
}

#[cfg(test)]
mod tests;
