//! Race control in a cluster: every node keeps its own store and race, so what an
//! organiser sets on one node is stored by every node, and is still there when a node
//! restarts.
//!
//! - **A status** (DNS / DNF / DSQ, or back in the race) travels as an event on the
//!   runner's topic, the path fixes and splits take: every node adopts it in its race
//!   and board at once ([`super::adopt`]), and hands it here ([`Ruled`]) to be
//!   stored, in the order adopted ([`store_rulings`]). The topic's history in Redis
//!   also brings a node that was down the statuses it missed.
//! - **The announcement** (or its clearing) goes on the race control channel
//!   ([`crate::cluster::news`]); every other node stores it and pushes it to its
//!   board's subscribers through [`super::put_announcement`], the way in of the
//!   node's own. A node down at that moment keeps the one it had until the next.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use spectate_app::protocol::{RunnerId, announcement::Announcement};
use tokio::{
    sync::{broadcast::error::RecvError, mpsc},
    task::JoinHandle,
};

use crate::{
    cluster::{Cluster, news::Channel},
    hub::Hub,
    race::verdicts::Verdict,
    store::Store,
};

/// A status another node set, adopted here: to be stored.
#[derive(Debug)]
pub(crate) struct Ruled {
    /// The runner.
    pub(crate) runner: RunnerId,
    /// Out of the race (DNS, DNF, DSQ), or `None`: back in it.
    pub(crate) verdict: Option<Verdict>,
}

/// The announcement as one node set it (`None`: cleared), and by whom.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    node: String,
    announcement: Option<Announcement>,
    by: String,
}

/// Tells the other nodes of `cluster`, if any, of the announcement this node just set
/// or cleared.
pub(crate) async fn share_announcement(
    cluster: Option<&Cluster>,
    announcement: Option<&Announcement>,
    by: &str,
) {
    let Some(cluster) = cluster else {
        return;
    };
    let message = Message {
        node: cluster.node.clone(),
        announcement: announcement.cloned(),
        by: by.to_owned(),
    };
    match serde_json::to_string(&message) {
        Ok(payload) => {
            cluster.tell(Channel::RaceControl, payload).await;
        }
        Err(err) => tracing::warn!(%err, "cluster: an announcement could not be encoded"),
    }
}

/// Applies the announcements the other nodes of `cluster` set, until the server stops.
pub(crate) fn follow(hub: Arc<Hub>, store: Store, cluster: &Arc<Cluster>) -> JoinHandle<()> {
    let mut news = cluster.news(Channel::RaceControl);
    let node = cluster.node.clone();
    tokio::spawn(async move {
        loop {
            let payload = match news.recv().await {
                Ok(payload) => payload,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "cluster: announcements missed");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            match serde_json::from_str::<Message>(&payload) {
                Ok(message) if message.node == node => {}
                Ok(message) => {
                    let set = message.announcement.map(|a| (a, message.by));
                    if let Err(err) = super::put_announcement(&hub, &store, set).await {
                        tracing::error!(%err, "cluster: another node's announcement not stored");
                    }
                }
                Err(err) => tracing::warn!(%err, "cluster: undecodable announcement skipped"),
            }
        }
    })
}

/// Stores the statuses adopted from other nodes, in the order adopted, until the
/// server stops: the `rulings` whose sender the hub was built with
/// ([`Hub::with_rulings`]).
pub(crate) fn store_rulings(
    store: Store,
    mut rulings: mpsc::UnboundedReceiver<Ruled>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(Ruled { runner, verdict }) = rulings.recv().await {
            if let Err(err) = store.put_verdict(&runner, verdict).await {
                // The board has it until a restart; the node that set it stored it.
                tracing::error!(%err, %runner, "cluster: another node's status not stored");
            }
        }
    })
}
