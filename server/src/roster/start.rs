//! The event file at start: its field goes into the store, unless the store already
//! holds the field of this very file with the console's edits on top.
//!
//! The store remembers the field of the file it last imported. Started again with the
//! same file, the server keeps the stored field (the organisers' edits survive a
//! restart); started with a file whose field differs (the organiser edited it), the
//! file's field replaces the stored one, recorded in the history like any change. The
//! settings (name, start, course, checkpoints, `[safety]`) always come from the file;
//! they are stored too, for `spectate event export`.

use crate::{
    event::{
        Event,
        export::{self, ExportError},
    },
    hub::now_ms,
    store::{Store, StoreError, field::FieldChange},
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
/// holds this file's, else with the file's, stored now.
pub async fn open(store: &Store, event: Event, text: &str) -> Result<Event, StartError> {
    let settings = export::settings_of(text, &event.course_path)?;
    let imported = export::to_toml("", &event.runners)?;
    if let Some(stored) = store.field().await?
        && stored.imported == imported
    {
        match event.with_runners(stored.runners) {
            Ok(kept) => {
                tracing::info!(
                    runners = kept.runners.len(),
                    "field: the stored one (the event file is as last imported)"
                );
                if stored.settings != settings {
                    store
                        .put_field(kept.runners.clone(), Vec::new(), Some((settings, imported)))
                        .await?;
                }
                return Ok(kept);
            }
            Err(problems) => tracing::warn!(
                ?problems,
                "field: the stored one breaks the rules; importing the event file's"
            ),
        }
    }
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
    store
        .put_field(event.runners.clone(), changes, Some((settings, imported)))
        .await?;
    tracing::info!(
        runners = event.runners.len(),
        "field: imported from the event file"
    );
    Ok(event)
}
