//! The `field` topic: every runner's latest position, at a constant cost per spectator.
//!
//! Every fix of an event runner reaches [`Field::record`] (through
//! [`super::Hub::record_fix`], on a single node and on every node of a cluster alike),
//! which only notes the runner's newest position. Once per cadence
//! ([`Field::tick`], 1 s by default) the runners that moved since the previous frame
//! become one frame, encoded once and queued to every subscriber: 5,000 runners at a
//! fix every 5 s is one frame of about 1,000 rows a second per spectator instead of
//! 1,000 messages, and the server's work per frame is one encoding plus one push per
//! spectator. A new subscriber gets a `snapshot` header and one full frame (every
//! runner's latest position, no histories), encoded once per cadence however many
//! spectators join in it.
//!
//! Frames are not conflated: a delta only makes sense after the ones before it, and a
//! spectator who cannot take one frame a second is cut off as slow like any other.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{
    LatLng, RunnerId, ServerMsg, Topic,
    field::{FieldRow, origin_near},
};

use tokio::task::JoinHandle;

use super::{ConnId, Hub, Outbox, every::every, now_ms};

/// Makes a field frame every `period` (`--field-every-ms`).
pub(crate) fn start(hub: Arc<Hub>, period: Duration) -> JoinHandle<()> {
    every(hub, period, |hub| {
        hub.field.tick(now_ms());
    })
}

/// The field of one server: the newest position of each runner and who listens.
#[derive(Debug, Default)]
pub(crate) struct Field {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Positions are sent relative to this (set by the first fix).
    origin: Option<[f64; 2]>,
    /// Runner -> (lat, lng, taken ms).
    latest: HashMap<RunnerId, (f64, f64, u64)>,
    /// Runners whose position changed since the last frame.
    moved: HashSet<RunnerId>,
    /// The last frame's number.
    seq: u64,
    /// The full frame as of `seq`, made on first need.
    full: Option<(u64, Utf8Bytes)>,
    subscribers: HashMap<ConnId, Outbox>,
}

/// What one [`Field::tick`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tick {
    /// Rows in the frame (0: nothing moved, no frame).
    pub(crate) rows: usize,
    /// Subscribers it was queued to.
    pub(crate) queued: usize,
}

impl Field {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `runner` was at `position` at `taken_ms`. An older fix than the newest known
    /// (one kept by a phone while offline) does not move the runner back.
    pub(crate) fn record(&self, runner: &RunnerId, position: LatLng, taken_ms: u64) {
        let mut state = self.lock();
        if state.origin.is_none() {
            state.origin = Some(origin_near(position.lat(), position.lng()));
        }
        match state.latest.get_mut(runner) {
            Some(latest) if latest.2 > taken_ms => return,
            Some(latest) => *latest = (position.lat(), position.lng(), taken_ms),
            None => {
                state
                    .latest
                    .insert(runner.clone(), (position.lat(), position.lng(), taken_ms));
            }
        }
        if !state.moved.contains(runner) {
            state.moved.insert(runner.clone());
        }
    }

    /// Forgets every position (a new edition of the demo race), telling subscribers
    /// with an empty full frame.
    pub(crate) fn clear(&self, now_ms: u64) {
        let mut state = self.lock();
        state.latest.clear();
        state.moved.clear();
        state.seq += 1;
        let frame = encode(&state, now_ms, true, Vec::new());
        state.full = Some((state.seq, frame.clone()));
        for outbox in state.subscribers.values() {
            outbox.push(frame.clone());
        }
    }

    /// Makes the frame of the runners that moved since the last one, and queues it to
    /// every subscriber.
    pub(crate) fn tick(&self, now_ms: u64) -> Tick {
        let mut state = self.lock();
        if state.moved.is_empty() {
            return Tick::default();
        }
        let moved = std::mem::take(&mut state.moved);
        let mut rows: Vec<&RunnerId> = moved.iter().collect();
        rows.sort();
        let origin = state.origin.unwrap_or_default();
        let rows: Vec<FieldRow> = rows
            .into_iter()
            .filter_map(|runner| {
                let &(lat, lng, taken) = state.latest.get(runner)?;
                Some(FieldRow::new(
                    runner.clone(),
                    (lat, lng),
                    taken,
                    origin,
                    now_ms,
                ))
            })
            .collect();
        state.seq += 1;
        let count = rows.len();
        let frame = encode(&state, now_ms, false, rows);
        let published = Instant::now();
        let mut queued = 0;
        for outbox in state.subscribers.values() {
            if outbox.push_published(frame.clone(), published, None)
                == super::outbox::Pushed::Queued
            {
                queued += 1;
            }
        }
        Tick {
            rows: count,
            queued,
        }
    }

    /// Adds `conn`: a `snapshot` header and the full frame, queued before any frame
    /// after it. A resume point is no use here (the full frame is the whole state), so
    /// every subscribe gets a fresh one. False if it was already subscribed.
    pub(crate) fn subscribe(&self, conn: ConnId, outbox: &Outbox, now_ms: u64) -> bool {
        let mut state = self.lock();
        let full = match &state.full {
            Some((seq, frame)) if *seq == state.seq => frame.clone(),
            _ => {
                let frame = full_frame(&state, now_ms);
                state.full = Some((state.seq, frame.clone()));
                frame
            }
        };
        let header = ServerMsg::Snapshot {
            topic: Topic::Field,
            seq: state.seq,
            resumed: false,
            gap: None,
            count: 1,
        };
        outbox.push_catchup(header.encode().into());
        outbox.push_catchup(full);
        state.subscribers.insert(conn, outbox.clone()).is_none()
    }

    /// Removes `conn`, if it was there.
    pub(crate) fn unsubscribe(&self, conn: ConnId) -> bool {
        self.lock().subscribers.remove(&conn).is_some()
    }

    /// Subscribers here.
    pub(crate) fn subscribers(&self) -> usize {
        self.lock().subscribers.len()
    }
}

/// The frame of every runner with a position. It is made once per frame number and
/// shared by everyone who joins before the next: positions that change meanwhile are
/// in the next delta (every runner that moved since the last tick is), so a joiner's
/// full frame and the deltas after it always add up to the field.
fn full_frame(state: &State, now_ms: u64) -> Utf8Bytes {
    let origin = state.origin.unwrap_or_default();
    let mut rows: Vec<FieldRow> = state
        .latest
        .iter()
        .map(|(runner, &(lat, lng, taken))| {
            FieldRow::new(runner.clone(), (lat, lng), taken, origin, now_ms)
        })
        .collect();
    rows.sort_by(|a, b| a.runner().cmp(b.runner()));
    encode(state, now_ms, true, rows)
}

fn encode(state: &State, now_ms: u64, full: bool, rows: Vec<FieldRow>) -> Utf8Bytes {
    ServerMsg::Field {
        seq: state.seq,
        t: now_ms,
        full,
        o: state.origin.unwrap_or_default(),
        r: rows,
    }
    .encode()
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{OutboxBounds, outbox::outbox};

    fn bib(n: u32) -> RunnerId {
        RunnerId::parse(&n.to_string()).unwrap()
    }

    fn at(lat: f64, lng: f64) -> LatLng {
        LatLng::parse(lat, lng).unwrap()
    }

    async fn frames(rx: &mut crate::hub::OutboxReceiver) -> Vec<ServerMsg> {
        let mut batch = Vec::new();
        let _ = rx.next(&mut batch).await;
        batch
            .iter()
            .map(|q| ServerMsg::parse(q.frame.as_str()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_joiner_gets_every_position_then_only_what_moved_once_a_tick() {
        let field = Field::default();
        for n in 1..=500 {
            field.record(&bib(n), at(45.0 + f64::from(n) * 1e-4, 6.0), 1_000);
        }
        // Many fixes of one runner before a tick: one row, the newest.
        field.record(&bib(7), at(45.5, 6.5), 2_000);
        field.record(&bib(7), at(45.6, 6.6), 3_000);
        // A late fix does not move the runner back.
        field.record(&bib(7), at(40.0, 6.0), 2_500);
        let first = field.tick(4_000);
        assert_eq!(first.rows, 500);
        let (tx, mut rx) = outbox(OutboxBounds {
            conflate_after: 10,
            max_bytes: 100,
        });
        assert!(field.subscribe(1, &tx, 4_100));
        let got = frames(&mut rx).await;
        let [
            ServerMsg::Snapshot { count: 1, .. },
            ServerMsg::Field {
                full: true, r, o, ..
            },
        ] = got.as_slice()
        else {
            panic!("{got:?}")
        };
        assert_eq!(r.len(), 500, "every runner, over the slow-consumer bound");
        let seven = r.iter().find(|row| row.runner() == &bib(7)).unwrap();
        let (lat, lng) = seven.position(*o);
        assert!((lat - 45.6).abs() < 1e-5 && (lng - 6.6).abs() < 1e-5);
        // Nothing moved: no frame. Two moved: a frame of two.
        assert_eq!(field.tick(5_000).rows, 0);
        field.record(&bib(3), at(45.0, 6.1), 5_500);
        field.record(&bib(9), at(45.0, 6.2), 5_600);
        let tick = field.tick(6_000);
        assert_eq!((tick.rows, tick.queued), (2, 1));
        let got = frames(&mut rx).await;
        let [
            ServerMsg::Field {
                full: false, r, t, ..
            },
        ] = got.as_slice()
        else {
            panic!("{got:?}")
        };
        assert_eq!(
            r.iter().map(|r| r.runner().as_str()).collect::<Vec<_>>(),
            ["3", "9"]
        );
        assert_eq!(r[0].taken_ms(*t), 5_500);
        assert!(field.unsubscribe(1));
        assert_eq!(field.subscribers(), 0);
    }
}
