//! The store's thread: the one owner of the database connection, and the SQL it runs.
//!
//! Appends queue up while it commits, and it writes everything queued in one
//! transaction, so a burst of fixes costs one commit (one fsync) instead of one each.
//! A request's fixes (one fix, or a whole `/api/fixes` batch) are never split across
//! transactions: they are all committed, or none is. Every commit's result is recorded
//! in the store's [`Health`], which `/healthz` reports.

use std::sync::mpsc as std_mpsc;

use rusqlite::{Connection, params};
use spectate_app::protocol::{LatLng, RunnerId, splits::Split};
use tokio::sync::oneshot;

use super::{Health, StoredFix, schema};

/// Fixes committed in one transaction, at most (one request's fixes may exceed it:
/// they are never split).
const MAX_BATCH: usize = 1000;

/// An answer the store thread sends back.
pub(super) type Reply<T> = oneshot::Sender<Result<T, String>>;

/// What the store thread is asked to do.
pub(super) enum Command {
    /// Commit these fixes together.
    Append(Vec<StoredFix>, Reply<()>),
    /// A runner's track.
    Track(RunnerId, Reply<Vec<StoredFix>>),
    /// The newest fixes of every runner.
    Recent(usize, Reply<Vec<StoredFix>>),
    /// Delete the fixes received before this time.
    Prune(u64, Reply<usize>),
    /// Commit a write that stores nothing, to learn whether writes work again.
    Probe(Reply<()>),
    /// Store these splits (replacing a runner's split at the same point), together.
    PutSplits(Vec<Split>, Reply<()>),
    /// Every stored split.
    Splits(Reply<Vec<Split>>),
    /// Delete every split.
    ClearSplits(Reply<()>),
    /// Run this on the connection: the console's users and sessions
    /// (`store::console`), whose SQL lives beside the methods that ask for it.
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

/// The store thread: commands until every handle is gone.
pub(super) fn run(
    mut connection: Connection,
    commands: &std_mpsc::Receiver<Command>,
    health: &Health,
) {
    let mut pending: Vec<(Vec<StoredFix>, Reply<()>)> = Vec::new();
    let mut queued = 0;
    while let Ok(first) = commands.recv() {
        let mut next = Some(first);
        while let Some(command) = next.take() {
            if !matches!(command, Command::Append(..)) {
                commit(&mut connection, &mut pending, health);
                queued = 0;
            }
            match command {
                Command::Append(fixes, reply) => {
                    queued += fixes.len();
                    pending.push((fixes, reply));
                    if queued < MAX_BATCH
                        && let Ok(more) = commands.try_recv()
                    {
                        next = Some(more);
                        continue;
                    }
                    commit(&mut connection, &mut pending, health);
                    queued = 0;
                }
                Command::Track(runner, reply) => {
                    let _ = reply.send(read_track(&connection, &runner).map_err(|e| e.to_string()));
                }
                Command::Recent(n, reply) => {
                    let _ = reply.send(read_recent(&connection, n).map_err(|e| e.to_string()));
                }
                Command::Prune(before_ms, reply) => {
                    let deleted = connection
                        .execute(
                            "DELETE FROM fixes WHERE received_ms < ?1",
                            [before_ms as i64],
                        )
                        .map_err(|e| e.to_string());
                    let _ = reply.send(deleted);
                }
                Command::PutSplits(splits, reply) => {
                    let outcome = put_splits(&mut connection, &splits).map_err(|e| e.to_string());
                    health.record(&outcome);
                    let _ = reply.send(outcome);
                }
                Command::Splits(reply) => {
                    let _ = reply.send(read_splits(&connection).map_err(|e| e.to_string()));
                }
                Command::ClearSplits(reply) => {
                    let outcome = connection
                        .execute("DELETE FROM splits", [])
                        .map(drop)
                        .map_err(|e| e.to_string());
                    let _ = reply.send(outcome);
                }
                Command::Run(job) => job(&mut connection),
                Command::Probe(reply) => {
                    let outcome = probe(&mut connection).map_err(|e| e.to_string());
                    health.record(&outcome);
                    health.probed();
                    let _ = reply.send(outcome);
                }
            }
        }
        commit(&mut connection, &mut pending, health);
        queued = 0;
    }
}

/// Writes the pending appends in one transaction and answers each.
fn commit(
    connection: &mut Connection,
    pending: &mut Vec<(Vec<StoredFix>, Reply<()>)>,
    health: &Health,
) {
    if pending.is_empty() {
        return;
    }
    let outcome = (|| -> rusqlite::Result<()> {
        let tx = connection.transaction()?;
        {
            // A fix already stored (same runner, time and place) is not stored again:
            // a phone that did not hear our answer sends its whole queue again, and the
            // intake's duplicate rule sees only each runner's latest fix, so the older
            // ones of a resent request would otherwise be stored twice. The lookup is
            // on the (runner, taken_ms) index.
            let mut insert = tx.prepare_cached(
                "INSERT INTO fixes (runner, taken_ms, received_ms, lat, lng, speed_mps, accuracy_m, altitude_m, battery_pct, source)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
                 WHERE NOT EXISTS (
                     SELECT 1 FROM fixes WHERE runner = ?1 AND taken_ms = ?2 AND lat = ?4 AND lng = ?5
                 )",
            )?;
            for fix in pending.iter().flat_map(|(fixes, _)| fixes) {
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
    health.record(&outcome);
    for (_, reply) in pending.drain(..) {
        let _ = reply.send(outcome.clone());
    }
}

/// A write transaction that changes nothing a reader sees: one row of its own table.
fn probe(connection: &mut Connection) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    tx.execute(
        "INSERT OR REPLACE INTO probe (id, at_ms) VALUES (1, ?1)",
        [crate::hub::now_ms() as i64],
    )?;
    tx.commit()
}

pub(super) fn row_to_fix(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<StoredFix>> {
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

/// The columns [`row_to_fix`] reads, in its order.
pub(super) const COLUMNS: &str = "runner, taken_ms, received_ms, lat, lng, speed_mps, accuracy_m, altitude_m, battery_pct, source";

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

/// Stores `splits` in one transaction; a runner's split at a point replaces the one
/// stored (the cluster's word over this node's).
fn put_splits(connection: &mut Connection, splits: &[Split]) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT OR REPLACE INTO splits (runner, point, name, finish, distance_m, at_ms, time_of_day, elapsed_ms, pace_s_per_km, rank)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for split in splits {
            upsert.execute(params![
                split.bib.as_str(),
                split.point as i64,
                split.name,
                split.finish,
                split.distance_m,
                split.at_ms as i64,
                split.time,
                split.elapsed_ms.map(|e| e as i64),
                split.pace_s_per_km,
                split.rank as i64,
            ])?;
        }
    }
    tx.commit()
}

fn read_splits(connection: &Connection) -> rusqlite::Result<Vec<Split>> {
    let mut query = connection.prepare_cached(
        "SELECT runner, point, name, finish, distance_m, at_ms, time_of_day, elapsed_ms, pace_s_per_km, rank
         FROM splits ORDER BY point, at_ms",
    )?;
    let rows = query.query_map([], |row| {
        let runner: String = row.get(0)?;
        let Ok(bib) = RunnerId::parse(&runner) else {
            return Ok(None);
        };
        Ok(Some(Split {
            bib,
            point: row.get::<_, i64>(1)? as usize,
            name: row.get(2)?,
            finish: row.get(3)?,
            distance_m: row.get(4)?,
            at_ms: row.get::<_, i64>(5)? as u64,
            time: row.get(6)?,
            elapsed_ms: row.get::<_, Option<i64>>(7)?.map(|e| e as u64),
            pace_s_per_km: row.get(8)?,
            rank: row.get::<_, i64>(9)? as usize,
        }))
    })?;
    rows.filter_map(Result::transpose).collect()
}
