//! Split times between the race and the rest of the server: the race records a split
//! when a fix carries a runner past a checkpoint ([`Hub::record_fix`]); the hub hands
//! it to [`crate::timing`] (store, then publish), publishes it on the runner's topic,
//! and in a cluster adopts the one version Redis published.

use spectate_app::protocol::{EventData, ProtocolError, Topic, splits::Split};

use super::{Hub, now_ms};

/// What the race tells the timing task.
#[derive(Debug)]
pub(crate) enum News {
    /// A split this node recorded: store it, then publish it.
    Recorded(Split),
    /// A split the cluster published, adopted by the race: store it.
    Adopted(Split),
    /// The race started over: forget the stored splits.
    Restarted,
}

impl Hub {
    /// The hub whose race's splits go to `sink` ([`crate::timing`] stores, then
    /// publishes them); without one they stay in the race's memory.
    pub(crate) fn with_timing(self, sink: tokio::sync::mpsc::UnboundedSender<News>) -> Self {
        Self {
            timing: Some(sink),
            ..self
        }
    }

    pub(super) fn timing_news(&self, news: News) {
        if let Some(sink) = &self.timing {
            let _ = sink.send(news);
        }
    }

    /// Publishes a split the race recorded as an event on the runner's topic. In a
    /// cluster every node records the same split from the same fixes, and each offers
    /// it: Redis takes the first offer of a runner's split at a point and drops the
    /// others, so followers get it once; every node then adopts that one
    /// ([`Self::adopt_split`]).
    pub(crate) fn publish_split(&self, split: Split) -> Result<(), ProtocolError> {
        let topic = Topic::Runner(split.bib.clone());
        let start = self.race.get().map_or(0, |r| r.start_ms());
        let once = format!("split:{start}:{}:{}", split.bib, split.point);
        let data = EventData::Split {
            split: Box::new(split),
            ts: now_ms(),
        };
        if let Some(relay) = &self.relay {
            relay.publish_once(topic.clone(), data, &once)?;
        } else {
            self.topics.publish(&topic, data, None)?;
        }
        self.count_published(&topic, 0);
        Ok(())
    }

    /// A split the cluster published (see [`Self::publish_split`]): the race keeps this
    /// one, in place of its own if they differ, and the store keeps it too. So every
    /// node holds the same splits, whichever recorded them first.
    pub(crate) fn adopt_split(&self, split: &Split) {
        if let Some(race) = self.race.get()
            && race.book().adopt(split.clone())
        {
            self.timing_news(News::Adopted(split.clone()));
        }
    }

    /// Starts the race over at `start_ms`: no progress, no split (stored ones are
    /// deleted too), and the field forgets every position. A new edition of the demo.
    pub(crate) fn restart_race(&self, start_ms: u64) {
        if let Some(race) = self.race.get() {
            race.restart_at(start_ms);
            self.field.clear(now_ms());
            self.timing_news(News::Restarted);
        }
    }
}
