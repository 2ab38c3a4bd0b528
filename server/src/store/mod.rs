//! The durable store: every accepted tracker fix, in SQLite (WAL) in the data dir.
//!
//! One thread owns the database connection. Appends queue up while it commits, and it
//! writes everything queued in one transaction, so a burst of fixes costs one commit
//! (one fsync) instead of one each. A fix is acknowledged to its sender only after the
//! transaction that holds it has committed: an HTTP 200 means the fix is on disk.
//!
//! - [`schema`]: the migrations, applied in order at open (`PRAGMA user_version`).
//! - [`gpx_export`]: a runner's stored track as a GPX document.

pub mod gpx_export;
pub mod schema;

use std::{
    path::{Path, PathBuf},
    sync::mpsc as std_mpsc,
    thread,
};

use rusqlite::{Connection, params};
use spectate_app::protocol::{LatLng, RunnerId};
use tokio::sync::oneshot;

/// Appends committed in one transaction, at most.
const MAX_BATCH: usize = 1000;

/// One stored fix.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFix {
    /// Whose.
    pub runner: RunnerId,
    /// Where.
    pub position: LatLng,
    /// When the device took it, ms since the Unix epoch.
    pub taken_ms: u64,
    /// When the server received it.
    pub received_ms: u64,
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Accuracy radius, m.
    pub accuracy_m: Option<f64>,
    /// Altitude, m.
    pub altitude_m: Option<f64>,
    /// Battery, percent.
    pub battery_pct: Option<f64>,
    /// Which door it came through (`owntracks`, `osmand`, ...).
    pub source: &'static str,
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store's thread is gone (the server is stopping).
    #[error("the store is closed")]
    Closed,
    /// The store's thread reported a failure.
    #[error("database error: {0}")]
    Failed(String),
    /// The database file could not be set up.
    #[error("cannot open the store {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
}

enum Command {
    Append(StoredFix, oneshot::Sender<Result<(), String>>),
    Track(RunnerId, oneshot::Sender<Result<Vec<StoredFix>, String>>),
    Recent(usize, oneshot::Sender<Result<Vec<StoredFix>, String>>),
    Prune(u64, oneshot::Sender<Result<usize, String>>),
}

/// A handle to the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    commands: std_mpsc::Sender<Command>,
    path: PathBuf,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

impl Store {
    /// Opens (creating and migrating) `spectate.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join("spectate.db");
        let failed = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        // Every runner's track: the server's alone (SQLite gives the WAL the same mode).
        for file in [
            path.clone(),
            path.with_extension("db-wal"),
            path.with_extension("db-shm"),
        ] {
            if file == path || file.exists() {
                crate::data_dir::private_file(&file).map_err(|e| {
                    StoreError::Failed(format!("cannot make {} private: {e}", file.display()))
                })?;
            }
        }
        let mut connection = Connection::open(&path).map_err(failed)?;
        connection
            .execute_batch(
                // WAL: readers never block the writer. FULL: a commit is on disk when
                // it returns, which is what an acknowledgement promises.
                // A 64 MiB page cache and checkpoints every 16k pages: with many runners
                // each commit dirties index pages all over the file, and a larger cache
                // and rarer checkpoints write each of those pages back once, not once per
                // commit (measured by `spectate load ingest`, BENCHMARKS.md).
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384;",
            )
            .map_err(failed)?;
        schema::migrate(&mut connection).map_err(failed)?;
        let (commands, receiver) = std_mpsc::channel();
        thread::Builder::new()
            .name("spectate-store".into())
            .spawn(move || run(connection, &receiver))
            .map_err(|e| failed(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        Ok(Self { commands, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores `fix`; returns once it is committed.
    pub async fn append(&self, fix: StoredFix) -> Result<(), StoreError> {
        self.ask(|reply| Command::Append(fix, reply)).await
    }

    /// `runner`'s stored fixes, oldest first (by device time).
    pub async fn track(&self, runner: RunnerId) -> Result<Vec<StoredFix>, StoreError> {
        self.ask(|reply| Command::Track(runner, reply)).await
    }

    /// Deletes the fixes received before `before_ms`; returns how many went.
    pub async fn prune(&self, before_ms: u64) -> Result<usize, StoreError> {
        self.ask(|reply| Command::Prune(before_ms, reply)).await
    }

    /// The newest `per_runner` fixes of every runner, oldest first: what a restarted
    /// hub needs for positions and trails.
    pub async fn recent(&self, per_runner: usize) -> Result<Vec<StoredFix>, StoreError> {
        self.ask(|reply| Command::Recent(per_runner, reply)).await
    }

    /// Sends a command to the store thread and waits for its answer.
    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, String>>) -> Command,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| StoreError::Closed)?;
        answer
            .await
            .map_err(|_| StoreError::Closed)?
            .map_err(StoreError::Failed)
    }
}

/// Every fix stored in `data_dir`, oldest first, read through a read-only connection
/// of its own (WAL lets it run beside a live server): for `spectate replay`.
pub fn read_all(data_dir: &Path) -> Result<Vec<StoredFix>, StoreError> {
    let path = data_dir.join("spectate.db");
    let connection = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
    let mut query = connection.prepare(&format!(
        "SELECT {COLUMNS} FROM fixes ORDER BY taken_ms, id"
    ))?;
    let rows = query.query_map([], row_to_fix)?;
    Ok(rows
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?)
}

/// The store thread: commands until every handle is gone.
fn run(mut connection: Connection, commands: &std_mpsc::Receiver<Command>) {
    let mut pending = Vec::new();
    while let Ok(first) = commands.recv() {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Append(fix, reply) => {
                    pending.push((fix, reply));
                    if pending.len() < MAX_BATCH
                        && let Ok(more) = commands.try_recv()
                    {
                        next = Some(more);
                        continue;
                    }
                    commit(&mut connection, &mut pending);
                }
                Command::Track(runner, reply) => {
                    commit(&mut connection, &mut pending);
                    let _ = reply.send(read_track(&connection, &runner).map_err(|e| e.to_string()));
                }
                Command::Recent(n, reply) => {
                    commit(&mut connection, &mut pending);
                    let _ = reply.send(read_recent(&connection, n).map_err(|e| e.to_string()));
                }
                Command::Prune(before_ms, reply) => {
                    commit(&mut connection, &mut pending);
                    let deleted = connection
                        .execute(
                            "DELETE FROM fixes WHERE received_ms < ?1",
                            [before_ms as i64],
                        )
                        .map_err(|e| e.to_string());
                    let _ = reply.send(deleted);
                }
            }
        }
        commit(&mut connection, &mut pending);
    }
}

/// Writes the pending appends in one transaction and answers each.
fn commit(
    connection: &mut Connection,
    pending: &mut Vec<(StoredFix, oneshot::Sender<Result<(), String>>)>,
) {
    if pending.is_empty() {
        return;
    }
    let outcome = (|| -> rusqlite::Result<()> {
        let tx = connection.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO fixes (runner, taken_ms, received_ms, lat, lng, speed_mps, accuracy_m, altitude_m, battery_pct, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (fix, _) in pending.iter() {
                insert.execute(params![
                    fix.runner.as_str(),
                    fix.taken_ms as i64,
                    fix.received_ms as i64,
                    fix.position.lat(),
                    fix.position.lng(),
                    fix.speed_mps,
                    fix.accuracy_m,
                    fix.altitude_m,
                    fix.battery_pct,
                    fix.source,
                ])?;
            }
        }
        tx.commit()
    })()
    .map_err(|e| e.to_string());
    for (_, reply) in pending.drain(..) {
        let _ = reply.send(outcome.clone());
    }
}

fn row_to_fix(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<StoredFix>> {
    let runner: String = row.get(0)?;
    let (lat, lng): (f64, f64) = (row.get(3)?, row.get(4)?);
    let source: String = row.get(9)?;
    let (Ok(runner), Ok(position)) = (RunnerId::parse(&runner), LatLng::parse(lat, lng)) else {
        return Ok(None);
    };
    Ok(Some(StoredFix {
        runner,
        position,
        taken_ms: row.get::<_, i64>(1)? as u64,
        received_ms: row.get::<_, i64>(2)? as u64,
        speed_mps: row.get(5)?,
        accuracy_m: row.get(6)?,
        altitude_m: row.get(7)?,
        battery_pct: row.get(8)?,
        source: schema::source_name(&source),
    }))
}

const COLUMNS: &str = "runner, taken_ms, received_ms, lat, lng, speed_mps, accuracy_m, altitude_m, battery_pct, source";

fn read_track(connection: &Connection, runner: &RunnerId) -> rusqlite::Result<Vec<StoredFix>> {
    let mut query = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM fixes WHERE runner = ?1 ORDER BY taken_ms, id"
    ))?;
    let rows = query.query_map([runner.as_str()], row_to_fix)?;
    rows.filter_map(Result::transpose).collect()
}

fn read_recent(connection: &Connection, per_runner: usize) -> rusqlite::Result<Vec<StoredFix>> {
    let mut query = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY runner ORDER BY taken_ms DESC, id DESC) AS n
            FROM fixes)
         WHERE n <= ?1 ORDER BY taken_ms, id"
    ))?;
    let rows = query.query_map([per_runner as i64], row_to_fix)?;
    rows.filter_map(Result::transpose).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(runner: &str, taken_ms: u64, lat: f64) -> StoredFix {
        StoredFix {
            runner: RunnerId::parse(runner).unwrap(),
            position: LatLng::parse(lat, 1.0).unwrap(),
            taken_ms,
            received_ms: taken_ms + 5,
            speed_mps: Some(3.0),
            accuracy_m: None,
            altitude_m: Some(12.5),
            battery_pct: None,
            source: "osmand",
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("spectate-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn appended_fixes_survive_reopening_in_device_time_order() {
        let dir = temp_dir("reopen");
        {
            let store = Store::open(&dir).unwrap();
            let appends: Vec<_> = [(3, 0.3), (1, 0.1), (2, 0.2)]
                .into_iter()
                .map(|(t, lat)| {
                    let store = store.clone();
                    tokio::spawn(async move { store.append(fix("a", t, lat)).await })
                })
                .collect();
            for append in appends {
                append.await.unwrap().unwrap();
            }
            store.append(fix("b", 9, 0.9)).await.unwrap();
        }
        let store = Store::open(&dir).unwrap();
        let track = store.track(RunnerId::parse("a").unwrap()).await.unwrap();
        let times: Vec<u64> = track.iter().map(|f| f.taken_ms).collect();
        assert_eq!(times, [1, 2, 3]);
        assert_eq!(track[0], fix("a", 1, 0.1));
        assert_eq!(
            store.prune(2 + 5).await.unwrap(),
            1,
            "received before 7: only t=1"
        );
        let recent = store.recent(2).await.unwrap();
        let picked: Vec<(&str, u64)> = recent
            .iter()
            .map(|f| (f.runner.as_str(), f.taken_ms))
            .collect();
        assert_eq!(picked, [("a", 2), ("a", 3), ("b", 9)]);
        assert_eq!(
            store
                .track(RunnerId::parse("a").unwrap())
                .await
                .unwrap()
                .len(),
            2
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
