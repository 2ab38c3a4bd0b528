//! `spectate backup` and `spectate restore`: a race's data in one file, taken while
//! the server runs, and put back into a new data directory (another machine, a new
//! server).
//!
//! The backup is SQLite's online backup API over a read-only connection of its own,
//! copying every page in **one step**: the copy then reads one snapshot (WAL lets
//! the server go on committing meanwhile), so it holds every fix acknowledged before
//! it began. Copied in small steps instead, SQLite restarts the copy whenever another
//! process writes between two steps, which under a steady ingest can be forever.
//!
//! The file is a plain SQLite database (rollback journal, so it is one file) with one
//! table added, `carried_secret`: the data dir's token signing secret, so that the
//! runners' tracking links keep working after a move. It is written as `FILE.partial`
//! (mode 0600: it holds every track and the secret) and renamed when complete, so a
//! file under the asked name is always whole.
//!
//! A restore checks the file first (`PRAGMA integrity_check`, a schema version this
//! server knows, a `fixes` table), refuses a data dir that holds anything, copies the
//! store in the same way and writes the secret back; the server migrates an older
//! schema when it opens the store.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use clap::Args;
use rusqlite::{Connection, OpenFlags, OptionalExtension, backup::StepResult};

use crate::{auth::secret, store};

mod checks;

use checks::{check, has_table, refuse_unless_empty};

/// Options of `spectate backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The data directory of the store to copy (the server may be running on it).
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The backup file to write (must not exist yet).
    #[arg(long)]
    pub to: PathBuf,
}

/// Options of `spectate restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `spectate backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// The data directory to restore into: new or empty.
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The data dir has no store to back up.
    #[error("{0} holds no Spectate store (no spectate.db): check --data-dir")]
    NoStore(PathBuf),
    /// The backup would replace a file.
    #[error("{0} already exists: back up to a new file")]
    TargetExists(PathBuf),
    /// The file to restore from is not there.
    #[error("{0}: no such file")]
    Missing(PathBuf),
    /// The file to restore from is not a database.
    #[error("{0} is not a SQLite database, so not a Spectate backup")]
    NotSqlite(PathBuf),
    /// The database is damaged.
    #[error("{path} is damaged: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What `PRAGMA integrity_check` found (its first lines).
        detail: String,
    },
    /// A database, but not one of ours.
    #[error("{path} is not a Spectate store: {why}")]
    NotSpectate {
        /// The file.
        path: PathBuf,
        /// What is missing.
        why: String,
    },
    /// A store of a newer Spectate, whose schema this one cannot read.
    #[error(
        "{path} was written by a newer Spectate (schema {found}; this one reads up to {known}): restore it with that version"
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: usize,
        /// The newest this server knows.
        known: usize,
    },
    /// The data dir to restore into holds something.
    #[error(
        "{dir} is not empty (it holds {entry}): restore only into a new or empty data directory, so that nothing is overwritten"
    )]
    NotEmpty {
        /// The directory.
        dir: PathBuf,
        /// One thing it holds.
        entry: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The carried secret could not be written back.
    #[error("{0}")]
    Secret(#[from] secret::SecretError),
}

/// What a backup or restore copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Stored fixes.
    pub fixes: u64,
    /// Whether the token signing secret came along.
    pub secret: bool,
}

/// The table that carries the signing secret inside a backup file.
const CARRIED_SECRET: &str = "carried_secret";

/// How long a step waits out a lock (only WAL recovery takes one from readers).
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// Copies `data_dir`'s store (and secret) into the new file `to`.
pub fn backup(data_dir: &Path, to: &Path) -> Result<Copied, BackupError> {
    let source_path = store::file_in(data_dir);
    if !source_path.is_file() {
        return Err(BackupError::NoStore(data_dir.to_owned()));
    }
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    let source = open_read_only(&source_path)?;
    let partial = partial_name(to);
    let result = write_backup(&source, data_dir, &partial).and_then(|copied| {
        std::fs::rename(&partial, to).map_err(|source| BackupError::Io {
            path: to.to_owned(),
            source,
        })?;
        Ok(copied)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Puts the backup `from` into `data_dir`, which must be new or empty.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Copied, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_owned()));
    }
    refuse_unless_empty(data_dir)?;
    let source = open_read_only(from)?;
    let copied = check(&source, from)?;
    let carried: Option<String> = if has_table(&source, from, CARRIED_SECRET)? {
        source
            .query_row(&format!("SELECT key FROM {CARRIED_SECRET}"), [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sqlite(from))?
    } else {
        None
    };
    crate::data_dir::create(data_dir).map_err(|source| BackupError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    let target = store::file_in(data_dir);
    let partial = partial_name(&target);
    // The store appears last, so a restore that fails leaves the dir as it was.
    let result = (|| {
        let mut restored = create_private(&partial)?;
        copy(&source, &mut restored, &partial)?;
        restored
            .execute_batch(&format!("DROP TABLE IF EXISTS {CARRIED_SECRET}"))
            .map_err(sqlite(&partial))?;
        drop(restored);
        if let Some(key) = &carried {
            secret::write_new(data_dir, key)?;
        }
        std::fs::rename(&partial, &target).map_err(|source| BackupError::Io {
            path: target.clone(),
            source,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
        if carried.is_some() {
            let _ = std::fs::remove_file(secret::file_in(data_dir));
        }
    }
    result?;
    Ok(Copied {
        secret: carried.is_some(),
        ..copied
    })
}

/// Writes the backup file: the pages, a rollback journal instead of WAL, the secret.
fn write_backup(source: &Connection, data_dir: &Path, to: &Path) -> Result<Copied, BackupError> {
    let _ = std::fs::remove_file(to);
    let mut copy_to = create_private(to)?;
    copy(source, &mut copy_to, to)?;
    // One self-contained file: no -wal beside it to forget.
    let mode: String = copy_to
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(sqlite(to))?;
    if mode != "delete" {
        return Err(BackupError::Sqlite {
            path: to.to_owned(),
            source: rusqlite::Error::InvalidQuery,
        });
    }
    let secret_file = secret::file_in(data_dir);
    let secret = match std::fs::read_to_string(&secret_file) {
        Ok(text) => Some(text.trim().to_owned()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(BackupError::Io {
                path: secret_file,
                source,
            });
        }
    };
    if let Some(secret) = &secret {
        copy_to
            .execute_batch(&format!(
                "CREATE TABLE {CARRIED_SECRET} (key TEXT NOT NULL)"
            ))
            .and_then(|()| {
                copy_to.execute(
                    &format!("INSERT INTO {CARRIED_SECRET} (key) VALUES (?1)"),
                    [secret],
                )
            })
            .map_err(sqlite(to))?;
    }
    let copied = check(&copy_to, to)?;
    Ok(Copied {
        secret: secret.is_some(),
        ..copied
    })
}

/// Copies every page of `from` into `to` in one step, so from one snapshot.
fn copy(from: &Connection, to: &mut Connection, path: &Path) -> Result<(), BackupError> {
    let backup = rusqlite::backup::Backup::new(from, to).map_err(sqlite(path))?;
    let deadline = std::time::Instant::now() + BUSY_WAIT;
    loop {
        match backup.step(-1).map_err(sqlite(path))? {
            StepResult::Done => return Ok(()),
            // With -1 every page goes in one step; a lock is waited out.
            _ if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => {
                return Err(BackupError::Sqlite {
                    path: path.to_owned(),
                    source: rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some("the store stayed locked".into()),
                    ),
                });
            }
        }
    }
}

fn open_read_only(path: &Path) -> Result<Connection, BackupError> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(path))?;
    connection.busy_timeout(BUSY_WAIT).map_err(sqlite(path))?;
    Ok(connection)
}

/// A new database file that only its owner may read.
fn create_private(path: &Path) -> Result<Connection, BackupError> {
    crate::data_dir::private_file(path).map_err(|source| BackupError::Io {
        path: path.to_owned(),
        source,
    })?;
    Connection::open(path).map_err(sqlite(path))
}

fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> BackupError + '_ {
    move |source| BackupError::Sqlite {
        path: path.to_owned(),
        source,
    }
}
