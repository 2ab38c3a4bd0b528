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
//!   node's own. Redis keeps the latest for the race, and a node that was down or
//!   cut off applies it when it links again, unless it has a later one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use spectate_app::protocol::{RunnerId, announcement::Announcement};
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    cluster::{
        Cluster,
        news::{self, Channel, Heard},
    },
    hub::{Hub, now_ms},
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

/// The announcement as one node set it (`None`: cleared), by whom and when.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    announcement: Option<Announcement>,
    by: String,
    /// When it was set or cleared (Unix ms).
    at_ms: u64,
}

/// The race whose announcement Redis keeps: its start (0 without an event), so an
/// earlier race's on the same Redis is not taken for this one's.
fn scope(hub: &Hub) -> u64 {
    hub.race().map_or(0, |r| r.start_ms())
}

/// Tells the other nodes of `cluster`, if any, of the announcement this node just set
/// or cleared, and keeps it in Redis for a node that links later.
pub(crate) async fn share_announcement(
    hub: &Hub,
    cluster: Option<&Cluster>,
    announcement: Option<&Announcement>,
    by: &str,
) {
    let Some(cluster) = cluster else {
        return;
    };
    let message = Message {
        announcement: announcement.cloned(),
        by: by.to_owned(),
        at_ms: announcement.map_or_else(now_ms, |a| a.at_ms),
    };
    cluster
        .keep_news(Channel::RaceControl, scope(hub), &message)
        .await;
    cluster.tell_news(Channel::RaceControl, &message).await;
}

/// Applies another node's announcement unless this node has it, or a later one.
async fn adopt_announcement(hub: &Hub, store: &Store, message: Message) {
    let here = match store.announcement().await {
        Ok(here) => here,
        Err(err) => {
            tracing::error!(%err, "cluster: the stored announcement not read");
            return;
        }
    };
    let newer = match (&here, &message.announcement) {
        (Some((a, _)), Some(b)) => a != b && a.at_ms <= b.at_ms,
        (Some((a, _)), None) => a.at_ms <= message.at_ms,
        (None, Some(_)) => true,
        (None, None) => false,
    };
    if !newer {
        return;
    }
    let set = message.announcement.map(|a| (a, message.by));
    if let Err(err) = super::put_announcement(hub, store, set).await {
        tracing::error!(%err, "cluster: another node's announcement not stored");
    }
}

/// Applies the announcements the other nodes of `cluster` set, until the server stops;
/// each time the node links to Redis, the one kept there (made while it was away).
pub(crate) fn follow(hub: Arc<Hub>, store: Store, cluster: &Arc<Cluster>) -> JoinHandle<()> {
    let linked = cluster.clone();
    news::listen(cluster, Channel::RaceControl, move |heard| {
        let (hub, store, cluster) = (hub.clone(), store.clone(), linked.clone());
        async move {
            let message = match heard {
                Heard::News(message) => Some(message),
                Heard::Linked => cluster.kept_news(Channel::RaceControl, scope(&hub)).await,
            };
            if let Some(message) = message {
                adopt_announcement(&hub, &store, message).await;
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
