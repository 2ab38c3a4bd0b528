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
    event::{Event, export::to_toml, settings::Settings},
    hub::now_ms,
    race::{Race, unix_ms},
    store::{
        StoreError,
        event_settings::{CourseFile, EventChange},
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
    /// current course), on behalf of `who`. Returns what changed, in words (none when
    /// nothing did).
    pub(crate) async fn set_event(
        &self,
        who: &str,
        settings: Settings,
        gpx: Option<String>,
    ) -> Result<Option<String>, RosterError> {
        let race = self.hub.race().ok_or(RosterError::NoEvent)?;
        let _one_at_a_time = self.changing.lock().await;
        let change = self
            .settle_and_race(race, who, now_ms(), &settings, gpx.clone())
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

    /// Another node's settings change, applied here as it was there.
    pub(super) async fn apply_settings_news(
        &self,
        race: &Race,
        settings: Settings,
        gpx: Option<String>,
        change: EventChange,
    ) {
        if let Err(err) = self
            .settle_and_race(race, &change.who, change.at_ms, &settings, gpx)
            .await
        {
            tracing::error!(%err, "cluster: another node's event settings not applied");
        }
    }

    /// Checks, stores and races; the history entry made, if anything changed.
    async fn settle_and_race(
        &self,
        race: &Race,
        who: &str,
        at_ms: u64,
        settings: &Settings,
        gpx: Option<String>,
    ) -> Result<Option<EventChange>, RosterError> {
        let current = race.event();
        let settled = self.settle(&current, settings, gpx)?;
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
            .put_settings(settled.toml, settled.course, change.clone())
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

    /// `settings` with `gpx` (or `current`'s course) checked into an event.
    fn settle(
        &self,
        current: &Event,
        settings: &Settings,
        gpx: Option<String>,
    ) -> Result<Settled, RosterError> {
        let (path, text, course) = match gpx {
            Some(gpx) => {
                Course::from_gpx(&gpx)
                    .map_err(|e| RosterError::Invalid(vec![format!("the GPX file: {e}")]))?;
                let path = self.course_path(&gpx);
                let file = CourseFile {
                    path: path.to_string_lossy().into_owned(),
                    gpx: gpx.clone(),
                };
                (path, Arc::<str>::from(gpx), Some(file))
            }
            None => (
                std::path::absolute(&current.course_path)
                    .unwrap_or_else(|_| current.course_path.clone()),
                current.course_gpx.clone(),
                None,
            ),
        };
        let invalid = |e: &dyn std::fmt::Display| RosterError::Invalid(vec![e.to_string()]);
        let toml = settings.to_toml(&path).map_err(|e| invalid(&e))?;
        let file = to_toml(&toml, &current.runners).map_err(|e| invalid(&e))?;
        let event = Event::parse_with(&file, &path, |asked| {
            if asked == path {
                Ok(text.to_string())
            } else {
                Err(std::io::Error::other("not the course given"))
            }
        })
        .map_err(|errors| {
            RosterError::Invalid(errors.problems.into_iter().map(|p| p.message).collect())
        })?;
        Ok(Settled {
            event,
            toml,
            course,
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
