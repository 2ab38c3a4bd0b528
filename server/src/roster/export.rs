//! `spectate event export`: the event as this data directory's store holds it (the
//! event file's settings and the field with every change made since), printed as an
//! event file that `spectate event check` and `serve --event` read back.

use std::path::Path;

use crate::{
    event::export::to_toml,
    store::{Store, StoreError, file_in},
};

/// Why nothing was exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No store in that directory.
    #[error("no store in {0}: give the server's --data-dir")]
    NoStore(String),
    /// The store holds no event yet.
    #[error("the store in {0} holds no event: start `spectate serve --event FILE` once")]
    NoEvent(String),
    /// The store could not be read.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The event could not be written as TOML.
    #[error("{0}")]
    Toml(String),
}

/// The stored event of the server whose data directory is `data_dir`, as TOML.
pub async fn run(data_dir: &Path) -> Result<String, ExportError> {
    let shown = data_dir.display().to_string();
    if !file_in(data_dir).exists() {
        return Err(ExportError::NoStore(shown));
    }
    let store = Store::open(data_dir)?;
    let field = store.field().await?.ok_or(ExportError::NoEvent(shown))?;
    to_toml(&field.settings, &field.runners).map_err(|e| ExportError::Toml(e.to_string()))
}
