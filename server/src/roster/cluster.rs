//! The field in a cluster: every node keeps its own store and race, so a change made
//! on one node is sent to the others ([`crate::cluster::news`]) and applied there as
//! it was here: the whole new field with the history entries it made, or a token
//! revocation. The node that made it skips its own message.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use super::Roster;
use crate::{
    cluster::{
        Cluster,
        news::{self, Channel, Heard},
    },
    event::Runner,
    race::Race,
    store::field::FieldChange,
};

/// A change to the field, as sent between nodes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum News {
    /// The field is now `runners`; `changes` says what changed.
    Field {
        /// The whole field.
        runners: Vec<Runner>,
        /// The history entries of the change.
        changes: Vec<FieldChange>,
    },
    /// The event's settings are now `settings`, with the course `gpx` if a new one
    /// came; `change` says what changed.
    Settings {
        /// The whole settings.
        settings: crate::event::settings::Settings,
        /// The new course's GPX text.
        gpx: Option<String>,
        /// The history entry.
        change: crate::store::event_settings::EventChange,
    },
    /// `change.bib`'s tokens issued before `before_s` are revoked.
    Revoked {
        /// The history entry (who, when, whose).
        change: FieldChange,
        /// Unix seconds.
        before_s: u64,
    },
}

impl Roster {
    /// Tells the other nodes of the cluster, if any.
    pub(super) async fn announce(&self, news: News) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        cluster.tell_news(Channel::Field, &news).await;
    }

    /// Races `next`, a checked event with a new field: the topics' entrants, the
    /// race, and the board marked out of date.
    pub(super) fn race_field(&self, race: &Race, next: crate::event::Event) {
        let bibs = next.runners.iter().map(|r| r.bib.clone());
        self.hub.topics.set_entrants(bibs);
        race.replace(Arc::new(next));
        self.hub.board.touch();
    }

    /// Applies a change another node made.
    async fn apply_news(&self, news: News) {
        let _one_at_a_time = self.changing.lock().await;
        match news {
            News::Field { runners, changes } => {
                let Some(race) = self.hub.race() else {
                    return;
                };
                let next = match race.event().with_runners(runners.clone()) {
                    Ok(next) => next,
                    Err(problems) => {
                        tracing::warn!(?problems, "cluster: another node's field refused");
                        return;
                    }
                };
                if let Err(err) = self.store.put_field(runners, changes, None).await {
                    tracing::error!(%err, "cluster: another node's field not stored");
                    return;
                }
                self.race_field(race, next);
            }
            // On a node without an event too: the settings may create it.
            News::Settings {
                settings,
                gpx,
                change,
            } => self.apply_settings_news(settings, gpx, change).await,
            News::Revoked { change, before_s } => {
                let bib = change.bib.clone();
                if let Err(err) = self.store.revoke_tokens(before_s, change).await {
                    tracing::error!(%err, "cluster: another node's revocation not stored");
                }
                // Refused here even if the store failed: the token must stop working.
                self.hub.access.revocations.revoke(&bib, before_s);
            }
        }
    }
}

/// Applies the field changes the other nodes of `cluster` make, until the server
/// stops. (A node that was away keeps its field until the next change, which carries
/// the whole field.)
pub fn follow(roster: Arc<Roster>, cluster: &Arc<Cluster>) -> JoinHandle<()> {
    news::listen(cluster, Channel::Field, move |heard| {
        let roster = roster.clone();
        async move {
            if let Heard::News(news) = heard {
                roster.apply_news(news).await;
            }
        }
    })
}
