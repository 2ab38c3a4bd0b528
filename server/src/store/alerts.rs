//! The safety alerts' rows (`crate::alerts`): raised, acknowledged, resolved, with
//! who and when. Stored before anyone is told, so they survive a restart.

use rusqlite::{OptionalExtension, Row, params};
use spectate_app::protocol::{LatLng, RunnerId};

use super::{Store, StoreError};
use crate::alerts::{Alert, Kind, Stage, Step};

const COLUMNS: &str = "id, runner, kind, lat, lng, raised_ms, stage, acknowledged_by, acknowledged_ms, resolved_by, resolved_ms";

/// A stage's order, in SQL: an alert only moves forward.
const RANK: &str = "CASE {} WHEN 'raised' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END";

impl Store {
    /// Stores each of `alerts` as it is now, in one transaction: a new one, or a later
    /// stage of one stored (the same number, runner and kind). For each, true if that
    /// changed the store; false if it holds that alert at that stage or past it
    /// already (an older word of it, from this node or another), or another alert
    /// under that number.
    pub async fn put_alerts(&self, alerts: Vec<Alert>) -> Result<Vec<bool>, StoreError> {
        self.run(move |connection| {
            let tx = connection.transaction()?;
            let changed = alerts
                .iter()
                .map(|alert| upsert(&tx, alert))
                .collect::<Result<Vec<_>, _>>()?;
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    /// Alert `id`, if stored.
    pub async fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        self.run(move |connection| {
            let alert = connection
                .query_row(
                    &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1"),
                    [id],
                    row_to_alert,
                )
                .optional()?;
            Ok(alert.flatten())
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

/// One alert of [`Store::put_alerts`]: true if it changed the store.
fn upsert(connection: &rusqlite::Connection, alert: &Alert) -> rusqlite::Result<bool> {
    let step = |s: &Option<Step>| {
        (
            s.as_ref().map(|s| s.by.clone()),
            s.as_ref().map(|s| s.at_ms as i64),
        )
    };
    let (acknowledged_by, acknowledged_ms) = step(&alert.acknowledged);
    let (resolved_by, resolved_ms) = step(&alert.resolved);
    let changed = connection.execute(
        &format!(
            "INSERT INTO alerts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT (id) DO UPDATE SET stage = excluded.stage,
                       acknowledged_by = coalesce(acknowledged_by, excluded.acknowledged_by),
                       acknowledged_ms = coalesce(acknowledged_ms, excluded.acknowledged_ms),
                       resolved_by = coalesce(resolved_by, excluded.resolved_by),
                       resolved_ms = coalesce(resolved_ms, excluded.resolved_ms)
                     WHERE runner = excluded.runner AND kind = excluded.kind AND {} > {}",
            RANK.replace("{}", "excluded.stage"),
            RANK.replace("{}", "stage"),
        ),
        params![
            alert.id,
            alert.runner.as_str(),
            alert.kind.as_str(),
            alert.position.lat(),
            alert.position.lng(),
            alert.raised_ms as i64,
            stage_name(alert.stage),
            acknowledged_by,
            acknowledged_ms,
            resolved_by,
            resolved_ms,
        ],
    )?;
    Ok(changed > 0)
}
