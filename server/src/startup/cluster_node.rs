//! A node joining its cluster at start: first the tasks that apply what the other
//! nodes change (the field, alerts, race control; started before the link, so no
//! change from another node is missed), then the link to Redis, waited for a while.

use std::{sync::Arc, time::Duration};

use tokio::{sync::mpsc::UnboundedReceiver, task::JoinHandle};

use crate::{
    alerts::Alerts, cluster::Cluster, hub::Hub, race_control::cluster::Ruled, roster::Roster,
    store::Store,
};

/// How long a cluster node waits for Redis at start before serving degraded.
const CLUSTER_JOIN: Duration = Duration::from_secs(3);

/// Starts the followers and the link; returns their tasks once Redis is reached, or
/// after [`CLUSTER_JOIN`] (the node then serves degraded and joins when it can).
/// `rulings`: the statuses the hub adopts from other nodes ([`Hub::with_rulings`]).
pub(super) async fn join(
    cluster: &Arc<Cluster>,
    hub: &Arc<Hub>,
    store: &Store,
    roster: &Arc<Roster>,
    alerts: &Arc<Alerts>,
    rulings: UnboundedReceiver<Ruled>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        crate::roster::cluster::follow(roster.clone(), cluster),
        crate::alerts::cluster::follow(alerts.clone(), cluster),
        crate::race_control::cluster::follow(hub.clone(), store.clone(), cluster),
        crate::race_control::cluster::store_rulings(store.clone(), rulings),
    ];
    tasks.extend(crate::cluster::start(hub.clone(), cluster.clone()));
    if !cluster.wait_up(CLUSTER_JOIN).await {
        tracing::warn!("cluster: Redis not reachable yet; starting degraded");
    }
    tasks
}
