//! The event's settings as the console changes them: the settings raced
//! (`event_source.settings`), every change to them (`event_changes`: who, when,
//! what), and the course files uploaded (`courses`, by the path the settings name).
//! [`crate::roster::settings`] decides what a change is; this keeps the rows.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// One change to the event's settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct EventChange {
    /// When, ms since the Unix epoch.
    pub(crate) at_ms: u64,
    /// Who made it.
    pub(crate) who: String,
    /// What it did, in words.
    pub(crate) what: String,
}

/// A course file: where the settings say it is, and its GPX text.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CourseFile {
    /// The path the settings' `course` names.
    pub(crate) path: String,
    /// The GPX text.
    pub(crate) gpx: String,
}

/// Whether the settings stored are a new event's or the event's own, changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// The event exists (imported at start, or created before).
    Changed,
    /// An event created in the console: refused if the store holds one already.
    Created,
}

impl Store {
    /// Makes `settings` the event's settings (a new one's if `stored` says so) and
    /// records `change`, with the new course file if there is one, in one transaction.
    pub(crate) async fn put_settings(
        &self,
        settings: String,
        course: Option<CourseFile>,
        change: EventChange,
        stored: Stored,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            let tx = connection.transaction()?;
            if let Some(course) = &course {
                tx.execute(
                    "INSERT INTO courses (path, gpx) VALUES (?1, ?2)
                     ON CONFLICT (path) DO UPDATE SET gpx = ?2",
                    params![course.path, course.gpx],
                )?;
            }
            match stored {
                Stored::Changed => tx.execute(
                    "UPDATE event_source SET settings = ?1 WHERE id = 1",
                    params![settings],
                )?,
                // No event file: `imported` is an empty field, `file_settings` none.
                Stored::Created => tx.execute(
                    "INSERT INTO event_source (id, settings, imported) VALUES (1, ?1, '')",
                    params![settings],
                )?,
            };
            tx.execute(
                "INSERT INTO event_changes (at_ms, who, what) VALUES (?1, ?2, ?3)",
                params![change.at_ms as i64, change.who, change.what],
            )?;
            tx.commit()
        })
        .await
    }

    /// The event's settings as stored (TOML), without reading the field; none if the
    /// store holds no event.
    pub(crate) async fn settings(&self) -> Result<Option<String>, StoreError> {
        self.run(|connection| {
            connection
                .query_row(
                    "SELECT settings FROM event_source WHERE id = 1",
                    [],
                    |row| row.get(0),
                )
                .optional()
        })
        .await
    }

    /// The latest `limit` changes to the event's settings, newest first.
    pub(crate) async fn event_changes(&self, limit: usize) -> Result<Vec<EventChange>, StoreError> {
        self.run(move |connection| {
            let mut read = connection
                .prepare("SELECT at_ms, who, what FROM event_changes ORDER BY id DESC LIMIT ?1")?;
            let rows = read.query_map(params![limit as i64], |row| {
                Ok(EventChange {
                    at_ms: row.get::<_, i64>(0)? as u64,
                    who: row.get(1)?,
                    what: row.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// The stored GPX text of the course file at `path`, if one was uploaded there.
    pub(crate) async fn course_file(&self, path: String) -> Result<Option<String>, StoreError> {
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT gpx FROM courses WHERE path = ?1",
                    params![path],
                    |row| row.get(0),
                )
                .optional()
        })
        .await
    }
}
