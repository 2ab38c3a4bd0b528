//! Safety alerts in a cluster: an organiser signed in on any node sees every alert,
//! whichever node the runner's phone reached, and acknowledges or resolves it there.
//!
//! - **One number space.** Redis numbers the alerts ([`crate::cluster::alert_ids`]):
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
//! Not kept for a node that is down (pub/sub): it has the alerts it stored, and
//! gets the next change of each.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use super::{Alert, Alerts, Stage};
use crate::cluster::{Cluster, news::Channel};

/// An alert as one node changed it.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    node: String,
    alert: Alert,
}

impl Alerts {
    /// Tells the other nodes, if any, of `alert` as this node just changed it; frees
    /// its runner's key once it is resolved.
    pub(super) async fn share(&self, alert: &Alert) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        if alert.stage == Stage::Resolved {
            cluster
                .release_alert(alert.runner.as_str(), alert.kind.as_str(), alert.id)
                .await;
        }
        let message = Message {
            node: cluster.node.clone(),
            alert: alert.clone(),
        };
        match serde_json::to_string(&message) {
            Ok(payload) => {
                cluster.tell(Channel::Alerts, payload).await;
            }
            Err(err) => tracing::warn!(%err, "cluster: an alert could not be encoded"),
        }
    }
}

/// Applies the alerts the other nodes of `cluster` raise and move on, until the
/// server stops.
pub fn follow(alerts: Arc<Alerts>, cluster: &Arc<Cluster>) -> JoinHandle<()> {
    let mut news = cluster.news(Channel::Alerts);
    let node = cluster.node.clone();
    tokio::spawn(async move {
        loop {
            let payload = match news.recv().await {
                Ok(payload) => payload,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "cluster: alert changes missed");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            match serde_json::from_str::<Message>(&payload) {
                Ok(message) if message.node == node => {}
                Ok(message) => {
                    if let Err(err) = alerts.apply(&message.alert).await {
                        tracing::error!(%err, id = message.alert.id, "cluster: another node's alert not stored");
                    }
                }
                Err(err) => tracing::warn!(%err, "cluster: undecodable alert skipped"),
            }
        }
    })
}
