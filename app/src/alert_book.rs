//! Which split alerts a page shows: each split of a followed runner once, while the
//! page is open, whatever the socket does.
//!
//! A split reaches the page as an `event` on the runner's topic. The same split can
//! arrive more than once: a reconnect resumes from the last `seq` seen (nothing
//! twice), but a resume that fails (`gap`) answers with a fresh snapshot, which
//! repeats what is still in history. So the book remembers every split it has seen,
//! by runner, point and crossing time.
//!
//! A fresh snapshot without a gap is what a page gets when it starts following a
//! runner: the splits in it happened before, and are taken in silently. Everything
//! else (live events, a resume's missed events, a snapshot after a gap) is news if the
//! book has not seen it. Plain Rust, no Leptos, so it is unit-tested.

use std::collections::{HashMap, HashSet};

use crate::protocol::{EventData, RunnerId, ServerMsg, Topic, splits::Split};

/// The splits one page has seen.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AlertBook {
    seen: HashSet<(RunnerId, usize, u64)>,
    /// Per runner topic, events of a quiet snapshot still to come.
    quiet: HashMap<Topic, usize>,
}

impl AlertBook {
    /// Takes one server message; returns the split to alert about, if it is news of
    /// a runner that `followed` says the page follows.
    pub fn take(&mut self, msg: &ServerMsg, followed: impl Fn(&RunnerId) -> bool) -> Option<Split> {
        match msg {
            ServerMsg::Snapshot {
                topic: topic @ Topic::Runner(_),
                resumed,
                gap,
                count,
                ..
            } => {
                if !*resumed && gap.is_none() {
                    self.quiet.insert(topic.clone(), *count);
                } else {
                    self.quiet.remove(topic);
                }
                None
            }
            ServerMsg::Event {
                topic: topic @ Topic::Runner(runner),
                data,
                ..
            } => {
                let quiet = match self.quiet.get_mut(topic) {
                    Some(left) if *left > 0 => {
                        *left -= 1;
                        true
                    }
                    _ => false,
                };
                let EventData::Split { split, .. } = data else {
                    return None;
                };
                let new = self
                    .seen
                    .insert((split.bib.clone(), split.point, split.at_ms));
                (new && !quiet && split.bib == *runner && followed(runner))
                    .then(|| split.as_ref().clone())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::v1::{Gap, GapReason};

    fn topic() -> Topic {
        Topic::parse("runner:7").unwrap()
    }

    fn snapshot(resumed: bool, gap: bool, count: usize) -> ServerMsg {
        ServerMsg::Snapshot {
            topic: topic(),
            seq: 10,
            resumed,
            gap: gap.then_some(Gap {
                after: 3,
                reason: GapReason::TooOld,
            }),
            count,
        }
    }

    fn split(point: usize, at_ms: u64) -> ServerMsg {
        ServerMsg::Event {
            topic: topic(),
            seq: 11,
            data: EventData::Split {
                split: Box::new(Split {
                    bib: RunnerId::parse("7").unwrap(),
                    point,
                    name: format!("cp {point}"),
                    finish: false,
                    distance_m: 1000.0,
                    at_ms,
                    time: "09:00:00".into(),
                    elapsed_ms: None,
                    pace_s_per_km: None,
                    rank: 1,
                }),
                ts: at_ms,
            },
        }
    }

    fn fix() -> ServerMsg {
        ServerMsg::Event {
            topic: topic(),
            seq: 9,
            data: EventData::Fix {
                lat: 0.0,
                lng: 0.0,
                ts: 1,
                t: None,
            },
        }
    }

    fn alerts(book: &mut AlertBook, msgs: &[ServerMsg]) -> Vec<usize> {
        msgs.iter()
            .filter_map(|m| book.take(m, |_| true))
            .map(|s| s.point)
            .collect()
    }

    #[test]
    fn a_first_snapshot_is_history_and_live_splits_alert_once() {
        let mut book = AlertBook::default();
        // Following: a snapshot of a fix and an old split, quietly.
        assert!(
            alerts(
                &mut book,
                &[snapshot(false, false, 2), fix(), split(0, 100)]
            )
            .is_empty()
        );
        // Live: news, once.
        assert_eq!(
            alerts(&mut book, &[fix(), split(1, 200), split(1, 200)]),
            [1]
        );
    }

    #[test]
    fn a_resume_brings_what_was_missed_and_a_gap_repeats_nothing_seen() {
        let mut book = AlertBook::default();
        alerts(&mut book, &[snapshot(false, false, 0), split(0, 100)]);
        // Reconnected: the resume carries a split missed while away.
        assert_eq!(
            alerts(&mut book, &[snapshot(true, false, 2), fix(), split(1, 200)]),
            [1]
        );
        // A failed resume: a fresh snapshot repeats both, and brings one more.
        let again = [
            snapshot(false, true, 3),
            split(0, 100),
            split(1, 200),
            split(2, 300),
        ];
        assert_eq!(alerts(&mut book, &again), [2]);
    }

    #[test]
    fn runners_not_followed_and_other_topics_never_alert() {
        let mut book = AlertBook::default();
        assert!(book.take(&split(0, 100), |_| false).is_none());
        let room = ServerMsg::Event {
            topic: Topic::parse("room:lobby").unwrap(),
            seq: 1,
            data: EventData::Say {
                text: "hi".into(),
                ts: 1,
                name: None,
            },
        };
        assert!(book.take(&room, |_| true).is_none());
    }
}
