//! The event file at start: its field goes into the store, unless the store already
//! holds the field of this very file with the console's edits on top.
//!
//! The store remembers the field of the file it last imported. Started again with the
//! same file, the server keeps the stored field (the organisers' edits survive a
//! restart); started with a file whose field differs (the organiser edited it), the
//! file's field replaces the stored one, recorded in the history like any change.
//!
//! The settings (name, start, course, checkpoints, `[safety]`) work the same way: the
//! store remembers the file's settings as last imported, and while the file's are
//! still those, the settings the console made since ([`super::settings`]) are raced;
//! a file whose settings changed replaces them.

use std::sync::Arc;

use crate::{
    course::Course,
    event::{
        Event, Runner,
        export::{self, ExportError},
        settings::Settings,
    },
    hub::now_ms,
    store::{
        Store, StoreError,
        event_settings::CourseFile,
        field::{FieldChange, Source},
    },
};

/// Who the history names for the event file's changes.
pub(crate) const EVENT_FILE: &str = "event file";

/// Why the event could not be brought into the store.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The event could not be written as TOML.
    #[error("{0}")]
    Export(String),
}

impl From<ExportError> for StartError {
    fn from(err: ExportError) -> Self {
        Self::Export(err.to_string())
    }
}

/// The event to race: `event` (read from `text`) with the stored field when the store
/// holds this file's, else with the file's, stored now; and with the console's
/// settings when the store holds some made since this file's were imported.
pub async fn open(store: &Store, event: Event, text: &str) -> Result<Event, StartError> {
    let file_settings = export::settings_of(text, &event.course_path)?;
    let imported = export::to_toml("", &event.runners)?;
    let stored = store.field().await?;
    let kept_field = stored
        .as_ref()
        .filter(|stored| stored.imported == imported)
        .and_then(|stored| match event.with_runners(stored.runners.clone()) {
            Ok(kept) => Some(kept),
            Err(problems) => {
                tracing::warn!(
                    ?problems,
                    "field: the stored one breaks the rules; importing the event file's"
                );
                None
            }
        });
    let (mut raced, changes) = match kept_field {
        Some(kept) => {
            tracing::info!(
                runners = kept.runners.len(),
                "field: the stored one (the event file is as last imported)"
            );
            (kept, Vec::new())
        }
        None => {
            let at_ms = now_ms();
            let changes = event
                .runners
                .iter()
                .map(|r| FieldChange {
                    at_ms,
                    who: EVENT_FILE.into(),
                    bib: r.bib.clone(),
                    what: super::history::added(r),
                })
                .collect();
            tracing::info!(
                runners = event.runners.len(),
                "field: imported from the event file"
            );
            (event, changes)
        }
    };
    // What the store holds of the file: when nothing differs, nothing is written (a
    // restart with 5,000 runners would rewrite every row).
    let file_as_stored = stored
        .as_ref()
        .is_some_and(|s| s.file_settings.as_deref() == Some(file_settings.as_str()));
    let files_raced = stored.as_ref().is_some_and(|s| s.settings == file_settings);
    // The console's settings, kept while the file's are as they were when imported.
    let console = stored.filter(|stored| {
        stored.file_settings.as_deref() == Some(file_settings.as_str())
            && stored.settings != file_settings
    });
    let mut settings = Some(file_settings.clone());
    if let Some(console) = console {
        match reopen(store, &console.settings, &raced.runners).await {
            Ok(event) => {
                tracing::info!("settings: the console's (the event file's are as last imported)");
                raced = event;
                settings = None;
            }
            Err(problem) => tracing::warn!(
                %problem,
                "settings: the console's cannot be raced; taking the event file's"
            ),
        }
    }
    if changes.is_empty() && file_as_stored && (settings.is_none() || files_raced) {
        return Ok(raced);
    }
    let source = Source {
        settings,
        file_settings,
        imported,
    };
    store
        .put_field(raced.runners.clone(), changes, Some(source))
        .await?;
    Ok(raced)
}

/// The event the store holds, for a server started without an event file (one
/// created in the console, or imported from a file before); none if it holds none.
/// A stored event that cannot be raced (its course is gone) is logged, not raced.
pub async fn stored(store: &Store) -> Result<Option<Event>, StartError> {
    let Some(stored) = store.field().await? else {
        return Ok(None);
    };
    match reopen(store, &stored.settings, &stored.runners).await {
        Ok(event) => {
            tracing::info!(
                name = event.name,
                runners = event.runners.len(),
                "event: the stored one"
            );
            Ok(Some(event))
        }
        Err(problem) => {
            tracing::error!(%problem, "event: the stored one cannot be raced; tracking none");
            Ok(None)
        }
    }
}

/// An event of the stored `settings` and `runners` (the course read from its file,
/// or from the store when the file is gone, and written back).
async fn reopen(store: &Store, settings: &str, runners: &[Runner]) -> Result<Event, String> {
    let (_, course) = Settings::read(settings).map_err(|e| e.to_string())?;
    let gpx = match tokio::fs::read_to_string(&course).await {
        Ok(gpx) => gpx,
        Err(err) => {
            let path = course.to_string_lossy().into_owned();
            let gpx = store
                .course_file(path.clone())
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("cannot read the course {path}: {err}"))?;
            let file = CourseFile { path, gpx };
            super::settings::write_course(&file)
                .await
                .map_err(|e| e.to_string())?;
            file.gpx
        }
    };
    let parsed =
        Course::from_gpx(&gpx).map_err(|e| format!("the course {}: {e}", course.display()))?;
    Event::parse_settings(settings, &course, parsed, Arc::from(gpx))
        .map_err(|e| e.to_string())?
        .with_runners(runners.to_vec())
        .map_err(|problems| problems.join("; "))
}
