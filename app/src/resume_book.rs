//! What the browser remembers between connections so it can resume: the server's
//! `epoch` and the last `seq` seen of each topic.
//!
//! Kept apart from the socket code (which only exists in the browser build) so that
//! the bookkeeping is plain Rust with unit tests.

use std::collections::BTreeMap;

use crate::protocol::{ClientMsg, ServerMsg, Topic, v1::Resume};

/// The resume points of one tab.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResumeBook {
    epoch: Option<String>,
    seqs: BTreeMap<Topic, u64>,
}

impl ResumeBook {
    /// A new connection was greeted: remember its epoch and return the previous one,
    /// to which the recorded sequence numbers belong.
    pub fn on_welcome(&mut self, epoch: &str) -> Option<String> {
        self.epoch.replace(epoch.to_owned())
    }

    /// Records the position a server message moves a topic to.
    pub fn record(&mut self, msg: &ServerMsg) {
        match msg {
            // Set, not max: after a restart the numbers start again, lower.
            ServerMsg::Snapshot { topic, seq, .. } => {
                self.seqs.insert(topic.clone(), *seq);
            }
            ServerMsg::Event { topic, seq, .. } => {
                let last = self.seqs.entry(topic.clone()).or_default();
                *last = (*last).max(*seq);
            }
            _ => {}
        }
    }

    /// Forgets topics the page unsubscribed from.
    pub fn forget(&mut self, topics: &[Topic]) {
        for topic in topics {
            self.seqs.remove(topic);
        }
    }

    /// Adds the resume points recorded under `epoch` to a `subscribe`.
    pub fn resume(&self, msg: ClientMsg, epoch: Option<&str>) -> ClientMsg {
        let (
            Some(epoch),
            ClientMsg::Subscribe {
                id,
                topics,
                resume: None,
            },
        ) = (epoch, &msg)
        else {
            return msg;
        };
        let since: BTreeMap<Topic, u64> = topics
            .iter()
            .filter_map(|t| self.seqs.get(t).map(|seq| (t.clone(), *seq)))
            .collect();
        if since.is_empty() {
            return msg;
        }
        ClientMsg::Subscribe {
            id: *id,
            topics: topics.clone(),
            resume: Some(Resume {
                epoch: epoch.to_owned(),
                since,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventData;

    fn topic(t: &str) -> Topic {
        Topic::parse(t).unwrap()
    }

    #[test]
    fn a_reconnect_resumes_from_the_last_seen_seq_of_the_old_epoch() {
        let mut book = ResumeBook::default();
        assert_eq!(book.on_welcome("e1"), None);
        book.record(&ServerMsg::Snapshot {
            topic: topic("runner:7"),
            seq: 3,
            resumed: false,
            gap: None,
            count: 3,
        });
        book.record(&ServerMsg::Event {
            topic: topic("runner:7"),
            seq: 4,
            data: EventData::Fix {
                lat: 0.0,
                lng: 0.0,
                ts: 0,
                t: None,
            },
        });
        let old = book.on_welcome("e2");
        assert_eq!(old.as_deref(), Some("e1"));
        let subscribe = ClientMsg::Subscribe {
            id: None,
            topics: vec![topic("runner:7"), topic("runner:8")],
            resume: None,
        };
        let ClientMsg::Subscribe {
            resume: Some(resume),
            ..
        } = book.resume(subscribe, old.as_deref())
        else {
            panic!("no resume added")
        };
        assert_eq!(resume.epoch, "e1");
        assert_eq!(resume.since, BTreeMap::from([(topic("runner:7"), 4)]));
    }

    #[test]
    fn forgotten_and_unknown_topics_start_fresh() {
        let mut book = ResumeBook::default();
        book.on_welcome("e1");
        book.record(&ServerMsg::Snapshot {
            topic: topic("series:s"),
            seq: 9,
            resumed: false,
            gap: None,
            count: 0,
        });
        book.forget(&[topic("series:s")]);
        let subscribe = ClientMsg::Subscribe {
            id: None,
            topics: vec![topic("series:s")],
            resume: None,
        };
        assert_eq!(book.resume(subscribe.clone(), Some("e1")), subscribe);
    }
}
