//! The safety alerts' rows (`crate::alerts`): raised, acknowledged, resolved, with
//! who and when. Stored before anyone is told, so they survive a restart.

use rusqlite::{OptionalExtension, Row, params};
use spectate_app::protocol::{LatLng, RunnerId};

use super::{Store, StoreError};
use crate::alerts::{Alert, Kind, Stage, Step};

/// What became of a request to move an alert on.
#[derive(Debug)]
pub enum Advanced {
    /// Done: the alert as it is now.
    Done(Alert),
    /// No alert has that number.
    NotFound,
    /// The alert is at this stage, past the one asked for.
    Already(Stage),
}

const COLUMNS: &str = "id, runner, kind, lat, lng, raised_ms, stage, acknowledged_by, acknowledged_ms, resolved_by, resolved_ms";

impl Store {
    /// Stores a new alert (stage raised) and returns it with its number.
    pub async fn insert_alert(
        &self,
        runner: &RunnerId,
        kind: Kind,
        position: LatLng,
        raised_ms: u64,
    ) -> Result<Alert, StoreError> {
        let runner = runner.clone();
        self.run(move |connection| {
            connection.execute(
                "INSERT INTO alerts (runner, kind, lat, lng, raised_ms, stage) VALUES (?1, ?2, ?3, ?4, ?5, 'raised')",
                params![runner.as_str(), kind.as_str(), position.lat(), position.lng(), raised_ms as i64],
            )?;
            Ok(Alert {
                id: connection.last_insert_rowid(),
                runner,
                kind,
                position,
                raised_ms,
                stage: Stage::Raised,
                acknowledged: None,
                resolved: None,
            })
        })
        .await
    }

    /// Moves alert `id` to `stage` (acknowledged from raised; resolved from either)
    /// in `by`'s name at `at_ms`.
    pub async fn advance_alert(
        &self,
        id: i64,
        stage: Stage,
        by: &str,
        at_ms: u64,
    ) -> Result<Advanced, StoreError> {
        let by = by.to_owned();
        self.run(move |connection| {
            let tx = connection.transaction()?;
            let read = |tx: &rusqlite::Transaction<'_>| {
                tx.query_row(
                    &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"),
                    [id],
                    row_to_alert,
                )
                .optional()
                .map(Option::flatten)
            };
            let Some(alert) = read(&tx)? else {
                return Ok(Advanced::NotFound);
            };
            let column = match (alert.stage, stage) {
                (Stage::Raised, Stage::Acknowledged) => "acknowledged",
                (Stage::Raised | Stage::Acknowledged, Stage::Resolved) => "resolved",
                (now, _) => return Ok(Advanced::Already(now)),
            };
            tx.execute(
                &format!(
                    "UPDATE alerts SET stage = ?2, {column}_by = ?3, {column}_ms = ?4 WHERE id = ?1"
                ),
                params![id, stage_name(stage), by, at_ms as i64],
            )?;
            let alert = read(&tx)?;
            tx.commit()?;
            Ok(alert.map_or(Advanced::NotFound, Advanced::Done))
        })
        .await
    }

    /// Every stored alert, newest first.
    pub async fn alerts(&self) -> Result<Vec<Alert>, StoreError> {
        self.run(|connection| {
            let mut query = connection
                .prepare_cached(&format!("SELECT {COLUMNS} FROM alerts ORDER BY id DESC"))?;
            let rows = query.query_map([], row_to_alert)?;
            rows.filter_map(Result::transpose).collect()
        })
        .await
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Raised => "raised",
        Stage::Acknowledged => "acknowledged",
        Stage::Resolved => "resolved",
    }
}

/// A stored alert; `None` for a row this server cannot read (a kind it does not
/// know), which is skipped rather than failing the whole list.
fn row_to_alert(row: &Row<'_>) -> rusqlite::Result<Option<Alert>> {
    let runner: String = row.get(1)?;
    let kind: String = row.get(2)?;
    let stage = match row.get::<_, String>(6)?.as_str() {
        "acknowledged" => Stage::Acknowledged,
        "resolved" => Stage::Resolved,
        _ => Stage::Raised,
    };
    let step = |by: usize, at: usize| -> rusqlite::Result<Option<Step>> {
        let by: Option<String> = row.get(by)?;
        let at: Option<i64> = row.get(at)?;
        Ok(by.zip(at).map(|(by, at)| Step {
            by,
            at_ms: at.max(0) as u64,
        }))
    };
    let (Ok(runner), Some(kind), Ok(position)) = (
        RunnerId::parse(&runner),
        Kind::parse(&kind),
        LatLng::parse(row.get(3)?, row.get(4)?),
    ) else {
        return Ok(None);
    };
    Ok(Some(Alert {
        id: row.get(0)?,
        runner,
        kind,
        position,
        raised_ms: row.get::<_, i64>(5)?.max(0) as u64,
        stage,
        acknowledged: step(7, 8)?,
        resolved: step(9, 10)?,
    }))
}
