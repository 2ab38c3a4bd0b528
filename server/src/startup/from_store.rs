//! What a (re)started server takes from its store: each runner's latest position and
//! trail back into the hub, and, with `--retention-days`, the hourly deletion of old
//! fixes.

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;

use super::StartupError;
use crate::{hub::Hub, ingest::Intake, store::Store};

/// Deletes stored fixes older than `retention`, at start and then hourly.
pub(super) fn retain(hub: Arc<Hub>, store: Store, retention: Duration) -> JoinHandle<()> {
    crate::hub::every::every(hub, Duration::from_secs(3600), move |_| {
        let store = store.clone();
        let before = crate::hub::now_ms().saturating_sub(retention.as_millis() as u64);
        tokio::spawn(async move {
            match store.prune(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "retention: old fixes deleted"),
                Err(err) => tracing::warn!(%err, "retention: could not delete old fixes"),
            }
        });
    })
}

/// Fixes a restarted server starts with, per runner: the recent trail.
const RESTORED_PER_RUNNER: usize = 32;

/// Puts the stored runners' latest positions and trails back into the hub, and tells
/// the ingestion rules and the safety rules each runner's latest, so a restart loses
/// nothing a spectator saw.
/// A cluster node only tells the ingestion rules: the topics' history is the
/// cluster's, in Redis, and republishing would deliver old fixes again to everyone.
pub(super) async fn restore(
    hub: &Hub,
    intake: &Intake,
    store: &Store,
    alerts: &crate::alerts::Alerts,
) -> Result<(), StartupError> {
    let fixes = store.recent(RESTORED_PER_RUNNER).await?;
    let count = fixes.len();
    for fix in fixes {
        intake.remember(&fix.runner, fix.taken_ms, fix.position);
        // The safety rules count a restored runner's silence from the restart.
        alerts.remember(&fix.runner, (&fix).into());
        if hub.in_cluster() {
            continue;
        }
        let publication = spectate_app::protocol::Publication::Fix {
            runner: fix.runner,
            position: fix.position,
        };
        if let Err(err) = hub.publish_taken_at(publication, None, Some(fix.taken_ms)) {
            tracing::warn!(%err, "a stored fix could not be restored");
        }
    }
    if count > 0 {
        tracing::info!(fixes = count, "restored from the store");
    }
    Ok(())
}
