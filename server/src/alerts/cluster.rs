//! Safety alerts in a cluster: an organiser signed in on any node sees every alert,
//! whichever node the runner's phone reached, and acknowledges or resolves it there.
//!
//! - **One number space.** Redis numbers the alerts ([`crate::cluster::alerts`]):
//!   an alert has the same number on every node, so `/admin/alerts/{id}/acknowledge`
//!   means the same alert wherever it is posted. (A number made of the node and its
//!   own count would do that too, but change the number organisers' pages and links
//!   already carry.)
//! - **Raised once.** The same script holds a key per runner and kind while an alert
//!   is open: two nodes that see the same runner's SOS, or whose sweeps both find them
//!   silent, raise one alert; the second learns it is open already.
//! - **Every change travels.** Each node that raises or moves on an alert tells the
//!   others on the alerts channel ([`crate::cluster::news`]) the alert as it is now;
//!   they apply it through [`Alerts::apply`], the way in of local changes too, so
//!   each node stores it and pushes it to its own organisers' streams. A stage only
//!   moves forward, so a late or repeated message changes nothing.
//!
//! - **Caught up.** Redis also keeps every alert as it is now; a node applies them
//!   all each time it links to Redis (at start, after a cut), so one that was down
//!   when an SOS came in has it too.

use std::sync::Arc;

use spectate_app::protocol::RunnerId;
use tokio::task::JoinHandle;

use super::{Alert, AlertError, Alerts, Kind, Stage};
use crate::cluster::{
    Cluster,
    alerts::{Claim, Whose},
    news::{self, Channel, Heard},
};

impl Alerts {
    /// Tells the other nodes, if any, of `alert` as this node just changed it; frees
    /// its runner's key once it is resolved.
    pub(super) async fn share(&self, alert: &Alert) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        if alert.stage == Stage::Resolved {
            cluster
                .release_alert(self.whose(&alert.runner, alert.kind), alert.id)
                .await;
        }
        match serde_json::to_string(alert) {
            Ok(record) => cluster.record_alert(alert.id, &record).await,
            Err(err) => tracing::warn!(%err, "cluster: an alert could not be encoded"),
        }
        cluster.tell_news(Channel::Alerts, alert).await;
    }

    /// A number from the cluster for `runner`'s new alert of `kind`, or `None` if one
    /// is open already. A key still held for an alert this node knows resolved (its
    /// release was lost while Redis was cut off) is freed first: an SOS must never
    /// find a stale key and raise nothing.
    pub(super) async fn number(
        &self,
        cluster: &Cluster,
        runner: &RunnerId,
        kind: Kind,
    ) -> Result<Option<i64>, AlertError> {
        let whose = self.whose(runner, kind);
        let floor = self.lock().last_id;
        let open = match cluster.claim_alert(whose, floor).await? {
            Claim::New(id) => return Ok(Some(id)),
            Claim::Open(open) => open,
        };
        let stale =
            self.store.alert(open).await?.is_some_and(|a| {
                a.stage == Stage::Resolved && a.runner == *runner && a.kind == kind
            });
        if !stale {
            return Ok(None);
        }
        tracing::warn!(
            id = open,
            "cluster: the key of a resolved alert was still held; freed"
        );
        cluster.release_alert(whose, open).await;
        match cluster.claim_alert(whose, floor).await? {
            Claim::New(id) => Ok(Some(id)),
            Claim::Open(_) => Ok(None),
        }
    }

    /// Whose alert `runner`'s of `kind` is, in this race, for its key in Redis.
    pub(super) fn whose<'a>(&self, runner: &'a RunnerId, kind: Kind) -> Whose<'a> {
        Whose {
            race_start_ms: self.race().map_or(0, |r| r.start_ms()),
            runner: runner.as_str(),
            kind: kind.as_str(),
        }
    }

    /// Applies every alert Redis keeps, in one store transaction: those raised or
    /// moved on while this node was down or cut off (the others change nothing).
    async fn catch_up(&self, cluster: &Cluster) {
        let Ok(record) = cluster.alert_record().await else {
            return;
        };
        let kept: Vec<Alert> = record
            .iter()
            .filter_map(|json| {
                serde_json::from_str(json)
                    .inspect_err(
                        |err| tracing::warn!(%err, "cluster: undecodable alert in the record"),
                    )
                    .ok()
            })
            .collect();
        match self.apply(kept).await {
            Ok(caught) if !caught.is_empty() => {
                tracing::info!(
                    caught = caught.len(),
                    "cluster: alerts caught up from Redis"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::error!(%err, "cluster: the alerts kept in Redis not stored"),
        }
    }
}

/// Applies the alerts the other nodes of `cluster` raise and move on, and each time
/// the node links to Redis every alert kept there, until the server stops.
pub fn follow(alerts: Arc<Alerts>, cluster: &Arc<Cluster>) -> JoinHandle<()> {
    let linked = cluster.clone();
    news::listen(cluster, Channel::Alerts, move |heard: Heard<Alert>| {
        let (alerts, cluster) = (alerts.clone(), linked.clone());
        async move {
            match heard {
                Heard::News(alert) => {
                    let id = alert.id;
                    if let Err(err) = alerts.apply(vec![alert]).await {
                        tracing::error!(%err, id, "cluster: another node's alert not stored");
                    }
                }
                // What happened meanwhile is in the record.
                Heard::Linked => alerts.catch_up(&cluster).await,
            }
        }
    })
}
