//! The event's settings changed while the server runs: name, start, time zone,
//! private, course, checkpoints and the safety thresholds, from the console's
//! event page ([`super::event_page`]) or from another node of the cluster.
//!
//! [`Roster::set_event`] is the one way, as [`Roster::apply`] is for the field: the
//! settings are written as an event file with the current field and checked by the
//! event's own checks ([`Event::parse_with`], as `spectate event check` does), the
//! course file (if a new one came) written into the data directory and stored, the
//! settings stored with a history entry, then swapped into the race: timing points,
//! start, privacy and the alerts' thresholds follow at once. Nothing is stored or
//! raced when any check fails.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use sha2::{Digest, Sha256};

use super::{Roster, RosterError, cluster::News};
use crate::{
    course::Course,
    event::{Event, settings::Settings},
    hub::now_ms,
    race::{Race, unix_ms},
    store::{
        StoreError,
        event_settings::{CourseFile, EventChange, Stored},
    },
};

/// The settings checked into an event, ready to store and race.
struct Settled {
    event: Event,
    /// The settings' TOML, as stored.
    toml: String,
    /// The new course file, if one came.
    course: Option<CourseFile>,
}

impl Roster {
    /// Makes `settings` the event's, with the course `gpx` if one is given (else the
    /// current course), on behalf of `who`; on a server that tracks no event yet,
    /// creates it (with a course, and no runners yet) and starts tracking it. Returns
    /// what changed, in words (none when nothing did).
    pub(crate) async fn set_event(
        &self,
        who: &str,
        settings: Settings,
        gpx: Option<String>,
    ) -> Result<Option<String>, RosterError> {
        let _one_at_a_time = self.changing.lock().await;
        let change = self
            .settle_and_race(who, now_ms(), &settings, gpx.clone())
            .await?;
        let Some(change) = change else {
            return Ok(None);
        };
        let what = change.what.clone();
        self.announce(News::Settings {
            settings,
            gpx,
            change,
        })
        .await;
        tracing::info!(who, what, "event settings changed");
        Ok(Some(what))
    }

    /// Another node's settings change, applied here as it was there (the caller
    /// holds the one-at-a-time lock).
    pub(super) async fn apply_settings_news(
        &self,
        settings: Settings,
        gpx: Option<String>,
        change: EventChange,
    ) {
        if let Err(err) = self
            .settle_and_race(&change.who, change.at_ms, &settings, gpx)
            .await
        {
            tracing::error!(%err, "cluster: another node's event settings not applied");
        }
    }

    /// Checks, stores and races; the history entry made, if anything changed.
    async fn settle_and_race(
        &self,
        who: &str,
        at_ms: u64,
        settings: &Settings,
        gpx: Option<String>,
    ) -> Result<Option<EventChange>, RosterError> {
        let Some(race) = self.hub.race() else {
            return self.create(who, at_ms, settings, gpx).await.map(Some);
        };
        let current = race.event();
        let settled = self.settle(Some(&current), settings, gpx)?;
        let Some(what) = super::history::settings_changed(&current, &settled.event) else {
            return Ok(None);
        };
        let change = EventChange {
            at_ms,
            who: who.to_owned(),
            what,
        };
        if let Some(course) = &settled.course {
            write_course(course).await?;
        }
        self.store
            .put_settings(
                settled.toml,
                settled.course,
                change.clone(),
                Stored::Changed,
            )
            .await?;
        let start_ms = if settled.event.start == current.start {
            race.start_ms()
        } else {
            unix_ms(settled.event.start)
        };
        self.hub.access.private.set_event(settled.event.private);
        race.replace_settings(Arc::new(settled.event), start_ms);
        self.hub.board.touch();
        Ok(Some(change))
    }

    /// The event of `settings` and `gpx` created on a server that tracked none, and
    /// tracked from now on.
    async fn create(
        &self,
        who: &str,
        at_ms: u64,
        settings: &Settings,
        gpx: Option<String>,
    ) -> Result<EventChange, RosterError> {
        let settled = self.settle(None, settings, gpx)?;
        let change = EventChange {
            at_ms,
            who: who.to_owned(),
            what: format!("created the event {:?}", settled.event.name),
        };
        let Some(course) = settled.course else {
            return Err(RosterError::Invalid(vec![
                "choose the course's GPX file".into(),
            ]));
        };
        write_course(&course).await?;
        self.store
            .put_settings(settled.toml, Some(course), change.clone(), Stored::Created)
            .await?;
        self.hub.access.private.set_event(settled.event.private);
        let race = Arc::new(Race::new(Arc::new(settled.event)));
        if self.hub.start_race(race).is_err() {
            // Only this lock's holder starts a race: not reached.
            tracing::error!("event created while another was being tracked");
        }
        if let Some(cluster) = &self.cluster {
            // Its board needs the fixes the other nodes take.
            cluster.follow_all_runners().await;
        }
        Ok(change)
    }

    /// `settings` with `gpx` (or `current`'s course) checked into an event with
    /// `current`'s field (none without a current event).
    fn settle(
        &self,
        current: Option<&Event>,
        settings: &Settings,
        gpx: Option<String>,
    ) -> Result<Settled, RosterError> {
        // The course is read once: a new one checked here, the current one as raced.
        let (path, course, text, file) = match gpx {
            Some(gpx) => {
                let course = Course::from_gpx(&gpx).map_err(|e| {
                    let each = e.messages().into_iter();
                    RosterError::Invalid(each.map(|m| format!("the GPX file: {m}")).collect())
                })?;
                let path = self.course_path(&gpx);
                let file = CourseFile {
                    path: path.to_string_lossy().into_owned(),
                    gpx: gpx.clone(),
                };
                (path, course, Arc::<str>::from(gpx), Some(file))
            }
            None => {
                let current = current.ok_or_else(|| {
                    RosterError::Invalid(vec!["choose the course's GPX file".into()])
                })?;
                (
                    std::path::absolute(&current.course_path)
                        .unwrap_or_else(|_| current.course_path.clone()),
                    current.course.clone(),
                    current.course_gpx.clone(),
                    None,
                )
            }
        };
        let runners = current.map_or(&[][..], |c| &c.runners[..]);
        let invalid = |e: &dyn std::fmt::Display| RosterError::Invalid(vec![e.to_string()]);
        let toml = settings.to_toml(&path).map_err(|e| invalid(&e))?;
        // The settings alone, then the field: the runners are checked as they are, not
        // written out and read back (0.4-0.5 s at 5,000 runners on a debug build).
        let event = Event::parse_settings(&toml, &path, course, text)
            .map_err(|errors| {
                RosterError::Invalid(errors.problems.into_iter().map(|p| p.message).collect())
            })?
            .with_runners(runners.to_vec())
            .map_err(RosterError::Invalid)?;
        Ok(Settled {
            event,
            toml,
            course: file,
        })
    }

    /// Where an uploaded course is kept: the data directory's `courses/`, named by
    /// its content, so a file once written never changes under a running event.
    fn course_path(&self, gpx: &str) -> PathBuf {
        let digest = Sha256::digest(gpx.as_bytes());
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let dir = self.store.path().parent().unwrap_or(Path::new("."));
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        dir.join("courses").join(format!("{name}.gpx"))
    }
}

/// Writes `course` where the settings point (whole or not at all: a temporary file
/// renamed), so `spectate event export` and a restart read it.
pub(crate) async fn write_course(course: &CourseFile) -> Result<(), StoreError> {
    let path = PathBuf::from(&course.path);
    let gpx = course.gpx.clone();
    let failed = |e: std::io::Error| {
        StoreError::Failed(format!("cannot write the course file {}: {e}", course.path))
    };
    tokio::task::spawn_blocking(move || {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let partial = path.with_extension("gpx.partial");
        std::fs::write(&partial, gpx)?;
        std::fs::rename(&partial, &path)
    })
    .await
    .map_err(|e| failed(std::io::Error::other(e)))?
    .map_err(failed)
}
