//! The leaderboard, computed once per interval and pushed: the `board` topic, each
//! followed runner's row beside their fixes, and the one cached board that
//! `GET /api/leaderboard` and the pages are served from.
//!
//! Before, every spectator polled the whole board every 5 s: at 5,000 runners that is
//! 1.6 MB per spectator per poll, computed and encoded for each of them. Now
//! [`Board::tick`] computes it once per interval (2 s by default), and what each
//! spectator gets is fixed in size whatever the field: the top rows ([`TOP_ROWS`],
//! one frame encoded once for all) and the rows of the runners they follow (one frame
//! per runner, encoded once, queued to that runner's followers that also take the
//! board, when it changed).
//! The whole board stays available over HTTP, paged, with an `ETag`.
//!
//! The `board` frame also carries the field's version and the event's, and is sent
//! when only those changed: an open page reads `/api/entrants` again then, and only
//! then (a field change, not every tick, costs each page one fetch), or says that
//! the event it drew was changed.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{
    RunnerId, ServerMsg, Topic,
    announcement::Announcement,
    race::{Leaderboard, Standing},
};
use tokio::task::JoinHandle;

use super::{ConnId, Hub, Outbox, TopicRegistry, every::every, now_ms};
use crate::race::Race;

/// Rows of the `board` topic: what the page shows before "Show all".
pub const TOP_ROWS: usize = 25;

/// One computation of the board, shared by every reader until the next.
#[derive(Debug)]
pub struct Computed {
    /// Its number (from 1).
    pub seq: u64,
    /// When it was computed.
    at: Instant,
    /// How many fixes the race had taken then.
    fixes: u64,
    /// The whole board.
    pub board: Leaderboard,
    /// The field's version then (`EventInfo::field`).
    field: String,
    /// The event's version then (`EventInfo::settings`).
    settings: String,
    index: HashMap<RunnerId, usize>,
    etag: String,
    json: OnceLock<axum::body::Bytes>,
}

impl Computed {
    /// A strong validator for this computation (the server's run and the number).
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// The whole board as JSON, encoded on first need and shared after.
    pub fn json(&self) -> axum::body::Bytes {
        self.json
            .get_or_init(|| {
                serde_json::to_vec(&self.board)
                    .expect("a leaderboard serializes")
                    .into()
            })
            .clone()
    }

    /// `runner`'s row, if they are in the event.
    pub fn row(&self, runner: &RunnerId) -> Option<&Standing> {
        self.index
            .get(runner)
            .and_then(|&i| self.board.standings.get(i))
    }

    /// Rows `offset..offset + limit` (leader first), with the board's total.
    pub fn page(&self, offset: usize, limit: usize) -> Leaderboard {
        Leaderboard {
            event: self.board.event.clone(),
            course_m: self.board.course_m,
            runners: self.board.standings.len(),
            standings: self
                .board
                .standings
                .iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
        }
    }

    /// The top rows and `follows`' rows (in board order): what a page shows.
    pub fn view(&self, follows: &[RunnerId]) -> Leaderboard {
        let mut board = self.page(0, TOP_ROWS);
        let mut extra: Vec<(usize, &Standing)> = follows
            .iter()
            .filter_map(|r| self.index.get(r).map(|&i| (i, &self.board.standings[i])))
            .filter(|(i, _)| *i >= TOP_ROWS)
            .collect();
        extra.sort_by_key(|(i, _)| *i);
        extra.dedup_by_key(|(i, _)| *i);
        board
            .standings
            .extend(extra.into_iter().map(|(_, s)| s.clone()));
        board
    }
}

/// The board of one server and the `board` topic's subscribers.
#[derive(Debug)]
pub(crate) struct Board {
    state: Mutex<State>,
    /// Names this run in `ETag`s.
    run: u32,
    /// Fixes the race has taken (see [`Board::touch`]).
    fixes: AtomicU64,
    /// A read between two ticks computes afresh if the board is older than this and
    /// fixes came since (ms; the tick's period).
    refresh_ms: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    latest: Option<Arc<Computed>>,
    /// The `board` frame of the latest computation, and the rows it was made of (to
    /// tell whether the next differs).
    top: Option<(String, Utf8Bytes)>,
    /// The row last sent per followed runner.
    rows: HashMap<RunnerId, String>,
    subscribers: HashMap<ConnId, Outbox>,
    /// The organisers' announcement, and its `announcement` frame once one was set
    /// or cleared (sent after the board to each new subscriber).
    announcement: (Option<Announcement>, Option<Utf8Bytes>),
}

/// What one [`Board::tick`] sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tick {
    /// Whether the top changed (and was queued to `board` subscribers).
    pub(crate) top_changed: bool,
    /// Followed runners whose row changed and was queued to their followers.
    pub(crate) rows_sent: usize,
}

impl Default for Board {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            run: fastrand::u32(..),
            fixes: AtomicU64::new(0),
            refresh_ms: AtomicU64::new(2_000),
        }
    }
}

impl Board {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets how old a board may be served while fixes came since (the tick's period).
    pub(crate) fn set_refresh(&self, period: Duration) {
        self.refresh_ms
            .store(period.as_millis() as u64, Ordering::Relaxed);
    }

    /// The race took a fix: the board is out of date.
    pub(crate) fn touch(&self) {
        self.fixes.fetch_add(1, Ordering::Relaxed);
    }

    /// The latest computation; computed now if there is none, or if fixes came since
    /// and it is older than the tick's period (between ticks, many readers share it).
    pub(crate) fn latest(&self, race: &Race) -> Arc<Computed> {
        if let Some(latest) = &self.lock().latest {
            let refresh = Duration::from_millis(self.refresh_ms.load(Ordering::Relaxed));
            if latest.fixes == self.fixes.load(Ordering::Relaxed) || latest.at.elapsed() < refresh {
                return latest.clone();
            }
        }
        self.compute(race, now_ms())
    }

    fn compute(&self, race: &Race, now_ms: u64) -> Arc<Computed> {
        let fixes = self.fixes.load(Ordering::Relaxed);
        let board = race.leaderboard(now_ms);
        let index = board
            .standings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.bib.clone(), i))
            .collect();
        let mut state = self.lock();
        let seq = state.latest.as_ref().map_or(0, |c| c.seq) + 1;
        let computed = Arc::new(Computed {
            seq,
            at: Instant::now(),
            fixes,
            board,
            field: race.event_info().field.clone(),
            settings: race.event_info().settings.clone(),
            index,
            etag: format!("\"{:08x}-{seq}\"", self.run),
            json: OnceLock::new(),
        });
        state.latest = Some(computed.clone());
        computed
    }

    /// Computes the board, queues its top to `board` subscribers if it changed, and
    /// each followed runner's row to their followers if it changed.
    pub(crate) fn tick(&self, race: &Race, topics: &TopicRegistry, now_ms: u64) -> Tick {
        let computed = self.compute(race, now_ms);
        let mut tick = Tick::default();
        let top: Vec<&Standing> = computed.board.standings.iter().take(TOP_ROWS).collect();
        // The field's and the event's versions are part of the key: a runner added at
        // the back of the board, or a checkpoint moved, changes no top row, but every
        // open page must learn of them.
        let key = format!(
            "{}{}{}",
            computed.field,
            computed.settings,
            serde_json::to_string(&top).expect("rows serialize")
        );
        let mut state = self.lock();
        if state.top.as_ref().is_none_or(|(k, _)| *k != key) {
            let frame = board_frame(&computed, now_ms);
            let published = Instant::now();
            for outbox in state.subscribers.values() {
                outbox.push_published(frame.clone(), published, None);
            }
            state.top = Some((key, frame));
            tick.top_changed = true;
        }
        let mut rows = HashMap::new();
        for standing in &computed.board.standings {
            let topic = Topic::Runner(standing.bib.clone());
            if !topics.has_subscribers(&topic) {
                continue;
            }
            let row = serde_json::to_string(standing).expect("a row serializes");
            if state.rows.get(&standing.bib) != Some(&row) {
                // Only to followers that take the board: a v1 client that never asked
                // for it sees its runner topics exactly as before.
                let subscribers = &state.subscribers;
                topics.push_beside(&topic, &standing_frame(&topic, &row), |conn| {
                    subscribers.contains_key(&conn)
                });
                tick.rows_sent += 1;
            }
            rows.insert(standing.bib.clone(), row);
        }
        state.rows = rows;
        tick
    }

    /// The `standing` frame of `runner`'s row in the latest board, for their new
    /// follower `conn` (after the snapshot of their topic), if `conn` takes the board.
    pub(crate) fn row_frame(&self, conn: ConnId, runner: &RunnerId) -> Option<Utf8Bytes> {
        let latest = {
            let state = self.lock();
            if !state.subscribers.contains_key(&conn) {
                return None;
            }
            state.latest.clone()?
        };
        let row = serde_json::to_string(latest.row(runner)?).expect("a row serializes");
        Some(standing_frame(&Topic::Runner(runner.clone()), &row))
    }

    /// Adds `conn`: a `snapshot` header and the latest board's top. False if it was
    /// already subscribed.
    pub(crate) fn subscribe(&self, conn: ConnId, outbox: &Outbox, race: &Race) -> bool {
        let latest = self.latest(race);
        let mut state = self.lock();
        let frame = match &state.top {
            Some((_, frame)) => frame.clone(),
            None => board_frame(&latest, now_ms()),
        };
        let header = ServerMsg::Snapshot {
            topic: Topic::Board,
            seq: latest.seq,
            resumed: false,
            gap: None,
            count: 1,
        };
        outbox.push_catchup(header.encode().into());
        outbox.push_catchup(frame);
        if let Some(notice) = &state.announcement.1 {
            outbox.push_catchup(notice.clone());
        }
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

    /// Sets (or clears, `None`) the organisers' announcement and pushes it to every
    /// subscriber at once. Every spectator's map and every runner's page takes
    /// `board`, so this reaches them all without a topic of its own: one frame,
    /// encoded once and queued to each (a shared buffer, not a copy).
    pub(crate) fn announce(&self, announcement: Option<Announcement>) {
        let frame: Utf8Bytes = ServerMsg::Announcement {
            announcement: announcement.clone(),
        }
        .encode()
        .into();
        let mut state = self.lock();
        let published = Instant::now();
        for outbox in state.subscribers.values() {
            outbox.push_published(frame.clone(), published, None);
        }
        state.announcement = (announcement, Some(frame));
    }

    /// The announcement up now, for pages rendered by the server.
    pub(crate) fn announcement(&self) -> Option<Announcement> {
        self.lock().announcement.0.clone()
    }
}

fn board_frame(computed: &Computed, now_ms: u64) -> Utf8Bytes {
    ServerMsg::Board {
        seq: computed.seq,
        t: now_ms,
        runners: computed.board.standings.len(),
        top: computed
            .board
            .standings
            .iter()
            .take(TOP_ROWS)
            .cloned()
            .collect(),
        field: computed.field.clone(),
        settings: computed.settings.clone(),
    }
    .encode()
    .into()
}

/// `{"type":"standing","topic":"runner:<bib>","row":<row>}`, around a row encoded
/// once for the comparison with the last one sent.
fn standing_frame(topic: &Topic, row: &str) -> Utf8Bytes {
    let topic = serde_json::to_string(topic).expect("a topic serializes");
    format!(r#"{{"type":"standing","topic":{topic},"row":{row}}}"#).into()
}

/// Computes and pushes the board every `period` while the server tracks an event
/// (at most every 50 ms: tests set a short period so that reads are fresh).
pub(crate) fn start(hub: Arc<Hub>, period: Duration) -> JoinHandle<()> {
    hub.board.set_refresh(period);
    every(hub, period.max(Duration::from_millis(50)), |hub| {
        if let Some(race) = hub.race() {
            hub.board.tick(race, &hub.topics, now_ms());
        }
    })
}
