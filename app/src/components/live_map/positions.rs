//! Where the map last saw each runner, kept apart from Leaflet so that positions
//! arriving before the map (or the library) is up are drawn when it is, and so that
//! the bookkeeping of the field's frames is plain Rust with tests.
//!
//! Positions come from three places: a followed runner's own topic (exact fixes), the
//! `field` stream (every runner, once a second, to a metre), and the board (a last
//! known position before either has spoken). A position never goes back in time. A
//! `full` field frame is the whole field: a runner it leaves out has no position any
//! more, unless the page follows them (their own topic speaks for them).

use std::collections::HashMap;

use crate::protocol::RunnerId;

/// One runner's latest position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Seen {
    /// Degrees.
    pub(crate) lat: f64,
    /// Degrees.
    pub(crate) lng: f64,
    /// When the fix was taken, ms since the Unix epoch.
    pub(crate) seen_ms: u64,
    /// The full field frame this position was last confirmed by (see
    /// [`Positions::start_full`]).
    frame: u64,
}

/// What [`Positions::record`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// The runner's first position.
    First,
    /// A newer position; the previous one was taken at this time.
    After(u64),
    /// Older than the one we have: kept the newer one.
    Older,
}

/// The latest position of every runner the map knows of.
#[derive(Debug, Default)]
pub(crate) struct Positions {
    latest: HashMap<RunnerId, Seen>,
    /// The current full frame's number.
    frame: u64,
}

impl Positions {
    /// The runner's latest position.
    pub(crate) fn get(&self, runner: &RunnerId) -> Option<Seen> {
        self.latest.get(runner).copied()
    }

    /// Whether the runner has a position.
    pub(crate) fn contains(&self, runner: &RunnerId) -> bool {
        self.latest.contains_key(runner)
    }

    /// How many runners have a position.
    pub(crate) fn len(&self) -> usize {
        self.latest.len()
    }

    /// Every runner with a position.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&RunnerId, &Seen)> {
        self.latest.iter()
    }

    /// Records a position unless it is older than the one we have. Either way the
    /// runner counts as present in the current full frame. The runner's id is cloned
    /// only the first time (a field frame of known runners allocates nothing here).
    pub(crate) fn record(
        &mut self,
        runner: &RunnerId,
        lat: f64,
        lng: f64,
        seen_ms: u64,
    ) -> Recorded {
        let frame = self.frame;
        let fresh = Seen {
            lat,
            lng,
            seen_ms,
            frame,
        };
        match self.latest.get_mut(runner) {
            Some(seen) if seen.seen_ms > seen_ms => {
                seen.frame = frame;
                Recorded::Older
            }
            Some(seen) => {
                let previous = seen.seen_ms;
                *seen = fresh;
                Recorded::After(previous)
            }
            None => {
                self.latest.insert(runner.clone(), fresh);
                Recorded::First
            }
        }
    }

    /// Forgets a runner.
    pub(crate) fn remove(&mut self, runner: &RunnerId) {
        self.latest.remove(runner);
    }

    /// A full field frame begins: the positions it records from now on are the field.
    pub(crate) fn start_full(&mut self) {
        self.frame += 1;
    }

    /// The full frame ended: runners it did not list lose their position, except those
    /// in `keep` (followed: their own topic speaks for them). Returns who was removed.
    pub(crate) fn end_full(&mut self, keep: &[RunnerId]) -> Vec<RunnerId> {
        let frame = self.frame;
        let gone: Vec<RunnerId> = self
            .latest
            .iter()
            .filter(|(runner, seen)| seen.frame != frame && !keep.contains(runner))
            .map(|(runner, _)| runner.clone())
            .collect();
        for runner in &gone {
            self.latest.remove(runner);
        }
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> RunnerId {
        RunnerId::parse(text).unwrap()
    }

    #[test]
    fn a_position_never_goes_back_in_time() {
        let mut p = Positions::default();
        assert_eq!(p.record(&id("1"), 1.0, 1.0, 1_000), Recorded::First);
        assert_eq!(p.record(&id("1"), 2.0, 2.0, 2_000), Recorded::After(1_000));
        assert_eq!(p.record(&id("1"), 3.0, 3.0, 1_500), Recorded::Older);
        assert_eq!(
            p.get(&id("1")).map(|s| (s.lat, s.seen_ms)),
            Some((2.0, 2_000))
        );
    }

    #[test]
    fn a_full_frame_replaces_the_field_but_keeps_followed_runners() {
        let mut p = Positions::default();
        for bib in ["1", "2", "3", "4"] {
            p.record(&id(bib), 1.0, 1.0, 1_000);
        }
        p.start_full();
        p.record(&id("1"), 1.0, 1.0, 2_000);
        // Older than what we have, but listed: still present.
        p.record(&id("2"), 1.0, 1.0, 500);
        let mut gone = p.end_full(&[id("4")]);
        gone.sort();
        assert_eq!(gone, vec![id("3")]);
        assert_eq!(p.len(), 3);
        assert!(p.contains(&id("4")) && !p.contains(&id("3")));
        // Unfollowed with no field to speak for them: forgotten.
        p.remove(&id("4"));
        assert_eq!(p.iter().count(), 2);
    }
}
