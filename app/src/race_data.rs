//! The race a page starts from ([`RaceView`]): rendered by the server into the first
//! paint, handed to the browser inside the page so hydration sees the very same data,
//! then completed and kept fresh in the browser.
//!
//! The first paint stays small at any field size: it carries the course, the top of
//! the board and the followed runners, not every runner. After hydration the browser
//! fetches every entrant's name once (`GET /api/entrants`, cacheable) for search and
//! labels. The board (distance along the course, pace, ETAs) is the server's
//! computation, computed once for every spectator and pushed over the socket: the map
//! page hands the `board` topic's tops to [`apply_board`] and its followed runners'
//! rows to [`upsert_standing`]. Nothing here polls.

use leptos::prelude::*;

use crate::protocol::{
    RunnerId,
    announcement::Announcement,
    race::{EventInfo, Leaderboard, RaceView, Standing},
};

/// Where server rendering gets the view: provided by the server for each page. It is
/// given the runners the page follows: the view carries the top of the board, those
/// runners' rows and entries, and the course, not the whole field (a first paint
/// stays small however large the race).
#[cfg(feature = "ssr")]
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct RaceSource(pub std::sync::Arc<dyn Fn(&[RunnerId]) -> RaceView + Send + Sync>);

#[cfg(feature = "ssr")]
impl std::fmt::Debug for RaceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RaceSource")
    }
}

/// The race a page shows, as signals, split by how often each part changes: the
/// event (course, marks, entrants) is set once (and completed with every entrant once),
/// the board whenever the server pushes one. Apart, a board refresh wakes only what reads the board, not
/// the search, the map's names or the course profile, which read the event.
#[derive(Clone, Copy, Debug)]
pub struct RaceSignals {
    /// The event, if the server tracks one.
    pub event: RwSignal<Option<EventInfo>>,
    /// The top of its leaderboard and the followed runners' rows, as pushed.
    pub board: RwSignal<Option<Leaderboard>>,
    /// Map tiles: a URL template, or none (plain background).
    pub tiles: RwSignal<Option<String>>,
    /// The server's clock when the page was rendered (see [`RaceView::now_ms`]).
    pub now_ms: u64,
    /// The organisers' announcement, if one is up.
    pub announcement: RwSignal<Option<Announcement>>,
}

impl RaceSignals {
    fn new(view: RaceView) -> Self {
        Self {
            event: RwSignal::new(view.event),
            board: RwSignal::new(view.board),
            tiles: RwSignal::new(view.tiles),
            now_ms: view.now_ms,
            announcement: RwSignal::new(view.announcement),
        }
    }
}

impl RaceSignals {
    /// The event's time of day, minutes east of UTC (0 without an event): clock times
    /// on screen ("no signal since 09:42") are the event's.
    pub fn utc_offset_min(&self) -> i32 {
        self.event
            .with(|e| e.as_ref().map_or(0, |e| e.utc_offset_min))
    }
}

/// The race as signals: the server's view at first paint (for a page following
/// `follows`), completed in the browser.
pub fn use_race_view(follows: &[RunnerId]) -> RaceSignals {
    let initial = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<RaceSource>().map_or_else(RaceView::default, |s| (s.0)(follows))
        }
        // Reached in the browser only after a client-side navigation: fetched below.
        #[cfg(not(feature = "ssr"))]
        {
            let _ = follows;
            RaceView::default()
        }
    })
    .into_inner();
    let race = RaceSignals::new(initial);
    #[cfg(feature = "hydrate")]
    browser::complete(race);
    race
}

/// A board pushed on the `board` topic: its top replaces ours; the rows of followed
/// runners below it (from their own topics) are kept, in order of position.
pub fn apply_board(
    board: Option<Leaderboard>,
    event: Option<&EventInfo>,
    runners: usize,
    top: &[Standing],
    followed: &[RunnerId],
) -> Leaderboard {
    let mut standings = top.to_vec();
    let (name, course_m) = match (&board, event) {
        (Some(b), _) => (b.event.clone(), b.course_m),
        (None, Some(e)) => (e.name.clone(), e.course_m),
        (None, None) => (String::new(), 0.0),
    };
    for row in board.into_iter().flat_map(|b| b.standings) {
        if followed.contains(&row.bib) && !top.iter().any(|t| t.bib == row.bib) {
            standings.push(row);
        }
    }
    if let Some(rest) = standings.get_mut(top.len()..) {
        rest.sort_by_key(place);
    }
    Leaderboard {
        event: name,
        course_m,
        standings,
        runners,
    }
}

/// A followed runner's row, pushed on their topic: replaces theirs, or joins the
/// board in order of position.
pub fn upsert_standing(board: &mut Leaderboard, row: &Standing) {
    if let Some(mine) = board.standings.iter_mut().find(|s| s.bib == row.bib) {
        *mine = row.clone();
    } else {
        let at = board.standings.partition_point(|s| place(s) <= place(row));
        board.standings.insert(at, row.clone());
    }
}

/// Where a row goes on the board: by position, and a runner out of the race
/// (position 0: DNS, DNF, DSQ) after every ranked one.
fn place(s: &Standing) -> usize {
    if s.position == 0 {
        usize::MAX
    } else {
        s.position
    }
}

/// The field's version of a pushed `board` frame: when it is not the page's, runners
/// were added, renamed or removed in the console, and every entrant is read again
/// (`GET /api/entrants`), so the search finds them without a reload. Only then: the
/// board is pushed every few seconds, a field change is rare.
pub fn take_field_version(race: RaceSignals, field: &str) {
    let known = race
        .event
        .with_untracked(|e| e.as_ref().is_none_or(|e| e.field == field));
    if field.is_empty() || known {
        return;
    }
    // Untracked: nothing on the page draws the version; the entrants wake readers.
    race.event.update_untracked(|e| {
        if let Some(e) = e {
            e.field = field.to_owned();
        }
    });
    #[cfg(feature = "hydrate")]
    browser::read_entrants(race, field.to_owned());
}

#[cfg(feature = "hydrate")]
pub(crate) use browser::fetch_json;

#[cfg(feature = "hydrate")]
mod browser {
    //! Fetching the view (after a client-side navigation) and every entrant's name.

    use gloo_net::http::Request;
    use leptos::prelude::*;

    use super::RaceSignals;
    use crate::protocol::race::{Entrant, RaceView};

    pub(super) fn complete(race: RaceSignals) {
        Effect::new(move |started: Option<()>| {
            if started.is_some() {
                return;
            }
            leptos::task::spawn_local(async move {
                if race.event.with_untracked(Option::is_none)
                    && race.tiles.with_untracked(Option::is_none)
                    && let Ok(fresh) = fetch_json::<RaceView>("/api/race").await
                {
                    race.event.set(fresh.event);
                    race.board.set(fresh.board);
                    race.tiles.set(fresh.tiles);
                    race.announcement.set(fresh.announcement);
                }
                // The page carries only the runners it shows: the rest of the names, once.
                let partial = race
                    .event
                    .with_untracked(|e| e.as_ref().is_some_and(|e| e.entrants.len() < e.runners));
                if partial && let Ok(all) = fetch_json::<Vec<Entrant>>("/api/entrants").await {
                    race.event.update(|e| {
                        if let Some(e) = e {
                            e.entrants = all;
                        }
                    });
                }
            });
        });
    }

    /// Reads every entrant again for field version `field`; kept only if no newer
    /// version came meanwhile (two changes in a row: the last read wins).
    pub(super) fn read_entrants(race: RaceSignals, field: String) {
        leptos::task::spawn_local(async move {
            let read = Request::get("/api/entrants")
                .cache(web_sys::RequestCache::NoCache)
                .send()
                .await;
            let Ok(all) = (match read {
                Ok(response) => response.json::<Vec<Entrant>>().await,
                Err(err) => Err(err),
            }) else {
                return;
            };
            race.event.update(|e| {
                if let Some(e) = e.as_mut().filter(|e| e.field == field) {
                    e.runners = all.len();
                    e.entrants = all;
                }
            });
        });
    }

    /// GETs `url` and reads its JSON.
    pub(crate) async fn fetch_json<T: serde::de::DeserializeOwned>(
        url: &str,
    ) -> Result<T, gloo_net::Error> {
        Request::get(url).send().await?.json::<T>().await
    }
}

/// Wall-clock milliseconds, starting at the server's `start_ms` (so the first paint
/// and hydration agree) and ticking once a second in the browser.
pub(crate) fn use_clock(start_ms: u64) -> RwSignal<u64> {
    let now = RwSignal::new(start_ms);
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_none()
            && let Ok(handle) = set_interval_with_handle(
                move || now.set(js_sys::Date::now() as u64),
                std::time::Duration::from_secs(1),
            )
        {
            on_cleanup(move || handle.clear());
        }
    });
    now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::race::{Ahead, Status};

    fn row(bib: &str, position: usize) -> Standing {
        Standing {
            position,
            bib: RunnerId::parse(bib).unwrap(),
            name: format!("Runner {bib}"),
            category: None,
            status: Status::Running,
            reason: None,
            distance_m: 0.0,
            gap_m: 0.0,
            gap_s: None,
            pace_s_per_km: None,
            last_seen_ms: None,
            at: None,
            next_checkpoint: None,
            finish: Ahead {
                name: "finish".into(),
                distance_m: 0.0,
                eta_ms: None,
            },
            finished_ms: None,
            finish_time_ms: None,
        }
    }

    fn bibs(board: &Leaderboard) -> Vec<&str> {
        board.standings.iter().map(|s| s.bib.as_str()).collect()
    }

    #[test]
    fn a_pushed_board_replaces_the_top_and_keeps_followed_rows_below_it() {
        let followed = [RunnerId::parse("9").unwrap(), RunnerId::parse("2").unwrap()];
        let first = apply_board(None, None, 40, &[row("1", 1), row("2", 2)], &followed);
        let mut board = first.clone();
        upsert_standing(&mut board, &row("9", 30));
        upsert_standing(&mut board, &row("7", 20));
        assert_eq!(bibs(&board), ["1", "2", "7", "9"]);
        // 2 moved up, 9 is still below the top; 7 is not followed and goes.
        let next = apply_board(
            Some(board),
            None,
            40,
            &[row("2", 1), row("1", 2)],
            &followed,
        );
        assert_eq!(bibs(&next), ["2", "1", "9"]);
        assert_eq!(next.runners, 40);
        // A followed row in the top is replaced where it is.
        let mut next = next;
        upsert_standing(&mut next, &row("2", 1));
        assert_eq!(bibs(&next), ["2", "1", "9"]);
        // A runner out of the race (no position) joins after every ranked one.
        upsert_standing(&mut next, &row("5", 0));
        upsert_standing(&mut next, &row("8", 35));
        assert_eq!(bibs(&next), ["2", "1", "9", "8", "5"]);
    }
}
