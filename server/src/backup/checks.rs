//! What makes a file a Spectate store that this server can take, and a data dir
//! that a restore may fill.

use std::path::Path;

use rusqlite::{Connection, ErrorCode};

use super::{BackupError, Copied, sqlite};
use crate::store;

/// Checks that `connection` is a whole Spectate store this server can read; counts it.
pub(super) fn check(connection: &Connection, path: &Path) -> Result<Copied, BackupError> {
    let mut query = connection
        .prepare("PRAGMA integrity_check")
        .map_err(not_sqlite(path))?;
    let findings: Vec<String> = query
        .query_map([], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(not_sqlite(path))?;
    if findings != ["ok"] {
        return Err(BackupError::Damaged {
            path: path.to_owned(),
            detail: findings
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    let found: usize = connection
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    let known = store::schema::version();
    if found > known {
        return Err(BackupError::Newer {
            path: path.to_owned(),
            found,
            known,
        });
    }
    if found == 0 || !has_table(connection, path, "fixes")? {
        return Err(BackupError::NotSpectate {
            path: path.to_owned(),
            why: "no schema version or no fixes table".into(),
        });
    }
    let fixes: u64 = connection
        .query_row("SELECT count(*) FROM fixes", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    Ok(Copied {
        fixes,
        secret: false,
    })
}

pub(super) fn has_table(
    connection: &Connection,
    path: &Path,
    name: &str,
) -> Result<bool, BackupError> {
    connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |r| r.get::<_, u32>(0),
        )
        .map(|n| n > 0)
        .map_err(not_sqlite(path))
}

/// `dir` is missing or holds nothing.
pub(super) fn refuse_unless_empty(dir: &Path) -> Result<(), BackupError> {
    let io = |source| BackupError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io(err)),
    };
    match entries.next() {
        None => Ok(()),
        Some(entry) => Err(BackupError::NotEmpty {
            dir: dir.to_owned(),
            entry: entry
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .map_err(io)?,
        }),
    }
}

/// Like [`sqlite`], but SQLite's "file is not a database" says so plainly.
fn not_sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> BackupError + '_ {
    move |source| match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => BackupError::NotSqlite(path.to_owned()),
        _ => BackupError::Sqlite {
            path: path.to_owned(),
            source,
        },
    }
}
