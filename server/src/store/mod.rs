//! The durable store: every accepted tracker fix, and the split times
//! ([`crate::timing`]), in SQLite (WAL) in the data dir.
//!
//! One thread owns the database connection ([`writer`]): appends queue up while it
//! commits, and it writes everything queued in one transaction. A fix is acknowledged
//! to its sender only after the transaction that holds it has committed: an HTTP 200
//! means the fix is on disk. The store keeps the outcome of its last write
//! ([`Store::failure`]), so `/healthz` can say when writes fail (a full disk).
//!
//! - [`schema`]: the migrations, applied in order at open (`PRAGMA user_version`).
//! - [`writer`]: the store's thread and its SQL.
//! - [`gpx_export`]: a runner's stored track as a GPX document.
//! - [`console`]: the organisers and their sessions (the console's sign-in).
//! - [`alerts`]: the safety alerts and who dealt with them.
//! - [`field`]: the event's runners, the history of changes to them, and the event
//!   file's settings.
//! - [`race_control`]: the organiser's DNS / DNF / DSQ and announcement.

pub mod alerts;
pub mod console;
pub(crate) mod event_settings;
pub(crate) mod field;
pub mod gpx_export;
pub(crate) mod race_control;
pub mod schema;
mod writer;

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
        mpsc as std_mpsc,
    },
    thread,
    time::Duration,
};

use rusqlite::Connection;
use spectate_app::protocol::{LatLng, RunnerId, splits::Split};
use tokio::sync::oneshot;

use writer::{COLUMNS, Command, row_to_fix};

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

/// The outcome of the store's last write, shared by its handles and its thread.
#[derive(Debug, Default)]
pub(crate) struct Health {
    /// Why the last write failed; `None` after a success.
    failure: Mutex<Option<String>>,
    /// A probe is queued: `/healthz` asks for one at a time.
    probing: AtomicBool,
}

impl Health {
    /// Records a write's result.
    fn record(&self, outcome: &Result<(), String>) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        *failure = outcome.as_ref().err().cloned();
    }

    fn probed(&self) {
        self.probing.store(false, Ordering::Release);
    }
}

/// The store's database file in `data_dir`.
pub fn file_in(data_dir: &Path) -> PathBuf {
    data_dir.join("spectate.db")
}

/// A handle to the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    commands: std_mpsc::Sender<Command>,
    path: PathBuf,
    health: Arc<Health>,
}

impl Store {
    /// Opens (creating and migrating) `spectate.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = file_in(data_dir);
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
                match crate::data_dir::private_file(&file) {
                    Ok(()) => {}
                    // The WAL and shared-memory files go with the last connection: a
                    // server that just stopped may delete them under our feet.
                    Err(e) if file != path && e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        let file = file.display();
                        return Err(StoreError::Failed(format!(
                            "cannot make {file} private: {e}"
                        )));
                    }
                }
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
                // A 5 s busy timeout: `spectate admin add-user` writes beside a running
                // server, and waits for its commit rather than failing at once.
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384;
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(failed)?;
        schema::migrate(&mut connection).map_err(failed)?;
        let (commands, receiver) = std_mpsc::channel();
        let health = Arc::new(Health::default());
        let thread_health = health.clone();
        thread::Builder::new()
            .name("spectate-store".into())
            .spawn(move || writer::run(connection, &receiver, &thread_health))
            .map_err(|e| failed(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        Ok(Self {
            commands,
            path,
            health,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores `fix`; returns once it is committed.
    pub async fn append(&self, fix: StoredFix) -> Result<(), StoreError> {
        self.append_all(vec![fix]).await
    }

    /// Stores `fixes` in one transaction: all of them or, on error, none. Returns
    /// once they are committed.
    pub async fn append_all(&self, fixes: Vec<StoredFix>) -> Result<(), StoreError> {
        self.ask(|reply| Command::Append(fixes, reply)).await
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

    /// Stores `splits` in one transaction (a runner's split at a point replaces the
    /// one stored); returns once committed.
    pub async fn put_splits(&self, splits: Vec<Split>) -> Result<(), StoreError> {
        self.ask(|reply| Command::PutSplits(splits, reply)).await
    }

    /// Every stored split, by point and time.
    pub async fn splits(&self) -> Result<Vec<Split>, StoreError> {
        self.ask(Command::Splits).await
    }

    /// Deletes every split (the race started over).
    pub async fn clear_splits(&self) -> Result<(), StoreError> {
        self.ask(Command::ClearSplits).await
    }

    /// Why the store's last write failed, or `None` if it succeeded.
    pub fn failure(&self) -> Option<String> {
        let failure = self
            .health
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        failure.clone()
    }

    /// `None` if writes work; else why not. While the last write failed, this tries
    /// one more (a write of no fix), waiting for it at most `wait`: a node that a
    /// balancer took out gets no fixes, and must still learn when it can take them
    /// again. One probe at a time is queued, however often this is asked.
    pub async fn check_writes(&self, wait: Duration) -> Option<String> {
        let failure = self.failure()?;
        if self.health.probing.swap(true, Ordering::AcqRel) {
            return Some(failure);
        }
        let probe = self.ask(Command::Probe);
        match tokio::time::timeout(wait, probe).await {
            Ok(Ok(())) => None,
            Ok(Err(err)) => {
                self.health.probed();
                Some(err.to_string())
            }
            Err(_) => Some(failure),
        }
    }

    /// Sends a command to the store thread and waits for its answer.
    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<Result<T, String>>) -> Command,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closed = || {
            self.health.record(&Err(StoreError::Closed.to_string()));
            StoreError::Closed
        };
        self.commands.send(command(reply)).map_err(|_| closed())?;
        answer
            .await
            .map_err(|_| closed())?
            .map_err(StoreError::Failed)
    }
}

/// Every fix stored in `data_dir`, oldest first, read through a read-only connection
/// of its own (WAL lets it run beside a live server): for `spectate replay`.
pub fn read_all(data_dir: &Path) -> Result<Vec<StoredFix>, StoreError> {
    let path = file_in(data_dir);
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
