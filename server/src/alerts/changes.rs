//! How an alert changes: raised ([`Alerts::raise`], numbered here or by the
//! cluster), moved on by an organiser ([`Alerts::advance`]), and the one way in for
//! every change, local or another node's ([`Alerts::apply`]).

use spectate_app::protocol::{LatLng, RunnerId};

use super::{Alert, AlertError, Alerts, Kind, Stage, Step};
use crate::{hub::now_ms, store::StoreError};

impl Alerts {
    /// Stores and pushes a new alert, unless one of the kind is open for the runner
    /// (here, or in the cluster: then the node that raised it tells this one).
    pub(super) async fn raise(
        &self,
        runner: &RunnerId,
        kind: Kind,
        position: LatLng,
    ) -> Result<(), AlertError> {
        if !self.lock().open.insert((runner.clone(), kind)) {
            return Ok(());
        }
        let raised = async {
            let id = match &self.cluster {
                // Open on another node: its news brings it here.
                Some(cluster) => match self.number(cluster, runner, kind).await? {
                    Some(id) => id,
                    None => return Ok(None),
                },
                None => {
                    let mut inner = self.lock();
                    inner.last_id += 1;
                    inner.last_id
                }
            };
            let alert = Alert {
                id,
                runner: runner.clone(),
                kind,
                position,
                raised_ms: now_ms(),
                stage: Stage::Raised,
                acknowledged: None,
                resolved: None,
            };
            self.apply(vec![alert.clone()]).await?;
            Ok::<_, AlertError>(Some(alert))
        };
        match raised.await {
            Ok(Some(alert)) => {
                tracing::warn!(%runner, kind = kind.as_str(), id = alert.id, "safety alert raised");
                self.share(&alert).await;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(err) => {
                self.lock().open.remove(&(runner.clone(), kind));
                Err(err)
            }
        }
    }

    /// Moves alert `id` to `stage` in `by`'s name; stored, pushed, then shared.
    pub async fn advance(&self, id: i64, stage: Stage, by: &str) -> Result<Alert, AlertError> {
        let now = self
            .store
            .alert(id)
            .await?
            .ok_or(AlertError::NotFound(id))?;
        let step = Some(Step {
            by: by.to_owned(),
            at_ms: now_ms(),
        });
        let mut next = now.clone();
        match (now.stage, stage) {
            (Stage::Raised, Stage::Acknowledged) => next.acknowledged = step,
            (Stage::Raised | Stage::Acknowledged, Stage::Resolved) => next.resolved = step,
            (at, _) => return Err(AlertError::Stage { id, stage: at }),
        }
        next.stage = stage;
        if self.apply(vec![next.clone()]).await?.is_empty() {
            // Moved on meanwhile, by another organiser here or on another node.
            let at = self.store.alert(id).await?.map_or(stage, |a| a.stage);
            return Err(AlertError::Stage { id, stage: at });
        }
        self.share(&next).await;
        Ok(next)
    }

    /// The one way in for alerts as they are now, raised or moved on here or on
    /// another node: stored (but for those the store has at that stage or later, in
    /// one transaction), the open ones noted, then pushed. Returns those that changed.
    pub(crate) async fn apply(&self, alerts: Vec<Alert>) -> Result<Vec<Alert>, StoreError> {
        let stored = self.store.put_alerts(alerts.clone()).await?;
        let changed: Vec<Alert> = alerts
            .into_iter()
            .zip(stored)
            .filter_map(|(alert, changed)| changed.then_some(alert))
            .collect();
        {
            let mut inner = self.lock();
            for alert in &changed {
                let key = (alert.runner.clone(), alert.kind);
                if alert.stage == Stage::Resolved {
                    inner.open.remove(&key);
                } else {
                    inner.open.insert(key);
                }
                inner.last_id = inner.last_id.max(alert.id);
            }
        }
        for alert in &changed {
            let _ = self.live.send(alert.clone());
        }
        Ok(changed)
    }
}
