//! Split times on their way out of the race: stored, then published.
//!
//! A fix reaches the race one way only, [`Hub::record_fix`]; a fix that carries a
//! runner past a checkpoint or the finish records the split there (`race::splits`),
//! and the hub hands it to this module's task as [`News`]. The task commits it to the
//! store (the `splits` table), then publishes it on the runner's topic
//! ([`Hub::publish_split`]), so a split a follower sees is on disk, like a fix.
//!
//! **In a cluster** every node hears every fix from Redis in the topic's order and
//! records the same split; each stores its own and offers it to Redis, which
//! publishes the first offer of a runner's split at a point and drops the rest (a
//! key set once in the publishing script). The published split then comes back to
//! every node, which adopts it in its race and store in place of its own
//! ([`Hub::adopt_split`]): so followers get each split once, and every node serves the
//! same splits, even one that saw fewer fixes (it joined late) and timed a split
//! differently.

use std::sync::Arc;

use tokio::{sync::mpsc, task::JoinHandle};

use crate::{
    hub::{Hub, News},
    store::Store,
};

/// Splits stored in one transaction, at most.
const BATCH: usize = 256;

/// Starts the task that stores and publishes the splits `hub`'s race records: the
/// `news` whose sender the hub was built with ([`Hub::with_timing`]).
pub(crate) fn start(
    hub: Arc<Hub>,
    store: Store,
    mut news: mpsc::UnboundedReceiver<News>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(BATCH);
        while news.recv_many(&mut batch, BATCH).await > 0 {
            let mut drained = batch.drain(..).peekable();
            while drained.peek().is_some() {
                // In order: a restart clears what was stored before it, not after.
                let mut splits = Vec::new();
                let mut publish = Vec::new();
                let mut restart = false;
                for item in drained.by_ref() {
                    match item {
                        News::Recorded(split) => {
                            publish.push(split.clone());
                            splits.push(split);
                        }
                        News::Adopted(split) => splits.push(split),
                        News::Restarted => {
                            restart = true;
                            break;
                        }
                    }
                }
                if !splits.is_empty()
                    && let Err(err) = store.put_splits(splits).await
                {
                    // Followers still get them; the race serves them until a restart.
                    tracing::error!(%err, "splits could not be stored");
                }
                for split in publish {
                    if let Err(err) = hub.publish_split(split) {
                        tracing::warn!(%err, "a split could not be published");
                    }
                }
                if restart && let Err(err) = store.clear_splits().await {
                    tracing::error!(%err, "old splits could not be deleted");
                }
            }
        }
    })
}

/// Puts the stored splits back into `hub`'s race (before any fix reaches it, so a
/// restarted server records no split twice); returns how many.
pub(crate) async fn restore(hub: &Hub, store: &Store) -> Result<usize, crate::store::StoreError> {
    let Some(race) = hub.race() else {
        return Ok(0);
    };
    let stored = store.splits().await?;
    let mut book = race.book();
    let mut kept = 0;
    for split in stored {
        // A split of a point the event no longer has (the file was edited) is left out.
        kept += usize::from(book.adopt(split));
    }
    Ok(kept)
}
