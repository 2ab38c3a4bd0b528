//! Runner fixes: which connections follow which runner, and the fan-out of each fix.
//!
//! The registry is split into shards by runner id, each a `std::sync::Mutex` around a
//! map. Locks are held only for map updates and non-blocking `try_send`s, never across
//! an `.await`, so a std mutex is cheaper than an async one. A fix is delivered while
//! its shard is locked: that gives every follower of a runner the same order of fixes,
//! and makes the snapshot sent on follow line up exactly with the live fixes after it.

use std::{
    collections::{HashMap, VecDeque, hash_map::Entry},
    hash::{BuildHasher, RandomState},
    sync::{
        Mutex, MutexGuard, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{LatLng, ProtocolError, RunnerId, ServerMsg, seed::SeedFix};

use super::{ConnId, Outbox, WireFormat, outbox::Pushed};

/// How many recent fixes per runner are kept for the snapshot a new follower gets.
pub const RECENT_FIXES: usize = 32;
const SHARDS: usize = 16;

/// One accepted fix.
#[derive(Clone, Debug)]
pub struct FixRecord {
    /// Whose position.
    pub runner: RunnerId,
    /// Where.
    pub position: LatLng,
    /// Server receive time, ms since the Unix epoch.
    pub ts: u64,
}

/// A fix's frames, each format encoded on first use and then shared.
struct FixFrames<'a> {
    fix: &'a FixRecord,
    seed: OnceLock<Utf8Bytes>,
    app: OnceLock<Utf8Bytes>,
}

impl FixFrames<'_> {
    fn get(&self, format: WireFormat) -> Utf8Bytes {
        let fix = self.fix;
        match format {
            WireFormat::Seed => self.seed.get_or_init(|| {
                let msg = SeedFix {
                    user_id: &fix.runner,
                    lat: fix.position.lat(),
                    lng: fix.position.lng(),
                };
                serde_json::to_string(&msg)
                    .expect("seed fix serializes")
                    .into()
            }),
            WireFormat::App => self.app.get_or_init(|| app_frame(fix)),
        }
        .clone()
    }
}

fn app_frame(fix: &FixRecord) -> Utf8Bytes {
    ServerMsg::Fix {
        runner: fix.runner.clone(),
        lat: fix.position.lat(),
        lng: fix.position.lng(),
        ts: fix.ts,
    }
    .encode()
    .into()
}

/// One follower of a runner.
#[derive(Clone, Debug)]
pub struct Follower {
    /// Where its frames go.
    pub outbox: Outbox,
    /// How it wants them encoded.
    pub format: WireFormat,
}

#[derive(Debug, Default)]
struct RunnerEntry {
    followers: HashMap<ConnId, Follower>,
    /// Recent fixes with their `/ws` frame, oldest first.
    recent: VecDeque<(FixRecord, Utf8Bytes)>,
}

/// What a publish reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fanout {
    /// Followers whose outbox took the fix.
    pub queued: usize,
    /// Followers cut off because their outbox was full.
    pub overflowed: usize,
}

/// Runner id -> followers, sharded.
#[derive(Debug)]
pub struct FollowRegistry {
    shards: Box<[Mutex<HashMap<RunnerId, RunnerEntry>>]>,
    hasher: RandomState,
    subscriptions: AtomicUsize,
    runners: AtomicUsize,
    max_runners: usize,
}

impl FollowRegistry {
    /// An empty registry that will track at most `max_runners` runners.
    pub fn new(max_runners: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            subscriptions: AtomicUsize::new(0),
            runners: AtomicUsize::new(0),
            max_runners,
        }
    }

    fn shard(&self, runner: &RunnerId) -> MutexGuard<'_, HashMap<RunnerId, RunnerEntry>> {
        let index = self.hasher.hash_one(runner) as usize % self.shards.len();
        // A panic while holding a shard cannot leave a map half-updated in a way that
        // matters more than losing the whole hub, so recover from poisoning.
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn entry<'m>(
        &self,
        map: &'m mut HashMap<RunnerId, RunnerEntry>,
        runner: &RunnerId,
    ) -> Result<&'m mut RunnerEntry, ProtocolError> {
        match map.entry(runner.clone()) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                if self.runners.fetch_add(1, Ordering::Relaxed) >= self.max_runners {
                    self.runners.fetch_sub(1, Ordering::Relaxed);
                    return Err(ProtocolError::LimitReached(format!(
                        "the server tracks at most {} runners",
                        self.max_runners
                    )));
                }
                Ok(e.insert(RunnerEntry::default()))
            }
        }
    }

    /// Adds `conn` to `runner`'s followers. With `snapshot`, the runner's recent fixes
    /// are queued to it first, in order, before any live fix can overtake them.
    /// Returns false if it already followed.
    pub fn follow(
        &self,
        conn: ConnId,
        runner: &RunnerId,
        follower: Follower,
        snapshot: bool,
    ) -> Result<bool, ProtocolError> {
        let mut shard = self.shard(runner);
        let entry = self.entry(&mut shard, runner)?;
        if entry.followers.contains_key(&conn) {
            return Ok(false);
        }
        if snapshot && follower.format == WireFormat::App {
            for (_, frame) in &entry.recent {
                follower.outbox.push(frame.clone());
            }
        }
        entry.followers.insert(conn, follower);
        self.subscriptions.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Removes `conn` from `runner`'s followers, if it was one.
    pub fn unfollow(&self, conn: ConnId, runner: &RunnerId) {
        let mut shard = self.shard(runner);
        let Some(entry) = shard.get_mut(runner) else {
            return;
        };
        if entry.followers.remove(&conn).is_some() {
            self.subscriptions.fetch_sub(1, Ordering::Relaxed);
        }
        // A runner nobody follows and nobody has published is just a name: forget it.
        if entry.followers.is_empty() && entry.recent.is_empty() {
            shard.remove(runner);
            self.runners.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Records a fix and queues it to every follower of its runner.
    pub fn publish(&self, fix: FixRecord) -> Result<Fanout, ProtocolError> {
        let frames = FixFrames {
            fix: &fix,
            seed: OnceLock::new(),
            app: OnceLock::new(),
        };
        let mut shard = self.shard(&fix.runner);
        let entry = self.entry(&mut shard, &fix.runner)?;
        let mut fanout = Fanout::default();
        for follower in entry.followers.values() {
            match follower.outbox.push(frames.get(follower.format)) {
                Pushed::Queued => fanout.queued += 1,
                Pushed::Overflowed => fanout.overflowed += 1,
                Pushed::Gone => {}
            }
        }
        if entry.recent.len() == RECENT_FIXES {
            entry.recent.pop_front();
        }
        let app = frames.get(WireFormat::App);
        entry.recent.push_back((fix, app));
        Ok(fanout)
    }

    /// The latest fix of every runner that has one (for the page's first paint).
    pub fn latest_fixes(&self) -> Vec<FixRecord> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            out.extend(
                shard
                    .values()
                    .filter_map(|e| e.recent.back().map(|(f, _)| f.clone())),
            );
        }
        out
    }

    /// Current (connection, runner) follow pairs.
    pub fn subscription_count(&self) -> usize {
        self.subscriptions.load(Ordering::Relaxed)
    }

    /// Runners currently tracked.
    pub fn runner_count(&self) -> usize {
        self.runners.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::outbox::outbox;

    fn id(s: &str) -> RunnerId {
        RunnerId::parse(s).unwrap()
    }

    fn fix(runner: &str, lat: f64) -> FixRecord {
        FixRecord {
            runner: id(runner),
            position: LatLng::parse(lat, 0.0).unwrap(),
            ts: 1,
        }
    }

    #[test]
    fn fixes_reach_followers_in_their_format_and_snapshots_come_first() {
        let reg = FollowRegistry::new(10);
        let (seed_tx, mut seed_rx) = outbox(8);
        reg.follow(
            1,
            &id("7"),
            Follower {
                outbox: seed_tx,
                format: WireFormat::Seed,
            },
            true,
        )
        .unwrap();
        reg.publish(fix("7", 1.0)).unwrap();
        assert_eq!(
            seed_rx.frames.try_recv().unwrap().as_str(),
            r#"{"userId":7,"lat":1.0,"lng":0.0}"#
        );

        let (app_tx, mut app_rx) = outbox(8);
        reg.follow(
            2,
            &id("7"),
            Follower {
                outbox: app_tx,
                format: WireFormat::App,
            },
            true,
        )
        .unwrap();
        let snapshot = ServerMsg::parse(app_rx.frames.try_recv().unwrap().as_str()).unwrap();
        assert!(matches!(snapshot, ServerMsg::Fix { lat, .. } if lat == 1.0));
        assert_eq!(reg.subscription_count(), 2);
    }

    #[test]
    fn unfollow_forgets_runners_that_never_published() {
        let reg = FollowRegistry::new(10);
        let (tx, _rx) = outbox(8);
        reg.follow(
            1,
            &id("a"),
            Follower {
                outbox: tx,
                format: WireFormat::App,
            },
            false,
        )
        .unwrap();
        assert_eq!(reg.runner_count(), 1);
        reg.unfollow(1, &id("a"));
        assert_eq!((reg.subscription_count(), reg.runner_count()), (0, 0));
    }

    #[test]
    fn the_runner_limit_is_enforced() {
        let reg = FollowRegistry::new(2);
        reg.publish(fix("a", 0.0)).unwrap();
        reg.publish(fix("b", 0.0)).unwrap();
        reg.publish(fix("a", 1.0)).unwrap();
        let err = reg.publish(fix("c", 0.0)).unwrap_err();
        assert!(matches!(err, ProtocolError::LimitReached(_)));
    }

    #[test]
    fn keeps_only_the_recent_fixes() {
        let reg = FollowRegistry::new(2);
        for i in 0..(RECENT_FIXES + 5) {
            reg.publish(fix("a", i as f64 / 100.0)).unwrap();
        }
        let latest = reg.latest_fixes();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].position.lat(), (RECENT_FIXES + 4) as f64 / 100.0);
    }
}
