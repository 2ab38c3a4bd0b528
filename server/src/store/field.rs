//! The event's field as stored: the runners in field order (`runners`), every change
//! made to them (`runner_changes`: who, when, what), the event file's settings with
//! the field it last imported (`event_source`), and the runners' token revocations
//! (`token_revocations`). [`crate::roster`] decides what
//! a change is; this keeps the rows, on the store's one thread like every write.

use rusqlite::{Connection, OptionalExtension, params};
use spectate_app::protocol::RunnerId;

use super::{Store, StoreError};
use crate::event::Runner;

/// The field and where it came from, as stored.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StoredField {
    /// The runners, in field order.
    pub(crate) runners: Vec<Runner>,
    /// The event's settings raced: its TOML without the runners, from the event file
    /// or as the console changed them since ([`crate::roster::settings`]).
    pub(crate) settings: String,
    /// The event file's settings as last imported (none in a store older than the
    /// console's settings page).
    pub(crate) file_settings: Option<String>,
    /// The field of the event file as last imported (TOML).
    pub(crate) imported: String,
}

/// What the event file gave, stored at start.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Source {
    /// The settings to race from now on; none keeps the stored ones (the console's).
    pub(crate) settings: Option<String>,
    /// The event file's settings.
    pub(crate) file_settings: String,
    /// The event file's field (TOML).
    pub(crate) imported: String,
}

/// One change to the field.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FieldChange {
    /// When, ms since the Unix epoch.
    pub(crate) at_ms: u64,
    /// Who made it (an organiser's name, or `event file`).
    pub(crate) who: String,
    /// Whose runner it changed.
    pub(crate) bib: RunnerId,
    /// What it did, in words.
    pub(crate) what: String,
}

impl Store {
    /// The stored field, if an event was ever imported into this store.
    pub(crate) async fn field(&self) -> Result<Option<StoredField>, StoreError> {
        self.run(|connection| {
            let Some((settings, imported, file_settings)) = connection
                .query_row(
                    "SELECT settings, imported, file_settings FROM event_source WHERE id = 1",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?
            else {
                return Ok(None);
            };
            let runners = read_runners(connection)?;
            Ok(Some(StoredField {
                runners,
                settings,
                file_settings,
                imported,
            }))
        })
        .await
    }

    /// Makes `runners` the field and records `changes`, in one transaction; with
    /// `source`, also what the event file gave (see [`Source`]).
    pub(crate) async fn put_field(
        &self,
        runners: Vec<Runner>,
        changes: Vec<FieldChange>,
        source: Option<Source>,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            let tx = connection.transaction()?;
            tx.execute("DELETE FROM runners", [])?;
            {
                let mut insert = tx.prepare(
                    "INSERT INTO runners (position, bib, name, category, devices) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (position, runner) in runners.iter().enumerate() {
                    let devices = serde_json::to_string(&runner.devices)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                    insert.execute(params![
                        position as i64,
                        runner.bib.as_str(),
                        runner.name,
                        runner.category,
                        devices
                    ])?;
                }
                let mut record = tx.prepare(
                    "INSERT INTO runner_changes (at_ms, who, bib, what) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for change in &changes {
                    record.execute(params![
                        change.at_ms as i64,
                        change.who,
                        change.bib.as_str(),
                        change.what
                    ])?;
                }
            }
            if let Some(source) = source {
                tx.execute(
                    "INSERT INTO event_source (id, settings, imported, file_settings)
                     VALUES (1, coalesce(?1, ?3), ?2, ?3)
                     ON CONFLICT (id) DO UPDATE
                     SET settings = coalesce(?1, settings), imported = ?2, file_settings = ?3",
                    params![source.settings, source.imported, source.file_settings],
                )?;
            }
            tx.commit()
        })
        .await
    }

    /// Refuses `change.bib`'s tokens issued before `before_s`, recording `change`.
    pub(crate) async fn revoke_tokens(
        &self,
        before_s: u64,
        change: FieldChange,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            let tx = connection.transaction()?;
            tx.execute(
                "INSERT INTO token_revocations (runner, before_s) VALUES (?1, ?2)
                 ON CONFLICT (runner) DO UPDATE SET before_s = max(before_s, ?2)",
                params![change.bib.as_str(), before_s as i64],
            )?;
            tx.execute(
                "INSERT INTO runner_changes (at_ms, who, bib, what) VALUES (?1, ?2, ?3, ?4)",
                params![
                    change.at_ms as i64,
                    change.who,
                    change.bib.as_str(),
                    change.what
                ],
            )?;
            tx.commit()
        })
        .await
    }

    /// Every runner's revocation time (see [`Self::revoke_tokens`]).
    pub(crate) async fn token_revocations(&self) -> Result<Vec<(RunnerId, u64)>, StoreError> {
        self.run(|connection| {
            let mut query = connection.prepare("SELECT runner, before_s FROM token_revocations")?;
            let rows = query.query_map([], |row| {
                let runner: String = row.get(0)?;
                Ok((parse_bib(&runner, 0)?, row.get::<_, i64>(1)?.max(0) as u64))
            })?;
            rows.collect()
        })
        .await
    }

    /// The latest `limit` changes, newest first: `bib`'s only, when given.
    pub(crate) async fn field_history(
        &self,
        bib: Option<RunnerId>,
        limit: usize,
    ) -> Result<Vec<FieldChange>, StoreError> {
        self.run(move |connection| {
            let mut query = connection.prepare(
                "SELECT at_ms, who, bib, what FROM runner_changes
                 WHERE ?1 IS NULL OR bib = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = query.query_map(
                params![bib.as_ref().map(RunnerId::as_str), limit as i64],
                |row| {
                    let bib: String = row.get(2)?;
                    Ok(FieldChange {
                        at_ms: row.get::<_, i64>(0)?.max(0) as u64,
                        who: row.get(1)?,
                        bib: parse_bib(&bib, 2)?,
                        what: row.get(3)?,
                    })
                },
            )?;
            rows.collect()
        })
        .await
    }
}

fn read_runners(connection: &Connection) -> rusqlite::Result<Vec<Runner>> {
    let mut query =
        connection.prepare("SELECT bib, name, category, devices FROM runners ORDER BY position")?;
    let rows = query.query_map([], |row| {
        let bib: String = row.get(0)?;
        let devices: String = row.get(3)?;
        Ok(Runner {
            bib: parse_bib(&bib, 0)?,
            name: row.get(1)?,
            category: row.get(2)?,
            devices: serde_json::from_str(&devices).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    3,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
        })
    })?;
    rows.collect()
}

fn parse_bib(text: &str, column: usize) -> rusqlite::Result<RunnerId> {
    RunnerId::parse(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}
